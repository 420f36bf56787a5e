using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>One search result: the article, and its cosine similarity to the query.</summary>
public sealed record SearchHit(ArticleInfo Article, float Score, float[] Vector);

/// <summary>
/// The in-memory nearest-neighbour index of one model: unit vectors in one contiguous block, searched
/// exactly (cosine = dot product). Readers run in parallel; a write briefly excludes them.
/// Removal moves the last row into the gap, so the block stays dense.
/// </summary>
public sealed class VectorIndex
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, int> _rows = new(StringComparer.Ordinal);
    private float[] _vectors;
    private ArticleInfo[] _infos;
    private int _count;

    public VectorIndex(int dimensions, int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        Dimensions = dimensions;
        capacity = Math.Max(capacity, 16);
        _vectors = new float[capacity * dimensions];
        _infos = new ArticleInfo[capacity];
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

    /// <summary>Adds or replaces an article and its vector.</summary>
    public void Upsert(ArticleInfo info, ReadOnlySpan<float> vector)
    {
        if (vector.Length != Dimensions)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the index has {Dimensions}.", nameof(vector));
        }
        _lock.EnterWriteLock();
        try
        {
            if (!_rows.TryGetValue(info.Id, out var row))
            {
                if (_count == _infos.Length)
                {
                    Grow();
                }
                row = _count++;
                _rows[info.Id] = row;
            }
            _infos[row] = info;
            vector.CopyTo(_vectors.AsSpan(row * Dimensions, Dimensions));
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
            if (!_rows.Remove(id, out var row))
            {
                return false;
            }
            var last = --_count;
            if (row != last)
            {
                _infos[row] = _infos[last];
                _vectors.AsSpan(last * Dimensions, Dimensions).CopyTo(_vectors.AsSpan(row * Dimensions, Dimensions));
                _rows[_infos[row].Id] = row;
            }
            _infos[last] = null!;
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>The article and a copy of its vector, when indexed.</summary>
    public bool TryGet(string id, out ArticleInfo info, out float[] vector)
    {
        _lock.EnterReadLock();
        try
        {
            if (_rows.TryGetValue(id, out var row))
            {
                info = _infos[row];
                vector = _vectors.AsSpan(row * Dimensions, Dimensions).ToArray();
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
        try { return _infos.AsSpan(0, _count).ToArray(); }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>
    /// The <paramref name="k"/> articles most similar to <paramref name="query"/> among those that
    /// <paramref name="accept"/> lets through, best first (ties broken by id for a stable order).
    /// </summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, Func<ArticleInfo, bool>? accept = null)
    {
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index has {Dimensions}.", nameof(query));
        }
        if (k <= 0)
        {
            return [];
        }
        _lock.EnterReadLock();
        try
        {
            // Min-heap of the best k so far: the root is the weakest kept hit.
            var heap = new PriorityQueue<int, (float Score, string Id)>(k + 1, WeakestFirst.Instance);
            for (var row = 0; row < _count; row++)
            {
                if (accept is not null && !accept(_infos[row]))
                {
                    continue;
                }
                var score = VectorMath.Dot(query, _vectors.AsSpan(row * Dimensions, Dimensions));
                if (heap.Count < k)
                {
                    heap.Enqueue(row, (score, _infos[row].Id));
                }
                else if (heap.TryPeek(out _, out var weakest) && WeakestFirst.Instance.Compare((score, _infos[row].Id), weakest) > 0)
                {
                    heap.DequeueEnqueue(row, (score, _infos[row].Id));
                }
            }
            var hits = new SearchHit[heap.Count];
            for (var i = hits.Length - 1; i >= 0; i--)
            {
                heap.TryDequeue(out var row, out var key);
                hits[i] = new SearchHit(_infos[row], key.Score, _vectors.AsSpan(row * Dimensions, Dimensions).ToArray());
            }
            return hits;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Grow()
    {
        var capacity = _infos.Length * 2;
        Array.Resize(ref _infos, capacity);
        Array.Resize(ref _vectors, capacity * Dimensions);
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
