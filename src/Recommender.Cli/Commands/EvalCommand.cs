using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Recommender.Api.V1;
using Recommender.Core.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class EvalSettings : ClientSettings
{
    [CommandArgument(0, "<FILE>")]
    [Description("Labelled corpus (JSON Lines; labels, else section, say which articles are related).")]
    public string File { get; init; } = "";

    [CommandOption("-n|--limit <N>")]
    [Description("Suggestions per query (default 10).")]
    [DefaultValue(10)]
    public int Limit { get; init; } = 10;

    [CommandOption("--concurrency <N>")]
    [Description("Queries in flight at once (default 4).")]
    [DefaultValue(4)]
    public int Concurrency { get; init; } = 4;

    [CommandOption("--keep")]
    [Description("Keep the evaluation namespace afterwards (a fresh one is deleted by default).")]
    public bool Keep { get; init; }

    public override ValidationResult Validate() =>
        Limit is < 1 or > 50 ? ValidationResult.Error("--limit must be between 1 and 50.")
        : Concurrency is < 1 or > 256 ? ValidationResult.Error("--concurrency must be between 1 and 256.")
        : ValidationResult.Success();
}

/// <summary>
/// Measures relevance on a labelled corpus: imports it into a fresh namespace of the running
/// service (or --namespace), asks for every query's list as shared/EVALUATION.md says, and prints
/// P@5, P@10, nDCG@10 and dup@5.
/// </summary>
public sealed class EvalCommand : ClientCommand<EvalSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, EvalSettings settings, CancellationToken cancellationToken)
    {
        if (!ArticleUpload.TryLoad(settings.File, out var corpus))
        {
            return 2;
        }
        var fresh = settings.NamespaceName.Length == 0;
        var ns = fresh
            ? $"eval-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}"
            : settings.NamespaceName;
        try
        {
            var import = Stopwatch.StartNew();
            await ArticleUpload.RunAsync(client, ns, corpus, batchSize: 500, waitForRefit: true, settings.Json, cancellationToken);
            import.Stop();

            var metrics = new RelevanceMetrics(corpus);
            var queries = metrics.QueryIds();
            var lists = new ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var latencies = new ConcurrentBag<double>();
            var querying = Stopwatch.StartNew();
            await Parallel.ForEachAsync(queries, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                async (id, ct) =>
                {
                    var call = Stopwatch.StartNew();
                    var response = await client.GetRelatedAsync(
                        new GetRelatedRequest { Id = id, Namespace = ns, Options = new RelatedOptions { Limit = settings.Limit } }, cancellationToken: ct);
                    latencies.Add(call.Elapsed.TotalMilliseconds);
                    lists[id] = response.Items.Select(i => i.Id).ToList();
                });
            querying.Stop();

            var report = metrics.Score(queries.Select(q => (q, lists[q])));
            var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = ns }, cancellationToken: cancellationToken);
            var p50 = latencies.Order().ElementAt(latencies.Count / 2);
            Write(settings, ns, report, stats, import.Elapsed.TotalSeconds, querying.Elapsed.TotalSeconds, p50);
            return 0;
        }
        finally
        {
            if (fresh && !settings.Keep)
            {
                await client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = ns }, cancellationToken: CancellationToken.None);
            }
        }
    }

    private static void Write(EvalSettings settings, string ns, RelevanceReport r, GetStatsResponse stats, double importSeconds, double querySeconds, double p50)
    {
        if (settings.Json)
        {
            WriteJson(new Dictionary<string, object>
            {
                ["P@5"] = Math.Round(r.PrecisionAt5, 4),
                ["P@10"] = Math.Round(r.PrecisionAt10, 4),
                ["nDCG@10"] = Math.Round(r.NdcgAt10, 4),
                ["dup@5"] = Math.Round(r.DuplicateAt5, 4),
                ["queries"] = r.Queries,
                ["invalid"] = r.Invalid,
                ["articles"] = stats.Corpus.Articles,
                ["namespace"] = ns,
                ["model_version"] = stats.Model.Version,
                ["import_seconds"] = Math.Round(importSeconds, 3),
                ["query_seconds"] = Math.Round(querySeconds, 3),
                ["query_p50_ms"] = Math.Round(p50, 3),
            });
            return;
        }
        string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        var table = new Table().AddColumns("P@5", "P@10", "nDCG@10", "dup@5", "queries", "import", "queries took", "p50");
        table.AddRow(F(r.PrecisionAt5), F(r.PrecisionAt10), F(r.NdcgAt10), F(r.DuplicateAt5),
            r.Queries.ToString(CultureInfo.InvariantCulture), $"{importSeconds:0.0} s", $"{querySeconds:0.0} s", $"{p50:0.00} ms");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{stats.Corpus.Articles:N0} articles in namespace {Markup.Escape(ns)}, model {Markup.Escape(stats.Model.Version)}, limit {settings.Limit}[/]");
    }
}
