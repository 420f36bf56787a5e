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
    /// <param name="cancellationToken">Stops the fit (<see cref="OperationCanceledException"/>), between its phases (the text analysis is cancelled as it runs)</param>
    IFeaturizerModel Fit(IReadOnlyList<ArticleText> corpus, int corpusArticles = 0, CancellationToken cancellationToken = default);

    /// <summary>Loads a model saved with <see cref="IFeaturizerModel.Save"/>.</summary>
    IFeaturizerModel Load(Stream stream);

    /// <summary>The model shipped with the service, serving until the first fit on a real corpus.</summary>
    IFeaturizerModel LoadDefault();
}
