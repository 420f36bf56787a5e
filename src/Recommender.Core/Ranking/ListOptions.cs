namespace Recommender.Core.Ranking;

/// <summary>
/// How a request asks for a related list to be cut and filtered, as it gave it (unchecked);
/// <see cref="RelatedQuery.From"/> validates it into the query the ranker runs.
/// </summary>
/// <param name="Limit">Suggestions wanted; 0: the default (<see cref="RelatedQuery.DefaultLimit"/>).</param>
/// <param name="IncludeSections">Only these sections; empty: every section.</param>
/// <param name="ExcludeIds">Never these ids.</param>
/// <param name="PublishedAfter">Only articles published after this time.</param>
/// <param name="ExcludeLater">No articles published after the query article.</param>
/// <param name="FreshnessHalfLife">Recency half-life; null: the server's default; zero: none.</param>
/// <param name="Diversity">MMR diversity 0-1; null: the server's default.</param>
/// <param name="Explain">Say why each suggestion is there.</param>
/// <param name="MinScore">Leave out suggestions scoring below this; null: no floor.</param>
public sealed record ListOptions(
    int Limit = 0,
    IReadOnlyList<string>? IncludeSections = null,
    IReadOnlyList<string>? ExcludeIds = null,
    DateTimeOffset? PublishedAfter = null,
    bool ExcludeLater = false,
    TimeSpan? FreshnessHalfLife = null,
    double? Diversity = null,
    bool Explain = false,
    float? MinScore = null)
{
    public IReadOnlyList<string> IncludeSections { get; init; } = IncludeSections ?? [];

    public IReadOnlyList<string> ExcludeIds { get; init; } = ExcludeIds ?? [];
}
