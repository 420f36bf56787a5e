using System.ComponentModel;
using System.Diagnostics;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class ImportSettings : ClientSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("JSON Lines file: one article per line with id, title, body and optional section, url, published, language, tags.")]
    public string File { get; init; } = "";

    [CommandOption("--batch-size <N>")]
    [Description("Articles per request (default 500, at most 1000).")]
    [DefaultValue(500)]
    public int BatchSize { get; init; } = 500;

    [CommandOption("--no-wait")]
    [Description("Return once the articles are stored, without waiting for a scheduled refit to finish.")]
    public bool NoWait { get; init; }

    public override ValidationResult Validate() =>
        BatchSize < 1 || BatchSize > InputLimits.Default.MaxBatchSize
            ? ValidationResult.Error($"--batch-size must be between 1 and {InputLimits.Default.MaxBatchSize}.")
            : ValidationResult.Success();
}

/// <summary>
/// Validates the whole file first (every bad line reported by number, nothing sent), then upserts
/// it in batches with progress, then waits until any refit it caused is serving.
/// </summary>
public sealed class ImportCommand : ClientCommand<ImportSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ImportSettings settings, CancellationToken cancellationToken)
    {
        if (!ArticleUpload.TryLoad(settings.File, out var articles))
        {
            return 2;
        }

        var started = Stopwatch.StartNew();
        var totals = await ArticleUpload.RunAsync(client, settings.NamespaceName, articles, settings.BatchSize, !settings.NoWait, settings.Json, cancellationToken);

        var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        var seconds = started.Elapsed.TotalSeconds;
        if (settings.Json)
        {
            WriteJson(new
            {
                imported = articles.Count,
                created = totals.Created,
                updated = totals.Updated,
                unchanged = totals.Unchanged,
                embedded = totals.Embedded,
                articles = stats.Corpus.Articles,
                model_version = stats.Model.Version,
                refit_pending = stats.RefitPending,
                seconds = Math.Round(seconds, 3),
            });
        }
        else
        {
            Console.WriteLine(
                $"Imported {articles.Count:N0} articles in {seconds:0.0} s ({articles.Count / Math.Max(seconds, 1e-3):N0}/s): " +
                $"{totals.Created:N0} new, {totals.Updated:N0} updated, {totals.Unchanged:N0} unchanged. " +
                $"{stats.Corpus.Articles:N0} stored; model {stats.Model.Version}" +
                (stats.RefitPending ? " (a refit is still pending)." : "."));
        }
        return 0;
    }
}
