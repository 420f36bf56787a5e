namespace Recommender.Core.Errors;

/// <summary>
/// The store is too full to take this write without risking what it holds (its memory, or the disk
/// it writes to: <see cref="ErrorReason.DiskFull"/>); nothing was written (RESOURCE_EXHAUSTED).
/// </summary>
public sealed class StoreFullException(string message, string reason = ErrorReason.StoreFull) : QuotaExceededException(message, reason);
