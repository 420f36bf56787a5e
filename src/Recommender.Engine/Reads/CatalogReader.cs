using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Storage;

namespace Recommender.Engine.Reads;

/// <summary>Reads stored articles back for the CMS that wrote them: one whole, or the ids and update times a page at a time.</summary>
internal sealed class CatalogReader(IArticleCatalog store)
{
    private const string TokenKind = "articles";

    /// <summary>The stored article and its update time; NotFound when it is not stored.</summary>
    public async Task<CatalogEntry> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) ?? throw new ArticleNotFoundException(id);

    /// <summary>A page of stored ids in ordinal order, and the token of the next page ("" on the last).</summary>
    public async Task<(IReadOnlyList<(string Id, DateTimeOffset? Updated)> Articles, string NextPageToken)> ListAsync(
        int pageSize, string pageToken, DateTimeOffset? updatedAfter, CancellationToken cancellationToken)
    {
        var after = PageToken.Decode(TokenKind, pageToken);
        // Update times are kept to the millisecond: a moment within the millisecond of a write must
        // still find it (compared finer, a write 0.3 ms after the moment was stored as before it).
        var from = updatedAfter is { } moment ? DateTimeOffset.FromUnixTimeMilliseconds(moment.ToUnixTimeMilliseconds()) : (DateTimeOffset?)null;
        var page = await store.ListAsync(after, pageSize, from, cancellationToken);
        return (page.Articles, page.Last is { } last ? PageToken.Encode(TokenKind, last) : "");
    }
}
