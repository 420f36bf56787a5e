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

    /// <summary>Every id in the namespace's registry (one ZRANGE), in id order.</summary>
    public async Task<List<string>> ReadIdsAsync(CancellationToken cancellationToken) =>
        (await Db.SortedSetRangeByRankAsync(Keys.Ids()).WaitAsync(cancellationToken)).Select(v => (string)v!).ToList();

    /// <summary>Adds ids to the registry, in id order and by their update time (Unix ms).</summary>
    public Task RegisterAsync(IDatabaseAsync db, IReadOnlyList<string> ids, long updatedMs) => Task.WhenAll(
        db.SortedSetAddAsync(Keys.Ids(), ids.Select(id => new SortedSetEntry(id, 0)).ToArray()),
        db.SortedSetAddAsync(Keys.IdsByUpdate(), ids.Select(id => new SortedSetEntry(id, updatedMs)).ToArray()));

    /// <summary>Removes ids from the registry and its index by update time.</summary>
    public Task UnregisterAsync(IDatabaseAsync db, IReadOnlyList<string> ids)
    {
        var members = ids.Select(id => (RedisValue)id).ToArray();
        return Task.WhenAll(db.SortedSetRemoveAsync(Keys.Ids(), members), db.SortedSetRemoveAsync(Keys.IdsByUpdate(), members));
    }
}
