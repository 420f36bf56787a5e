using Recommender.Core.Feedback;

namespace Recommender.Core.Storage;

/// <summary>Readers' impressions and clicks, counted once each.</summary>
public interface IFeedbackStore
{
    /// <summary>
    /// Counts each event once per (recommendation id, kind, position) within <paramref name="window"/>,
    /// under its position and the given section; returns how many were counted now.
    /// </summary>
    Task<int> RecordFeedbackAsync(IReadOnlyList<(FeedbackEvent Event, string Section)> events, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Impressions and clicks recorded so far.</summary>
    Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken);
}
