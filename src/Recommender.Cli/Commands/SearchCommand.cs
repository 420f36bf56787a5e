using System.ComponentModel;
using System.Globalization;
using Recommender.Api.V1;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class SearchSettings : ClientSettings
{
    [CommandArgument(0, "<WORDS>")]
    [Description("Words that must all appear in the headline.")]
    public string[] Words { get; init; } = [];

    [CommandOption("-n|--limit <N>")]
    [Description("Most results, 1-50 (default 10).")]
    public int Limit { get; init; }
}

public sealed class SearchCommand : ClientCommand<SearchSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, SearchSettings settings, CancellationToken cancellationToken)
    {
        var response = await client.SearchArticlesAsync(new SearchArticlesRequest
        {
            Query = string.Join(' ', settings.Words),
            Limit = settings.Limit,
            Namespace = settings.NamespaceName,
        }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(response);
            return 0;
        }
        if (response.Articles.Count == 0)
        {
            AnsiConsole.MarkupLine("[grey]No stored headline holds all of those words.[/]");
        }
        foreach (var a in response.Articles)
        {
            var date = a.Published?.ToDateTimeOffset().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "undated";
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(a.Id)}[/]  {Markup.Escape(a.Title)} [grey]({Markup.Escape(a.Section)} · {date})[/]");
        }
        return 0;
    }
}
