using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// The index snapshot in chunks under a generation, with a header hash pointing at the current one;
/// and the change log that brings an older snapshot up to date.
/// </summary>
internal sealed class RedisSnapshotStore(RedisNamespace store, RedisChangeLog changeLog) : ISnapshotStore
{
    /// <summary>Bytes per chunk key: well under Redis's limits, and small enough to stream.</summary>
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>Chunks asked for at once while reading a snapshot.</summary>
    private const int ChunksInFlight = 16;

    private static readonly RedisValue VersionField = "version";
    private static readonly RedisValue TakenAtField = "taken_at";
    private static readonly RedisValue GenerationField = "generation";
    private static readonly RedisValue ChunksField = "chunks";
    private static readonly RedisValue[] HeaderFields = [VersionField, TakenAtField, GenerationField, ChunksField];

    public Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(snapshot.Length + RedisNamespace.RecordOverhead, StoreWriteKind.Content, cancellationToken);
        var db = store.Db;
        // Chunks under a new generation first, then the header that points at them: a reader sees
        // the old snapshot or the new one, never half of one.
        var previous = await ReadHeaderAsync(db, cancellationToken);
        var generation = Guid.NewGuid().ToString("n")[..12];
        var chunks = (snapshot.Length + ChunkBytes - 1) / ChunkBytes;
        for (var i = 0; i < chunks; i++)
        {
            var part = snapshot.Slice(i * ChunkBytes, Math.Min(ChunkBytes, snapshot.Length - i * ChunkBytes));
            await db.StringSetAsync(store.Keys.SnapshotChunk(generation, i), part).WaitAsync(cancellationToken);
        }
        await db.HashSetAsync(store.Keys.Snapshot(),
        [
            new HashEntry(VersionField, modelVersion),
            new HashEntry(TakenAtField, takenAt.ToUnixTimeMilliseconds()),
            new HashEntry(GenerationField, generation),
            new HashEntry(ChunksField, chunks),
        ]).WaitAsync(cancellationToken);
        if (previous is { } old)
        {
            // One key per command: on a cluster the chunks live on different slots.
            await Task.WhenAll(Enumerable.Range(0, old.Chunks).Select(i => db.KeyDeleteAsync(store.Keys.SnapshotChunk(old.Generation, i)))).WaitAsync(cancellationToken);
        }
        await changeLog.TrimAsync(takenAt, cancellationToken);
    });

    public Task<(DateTimeOffset TakenAt, byte[] Snapshot)?> ReadSnapshotAsync(string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        if (await ReadHeaderAsync(db, cancellationToken) is not { } header || header.Version != modelVersion)
        {
            return ((DateTimeOffset, byte[])?)null;
        }
        // A window of chunks in flight: asked for all at once, a large snapshot's last chunks wait
        // behind the others for longer than the reply timeout (at a million articles, 700 MB).
        var parts = new RedisValue[header.Chunks];
        var pending = new Queue<(int Chunk, Task<RedisValue> Read)>();
        for (var i = 0; i < header.Chunks || pending.Count > 0;)
        {
            while (i < header.Chunks && pending.Count < ChunksInFlight)
            {
                pending.Enqueue((i, db.StringGetAsync(store.Keys.SnapshotChunk(header.Generation, i))));
                i++;
            }
            var (chunk, read) = pending.Dequeue();
            parts[chunk] = await read.WaitAsync(cancellationToken);
            if (parts[chunk].IsNull)
            {
                return null; // replaced while being read: rebuild from the articles instead
            }
        }
        var bytes = new byte[parts.Sum(p => ((byte[])p!).Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            var chunk = (byte[])part!;
            chunk.CopyTo(bytes, offset);
            offset += chunk.Length;
        }
        return (header.TakenAt, bytes);
    });

    public Task<IReadOnlyList<(string Id, DateTimeOffset At)>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        RedisCall.Run(() => changeLog.SinceAsync(since, cancellationToken));

    private sealed record Header(string Version, DateTimeOffset TakenAt, string Generation, int Chunks);

    private async Task<Header?> ReadHeaderAsync(IDatabase db, CancellationToken cancellationToken)
    {
        var values = await db.HashGetAsync(store.Keys.Snapshot(), HeaderFields).WaitAsync(cancellationToken);
        return values.Any(v => v.IsNull)
            ? null
            : new Header(values[0]!, DateTimeOffset.FromUnixTimeMilliseconds((long)values[1]), values[2]!, (int)values[3]);
    }
}
