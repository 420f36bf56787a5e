namespace Recommender.Core.Abstractions;

/// <summary>Describes a fitted featurizer model.</summary>
public sealed record ModelInfo(
    string Version,
    DateTimeOffset FittedAt,
    int FittedOnArticles,
    int Dimensions,
    double FitSeconds,
    string Description)
{
    /// <summary>Version prefix of models shipped with the service (fitted on sample articles, not on a site's corpus).</summary>
    public const string DefaultVersionPrefix = "default-";

    public bool IsDefault => Version.StartsWith(DefaultVersionPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Articles the corpus held when the model was fitted (it may have been fitted on a sample of
    /// them); what later changes are measured against. 0 in models saved before it was recorded.
    /// </summary>
    public int CorpusArticles { get; init; }

    /// <summary>The featurizer's format the model was saved in (0 in models saved before it was recorded).</summary>
    public int Format { get; init; }

    /// <summary>The corpus size changes are measured against.</summary>
    public int BaselineArticles => CorpusArticles > 0 ? CorpusArticles : FittedOnArticles;
}
