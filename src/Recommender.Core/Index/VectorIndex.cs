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
/// <para>
/// Each article also keeps a candidate list (<see cref="IndexOptions.NeighbourListLength"/>): the
/// numbers of the articles nearest it. A write searches once for the written article's neighbours,
/// makes them its list, and offers it to each of theirs, where it replaces the farthest entry if it is
/// nearer; a deleted article's number is dead and skipped; <see cref="Partition"/> (the end of a bulk
/// load, as a refit builds its index) computes every list. <see cref="Neighbours"/> scores a list
/// against any query, so the list of a stored article costs a few dozen dot products at any corpus
/// size instead of a search that grows with it.
/// </para>
/// </summary>
public sealed class VectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, (int Cell, int Slot)> _where = new(StringComparer.Ordinal);
    private readonly IndexOptions _options;
    private NeighbourLists _lists;

    /// <summary>Where each article number is; (-1, -1) once its article is removed (numbers are not reused).</summary>
    private (int Cell, int Slot)[] _at = [];
    private int _numbers;
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
        _lists = new NeighbourLists(_options.NeighbourListLength);
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
                bytes += cell.Capacity * (Dimensions * sizeof(short) + sizeof(float) + sizeof(int) + 8L) + 4 * 24;
            }
            return bytes + ((_centres?.Codes.Length ?? 0) * sizeof(short)) + _lists.Bytes + ((long)_at.Length * 8);
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
            var cells = Array.ConvertAll(_cells, cell => cell.Copy());
            layout = new IndexLayout(Dimensions, _count, _trainedOn, _centres, cells, _lists.Length, CompactLists(cells));
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
        // The snapshot numbers articles in the order of its cells, and its lists refer to those numbers.
        var number = 0;
        foreach (var cell in index._cells)
        {
            for (var slot = 0; slot < cell.Count; slot++)
            {
                cell.Numbers[slot] = number++;
            }
        }
        index._numbers = number;
        index.MapCells();
        if (index._lists.Length > 0)
        {
            if (layout.ListLength == index._lists.Length && layout.Lists is { } lists)
            {
                index._lists = NeighbourLists.From(layout.ListLength, lists);
            }
            else
            {
                index._lists.EnsureCapacity(index._numbers);
                index.LinkAll(); // a snapshot of an older format, or of another list length
            }
        }
        return index;
    }

    /// <summary>Adds or replaces an article and its vector (a unit vector).</summary>
    public void Upsert(ArticleInfo info, ReadOnlySpan<float> vector) => UpsertMany([(info, vector.ToArray())]);

    /// <summary>
    /// Adds or replaces articles and their vectors (unit vectors). Their candidate lists are searched
    /// for in parallel while readers go on (the articles are placed first, so they find each other),
    /// then set, and each article offered to its neighbours' lists; when this returns, every list
    /// that should hold one of them does.
    /// </summary>
    public void UpsertMany(IReadOnlyList<(ArticleInfo Info, float[] Vector)> articles)
    {
        var encoded = new (short[] Codes, float Scale)[articles.Count];
        for (var i = 0; i < articles.Count; i++)
        {
            var vector = articles[i].Vector;
            if (vector.Length != Dimensions)
            {
                throw new ArgumentException($"Vector has {vector.Length} dimensions; the index has {Dimensions}.", nameof(articles));
            }
            var codes = new short[Dimensions];
            encoded[i] = (codes, Fixed16.Encode(vector, codes));
        }
        var numbers = new int[articles.Count];
        bool link;
        _lock.EnterWriteLock();
        try
        {
            for (var i = 0; i < articles.Count; i++)
            {
                numbers[i] = Place(articles[i].Info, encoded[i].Codes, encoded[i].Scale);
            }
            link = _autoPartition && _lists.Length > 0;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
        if (!link)
        {
            return;
        }
        var neighbours = new List<(int Number, float Score)>[articles.Count];
        DedicatedParallel.For(articles.Count, i =>
        {
            _lock.EnterReadLock();
            try
            {
                neighbours[i] = _at[numbers[i]].Cell < 0 ? [] : NearestTo(numbers[i]);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        });
        _lock.EnterWriteLock();
        try
        {
            for (var i = 0; i < articles.Count; i++)
            {
                if (_at[numbers[i]].Cell >= 0)
                {
                    Link(numbers[i], neighbours[i].Where(n => _at[n.Number].Cell >= 0).ToList());
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Puts an article in the cell of its nearest centre (after taking it out of where it was); returns its number. Under the write lock.</summary>
    private int Place(ArticleInfo info, ReadOnlySpan<short> codes, float scale)
    {
        int number;
        if (_where.TryGetValue(info.Id, out var at))
        {
            number = _cells[at.Cell].Numbers[at.Slot];
            RemoveAt(at);
        }
        else
        {
            number = NewNumber();
            _count++;
        }
        var cell = Nearest(codes);
        var placed = (cell, _cells[cell].Add(info, codes, scale, number));
        _where[info.Id] = placed;
        _at[number] = placed;
        if (_autoPartition && NeedsTraining())
        {
            Train();
        }
        return number;
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
            var number = _cells[at.Cell].Numbers[at.Slot];
            RemoveAt(at);
            _at[number] = (-1, -1);
            if (_lists.Length > 0)
            {
                _lists.Of(number).Fill(-1);
            }
            _count--;
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Trains the cells now if the corpus is large enough, and keeps them trained from then on; then
    /// computes every article's candidate list (in parallel), and keeps them from then on.
    /// </summary>
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
            LinkAll();
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
    /// The candidates of a stored article that <paramref name="accept"/> lets through, scored against
    /// <paramref name="query"/> (which need not be the article's own vector), best first; null when the
    /// article is not indexed or has no list (lists off, or not computed yet), for the caller to search.
    /// </summary>
    /// <param name="max">The best this many at most.</param>
    public IReadOnlyList<SearchHit>? Neighbours(
        string id, ReadOnlySpan<float> query, Func<ArticleInfo, bool>? accept = null, bool withVectors = false, int max = int.MaxValue)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index has {Dimensions}.", nameof(query));
        }
        if (_lists.Length == 0)
        {
            return null;
        }
        Span<short> codes = Dimensions <= 1024 ? stackalloc short[Dimensions] : new short[Dimensions];
        var queryScale = Fixed16.Encode(query, codes);
        _lock.EnterReadLock();
        try
        {
            if (!_where.TryGetValue(id, out var at))
            {
                return null;
            }
            var list = _lists.Of(_cells[at.Cell].Numbers[at.Slot]);
            if (list[0] < 0)
            {
                return null;
            }
            var hits = new List<(float Score, ArticleInfo Info, int Cell, int Slot)>(list.Length);
            foreach (var number in list)
            {
                if (number < 0 || _at[number].Cell < 0)
                {
                    continue; // an empty entry, or an article removed since
                }
                var (cell, slot) = _at[number];
                var info = _cells[cell].Infos[slot];
                if (accept is null || accept(info))
                {
                    hits.Add((Score(codes, queryScale, cell, slot), info, cell, slot));
                }
            }
            hits.Sort(static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Info.Id, b.Info.Id));
            return hits.Take(max).Select(h => Hit((h.Cell, h.Slot, h.Score), withVectors)).ToList();
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
    /// <param name="capRows">
    /// Stop at the scan budget even within a cell (the search for a written article's neighbours):
    /// a cell far larger than the others, as a model that places most articles alike makes, would
    /// otherwise make every write scan most of the corpus.
    /// </param>
    private TopK Collect(ReadOnlySpan<short> codes, float queryScale, int k, Func<ArticleInfo, bool>? accept, bool capRows = false)
    {
        var top = new TopK(k, accept);
        if (_centres is null)
        {
            Scan(_cells[0], 0, codes, queryScale, top, int.MaxValue);
            return top;
        }
        var budget = Math.Max(_options.MinScannedRows, (int)(_count * _options.ScanShare));
        var scanned = 0;
        foreach (var cell in _centres.Ranked(codes))
        {
            // Scan the budget, then go on only while filters leave the top k short.
            if (scanned >= budget && (top.IsFull || capRows))
            {
                break;
            }
            Scan(_cells[cell], cell, codes, queryScale, top, capRows ? budget - scanned : int.MaxValue);
            scanned += _cells[cell].Count;
        }
        return top;
    }

    private void Scan(IndexCell cell, int index, ReadOnlySpan<short> query, float queryScale, TopK top, int maxRows)
    {
        var codes = cell.Codes;
        var rows = Math.Min(cell.Count, maxRows);
        for (var slot = 0; slot < rows; slot++)
        {
            var score = Fixed16.Dot(query, codes.AsSpan(slot * Dimensions, Dimensions)) * queryScale * cell.Scales[slot];
            if (score >= top.Threshold)
            {
                top.Offer(score, cell.Infos[slot], index, slot);
            }
        }
    }

    private float Score(ReadOnlySpan<short> query, float queryScale, int cell, int slot) =>
        Fixed16.Dot(query, _cells[cell].CodesAt(slot)) * queryScale * _cells[cell].Scales[slot];

    private void RemoveAt((int Cell, int Slot) at)
    {
        var moved = _cells[at.Cell].RemoveAt(at.Slot);
        if (moved is not null)
        {
            _where[moved.Id] = at;
            _at[_cells[at.Cell].Numbers[at.Slot]] = at;
        }
    }

    /// <summary>A number for a new article (numbers of removed ones are not reused, so no list can refer to the wrong article).</summary>
    private int NewNumber()
    {
        if (_numbers == _at.Length)
        {
            Array.Resize(ref _at, Math.Max(16, _at.Length * 2));
        }
        _lists.EnsureCapacity(_numbers + 1);
        return _numbers++;
    }

    /// <summary>
    /// Makes <paramref name="neighbours"/> (found by <see cref="NearestTo"/>) the article's list, and
    /// offers the article to each of theirs. Under the write lock.
    /// </summary>
    private void Link(int number, List<(int Number, float Score)> neighbours)
    {
        var list = _lists.Of(number);
        list.Fill(-1);
        for (var i = 0; i < neighbours.Count; i++)
        {
            list[i] = neighbours[i].Number;
            Offer(neighbours[i].Number, number, neighbours[i].Score);
        }
    }

    /// <summary>Computes every article's list from a search of its own (on every core; under the write lock, which no reader then holds).</summary>
    private void LinkAll()
    {
        if (_lists.Length == 0)
        {
            return;
        }
        DedicatedParallel.For(_numbers, number =>
        {
            var list = _lists.Of(number);
            list.Fill(-1);
            if (_at[number].Cell < 0)
            {
                return;
            }
            var neighbours = NearestTo(number);
            for (var i = 0; i < neighbours.Count; i++)
            {
                list[i] = neighbours[i].Number;
            }
        });
    }

    /// <summary>Up to a list's length of the articles nearest an indexed one, best first, itself left out.</summary>
    private List<(int Number, float Score)> NearestTo(int number)
    {
        var (cell, slot) = _at[number];
        var ranked = Collect(_cells[cell].CodesAt(slot), _cells[cell].Scales[slot], _lists.Length + 1, null, capRows: true).Ranked();
        var neighbours = new List<(int Number, float Score)>(_lists.Length);
        foreach (var hit in ranked)
        {
            var other = _cells[hit.Cell].Numbers[hit.Slot];
            if (other != number && neighbours.Count < _lists.Length)
            {
                neighbours.Add((other, hit.Score));
            }
        }
        return neighbours;
    }

    /// <summary>
    /// Puts <paramref name="candidate"/> in the list of <paramref name="owner"/>: in an empty entry or
    /// one of a removed article, else in place of the farthest entry if it is nearer than that one.
    /// </summary>
    private void Offer(int owner, int candidate, float score)
    {
        var list = _lists.Of(owner);
        var (ownerCell, ownerSlot) = _at[owner];
        var ownerCodes = _cells[ownerCell].CodesAt(ownerSlot);
        var ownerScale = _cells[ownerCell].Scales[ownerSlot];
        var (empty, farthest) = (-1, -1);
        var farthestScore = float.PositiveInfinity;
        for (var i = 0; i < list.Length; i++)
        {
            var entry = list[i];
            if (entry == candidate)
            {
                return;
            }
            if (entry < 0 || _at[entry].Cell < 0)
            {
                empty = empty < 0 ? i : empty;
                continue;
            }
            var (cell, slot) = _at[entry];
            var entryScore = Score(ownerCodes, ownerScale, cell, slot);
            if (entryScore < farthestScore)
            {
                (farthest, farthestScore) = (i, entryScore);
            }
        }
        if (empty >= 0)
        {
            list[empty] = candidate;
        }
        else if (farthest >= 0 && score > farthestScore)
        {
            list[farthest] = candidate;
        }
    }

    /// <summary>
    /// The lists as a snapshot writes them: numbered in the order of <paramref name="cells"/> (copies
    /// of the index's cells), entries of removed articles dropped. Under the read lock.
    /// </summary>
    private int[]? CompactLists(IndexCell[] cells)
    {
        if (_lists.Length == 0)
        {
            return null;
        }
        var compact = new int[_numbers];
        compact.AsSpan().Fill(-1);
        var next = 0;
        foreach (var cell in cells)
        {
            for (var slot = 0; slot < cell.Count; slot++)
            {
                compact[cell.Numbers[slot]] = next++;
            }
        }
        var lists = new int[next * _lists.Length];
        foreach (var cell in cells)
        {
            for (var slot = 0; slot < cell.Count; slot++)
            {
                var to = lists.AsSpan(compact[cell.Numbers[slot]] * _lists.Length, _lists.Length);
                var from = _lists.Of(cell.Numbers[slot]);
                var kept = 0;
                foreach (var entry in from)
                {
                    if (entry >= 0 && compact[entry] >= 0)
                    {
                        to[kept++] = compact[entry];
                    }
                }
                to[kept..].Fill(-1);
            }
        }
        return lists;
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

    /// <summary>Rebuilds the maps from id and from article number to (cell, slot) after the cells were replaced.</summary>
    private void MapCells()
    {
        _where.Clear();
        _where.EnsureCapacity(_count);
        if (_at.Length < _numbers)
        {
            Array.Resize(ref _at, _numbers);
        }
        _at.AsSpan().Fill((-1, -1));
        for (var c = 0; c < _cells.Length; c++)
        {
            for (var slot = 0; slot < _cells[c].Count; slot++)
            {
                _where[_cells[c].Infos[slot].Id] = (c, slot);
                _at[_cells[c].Numbers[slot]] = (c, slot);
            }
        }
    }
}
