namespace Recommender.Core.Articles;

/// <summary>
/// What the index keeps per article: everything a related list shows, plus the body fingerprints
/// that duplicate suppression compares (an exact hash of the normalized body, and for
/// near-identical copies: a MinHash signature). The body itself stays in the store.
/// </summary>
public sealed record ArticleInfo(
    string Id,
    string Title,
    string Url,
    string Section,
    IReadOnlyList<string> Tags,
    string Language,
    DateTimeOffset? Published,
    string BodyHash,
    uint[] BodyMinHash);
