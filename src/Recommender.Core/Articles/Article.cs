namespace Recommender.Core.Articles;

/// <summary>An article as the CMS sends it.</summary>
public sealed record Article(
    string Id,
    string Title,
    string Body,
    string Url = "",
    string Section = "",
    IReadOnlyList<string>? Tags = null,
    string Language = "",
    DateTimeOffset? Published = null)
{
    public IReadOnlyList<string> Tags { get; init; } = Tags ?? [];

    /// <summary>The metadata kept in memory and returned in related lists.</summary>
    public ArticleInfo ToInfo() => ToInfo(ContentHash.OfBody(Body));

    /// <summary>The metadata, with a body hash computed earlier (when the body was not read back).</summary>
    public ArticleInfo ToInfo(string bodyHash) => new(
        Id, Title, Url, Section, Tags, Language, Published, bodyHash);

    public ArticleText ToText() => new(Title, Body);
}

/// <summary>
/// What the index keeps per article: everything a related list shows, plus the hash of the
/// normalized body that duplicate suppression compares. The body itself stays in the store.
/// </summary>
public sealed record ArticleInfo(
    string Id,
    string Title,
    string Url,
    string Section,
    IReadOnlyList<string> Tags,
    string Language,
    DateTimeOffset? Published,
    string BodyHash);

/// <summary>The text the featurizer reads.</summary>
public readonly record struct ArticleText(string Title, string Body);
