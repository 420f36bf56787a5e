namespace Recommender.Core.Errors;

/// <summary>
/// A request argument is wrong (INVALID_ARGUMENT). <see cref="Field"/> names it the way the client
/// sent it (<c>articles[3].title</c>, <c>options.limit</c>).
/// </summary>
public sealed class RequestValidationException(string field, string description)
    : Exception($"{field}: {description}")
{
    public string Field { get; } = field;
    public string Description { get; } = description;
}
