using System.Text;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Reads stored articles back for their client: one whole, or a page of ids in id order or by update
/// time. A page reads a range of the registry's sorted sets and the update time of each id in it, so
/// it costs the same at a thousand articles as at a million.
/// </summary>
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
        (int)await store.Db.SortedSetLengthAsync(store.Keys.Ids()).WaitAsync(cancellationToken));

    public Task<CatalogPage> ListAsync(string? after, int pageSize, CancellationToken cancellationToken) => RedisCall.Run(() =>
        ReadPageAsync(pageSize, async take =>
        {
            var ids = await store.Db.SortedSetRangeByValueAsync(
                store.Keys.Ids(), after ?? RedisValue.Null, RedisValue.Null, Exclude.Start, Order.Ascending, 0, take).WaitAsync(cancellationToken);
            return ids.Select(id => new CatalogPosition((string)id!, null)).ToList();
        }, page => after = page[^1].Id, cancellationToken));

    public Task<CatalogPage> ListUpdatedAsync(DateTimeOffset from, CatalogPosition? after, int pageSize, CancellationToken cancellationToken) => RedisCall.Run(() =>
    {
        // Ids written in the same millisecond share a score and come in id order; a page that ends
        // among them resumes at that score and skips the ids up to the one it ended on.
        var start = after?.Updated ?? from;
        var skipThrough = after?.Id;
        return ReadPageAsync(pageSize, async take =>
        {
            var positions = new List<CatalogPosition>(take);
            for (var offset = 0L; positions.Count < take; offset += take)
            {
                var entries = await store.Db.SortedSetRangeByScoreWithScoresAsync(
                    store.Keys.IdsByUpdate(), start.ToUnixTimeMilliseconds(), double.PositiveInfinity, Exclude.None, Order.Ascending, offset, take)
                    .WaitAsync(cancellationToken);
                foreach (var entry in entries)
                {
                    var position = new CatalogPosition((string)entry.Element!, DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score));
                    if (skipThrough is null || position.Updated > start || Utf8Order(position.Id, skipThrough) > 0)
                    {
                        positions.Add(position);
                    }
                }
                if (entries.Length < take)
                {
                    break;
                }
            }
            return positions.Take(take).ToList();
        }, page => (start, skipThrough) = (page[^1].Updated!.Value, page[^1].Id), cancellationToken);
    });

    public Task<int> MigrateAsync(IProgress<int>? progress, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        var legacy = store.Keys.LegacyIds();
        if (!await db.KeyExistsAsync(legacy).WaitAsync(cancellationToken))
        {
            return 0;
        }
        // Copied, not moved: an interrupted migration starts again from the whole set, and adding an
        // id twice to a sorted set changes nothing. The set goes once every id is in both sorted sets.
        var migrated = 0;
        await foreach (var chunk in db.SetScanAsync(legacy, pageSize: store.Options.BatchSize).Chunk(store.Options.BatchSize).WithCancellation(cancellationToken))
        {
            var ids = chunk.Select(id => (string)id!).ToList();
            var batch = db.CreateBatch();
            var times = ids.Select(id => batch.HashGetAsync(store.Keys.Article(id), ArticleHash.Updated)).ToList();
            batch.Execute();
            await Task.WhenAll(times).WaitAsync(cancellationToken);
            await Task.WhenAll(
                db.SortedSetAddAsync(store.Keys.Ids(), ids.Select(id => new SortedSetEntry(id, 0)).ToArray()),
                db.SortedSetAddAsync(store.Keys.IdsByUpdate(), ids.Select((id, i) => new SortedSetEntry(id, times[i].Result.IsNull ? -1 : (long)times[i].Result)).ToArray()))
                .WaitAsync(cancellationToken);
            migrated += ids.Count;
            progress?.Report(migrated);
        }
        await db.KeyDeleteAsync(legacy).WaitAsync(cancellationToken);
        return migrated;
    });

    /// <summary>
    /// A page of at most <paramref name="pageSize"/> stored ids: reads positions from the registry
    /// (one more than it needs, to know whether a next page exists) and keeps those whose article is
    /// stored (an id is registered before its article is written, and a write may not have completed).
    /// </summary>
    private async Task<CatalogPage> ReadPageAsync(
        int pageSize, Func<int, Task<List<CatalogPosition>>> read, Action<List<CatalogPosition>> advance, CancellationToken cancellationToken)
    {
        var page = new List<(string, DateTimeOffset?)>(pageSize);
        while (true)
        {
            var need = pageSize - page.Count;
            var positions = await read(need + 1);
            var looked = positions.Take(need).ToList();
            if (looked.Count == 0)
            {
                return new CatalogPage(page, null);
            }
            var batch = store.Db.CreateBatch();
            var reads = looked.Select(p => batch.HashGetAsync(store.Keys.Article(p.Id), ArticleHash.Version)).ToList();
            batch.Execute();
            await Task.WhenAll(reads).WaitAsync(cancellationToken);
            for (var i = 0; i < looked.Count; i++)
            {
                if (!reads[i].Result[0].IsNull)
                {
                    page.Add((looked[i].Id, ArticleHash.ReadTime(reads[i].Result[1])));
                }
            }
            if (positions.Count <= need)
            {
                return new CatalogPage(page, null);
            }
            if (page.Count == pageSize)
            {
                return new CatalogPage(page, looked[^1]);
            }
            advance(looked);
        }
    }

    /// <summary>Orders ids as Redis orders members of equal score: by the bytes of their UTF-8.</summary>
    private static int Utf8Order(string a, string b) =>
        ((ReadOnlySpan<byte>)Encoding.UTF8.GetBytes(a)).SequenceCompareTo(Encoding.UTF8.GetBytes(b));
}
