using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Storage;

namespace Recommender.Engine.Serving;

/// <summary>
/// The one way articles reach an index: with their stored vector when it is of the index's model,
/// otherwise read whole and embedded now (and, when asked, the new vectors written back, so the
/// next reader finds them).
/// </summary>
internal sealed class IndexFeeder(IArticleStore store, int batchSize)
{
    /// <summary>
    /// Adds <paramref name="stored"/> articles to <paramref name="index"/>; those without a usable
    /// vector are embedded with <paramref name="model"/> (fetched only then). Returns how many were embedded.
    /// </summary>
    /// <param name="persistVersion">The model version to write new vectors under; null to keep them in memory only.</param>
    public async Task<int> FeedStoredAsync(
        VectorIndex index, IEnumerable<StoredArticle> stored, Func<Task<IFeaturizerModel>> model, string? persistVersion, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        var ready = new List<(ArticleInfo, float[])>();
        foreach (var article in stored)
        {
            if (article.Vector is { } vector && vector.Length == index.Dimensions)
            {
                ready.Add((article.ToInfo(), vector));
            }
            else
            {
                missing.Add(article.Article.Id);
            }
        }
        index.UpsertMany(ready);
        foreach (var chunk in missing.Chunk(batchSize))
        {
            await EmbedAsync(index, await store.GetArticlesAsync(chunk, cancellationToken), await model(), persistVersion, cancellationToken);
        }
        return missing.Count;
    }

    /// <summary>Embeds whole <paramref name="articles"/>, writes their vectors of <paramref name="persistVersion"/> (when given) and adds them to <paramref name="index"/>.</summary>
    /// <param name="known">
    /// An index whose entry of an article is reused when the article is unchanged (a refit's new
    /// index then shares the serving one's metadata instead of holding a copy, and its
    /// near-duplicate signature is not computed again).
    /// </param>
    public async Task EmbedAsync(
        VectorIndex index, IReadOnlyList<Article> articles, IFeaturizerModel model, string? persistVersion, CancellationToken cancellationToken,
        VectorIndex? known = null)
    {
        var vectors = model.Embed(articles.Select(a => a.ToText()).ToList());
        if (persistVersion is not null)
        {
            await store.WriteVectorsAsync(persistVersion, articles.Select((a, i) => (a.Id, vectors[i])).ToList(), cancellationToken);
        }
        index.UpsertMany(articles.Select((article, i) =>
            (known is not null && known.TryGetInfo(article.Id, out var info) && Unchanged(info, article) ? info : article.ToInfo(), vectors[i])).ToList());
    }

    private static bool Unchanged(ArticleInfo info, Article article) =>
        info.Title == article.Title && info.Url == article.Url && info.Section == article.Section && info.Language == article.Language &&
        info.Published == article.Published && info.Tags.SequenceEqual(article.Tags, StringComparer.Ordinal) &&
        info.BodyHash == ContentHash.OfBody(article.Body);
}
