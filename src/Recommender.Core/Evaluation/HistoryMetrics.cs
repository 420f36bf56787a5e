using Recommender.Core.Articles;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Relevance of lists for several articles, with the label-sharing metric of shared/EVALUATION.md:
/// for each query article, a history of k articles sharing one of its labels (the query first, the
/// others drawn at random with a fixed seed), scored as P@10 against the query's labels; and mixed
/// histories, two articles of one label and two of another, scored by the share of the list that
/// serves each label.
/// </summary>
public sealed class HistoryMetrics
{
    private readonly Dictionary<string, HashSet<string>> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byLabel = new(StringComparer.Ordinal);

    public HistoryMetrics(IEnumerable<ArticleLine> corpus)
    {
        foreach (var line in corpus)
        {
            _labels[line.Article.Id] = new HashSet<string>(line.Labels, StringComparer.Ordinal);
            foreach (var label in line.Labels)
            {
                (_byLabel.TryGetValue(label, out var ids) ? ids : _byLabel[label] = []).Add(line.Article.Id);
            }
        }
    }

    /// <summary>For each query that has k − 1 others sharing its first label: the query, then those others.</summary>
    public IReadOnlyList<(string Query, IReadOnlyList<string> History)> SameLabel(IEnumerable<string> queries, int k, int seed = 1)
    {
        var random = new Random(seed);
        var histories = new List<(string, IReadOnlyList<string>)>();
        foreach (var query in queries)
        {
            if (_labels[query].FirstOrDefault() is not { } label)
            {
                continue;
            }
            var others = _byLabel[label].Where(id => id != query).ToList();
            if (others.Count >= k - 1)
            {
                histories.Add((query, [query, .. Draw(others, k - 1, random)]));
            }
        }
        return histories;
    }

    /// <summary>For each query: it and one more of its first label, then two of another label (drawn at random), interleaved.</summary>
    public IReadOnlyList<(string A, string B, IReadOnlyList<string> History)> Mixed(IEnumerable<string> queries, int seed = 1)
    {
        var random = new Random(seed);
        var labels = _byLabel.Keys.Order(StringComparer.Ordinal).ToList();
        var histories = new List<(string, string, IReadOnlyList<string>)>();
        foreach (var query in queries)
        {
            if (_labels[query].FirstOrDefault() is not { } a || labels.Count < 2)
            {
                continue;
            }
            var b = labels.Where(l => !_labels[query].Contains(l)).ElementAt(random.Next(labels.Count(l => !_labels[query].Contains(l))));
            var sameA = _byLabel[a].Where(id => id != query).ToList();
            var ofB = _byLabel[b].Where(id => !_labels[id].Contains(a)).ToList();
            if (sameA.Count >= 1 && ofB.Count >= 2)
            {
                var drawnB = Draw(ofB, 2, random);
                histories.Add((a, b, [query, drawnB[0], Draw(sameA, 1, random)[0], drawnB[1]]));
            }
        }
        return histories;
    }

    /// <summary>The share of the first ten places (missing places are misses) held by articles with <paramref name="label"/>.</summary>
    public double Share(string label, IReadOnlyList<string> related) =>
        related.Take(10).Count(id => _labels.TryGetValue(id, out var l) && l.Contains(label)) / 10.0;

    /// <summary>P@10 of a list for <paramref name="query"/>'s history: the share of the first ten places sharing a label with the query.</summary>
    public double PrecisionAt10(string query, IReadOnlyList<string> related) =>
        related.Take(10).Count(id => id != query && _labels.TryGetValue(id, out var l) && l.Overlaps(_labels[query])) / 10.0;

    private static List<string> Draw(List<string> from, int count, Random random) =>
        from.OrderBy(_ => random.Next()).Take(count).ToList();
}
