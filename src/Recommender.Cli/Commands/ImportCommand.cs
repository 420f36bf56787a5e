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

    [CommandOption("--prune")]
    [Description("After importing, delete the stored articles that are not in the file: the namespace then holds exactly the file.")]
    public bool Prune { get; init; }

    [CommandOption("--dry-run")]
    [Description("Check the file and print what --prune would delete; write nothing.")]
    public bool DryRun { get; init; }

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
            return ExitCodes.InvalidInput;
        }

        if (settings.DryRun)
        {
            return await DryRunAsync(client, settings, articles, cancellationToken);
        }
        var started = Stopwatch.StartNew();
        var totals = await ArticleUpload.RunAsync(client, settings.NamespaceName, articles, settings.BatchSize, !settings.NoWait, settings.Json, cancellationToken);
        var pruned = settings.Prune ? await PruneAsync(client, settings, articles, cancellationToken) : 0;

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
                pruned,
                articles = stats.Corpus.Articles,
                modelVersion = stats.Model.Version,
                refitPending = stats.RefitPending,
                seconds = Math.Round(seconds, 3),
            });
        }
        else
        {
            Console.WriteLine(
                $"Imported {articles.Count:N0} articles in {seconds:0.0} s ({articles.Count / Math.Max(seconds, 1e-3):N0}/s): " +
                $"{totals.Created:N0} new, {totals.Updated:N0} updated, {totals.Unchanged:N0} unchanged" +
                (settings.Prune ? $", {pruned:N0} pruned. " : ". ") +
                $"{stats.Corpus.Articles:N0} stored; model {stats.Model.Version}" +
                (stats.RefitPending ? " (a refit is still pending)." : "."));
        }
        return 0;
    }

    /// <summary>The stored ids the file does not hold.</summary>
    private static async Task<List<string>> StaleAsync(
        RecommenderService.RecommenderServiceClient client, ImportSettings settings, IReadOnlyList<ArticleLine> articles, CancellationToken cancellationToken)
    {
        var keep = articles.Select(a => a.Article.Id).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        await foreach (var stored in StoredArticles.ListAsync(client, settings.NamespaceName, null, cancellationToken))
        {
            if (!keep.Contains(stored.Id))
            {
                stale.Add(stored.Id);
            }
        }
        return stale;
    }

    /// <summary>Deletes the stored articles the file does not hold, in batches, with progress; returns how many went.</summary>
    private static async Task<int> PruneAsync(
        RecommenderService.RecommenderServiceClient client, ImportSettings settings, IReadOnlyList<ArticleLine> articles, CancellationToken cancellationToken)
    {
        var stale = await StaleAsync(client, settings, articles, cancellationToken);
        var deleted = 0;
        foreach (var chunk in stale.Chunk(InputLimits.Default.MaxBatchSize))
        {
            var request = new DeleteArticlesRequest { Namespace = settings.NamespaceName };
            request.Ids.AddRange(chunk);
            deleted += (await client.DeleteArticlesAsync(request, cancellationToken: cancellationToken)).Deleted;
            if (!settings.Json)
            {
                Console.Error.WriteLine($"pruned {deleted:N0} of {stale.Count:N0} stored articles not in the file");
            }
        }
        return deleted;
    }

    /// <summary>Writes nothing: says how many articles the file holds and which stored ones --prune would delete.</summary>
    private static async Task<int> DryRunAsync(
        RecommenderService.RecommenderServiceClient client, ImportSettings settings, IReadOnlyList<ArticleLine> articles, CancellationToken cancellationToken)
    {
        var stale = settings.Prune ? await StaleAsync(client, settings, articles, cancellationToken) : [];
        if (settings.Json)
        {
            WriteJson(new { dryRun = true, inFile = articles.Count, wouldPrune = stale });
            return 0;
        }
        foreach (var id in stale)
        {
            Console.Out.WriteLine($"would delete\t{id}");
        }
        Console.Error.WriteLine($"Dry run: the file holds {articles.Count:N0} valid articles" +
            (settings.Prune ? $"; --prune would delete {stale.Count:N0} stored article(s) not in it." : ".") + " Nothing was written.");
        return 0;
    }
}
