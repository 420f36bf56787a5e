using Microsoft.Extensions.Options;
using Recommender.Core.Abstractions;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>Stores of any namespace over the process's one multiplexer.</summary>
public sealed class RedisArticleStoreFactory(IConnectionMultiplexer redis, IOptions<RedisStoreOptions> options) : IArticleStoreFactory
{
    public IArticleStore Open(string ns) => new RedisArticleStore(redis, options, ns);
}
