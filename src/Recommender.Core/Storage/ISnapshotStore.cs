namespace Recommender.Core.Storage;

/// <summary>
/// The saved index snapshot and the change log that brings an older snapshot up to date: every
/// article write and delete is logged with its time, and kept for <see cref="ChangeLog.Retention"/>
/// before the latest snapshot.
/// </summary>
public interface ISnapshotStore
{
    /// <summary>
    /// Saves an index snapshot of <paramref name="modelVersion"/> taken at <paramref name="takenAt"/>,
    /// replacing the previous one once <paramref name="write"/> has written it whole to the stream it
    /// is given (the store takes it as it comes, so it is never held whole in memory). When
    /// <paramref name="write"/> or the store fails, the previous snapshot stays.
    /// </summary>
    Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);

    /// <summary>
    /// The saved index snapshot of <paramref name="modelVersion"/> (when it was taken, its length)
    /// as a stream to read once and dispose, or null when there is none (or it is of another model). Reading it throws
    /// <see cref="InvalidDataException"/> if the snapshot is replaced meanwhile.
    /// </summary>
    Task<(DateTimeOffset TakenAt, long Bytes, Stream Snapshot)?> OpenSnapshotAsync(string modelVersion, CancellationToken cancellationToken);

    /// <summary>Ids written or deleted at or after <paramref name="since"/>, each with the time of its last change (as the writer's clock saw it).</summary>
    Task<IReadOnlyList<(string Id, DateTimeOffset At)>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
