using System.Globalization;
using Recommender.Api.V1;
using Spectre.Console;

namespace Recommender.Cli.Commands;

public sealed class StatsCommand : ClientCommand<ClientSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ClientSettings settings, CancellationToken cancellationToken)
    {
        var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(stats);
            return 0;
        }
        var table = new Table().HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("articles", stats.Corpus.Articles.ToString("N0", CultureInfo.InvariantCulture));
        if (stats.StoreMemory is { } memory)
        {
            table.AddRow("store memory", Markup.Escape(memory.LimitBytes > 0
                ? $"{memory.UsedBytes / 1e6:N1} of {memory.LimitBytes / 1e6:N1} MB ({memory.UsedFraction:P0}){(memory.Warning.Length > 0 ? "; " + memory.Warning : "")}"
                : $"{memory.UsedBytes / 1e6:N1} MB (no limit){(memory.Warning.Length > 0 ? "; " + memory.Warning : "")}"));
        }
        foreach (var section in stats.Corpus.Sections.OrderByDescending(s => s.Value))
        {
            table.AddRow($"  {Markup.Escape(section.Key.Length > 0 ? section.Key : "(no section)")}", section.Value.ToString("N0", CultureInfo.InvariantCulture));
        }
        table.AddRow("store", $"{Markup.Escape(stats.Store)}, namespace {Markup.Escape(stats.Namespace)}" +
            (stats.StoreAvailable ? "" : " [yellow](unreachable)[/]"));
        ModelOutput.AddRows(table, stats.Model);
        table.AddRow("refit pending", stats.RefitPending ? "yes" : "no");
        AnsiConsole.Write(table);
        if (stats.Feedback is { } feedback)
        {
            WriteFeedback(feedback);
        }
        return 0;
    }

    private static void WriteFeedback(FeedbackStats feedback)
    {
        static string Rate(long clicks, long impressions) =>
            impressions == 0 ? "-" : ((double)clicks / impressions).ToString("0.0%", CultureInfo.InvariantCulture);
        AnsiConsole.MarkupLine($"[bold]Click-through[/]: {feedback.Clicks:N0} clicks / {feedback.Impressions:N0} impressions = {Rate(feedback.Clicks, feedback.Impressions)}");
        if (feedback.Impressions == 0 && feedback.Clicks == 0)
        {
            return;
        }
        foreach (var (title, rows) in new[] { ("position", feedback.ByPosition), ("section", feedback.BySection) })
        {
            var table = new Table().AddColumn(title).AddColumn("impressions").AddColumn("clicks").AddColumn("CTR");
            foreach (var row in rows)
            {
                table.AddRow(Markup.Escape(row.Key.Length > 0 ? row.Key : "(none)"),
                    row.Impressions.ToString("N0", CultureInfo.InvariantCulture),
                    row.Clicks.ToString("N0", CultureInfo.InvariantCulture),
                    Rate(row.Clicks, row.Impressions));
            }
            AnsiConsole.Write(table);
        }
    }
}
