using System.Diagnostics;
using Microsoft.Extensions.Options;
using Recommender.Core.Evaluation;
using Recommender.Featurizer;
using Recommender.Featurizer.Analysis;

namespace Recommender.Benchmarks;

/// <summary>
/// Where embedding time goes, one thread, on 20,000 articles of the synthetic corpus:
/// <c>dotnet run -c Release --project benchmarks/Recommender.Benchmarks -- analysis-profile</c>.
/// Prints articles per second for Lucene.NET's analysis alone, language detection, term counting
/// (analysis plus words and pairs, then also character 3-grams), and the whole embedding (counts,
/// vocabulary, ML.NET's projection)
/// in batches of 500 with a model fitted on half of them.
/// </summary>
internal static class AnalysisProfile
{
    public static int Run()
    {
        var corpus = SyntheticCorpus.Generate(20_000, seed: 42).Select(l => l.Article.ToText()).ToList();
        Console.WriteLine($"{corpus.Count:N0} articles, {corpus.Average(t => t.Body.Length + t.Title.Length):N0} characters on average");
        void Time(string what, Action<Recommender.Core.Articles.ArticleText> run)
        {
            var clock = Stopwatch.StartNew();
            foreach (var text in corpus)
            {
                run(text);
            }
            Console.WriteLine($"{what,-28} {corpus.Count / clock.Elapsed.TotalSeconds,8:N0} articles/s");
        }
        Time("analysis (tokens)", t => TermAnalysis.Tokens(t.Body, "en"));
        Time("language detection", t => LanguageDetector.Detect(t.Body));
        Time("term counts", t => TermAnalysis.Counts(t, titleWeight: 1));
        Time("term counts with 3-grams", t => TermAnalysis.Counts(t, titleWeight: 1, charNGrams: 3));
        using var model = new MlNetFeaturizer(Options.Create(new FeaturizerOptions())).Fit(corpus.Take(10_000).ToList());
        var embedding = Stopwatch.StartNew();
        foreach (var chunk in corpus.Chunk(500))
        {
            model.Embed(chunk);
        }
        Console.WriteLine($"{"embedding, batches of 500",-28} {corpus.Count / embedding.Elapsed.TotalSeconds,8:N0} articles/s");
        return 0;
    }
}
