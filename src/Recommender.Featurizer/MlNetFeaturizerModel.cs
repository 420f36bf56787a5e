using System.Collections.Concurrent;
using Microsoft.ML;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Featurizer.Analysis;
using Recommender.Featurizer.Semantic;

namespace Recommender.Featurizer;

/// <summary>
/// A fitted model. Batches go through <see cref="ITransformer.Transform"/>, which is
/// thread-safe; single texts (draft previews) use a pool of prediction engines, since one
/// <see cref="PredictionEngine{TSrc,TDst}"/> must never be shared between threads. Each output
/// coordinate is multiplied by its component's weight (none: the plain projection) before the
/// vector is normalized.
/// </summary>
internal sealed class MlNetFeaturizerModel(
    MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, AnalysisSettings analysis, float[]? componentWeights)
    : IFeaturizerModel
{
    private readonly ConcurrentBag<PredictionEngine<SparseInput, FeaturesOutput>> _engines = [];
    private readonly HashSet<string> _commonTerms = new(analysis.CommonTerms, StringComparer.Ordinal);

    public ModelInfo Info { get; } = info;

    public float[][] Embed(IReadOnlyList<ArticleText> texts)
    {
        var vectors = new float[texts.Count][];
        var inputs = new List<(int Index, SparseInput Input)>(texts.Count);
        for (var i = 0; i < texts.Count; i++)
        {
            var terms = analysis.Vocabulary.Vector(analysis.Counts(texts[i]));
            if (terms.GetValues().Length == 0)
            {
                vectors[i] = new float[Info.Dimensions]; // no known term: like nothing, rather than like the average article
            }
            else
            {
                inputs.Add((i, new SparseInput { Terms = terms }));
            }
        }
        if (inputs.Count == 1)
        {
            vectors[inputs[0].Index] = EmbedOne(inputs[0].Input);
        }
        else if (inputs.Count > 1)
        {
            var data = ml.Data.LoadFromEnumerable(inputs.Select(p => p.Input), analysis.InputSchema);
            var row = 0;
            foreach (var output in ml.Data.CreateEnumerable<FeaturesOutput>(transformer.Transform(data), reuseRowObject: false))
            {
                vectors[inputs[row++].Index] = Finish(output.Features);
            }
        }
        if (analysis.SentenceShare > 0)
        {
            Fuse(texts, vectors);
        }
        return vectors;
    }

    /// <summary>
    /// The hybrid mode: each English text's vector becomes its own scaled to √(1 − share), followed
    /// by the sentence embedding of its headline and lead scaled to √share, so that the cosine of two
    /// such articles is (1 − share) × the default one + share × the sentence model's. Texts in other
    /// languages keep their own vector (the tail stays zero).
    /// </summary>
    private void Fuse(IReadOnlyList<ArticleText> texts, float[][] vectors)
    {
        var known = Enumerable.Range(0, texts.Count)
            .Where(i => SentenceEmbedding.Knows(TermAnalysis.LanguageOf(texts[i], analysis.MainLanguage)))
            .ToList();
        if (known.Count == 0)
        {
            return;
        }
        var semantic = SentenceEmbedding.Encode(known.Select(i => SentenceEmbedding.TextOf(texts[i])).ToList());
        var (own, added) = ((float)Math.Sqrt(1 - analysis.SentenceShare), (float)Math.Sqrt(analysis.SentenceShare));
        var offset = Info.Dimensions - SentenceEmbedding.Dimensions;
        for (var k = 0; k < known.Count; k++)
        {
            var vector = vectors[known[k]];
            for (var d = 0; d < offset; d++)
            {
                vector[d] *= own;
            }
            for (var d = 0; d < SentenceEmbedding.Dimensions; d++)
            {
                vector[offset + d] = added * semantic[k][d];
            }
            VectorMath.Normalize(vector); // unit length already, unless the text held no known term
        }
    }

    public void Save(Stream stream) => MlNetFeaturizer.Save(ml, transformer, schema, Info, analysis, componentWeights, stream);

    public IReadOnlyList<IReadOnlyList<SharedTerm>> SharedTerms(ArticleText query, IReadOnlyList<ArticleText> candidates, int top)
    {
        var vocabulary = analysis.Vocabulary;
        var q = vocabulary.Weigh(analysis.Counts(query)).ToDictionary(e => e.Slot, e => e.Weight);
        var words = TermAnalysis.SurfaceForms(query, analysis.MainLanguage);
        return candidates.Select(candidate =>
        {
            var shared = new List<SharedTerm>();
            foreach (var (slot, weight) in vocabulary.Weigh(analysis.Counts(candidate)))
            {
                if (q.TryGetValue(slot, out var own) && !TermAnalysis.IsNGram(vocabulary.Term(slot)) && !IsCommon(vocabulary.Term(slot)))
                {
                    shared.Add(new SharedTerm(Readable(vocabulary.Term(slot), words), own * weight));
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

    public void Dispose()
    {
        while (_engines.TryTake(out var engine))
        {
            engine.Dispose();
        }
    }

    private float[] EmbedOne(SparseInput input)
    {
        if (!_engines.TryTake(out var engine))
        {
            engine = ml.Model.CreatePredictionEngine<SparseInput, FeaturesOutput>(transformer, inputSchemaDefinition: analysis.InputSchema);
        }
        try
        {
            return Finish(engine.Predict(input).Features);
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    /// <summary>A weighted copy of the output with anything not finite turned into zeros, unit length otherwise.</summary>
    private float[] Finish(float[] features)
    {
        var vector = new float[Info.Dimensions];
        for (var i = 0; i < vector.Length && i < features.Length; i++)
        {
            var weight = componentWeights is null ? 1f : i < componentWeights.Length ? componentWeights[i] : 0f;
            vector[i] = float.IsFinite(features[i]) ? features[i] * weight : 0f;
        }
        VectorMath.Normalize(vector);
        return vector;
    }
}
