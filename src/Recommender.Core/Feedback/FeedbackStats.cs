namespace Recommender.Core.Feedback;

/// <summary>Impressions and clicks under one key (a position or a section).</summary>
public sealed record FeedbackCount(string Key, long Impressions, long Clicks)
{
    public double ClickThroughRate => Impressions == 0 ? 0 : (double)Clicks / Impressions;
}

/// <summary>Click-through of a namespace's related lists.</summary>
public sealed record FeedbackStats(long Impressions, long Clicks, IReadOnlyList<FeedbackCount> ByPosition, IReadOnlyList<FeedbackCount> BySection);
