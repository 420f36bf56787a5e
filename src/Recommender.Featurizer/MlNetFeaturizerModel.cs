using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;

namespace Recommender.Featurizer;

/// <summary>The ML.NET pipeline's input row.</summary>
internal sealed class TextInput
{
    public string Text { get; set; } = "";

    /// <summary>The headline repeated <paramref name="titleWeight"/> times, then the body.</summary>
    public static TextInput From(ArticleText text, int titleWeight)
    {
        var parts = Enumerable.Repeat(text.Title, titleWeight).Append(text.Body);
        return new TextInput { Text = string.Join('\n', parts) };
    }
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
internal sealed class MlNetFeaturizerModel(MLContext ml, ITransformer transformer, DataViewSchema schema, ModelInfo info, int titleWeight)
    : IFeaturizerModel
{
    private readonly ConcurrentBag<PredictionEngine<TextInput, FeaturesOutput>> _engines = [];
    private readonly Lazy<string[]> _termNames = new(() => TermNames(transformer, schema));

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
        var data = ml.Data.LoadFromEnumerable(texts.Select(t => TextInput.From(t, titleWeight)));
        var transformed = transformer.Transform(data);
        var vectors = new float[texts.Count][];
        var i = 0;
        foreach (var row in ml.Data.CreateEnumerable<FeaturesOutput>(transformed, reuseRowObject: false))
        {
            vectors[i++] = Finish(row.Features);
        }
        return vectors;
    }

    public void Save(Stream stream) => MlNetFeaturizer.Save(ml, transformer, schema, Info, titleWeight, stream);

    public IReadOnlyList<IReadOnlyList<SharedTerm>> SharedTerms(ArticleText query, IReadOnlyList<ArticleText> candidates, int top)
    {
        var data = ml.Data.LoadFromEnumerable(candidates.Prepend(query).Select(t => TextInput.From(t, titleWeight)));
        var rows = ml.Data.CreateEnumerable<TermsOutput>(transformer.Transform(data), reuseRowObject: false).Select(r => r.Terms).ToList();
        var names = _termNames.Value;
        var q = rows[0];
        return rows.Skip(1).Select(c =>
        {
            var shared = new List<SharedTerm>();
            for (var i = 0; i < q.Length && i < c.Length; i++)
            {
                if (q[i] > 0 && c[i] > 0)
                {
                    shared.Add(new SharedTerm(names[i], q[i] * c[i]));
                }
            }
            return (IReadOnlyList<SharedTerm>)shared.OrderByDescending(t => t.Weight).Take(top).ToList();
        }).ToList();
    }

    /// <summary>Human-readable names of the vocabulary's slots ("central bank", not "central|bank").</summary>
    private static string[] TermNames(ITransformer transformer, DataViewSchema schema)
    {
        var column = transformer.GetOutputSchema(schema)[MlNetFeaturizer.TermsColumn];
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString().Replace('|', ' ')).ToArray();
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
            engine = ml.Model.CreatePredictionEngine<TextInput, FeaturesOutput>(transformer);
        }
        try
        {
            return Finish(engine.Predict(TextInput.From(text, titleWeight)).Features);
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
