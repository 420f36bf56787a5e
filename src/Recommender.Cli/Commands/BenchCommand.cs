using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Core.Evaluation;
using Recommender.Core.Articles;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class BenchSettings : ClientSettings
{
    [CommandOption("--articles <N>")]
    [Description("Synthetic articles to generate and import (default 10000).")]
    [DefaultValue(10_000)]
    public int Articles { get; init; } = 10_000;

    [CommandOption("--concurrency <C>")]
    [Description("Calls in flight at once (default 8).")]
    [DefaultValue(8)]
    public int Concurrency { get; init; } = 8;

    [CommandOption("--duration <SECONDS>")]
    [Description("How long to drive the rpc, after a 2 s warm-up that is not measured (default 30).")]
    [DefaultValue(30)]
    public int Duration { get; init; } = 30;

    [CommandOption("--rpc <RPC>")]
    [Description("related (GetRelated for stored articles) or preview (PreviewRelated for drafts). Default related.")]
    [DefaultValue("related")]
    public string Rpc { get; init; } = "related";

    [CommandOption("--limit <N>")]
    [Description("List length asked for (default 10).")]
    [DefaultValue(10)]
    public int Limit { get; init; } = 10;

    [CommandOption("--upserts-per-second <U>")]
    [Description("Also rewrite existing articles at this steady rate while the rpc runs (default 0).")]
    [DefaultValue(0)]
    public int UpsertsPerSecond { get; init; }

    [CommandOption("--feedback-per-second <F>")]
    [Description("Also send this many RecordFeedback requests a second (impressions of a whole list and a click each), as readers' browsers would; refusals (rate limit, store full) are counted apart (default 0).")]
    [DefaultValue(0)]
    public int FeedbackPerSecond { get; init; }

    [CommandOption("--filtered")]
    [Description("Each GetRelated also filters: only the query article's section, and 20 other ids excluded.")]
    public bool Filtered { get; init; }

    [CommandOption("--history <N>")]
    [Description("Each GetRelated is a list for a reading history of N articles (like), drawn at random (default 0: one article, id).")]
    public int History { get; init; }

    [CommandOption("--strategy <STRATEGY>")]
    [Description("With --history: centroid (default) or fusion.")]
    public string? Strategy { get; init; }

    [CommandOption("--draft-words <N>")]
    [Description("With --rpc preview: drafts of about N words, made by joining generated articles (default: one article, 140-560 words).")]
    public int DraftWords { get; init; }

    [CommandOption("--language <CODE>")]
    [Description("Send every generated article and draft with this language field (e.g. en, for the paths only some languages take, such as the hybrid mode's sentence model). Default: none (the service detects).")]
    public string? Language { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the synthetic corpus (default 42).")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--write-corpus <FILE>")]
    [Description("Also write the generated corpus as JSON Lines (labels are topics), e.g. for eval.")]
    public string? WriteCorpus { get; init; }

    [CommandOption("--keep")]
    [Description("Keep the benchmark namespace afterwards (a fresh one is deleted by default).")]
    public bool Keep { get; init; }

    public override ValidationResult Validate() =>
        Articles is < 10 or > 10_000_000 ? ValidationResult.Error("--articles must be between 10 and 10,000,000.")
        : Concurrency is < 1 or > 1_024 ? ValidationResult.Error("--concurrency must be between 1 and 1024.")
        : Duration is < 1 or > 86_400 ? ValidationResult.Error("--duration must be between 1 and 86400 seconds.")
        : Rpc is not ("related" or "preview") ? ValidationResult.Error("--rpc is related or preview.")
        : History is < 0 or > 50 ? ValidationResult.Error("--history must be between 0 and 50.")
        : Strategy is not (null or "centroid" or "fusion") ? ValidationResult.Error("--strategy must be centroid or fusion.")
        : UpsertsPerSecond is < 0 or > 100_000 ? ValidationResult.Error("--upserts-per-second must be between 0 and 100000.")
        : FeedbackPerSecond is < 0 or > 100_000 ? ValidationResult.Error("--feedback-per-second must be between 0 and 100000.")
        : ValidationResult.Success();
}

