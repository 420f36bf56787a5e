using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine.Editorial;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Reads;

/// <summary>
/// Related lists of stored articles and of drafts, ranked from the in-memory index alone; only an
/// explained list reads the store (the texts of the query and its items). Also the title search.
/// </summary>
internal sealed class RelatedReader(
    IArticleStore store, StoreAvailability availability, RankingOptions ranking, TimeProvider clock, ServingState state, EditorialRules rules, FeedbackRecorder feedback)
{
    /// <summary>Shared terms shown per explained item.</summary>
    private const int ExplainedTerms = 8;

    /// <summary>The related list for a stored article.</summary>
    public async Task<RelatedList> GetRelatedAsync(string id, RelatedQuery query, CancellationToken cancellationToken)
    {
        var serving = state.Current;
        if (!serving.Index.TryGet(id, out var info, out var vector))
        {
            throw new ArticleNotFoundException(id);
        }
        var items = Rank(serving, vector, query, info);
        if (query.Explain && items.Count > 0)
        {
            items = await ExplainAsync(serving, null, info, items, cancellationToken);
        }
        return List(serving, items);
    }

    /// <summary>
    /// The list for several stored articles (<paramref name="likes"/>, with their weights, most
    /// recent first) away from <paramref name="unlikes"/>. Ids that are not stored are reported,
    /// not fatal, while one liked article is.
    /// </summary>
    public async Task<RelatedList> GetRelatedForHistoryAsync(
        IReadOnlyList<LikedArticle> likes, IReadOnlyList<string> unlikes, HistoryStrategy strategy, RelatedQuery query, CancellationToken cancellationToken)
    {
        var serving = state.Current;
        var unknown = new List<string>();
        List<HistoryArticle> Known(IEnumerable<(string Id, float Weight)> given)
        {
            var known = new List<HistoryArticle>();
            foreach (var (id, weight) in given)
            {
                if (serving.Index.TryGet(id, out var info, out var vector))
                {
                    known.Add(new HistoryArticle(info, vector, weight));
                }
                else
                {
                    unknown.Add(id);
                }
            }
            return known;
        }
        var liked = Known(likes.Select(l => (l.Id, l.Weight)));
        var unliked = Known(unlikes.Distinct(StringComparer.Ordinal).Select(id => (id, 1f)));
        if (liked.Count == 0)
        {
            throw new ArticleNotFoundException(likes[0].Id);
        }
        var items = HistoryRanker.Rank(serving.Index, liked, unliked, strategy, query, ranking, clock.GetUtcNow(), rules.Current);
        if (query.Explain && items.Count > 0)
        {
            items = await ExplainFromSourcesAsync(serving, items, cancellationToken);
        }
        return List(serving, items) with { UnknownIds = unknown };
    }

    /// <summary>The related list for a draft that is not stored; its section and tags select the editorial rules that apply.</summary>
    public async Task<RelatedList> PreviewAsync(
        ArticleText text, string section, IReadOnlyList<string> tags, RelatedQuery query, CancellationToken cancellationToken)
    {
        var serving = state.Current;
        var vector = (await serving.Model).Embed([text])[0];
        // A draft that repeats a stored story must not be shown that story.
        var draft = new ArticleInfo("", text.Title, "", section, tags, text.Language, null, ContentHash.OfBody(text.Body), MinHash.Of(text.Body));
        var items = Rank(serving, vector, query, draft);
        if (query.Explain && items.Count > 0)
        {
            items = await ExplainAsync(serving, text, draft, items, cancellationToken);
        }
        return List(serving, items);
    }

    /// <summary>
    /// A page of the stored articles whose title contains every word of <paramref name="text"/>,
    /// newest first, and the token of the next page ("" on the last).
    /// </summary>
    public (IReadOnlyList<ArticleInfo> Articles, string NextPageToken) SearchTitles(string text, int pageSize, string pageToken)
    {
        var offset = PageToken.DecodeOffset("search:" + text, pageToken);
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var found = state.Current.Index.Articles()
            .Where(a => words.All(w => a.Title.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(a => a.Published ?? DateTimeOffset.MinValue)
            .ThenBy(a => a.Title, StringComparer.OrdinalIgnoreCase)
            .ThenBy(a => a.Id, StringComparer.Ordinal)
            .Skip(offset)
            .Take(pageSize + 1)
            .ToList();
        var next = found.Count > pageSize
            ? PageToken.Encode("search:" + text, (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture))
            : "";
        return (found.Take(pageSize).ToList(), next);
    }

    private RelatedList List(ServingModel serving, IReadOnlyList<RelatedItem> items) =>
        new(items, serving.Info.Version, !availability.IsAvailable, feedback.Issue(items.Select(i => i.Article.Id).ToList()));

    private IReadOnlyList<RelatedItem> Rank(ServingModel serving, float[] vector, RelatedQuery query, ArticleInfo self) =>
        RelatedRanker.Rank(serving.Index, vector, query, self, ranking, clock.GetUtcNow(), rules.Current);

    /// <summary>Adds to each item of a list for several articles the terms it shares with the article it comes from most.</summary>
    private async Task<IReadOnlyList<RelatedItem>> ExplainFromSourcesAsync(ServingModel serving, IReadOnlyList<RelatedItem> items, CancellationToken cancellationToken)
    {
        // An item deleted from the index since it was ranked has no source: it is explained against nothing.
        static string Source(RelatedItem item) => item.BasedOn.Count > 0 ? item.BasedOn[0] : "";
        var ids = items.Select(i => i.Article.Id).Concat(items.Select(Source)).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var texts = (await store.GetArticlesAsync(ids, cancellationToken)).ToDictionary(a => a.Id, a => a.ToText(), StringComparer.Ordinal);
        ArticleText Text(ArticleInfo article) => texts.TryGetValue(article.Id, out var t) ? t : new ArticleText(article.Title, "");
        var model = await serving.Model;
        var explained = items.ToArray();
        foreach (var group in items.Select((item, i) => (item, i)).GroupBy(x => Source(x.item), StringComparer.Ordinal))
        {
            var source = serving.Index.TryGet(group.Key, out var info, out _) ? Text(info) : new ArticleText("", "");
            var terms = model.SharedTerms(source, group.Select(x => Text(x.item.Article)).ToList(), ExplainedTerms);
            var n = 0;
            foreach (var (item, i) in group)
            {
                explained[i] = item with { Terms = terms[n++] };
            }
        }
        return explained;
    }

    /// <summary>
    /// Adds to each item the terms it shares with the query, from the stored texts (the query's too
    /// when it is a stored article, <paramref name="query"/> null), read in one round trip.
    /// </summary>
    private async Task<IReadOnlyList<RelatedItem>> ExplainAsync(
        ServingModel serving, ArticleText? query, ArticleInfo self, IReadOnlyList<RelatedItem> items, CancellationToken cancellationToken)
    {
        var ids = items.Select(i => i.Article.Id).ToList();
        if (query is null)
        {
            ids.Add(self.Id);
        }
        var texts = (await store.GetArticlesAsync(ids, cancellationToken))
            .ToDictionary(a => a.Id, a => a.ToText(), StringComparer.Ordinal);
        var queryText = query ?? (texts.TryGetValue(self.Id, out var own) ? own : new ArticleText(self.Title, ""));
        var candidates = items.Select(i => texts.TryGetValue(i.Article.Id, out var t) ? t : new ArticleText(i.Article.Title, "")).ToList();
        var terms = (await serving.Model).SharedTerms(queryText, candidates, ExplainedTerms);
        return items.Select((item, i) => item with { Terms = terms[i] }).ToList();
    }
}
