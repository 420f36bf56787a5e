using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>The stores of any namespace over the process's one multiplexer.</summary>
public sealed class RedisStores(IConnectionMultiplexer redis, ConfirmedWrites writes, IOptions<RedisStoreOptions> options, IStoreCapacity capacity, TimeProvider clock) : INamespaceStores
{
    public NamespaceStore Open(string ns)
    {
        var store = new RedisNamespace(redis, writes, options.Value, capacity, clock, ns);
        var changeLog = new RedisChangeLog(store);
        return new NamespaceStore(
            ns,
            new RedisArticleStore(store, changeLog),
            new RedisArticleCatalog(store),
            new RedisModelStore(store),
            new RedisSnapshotStore(store, changeLog),
            new RedisRuleStore(store),
            new RedisFeedbackStore(store),
            new RedisChangeFeed(store));
    }

    public Task<bool> ExistsAsync(string ns, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        // One EXISTS per key: on a cluster the keys may live on different slots.
        var keys = new RedisKeys(ns);
        var db = redis.GetDatabase();
        var found = await Task.WhenAll(
                db.KeyExistsAsync(keys.Ids()), db.KeyExistsAsync(keys.LegacyIds()), db.KeyExistsAsync(keys.ActiveModel()), db.KeyExistsAsync(keys.Rules()))
            .WaitAsync(cancellationToken);
        return found.Any(f => f);
    });

    public Task<int> DropAsync(string ns, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var keys = new RedisKeys(ns);
        var db = redis.GetDatabase();
        var batchSize = options.Value.BatchSize;
        var articles = (int)await db.SortedSetLengthAsync(keys.Ids()).WaitAsync(cancellationToken);
        // SCAN every primary: on a cluster the namespace's keys are spread over all of them.
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var batch = new List<RedisKey>(batchSize);
            await foreach (var key in server.KeysAsync(pattern: keys.Namespace + ":*", pageSize: batchSize).WithCancellation(cancellationToken))
            {
                batch.Add(key);
                if (batch.Count == batchSize)
                {
                    await Task.WhenAll(batch.Select(k => db.KeyDeleteAsync(k)));
                    batch.Clear();
                }
            }
            await Task.WhenAll(batch.Select(k => db.KeyDeleteAsync(k)));
        }
        return articles;
    });

    /// <summary>
    /// A secret every process sharing this store uses (created by the first, kept in the store
    /// outside every namespace), e.g. to sign recommendation ids that another replica verifies.
    /// </summary>
    public Task<byte[]> GetSharedSecretAsync(string name, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var db = redis.GetDatabase();
        RedisKey key = $"recommender:secret:{name}";
        await db.StringSetAsync(key, RandomNumberGenerator.GetBytes(32), when: When.NotExists).WaitAsync(cancellationToken);
        var secret = await db.StringGetAsync(key).WaitAsync(cancellationToken);
        return secret.IsNull ? throw new StoreUnavailableException($"The shared secret {key} could not be read back.") : (byte[])secret!;
    });
}
