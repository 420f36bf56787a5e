using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Index;

namespace Recommender.Core.Ranking;

/// <summary>
/// One suggestion: its final score and what made it (the cosine similarity to the expanded query,
/// the freshness and language factors that multiplied it, the diversity penalty MMR weighed against
/// it) and, when asked for, the terms it shares with the query article.
/// </summary>
public sealed record RelatedItem(ArticleInfo Article, float Score, float Similarity, float Freshness, float LanguageFactor)
{
    public float DiversityPenalty { get; init; }

    /// <summary>In a list for several articles: the given ones it comes from, nearest first.</summary>
    public IReadOnlyList<string> BasedOn { get; init; } = [];

    public IReadOnlyList<Abstractions.SharedTerm>? Terms { get; init; }

    /// <summary>The editorial rule that placed it, when one did.</summary>
    public string? EditorialRule { get; init; }
}

/// <summary>
/// Turns nearest neighbours into the list a reader sees:
/// <list type="number">
/// <item>expand the query toward its nearest neighbours (pseudo-relevance feedback);</item>
/// <item>search candidates that pass the filters and are not a copy of the query article;</item>
/// <item>multiply each cosine by a recency decay and a same-language preference;</item>
/// <item>pick greedily, best first or by maximal marginal relevance, never two copies of one story;</item>
/// <item>apply the editors' rules: blocked articles never enter, pinned ones go to their positions.</item>
/// </list>
/// A copy is the same normalized body, or a body whose shingles overlap at least
/// <see cref="RankingOptions.NearDuplicateSimilarity"/>.
/// </summary>
public static class RelatedRanker
{
    /// <param name="index">The index to search.</param>
    /// <param name="vector">The query article's vector.</param>
    /// <param name="query">Limit, filters and per-request ranking choices.</param>
    /// <param name="self">The query article (for a draft: its text's fingerprints, no id).</param>
    /// <param name="options">Server-wide ranking settings.</param>
    /// <param name="now">Reference time for a query without a publication date, and for rules' expiry.</param>
    /// <param name="rules">The editorial rules of the namespace; none when null.</param>
    public static IReadOnlyList<RelatedItem> Rank(
        VectorIndex index, float[] vector, RelatedQuery query, ArticleInfo self, RankingOptions options, DateTimeOffset now, RuleSet? rules = null)
    {
        rules ??= RuleSet.Empty;
        bool IsQueryOrCopy(ArticleInfo candidate) => candidate.Id == self.Id || IsCopy(candidate, self, options);
        bool Eligible(ArticleInfo candidate) => query.Accepts(candidate, self) && !rules.Blocks(candidate, self, now) && !IsQueryOrCopy(candidate);

        // A stored article's list comes from its candidates (see VectorIndex.Neighbours) when they
        // suffice; a draft (no id), or a list the filters leave short, searches the index.
        var stored = self.Id.Length > 0 ? self.Id : null;
        var expanded = Expand(index, vector, options, IsQueryOrCopy, stored);
        return Select(index, [(expanded, 1f)], query, self, options, now, Eligible, keep: null, rules.PinsFor(self, now), expanded, stored);
    }

    /// <summary>Two texts of one story: the same normalized body, or bodies whose shingles mostly overlap.</summary>
    internal static bool IsCopy(ArticleInfo a, ArticleInfo b, RankingOptions options) =>
        a.BodyHash == b.BodyHash ||
        MinHash.Similarity(a.BodyMinHash, b.BodyMinHash) >= options.NearDuplicateSimilarity;

