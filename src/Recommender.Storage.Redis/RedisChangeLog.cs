using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>The change log: a sorted set of ids written or deleted, scored by the writer's time (Unix ms).</summary>
internal sealed class RedisChangeLog(RedisNamespace store)
{
    /// <summary>Records the ids as changed now, for readers of an older snapshot.</summary>
    public Task LogAsync(IDatabase db, IEnumerable<string> ids)
    {
        var now = store.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        return db.SortedSetAddAsync(store.Keys.Changed(), ids.Select(id => new SortedSetEntry(id, now)).ToArray());
    }

    /// <summary>Drops entries a snapshot taken at <paramref name="snapshotTakenAt"/> covers, keeping <see cref="ChangeLog.Retention"/> before it.</summary>
    public Task TrimAsync(DateTimeOffset snapshotTakenAt, CancellationToken cancellationToken) =>
        store.Db.SortedSetRemoveRangeByScoreAsync(store.Keys.Changed(), double.NegativeInfinity,
            (snapshotTakenAt - ChangeLog.Retention).ToUnixTimeMilliseconds()).WaitAsync(cancellationToken);

    public async Task<IReadOnlyList<(string Id, DateTimeOffset At)>> SinceAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        (await store.Db.SortedSetRangeByScoreWithScoresAsync(store.Keys.Changed(), since.ToUnixTimeMilliseconds(), double.PositiveInfinity).WaitAsync(cancellationToken))
            .Select(e => ((string)e.Element!, DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score))).ToList();
}
