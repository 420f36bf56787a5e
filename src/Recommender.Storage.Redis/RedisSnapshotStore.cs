using System.Buffers;
using System.IO.Pipelines;
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

    /// <summary>Chunks asked for at once while reading a snapshot (and held, at most, between the store and its reader).</summary>
    private const int ChunksInFlight = 16;

    private static readonly RedisValue VersionField = "version";
    private static readonly RedisValue TakenAtField = "taken_at";
    private static readonly RedisValue GenerationField = "generation";
    private static readonly RedisValue ChunksField = "chunks";
    private static readonly RedisValue BytesField = "bytes";
    private static readonly RedisValue[] HeaderFields = [VersionField, TakenAtField, GenerationField, ChunksField, BytesField];

    public Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        // Chunks under a new generation first, then the header that points at them: a reader sees
        // the old snapshot or the new one, never half of one. The snapshot reaches the store a chunk
        // at a time while it is being written: a pipe between the two holds at most two chunks.
        var previous = await ReadHeaderAsync(db, cancellationToken);
        var generation = Guid.NewGuid().ToString("n")[..12];
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 2 * ChunkBytes, resumeWriterThreshold: ChunkBytes, useSynchronizationContext: false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = Task.Run(() => WriteIntoAsync(pipe.Writer, write, stop.Token), CancellationToken.None);
        var chunks = 0;
        long bytes = 0;
        try
        {
            var chunk = new byte[ChunkBytes];
            while (true)
            {
                var read = await pipe.Reader.ReadAtLeastAsync(ChunkBytes, cancellationToken);
                var buffer = read.Buffer;
                while (buffer.Length >= ChunkBytes || (read.IsCompleted && !buffer.IsEmpty))
                {
                    var part = buffer.Slice(0, Math.Min(ChunkBytes, buffer.Length));
                    part.CopyTo(chunk);
                    await store.Capacity.EnsureRoomAsync(part.Length + RedisNamespace.RecordOverhead, StoreWriteKind.Content, cancellationToken);
                    // The chunk buffer is reused once the store has answered, so it has been sent.
                    await db.StringSetAsync(store.Keys.SnapshotChunk(generation, chunks), chunk.AsMemory(0, (int)part.Length)).WaitAsync(cancellationToken);
                    chunks++;
                    bytes += part.Length;
                    buffer = buffer.Slice(part.End);
                }
                pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }
            await pipe.Reader.CompleteAsync();
            await writing;
        }
        catch
        {
            await stop.CancelAsync();
            await pipe.Reader.CompleteAsync();
            try
            {
                // With the one that was being written when it failed, which may have been stored.
                await DeleteChunksAsync(db, generation, chunks + 1);
            }
            catch (RedisException)
            {
                // The store is failing: the unfinished generation's chunks stay, unreferenced.
            }
            throw;
        }
        await db.HashSetAsync(store.Keys.Snapshot(),
        [
            new HashEntry(VersionField, modelVersion),
            new HashEntry(TakenAtField, takenAt.ToUnixTimeMilliseconds()),
            new HashEntry(GenerationField, generation),
            new HashEntry(ChunksField, chunks),
            new HashEntry(BytesField, bytes),
        ]).WaitAsync(cancellationToken);
        if (previous is { } old)
        {
            await DeleteChunksAsync(db, old.Generation, old.Chunks).WaitAsync(cancellationToken);
        }
        await changeLog.TrimAsync(takenAt, cancellationToken);
    });

    /// <summary>Runs the snapshot's writer into the pipe; its failure reaches the pipe's reader.</summary>
    private static async Task WriteIntoAsync(PipeWriter writer, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await write(writer.AsStream(leaveOpen: true), cancellationToken);
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex);
        }
    }

    /// <summary>One key per command: on a cluster the chunks live on different slots.</summary>
    private Task DeleteChunksAsync(IDatabase db, string generation, int chunks) =>
        Task.WhenAll(Enumerable.Range(0, chunks).Select(i => db.KeyDeleteAsync(store.Keys.SnapshotChunk(generation, i))));

    public Task<(DateTimeOffset TakenAt, long Bytes, Stream Snapshot)?> OpenSnapshotAsync(string modelVersion, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = store.Db;
        if (await ReadHeaderAsync(db, cancellationToken) is not { } header || header.Version != modelVersion)
        {
            return ((DateTimeOffset, long, Stream)?)null;
        }
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: ChunksInFlight * ChunkBytes, resumeWriterThreshold: ChunksInFlight * ChunkBytes / 2, useSynchronizationContext: false));
        _ = Task.Run(() => ReadChunksAsync(db, header, pipe.Writer, cancellationToken), CancellationToken.None);
        return (header.TakenAt, header.Bytes, pipe.Reader.AsStream());
    });

    /// <summary>
    /// Feeds the snapshot's chunks into the pipe in order, a window of them in flight: asked for all
    /// at once, a large snapshot's last chunks wait behind the others for longer than the reply
    /// timeout (at a million articles, 700 MB). Stops when the reader stops reading.
    /// </summary>
    private async Task ReadChunksAsync(IDatabase db, Header header, PipeWriter writer, CancellationToken cancellationToken)
    {
        try
        {
            await RedisCall.Run(async () =>
            {
                var pending = new Queue<Task<Lease<byte>?>>();
                for (var i = 0; i < header.Chunks || pending.Count > 0;)
                {
                    while (i < header.Chunks && pending.Count < ChunksInFlight)
                    {
                        pending.Enqueue(db.StringGetLeaseAsync(store.Keys.SnapshotChunk(header.Generation, i++)));
                    }
                    using var chunk = await pending.Dequeue().WaitAsync(cancellationToken)
                        ?? throw new InvalidDataException("The index snapshot was replaced while it was being read.");
                    if ((await writer.WriteAsync(chunk.Memory, cancellationToken)).IsCompleted)
                    {
                        return;
                    }
                }
            }, "ReadSnapshotAsync");
            await writer.CompleteAsync();
        }
        catch (Exception ex)
        {
            await writer.CompleteAsync(ex);
        }
    }

    public Task<IReadOnlyList<(string Id, DateTimeOffset At)>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        RedisCall.Run(() => changeLog.SinceAsync(since, cancellationToken));

    private sealed record Header(string Version, DateTimeOffset TakenAt, string Generation, int Chunks, long Bytes);

    private async Task<Header?> ReadHeaderAsync(IDatabase db, CancellationToken cancellationToken)
    {
        var values = await db.HashGetAsync(store.Keys.Snapshot(), HeaderFields).WaitAsync(cancellationToken);
        // A header without its length is of an older release (its chunks are still replaced and dropped).
        return values.Take(4).Any(v => v.IsNull)
            ? null
            : new Header(values[0]!, DateTimeOffset.FromUnixTimeMilliseconds((long)values[1]), values[2]!, (int)values[3], values[4].IsNull ? 0 : (long)values[4]);
    }
}