    /// <summary>
    /// The list for one query vector, or for several fused by weighted reciprocal rank: search what
    /// is <paramref name="eligible"/>, score, keep what <paramref name="keep"/> lets through, pick,
    /// widen the search while the list is short and the index is not spent, then place the pins.
    /// </summary>
    /// <param name="self">The article the list is for (its language, date and copies); in a list for several, the first.</param>
    /// <param name="pinReference">The vector a pinned article's similarity is measured against.</param>
    /// <param name="neighboursOf">
    /// A stored article whose candidates are ranked first (one query only): when they fill the list,
    /// no search runs.
    /// </param>
    internal static IReadOnlyList<RelatedItem> Select(
        VectorIndex index, IReadOnlyList<(float[] Vector, float Weight)> queries, RelatedQuery query, ArticleInfo self, RankingOptions options,
        DateTimeOffset now, Func<ArticleInfo, bool> eligible, Func<SearchHit, bool>? keep, IReadOnlyList<EditorialRule> pins, float[] pinReference,
        string? neighboursOf = null)
    {
        bool IsCopyOf(ArticleInfo a, ArticleInfo b) => IsCopy(a, b, options);
        var reference = self.Published ?? now;
        var halfLife = query.FreshnessHalfLife ?? options.FreshnessHalfLife;
        var diversity = (float)(query.Diversity ?? options.Diversity);
        var withVectors = diversity > 0 || keep is not null;

        if (neighboursOf is not null && queries.Count == 1 && index.Neighbours(neighboursOf, queries[0].Vector, eligible, withVectors) is { } candidates)
        {
            var pool = candidates
                .Where(h => keep is null || keep(h))
                .Select(h => Score(h, halfLife, self, options, reference))
                .Where(c => query.MinScore is not { } floor || c.Item.Score >= floor)
                .ToList();
            var picked = Pick(pool, query.Limit, diversity, IsCopyOf);
            if (picked.Count == query.Limit)
            {
                return ApplyPins(index, pinReference, picked.Select(c => c.Item).ToList(), pins, query.Limit, eligible, IsCopyOf);
            }
        }

        var k = InitialCandidates(query.Limit, diverse: diversity > 0);
        while (true)
        {
            var lists = queries.Select(q => index.Search(q.Vector, k, eligible, withVectors)).ToList();
            var scored = lists.Select(hits => hits.Where(h => keep is null || keep(h)).Select(h => Score(h, halfLife, self, options, reference)).ToList()).ToList();
            var pool = (queries.Count == 1 ? scored[0] : Fuse(scored, queries))
                .Where(c => query.MinScore is not { } floor || c.Item.Score >= floor)
                .ToList();
            var picked = Pick(pool, query.Limit, diversity, IsCopyOf);
            // A score never exceeds its similarity, and hits come by similarity: once the last of a
            // single list is below the floor, a wider search cannot find more above it.
            var spent = lists.All(hits => hits.Count < k) ||
                (queries.Count == 1 && query.MinScore is { } minimum && lists[0].Count > 0 && lists[0][^1].Score < minimum);
            if (picked.Count == query.Limit || spent)
            {
                return ApplyPins(index, pinReference, picked.Select(c => c.Item).ToList(), pins, query.Limit, eligible, IsCopyOf);
            }
            k *= WidenFactor;
        }
    }

    /// <summary>Rank constant of reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009).</summary>
    private const int FusionRankConstant = 60;

    /// <summary>
    /// Fuses ranked lists: each candidate scores the sum over lists of weight / (60 + its rank there),
    /// divided by what a candidate first in every list would score, so scores stay in 0-1; its
    /// similarity and factors are those of the list where it ranked best.
    /// </summary>
    private static List<Candidate> Fuse(List<List<Candidate>> lists, IReadOnlyList<(float[] Vector, float Weight)> queries)
    {
        var best = double.Epsilon + queries.Sum(q => q.Weight) / (FusionRankConstant + 1.0);
        var fused = new Dictionary<string, (Candidate Candidate, double Score)>(StringComparer.Ordinal);
        for (var l = 0; l < lists.Count; l++)
        {
            var ranked = lists[l].OrderByDescending(c => c.Item.Score).ThenBy(c => c.Item.Article.Id, StringComparer.Ordinal).ToList();
            for (var r = 0; r < ranked.Count; r++)
            {
                var candidate = ranked[r];
                var add = queries[l].Weight / (double)(FusionRankConstant + r + 1);
                fused[candidate.Item.Article.Id] = fused.TryGetValue(candidate.Item.Article.Id, out var seen)
                    ? (seen.Candidate.Item.Score >= candidate.Item.Score ? seen.Candidate : candidate, seen.Score + add)
                    : (candidate, add);
            }
        }
        return fused.Values.Select(f => f.Candidate with { Item = f.Candidate.Item with { Score = (float)(f.Score / best) } }).ToList();
    }

