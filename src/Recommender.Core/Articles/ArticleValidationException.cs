namespace Recommender.Core.Articles;

/// <summary>A request argument is wrong. <see cref="Field"/> names it the way the client sent it.</summary>
public sealed class ArticleValidationException(string field, string description)
    : Exception($"{field}: {description}")
{
    public string Field { get; } = field;
    public string Description { get; } = description;
}
