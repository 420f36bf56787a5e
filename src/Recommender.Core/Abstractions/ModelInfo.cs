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
}
