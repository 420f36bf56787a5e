using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>
/// The in-memory nearest-neighbour index of one model.
/// <para>
/// Vectors are kept in 16-bit fixed point with one scale each (<see cref="Fixed16"/>): 260 bytes for
/// 128 dimensions instead of 512, and integer dot products. They are stored by cell, each cell's
/// vectors in one contiguous block, so a search reads memory in order. Below
/// <see cref="IndexOptions.PartitionFrom"/> articles there is one cell and every vector is scanned.
/// From there on the index is an inverted file (IVF): spherical k-means splits the vectors into
/// about √N / 2 cells (<see cref="CellTrainer"/>), and a search scans the cells whose centres are nearest the query until it has
/// scanned <see cref="IndexOptions.ScanShare"/> of the corpus and found k accepted hits. Cells are
/// retrained when the corpus has doubled since they were.
/// </para>
/// <para>
/// The filter runs only on vectors that would enter the top k, so costly checks (near-duplicate
/// signatures, editorial rules) run a few hundred times per search rather than once per article.
/// Readers run in parallel; a write briefly excludes them.
/// </para>
/// </summary>
public sealed class VectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, (int Cell, int Slot)> _where = new(StringComparer.Ordinal);
    private readonly IndexOptions _options;
    private IndexCell[] _cells;
    private CellCentres? _centres;
    private int _trainedOn;
    private int _count;
    private bool _autoPartition;

    /// <param name="dimensions">Vector length.</param>
    /// <param name="capacity">Articles to allocate for at first.</param>
    /// <param name="options">When to partition and how much to scan; the defaults when null.</param>
    /// <param name="partitionAutomatically">
    /// Train and retrain cells as upserts grow the corpus. A bulk load passes false and calls
    /// <see cref="Partition"/> once at the end instead.
    /// </param>
    public VectorIndex(int dimensions, int capacity = 1024, IndexOptions? options = null, bool partitionAutomatically = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        _options = options ?? new IndexOptions();
        _autoPartition = partitionAutomatically;
        _cells = [new IndexCell(dimensions, Math.Max(capacity, 16))];
    }

    public int Dimensions { get; }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try { return _count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Cells of the inverted file; 0 while every vector is scanned.</summary>
    public int CellCount
    {
        get
        {
            _lock.EnterReadLock();
            try { return _centres is null ? 0 : _cells.Length; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Managed bytes the index holds beyond the article metadata it points to (vectors, cells, the id map).</summary>
    public long ManagedBytes()
    {
        _lock.EnterReadLock();
        try
        {
            // Dictionary: an entry (hash, next, key reference, value) and a bucket per slot.
            long bytes = (long)_where.EnsureCapacity(0) * (4 + 4 + 8 + 8 + 4);
            foreach (var cell in _cells)
            {
                bytes += cell.Capacity * (Dimensions * sizeof(short) + sizeof(float) + 8L) + 3 * 24;
            }
            return bytes + (_centres?.Codes.Length ?? 0) * sizeof(short);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// Writes the whole index to <paramref name="output"/> (see <see cref="IndexSnapshot"/>), so that
    /// <see cref="ReadSnapshotAsync"/> restores it without re-encoding or retraining. The cells are
    /// copied first, so writes to the index wait for the copy only, not for the output.
    /// </summary>
    public Task WriteSnapshotAsync(Stream output, CancellationToken cancellationToken)
    {
        IndexLayout layout;
        _lock.EnterReadLock();
        try
        {
            layout = new IndexLayout(Dimensions, _count, _trainedOn, _centres, Array.ConvertAll(_cells, cell => cell.Copy()));
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return IndexSnapshot.WriteAsync(layout, output, cancellationToken);
    }

    /// <summary>An index restored from what <see cref="WriteSnapshotAsync"/> wrote (its cells parsed in parallel as they arrive); it keeps itself partitioned from then on.</summary>
    /// <exception cref="InvalidDataException">The snapshot is of another format, or damaged.</exception>
    /// <exception cref="EndOfStreamException">The snapshot is cut short.</exception>
    public static async Task<VectorIndex> ReadSnapshotAsync(Stream input, IndexOptions? options, CancellationToken cancellationToken)
    {
        var layout = await IndexSnapshot.ReadAsync(input, cancellationToken);
        var index = new VectorIndex(layout.Dimensions, 16, options) { _count = layout.Count, _trainedOn = layout.TrainedOn, _centres = layout.Centres };
        index._cells = layout.Cells;
        index.MapCells();
        return index;
    }

    /// <summary>Adds or replaces an article and its vector (a unit vector).</summary>
    public void Upsert(ArticleInfo info, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the index has {Dimensions}.", nameof(vector));
        }
        Span<short> codes = Dimensions <= 1024 ? stackalloc short[Dimensions] : new short[Dimensions];
        var scale = Fixed16.Encode(vector, codes);
        _lock.EnterWriteLock();
        try
        {
            if (_where.TryGetValue(info.Id, out var at))
            {
                RemoveAt(at);
            }
            else
            {
                _count++;
            }
            var cell = Nearest(codes);
            _where[info.Id] = (cell, _cells[cell].Add(info, codes, scale));
            if (_autoPartition && NeedsTraining())
            {
                Train();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes an article; false when it was not indexed.</summary>
    public bool Remove(string id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_where.Remove(id, out var at))
            {
                return false;
            }
            RemoveAt(at);
            _count--;
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Trains the cells now if the corpus is large enough, and keeps them trained from then on.</summary>
    public void Partition()
    {
        _lock.EnterWriteLock();
        try
        {
            _autoPartition = true;
            if (NeedsTraining())
            {
                Train();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The metadata of an indexed article (no vector is decoded).</summary>
    public bool TryGetInfo(string id, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out ArticleInfo info)
    {
        _lock.EnterReadLock();
        try
        {
            if (_where.TryGetValue(id, out var at))
            {
                info = _cells[at.Cell].Infos[at.Slot];
                return true;
            }
            info = null;
            return false;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The article and its vector (as stored: to 16-bit precision), when indexed.</summary>
    public bool TryGet(string id, out ArticleInfo info, out float[] vector)
    {
        _lock.EnterReadLock();
        try
        {
            if (_where.TryGetValue(id, out var at))
            {
                info = _cells[at.Cell].Infos[at.Slot];
                vector = _cells[at.Cell].Vector(at.Slot);
                return true;
            }
            info = null!;
            vector = [];
            return false;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>A snapshot of every indexed article's metadata.</summary>
    public IReadOnlyList<ArticleInfo> Articles()
    {
        _lock.EnterReadLock();
        try
        {
            var all = new List<ArticleInfo>(_count);
            foreach (var cell in _cells)
            {
                all.AddRange(cell.Infos.AsSpan(0, cell.Count));
            }
            return all;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>
    /// The <paramref name="k"/> articles most similar to <paramref name="query"/> among those that
    /// <paramref name="accept"/> lets through, best first (ties broken by id for a stable order).
    /// </summary>
    /// <param name="withVectors">Return each hit's vector too (for query expansion or diversity).</param>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, Func<ArticleInfo, bool>? accept = null, bool withVectors = false)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index has {Dimensions}.", nameof(query));
        }
        if (k <= 0)
        {
            return [];
        }
        Span<short> codes = Dimensions <= 1024 ? stackalloc short[Dimensions] : new short[Dimensions];
        var queryScale = Fixed16.Encode(query, codes);
        _lock.EnterReadLock();
        try
        {
            if (accept is not null)
            {
                // Most filters (the query itself, its copies, a few excluded ids) reject few: take a
                // few more than k unfiltered and filter those, which reads far fewer articles'
                // metadata than filtering during the scan. When that leaves the list short (a
                // selective filter), scan again with the filter.
                var spare = UnfilteredCandidates(k);
                var unfiltered = Collect(codes, queryScale, spare, null).Ranked();
                var kept = unfiltered.Where(hit => accept(_cells[hit.Cell].Infos[hit.Slot])).Take(k).ToList();
                if (kept.Count == k || unfiltered.Count < spare)
                {
                    return kept.Select(hit => Hit(hit, withVectors)).ToArray();
                }
            }
            return Collect(codes, queryScale, k, accept).Ranked().Select(hit => Hit(hit, withVectors)).ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Hits taken unfiltered before a filtered search falls back to filtering during the scan: half as many again as asked for, and a few.</summary>
    private static int UnfilteredCandidates(int k) => k + (k / 2) + 8;

    private SearchHit Hit((int Cell, int Slot, float Score) hit, bool withVectors)
    {
        var cell = _cells[hit.Cell];
        return new SearchHit(cell.Infos[hit.Slot], hit.Score, withVectors ? cell.Vector(hit.Slot) : null);
    }

    /// <summary>The best k by score that <paramref name="accept"/> lets through, scanning the nearest cells (or everything).</summary>
    private TopK Collect(ReadOnlySpan<short> codes, float queryScale, int k, Func<ArticleInfo, bool>? accept)
    {
        var top = new TopK(k, accept);
        if (_centres is null)
        {
            Scan(_cells[0], 0, codes, queryScale, top);
            return top;
        }
        var budget = Math.Max(_options.MinScannedRows, (int)(_count * _options.ScanShare));
        var scanned = 0;
        foreach (var cell in _centres.Ranked(codes))
        {
            // Scan the budget, then go on only while filters leave the top k short.
            if (scanned >= budget && top.IsFull)
            {
                break;
            }
            Scan(_cells[cell], cell, codes, queryScale, top);
            scanned += _cells[cell].Count;
        }
        return top;
    }

    private void Scan(IndexCell cell, int index, ReadOnlySpan<short> query, float queryScale, TopK top)
    {
        var codes = cell.Codes;
        for (var slot = 0; slot < cell.Count; slot++)
        {
            var score = Fixed16.Dot(query, codes.AsSpan(slot * Dimensions, Dimensions)) * queryScale * cell.Scales[slot];
            if (score >= top.Threshold)
            {
                top.Offer(score, cell.Infos[slot], index, slot);
            }
        }
    }

    private void RemoveAt((int Cell, int Slot) at)
    {
        var moved = _cells[at.Cell].RemoveAt(at.Slot);
        if (moved is not null)
        {
            _where[moved.Id] = at;
        }
    }

    /// <summary>The cell for a new vector: the one whose centre is nearest, or the only one.</summary>
    private int Nearest(ReadOnlySpan<short> codes) => _centres?.Nearest(codes) ?? 0;

    private bool NeedsTraining() => _count >= _options.PartitionFrom && (_centres is null || _count >= 2 * _trainedOn);

    /// <summary>Trains the cells (see <see cref="CellTrainer"/>) and moves every vector into its new cell.</summary>
    private void Train()
    {
        (_centres, _cells) = CellTrainer.Train(_cells, _count, Dimensions);
        _trainedOn = _count;
        MapCells();
    }

    /// <summary>Rebuilds the map from id to (cell, slot) after the cells were replaced.</summary>
    private void MapCells()
    {
        _where.Clear();
        _where.EnsureCapacity(_count);
        for (var c = 0; c < _cells.Length; c++)
        {
            for (var slot = 0; slot < _cells[c].Count; slot++)
            {
                _where[_cells[c].Infos[slot].Id] = (c, slot);
            }
        }
    }
}
