using Microsoft.Extensions.Options;
using Recommender.Core.Abstractions;
using Recommender.Core.Errors;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>Stores of any namespace over the process's one multiplexer.</summary>
public sealed class RedisArticleStoreFactory(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options, IStoreCapacity capacity) : IArticleStoreFactory
{
    public IArticleStore Open(string ns) => new RedisArticleStore(redis, options, capacity, ns);

    /// <summary>
    /// A secret every process sharing this store uses (created by the first, kept in the store
    /// outside every namespace), e.g. to sign recommendation ids that another replica verifies.
    /// </summary>
    public async Task<byte[]> GetSharedSecretAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var db = redis.GetDatabase();
            RedisKey key = $"recommender:secret:{name}";
            await db.StringSetAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), when: When.NotExists).WaitAsync(cancellationToken);
            var secret = await db.StringGetAsync(key).WaitAsync(cancellationToken);
            return secret.IsNull ? throw new StoreUnavailableException($"The shared secret {key} could not be read back.") : (byte[])secret!;
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            throw new StoreUnavailableException("The article store is unreachable: " + ex.GetType().Name, ex);
        }
    }
}
