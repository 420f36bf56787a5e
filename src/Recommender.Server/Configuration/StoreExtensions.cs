using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Recommender.Core;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine;
using Recommender.Featurizer;
using Recommender.Server.Grpc;
using Recommender.Server.Hosting;
using Recommender.Server.Http;
using Recommender.Server.Preview;
using Recommender.Storage.Embedded;
using Recommender.Storage.Redis;
using StackExchange.Redis;

namespace Recommender.Server.Configuration;

public static partial class RecommenderHostExtensions
{
    /// <summary>
    /// One multiplexer for the process, to the configured Redis or, when none is configured, to the
    /// embedded Garnet server started here; a second one for article writes when replicas must
    /// confirm them (Recommender:Redis:WaitForReplicas).
    /// </summary>
    private static IServiceCollection AddRecommenderStore(this IServiceCollection services)
    {
        services.AddSingleton(sp => new EmbeddedGarnetServer(
            sp.GetRequiredService<IOptions<EmbeddedStoreOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConnectionMultiplexer>(sp => ConnectStore(sp, "recommender"));
        services.AddSingleton(sp => new ConfirmedWrites(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            () => ConnectStore(sp, "recommender-writes")));
        services.AddSingleton(sp => new StoreDescription(
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Connection) ? "embedded" : "redis"));
        services.AddSingleton<EmbeddedDataFolder>();
        services.AddSingleton<IStoreCapacity>(sp =>
        {
            var embedded = string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Connection);
            return new StoreCapacity(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                embedded,
                embedded ? sp.GetRequiredService<EmbeddedDataFolder>() : null,
                sp.GetRequiredService<ILogger<StoreCapacity>>());
        });
        services.AddHostedService<EmbeddedStoreRecovery>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<INamespaceStores, RedisStores>();
        return services;
    }

    /// <summary>A multiplexer to the configured Redis, or to the embedded Garnet server when none is configured.</summary>
    private static ConnectionMultiplexer ConnectStore(IServiceProvider sp, string clientName)
    {
        var options = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
        var connection = string.IsNullOrWhiteSpace(options.Connection)
            ? sp.GetRequiredService<EmbeddedGarnetServer>().ConnectionString
            : options.Connection;
        var config = ConfigurationOptions.Parse(connection);
        // Start (and keep running) while the store is down: the multiplexer reconnects by itself.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = options.TimeoutMilliseconds;
        config.SyncTimeout = options.TimeoutMilliseconds;
        config.AsyncTimeout = options.TimeoutMilliseconds;
        config.ClientName ??= clientName;
        // A command for a server that is down (a Redis restarting, a cluster master lost before its
        // replica is promoted) fails at once, so the caller gets UNAVAILABLE and can retry, instead
        // of queueing until the timeout.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        // INFO (how full the store is, StoreCapacity) is an admin command to StackExchange.Redis.
        config.AllowAdmin = true;
        // Reconnect every second while the store is down, so writes succeed soon after it returns.
        config.ReconnectRetryPolicy = new LinearRetry(1_000);
        return ConnectionMultiplexer.Connect(config);
    }
}
