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
