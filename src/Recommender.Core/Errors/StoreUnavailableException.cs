namespace Recommender.Core.Errors;

/// <summary>The store could not be reached or did not answer in time (UNAVAILABLE); retrying later may succeed.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : ReasonedException(message, ErrorReason.StoreUnavailable, inner);
