using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Ranking;

/// <summary>How the lists of several given articles become one.</summary>
public enum HistoryStrategy
{
    /// <summary>One query: the weighted mean of the liked articles' vectors minus the mean of the unliked ones.</summary>
    Centroid,

    /// <summary>
    /// A list per liked article, fused by weighted reciprocal rank, so that a history of two
    /// unrelated topics gets suggestions on each rather than between them; candidates nearer to an
    /// unliked article than to every liked one are dropped.
    /// </summary>
    Fusion,
}

/// <summary>One article of a reading history, and how much it counts (0: 1).</summary>
public sealed record LikedArticle(string Id, float Weight = 0);

/// <summary>
/// A list for several articles (a reader's history, a topic or tag page, a newsletter), as a request
/// gave it (unchecked): <see cref="Validate"/> checks it.
/// </summary>
/// <param name="Like">The articles the list is for, most recent first; 1 to <see cref="MaxArticles"/>.</param>
/// <param name="Unlike">Articles whose like the list should avoid ("less like this"); at most <see cref="MaxArticles"/>.</param>
/// <param name="Strategy">How the lists of the liked articles become one.</param>
/// <param name="RecencyDecay">0 to below 1: each liked article counts (1 − decay) times as much as the one before it; 0: all alike.</param>
public sealed record HistoryOptions(
    IReadOnlyList<LikedArticle> Like, IReadOnlyList<string> Unlike, HistoryStrategy Strategy = HistoryStrategy.Centroid, double RecencyDecay = 0)
{
    /// <summary>The most liked, and the most unliked, articles one list takes.</summary>
    public const int MaxArticles = 50;

    /// <summary>
    /// The liked articles with the weight each counts for (its own, times the recency decay of its
    /// place), an id given twice once (at its first place); throws naming the field that is wrong.
    /// </summary>
    public IReadOnlyList<LikedArticle> Validate(InputLimits limits)
    {
        if (Like.Count == 0 || Like.Count > MaxArticles)
        {
            throw new RequestValidationException("like", $"must hold 1 to {MaxArticles} articles");
        }
        if (Unlike.Count > MaxArticles)
        {
            throw new RequestValidationException("unlike", $"must hold at most {MaxArticles} ids");
        }
        if (double.IsNaN(RecencyDecay) || RecencyDecay < 0 || RecencyDecay >= 1)
        {
            throw new RequestValidationException("recency_decay", "must be at least 0 and below 1");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var weighted = new List<LikedArticle>(Like.Count);
        for (var i = 0; i < Like.Count; i++)
        {
            var (id, weight) = (Like[i].Id, Like[i].Weight);
            ArticleRules.ValidateId(id, $"like[{i}].id", limits);
            if (!float.IsFinite(weight) || weight < 0)
            {
                throw new RequestValidationException($"like[{i}].weight", "must be a positive number (0 means 1)");
            }
            if (seen.Add(id))
            {
                weighted.Add(new LikedArticle(id, (weight == 0 ? 1 : weight) * (float)Math.Pow(1 - RecencyDecay, i)));
            }
        }
        for (var i = 0; i < Unlike.Count; i++)
        {
            ArticleRules.ValidateId(Unlike[i], $"unlike[{i}]", limits);
        }
        return weighted;
    }
}
