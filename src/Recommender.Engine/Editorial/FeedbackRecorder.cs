using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Editorial;

/// <summary>
/// Issues the signed ids that name related lists, and counts readers' impressions and clicks on
/// them, each (list, kind, position) once, under its position and the article's section.
/// </summary>
internal sealed class FeedbackRecorder(EngineContext context, ServingState state, RecommendationIds recommendationIds)
{
    /// <summary>How far in the future an id's issue time may lie (replicas' clocks differ).</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A signed id of a list of <paramref name="items"/>, which feedback must name.</summary>
    public string Issue(int items) => recommendationIds.Issue(context.Namespace, context.Clock.GetUtcNow(), items);

    /// <summary>
    /// Counts the events. Every event must name a recommendation id this service issued for this
    /// namespace within the feedback window, and a position within that list; otherwise the whole
    /// batch is refused and nothing is counted.
    /// </summary>
    public async Task<int> RecordAsync(IReadOnlyList<FeedbackEvent> events, CancellationToken cancellationToken)
    {
        Validate(events);
        context.EnsureStoreAvailable();
        var index = state.Current.Index;
        var withSections = events
            .Select(e => (e, index.TryGet(e.ArticleId, out var info, out _) ? info.Section : ""))
            .ToList();
        return await context.Store.Feedback.RecordFeedbackAsync(withSections, context.Options.FeedbackDeduplicationWindow, cancellationToken);
    }

    /// <summary>Click-through so far; null while the store is unreachable.</summary>
    public async Task<FeedbackStats?> GetAsync(CancellationToken cancellationToken)
    {
        if (!context.Store.IsAvailable)
        {
            return null; // known unreachable: answer now rather than after the store's timeout
        }
        try
        {
            return await context.Store.Feedback.GetFeedbackAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return null;
        }
    }

    private void Validate(IReadOnlyList<FeedbackEvent> events)
    {
        var limits = context.Limits;
        var window = context.Options.FeedbackDeduplicationWindow;
        ArticleRules.ValidateBatchSize(events.Count, "events", limits);
        for (var i = 0; i < events.Count; i++)
        {
            events[i].Validate($"events[{i}].", limits);
        }
        var now = context.Clock.GetUtcNow();
        for (var i = 0; i < events.Count; i++)
        {
            var prefix = $"events[{i}].";
            if (!recommendationIds.TryRead(context.Namespace, events[i].RecommendationId, out var issued, out var items) ||
                issued > now + ClockSkew)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"was not issued by this service for namespace '{context.Namespace}' (use RelatedResponse.recommendation_id as returned)");
            }
            if (now - issued > window)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"is older than the feedback window ({window.TotalDays:0.##} days, {EngineOptions.SectionName}:FeedbackDeduplicationWindow)");
            }
            if (events[i].Position > items)
            {
                throw new RequestValidationException(prefix + "position", $"is beyond the {items} item(s) of that list");
            }
        }
    }
}
