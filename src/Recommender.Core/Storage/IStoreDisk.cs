namespace Recommender.Core.Storage;

/// <summary>The disk a store keeps its files on, for a store that has one in this process (the embedded store).</summary>
public interface IStoreDisk
{
    /// <summary>Reads the room there now (a file system call, no store round trip).</summary>
    StoreDisk Read();
}
