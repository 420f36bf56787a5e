using Recommender.Core.Articles;
using Recommender.Core.Index;

namespace Recommender.Core.Ranking;

/// <summary>One suggestion in a related list.</summary>
public sealed record RelatedItem(ArticleInfo Article, float Score);

/// <summary>
/// Turns nearest neighbours into a list a reader sees: filters applied, the query article and any
/// copy of its story left out, and never two copies of one story (same normalized body).
/// </summary>
public static class RelatedRanker
{
    /// <param name="index">The index to search.</param>
    /// <param name="vector">The query article's vector.</param>
    /// <param name="query">Limit and filters.</param>
    /// <param name="self">The stored query article, or null for a draft.</param>
    public static IReadOnlyList<RelatedItem> Rank(VectorIndex index, ReadOnlySpan<float> vector, RelatedQuery query, ArticleInfo? self)
    {
        bool Accept(ArticleInfo candidate) =>
            query.Accepts(candidate) &&
            (self is null || (candidate.Id != self.Id && candidate.BodyHash != self.BodyHash));

        // Duplicates of one story sit next to each other in the ranking, so a few spare candidates
        // usually suffice; when they do not, widen the search until the list is full or the index is spent.
        var k = query.Limit * 2 + 8;
        while (true)
        {
            var hits = index.Search(vector, k, Accept);
            var items = new List<RelatedItem>(query.Limit);
            var stories = new HashSet<string>(StringComparer.Ordinal);
            foreach (var hit in hits)
            {
                if (stories.Add(hit.Article.BodyHash))
                {
                    items.Add(new RelatedItem(hit.Article, hit.Score));
                    if (items.Count == query.Limit)
                    {
                        return items;
                    }
                }
            }
            if (hits.Count < k)
            {
                return items;
            }
            k *= 4;
        }
    }
}
