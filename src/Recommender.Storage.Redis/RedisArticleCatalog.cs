using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>Reads stored articles back for their client: one whole, or every id in order with its update time.</summary>
internal sealed class RedisArticleCatalog(RedisNamespace store) : IArticleCatalog
{
    private static readonly RedisValue[] EntryFields = [.. ArticleHash.Full, ArticleHash.Updated];

    public Task<CatalogEntry?> GetAsync(string id, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var values = await store.Db.HashGetAsync(store.Keys.Article(id), EntryFields).WaitAsync(cancellationToken);
        return ArticleHash.Read(EntryFields, values, withBody: true, vector: null) is { } stored
            ? new CatalogEntry(stored.Article, ArticleHash.ReadTime(values[^1]))
            : null;
    });

    public Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
        (IReadOnlyList<string>)await store.ReadIdsAsync(cancellationToken));

    public Task<int> CountAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
        (int)await store.Db.SetLengthAsync(store.Keys.Ids()).WaitAsync(cancellationToken));

    public Task<CatalogPage> ListAsync(string? after, int pageSize, DateTimeOffset? updatedAfter, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var ids = (await store.ReadIdsAsync(cancellationToken))
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .ToList();
        var page = new List<(string, DateTimeOffset?)>(Math.Min(pageSize, ids.Count));
        var looked = 0;
        // Read in batches until the page is full: a filter on the update time may skip many.
        foreach (var chunk in ids.Chunk(Math.Min(store.Options.BatchSize, Math.Max(pageSize, 1))))
        {
            var batch = store.Db.CreateBatch();
            var reads = chunk.Select(id => batch.HashGetAsync(store.Keys.Article(id), ArticleHash.Version)).ToList();
            batch.Execute();
            await Task.WhenAll(reads).WaitAsync(cancellationToken);
            for (var i = 0; i < chunk.Length && page.Count < pageSize; i++, looked++)
            {
                var values = reads[i].Result;
                if (values[0].IsNull)
                {
                    continue; // registered but never completely written, or deleted since
                }
                var updated = ArticleHash.ReadTime(values[1]);
                if (updatedAfter is null || updated >= updatedAfter)
                {
                    page.Add((chunk[i], updated));
                }
            }
            if (page.Count == pageSize)
            {
                break;
            }
        }
        return new CatalogPage(page, looked < ids.Count ? ids[looked - 1] : null);
    });
}
