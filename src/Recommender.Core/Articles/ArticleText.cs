namespace Recommender.Core.Articles;

/// <summary>The text the featurizer reads, and its language tag when the CMS sent one ("" to detect it).</summary>
public readonly record struct ArticleText(string Title, string Body, string Language = "");
