using Recommender.Core.Articles;

namespace Recommender.Core.Abstractions;

/// <summary>Fits text featurizer models on a corpus and loads saved ones.</summary>
public interface IFeaturizer
{
    /// <summary>The format of the models this featurizer fits; it loads no model of an older one (see <see cref="ModelInfo.Format"/>).</summary>
    int ModelFormat { get; }

    /// <summary>Fits a model on <paramref name="corpus"/>; the returned model is not saved anywhere yet.</summary>
    /// <param name="corpus">The texts to fit on (a sample of the corpus, or all of it).</param>
    /// <param name="corpusArticles">Articles in the whole corpus, recorded in the model's info (0: as many as fitted on).</param>
    IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, int corpusArticles = 0);

    /// <summary>Loads a model saved with <see cref="IFeaturizerModel.Save"/>.</summary>
    IFeaturizerModel Load(Stream stream);

    /// <summary>The model shipped with the service, serving until the first fit on a real corpus.</summary>
    IFeaturizerModel LoadDefault();
}

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

/// <summary>A term two articles share, and its share of their similarity (the product of its two weights).</summary>
public sealed record SharedTerm(string Term, float Weight);
