using System.ComponentModel;
using System.Diagnostics;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Spectre.Console;
using Spectre.Console.Cli;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

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
        BatchSize is < 1 or > ArticleRules.MaxBatchSize
            ? ValidationResult.Error($"--batch-size must be between 1 and {ArticleRules.MaxBatchSize}.")
            : ValidationResult.Success();
}

/// <summary>
/// Validates the whole file first (every bad line reported by number, nothing sent), then upserts
/// it in batches with progress, then waits until any refit it caused is serving.
/// </summary>
public sealed class ImportCommand : ClientCommand<ImportSettings>
{
    private const int MaxErrorsShown = 50;

    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ImportSettings settings, CancellationToken cancellationToken)
    {
        if (!System.IO.File.Exists(settings.File))
        {
            return Fail($"'{settings.File}' does not exist.");
        }
        var (articles, errors) = ArticleJsonLines.ParseAll(System.IO.File.ReadLines(settings.File));
        if (errors.Count > 0)
        {
            foreach (var error in errors.Take(MaxErrorsShown))
            {
                Console.Error.WriteLine($"{settings.File}: {error}");
            }
            if (errors.Count > MaxErrorsShown)
            {
                Console.Error.WriteLine($"{settings.File}: … and {errors.Count - MaxErrorsShown} more bad lines");
            }
            return Fail($"{errors.Count} bad line(s) in {settings.File}; nothing was imported.", 2);
        }
        if (articles.Count == 0)
        {
            return Fail($"{settings.File} holds no articles.");
        }

        var started = Stopwatch.StartNew();
        var totals = new UpsertArticlesResponse();
        var progress = new ImportProgress(articles.Count, settings.Json);
        await progress.RunAsync(async report =>
        {
            foreach (var batch in articles.Chunk(settings.BatchSize))
            {
                var request = new UpsertArticlesRequest { Namespace = settings.NamespaceName };
                request.Articles.AddRange(batch.Select(a => ToProto(a.Article)));
                var response = await client.UpsertArticlesAsync(request, cancellationToken: cancellationToken);
                totals.Created += response.Created;
                totals.Updated += response.Updated;
                totals.Unchanged += response.Unchanged;
                totals.Embedded += response.Embedded;
                totals.RefitScheduled |= response.RefitScheduled;
                report(batch.Length, "importing");
            }
            if (!settings.NoWait)
            {
                await WaitForRefitAsync(client, settings.NamespaceName, report, cancellationToken);
            }
        });

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

    /// <summary>Polls until no refit is scheduled or running, so the lists come from a model fitted on this corpus.</summary>
    private static async Task WaitForRefitAsync(RecommenderService.RecommenderServiceClient client, string ns, Action<int, string> report, CancellationToken cancellationToken)
    {
        while (true)
        {
            var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = ns }, cancellationToken: cancellationToken);
            if (!stats.RefitPending)
            {
                return;
            }
            report(0, "refitting the model on the corpus");
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private static Api.V1.Article ToProto(Core.Articles.Article a)
    {
        var article = new Api.V1.Article
        {
            Id = a.Id,
            Title = a.Title,
            Body = a.Body,
            Url = a.Url,
            Section = a.Section,
            Language = a.Language,
            Published = a.Published is { } p ? Timestamp.FromDateTimeOffset(p) : null,
        };
        article.Tags.AddRange(a.Tags);
        return article;
    }
}

/// <summary>A progress bar on a terminal; plain progress lines on standard error otherwise.</summary>
internal sealed class ImportProgress(int total, bool quiet)
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
