using System.Runtime.CompilerServices;
using Recommender.Core.Articles;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Articles and their vectors in Redis. Commands for a batch are issued together and awaited
/// together (pipelining); each article's fields and vector go in one MULTI/EXEC on its hash slot.
/// </summary>
internal sealed class RedisArticleStore(RedisNamespace store, RedisChangeLog changeLog) : IArticleStore
{
    /// <summary>Chunks of a full read in flight at once: the store answers one while the caller works on another.</summary>
    private const int ReadAheadChunks = 4;

    private RedisKeys Keys => store.Keys;

    public bool IsAvailable => store.Connection.IsConnected;

    public Task<IReadOnlyDictionary<string, StoredState>> GetStatesAsync(
        IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var batch = store.Db.CreateBatch();
        var hashes = ids.Select(id => batch.HashGetAsync(Keys.Article(id), ArticleHash.State)).ToList();
        var vectors = ids.Select(id => batch.KeyExistsAsync(Keys.Vector(modelVersion, id))).ToList();
        batch.Execute();
        await Task.WhenAll(Task.WhenAll(hashes), Task.WhenAll(vectors)).WaitAsync(cancellationToken);

        var states = new Dictionary<string, StoredState>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            var (recordHash, textHash) = (hashes[i].Result[0], hashes[i].Result[1]);
            if (!recordHash.IsNull)
            {
                states[ids[i]] = new StoredState(recordHash!, textHash!, vectors[i].Result);
            }
        }
        return (IReadOnlyDictionary<string, StoredState>)states;
    });

    public Task WriteAsync(IReadOnlyList<ArticleWrite> writes, string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        if (writes.Count == 0)
        {
            return; // an upsert of unchanged articles: nothing to send
        }
        await store.Capacity.EnsureRoomAsync(writes.Sum(ArticleHash.SizeOf), StoreWriteKind.Content, cancellationToken);
        var db = store.Writes.Db;
        var ids = writes.Select(w => w.Article.Id).ToList();
        // The id registry lives on another slot, so it is written first: an article is never stored
        // unregistered, and an id whose article write did not complete is skipped when read back.
        var now = store.Clock.GetUtcNow();
        await Task.WhenAll(store.RegisterAsync(db, ids, now.ToUnixTimeMilliseconds()), changeLog.LogAsync(db, ids))
            .WaitAsync(cancellationToken);
        var pending = new List<Task>(writes.Count);
        foreach (var write in writes)
        {
            var transaction = db.CreateTransaction();
            _ = transaction.HashSetAsync(Keys.Article(write.Article.Id), ArticleHash.ToEntries(write, now));
            if (write.Vector is { } vector)
            {
                _ = transaction.StringSetAsync(Keys.Vector(modelVersion, write.Article.Id), VectorCodec.Encode(vector));
            }
            pending.Add(transaction.ExecuteAsync());
        }
        await Task.WhenAll(pending).WaitAsync(cancellationToken);
        await store.Writes.ConfirmAsync([Keys.Ids(), Keys.IdsByUpdate(), Keys.Changed(), .. ids.Select(Keys.Article)], cancellationToken);
    });

    public Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Writes.Db;
        var deletes = ids.Select(id => db.KeyDeleteAsync([Keys.Article(id), Keys.Vector(modelVersion, id)])).ToList();
        await Task.WhenAll(Task.WhenAll(deletes), store.UnregisterAsync(db, ids), changeLog.LogAsync(db, ids)).WaitAsync(cancellationToken);
        await store.Writes.ConfirmAsync([Keys.Ids(), Keys.IdsByUpdate(), Keys.Changed(), .. ids.Select(Keys.Article)], cancellationToken);
        return (IReadOnlyList<string>)ids.Where((_, i) => deletes[i].Result > 0).ToList();
    });

    public Task<IReadOnlyList<Article>> GetArticlesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var batch = store.Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(Keys.Article(id), ArticleHash.Full)).ToList();
        batch.Execute();
        await Task.WhenAll(reads).WaitAsync(cancellationToken);
        return (IReadOnlyList<Article>)reads
            .Select(r => ArticleHash.Read(ArticleHash.Full, r.Result, withBody: true, vector: null)?.Article)
            .OfType<Article>()
            .ToList();
    });

    public Task<IReadOnlyList<StoredArticle>> GetStoredAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) =>
        ReadChunkAsync(ids, modelVersion, cancellationToken);

    public async IAsyncEnumerable<IReadOnlyList<StoredArticle>> ReadAllAsync(
        string modelVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = await RedisCall.Run(() => store.ReadIdsAsync(cancellationToken));
        var pending = new Queue<Task<IReadOnlyList<StoredArticle>>>();
        foreach (var chunk in ids.Chunk(store.Options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Enqueue(ReadChunkAsync(chunk, modelVersion, cancellationToken));
            if (pending.Count == ReadAheadChunks)
            {
                yield return await pending.Dequeue();
            }
        }
        while (pending.Count > 0)
        {
            yield return await pending.Dequeue();
        }
    }

    private Task<IReadOnlyList<StoredArticle>> ReadChunkAsync(
        IReadOnlyList<string> chunk, string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var fields = ArticleHash.Metadata;
        var batch = store.Db.CreateBatch();
        var hashes = chunk.Select(id => batch.HashGetAsync(Keys.Article(id), fields)).ToList();
        var vectors = chunk.Select(id => batch.StringGetAsync(Keys.Vector(modelVersion, id))).ToList();
        batch.Execute();
        await Task.WhenAll(Task.WhenAll(hashes), Task.WhenAll(vectors)).WaitAsync(cancellationToken);
        var articles = new List<StoredArticle>(chunk.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            var bytes = vectors[i].Result;
            var vector = bytes.IsNull ? null : VectorCodec.Decode((byte[])bytes!);
            // Null: registered but never completely written, or deleted since.
            if (ArticleHash.Read(fields, hashes[i].Result, withBody: false, vector) is { } article)
            {
                articles.Add(article);
            }
        }
        return (IReadOnlyList<StoredArticle>)articles;
    }, "ReadAsync");

    public Task WriteVectorsAsync(string modelVersion, IReadOnlyList<(string Id, float[] Vector)> vectors, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(
            vectors.Sum(v => RedisNamespace.RecordOverhead + v.Id.Length + (v.Vector.Length * sizeof(float))), StoreWriteKind.Content, cancellationToken);
        var db = store.Db;
        var writes = vectors.Select(v => db.StringSetAsync(Keys.Vector(modelVersion, v.Id), VectorCodec.Encode(v.Vector))).ToList();
        await Task.WhenAll(writes).WaitAsync(cancellationToken);
    });

    public Task DeleteVectorsAsync(string modelVersion, IReadOnlyList<string> ids, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        // One key per command: keys of different articles live on different cluster slots.
        var deletes = ids.Select(id => db.KeyDeleteAsync(Keys.Vector(modelVersion, id))).ToList();
        await Task.WhenAll(deletes).WaitAsync(cancellationToken);
    });

    public Task<IReadOnlyList<string>> RemoveDanglingIdsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        var ids = (await store.ReadIdsAsync(cancellationToken)).Where(id => !keep.Contains(id)).ToList();
        var dangling = new List<string>();
        foreach (var chunk in ids.Chunk(store.Options.BatchSize))
        {
            var exists = chunk.Select(id => db.KeyExistsAsync(Keys.Article(id))).ToList();
            await Task.WhenAll(exists).WaitAsync(cancellationToken);
            dangling.AddRange(chunk.Where((_, i) => !exists[i].Result));
        }
        if (dangling.Count > 0)
        {
            await store.UnregisterAsync(db, dangling).WaitAsync(cancellationToken);
        }
        return (IReadOnlyList<string>)dangling;
    });
}
