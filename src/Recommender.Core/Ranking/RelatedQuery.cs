using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Ranking;

/// <summary>How a related list is cut and filtered.</summary>
public sealed record RelatedQuery
{
    public const int DefaultLimit = 5;

    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Only these sections (compared case-insensitively); empty means every section.</summary>
    public IReadOnlySet<string> IncludeSections { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Never these ids.</summary>
    public IReadOnlySet<string> ExcludeIds { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Only articles published strictly after this time; articles without a date are then left out.</summary>
    public DateTimeOffset? PublishedAfter { get; init; }

    /// <summary>Leave out articles published after the query article (when both carry a date).</summary>
    public bool ExcludeLater { get; init; }

    /// <summary>
    /// Recency decay: a suggestion's score halves for every half-life between its date and the
    /// query's. Null: the server's default; zero: none.
    /// </summary>
    public TimeSpan? FreshnessHalfLife { get; init; }

    /// <summary>0 (pure relevance) to 1: how much MMR favours suggestions unlike those already listed. Null: the server's default.</summary>
    public double? Diversity { get; init; }

    /// <summary>Explain each suggestion: the terms it shares with the query article.</summary>
    public bool Explain { get; init; }

    /// <summary>Leave out suggestions scoring below this, so the list may be shorter than <see cref="Limit"/>. Null: no floor.</summary>
    public float? MinScore { get; init; }

    /// <summary>
    /// Builds a query from the options a request gave, validating each (fields named with
    /// <paramref name="fieldPrefix"/>). A limit of 0 means the default; an unset half-life or
    /// diversity leaves the server's default to the ranker.
    /// </summary>
    public static RelatedQuery From(ListOptions options, InputLimits? limits = null, string fieldPrefix = "options.")
    {
        var (limit, publishedAfter, excludeLater, freshnessHalfLife, diversity, explain, minScore) =
            (options.Limit, options.PublishedAfter, options.ExcludeLater, options.FreshnessHalfLife, options.Diversity, options.Explain, options.MinScore);
        var (includeSections, excludeIds) = (options.IncludeSections, options.ExcludeIds);
        limits ??= InputLimits.Default;
        if (minScore is { } floor && (float.IsNaN(floor) || floor < -1 || floor > 1))
        {
            throw new RequestValidationException(fieldPrefix + "min_score", "must be between -1 and 1 (scores are cosine similarities times factors of at most 1)");
        }
        if (freshnessHalfLife is { } halfLife && halfLife < TimeSpan.Zero)
        {
            throw new RequestValidationException(fieldPrefix + "freshness_half_life", "must not be negative");
        }
        if (diversity is { } d && (d < 0 || d > 1 || double.IsNaN(d)))
        {
            throw new RequestValidationException(fieldPrefix + "diversity", "must be between 0 and 1");
        }
        if (limit < 0 || limit > limits.MaxListLimit)
        {
            throw new RequestValidationException(fieldPrefix + "limit",
                $"must be between 1 and {limits.MaxListLimit} (0 means {DefaultLimit}; {InputLimits.SectionName}:MaxListLimit)");
        }
        var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in includeSections.Select(TextNormalization.Label))
        {
            ArticleRules.ValidateText(section, fieldPrefix + "include_sections", limits.MaxSectionLength, nameof(limits.MaxSectionLength), required: true, multiline: false);
            sections.Add(section);
        }
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in excludeIds)
        {
            ArticleRules.ValidateId(id, fieldPrefix + "exclude_ids", limits);
            excluded.Add(id);
        }
        if (sections.Count > limits.MaxFilterEntries)
        {
            throw new RequestValidationException(fieldPrefix + "include_sections", $"has more than {limits.MaxFilterEntries} entries ({InputLimits.SectionName}:MaxFilterEntries)");
        }
        if (excluded.Count > limits.MaxFilterEntries)
        {
            throw new RequestValidationException(fieldPrefix + "exclude_ids", $"has more than {limits.MaxFilterEntries} entries ({InputLimits.SectionName}:MaxFilterEntries)");
        }
        return new RelatedQuery
        {
            Limit = limit == 0 ? DefaultLimit : limit,
            IncludeSections = sections,
            ExcludeIds = excluded,
            PublishedAfter = publishedAfter,
            ExcludeLater = excludeLater,
            FreshnessHalfLife = freshnessHalfLife,
            Diversity = diversity,
            Explain = explain,
            MinScore = minScore,
        };
    }

    /// <summary>Whether the filters let <paramref name="candidate"/> into the list of <paramref name="self"/>.</summary>
    internal bool Accepts(ArticleInfo candidate, ArticleInfo self) =>
        !ExcludeIds.Contains(candidate.Id) &&
        (IncludeSections.Count == 0 || IncludeSections.Contains(candidate.Section)) &&
        (PublishedAfter is null || (candidate.Published is { } published && published > PublishedAfter)) &&
        !(ExcludeLater && self.Published is { } queryTime && candidate.Published is { } candidateTime && candidateTime > queryTime);
}
