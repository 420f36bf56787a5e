using Recommender.Core.Abstractions;
using Recommender.Core.Articles;

namespace Recommender.Core.Storage;

/// <summary>What the store knows of an article without reading it whole.</summary>
public sealed record StoredState(string RecordHash, string TextHash, bool HasVector);

/// <summary>
/// An article to write with its fingerprints, computed once by the writer: the hashes that tell
/// whether a later write changes it, and the body's near-duplicate signature.
/// </summary>
public sealed record ArticleWrite(Article Article, string RecordHash, string TextHash, string BodyHash, uint[] BodyMinHash, float[]? Vector);

/// <summary>An article read back; <see cref="Article.Body"/> is empty unless bodies were asked for.</summary>
public sealed record StoredArticle(Article Article, string BodyHash, uint[] BodyMinHash, float[]? Vector)
{
    /// <summary>The index's view of the article, with the fingerprints as stored.</summary>
    public ArticleInfo ToInfo() => Article.ToInfo(BodyHash, BodyMinHash);
}

/// <summary>A saved model and its bytes.</summary>
public sealed record StoredModel(ModelInfo Info, byte[] Model);
