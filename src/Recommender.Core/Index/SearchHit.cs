using Recommender.Core.Articles;

namespace Recommender.Core.Index;

/// <summary>One search result: the article, its cosine similarity to the query and, when asked for, its vector.</summary>
public sealed record SearchHit(ArticleInfo Article, float Score, float[]? Vector);
