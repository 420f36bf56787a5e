using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Recommender.Core.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class EvalSettings : ClientSettings
{
    [CommandArgument(0, "<FILES>")]
    [Description("Labelled corpora (JSON Lines; labels, else section, say which articles are related), each scored on its own.")]
    public string[] Files { get; init; } = [];

    [CommandOption("-n|--limit <N>")]
    [Description("Suggestions per query (default 10).")]
    [DefaultValue(10)]
    public int Limit { get; init; } = 10;

    [CommandOption("--concurrency <N>")]
    [Description("Queries in flight at once (default 4).")]
    [DefaultValue(4)]
    public int Concurrency { get; init; } = 4;

    [CommandOption("--keep")]
    [Description("Keep the evaluation namespaces afterwards (fresh ones are deleted by default).")]
    public bool Keep { get; init; }

    [CommandOption("--strip-language")]
    [Description("Also remove each article's language field before import, so the service must detect it.")]
    public bool StripLanguage { get; init; }

    [CommandOption("--short")]
    [Description("Also score each corpus's short-item stand-in: every article's title and the first sentence of its body, by the rule of shared/tools/short-standin.py.")]
    public bool Short { get; init; }

    [CommandOption("--histories")]
    [Description("Also score lists for several articles (like): histories of 1, 3 and 5 articles of one label and mixed ones of two, both strategies.")]
    public bool Histories { get; init; }

    [CommandOption("--write-lists <DIR>")]
    [Description("Write each corpus's lists to DIR/NAME.lists.jsonl (a short stand-in's to NAME.short.lists.jsonl), the format shared/tools/score.py reads.")]
    public string? ListsDirectory { get; init; }

    public override ValidationResult Validate() =>
        Files.Length == 0 ? ValidationResult.Error("name at least one corpus file.")
        : Limit is < 1 or > 50 ? ValidationResult.Error("--limit must be between 1 and 50.")
        : Concurrency is < 1 or > 256 ? ValidationResult.Error("--concurrency must be between 1 and 256.")
        : (Files.Length > 1 || Short) && NamespaceName.Length > 0 ? ValidationResult.Error($"--namespace (or ${NamespaceVariable}) takes one corpus file and no --short: each corpus needs a namespace of its own.")
        : ValidationResult.Success();
}

