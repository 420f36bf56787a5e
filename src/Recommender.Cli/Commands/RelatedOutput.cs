using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Recommender.Api.V1;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>How a related list is shown: a reader's "You may also like" block, or JSON.</summary>
internal static class RelatedOutput
{
    public static RelatedOptions ToOptions(ListSettings settings)
    {
        var options = new RelatedOptions { Limit = settings.Limit };
        options.IncludeSections.AddRange(settings.Sections);
        options.ExcludeIds.AddRange(settings.Exclude);
        if (settings.PublishedAfter is { } after && Core.Articles.Rfc3339.TryParse(after, out var time))
        {
            options.PublishedAfter = Timestamp.FromDateTimeOffset(time);
        }
        options.ExcludeLater = settings.ExcludeLater;
        options.Explain = settings.Explain;
        if (settings.FreshnessHalfLife is { } halfLife)
        {
            options.FreshnessHalfLife = Duration.FromTimeSpan(Durations.Parse(halfLife)!.Value);
        }
        if (settings.Diversity is { } diversity)
        {
            options.Diversity = diversity;
        }
        return options;
    }

    public static void WriteBlock(RelatedResponse response, string heading)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(heading)}[/]");
        if (response.Items.Count == 0)
        {
            AnsiConsole.MarkupLine("  [grey](no suggestions)[/]");
        }
        var position = 0;
        foreach (var item in response.Items)
        {
            position++;
            AnsiConsole.MarkupLine($"  {position,2}. [bold]{Markup.Escape(item.Title)}[/]");
            var facts = new[] { item.Section, Date(item.Published), $"score {item.Score.ToString("0.000", CultureInfo.InvariantCulture)}", item.Id }
                .Where(f => f.Length > 0);
            AnsiConsole.MarkupLine($"      [grey]{Markup.Escape(string.Join(" · ", facts))}[/]");
            if (item.BasedOn.Count > 0)
            {
                AnsiConsole.MarkupLine($"      [grey]because of {Markup.Escape(string.Join(", ", item.BasedOn))}[/]");
            }
            if (item.Url.Length > 0)
            {
                AnsiConsole.MarkupLine($"      [blue]{Markup.Escape(item.Url)}[/]");
            }
            if (item.Why is { } why)
            {
                var factors = string.Join(", ", new[]
                {
                    $"similarity {why.Similarity.ToString("0.000", CultureInfo.InvariantCulture)}",
                    why.Freshness < 1 ? $"freshness ×{why.Freshness.ToString("0.00", CultureInfo.InvariantCulture)}" : "",
                    why.LanguageFactor < 1 ? $"other language ×{why.LanguageFactor.ToString("0.00", CultureInfo.InvariantCulture)}" : "",
                    why.DiversityPenalty > 0 ? $"diversity −{why.DiversityPenalty.ToString("0.000", CultureInfo.InvariantCulture)}" : "",
                }.Where(f => f.Length > 0));
                AnsiConsole.MarkupLine($"      [green]why:[/] {Markup.Escape(string.Join(", ", why.Terms.Select(t => t.Term)))} [grey]({Markup.Escape(factors)})[/]");
                if (why.EditorialRule.Length > 0)
                {
                    AnsiConsole.MarkupLine($"      [yellow]{Markup.Escape(why.EditorialRule)}[/]");
                }
            }
        }
        if (response.UnknownIds.Count > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]not stored, left out: {Markup.Escape(string.Join(", ", response.UnknownIds))}[/]");
        }
        AnsiConsole.MarkupLine($"[grey]model {Markup.Escape(response.ModelVersion)} · recommendation {Markup.Escape(response.RecommendationId)}[/]" +
            (response.Stale ? " [yellow](the store is unreachable: served from memory)[/]" : ""));
    }

    private static string Date(Timestamp? published) =>
        published is null ? "" : published.ToDateTimeOffset().ToString("d MMM yyyy", CultureInfo.InvariantCulture);
}
