using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Recommender.Core;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Articles, vectors and models in Redis. Commands for a batch are issued together and awaited
/// together (pipelining); each article's fields and vector go in one MULTI/EXEC on its hash slot.
/// Connection and timeout failures surface as <see cref="StoreUnavailableException"/>.
/// </summary>
public sealed class RedisArticleStore(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, IStoreCapacity capacity, string ns) : IArticleStore
{
    private static class Field
    {
        public static readonly RedisValue Id = "id";
        public static readonly RedisValue Title = "title";
        public static readonly RedisValue Body = "body";
        public static readonly RedisValue Url = "url";
        public static readonly RedisValue Section = "section";
        public static readonly RedisValue Tags = "tags";
        public static readonly RedisValue Language = "language";
        public static readonly RedisValue Published = "published";
        public static readonly RedisValue RecordHash = "record_hash";
        public static readonly RedisValue TextHash = "text_hash";
        public static readonly RedisValue BodyHash = "body_hash";
        public static readonly RedisValue BodyMinHash = "body_minhash";
        public static readonly RedisValue Version = "version";
        public static readonly RedisValue Info = "info";
    }

    private static readonly RedisValue[] MetadataFields =
        [Field.Id, Field.Title, Field.Url, Field.Section, Field.Tags, Field.Language, Field.Published, Field.BodyHash, Field.BodyMinHash];

    private static readonly RedisValue[] FullFields = [.. MetadataFields, Field.Body];

    private readonly RedisStoreOptions _options = options.Value;
    private readonly RedisKeys _keys = new(ns);

    private IDatabase Db => redis.GetDatabase();

    public bool IsAvailable => redis.IsConnected;

