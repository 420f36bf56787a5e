using Microsoft.Extensions.Options;
using Recommender.Core.Storage;

namespace Recommender.Storage.Embedded;

/// <summary>
/// The embedded store's data folder: the free space of its file system (read at every call: one
/// statfs) and the size of the store's files there (append-only file and checkpoints; walked at most
/// once a second).
/// </summary>
public sealed class EmbeddedDataFolder(IOptions<EmbeddedStoreOptions> options) : IStoreDisk
{
    private static readonly TimeSpan FilesMaxAge = TimeSpan.FromSeconds(1);
    private readonly string _folder = Path.GetFullPath(options.Value.DataDir);
    private readonly long _floor = EmbeddedStoreOptions.Bytes(options.Value.MinFreeDiskSpace);
    private long _filesReadAt;
    private long _storeBytes;

    public StoreDisk Read()
    {
        Directory.CreateDirectory(_folder);
        var drive = new DriveInfo(_folder);
        return new StoreDisk(_folder, drive.AvailableFreeSpace, drive.TotalSize, _floor, StoreBytes());
    }

    private long StoreBytes()
    {
        if (System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _filesReadAt)) >= FilesMaxAge)
        {
            long sum = 0;
            try
            {
                foreach (var file in new DirectoryInfo(_folder).EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    sum += file.Length;
                }
            }
            catch (IOException)
            {
                // A file removed while walked (a checkpoint replaced): the next walk counts again.
            }
            Interlocked.Exchange(ref _storeBytes, sum);
            Interlocked.Exchange(ref _filesReadAt, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        return Interlocked.Read(ref _storeBytes);
    }
}
