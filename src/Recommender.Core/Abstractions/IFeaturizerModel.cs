using Recommender.Core.Articles;

namespace Recommender.Core.Abstractions;

/// <summary>A fitted model: turns article text into unit-length vectors. Thread-safe.</summary>
public interface IFeaturizerModel : IDisposable
{
    ModelInfo Info { get; }

    /// <summary>One L2-normalized vector of <see cref="ModelInfo.Dimensions"/> floats per text, in order.</summary>
    float[][] Embed(IReadOnlyList<ArticleText> texts);

    /// <summary>Writes the model (and its info) so that <see cref="IFeaturizer.Load"/> restores it.</summary>
    void Save(Stream stream);

    /// <summary>
    /// For each candidate, the words and word pairs it shares with <paramref name="query"/> that
    /// weigh most in their (pre-projection) similarity, heaviest first, at most <paramref name="top"/>.
    /// </summary>
    IReadOnlyList<IReadOnlyList<SharedTerm>> SharedTerms(ArticleText query, IReadOnlyList<ArticleText> candidates, int top);
}
