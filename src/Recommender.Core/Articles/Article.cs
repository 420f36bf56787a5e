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
    public ArticleInfo ToInfo() => ToInfo(ContentHash.OfBody(Body), MinHash.Of(Body));

    /// <summary>The metadata, with body fingerprints computed earlier (when the body was not read back).</summary>
    public ArticleInfo ToInfo(string bodyHash, uint[] bodyMinHash) => new(
        Id, Title, Url, Section, Tags, Language, Published, bodyHash, bodyMinHash);

    public ArticleText ToText() => new(Title, Body, Language);
}
