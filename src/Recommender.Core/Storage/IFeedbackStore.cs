using Recommender.Core.Feedback;

namespace Recommender.Core.Storage;

/// <summary>Readers' impressions and clicks, counted once each.</summary>
public interface IFeedbackStore
{
    /// <summary>
    /// Counts each event once per (list, kind, position) as <paramref name="deduplication"/> allows,
    /// under its kind, position and section; returns how many were counted now. The storage this
    /// takes is bounded by the counters' fields and the deduplication's capacity, never by the events sent.
    /// </summary>
    Task<int> RecordFeedbackAsync(IReadOnlyList<FeedbackRecord> events, FeedbackDeduplication deduplication, CancellationToken cancellationToken);

    /// <summary>Impressions and clicks recorded so far.</summary>
    Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken);
}
