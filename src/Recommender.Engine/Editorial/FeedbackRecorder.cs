using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Core.Storage;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Editorial;

/// <summary>
/// Issues the signed ids that name related lists, and counts readers' impressions and clicks on
/// them, each (list, kind, position) once, under its position and the article's section.
/// </summary>
internal sealed class FeedbackRecorder(
    EngineScope scope, IFeedbackStore store, StoreAvailability availability, FeedbackDeduplication deduplication, InputLimits limits, ServingState state,
    RecommendationIds recommendationIds)
{
    /// <summary>How far in the future an id's issue time may lie (replicas' clocks differ).</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A signed id of the list of <paramref name="articleIds"/> (in order), which feedback must name.</summary>
    public string Issue(IReadOnlyList<string> articleIds) => recommendationIds.Issue(scope.Namespace, scope.Clock.GetUtcNow(), articleIds);

    /// <summary>
    /// Counts the events. Every event must name a recommendation id this service issued for this
    /// namespace within the feedback window, and the article that stood at its position in that
    /// list; otherwise the whole batch is refused and nothing is counted.
    /// </summary>
    public async Task<int> RecordAsync(IReadOnlyList<FeedbackEvent> events, CancellationToken cancellationToken)
    {
        var lists = Validate(events);
        availability.Ensure();
        var index = state.Current.Index;
        var records = events
            .Select((e, i) => new FeedbackRecord(
                e, index.TryGet(e.ArticleId, out var info, out _) ? info.Section : "", lists[i].IssuedAt, lists[i].Nonce.ToArray()))
            .ToList();
        return await store.RecordFeedbackAsync(records, deduplication, cancellationToken);
    }

    /// <summary>Click-through so far; null while the store is unreachable.</summary>
    public async Task<FeedbackStats?> GetAsync(CancellationToken cancellationToken)
    {
        if (!availability.IsAvailable)
        {
            return null; // known unreachable: answer now rather than after the store's timeout
        }
        try
        {
            return await store.GetFeedbackAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>Checks every event and returns the list each names.</summary>
    private RecommendationIds.IssuedList[] Validate(IReadOnlyList<FeedbackEvent> events)
    {
        var window = deduplication.Window;
        ArticleRules.ValidateBatchSize(events.Count, "events", limits);
        for (var i = 0; i < events.Count; i++)
        {
            events[i].Validate($"events[{i}].", limits);
        }
        var now = scope.Clock.GetUtcNow();
        var lists = new RecommendationIds.IssuedList[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var prefix = $"events[{i}].";
            var e = events[i];
            if (recommendationIds.Read(scope.Namespace, e.RecommendationId) is not { } list || list.IssuedAt > now + ClockSkew)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"was not issued by this service for namespace '{scope.Namespace}' (use RelatedResponse.recommendation_id as returned)");
            }
            if (now - list.IssuedAt > window)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"is older than the feedback window ({window.TotalDays:0.##} days, {EngineOptions.SectionName}:FeedbackDeduplicationWindow)");
            }
            if (e.Position > list.Items)
            {
                throw new RequestValidationException(prefix + "position", $"is beyond the {list.Items} item(s) of that list");
            }
            if (!list.Listed(e.Position, e.ArticleId))
            {
                throw new RequestValidationException(prefix + "article_id", $"'{e.ArticleId}' was not at position {e.Position} of that list");
            }
            lists[i] = list;
        }
        return lists;
    }
}
