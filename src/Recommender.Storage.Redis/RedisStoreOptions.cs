using System.ComponentModel.DataAnnotations;

namespace Recommender.Storage.Redis;

/// <summary>Where articles are stored. Section "Recommender:Redis".</summary>
public sealed class RedisStoreOptions
{
    public const string SectionName = "Recommender:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string ("host:port,password=…", several endpoints for a
    /// cluster). Empty: the service starts its embedded store and uses that.
    /// </summary>
    public string? Connection { get; set; }

    /// <summary>Articles read or written per pipelined round of commands.</summary>
    [Range(1, 100_000, ErrorMessage = "Recommender:Redis:BatchSize must be between {1} and {2}.")]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>Milliseconds to wait for a connection or a reply before the store counts as unavailable.</summary>
    [Range(100, 600_000, ErrorMessage = "Recommender:Redis:TimeoutMilliseconds must be between {1} and {2}.")]
    public int TimeoutMilliseconds { get; set; } = 5_000;

    /// <summary>
    /// Replicas that must confirm an article write or delete (Redis WAIT) before it is acknowledged;
    /// 0 (the default): acknowledged once its master has it, and lost if that master fails before
    /// replicating it. With 1 or more, a write no replica confirmed within
    /// <see cref="WaitTimeoutMilliseconds"/> is answered UNAVAILABLE (it may be stored; a retry is safe).
    /// </summary>
    [Range(0, 10, ErrorMessage = "Recommender:Redis:WaitForReplicas must be between {1} and {2}.")]
    public int WaitForReplicas { get; set; }

    /// <summary>How long a write waits for <see cref="WaitForReplicas"/> confirmations.</summary>
    [Range(1, 60_000, ErrorMessage = "Recommender:Redis:WaitTimeoutMilliseconds must be between {1} and {2}.")]
    public int WaitTimeoutMilliseconds { get; set; } = 1_000;
}
