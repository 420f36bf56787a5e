using Recommender.Core.Articles;

namespace Recommender.Core.Storage;

/// <summary>What a client reads back of its stored articles: one whole, or the ids with their update times, a page at a time.</summary>
public interface IArticleCatalog
{
    /// <summary>The stored article with its update time, or null when it is not stored.</summary>
    Task<CatalogEntry?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="pageSize"/> stored ids after <paramref name="after"/> (ordinal order), with
    /// their update times; only those written at or after <paramref name="updatedAfter"/> when given.
    /// </summary>
    Task<CatalogPage> ListAsync(string? after, int pageSize, DateTimeOffset? updatedAfter, CancellationToken cancellationToken);

    /// <summary>Every id in the store's registry, in ordinal order (some may be of articles whose write never completed).</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken);

    /// <summary>How many ids the store's registry holds (cheap: no article is read).</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);
}

/// <summary>A stored article and when it was last written (null: before update times were kept).</summary>
public sealed record CatalogEntry(Article Article, DateTimeOffset? Updated);

/// <summary>One page of stored ids; <see cref="Last"/> is the last id looked at (where the next page starts), null on the last page.</summary>
public sealed record CatalogPage(IReadOnlyList<(string Id, DateTimeOffset? Updated)> Articles, string? Last);