/// <summary>
/// Measures relevance on labelled corpora with the text-only protocol of shared/EVALUATION.md:
/// each file is imported into a fresh namespace of the running service (or --namespace) with its
/// articles' section (and labels, which are never sent) removed, so the service finds what is
/// related from title and body alone; every query's list is asked for and scored against the
/// labels. Prints P@5, P@10, nDCG@10 and dup@5 per corpus, and their mean over the corpora.
/// </summary>
public sealed class EvalCommand : ClientCommand<EvalSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, EvalSettings settings, CancellationToken cancellationToken)
    {
        // Name in the report, stem of the lists file, articles.
        var corpora = new List<(string Name, string Stem, IReadOnlyList<ArticleLine> Lines)>();
        foreach (var file in settings.Files)
        {
            if (!ArticleUpload.TryLoad(file, out var lines))
            {
                return ExitCodes.InvalidInput;
            }
            var (name, stem) = (Path.GetFileName(file), Path.GetFileNameWithoutExtension(file));
            corpora.Add((name, stem, lines));
            if (settings.Short)
            {
                corpora.Add((name + " (short)", stem + ".short", ShortStandIn.Of(lines)));
            }
        }
        if (settings.ListsDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        var rows = new List<CorpusResult>();
        foreach (var (name, stem, lines) in corpora)
        {
            rows.Add(await EvaluateAsync(client, settings, name, stem, lines, cancellationToken));
        }
        Write(settings, rows);
        return 0;
    }

    private sealed record CorpusResult(
        string Corpus, RelevanceReport Report, int Articles, string Namespace, string ModelVersion, double ImportSeconds, double QuerySeconds, double P50)
    {
        public IReadOnlyList<HistoryEval.Row> Histories { get; init; } = [];
    }

    private static async Task<CorpusResult> EvaluateAsync(
        RecommenderService.RecommenderServiceClient client, EvalSettings settings, string name, string stem, IReadOnlyList<ArticleLine> corpus, CancellationToken cancellationToken)
    {
        var fresh = settings.NamespaceName.Length == 0;
        var ns = fresh
            ? $"eval-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}"
            : settings.NamespaceName;
        // Text only: the section is a label in disguise (labels themselves are never sent).
        var textOnly = corpus.Select(l => l with
        {
            Article = l.Article with { Section = "", Language = settings.StripLanguage ? "" : l.Article.Language },
        }).ToList();
        try
        {
            if (!settings.Json)
            {
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(name)}: {corpus.Count:N0} articles into namespace {Markup.Escape(ns)}[/]");
            }
            var import = Stopwatch.StartNew();
            await ArticleUpload.RunAsync(client, ns, textOnly, batchSize: 500, waitForRefit: true, settings.Json, cancellationToken);
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

            if (settings.ListsDirectory is { } directory)
            {
                await File.WriteAllLinesAsync(
                    Path.Combine(directory, stem + ".lists.jsonl"),
                    queries.Select(q => JsonSerializer.Serialize(new { id = q, related = lists[q].Select(r => new { id = r }) })),
                    cancellationToken);
            }
            var report = metrics.Score(queries.Select(q => (q, lists[q])));
            var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = ns }, cancellationToken: cancellationToken);
            var p50 = latencies.Order().ElementAt(latencies.Count / 2);
            var histories = settings.Histories
                ? await HistoryEval.RunAsync(client, ns, corpus, queries, settings.Concurrency, cancellationToken)
                : [];
            return new CorpusResult(name, report, stats.Corpus.Articles, ns, stats.Model.Version,
                import.Elapsed.TotalSeconds, querying.Elapsed.TotalSeconds, p50) { Histories = histories };
        }
        finally
        {
            if (fresh && !settings.Keep)
            {
                await client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = ns }, cancellationToken: CancellationToken.None);
            }
        }
    }

    private static void Write(EvalSettings settings, IReadOnlyList<CorpusResult> rows)
    {
        var mean = new RelevanceReport(
            rows.Average(r => r.Report.PrecisionAt5), rows.Average(r => r.Report.PrecisionAt10),
            rows.Average(r => r.Report.NdcgAt10), rows.Average(r => r.Report.DuplicateAt5),
            rows.Sum(r => r.Report.Queries), rows.Sum(r => r.Report.Invalid));
        if (settings.Json)
        {
            static Dictionary<string, object> Scores(RelevanceReport r) => new()
            {
                ["P@5"] = Math.Round(r.PrecisionAt5, 4),
                ["P@10"] = Math.Round(r.PrecisionAt10, 4),
                ["nDCG@10"] = Math.Round(r.NdcgAt10, 4),
                ["dup@5"] = Math.Round(r.DuplicateAt5, 4),
                ["queries"] = r.Queries,
                ["invalid"] = r.Invalid,
            };
            WriteJson(new Dictionary<string, object>
            {
                ["corpora"] = rows.Select(r => new Dictionary<string, object>(Scores(r.Report))
                {
                    ["corpus"] = r.Corpus,
                    ["articles"] = r.Articles,
                    ["namespace"] = r.Namespace,
                    ["modelVersion"] = r.ModelVersion,
                    ["importSeconds"] = Math.Round(r.ImportSeconds, 3),
                    ["querySeconds"] = Math.Round(r.QuerySeconds, 3),
                    ["queryP50Ms"] = Math.Round(r.P50, 3),
                    ["histories"] = r.Histories.Select(h => new
                    {
                        history = h.History, strategy = h.Strategy, lists = h.Lists, pAt10 = Math.Round(h.PrecisionAt10, 4),
                        shareA = Math.Round(h.ShareA, 4), shareB = Math.Round(h.ShareB, 4),
                    }).ToList(),
                }).ToList(),
                ["mean"] = Scores(mean),
            });
            return;
        }
        string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        var table = new Table().AddColumns("corpus", "P@5", "P@10", "nDCG@10", "dup@5", "queries", "import", "queries took", "p50");
        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Corpus), F(r.Report.PrecisionAt5), F(r.Report.PrecisionAt10), F(r.Report.NdcgAt10), F(r.Report.DuplicateAt5),
                r.Report.Queries.ToString(CultureInfo.InvariantCulture), $"{r.ImportSeconds:0.0} s", $"{r.QuerySeconds:0.0} s", $"{r.P50:0.00} ms");
        }
        if (rows.Count > 1)
        {
            table.AddRow("[bold]mean[/]", F(mean.PrecisionAt5), F(mean.PrecisionAt10), F(mean.NdcgAt10), F(mean.DuplicateAt5),
                mean.Queries.ToString(CultureInfo.InvariantCulture), "", "", "");
        }
        AnsiConsole.Write(table);
        foreach (var r in rows.Where(r => r.Histories.Count > 0))
        {
            HistoryEval.Write(r.Corpus, r.Histories);
        }
        AnsiConsole.MarkupLine($"[grey]text only (section and labels removed before import{(settings.StripLanguage ? ", language too" : "")}), limit {settings.Limit}; models: {Markup.Escape(string.Join(", ", rows.Select(r => r.ModelVersion)))}[/]");
    }
}
