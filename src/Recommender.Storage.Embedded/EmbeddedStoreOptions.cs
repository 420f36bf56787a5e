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
    /// Memory for stored records (Garnet's --memory), or <c>auto</c>: a quarter of the machine's memory
    /// (of the container's limit, if lower), at least 1 GB (<see cref="EffectiveMemorySize"/>). The
    /// embedded store keeps everything in memory, so this caps the corpus it can hold: writes are
    /// refused from 80 % full, at about 6 KB of store per article of 2-3 KB of text.
    /// </summary>
    [Required(ErrorMessage = "Recommender:Embedded:MemorySize is required.")]
    [RegularExpression("^([0-9]+[kmgKMG]|auto)$", ErrorMessage = "Recommender:Embedded:MemorySize is auto or a size such as 512m or 2g.")]
    public string MemorySize { get; set; } = "auto";

    /// <summary>The memory size Garnet is given: <see cref="MemorySize"/>, with <c>auto</c> resolved against the machine's memory (whole gigabytes).</summary>
    public string EffectiveMemorySize => MemorySize == "auto" ? AutoMemorySize(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes) : MemorySize;

    /// <summary>A quarter of <paramref name="machineBytes"/> in whole gigabytes, at least 1g.</summary>
    public static string AutoMemorySize(long machineBytes) =>
        $"{Math.Max(1, machineBytes / 4 >> 30).ToString(System.Globalization.CultureInfo.InvariantCulture)}g";

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
