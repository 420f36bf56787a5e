using Recommender.Core.Articles;

namespace Recommender.Core.Evaluation;

/// <summary>Averages over the scored queries (the metric of shared/EVALUATION.md).</summary>
public sealed record RelevanceReport(double PrecisionAt5, double PrecisionAt10, double NdcgAt10, double DuplicateAt5, int Queries, int Invalid);

/// <summary>
/// Scores related lists against a labelled corpus exactly as the reference scorer does: a
/// suggestion is relevant when its labels meet the query's; P@k counts missing places as misses;
/// nDCG@10 uses binary gains and a log2 discount; dup@5 is the share of queries whose first five
/// suggestions hold the query's own body or one body twice (lower-cased, white space collapsed).
/// </summary>
public sealed class RelevanceMetrics
{
    private readonly Dictionary<string, HashSet<string>> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bodies = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly Dictionary<string, int> _relevantCounts = new(StringComparer.Ordinal);

    public RelevanceMetrics(IEnumerable<ArticleLine> corpus)
    {
        foreach (var line in corpus)
        {
            _labels[line.Article.Id] = new HashSet<string>(line.Labels, StringComparer.Ordinal);
            _bodies[line.Article.Id] = ContentHash.NormalizeForComparison(line.Article.Body);
            _order.Add(line.Article.Id);
        }
    }

    /// <summary>Which queries to ask: every article up to 2,500, else every ⌈N/2000⌉-th in file order.</summary>
    public IReadOnlyList<string> QueryIds()
    {
        if (_order.Count <= 2_500)
        {
            return _order;
        }
        var step = (_order.Count + 1_999) / 2_000;
        return _order.Where((_, i) => i % step == 0).ToList();
    }

    public RelevanceReport Score(IEnumerable<(string Query, IReadOnlyList<string> Related)> lists)
    {
        double p5 = 0, p10 = 0, ndcg = 0, dup = 0;
        int n = 0, invalid = 0;
        foreach (var (query, related) in lists)
        {
            if (!_labels.TryGetValue(query, out var labels))
            {
                invalid++;
                continue;
            }
            if (related.Contains(query))
            {
                invalid++;
            }
            var gains = new int[10];
            for (var i = 0; i < Math.Min(10, related.Count); i++)
            {
                var r = related[i];
                gains[i] = r != query && _labels.TryGetValue(r, out var rl) && rl.Overlaps(labels) ? 1 : 0;
            }
            p5 += gains.Take(5).Sum() / 5.0;
            p10 += gains.Sum() / 10.0;
            var dcg = gains.Select((g, i) => g / Math.Log2(i + 2)).Sum();
            var ideal = Enumerable.Range(0, Math.Min(10, RelevantCount(query))).Select(i => 1 / Math.Log2(i + 2)).Sum();
            ndcg += ideal > 0 ? dcg / ideal : 0;

            var bodies = related.Take(5).Where(_bodies.ContainsKey).Select(r => _bodies[r]).ToList();
            if (bodies.Contains(_bodies[query]) || bodies.Distinct(StringComparer.Ordinal).Count() < bodies.Count)
            {
                dup++;
            }
            n++;
        }
        return n == 0
            ? new RelevanceReport(0, 0, 0, 0, 0, invalid)
            : new RelevanceReport(p5 / n, p10 / n, ndcg / n, dup / n, n, invalid);
    }

    private int RelevantCount(string query)
    {
        if (!_relevantCounts.TryGetValue(query, out var count))
        {
            var labels = _labels[query];
            count = _order.Count(d => d != query && _labels[d].Overlaps(labels));
            _relevantCounts[query] = count;
        }
        return count;
    }
}