    /// <summary>
    /// Candidates fetched for a list of <paramref name="limit"/>. Copies of one story sit together in
    /// the ranking, so a few spare usually suffice (more when diversity may pass over the best); when
    /// they do not, the search widens by <see cref="WidenFactor"/> until the list is full or the index is spent.
    /// </summary>
    private static int InitialCandidates(int limit, bool diverse) =>
        diverse ? (limit * DiverseCandidatesPerItem) + DiverseSpareCandidates : (limit * CandidatesPerItem) + SpareCandidates;

    private const int CandidatesPerItem = 2;
    private const int SpareCandidates = 10;
    private const int DiverseCandidatesPerItem = 4;
    private const int DiverseSpareCandidates = 20;
    private const int WidenFactor = 4;

    /// <summary>
    /// Puts each pinned article at its position (in order of position, so earlier pins keep theirs),
    /// taking it and any copy of it out of where ranking put them. A pinned article that the
    /// request's filters or a block leave out, or that is not stored, is skipped.
    /// </summary>
    private static List<RelatedItem> ApplyPins(
        VectorIndex index, float[] expanded, List<RelatedItem> items, IReadOnlyList<EditorialRule> pins, int limit,
        Func<ArticleInfo, bool> eligible, Func<ArticleInfo, ArticleInfo, bool> isCopy)
    {
        foreach (var pin in pins)
        {
            if (!index.TryGet(pin.ArticleId, out var article, out var vector) || !eligible(article))
            {
                continue;
            }
            items.RemoveAll(i => i.Article.Id == article.Id || isCopy(i.Article, article));
            var similarity = VectorMath.Dot(expanded, vector);
            // A list shorter than the pin's position (or a limit below it) ends with the pin.
            items.Insert(Math.Min(pin.Position - 1, Math.Min(items.Count, limit - 1)), new RelatedItem(article, similarity, similarity, 1f, 1f)
            {
                EditorialRule = $"pinned at position {pin.Position} by rule {pin.Id}",
            });
        }
        if (items.Count > limit)
        {
            items.RemoveRange(limit, items.Count - limit);
        }
        return items;
    }

    /// <summary>A hit being ranked; its vector is there only when diversity (or a history's unlike) needs it.</summary>
    private sealed record Candidate(RelatedItem Item, float[]? Vector);

    /// <summary>
    /// The query moved toward the mean of its nearest distinct neighbours, renormalized. The
    /// neighbours of a stored article (<paramref name="neighboursOf"/>) come from its candidates when
    /// they hold enough, otherwise from a search.
    /// </summary>
    internal static float[] Expand(VectorIndex index, float[] vector, RankingOptions options, Func<ArticleInfo, bool> isQueryOrCopy, string? neighboursOf = null)
    {
        if (options.ExpansionNeighbours == 0 || options.ExpansionWeight == 0)
        {
            return vector;
        }
        var wanted = options.ExpansionNeighbours * 2 + 2;
        var hits = neighboursOf is not null && index.Neighbours(neighboursOf, vector, c => !isQueryOrCopy(c), withVectors: true, max: wanted) is { } listed && listed.Count == wanted
            ? listed
            : index.Search(vector, wanted, c => !isQueryOrCopy(c), withVectors: true);
        var stories = new HashSet<string>(StringComparer.Ordinal);
        var neighbours = hits
            .Where(h => stories.Add(h.Article.BodyHash))
            .Take(options.ExpansionNeighbours)
            .ToList();
        if (neighbours.Count == 0)
        {
            return vector;
        }
        var expanded = (float[])vector.Clone();
        var weight = (float)(options.ExpansionWeight / neighbours.Count);
        foreach (var neighbour in neighbours)
        {
            for (var d = 0; d < expanded.Length; d++)
            {
                expanded[d] += weight * neighbour.Vector![d];
            }
        }
        VectorMath.Normalize(expanded);
        return expanded;
    }

