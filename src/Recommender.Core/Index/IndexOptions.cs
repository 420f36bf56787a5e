using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Index;

/// <summary>How the in-memory index searches. Section "Recommender:Index".</summary>
public sealed class IndexOptions
{
    public const string SectionName = "Recommender:Index";

    /// <summary>From this many articles on, the index is split into cells (an inverted file) and a search scans only the nearest ones.</summary>
    [Range(100, 100_000_000, ErrorMessage = "Recommender:Index:PartitionFrom must be between {1} and {2}.")]
    public int PartitionFrom { get; set; } = 20_000;

    /// <summary>Share of the corpus a partitioned search scans, nearest cells first: the speed-recall trade-off.</summary>
    [Range(0.001, 1.0, ErrorMessage = "Recommender:Index:ScanShare must be between {1} and {2}.")]
    public double ScanShare { get; set; } = 0.02;

    /// <summary>Fewest rows a partitioned search scans, however small the share.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Recommender:Index:MinScannedRows must be between {1} and {2}.")]
    public int MinScannedRows { get; set; } = 2_000;

    /// <summary>
    /// Candidates kept for each article: its nearest neighbours, updated as articles are written near
    /// it and rebuilt by a refit, so that the list of a stored article is ranked from them without a
    /// search (a search still runs when filters leave too few). 0 turns the lists off: every list searches.
    /// </summary>
    [Range(0, 200, ErrorMessage = "Recommender:Index:NeighbourListLength must be between {1} and {2}.")]
    public int NeighbourListLength { get; set; } = 40;
}
