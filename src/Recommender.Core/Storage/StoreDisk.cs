namespace Recommender.Core.Storage;

/// <summary>
/// Room on the disk a store writes its files to (the embedded store's data folder): writes are
/// refused before the free space falls below the floor, so the store never fails to write what it
/// acknowledged.
/// </summary>
/// <param name="Folder">The absolute data folder.</param>
/// <param name="FreeBytes">Bytes free to this process on its file system.</param>
/// <param name="TotalBytes">Size of that file system.</param>
/// <param name="FloorBytes">Free bytes below which writes are refused.</param>
/// <param name="StoreBytes">Bytes of the store's own files there (append-only file and checkpoints).</param>
/// <param name="RefusedWriteNeeds">Free bytes the last write refused for lack of room needed (its size above the floor); 0 when none is refused.</param>
public sealed record StoreDisk(string Folder, long FreeBytes, long TotalBytes, long FloorBytes, long StoreBytes, long RefusedWriteNeeds = 0)
{
    /// <summary>True when writes are refused for lack of room.</summary>
    public bool BelowFloor => FreeBytes < FloorBytes;

    /// <summary>True while writes are refused: below the floor, or no room freed since a write was refused.</summary>
    public bool WritesRefused => BelowFloor || FreeBytes < RefusedWriteNeeds;

    /// <summary>What an operator reads: where, how much is free, and the floor.</summary>
    public string Describe() =>
        $"the data folder {Folder} has {Megabytes(FreeBytes)} free of {Megabytes(TotalBytes)}, " +
        $"{(BelowFloor ? "below" : WritesRefused ? "too close to" : "above")} the floor of {Megabytes(FloorBytes)} (the store's files: {Megabytes(StoreBytes)})";

    private static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";
}
