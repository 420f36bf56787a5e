using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Every key the store uses, under one namespace prefix. Keys of one article carry its id as a
/// hash tag (<c>{id}</c>): on Redis Cluster an article's fields and vectors share a slot, so they can
/// be written in one MULTI/EXEC, while different articles spread over the cluster. Ids cannot
/// contain braces (see ArticleRules), so the tag is always exactly the id.
/// </summary>
public sealed class RedisKeys(string ns)
{
    public string Namespace { get; } = ns;

    /// <summary>Hash of an article's fields and content hashes.</summary>
    public RedisKey Article(string id) => $"{Namespace}:article:{{{id}}}";

    /// <summary>An article's vector under one model version (float32 little-endian).</summary>
    public RedisKey Vector(string modelVersion, string id) => $"{Namespace}:vector:{modelVersion}:{{{id}}}";

    /// <summary>
    /// The registry of every stored id: a sorted set whose members all score 0, so that it is in id
    /// order (the bytes of the UTF-8) and a page of it costs O(log N + page) (ZRANGE BYLEX).
    /// </summary>
    public RedisKey Ids() => $"{Namespace}:catalog";

    /// <summary>Sorted set of every stored id scored by its last write (Unix ms; -1 when unknown): the pages of <c>updated_after</c>.</summary>
    public RedisKey IdsByUpdate() => $"{Namespace}:catalog:updated";

    /// <summary>The registry as versions before the sorted catalog kept it (a set); migrated and deleted on start.</summary>
    public RedisKey LegacyIds() => $"{Namespace}:ids";

    /// <summary>Hash describing the serving model.</summary>
    public RedisKey ActiveModel() => $"{Namespace}:model";

    /// <summary>Pub/sub channel on which replicas announce their writes and refits.</summary>
    public RedisChannel Changes() => RedisChannel.Literal($"{Namespace}:changes");

    /// <summary>Hash of editorial rules: rule id to the rule as JSON.</summary>
    public RedisKey Rules() => $"{Namespace}:rules";

    /// <summary>Hash of feedback counters: "impressions", "clicks:position:3", "impressions:section:sport", ...</summary>
    public RedisKey FeedbackCounts() => $"{Namespace}:feedback";

    /// <summary>
    /// Set of the (list, kind, position) counted of the lists issued in one hour (Unix hours), so a
    /// resent event is not counted again; it expires with the feedback window of those lists.
    /// </summary>
    public RedisKey FeedbackSeen(long issuedHour) => $"{Namespace}:feedback:counted:{issuedHour}";

    /// <summary>Sorted set: ids written or deleted, scored by the time (Unix ms); what a snapshot may lack.</summary>
    public RedisKey Changed() => $"{Namespace}:changed";

    /// <summary>Hash describing the current index snapshot: model version, time taken, generation, chunk count.</summary>
    public RedisKey Snapshot() => $"{Namespace}:snapshot";

    /// <summary>One chunk of an index snapshot's bytes.</summary>
    public RedisKey SnapshotChunk(string generation, int chunk) => $"{Namespace}:snapshot:{generation}:{chunk}";

    /// <summary>Who holds the refit lease (a string with an expiry).</summary>
    public RedisKey RefitLease() => $"{Namespace}:refit-lease";

    /// <summary>A saved model's bytes.</summary>
    public RedisKey ModelBytes(string modelVersion) => $"{Namespace}:model:{modelVersion}";
}