    public Task<IReadOnlyDictionary<string, StoredState>> GetStatesAsync(
        IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) => Guard(async () =>
    {
        var batch = Db.CreateBatch();
        var hashes = ids.Select(id => batch.HashGetAsync(_keys.Article(id), [Field.RecordHash, Field.TextHash])).ToList();
        var vectors = ids.Select(id => batch.KeyExistsAsync(_keys.Vector(modelVersion, id))).ToList();
        batch.Execute();
        await Task.WhenAll(Task.WhenAll(hashes), Task.WhenAll(vectors)).WaitAsync(cancellationToken);

        var states = new Dictionary<string, StoredState>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            var values = hashes[i].Result;
            if (!values[0].IsNull)
            {
                states[ids[i]] = new StoredState(values[0]!, values[1]!, vectors[i].Result);
            }
        }
        return (IReadOnlyDictionary<string, StoredState>)states;
    });

    public Task WriteAsync(IReadOnlyList<ArticleWrite> writes, string modelVersion, CancellationToken cancellationToken) => Guard(async () =>
    {
        if (writes.Count == 0)
        {
            return; // an upsert of unchanged articles: nothing to send
        }
        await capacity.EnsureRoomAsync(writes.Sum(SizeOf), StoreWriteKind.Content, cancellationToken);
        var db = Db;
        // The id registry lives on another slot, so it is added first (one command for the batch):
        // an id whose article write did not complete is skipped when the store is read back.
        var pending = new List<Task>(writes.Count + 2)
        {
            db.SetAddAsync(_keys.Ids(), writes.Select(w => (RedisValue)w.Article.Id).ToArray()),
            LogChangesAsync(db, writes.Select(w => w.Article.Id)),
        };
        foreach (var write in writes)
        {
            var transaction = db.CreateTransaction();
            _ = transaction.HashSetAsync(_keys.Article(write.Article.Id), ToEntries(write));
            if (write.Vector is { } vector)
            {
                _ = transaction.StringSetAsync(_keys.Vector(modelVersion, write.Article.Id), VectorCodec.Encode(vector));
            }
            pending.Add(transaction.ExecuteAsync());
        }
        await Task.WhenAll(pending).WaitAsync(cancellationToken);
    });

    public Task<IReadOnlyList<string>> RemoveDanglingIdsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken) => Guard(async () =>
    {
        var db = Db;
        var ids = (await db.SetMembersAsync(_keys.Ids()).WaitAsync(cancellationToken)).Select(v => (string)v!).Where(id => !keep.Contains(id)).ToList();
        var dangling = new List<string>();
        foreach (var chunk in ids.Chunk(_options.BatchSize))
        {
            var exists = chunk.Select(id => db.KeyExistsAsync(_keys.Article(id))).ToList();
            await Task.WhenAll(exists).WaitAsync(cancellationToken);
            dangling.AddRange(chunk.Where((_, i) => !exists[i].Result));
        }
        if (dangling.Count > 0)
        {
            await db.SetRemoveAsync(_keys.Ids(), dangling.Select(id => (RedisValue)id).ToArray()).WaitAsync(cancellationToken);
        }
        return (IReadOnlyList<string>)dangling;
    });

    public Task<bool> ExistsAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        // One EXISTS per key: on a cluster the three keys may live on different slots.
        var db = Db;
        var found = await Task.WhenAll(db.KeyExistsAsync(_keys.Ids()), db.KeyExistsAsync(_keys.ActiveModel()), db.KeyExistsAsync(_keys.Rules()))
            .WaitAsync(cancellationToken);
        return found.Any(f => f);
    });

    public Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) => Guard(async () =>
    {
        var db = Db;
        var deletes = ids.Select(id => db.KeyDeleteAsync([_keys.Article(id), _keys.Vector(modelVersion, id)])).ToList();
        var removal = db.SetRemoveAsync(_keys.Ids(), ids.Select(id => (RedisValue)id).ToArray());
        await Task.WhenAll(Task.WhenAll(deletes), removal, LogChangesAsync(db, ids)).WaitAsync(cancellationToken);
        return (IReadOnlyList<string>)ids.Where((_, i) => deletes[i].Result > 0).ToList();
    });

    public Task<IReadOnlyList<Article>> GetArticlesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) => Guard(async () =>
    {
        var batch = Db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(_keys.Article(id), FullFields)).ToList();
        batch.Execute();
        await Task.WhenAll(reads).WaitAsync(cancellationToken);
        return (IReadOnlyList<Article>)reads.Select(r => ToArticle(r.Result, withBody: true)).OfType<Article>().ToList();
    });

    public async IAsyncEnumerable<IReadOnlyList<StoredArticle>> ReadAllAsync(
        string? modelVersion, bool includeBodies, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = await Guard(async () => (await Db.SetMembersAsync(_keys.Ids())).Select(v => (string)v!).ToList());
        ids.Sort(StringComparer.Ordinal);
        var fields = includeBodies ? FullFields : MetadataFields;
        // A few chunks in flight at once: the store answers one while the caller works on another.
        const int InFlight = 4;
        var pending = new Queue<Task<IReadOnlyList<StoredArticle>>>();
        foreach (var chunk in ids.Chunk(_options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            pending.Enqueue(ReadChunkAsync(chunk, modelVersion, fields, includeBodies, cancellationToken));
            if (pending.Count == InFlight)
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
        IReadOnlyList<string> chunk, string? modelVersion, RedisValue[] fields, bool includeBodies, CancellationToken cancellationToken) => Guard(async () =>
    {
        var batch = Db.CreateBatch();
        var hashes = chunk.Select(id => batch.HashGetAsync(_keys.Article(id), fields)).ToList();
        var vectors = modelVersion is null
            ? null
            : chunk.Select(id => batch.StringGetAsync(_keys.Vector(modelVersion, id))).ToList();
        batch.Execute();
        await Task.WhenAll(hashes).WaitAsync(cancellationToken);
        if (vectors is not null)
        {
            await Task.WhenAll(vectors).WaitAsync(cancellationToken);
        }
        var articles = new List<StoredArticle>(chunk.Count);
        for (var i = 0; i < chunk.Count; i++)
        {
            var values = hashes[i].Result;
            if (ToArticle(values, includeBodies) is not { } article)
            {
                continue; // registered but never completely written, or deleted since
            }
            var bytes = vectors?[i].Result;
            var vector = bytes is { IsNull: false } b ? VectorCodec.Decode((byte[])b!) : null;
            var minHash = values[8].IsNull ? [] : MinHash.FromBytes((byte[])values[8]!);
            articles.Add(new StoredArticle(article, values[7]!, minHash, vector));
        }
        return (IReadOnlyList<StoredArticle>)articles;
    }, "ReadAsync");

    public Task<IReadOnlyList<StoredArticle>> GetStoredAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) =>
        ReadChunkAsync(ids, modelVersion, MetadataFields, includeBodies: false, cancellationToken);

    public Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken) => Guard(async () =>
    {
        await redis.GetSubscriber().PublishAsync(_keys.Changes(), JsonSerializer.Serialize(notice)).WaitAsync(cancellationToken);
    });

    public Task<IAsyncDisposable> SubscribeAsync(Func<ChangeNotice, Task> handler, CancellationToken cancellationToken) => Guard(async () =>
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(_keys.Changes()).WaitAsync(cancellationToken);
        // OnMessage with an async handler delivers messages one at a time, in order.
        queue.OnMessage(async message =>
        {
            if (JsonSerializer.Deserialize<ChangeNotice>((string)message.Message!) is { } notice)
            {
                await handler(notice);
            }
        });
        return (IAsyncDisposable)new Subscription(queue);
    });

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await queue.UnsubscribeAsync();
    }

    public Task WriteVectorsAsync(string modelVersion, IReadOnlyList<(string Id, float[] Vector)> vectors, CancellationToken cancellationToken) => Guard(async () =>
    {
        await capacity.EnsureRoomAsync(vectors.Sum(v => RecordOverhead + v.Id.Length + (v.Vector.Length * sizeof(float))), StoreWriteKind.Content, cancellationToken);
        var db = Db;
        var writes = vectors.Select(v => db.StringSetAsync(_keys.Vector(modelVersion, v.Id), VectorCodec.Encode(v.Vector))).ToList();
        await Task.WhenAll(writes).WaitAsync(cancellationToken);
    });

    public Task DeleteVectorsAsync(string modelVersion, IReadOnlyList<string> ids, CancellationToken cancellationToken) => Guard(async () =>
    {
        var db = Db;
        // One key per command: keys of different articles live on different cluster slots.
        var deletes = ids.Select(id => db.KeyDeleteAsync(_keys.Vector(modelVersion, id))).ToList();
        await Task.WhenAll(deletes).WaitAsync(cancellationToken);
    });

    public Task<ModelInfo?> GetActiveModelInfoAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        var info = await Db.HashGetAsync(_keys.ActiveModel(), Field.Info).WaitAsync(cancellationToken);
        return info.IsNull
            ? null
            : JsonSerializer.Deserialize<ModelInfo>((string)info!) ?? throw new InvalidDataException($"{_keys.ActiveModel()} holds no model info.");
    });

    public Task<StoredModel?> GetActiveModelAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        if (await GetActiveModelInfoAsync(cancellationToken) is not { } info)
        {
            return null;
        }
        var bytes = await Db.StringGetAsync(_keys.ModelBytes(info.Version)).WaitAsync(cancellationToken);
        return bytes.IsNull ? null : new StoredModel(info, (byte[])bytes!);
    });

    public Task SetActiveModelAsync(ModelInfo info, byte[] model, CancellationToken cancellationToken) => Guard(async () =>
    {
        await capacity.EnsureRoomAsync(model.Length + RecordOverhead, StoreWriteKind.Content, cancellationToken);
        var db = Db;
        var previous = await db.HashGetAsync(_keys.ActiveModel(), Field.Version).WaitAsync(cancellationToken);
        await db.StringSetAsync(_keys.ModelBytes(info.Version), model).WaitAsync(cancellationToken);
        await db.HashSetAsync(_keys.ActiveModel(),
            [new HashEntry(Field.Version, info.Version), new HashEntry(Field.Info, JsonSerializer.Serialize(info))]).WaitAsync(cancellationToken);
        if (!previous.IsNull && previous != info.Version)
        {
            await db.KeyDeleteAsync(_keys.ModelBytes(previous!)).WaitAsync(cancellationToken);
        }
    });

    /// <summary>Records the ids as changed now, for readers of an older snapshot.</summary>
    private Task LogChangesAsync(IDatabase db, IEnumerable<string> ids)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return db.SortedSetAddAsync(_keys.Changed(), ids.Select(id => new SortedSetEntry(id, now)).ToArray());
    }

    private const int SnapshotChunkBytes = 1024 * 1024;

    public Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken) => Guard(async () =>
    {
        await capacity.EnsureRoomAsync(snapshot.Length + RecordOverhead, StoreWriteKind.Content, cancellationToken);
        var db = Db;
        // Chunks under a new generation first, then the header that points at them: a reader sees
        // the old snapshot or the new one, never half of one.
        var previous = await db.HashGetAllAsync(_keys.Snapshot()).WaitAsync(cancellationToken);
        var generation = Guid.NewGuid().ToString("n")[..12];
        var chunks = (snapshot.Length + SnapshotChunkBytes - 1) / SnapshotChunkBytes;
        for (var i = 0; i < chunks; i++)
        {
            var part = snapshot.Slice(i * SnapshotChunkBytes, Math.Min(SnapshotChunkBytes, snapshot.Length - i * SnapshotChunkBytes));
            await db.StringSetAsync(_keys.SnapshotChunk(generation, i), part).WaitAsync(cancellationToken);
        }
        await db.HashSetAsync(_keys.Snapshot(),
        [
            new HashEntry("version", modelVersion),
            new HashEntry("taken_at", takenAt.ToUnixTimeMilliseconds()),
            new HashEntry("generation", generation),
            new HashEntry("chunks", chunks),
        ]).WaitAsync(cancellationToken);
        var old = previous.ToDictionary(e => (string)e.Name!, e => e.Value);
        if (old.TryGetValue("generation", out var oldGeneration) && old.TryGetValue("chunks", out var oldChunks))
        {
            await db.KeyDeleteAsync(Enumerable.Range(0, (int)oldChunks).Select(i => _keys.SnapshotChunk(oldGeneration!, i)).ToArray()).WaitAsync(cancellationToken);
        }
        // What changed well before the snapshot is in it; keep a margin for replicas' clock skew and lag.
        await db.SortedSetRemoveRangeByScoreAsync(_keys.Changed(), double.NegativeInfinity,
            takenAt.Subtract(TimeSpan.FromHours(1)).ToUnixTimeMilliseconds()).WaitAsync(cancellationToken);
    });

    public Task<(DateTimeOffset TakenAt, byte[] Snapshot)?> ReadSnapshotAsync(string modelVersion, CancellationToken cancellationToken) => Guard(async () =>
    {
        var db = Db;
        var header = (await db.HashGetAllAsync(_keys.Snapshot()).WaitAsync(cancellationToken)).ToDictionary(e => (string)e.Name!, e => e.Value);
        if (!header.TryGetValue("version", out var version) || version != modelVersion)
        {
            return ((DateTimeOffset, byte[])?)null;
        }
        var generation = (string)header["generation"]!;
        var parts = await Task.WhenAll(Enumerable.Range(0, (int)header["chunks"]).Select(i => db.StringGetAsync(_keys.SnapshotChunk(generation, i)))).WaitAsync(cancellationToken);
        if (parts.Any(p => p.IsNull))
        {
            return null; // replaced while being read: rebuild from the articles instead
        }
        var bytes = new byte[parts.Sum(p => ((byte[])p!).Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            var chunk = (byte[])part!;
            chunk.CopyTo(bytes, offset);
            offset += chunk.Length;
        }
        return (DateTimeOffset.FromUnixTimeMilliseconds((long)header["taken_at"]), bytes);
    });

    public Task<IReadOnlyList<string>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) => Guard(async () =>
        (IReadOnlyList<string>)(await Db.SortedSetRangeByScoreAsync(_keys.Changed(), since.ToUnixTimeMilliseconds(), double.PositiveInfinity).WaitAsync(cancellationToken))
            .Select(v => (string)v!).ToList());

    public Task<IReadOnlyList<EditorialRule>> GetRulesAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        var entries = await Db.HashGetAllAsync(_keys.Rules()).WaitAsync(cancellationToken);
        return (IReadOnlyList<EditorialRule>)entries
            .Select(e => JsonSerializer.Deserialize<EditorialRule>((string)e.Value!))
            .OfType<EditorialRule>()
            .ToList();
    });

    public Task SaveRuleAsync(EditorialRule rule, CancellationToken cancellationToken) => Guard(async () =>
    {
        await capacity.EnsureRoomAsync(2 * RecordOverhead, StoreWriteKind.Content, cancellationToken);
        await Db.HashSetAsync(_keys.Rules(), rule.Id, JsonSerializer.Serialize(rule)).WaitAsync(cancellationToken);
    });

    public Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken) => Guard(async () =>
        await Db.HashDeleteAsync(_keys.Rules(), id).WaitAsync(cancellationToken));

    public Task<int> RecordFeedbackAsync(IReadOnlyList<(FeedbackEvent Event, string Section)> events, TimeSpan window, CancellationToken cancellationToken) => Guard(async () =>
    {
        await capacity.EnsureRoomAsync(events.Count * RecordOverhead, StoreWriteKind.Feedback, cancellationToken);
        var db = Db;
        // SET NX marks an event as counted; only the first sender's counters move. (Not atomic with
        // the counters: a process dying in between loses that one count, never double-counts.)
        var firsts = events.Select(e => db.StringSetAsync(
            _keys.FeedbackSeen(e.Event.RecommendationId, KindName(e.Event.Kind), e.Event.Position), 1, window, When.NotExists)).ToList();
        await Task.WhenAll(firsts).WaitAsync(cancellationToken);
        var counted = events.Where((_, i) => firsts[i].Result).ToList();
        var increments = counted
            .SelectMany(e => new[]
            {
                KindName(e.Event.Kind),
                $"{KindName(e.Event.Kind)}:position:{e.Event.Position}",
                $"{KindName(e.Event.Kind)}:section:{e.Section}",
            })
            .GroupBy(f => f, StringComparer.Ordinal)
            .Select(g => db.HashIncrementAsync(_keys.FeedbackCounts(), g.Key, g.Count()))
            .ToList();
        await Task.WhenAll(increments).WaitAsync(cancellationToken);
        return counted.Count;
    });

    public Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        var entries = await Db.HashGetAllAsync(_keys.FeedbackCounts()).WaitAsync(cancellationToken);
        var counts = entries.ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        long Count(string field) => counts.TryGetValue(field, out var n) ? n : 0;
        IEnumerable<string> Keys(string dimension) => counts.Keys
            .Select(f => f.Split(':', 3))
            .Where(parts => parts.Length == 3 && parts[1] == dimension)
            .Select(parts => parts[2])
            .Distinct(StringComparer.Ordinal);
        FeedbackCount Of(string dimension, string key) =>
            new(key, Count($"impressions:{dimension}:{key}"), Count($"clicks:{dimension}:{key}"));

        var byPosition = Keys("position").Select(k => Of("position", k)).OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).ToList();
        var bySection = Keys("section").Select(k => Of("section", k))
            .OrderByDescending(c => c.Impressions).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        return new FeedbackStats(Count("impressions"), Count("clicks"), byPosition, bySection);
    });

    private static string KindName(FeedbackKind kind) => kind == FeedbackKind.Click ? "clicks" : "impressions";

    public Task<int> DropAsync(CancellationToken cancellationToken) => Guard(async () =>
    {
        var articles = (int)await Db.SetLengthAsync(_keys.Ids()).WaitAsync(cancellationToken);
        // SCAN every primary: on a cluster the namespace's keys are spread over all of them.
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var batch = new List<RedisKey>(_options.BatchSize);
            await foreach (var key in server.KeysAsync(pattern: _keys.Namespace + ":*", pageSize: _options.BatchSize).WithCancellation(cancellationToken))
            {
                batch.Add(key);
                if (batch.Count == _options.BatchSize)
                {
                    await DeleteKeysAsync(batch);
                    batch.Clear();
                }
            }
            await DeleteKeysAsync(batch);
        }
        return articles;
    });

    private async Task DeleteKeysAsync(IReadOnlyList<RedisKey> keys)
    {
        var db = Db;
        await Task.WhenAll(keys.Select(k => db.KeyDeleteAsync(k)));
    }

    private static HashEntry[] ToEntries(ArticleWrite write)
    {
        var a = write.Article;
        return
        [
            new(Field.Id, a.Id),
            new(Field.Title, a.Title),
            new(Field.Body, a.Body),
            new(Field.Url, a.Url),
            new(Field.Section, a.Section),
            new(Field.Tags, JsonSerializer.Serialize(a.Tags)),
            new(Field.Language, a.Language),
            new(Field.Published, a.Published?.ToString("O", CultureInfo.InvariantCulture) ?? ""),
            new(Field.RecordHash, write.RecordHash),
            new(Field.TextHash, write.TextHash),
            new(Field.BodyHash, ContentHash.OfBody(a.Body)),
            new(Field.BodyMinHash, MinHash.ToBytes(MinHash.Of(a.Body))),
        ];
    }

    /// <summary>An article from HMGET values in the order of <see cref="FullFields"/> (the body last, when read); null when absent.</summary>
    private static Article? ToArticle(RedisValue[] values, bool withBody)
    {
        if (values[0].IsNull)
        {
            return null;
        }
        string published = values[6]!;
        return new Article(
            Id: values[0]!,
            Title: values[1]!,
            Body: withBody ? values[9]! : "",
            Url: values[2]!,
            Section: values[3]!,
            Tags: JsonSerializer.Deserialize<string[]>((string)values[4]!) ?? [],
            Language: values[5]!,
            Published: published.Length == 0 ? null : DateTimeOffset.Parse(published, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    /// <summary>Bytes a record costs the store beyond its key and value (an estimate on the safe side).</summary>
    private const int RecordOverhead = 128;

    /// <summary>About what an article's write adds to the store: its text, fields, hashes and vector.</summary>
    private static long SizeOf(ArticleWrite write)
    {
        var a = write.Article;
        var text = a.Id.Length + a.Title.Length + a.Body.Length + a.Url.Length + a.Section.Length + a.Language.Length + a.Tags.Sum(t => t.Length + 1);
        // UTF-8 takes up to 3 bytes a character here; the near-duplicate signature and hashes about 400.
        return (3L * text) + 400 + (16 * RecordOverhead) + ((write.Vector?.Length ?? 0) * sizeof(float));
    }

    private static async Task<T> Guard<T>(Func<Task<T>> operation, [CallerMemberName] string name = "")
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await operation();
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new StoreUnavailableException("The article store is unreachable: " + ex.GetType().Name, ex);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            // Redis under maxmemory-policy noeviction refuses a write whole rather than drop keys.
            throw new StoreFullException("The Redis server is at its maxmemory and refused the write; nothing was written. Raise its maxmemory.");
        }
        finally
        {
            Telemetry.StoreDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", name));
        }
    }

    private static Task Guard(Func<Task> operation, [CallerMemberName] string name = "") => Guard(async () =>
    {
        await operation();
        return true;
    }, name);
}
