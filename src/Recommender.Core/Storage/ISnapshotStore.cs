namespace Recommender.Core.Storage;

/// <summary>
/// The saved index snapshot and the change log that brings an older snapshot up to date: every
/// article write and delete is logged with its time, and kept for <see cref="ChangeLog.Retention"/>
/// before the latest snapshot.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>Saves an index snapshot of <paramref name="modelVersion"/> taken at <paramref name="takenAt"/>, replacing the previous one.</summary>
    Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken);

    /// <summary>The saved index snapshot of <paramref name="modelVersion"/>, or null when there is none (or it is of another model).</summary>
    Task<(DateTimeOffset TakenAt, byte[] Snapshot)?> ReadSnapshotAsync(string modelVersion, CancellationToken cancellationToken);

    /// <summary>Ids written or deleted at or after <paramref name="since"/>, each with the time of its last change (as the writer's clock saw it).</summary>
    Task<IReadOnlyList<(string Id, DateTimeOffset At)>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
