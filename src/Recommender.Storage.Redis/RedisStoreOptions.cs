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
}
