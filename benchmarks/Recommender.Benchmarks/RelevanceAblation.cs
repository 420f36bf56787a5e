using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;
using Recommender.Core.Articles;
using Recommender.Core.Evaluation;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Featurizer;

namespace Recommender.Benchmarks;

/// <summary>
/// Relevance of the featurizer and ranker in process, for ablations that would take minutes
/// through the service:
/// <c>dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- relevance A.jsonl B.jsonl [--short] [--no-language | --language CODE] [Featurizer:Key=Value] [Ranking:Key=Value]</c>
/// (<c>--language xx</c>, a code without an analyzer, measures the language-neutral analysis;
/// <c>--short</c> also scores each corpus's short-item stand-in, as <c>recommender eval --short</c>).
/// Follows the text-only protocol (section and labels stripped before fitting), fits on every
/// article as a refit of a corpus this size does, and ranks each article's list with the
/// service's ranker. <c>recommender eval</c> is the measurement that counts; this one agrees with
/// it on the same settings and answers "what is this choice worth" in seconds.
/// </summary>
internal static class RelevanceAblation
{
    public static int Run(string[] args)
    {
        var forcedLanguage = args.SkipWhile(a => a != "--language").Skip(1).FirstOrDefault();
        var files = args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !a.Contains('=') && a != forcedLanguage).ToList();
        var noLanguage = args.Contains("--no-language");
        var alsoShort = args.Contains("--short");
        var featurizerOptions = new FeaturizerOptions();
        var rankingOptions = new RankingOptions();
        foreach (var setting in args.Where(a => a.Contains('=') && !a.StartsWith("--", StringComparison.Ordinal)))
        {
            var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            object target = key.StartsWith("Featurizer:", StringComparison.Ordinal) ? featurizerOptions
                : key.StartsWith("Ranking:", StringComparison.Ordinal) ? rankingOptions
                : throw new ArgumentException($"Unknown setting {key}: use Featurizer:Name=Value or Ranking:Name=Value.");
            var property = target.GetType().GetProperty(key[(key.IndexOf(':') + 1)..], BindingFlags.Public | BindingFlags.Instance)
                ?? throw new ArgumentException($"Unknown setting {key}.");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(target, type == typeof(TimeSpan) ? TimeSpan.Parse(value, CultureInfo.InvariantCulture) : Convert.ChangeType(value, type, CultureInfo.InvariantCulture));
        }

        var rows = new List<(string File, RelevanceReport Report)>();
        foreach (var file in files)
        {
            var (lines, errors) = ArticleJsonLines.ParseAll(File.ReadLines(file));
            if (errors.Count > 0)
            {
                Console.Error.WriteLine($"{file}: {errors.Count} lines not read, first: line {errors[0].LineNumber}: {errors[0].Message}");
                return 2;
            }
            var corpora = alsoShort
                ? new[] { (Path.GetFileName(file), lines), (Path.GetFileName(file) + " (short)", ShortStandIn.Of(lines)) }
                : [(Path.GetFileName(file), lines)];
            foreach (var (name, corpus) in corpora)
            {
                rows.Add((name, Score(name, corpus, featurizerOptions, rankingOptions, forcedLanguage ?? (noLanguage ? "" : null))));
            }
        }
        if (rows.Count > 1)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{"mean",-24} P@5 {rows.Average(r => r.Report.PrecisionAt5):0.000}  P@10 {rows.Average(r => r.Report.PrecisionAt10):0.000}  nDCG@10 {rows.Average(r => r.Report.NdcgAt10):0.000}  dup@5 {rows.Average(r => r.Report.DuplicateAt5):0.000}"));
        }
        return 0;
    }

    /// <summary>Fits on the corpus (text only), ranks every query's list and prints its row.</summary>
    private static RelevanceReport Score(string name, IReadOnlyList<ArticleLine> lines, FeaturizerOptions featurizerOptions, RankingOptions rankingOptions, string? language)
    {
        var articles = lines.Select(l => l.Article with { Section = "", Language = language ?? l.Article.Language }).ToList();
        var timer = Stopwatch.StartNew();
        var featurizer = new MlNetFeaturizer(Options.Create(featurizerOptions));
        using var model = featurizer.Fit(articles.Select(a => a.ToText()).ToList());
        var fitSeconds = timer.Elapsed.TotalSeconds;
        using var saved = new MemoryStream();
        model.Save(saved);
        timer.Restart();
        var vectors = model.Embed(articles.Select(a => a.ToText()).ToList());
        var embedSeconds = timer.Elapsed.TotalSeconds;
        var index = new VectorIndex(model.Info.Dimensions, articles.Count);
        var infos = articles.ToDictionary(a => a.Id, a => a.ToInfo(), StringComparer.Ordinal);
        for (var i = 0; i < articles.Count; i++)
        {
            index.Upsert(infos[articles[i].Id], vectors[i]);
        }
        var metrics = new RelevanceMetrics(lines);
        var query = new RelatedQuery { Limit = 10 };
        var now = DateTimeOffset.UtcNow;
        var vectorOf = articles.Select((a, i) => (a.Id, i)).ToDictionary(p => p.Id, p => vectors[p.i], StringComparer.Ordinal);
        var lists = metrics.QueryIds().Select(id =>
            (id, (IReadOnlyList<string>)RelatedRanker.Rank(index, vectorOf[id], query, infos[id], rankingOptions, now).Select(r => r.Article.Id).ToList()));
        var report = metrics.Score(lists);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-24} P@5 {report.PrecisionAt5:0.000}  P@10 {report.PrecisionAt10:0.000}  nDCG@10 {report.NdcgAt10:0.000}  dup@5 {report.DuplicateAt5:0.000}  fit {fitSeconds:0.0} s  embed {articles.Count / embedSeconds:0} articles/s  model {saved.Length / 1e6:0.0} MB, {model.Info.Dimensions} dimensions"));
        return report;
    }
}