/// <summary>
/// A load generator: fills a fresh namespace with generated articles (reporting ingest speed until
/// searchable), then drives GetRelated or PreviewRelated at a fixed concurrency for a bounded time,
/// optionally with upserts mixed in, and reports throughput, latency percentiles and errors.
/// </summary>
public sealed class BenchCommand : ClientCommand<BenchSettings>
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, BenchSettings settings, CancellationToken cancellationToken)
    {
        var corpus = SyntheticCorpus.Generate(settings.Articles, settings.Seed)
            .Select(l => settings.Language is { } language ? l with { Article = l.Article with { Language = language } } : l)
            .ToList();
        if (settings.WriteCorpus is { } path)
        {
            await File.WriteAllLinesAsync(path, corpus.Select(ArticleJsonLines.Format), cancellationToken);
        }
        var fresh = settings.NamespaceName.Length == 0;
        var ns = fresh ? $"bench-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}" : settings.NamespaceName;
        try
        {
            // Ingest: upserts until the last batch returns, when every article is embedded, stored and
            // searchable. The refit the import schedules (a model fitted on the new corpus) follows
            // in the background and is timed apart; the rpc is driven once it serves.
            var ingest = Stopwatch.StartNew();
            await ArticleUpload.RunAsync(client, ns, corpus, batchSize: 500, waitForRefit: false, quiet: settings.Json, cancellationToken);
            var ingestSeconds = ingest.Elapsed.TotalSeconds;
            var refit = Stopwatch.StartNew();
            while ((await client.GetStatsAsync(new GetStatsRequest { Namespace = ns }, cancellationToken: cancellationToken)).RefitPending)
            {
                await Task.Delay(250, cancellationToken);
            }
            var refitSeconds = refit.Elapsed.TotalSeconds;

            var result = await DriveAsync(client, ns, corpus, settings, cancellationToken);
            var pages = await TimePagesAsync(client, ns, cancellationToken);
            Report(settings, ns, result, corpus.Count / ingestSeconds, refitSeconds, pages);
            return result.Errors == 0 && result.Feedback.Errors == 0 ? 0 : 1;
        }
        finally
        {
            if (fresh && !settings.Keep)
            {
                await client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = ns }, cancellationToken: CancellationToken.None);
            }
        }
    }

    private sealed record Result(int Requests, double Seconds, double[] LatenciesMs, int Errors, int Upserts, int UpsertErrors, Feedback Feedback);

    private sealed class Feedback
    {
        public int Requests;
        public long Recorded;
        public int Refused;
        public int Errors;
    }

    private static async Task<Result> DriveAsync(
        RecommenderService.RecommenderServiceClient client, string ns, IReadOnlyList<ArticleLine> corpus, BenchSettings settings, CancellationToken cancellationToken)
    {
        var options = new RelatedOptions { Limit = settings.Limit };
        var started = Stopwatch.GetTimestamp();
        var measureFrom = started + (long)(WarmUp.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(settings.Duration * Stopwatch.Frequency);
        var errors = 0;
        RelatedResponse? lastList = null;

        async Task<List<double>> Worker(int worker)
        {
            var random = new Random(settings.Seed + worker);
            var latencies = new List<double>(capacity: 100_000);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var article = corpus[random.Next(corpus.Count)].Article;
                var requestOptions = options;
                if (settings.Filtered)
                {
                    requestOptions = new RelatedOptions(options) { IncludeSections = { article.Section } };
                    requestOptions.ExcludeIds.AddRange(Enumerable.Range(0, 20).Select(_ => corpus[random.Next(corpus.Count)].Article.Id));
                }
                var body = article.Body;
                while (settings.DraftWords > 0 && body.Split(' ').Length < settings.DraftWords)
                {
                    body += "\n\n" + corpus[random.Next(corpus.Count)].Article.Body;
                }
                var call = Stopwatch.GetTimestamp();
                try
                {
                    var related = new GetRelatedRequest { Namespace = ns, Options = requestOptions };
                    if (settings.History > 0)
                    {
                        related.Like.AddRange(Enumerable.Range(0, settings.History).Select(_ => new LikedArticle { Id = corpus[random.Next(corpus.Count)].Article.Id }));
                        related.Strategy = settings.Strategy == "fusion" ? HistoryStrategy.Fusion : HistoryStrategy.Centroid;
                    }
                    else
                    {
                        related.Id = article.Id;
                    }
                    var list = settings.Rpc == "related"
                        ? await client.GetRelatedAsync(related, cancellationToken: cancellationToken)
                        : await client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = article.Title, Body = body, Language = article.Language, Namespace = ns, Options = requestOptions }, cancellationToken: cancellationToken);
                    Volatile.Write(ref lastList, list);
                }
                catch (RpcException)
                {
                    if (call >= measureFrom)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    continue;
                }
                if (call >= measureFrom)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(call).TotalMilliseconds);
                }
            }
            return latencies;
        }

        var upserts = 0;
        var upsertErrors = 0;
        async Task Upserter()
        {
            if (settings.UpsertsPerSecond == 0)
            {
                return;
            }
            var random = new Random(settings.Seed - 1);
            var interval = TimeSpan.FromSeconds(1.0 / settings.UpsertsPerSecond);
            var next = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var original = corpus[random.Next(corpus.Count)].Article;
                var changed = original with { Body = original.Body + $" Updated {upserts}." };
                try
                {
                    await client.UpsertArticlesAsync(new UpsertArticlesRequest { Namespace = ns, Articles = { ArticleMessages.FromDomain(changed) } }, cancellationToken: cancellationToken);
                    upserts++;
                }
                catch (RpcException)
                {
                    upsertErrors++;
                }
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
        }

        var feedback = new Feedback();
        async Task FeedbackSender()
        {
            if (settings.FeedbackPerSecond == 0)
            {
                return;
            }
            var interval = 1.0 / settings.FeedbackPerSecond;
            var next = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                if (Volatile.Read(ref lastList) is { Items.Count: > 0 } list)
                {
                    var request = new RecordFeedbackRequest { Namespace = ns };
                    request.Events.AddRange(list.Items.Select((item, i) => new FeedbackEvent
                    {
                        RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = item.Id, Position = i + 1,
                    }));
                    request.Events.Add(new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Click, ArticleId = list.Items[0].Id, Position = 1 });
                    feedback.Requests++;
                    try
                    {
                        feedback.Recorded += (await client.RecordFeedbackAsync(request, cancellationToken: cancellationToken)).Recorded;
                    }
                    catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
                    {
                        feedback.Refused++;
                    }
                    catch (RpcException)
                    {
                        feedback.Errors++;
                    }
                }
                next += (long)(interval * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
        }

        var workers = Enumerable.Range(0, settings.Concurrency).Select(w => Task.Run(() => Worker(w), cancellationToken)).ToList();
        var upserter = Task.Run(Upserter, cancellationToken);
        var feedbackSender = Task.Run(FeedbackSender, cancellationToken);
        var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
        await upserter;
        await feedbackSender;
        Array.Sort(all);
        return new Result(all.Length, settings.Duration, all, errors, upserts, upsertErrors, feedback);
    }

    /// <summary>Pages of ListArticles timed one at a time, as a CMS reconciling reads them.</summary>
    private sealed record PageTimes(double ByIdMs, double UpdatedMs, double UpdatedNoneMs);

    /// <summary>
    /// The median of the first five pages of 1,000 ids in id order, and of five by update time (since
    /// the epoch: every article), and one page asking for writes later than every article (empty).
    /// </summary>
    private static async Task<PageTimes> TimePagesAsync(RecommenderService.RecommenderServiceClient client, string ns, CancellationToken cancellationToken)
    {
        async Task<double> MedianAsync(Google.Protobuf.WellKnownTypes.Timestamp? updatedAfter, int pages)
        {
            var times = new List<double>();
            var token = "";
            for (var i = 0; i < pages; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var page = await client.ListArticlesAsync(
                    new ListArticlesRequest { Namespace = ns, PageSize = 1_000, PageToken = token, UpdatedAfter = updatedAfter }, cancellationToken: cancellationToken);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                token = page.NextPageToken;
                if (token.Length == 0)
                {
                    break;
                }
            }
            times.Sort();
            return Math.Round(times[times.Count / 2], 2);
        }

        return new PageTimes(
            await MedianAsync(null, 5),
            await MedianAsync(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddMilliseconds(1)), 5),
            await MedianAsync(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)), 1));
    }

    private static void Report(BenchSettings settings, string ns, Result r, double ingestPerSecond, double refitSeconds, PageTimes pages)
    {
        double Percentile(double p) => r.LatenciesMs.Length == 0 ? 0 : r.LatenciesMs[Math.Min(r.LatenciesMs.Length - 1, (int)Math.Ceiling(p * r.LatenciesMs.Length) - 1)];
        var figures = new Dictionary<string, object>
        {
            ["articles"] = settings.Articles,
            ["concurrency"] = settings.Concurrency,
            ["rpc"] = settings.Rpc + (settings.History > 0 ? $" (histories of {settings.History}, {settings.Strategy ?? "centroid"})" : "") + (settings.Filtered ? " (section filter, 20 excluded ids)" : "") + (settings.DraftWords > 0 ? $" ({settings.DraftWords}-word drafts)" : ""),
            ["durationSeconds"] = settings.Duration,
            ["requests"] = r.Requests,
            ["requestsPerSecond"] = Math.Round(r.Requests / r.Seconds, 1),
            ["p50Ms"] = Math.Round(Percentile(0.50), 3),
            ["p95Ms"] = Math.Round(Percentile(0.95), 3),
            ["p99Ms"] = Math.Round(Percentile(0.99), 3),
            ["maxMs"] = Math.Round(r.LatenciesMs.LastOrDefault(), 3),
            ["errors"] = r.Errors,
            ["upserts"] = r.Upserts,
            ["upsertErrors"] = r.UpsertErrors,
            ["feedbackRequests"] = r.Feedback.Requests,
            ["feedbackRecorded"] = r.Feedback.Recorded,
            ["feedbackRefused"] = r.Feedback.Refused,
            ["feedbackErrors"] = r.Feedback.Errors,
            ["ingestArticlesPerSecond"] = Math.Round(ingestPerSecond, 1),
            ["refitSeconds"] = Math.Round(refitSeconds, 1),
            ["listPageMs"] = pages.ByIdMs,
            ["listUpdatedPageMs"] = pages.UpdatedMs,
            ["listUpdatedNonePageMs"] = pages.UpdatedNoneMs,
            ["namespace"] = ns,
        };
        if (settings.Json)
        {
            WriteJson(figures);
            return;
        }
        var table = new Table().HideHeaders().AddColumn("").AddColumn("");
        foreach (var (name, value) in figures)
        {
            table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
        }
        AnsiConsole.Write(table);
    }
}
