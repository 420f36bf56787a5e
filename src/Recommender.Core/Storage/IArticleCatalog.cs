using Recommender.Core.Articles;

namespace Recommender.Core.Storage;

/// <summary>
/// What a client reads back of its stored articles: one whole, or the ids with their update times, a
/// page at a time. A page costs the store in proportion to the page, not to the corpus: the store keeps
/// the ids sorted by id and by update time.
/// </summary>
public interface IArticleCatalog
{
    /// <summary>The stored article with its update time, or null when it is not stored.</summary>
    Task<CatalogEntry?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="pageSize"/> stored ids after <paramref name="after"/> in id order (the bytes of their UTF-8), with their update times.</summary>
    Task<CatalogPage> ListAsync(string? after, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="pageSize"/> stored ids written at or after <paramref name="from"/> (to the
    /// millisecond), oldest write first (ties in id order), starting after <paramref name="after"/>.
    /// </summary>
    Task<CatalogPage> ListUpdatedAsync(DateTimeOffset from, CatalogPosition? after, int pageSize, CancellationToken cancellationToken);

    /// <summary>Every id in the store's registry, in id order (some may be of articles whose write never completed).</summary>
    Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken);

    /// <summary>How many ids the store's registry holds (cheap: no article is read).</summary>
    Task<int> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Brings the namespace's registry to the current layout when an older version of the service
    /// wrote it (idempotent; safe to run again after an interruption). Returns the ids migrated, 0 when
    /// there was nothing to do.
    /// </summary>
    Task<int> MigrateAsync(IProgress<int>? progress, CancellationToken cancellationToken);
}

/// <summary>A stored article and when it was last written (null: before update times were kept).</summary>
public sealed record CatalogEntry(Article Article, DateTimeOffset? Updated);

/// <summary>Where a page ended: the last id looked at, and its update time in a list by update time.</summary>
public sealed record CatalogPosition(string Id, DateTimeOffset? Updated);

/// <summary>One page of stored ids; <see cref="Next"/> is where the next page starts, null on the last page.</summary>
public sealed record CatalogPage(IReadOnlyList<(string Id, DateTimeOffset? Updated)> Articles, CatalogPosition? Next);
