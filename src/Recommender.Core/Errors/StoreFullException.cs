namespace Recommender.Core.Errors;

/// <summary>The store is too full to take this write without risking what it holds; nothing was written (RESOURCE_EXHAUSTED).</summary>
public sealed class StoreFullException(string message) : QuotaExceededException(message, ErrorReason.StoreFull);
