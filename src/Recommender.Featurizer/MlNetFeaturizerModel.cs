using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Featurizer.Analysis;

namespace Recommender.Featurizer;

/// <summary>The ML.NET pipeline's input row: the article's analysed terms (<see cref="TermAnalysis"/>).</summary>
internal sealed class TermsInput
{
    public string[] Terms { get; set; } = [];
}

/// <summary>
/// How text becomes a pipeline row, and the terms too common in the fitted corpus to explain
/// anything; saved with the model, so a loaded model analyses text as it was fitted.
/// </summary>
internal sealed record AnalysisSettings(TermWeighting Weighting, int TitleWeight, IReadOnlyList<string> CommonTerms)
{
    public TermsInput Row(ArticleText text) => new() { Terms = TermAnalysis.Bag(text, Weighting, TitleWeight) };
}

/// <summary>The normalized term weights before the projection, for explanations.</summary>
internal sealed class TermsOutput
{
    [ColumnName(MlNetFeaturizer.TermsColumn)]
    public float[] Terms { get; set; } = [];
}

/// <summary>The pipeline's output row.</summary>
internal sealed class FeaturesOutput
{
    [ColumnName(MlNetFeaturizer.FeaturesColumn)]
    public float[] Features { get; set; } = [];
}

/// <summary>
/// A fitted pipeline. Batches go through <see cref="ITransformer.Transform"/>, which is
/// thread-safe; single texts (draft previews) use a pool of prediction engines, since one
/// <see cref="PredictionEngine{TSrc,TDst}"/> must never be shared between threads.
/// </summary>
internal sealed class MlNetFeaturizerModel(MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, AnalysisSettings analysis)
    : IFeaturizerModel
{
    private readonly ConcurrentBag<PredictionEngine<TermsInput, FeaturesOutput>> _engines = [];
    private readonly Lazy<string[]> _termNames = new(() => TermNames(transformer, schema));
    private readonly HashSet<string> _commonTerms = new(analysis.CommonTerms, StringComparer.Ordinal);

    public ModelInfo Info { get; } = info;

    public float[][] Embed(IReadOnlyList<ArticleText> texts)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        if (texts.Count == 1)
        {
            return [EmbedOne(texts[0])];
        }
        var data = ml.Data.LoadFromEnumerable(texts.Select(analysis.Row));
        var transformed = transformer.Transform(data);
        var vectors = new float[texts.Count][];
        var i = 0;
        foreach (var row in ml.Data.CreateEnumerable<FeaturesOutput>(transformed, reuseRowObject: false))
        {
            vectors[i++] = Finish(row.Features);
        }
        return vectors;
    }

    public void Save(Stream stream) => MlNetFeaturizer.Save(ml, transformer, schema, Info, analysis, stream);

    public IReadOnlyList<IReadOnlyList<SharedTerm>> SharedTerms(ArticleText query, IReadOnlyList<ArticleText> candidates, int top)
    {
        var data = ml.Data.LoadFromEnumerable(candidates.Prepend(query).Select(analysis.Row));
        var rows = ml.Data.CreateEnumerable<TermsOutput>(transformer.Transform(data), reuseRowObject: false).Select(r => r.Terms).ToList();
        var names = _termNames.Value;
        var words = TermAnalysis.SurfaceForms(query);
        var q = rows[0];
        return rows.Skip(1).Select(c =>
        {
            var shared = new List<SharedTerm>();
            for (var i = 0; i < q.Length && i < c.Length; i++)
            {
                if (q[i] > 0 && c[i] > 0 && !IsCommon(names[i]))
                {
                    shared.Add(new SharedTerm(Readable(names[i], words), q[i] * c[i]));
                }
            }
            return (IReadOnlyList<SharedTerm>)shared.OrderByDescending(t => t.Weight).Take(top).ToList();
        }).ToList();
    }

    /// <summary>A term too common in the fitted corpus to explain anything, or a word pair with such a word ("said mr").</summary>
    private bool IsCommon(string term)
    {
        var space = term.IndexOf(' ');
        return _commonTerms.Contains(term) || (space > 0 && (_commonTerms.Contains(term[..space]) || _commonTerms.Contains(term[(space + 1)..])));
    }

    /// <summary>A term as the query article wrote it ("elect" → "elections"), word by word; the term itself when the text does not hold it.</summary>
    private static string Readable(string term, IReadOnlyDictionary<string, string> words)
    {
        var space = term.IndexOf(' ');
        if (space < 0)
        {
            return words.GetValueOrDefault(term, term);
        }
        var (first, second) = (term[..space], term[(space + 1)..]);
        return words.TryGetValue(first, out var a) && words.TryGetValue(second, out var b) ? a + " " + b : term;
    }

    /// <summary>The vocabulary's terms, one per slot.</summary>
    private static string[] TermNames(ITransformer transformer, DataViewSchema schema)
    {
        var column = transformer.GetOutputSchema(schema)[MlNetFeaturizer.TermsColumn];
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    public void Dispose()
    {
        while (_engines.TryTake(out var engine))
        {
            engine.Dispose();
        }
    }

    private float[] EmbedOne(ArticleText text)
    {
        if (!_engines.TryTake(out var engine))
        {
            engine = ml.Model.CreatePredictionEngine<TermsInput, FeaturesOutput>(transformer);
        }
        try
        {
            return Finish(engine.Predict(analysis.Row(text)).Features);
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    /// <summary>A copy of the output with NaN (an empty text) turned into zeros, unit length otherwise.</summary>
    private float[] Finish(float[] features)
    {
        var vector = new float[Info.Dimensions];
        for (var i = 0; i < vector.Length && i < features.Length; i++)
        {
            vector[i] = float.IsFinite(features[i]) ? features[i] : 0f;
        }
        VectorMath.Normalize(vector);
        return vector;
    }
}
