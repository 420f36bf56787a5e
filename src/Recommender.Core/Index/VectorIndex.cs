using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>One search result: the article, its cosine similarity to the query and, when asked for, its vector.</summary>
public sealed record SearchHit(ArticleInfo Article, float Score, float[]? Vector);

/// <summary>
/// The in-memory nearest-neighbour index of one model.
/// <para>
/// Vectors are kept in 16-bit fixed point with one scale each (<see cref="Fixed16"/>): 260 bytes for
/// 128 dimensions instead of 512, and integer dot products. They are stored by cell, each cell's
/// vectors in one contiguous block, so a search reads memory in order. Below
/// <see cref="IndexOptions.PartitionFrom"/> articles there is one cell and every vector is scanned.
/// From there on the index is an inverted file (IVF): spherical k-means splits the vectors into
/// about √N / 2 cells, and a search scans the cells whose centres are nearest the query until it has
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
    private Cell[] _cells;
    private short[]? _centreCodes;
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
        _cells = [new Cell(dimensions, Math.Max(capacity, 16))];
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
            try { return _centreCodes is null ? 0 : _cells.Length; }
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
            return bytes + (_centreCodes?.Length ?? 0) * sizeof(short);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private const int SnapshotFormat = 2;

    /// <summary>
    /// The whole index as bytes: its cells (centres and members, each article's metadata and
    /// codes), so that <see cref="FromSnapshot"/> restores it without re-encoding or retraining.
    /// Each cell's length is written ahead of the cells, so they can be read in parallel.
    /// </summary>
    public byte[] ToSnapshot()
    {
        _lock.EnterReadLock();
        try
        {
            var cells = _cells.Select(cell =>
            {
                using var part = new MemoryStream(cell.Count * (Dimensions * 2 + 600) + 16);
                using var writer = new BinaryWriter(part);
                writer.Write(cell.Count);
                for (var slot = 0; slot < cell.Count; slot++)
                {
                    WriteInfo(writer, cell.Infos[slot]);
                    writer.Write(cell.Scales[slot]);
                    writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cell.Codes.AsSpan(slot * Dimensions, Dimensions)));
                }
                writer.Flush();
                return part.ToArray();
            }).ToList();
            using var stream = new MemoryStream(cells.Sum(c => c.Length) + _cells.Length * 4 + (_centreCodes?.Length ?? 0) * 2 + 64);
            using var header = new BinaryWriter(stream);
            header.Write(SnapshotFormat);
            header.Write(Dimensions);
            header.Write(_count);
            header.Write(_trainedOn);
            header.Write(_centreCodes is null ? 0 : _cells.Length);
            header.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes((_centreCodes ?? []).AsSpan()));
            header.Write(cells.Count);
            foreach (var cell in cells)
            {
                header.Write(cell.Length);
            }
            foreach (var cell in cells)
            {
                header.Write(cell);
            }
            header.Flush();
            return stream.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>An index restored from <see cref="ToSnapshot"/> (its cells read in parallel); it keeps itself partitioned from then on.</summary>
    public static VectorIndex FromSnapshot(byte[] snapshot, IndexOptions? options = null)
    {
        using var reader = new BinaryReader(new MemoryStream(snapshot, writable: false));
        if (reader.ReadInt32() != SnapshotFormat)
        {
            throw new InvalidDataException("The index snapshot is of an unknown format.");
        }
        var dimensions = reader.ReadInt32();
        var count = reader.ReadInt32();
        var index = new VectorIndex(dimensions, 16, options) { _count = count, _trainedOn = reader.ReadInt32() };
        var centreCount = reader.ReadInt32();
        if (centreCount > 0)
        {
            index._centreCodes = new short[centreCount * dimensions];
            reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(index._centreCodes.AsSpan()));
        }
        var lengths = new int[reader.ReadInt32()];
        var starts = new long[lengths.Length];
        for (var c = 0; c < lengths.Length; c++)
        {
            lengths[c] = reader.ReadInt32();
        }
        var offset = reader.BaseStream.Position;
        for (var c = 0; c < lengths.Length; c++)
        {
            starts[c] = offset;
            offset += lengths[c];
        }
        var cells = new Cell[lengths.Length];
        Parallel.For(0, cells.Length, c =>
        {
            using var part = new BinaryReader(new MemoryStream(snapshot, (int)starts[c], lengths[c], writable: false));
            var members = part.ReadInt32();
            var cell = new Cell(dimensions, Math.Max(members, 4));
            var codes = new short[dimensions];
            for (var m = 0; m < members; m++)
            {
                var info = ReadInfo(part);
                var scale = part.ReadSingle();
                part.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.AsSpan()));
                cell.Add(info, codes, scale);
            }
            cells[c] = cell;
        });
        index._where.EnsureCapacity(count);
        for (var c = 0; c < cells.Length; c++)
        {
            for (var slot = 0; slot < cells[c].Count; slot++)
            {
                index._where[cells[c].Infos[slot].Id] = (c, slot);
            }
        }
        index._cells = cells;
        return index;
    }

    private static void WriteInfo(BinaryWriter writer, ArticleInfo info)
    {
        writer.Write(info.Id);
        writer.Write(info.Title);
        writer.Write(info.Url);
        writer.Write(info.Section);
        writer.Write(info.Tags.Count);
        foreach (var tag in info.Tags)
        {
            writer.Write(tag);
        }
        writer.Write(info.Language);
        writer.Write(info.Published is not null);
        writer.Write(info.Published?.UtcTicks ?? 0);
        writer.Write(info.BodyHash);
        writer.Write(info.BodyMinHash.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(info.BodyMinHash.AsSpan()));
    }

    private static ArticleInfo ReadInfo(BinaryReader reader)
    {
        var id = reader.ReadString();
        var title = reader.ReadString();
        var url = reader.ReadString();
        var section = reader.ReadString();
        var tags = new string[reader.ReadInt32()];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = reader.ReadString();
        }
        var language = reader.ReadString();
        var hasDate = reader.ReadBoolean();
        var ticks = reader.ReadInt64();
        var bodyHash = reader.ReadString();
        var minHash = new uint[reader.ReadInt32()];
        reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(minHash.AsSpan()));
        return new ArticleInfo(id, title, url, section, tags, language, hasDate ? new DateTimeOffset(ticks, TimeSpan.Zero) : null, bodyHash, minHash);
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
                var unfiltered = Collect(codes, queryScale, k + k / 2 + 8, null).Ranked();
                var kept = unfiltered.Where(hit => accept(_cells[hit.Cell].Infos[hit.Slot])).Take(k).ToList();
                if (kept.Count == k || unfiltered.Count < k + k / 2 + 8)
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

    private SearchHit Hit((int Cell, int Slot, float Score) hit, bool withVectors)
    {
        var cell = _cells[hit.Cell];
        return new SearchHit(cell.Infos[hit.Slot], hit.Score, withVectors ? cell.Vector(hit.Slot) : null);
    }

    /// <summary>The best k by score that <paramref name="accept"/> lets through, scanning the nearest cells (or everything).</summary>
    private TopK Collect(ReadOnlySpan<short> codes, float queryScale, int k, Func<ArticleInfo, bool>? accept)
    {
        var top = new TopK(k, accept);
        if (_centreCodes is null)
        {
            Scan(_cells[0], 0, codes, queryScale, top);
            return top;
        }
        var budget = Math.Max(_options.MinScannedRows, (int)(_count * _options.ScanShare));
        var scanned = 0;
        foreach (var cell in NearestCells(codes))
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

    private void Scan(Cell cell, int index, ReadOnlySpan<short> query, float queryScale, TopK top)
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
    private int Nearest(ReadOnlySpan<short> codes) => _centreCodes is null ? 0 : NearestCentre(codes);

    /// <summary>Cells by decreasing similarity of their centre to the query, computed as for assigning a vector to a cell.</summary>
    private int[] NearestCells(ReadOnlySpan<short> codes)
    {
        var order = new int[_cells.Length];
        var keys = new int[_cells.Length];
        for (var c = 0; c < order.Length; c++)
        {
            order[c] = c;
            keys[c] = -Fixed16.Dot(_centreCodes.AsSpan(c * Dimensions, Dimensions), codes);
        }
        Array.Sort(keys, order);
        return order;
    }

    private bool NeedsTraining() => _count >= _options.PartitionFrom && (_centreCodes is null || _count >= 2 * _trainedOn);

    /// <summary>
    /// Spherical k-means on a sample of the vectors, then every vector moved to the cell of its
    /// nearest centre, each cell's block allocated at its exact size.
    /// </summary>
    private void Train()
    {
        var cellCount = Math.Clamp((int)Math.Round(Math.Sqrt(_count) / 2), 16, 4096);
        var all = new List<(int Cell, int Slot)>(_count);
        for (var c = 0; c < _cells.Length; c++)
        {
            for (var s = 0; s < _cells[c].Count; s++)
            {
                all.Add((c, s));
            }
        }
        var random = new Random(_count);
        var sample = all.OrderBy(_ => random.Next()).Take(Math.Min(_count, cellCount * 64)).ToArray();
        var centres = new float[cellCount * Dimensions];
        for (var c = 0; c < cellCount; c++)
        {
            Decode(sample[c], centres.AsSpan(c * Dimensions, Dimensions));
        }
        var assignment = new int[sample.Length];
        var decoded = new float[Dimensions];
        for (var iteration = 0; iteration < 8; iteration++)
        {
            SetCentres(centres, cellCount);
            Parallel.For(0, sample.Length, i => assignment[i] = NearestCentre(Codes(sample[i])));
            Array.Clear(centres);
            for (var i = 0; i < sample.Length; i++)
            {
                Decode(sample[i], decoded);
                var centre = centres.AsSpan(assignment[i] * Dimensions, Dimensions);
                for (var d = 0; d < Dimensions; d++)
                {
                    centre[d] += decoded[d];
                }
            }
            for (var c = 0; c < cellCount; c++)
            {
                var centre = centres.AsSpan(c * Dimensions, Dimensions);
                if (VectorMath.Dot(centre, centre) == 0)
                {
                    Decode(sample[random.Next(sample.Length)], centre); // an empty cell restarts from a random vector
                }
                VectorMath.Normalize(centre);
            }
        }
        SetCentres(centres, cellCount);
        var cellOf = new int[all.Count];
        Parallel.For(0, all.Count, i => cellOf[i] = NearestCentre(Codes(all[i])));
        var sizes = new int[cellCount];
        foreach (var c in cellOf)
        {
            sizes[c]++;
        }
        var cells = sizes.Select(size => new Cell(Dimensions, Math.Max(size, 4))).ToArray();
        for (var i = 0; i < all.Count; i++)
        {
            var (c, s) = all[i];
            var source = _cells[c];
            var slot = cells[cellOf[i]].Add(source.Infos[s], Codes(all[i]), source.Scales[s]);
            _where[source.Infos[s].Id] = (cellOf[i], slot);
        }
        _cells = cells;
        _trainedOn = _count;
    }

    private void SetCentres(float[] centres, int cellCount)
    {
        _centreCodes = new short[centres.Length];
        for (var c = 0; c < cellCount; c++)
        {
            Fixed16.Encode(centres.AsSpan(c * Dimensions, Dimensions), _centreCodes.AsSpan(c * Dimensions, Dimensions));
        }
    }

    private int NearestCentre(ReadOnlySpan<short> codes)
    {
        var best = 0;
        var bestDot = int.MinValue;
        for (var c = 0; c < _centreCodes!.Length / Dimensions; c++)
        {
            var dot = Fixed16.Dot(_centreCodes.AsSpan(c * Dimensions, Dimensions), codes);
            if (dot > bestDot)
            {
                (best, bestDot) = (c, dot);
            }
        }
        return best;
    }

    private ReadOnlySpan<short> Codes((int Cell, int Slot) at) => _cells[at.Cell].Codes.AsSpan(at.Slot * Dimensions, Dimensions);

    private void Decode((int Cell, int Slot) at, Span<float> vector)
    {
        Fixed16.Decode(Codes(at), _cells[at.Cell].Scales[at.Slot], vector);
        VectorMath.Normalize(vector);
    }

    /// <summary>One cell's vectors in one block, with their scales and articles; removal moves the last into the gap.</summary>
    private sealed class Cell(int dimensions, int capacity)
    {
        public short[] Codes = new short[capacity * dimensions];
        public float[] Scales = new float[capacity];
        public ArticleInfo[] Infos = new ArticleInfo[capacity];
        public int Count;

        public int Capacity => Infos.Length;

        public int Add(ArticleInfo info, ReadOnlySpan<short> codes, float scale)
        {
            if (Count == Infos.Length)
            {
                Array.Resize(ref Codes, Codes.Length * 2);
                Array.Resize(ref Scales, Scales.Length * 2);
                Array.Resize(ref Infos, Infos.Length * 2);
            }
            codes.CopyTo(Codes.AsSpan(Count * dimensions, dimensions));
            Scales[Count] = scale;
            Infos[Count] = info;
            return Count++;
        }

        /// <summary>Removes a slot; returns the article moved into it, if any.</summary>
        public ArticleInfo? RemoveAt(int slot)
        {
            var last = --Count;
            ArticleInfo? moved = null;
            if (slot != last)
            {
                Codes.AsSpan(last * dimensions, dimensions).CopyTo(Codes.AsSpan(slot * dimensions, dimensions));
                Scales[slot] = Scales[last];
                moved = Infos[slot] = Infos[last];
            }
            Infos[last] = null!;
            return moved;
        }

        public float[] Vector(int slot)
        {
            var vector = new float[dimensions];
            Fixed16.Decode(Codes.AsSpan(slot * dimensions, dimensions), Scales[slot], vector);
            return vector;
        }
    }

    /// <summary>The best k offered so far that the filter accepts; the filter runs only on those that would get in.</summary>
    private sealed class TopK(int k, Func<ArticleInfo, bool>? accept)
    {
        private readonly PriorityQueue<(int Cell, int Slot), (float Score, string Id)> _heap = new(k + 1, WeakestFirst.Instance);

        /// <summary>Scores below this cannot get in.</summary>
        public float Threshold { get; private set; } = float.NegativeInfinity;

        public bool IsFull => _heap.Count == k;

        public void Offer(float score, ArticleInfo info, int cell, int slot)
        {
            if (IsFull && _heap.TryPeek(out _, out var weakest) && WeakestFirst.Instance.Compare((score, info.Id), weakest) <= 0)
            {
                return;
            }
            if (accept is not null && !accept(info))
            {
                return;
            }
            if (IsFull)
            {
                _heap.DequeueEnqueue((cell, slot), (score, info.Id));
            }
            else
            {
                _heap.Enqueue((cell, slot), (score, info.Id));
            }
            if (IsFull && _heap.TryPeek(out _, out var kept))
            {
                Threshold = kept.Score;
            }
        }

        /// <summary>What was kept, best first.</summary>
        public List<(int Cell, int Slot, float Score)> Ranked()
        {
            var ranked = new List<(int Cell, int Slot, float Score)>(_heap.Count);
            while (_heap.TryDequeue(out var at, out var key))
            {
                ranked.Add((at.Cell, at.Slot, key.Score));
            }
            ranked.Reverse();
            return ranked;
        }
    }

    /// <summary>Orders hits from weakest to strongest: lower score first, then the later id first.</summary>
    private sealed class WeakestFirst : IComparer<(float Score, string Id)>
    {
        public static readonly WeakestFirst Instance = new();

        public int Compare((float Score, string Id) x, (float Score, string Id) y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : string.CompareOrdinal(y.Id, x.Id);
        }
    }
}