    private static Candidate Score(SearchHit hit, TimeSpan? halfLife, ArticleInfo self, RankingOptions options, DateTimeOffset reference)
    {
        var freshness = 1f;
        if (halfLife > TimeSpan.Zero && hit.Article.Published is { } published)
        {
            var age = (reference - published).Duration();
            freshness = (float)Math.Pow(0.5, age / halfLife.Value);
        }
        var language = SameLanguage(self.Language, hit.Article.Language) ? 1f : (float)options.OtherLanguageFactor;
        var similarity = hit.Score;
        // Decay and preference shrink a positive similarity; they must not lift a negative one.
        var score = similarity > 0 ? similarity * freshness * language : similarity;
        return new Candidate(new RelatedItem(hit.Article, score, similarity, freshness, language), hit.Vector);
    }

    /// <summary>True unless both carry a language and their primary subtags differ ("en-GB" matches "en").</summary>
    internal static bool SameLanguage(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return true;
        }
        static ReadOnlySpan<char> Primary(string tag) => tag.AsSpan(0, tag.IndexOfAny(['-', '_']) is var i and >= 0 ? i : tag.Length);
        return Primary(a).Equals(Primary(b), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Greedy selection. Without diversity: best score first. With diversity d: maximal marginal
    /// relevance, each step taking the candidate with the best (1 − d)·score − d·(its highest
    /// similarity to anything already picked). Copies of a picked story are skipped either way.
    /// </summary>
    private static List<Candidate> Pick(List<Candidate> pool, int limit, float d, Func<ArticleInfo, ArticleInfo, bool> isCopy)
    {
        pool.Sort((a, b) => b.Item.Score != a.Item.Score
            ? b.Item.Score.CompareTo(a.Item.Score)
            : string.CompareOrdinal(a.Item.Article.Id, b.Item.Article.Id));
        var picked = new List<Candidate>(limit);
        var maxSimilarity = new float[pool.Count];
        Array.Fill(maxSimilarity, float.NegativeInfinity);
        var used = new bool[pool.Count];
        while (picked.Count < limit)
        {
            var best = -1;
            var bestValue = float.NegativeInfinity;
            for (var i = 0; i < pool.Count; i++)
            {
                if (used[i])
                {
                    continue;
                }
                var value = d == 0 || picked.Count == 0
                    ? pool[i].Item.Score
                    : (1 - d) * pool[i].Item.Score - d * maxSimilarity[i];
                if (value > bestValue)
                {
                    (best, bestValue) = (i, value);
                }
                if (d == 0)
                {
                    break; // sorted: the first unused candidate is the best
                }
            }
            if (best < 0)
            {
                break;
            }
            used[best] = true;
            var chosen = pool[best];
            if (picked.Any(p => isCopy(p.Item.Article, chosen.Item.Article)))
            {
                continue;
            }
            if (d > 0 && picked.Count > 0)
            {
                chosen = chosen with { Item = chosen.Item with { DiversityPenalty = d * maxSimilarity[best] } };
            }
            picked.Add(chosen);
            if (d > 0)
            {
                for (var i = 0; i < pool.Count; i++)
                {
                    if (!used[i])
                    {
                        maxSimilarity[i] = Math.Max(maxSimilarity[i], VectorMath.Dot(pool[i].Vector!, chosen.Vector!));
                    }
                }
            }
        }
        return picked;
    }
}
