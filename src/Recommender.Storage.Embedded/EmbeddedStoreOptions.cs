using System.ComponentModel.DataAnnotations;

namespace Recommender.Storage.Embedded;

/// <summary>The in-process store used when no Redis is configured. Section "Recommender:Embedded".</summary>
public sealed class EmbeddedStoreOptions
{
    public const string SectionName = "Recommender:Embedded";

    /// <summary>Folder of the store's append-only file and checkpoints (relative to the working directory).</summary>
    [Required(ErrorMessage = "Recommender:Embedded:DataDir is required.")]
    public string DataDir { get; set; } = "data";

    /// <summary>Loopback port the store listens on; 0 picks a free one.</summary>
    [Range(0, 65535, ErrorMessage = "Recommender:Embedded:Port must be between {1} and {2}.")]
    public int Port { get; set; }

    /// <summary>
    /// Memory for stored records (Garnet's --memory). The embedded store keeps everything in memory,
    /// so this caps the corpus it can hold: roughly 4 KB per article of average news length.
    /// </summary>
    [Required(ErrorMessage = "Recommender:Embedded:MemorySize is required.")]
    [RegularExpression("^[0-9]+[kmgKMG]$", ErrorMessage = "Recommender:Embedded:MemorySize is a size such as 512m or 2g.")]
    public string MemorySize { get; set; } = "1g";

    /// <summary>
    /// Free space on the data folder's disk below which writes are refused (RESOURCE_EXHAUSTED,
    /// DISK_FULL) rather than risk a store that cannot append what it acknowledged.
    /// </summary>
    [Required(ErrorMessage = "Recommender:Embedded:MinFreeDiskSpace is required.")]
    [RegularExpression("^[0-9]+[kmgKMG]$", ErrorMessage = "Recommender:Embedded:MinFreeDiskSpace is a size such as 256m or 1g.")]
    public string MinFreeDiskSpace { get; set; } = "256m";

    /// <summary>Start size of the hash index (Garnet's --index); it grows as needed.</summary>
    [Required(ErrorMessage = "Recommender:Embedded:IndexSize is required.")]
    [RegularExpression("^[0-9]+[kmgKMG]$", ErrorMessage = "Recommender:Embedded:IndexSize is a size such as 16m.")]
    public string IndexSize { get; set; } = "16m";

    /// <summary>Bytes of a size such as "256m" (k, m, g: powers of 1,024), as Garnet reads its sizes.</summary>
    public static long Bytes(string size) =>
        long.Parse(size[..^1], System.Globalization.CultureInfo.InvariantCulture) << (char.ToLowerInvariant(size[^1]) switch
        {
            'k' => 10,
            'm' => 20,
            _ => 30,
        });
}
