using Recommender.Core.Errors;

namespace Recommender.Core.Storage;

/// <summary>What a write to the store is for: content is refused last, feedback counters first.</summary>
public enum StoreWriteKind
{
    /// <summary>Articles, vectors, models, snapshots, rules: what the service exists to keep.</summary>
    Content,

    /// <summary>Click and impression counters, sent by anonymous readers' browsers.</summary>
    Feedback,
}

/// <summary>How full the store is: bytes in use against what it holds before it would drop records.</summary>
/// <param name="UsedBytes">Bytes in use, as the store reports them.</param>
/// <param name="LimitBytes">Bytes it holds at most (0: no limit known).</param>
/// <param name="Warning">Why this store might lose records it acknowledged (eviction policy, records evicted), or null.</param>
public sealed record StoreMemory(long UsedBytes, long LimitBytes, string? Warning)
{
    /// <summary>Share of the limit in use; 0 when there is no limit.</summary>
    public double Fraction => LimitBytes > 0 ? (double)UsedBytes / LimitBytes : 0;
}

/// <summary>
/// Keeps writes within what the store holds without dropping anything it acknowledged: a write
/// that could push it past its safe ceiling is refused (<see cref="StoreFullException"/>) before
/// anything is sent.
/// </summary>
public interface IStoreCapacity
{
    /// <summary>Throws <see cref="StoreFullException"/> when writing about <paramref name="bytes"/> more could cost stored records.</summary>
    ValueTask EnsureRoomAsync(long bytes, StoreWriteKind kind, CancellationToken cancellationToken);

    /// <summary>The store's memory use, refreshed if older than a second; null when it cannot be read.</summary>
    Task<StoreMemory?> GetMemoryAsync(CancellationToken cancellationToken);

    /// <summary>The last reading, without asking the store (for metrics and health checks).</summary>
    StoreMemory? LastMemory { get; }
}
