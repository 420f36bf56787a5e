using Microsoft.Extensions.Options;
using Recommender.Storage.Embedded;
using Recommender.Storage.Redis;

namespace Recommender.Server.Hosting;

/// <summary>
/// Brings the embedded store back by itself after it could not write its append-only file (a disk
/// that filled up under it): once the data folder has room above its floor again, the store is
/// restarted in this process from its files, and the connections find it again on the same port.
/// Does nothing when the service uses a Redis.
/// </summary>
public sealed class EmbeddedStoreRecovery(IServiceProvider services, IOptions<RedisStoreOptions> redis) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!string.IsNullOrWhiteSpace(redis.Value.Connection))
        {
            return;
        }
        var store = services.GetRequiredService<EmbeddedGarnetServer>();
        var folder = services.GetRequiredService<EmbeddedDataFolder>();
        using var timer = new PeriodicTimer(CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (store.Faulted && !folder.Read().BelowFloor)
            {
                await Task.Run(store.Restart, stoppingToken);
            }
        }
    }
}
