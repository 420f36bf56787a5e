using System.Globalization;
using Microsoft.Extensions.Logging;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Watches how full the store is and refuses writes that could make it drop records.
/// <para>
/// The embedded Garnet store keeps every record in memory; past its memory size it evicts the
/// oldest records (and objects) for good. Its use is the in-memory log (tail minus begin address)
/// plus the heap of its objects (<c>INFO store</c>), against <c>Log.MaxMemorySizeBytes</c>; content
/// is refused from 80% of that, feedback from 50%, and any eviction is reported.
/// </para>
/// <para>
/// A Redis server is read through <c>INFO memory</c> (<c>used_memory</c> against <c>maxmemory</c>,
/// summed over a cluster's primaries). Redis refuses writes itself past <c>maxmemory</c> under
/// <c>noeviction</c> (mapped to <see cref="StoreFullException"/>); any other policy could drop
/// keys and is reported. Feedback is refused from 50% of <c>maxmemory</c>.
/// </para>
/// <para>
/// A store with a disk in this process (the embedded store's data folder) refuses every write that
/// would take the free space there below its floor: a store that cannot append to its log can
/// neither keep what it acknowledged nor take more until it is restarted.
/// </para>
/// </summary>
public sealed partial class StoreCapacity(IConnectionMultiplexer redis, bool embedded, IStoreDisk? disk, ILogger<StoreCapacity> logger) : IStoreCapacity
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private long _readAt;
    private long _pending;
    private string? _reportedWarning;
    private bool _unreadableReported;

    /// <summary>Share of the limit from which each kind of write is refused.</summary>
    public double Ceiling(StoreWriteKind kind) => kind == StoreWriteKind.Feedback ? 0.5 : embedded ? 0.8 : 1.0;

    public StoreMemory? LastMemory { get; private set; }

    /// <summary>The free bytes the last write refused for the disk needed; 0 once a reading finds them free.</summary>
    private long _refusedWriteNeeds;

    public StoreDisk? Disk => disk?.Read() is { } room ? Remember(room) : null;

    public async ValueTask EnsureRoomAsync(long bytes, StoreWriteKind kind, CancellationToken cancellationToken)
    {
        EnsureDiskRoom(bytes);
        var memory = await GetMemoryAsync(cancellationToken);
        if (memory is null || memory.LimitBytes == 0)
        {
            return;
        }
        var ceiling = (long)(memory.LimitBytes * Ceiling(kind));
        if (memory.UsedBytes + Interlocked.Read(ref _pending) + bytes > ceiling)
        {
            // Bytes written since the last reading were estimates: read again before refusing.
            memory = await ReadAsync(cancellationToken) ?? memory;
            if (memory.UsedBytes + bytes > ceiling)
            {
                throw new StoreFullException(kind == StoreWriteKind.Feedback
                    ? $"The store is {memory.Fraction:P0} full; feedback is not recorded above {Ceiling(kind):P0}, so that articles keep their room."
                    : $"The store is {memory.Fraction:P0} full ({memory.UsedBytes / 1e6:F1} of {memory.LimitBytes / 1e6:F1} MB) and this write " +
                      $"(about {bytes / 1e6:F1} MB) could make it drop stored records; nothing was written. " +
                      (embedded ? "Raise Recommender:Embedded:MemorySize (and restart), or use Redis (--redis)." : "Raise the Redis server's maxmemory."));
            }
        }
        Interlocked.Add(ref _pending, bytes);
    }

    /// <summary>The disk is read at every write (one file system call): the room left there can go in a moment, also to other processes.</summary>
    private void EnsureDiskRoom(long bytes)
    {
        if (Disk is not { } room || room.FreeBytes - bytes >= room.FloorBytes)
        {
            return;
        }
        Interlocked.Exchange(ref _refusedWriteNeeds, room.FloorBytes + bytes);
        throw new StoreFullException(
            $"Nothing was written: {room.Describe()}, and this write (about {bytes / 1e6:F1} MB) would go below it. " +
            "Free room on that disk, or move the data folder (--data-dir) to a larger one; writes are taken again by themselves once there is room.",
            ErrorReason.DiskFull);
    }

    /// <summary>The reading, with the room a refused write needed until that room is free.</summary>
    private StoreDisk Remember(StoreDisk room)
    {
        var needs = Interlocked.Read(ref _refusedWriteNeeds);
        if (needs > 0 && room.FreeBytes >= needs)
        {
            Interlocked.CompareExchange(ref _refusedWriteNeeds, 0, needs);
            needs = 0;
        }
        return room with { RefusedWriteNeeds = needs };
    }

    public async Task<StoreMemory?> GetMemoryAsync(CancellationToken cancellationToken) =>
        System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _readAt)) < MaxAge && LastMemory is not null
            ? LastMemory
            : await ReadAsync(cancellationToken);

    private async Task<StoreMemory?> ReadAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var servers = redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
            if (servers.Count == 0)
            {
                return LastMemory;
            }
            var readings = new List<StoreMemory>(servers.Count);
            foreach (var server in servers)
            {
                var info = Parse(await server.InfoRawAsync(embedded ? "store" : "memory").WaitAsync(cancellationToken));
                readings.Add(embedded ? FromGarnet(info) : FromRedis(info));
            }
            var memory = new StoreMemory(
                readings.Sum(r => r.UsedBytes),
                readings.Any(r => r.LimitBytes == 0) ? 0 : readings.Sum(r => r.LimitBytes),
                readings.Select(r => r.Warning).FirstOrDefault(w => w is not null));
            Interlocked.Exchange(ref _pending, 0);
            Interlocked.Exchange(ref _readAt, System.Diagnostics.Stopwatch.GetTimestamp());
            LastMemory = memory;
            if (memory.Warning is { } warning && warning != _reportedWarning)
            {
                Log.MayLoseRecords(logger, warning);
            }
            _reportedWarning = memory.Warning;
            return memory;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // An unreachable store refuses writes by itself; anything else is said once.
            if (ex is not (RedisConnectionException or RedisTimeoutException or TimeoutException) && !_unreadableReported)
            {
                _unreadableReported = true;
                Log.Unreadable(logger, ex);
            }
            return LastMemory;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private static StoreMemory FromGarnet(IReadOnlyDictionary<string, string> info)
    {
        long Get(string name) => info.TryGetValue(name, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var begin = Get("Log.BeginAddress");
        var head = Get("Log.HeadAddress");
        var used = Get("Log.TailAddress") - begin + Get("Log.CurrentHeapSizeBytes");
        var warning = head > begin
            ? $"the embedded store evicted {(head - begin) / 1e6:F1} MB of its oldest records (memory full); they are lost"
            : null;
        return new StoreMemory(used, Get("Log.MaxMemorySizeBytes"), warning);
    }

    private static StoreMemory FromRedis(IReadOnlyDictionary<string, string> info)
    {
        long Get(string name) => info.TryGetValue(name, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var limit = Get("maxmemory");
        var policy = info.TryGetValue("maxmemory_policy", out var p) ? p : "noeviction";
        var warning = limit > 0 && policy != "noeviction"
            ? $"Redis maxmemory-policy is '{policy}': at maxmemory it deletes keys, articles included; set it to 'noeviction'"
            : null;
        return new StoreMemory(Get("used_memory"), limit, warning);
    }

    /// <summary>"name:value" lines of an INFO reply.</summary>
    private static Dictionary<string, string> Parse(string? info) =>
        (info ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#') && l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2))
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Error, "The store may lose data it acknowledged: {Warning}")]
        public static partial void MayLoseRecords(ILogger logger, string warning);

        [LoggerMessage(3002, LogLevel.Warning, "The store's memory use cannot be read (INFO); writes are not checked against its size")]
        public static partial void Unreadable(ILogger logger, Exception exception);
    }
}
