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
            WriteJson(new
            {
                articles = stats.Corpus.Articles,
                model_version = stats.Model.Version,
                sections = stats.Corpus.Sections,
                refit_pending = stats.RefitPending,
                store = stats.Store,
                store_available = stats.StoreAvailable,
                @namespace = stats.Namespace,
                model = ModelOutput.ToJson(stats.Model),
            });
            return 0;
        }
        var table = new Table().HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("articles", stats.Corpus.Articles.ToString("N0", CultureInfo.InvariantCulture));
        foreach (var section in stats.Corpus.Sections.OrderByDescending(s => s.Value))
        {
            table.AddRow($"  {Markup.Escape(section.Key.Length > 0 ? section.Key : "(no section)")}", section.Value.ToString("N0", CultureInfo.InvariantCulture));
        }
        table.AddRow("store", $"{Markup.Escape(stats.Store)}, namespace {Markup.Escape(stats.Namespace)}" +
            (stats.StoreAvailable ? "" : " [yellow](unreachable)[/]"));
        ModelOutput.AddRows(table, stats.Model);
        table.AddRow("refit pending", stats.RefitPending ? "yes" : "no");
        AnsiConsole.Write(table);
        return 0;
    }
}

public sealed class RetrainCommand : ClientCommand<ClientSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ClientSettings settings, CancellationToken cancellationToken)
    {
        var response = settings.Json
            ? await client.RetrainAsync(new RetrainRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken)
            : await AnsiConsole.Status().StartAsync("Refitting the featurizer and re-embedding every article…",
                async _ => await client.RetrainAsync(new RetrainRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken));
        if (settings.Json)
        {
            WriteJson(new { articles = response.Corpus.Articles, model_version = response.Model.Version, model = ModelOutput.ToJson(response.Model) });
            return 0;
        }
        var table = new Table().HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("articles", response.Corpus.Articles.ToString("N0", CultureInfo.InvariantCulture));
        ModelOutput.AddRows(table, response.Model);
        AnsiConsole.Write(table);
        return 0;
    }
}

internal static class ModelOutput
{
    public static object ToJson(ModelInfo model) => new
    {
        version = model.Version,
        fitted_at = model.FittedAt?.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture),
        fitted_on_articles = model.FittedOnArticles,
        dimensions = model.Dimensions,
        fit_seconds = model.FitSeconds,
        description = model.Description,
    };

    public static void AddRows(Table table, ModelInfo model)
    {
        table.AddRow("model", Markup.Escape(model.Version));
        table.AddRow("  fitted", Markup.Escape(
            $"{model.FittedAt?.ToDateTimeOffset():yyyy-MM-dd HH:mm} UTC on {model.FittedOnArticles:N0} articles in {model.FitSeconds:0.0} s"));
        table.AddRow("  vectors", $"{model.Dimensions} dimensions");
        table.AddRow("  pipeline", Markup.Escape(model.Description));
    }
}
