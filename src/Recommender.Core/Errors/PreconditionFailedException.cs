namespace Recommender.Core.Errors;

/// <summary>
/// The request is well formed but the namespace's state refuses it (FAILED_PRECONDITION): a refit
/// with no articles stored, deleting the default namespace. Retrying unchanged will not help.
/// </summary>
public sealed class PreconditionFailedException(string message, string reason) : ReasonedException(message, reason);
