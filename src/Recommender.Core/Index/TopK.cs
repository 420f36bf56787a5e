using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>The best k offered so far that the filter accepts; the filter runs only on those that would get in.</summary>
internal sealed class TopK(int k, Func<ArticleInfo, bool>? accept)
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

    /// <summary>Orders hits from weakest to strongest: lower score first, then the later id first (so ties rank by id).</summary>
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
