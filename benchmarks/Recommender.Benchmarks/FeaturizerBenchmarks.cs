using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Featurizer;

namespace Recommender.Benchmarks;

/// <summary>
/// Featurizing throughput with the default settings, model fitted on the corpus. With
/// OperationsPerInvoke = batch size, "Mean" is the time per article: articles/s = 1 s / Mean.
/// </summary>
[MemoryDiagnoser]
public class FeaturizerBenchmarks
{
    private const int Batch = 500;
    private IFeaturizerModel _model = null!;
    private List<ArticleText> _batch = null!;
    private ArticleText _draft;

    [GlobalSetup]
    public void Setup()
    {
        var corpus = Corpus.Load().Select(a => a.ToText()).ToList();
        _model = new MlNetFeaturizer(Options.Create(new FeaturizerOptions())).Fit(corpus);
        _batch = Enumerable.Range(0, Batch).Select(i => corpus[i % corpus.Count]).ToList();
        _draft = corpus[0];
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "Embed, batch of 500 (per article)")]
    public float[][] EmbedBatch() => _model.Embed(_batch);

    [Benchmark(Description = "Embed one draft")]
    public float[][] EmbedOne() => _model.Embed([_draft]);
}
