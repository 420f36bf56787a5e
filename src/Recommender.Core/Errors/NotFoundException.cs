namespace Recommender.Core.Errors;

/// <summary>Something the request names does not exist (NOT_FOUND).</summary>
public class NotFoundException(string message, string reason) : ReasonedException(message, reason);
