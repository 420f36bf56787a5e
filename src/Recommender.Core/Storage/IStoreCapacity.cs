using Recommender.Core.Errors;

namespace Recommender.Core.Storage;

/// <summary>
/// Keeps writes within what the store holds without dropping anything it acknowledged: a write
/// that could push it past its safe ceiling, or the disk it writes to below its floor, is refused
/// (<see cref="StoreFullException"/>) before anything is sent.
/// </summary>
public interface IStoreCapacity
{
    /// <summary>Throws <see cref="StoreFullException"/> when writing about <paramref name="bytes"/> more could cost stored records.</summary>
    ValueTask EnsureRoomAsync(long bytes, StoreWriteKind kind, CancellationToken cancellationToken);

    /// <summary>The store's memory use, refreshed if older than a second; null when it cannot be read.</summary>
    Task<StoreMemory?> GetMemoryAsync(CancellationToken cancellationToken);

    /// <summary>The last reading, without asking the store (for metrics and health checks).</summary>
    StoreMemory? LastMemory { get; }

    /// <summary>Room on the store's disk, read now; null for a store whose disk is not this process's (Redis).</summary>
    StoreDisk? Disk { get; }
}
