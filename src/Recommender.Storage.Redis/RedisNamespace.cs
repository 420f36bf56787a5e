using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>What every role store of one namespace shares: the connections, the key schema, the options, the capacity check and the clock.</summary>
internal sealed class RedisNamespace(IConnectionMultiplexer redis, ConfirmedWrites writes, RedisStoreOptions options, IStoreCapacity capacity, TimeProvider clock, string ns)
{
    /// <summary>Bytes a record costs the store beyond its key and value (an estimate on the safe side).</summary>
    public const int RecordOverhead = 128;

    public IConnectionMultiplexer Connection { get; } = redis;

    public IDatabase Db => Connection.GetDatabase();

    /// <summary>The connection article writes and deletes go through, and their confirmation by replicas.</summary>
    public ConfirmedWrites Writes { get; } = writes;

    public RedisKeys Keys { get; } = new(ns);

    public RedisStoreOptions Options { get; } = options;

    public IStoreCapacity Capacity { get; } = capacity;

    public TimeProvider Clock { get; } = clock;

    /// <summary>Every id in the namespace's registry (one SMEMBERS), in ordinal order.</summary>
    public async Task<List<string>> ReadIdsAsync(CancellationToken cancellationToken)
    {
        var ids = (await Db.SetMembersAsync(Keys.Ids()).WaitAsync(cancellationToken)).Select(v => (string)v!).ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
