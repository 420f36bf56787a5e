namespace Recommender.Core.Errors;

/// <summary>The article id is not stored (NOT_FOUND).</summary>
public sealed class ArticleNotFoundException(string id) : NotFoundException($"Article '{id}' is not stored.", ErrorReason.ArticleNotFound)
{
    public string Id { get; } = id;
}
