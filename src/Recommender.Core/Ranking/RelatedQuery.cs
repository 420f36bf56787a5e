using Recommender.Core.Articles;

namespace Recommender.Core.Ranking;

/// <summary>How a related list is cut and filtered.</summary>
public sealed record RelatedQuery
{
    public const int DefaultLimit = 5;
    public const int MaxLimit = 50;
    public const int MaxFilterEntries = 1_000;

    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Only these sections (compared case-insensitively); empty means every section.</summary>
    public IReadOnlySet<string> IncludeSections { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Never these ids.</summary>
    public IReadOnlySet<string> ExcludeIds { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Only articles published strictly after this time; articles without a date are then left out.</summary>
    public DateTimeOffset? PublishedAfter { get; init; }

    /// <summary>Builds a query from request values, validating each; a limit of 0 means the default.</summary>
    public static RelatedQuery Create(
        int limit,
        IEnumerable<string> includeSections,
        IEnumerable<string> excludeIds,
        DateTimeOffset? publishedAfter,
        string fieldPrefix = "options.")
    {
        if (limit < 0 || limit > MaxLimit)
        {
            throw new ArticleValidationException(fieldPrefix + "limit", $"must be between 1 and {MaxLimit} (0 means {DefaultLimit})");
        }
        var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var section in includeSections)
        {
            ArticleRules.ValidateText(section, fieldPrefix + "include_sections", ArticleRules.MaxSectionLength, required: true, multiline: false);
            sections.Add(section);
        }
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in excludeIds)
        {
            ArticleRules.ValidateId(id, fieldPrefix + "exclude_ids");
            excluded.Add(id);
        }
        if (sections.Count > MaxFilterEntries)
        {
            throw new ArticleValidationException(fieldPrefix + "include_sections", $"has more than {MaxFilterEntries} entries");
        }
        if (excluded.Count > MaxFilterEntries)
        {
            throw new ArticleValidationException(fieldPrefix + "exclude_ids", $"has more than {MaxFilterEntries} entries");
        }
        return new RelatedQuery
        {
            Limit = limit == 0 ? DefaultLimit : limit,
            IncludeSections = sections,
            ExcludeIds = excluded,
            PublishedAfter = publishedAfter,
        };
    }

    internal bool Accepts(ArticleInfo candidate) =>
        !ExcludeIds.Contains(candidate.Id) &&
        (IncludeSections.Count == 0 || IncludeSections.Contains(candidate.Section)) &&
        (PublishedAfter is null || (candidate.Published is { } published && published > PublishedAfter));
}
