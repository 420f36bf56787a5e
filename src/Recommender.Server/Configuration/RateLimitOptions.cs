using System.ComponentModel.DataAnnotations;

namespace Recommender.Server.Configuration;

/// <summary>Per-client request rates. Section "Recommender:RateLimit".</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Recommender:RateLimit";

    /// <summary>Sustained requests per second one client may make; 0 (the default) turns limiting off.</summary>
    [Range(0, 1_000_000, ErrorMessage = "Recommender:RateLimit:RequestsPerSecond must be between {1} and {2}.")]
    public int RequestsPerSecond { get; set; }

    /// <summary>Requests a client may make at once above the sustained rate.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Recommender:RateLimit:Burst must be between {1} and {2}.")]
    public int Burst { get; set; } = 100;

    /// <summary>
    /// Feedback requests (RecordFeedback, open to readers' browsers) per second one client may make,
    /// on a bucket of their own; on by default. 0 turns it off.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "Recommender:RateLimit:FeedbackRequestsPerSecond must be between {1} and {2}.")]
    public int FeedbackRequestsPerSecond { get; set; } = 20;

    /// <summary>Feedback requests a client may make at once above its sustained rate.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Recommender:RateLimit:FeedbackBurst must be between {1} and {2}.")]
    public int FeedbackBurst { get; set; } = 50;
}
