using System.Diagnostics;
using Recommender.Core.Evaluation;
using Recommender.Featurizer;
using Recommender.Featurizer.Analysis;
using Microsoft.Extensions.Options;
namespace Recommender.Benchmarks;

internal static class AnalysisProfile
{
    public static int Run(string[] args)
    {
        var corpus = SyntheticCorpus.Generate(20_000, seed: 42).Select(l => l.Article.ToText()).ToList();
        Console.WriteLine($"avg chars {corpus.Average(t => t.Body.Length + t.Title.Length):0}");
        var sw = Stopwatch.StartNew();
        long n = 0;
        foreach (var t in corpus) n += TermAnalysis.Tokens(t.Body, "en").Count;
        Console.WriteLine($"tokens: {corpus.Count / sw.Elapsed.TotalSeconds:0}/s ({n} tokens)");
        sw.Restart();
        foreach (var t in corpus) n += LanguageDetector.Detect(t.Body).Length;
        Console.WriteLine($"detect: {corpus.Count / sw.Elapsed.TotalSeconds:0}/s");
        sw.Restart();
        foreach (var t in corpus) n += TermAnalysis.Counts(t, 1).Count;
        Console.WriteLine($"counts: {corpus.Count / sw.Elapsed.TotalSeconds:0}/s");
        var model = new MlNetFeaturizer(Options.Create(new FeaturizerOptions())).Fit(corpus.Take(10_000).ToList());
        sw.Restart();
        foreach (var chunk in corpus.Chunk(500)) model.Embed(chunk);
        Console.WriteLine($"embed: {corpus.Count / sw.Elapsed.TotalSeconds:0}/s");
        return 0;
    }
}
