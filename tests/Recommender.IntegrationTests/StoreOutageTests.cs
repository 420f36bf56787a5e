using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>A real redis-server stopped and restarted under read load.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task RedisStopped_ReadsServeStaleFromMemory_WritesFailUnavailable_AndAllRecoversWhenItReturns()
    {
        using var redis = new RedisProcess();
        await redis.StartAsync();
        var store = new StoreSetup.Redis(redis.Connection, "outage");
        var settings = new Dictionary<string, string?> { ["Recommender:Redis:TimeoutMilliseconds"] = "1000" };
        var host = await new ServiceHost(store, settings: settings).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var ids = TestData.Samples().Select(a => a.Article.Id).ToArray();

        // Readers run through the whole outage.
        using var stopReaders = new CancellationTokenSource();
        int reads = 0, staleReads = 0, failedReads = 0;
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            for (var i = r; !stopReaders.IsCancellationRequested; i++)
            {
                try
                {
                    var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = ids[i % ids.Length] });
                    Interlocked.Increment(ref reads);
                    if (list.Stale)
                    {
                        Interlocked.Increment(ref staleReads);
                    }
                    if (list.Items.Count != 5)
                    {
                        Interlocked.Increment(ref failedReads);
                    }
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref failedReads);
                }
            }
        })).ToList();

        await redis.StopAsync();
        await WaitForAsync(client, available: false);

        var write = await Assert.ThrowsAsync<RpcException>(() =>
            client.UpsertArticlesAsync(TestData.Upsert(new Core.Articles.Article("late-news", "Late news", "Filed while the store was down."))).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() =>
            client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "sport-001" } }).ResponseAsync);
        var during = await client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-001" });
        await Task.Delay(300); // let the readers see the outage too

        await redis.StartAsync();
        await WaitForAsync(client, available: true);
        var after = await client.UpsertArticlesAsync(TestData.Upsert(new Core.Articles.Article("late-news", "Late news", "Filed after the store came back.")));
        var fresh = await client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-001" });
        stopReaders.Cancel();
        await Task.WhenAll(readers);

        Assert.Equal(StatusCode.Unavailable, write.StatusCode);
        Assert.Equal(StatusCode.Unavailable, delete.StatusCode);
        Assert.True(during.Stale);
        Assert.Equal(5, during.Items.Count);
        Assert.Equal(1, after.Created);
        Assert.False(fresh.Stale);
        Assert.Equal(0, failedReads);
        Assert.True(staleReads > 0 && reads > staleReads, $"{reads} reads, {staleReads} stale");

        // Nothing was lost or half-written: a new process rebuilds everything from the store.
        host.Dispose();
        using var restarted = await new ServiceHost(store, settings: settings).StartAsync();
        var stats = await restarted.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(31, stats.Corpus.Articles);
        Assert.True(stats.StoreAvailable);
        Assert.NotEmpty((await restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" })).Items);
    }

    private static async Task WaitForAsync(RecommenderService.RecommenderServiceClient client, bool available)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetStatsAsync(new GetStatsRequest())).StoreAvailable != available)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the service did not see the store become {(available ? "available" : "unavailable")}");
            await Task.Delay(100);
        }
    }
}
