using Recommender.Api.V1;
using Recommender.Core.Articles;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// Upserts validated articles in batches with progress, then (optionally) waits until the refit
/// they caused is serving, so that lists come from a model fitted on them. Shared by import and eval.
/// </summary>
public static class ArticleUpload
{
    private const int MaxErrorsShown = 50;

    /// <summary>
    /// Reads and validates a whole import file. On any problem, reports each bad line by number (the
    /// first 50) on standard error and returns false: nothing is sent.
    /// </summary>
    public static bool TryLoad(string path, out IReadOnlyList<ArticleLine> articles)
    {
        articles = [];
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"error: '{path}' does not exist.");
            return false;
        }
        var (parsed, errors) = ArticleJsonLines.ParseAll(File.ReadLines(path));
        foreach (var error in errors.Take(MaxErrorsShown))
        {
            Console.Error.WriteLine($"{path}: {error}");
        }
        if (errors.Count > MaxErrorsShown)
        {
            Console.Error.WriteLine($"{path}: … and {errors.Count - MaxErrorsShown} more bad lines");
        }
        if (errors.Count > 0)
        {
            Console.Error.WriteLine($"error: {errors.Count} bad line(s) in {path}; nothing was imported.");
            return false;
        }
        if (parsed.Count == 0)
        {
            Console.Error.WriteLine($"error: {path} holds no articles.");
            return false;
        }
        articles = parsed;
        return true;
    }

    /// <summary>
    /// Bytes of articles per request at most (16 MiB): well below the server's default message limit
    /// (Recommender:Limits:MaxRequestBytes, 64 MiB) and what proxies in front of it commonly accept,
    /// however long the articles are.
    /// </summary>
    public const int MaxBatchBytes = 16 * 1024 * 1024;

    /// <summary>Consecutive batches of at most <paramref name="maxCount"/> articles and <paramref name="maxBytes"/> encoded bytes (an article larger than that goes alone).</summary>
    public static IEnumerable<List<Recommender.Api.V1.Article>> Batches(IEnumerable<Recommender.Api.V1.Article> articles, int maxCount, int maxBytes)
    {
        var batch = new List<Recommender.Api.V1.Article>();
        var bytes = 0L;
        foreach (var article in articles)
        {
            var size = article.CalculateSize() + 8; // the field's tag and length
            if (batch.Count > 0 && (batch.Count >= maxCount || bytes + size > maxBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(article);
            bytes += size;
        }
        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    public static async Task<UpsertArticlesResponse> RunAsync(
        RecommenderService.RecommenderServiceClient client,
        string ns,
        IReadOnlyList<ArticleLine> articles,
        int batchSize,
        bool waitForRefit,
        bool quiet,
        CancellationToken cancellationToken)
    {
        var totals = new UpsertArticlesResponse();
        var progress = new UploadProgress(articles.Count, quiet);
        await progress.RunAsync(async report =>
        {
            foreach (var batch in Batches(articles.Select(a => ArticleMessages.FromDomain(a.Article)), batchSize, MaxBatchBytes))
            {
                var request = new UpsertArticlesRequest { Namespace = ns };
                request.Articles.AddRange(batch);
                var response = await client.UpsertArticlesAsync(request, cancellationToken: cancellationToken);
                totals.Created += response.Created;
                totals.Updated += response.Updated;
                totals.Unchanged += response.Unchanged;
                totals.Embedded += response.Embedded;
                totals.RefitScheduled |= response.RefitScheduled;
                report(batch.Count, "importing");
            }
            while (waitForRefit)
            {
                var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = ns }, cancellationToken: cancellationToken);
                if (!stats.RefitPending)
                {
                    break;
                }
                report(0, "refitting the model on the corpus");
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        });
        return totals;
    }

    /// <summary>A progress bar on a terminal; plain progress lines on standard error otherwise.</summary>
    private sealed class UploadProgress(int total, bool quiet)
    {
        public async Task RunAsync(Func<Action<int, string>, Task> work)
        {
            if (!quiet && AnsiConsole.Profile.Capabilities.Interactive)
            {
                await AnsiConsole.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("importing", maxValue: total);
                    await work((done, stage) =>
                    {
                        task.Increment(done);
                        task.Description = stage;
                    });
                });
                return;
            }
            var done = 0;
            var lastStage = "";
            await work((n, stage) =>
            {
                done += n;
                if (n > 0 || stage != lastStage)
                {
                    Console.Error.WriteLine($"{stage}: {done:N0}/{total:N0} articles");
                }
                lastStage = stage;
            });
        }
    }
}
