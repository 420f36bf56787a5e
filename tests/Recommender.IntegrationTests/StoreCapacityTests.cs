using System.Text;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Recommender.IntegrationTests;

/// <summary>
/// A store never loses what it acknowledged: the embedded store, filled past its memory size, refuses
/// writes instead of evicting; feedback gives way first; the id registry is repaired at start.
/// </summary>
public sealed class StoreCapacityTests
{
    /// <summary>An article with a long body of seeded random words, so that each costs the store about 100 KB.</summary>
    private static Article Big(int n, Random random)
    {
        var body = new StringBuilder();
        while (body.Length < 100_000)
        {
            for (var i = random.Next(4, 9); i > 0; i--)
            {
                body.Append((char)('a' + random.Next(26)));
            }
            body.Append(' ');
        }
        return new Article { Id = $"big-{n}", Title = $"Long report number {n}", Body = body.ToString(), Section = "reports" };
    }

    /// <summary>Upserts batches of ten big articles until one is refused (at most 100 batches); calls <paramref name="afterBatch"/> after each, saying whether it was taken.</summary>
    private static async Task<(int Acknowledged, RpcException? Refused)> FillUntilRefusedAsync(
        RecommenderService.RecommenderServiceClient client, Random random, Func<bool, Task>? afterBatch = null)
    {
        var acknowledged = 0;
        for (var batch = 0; batch < 100; batch++)
        {
            var request = new UpsertArticlesRequest();
            for (var i = 0; i < 10; i++)
            {
                request.Articles.Add(Big(acknowledged + i, random));
            }
            RpcException? refused = null;
            try
            {
                acknowledged += (await client.UpsertArticlesAsync(request)).Created;
            }
            catch (RpcException ex)
            {
                refused = ex;
            }
            if (afterBatch is not null)
            {
                await afterBatch(refused is null);
            }
            if (refused is not null)
            {
                return (acknowledged, refused);
            }
        }
        return (acknowledged, null);
    }

    [Theory]
    [InlineData(2L << 30, "1g")] // a small machine still gets the floor
    [InlineData(24L << 30, "6g")]
    [InlineData((7L << 30) + (512L << 20), "1g")] // whole gigabytes, rounded down
    public void EmbeddedStore_AutoMemorySize_IsAQuarterOfTheMachine_AtLeastOneGigabyte(long machineBytes, string expected) =>
        Assert.Equal(expected, Storage.Embedded.EmbeddedStoreOptions.AutoMemorySize(machineBytes));

    [Fact]
    public async Task EmbeddedStore_ByDefault_IsSizedFromTheMachinesMemory()
    {
        Assert.Equal("auto", new Storage.Embedded.EmbeddedStoreOptions().MemorySize);
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Embedded:MemorySize"] = "auto", // the default, which the test host otherwise sets to 256m
        }).StartAsync();

        var limit = (await host.Client.GetStatsAsync(new GetStatsRequest())).StoreMemory.LimitBytes;

        var expected = Storage.Embedded.EmbeddedStoreOptions.Bytes(Storage.Embedded.EmbeddedStoreOptions.AutoMemorySize(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        Assert.Equal(expected, limit);
    }

    [Fact]
    public async Task EmbeddedStore_FilledPastItsMemory_RefusesWrites_AndKeepsEveryAcknowledgedArticle()
    {
        var store = StoreSetup.NewEmbedded();
        var settings = new Dictionary<string, string?>
        {
            ["Recommender:Embedded:MemorySize"] = "32m",
            // No refit: this test is about the articles, and a fitted model would take room of its own.
            ["Recommender:Engine:MinArticlesToFit"] = "100000",
        };
        var host = await new ServiceHost(store, settings: settings).StartAsync();
        var client = host.Client;
        StatusCode? feedbackWhenHalfFull = null;
        var writesAfterFeedbackRefused = 0;

        var (acknowledged, refused) = await FillUntilRefusedAsync(client, new Random(7), async accepted =>
        {
            writesAfterFeedbackRefused += accepted && feedbackWhenHalfFull == StatusCode.ResourceExhausted ? 1 : 0;
            var memory = (await client.GetStatsAsync(new GetStatsRequest())).StoreMemory;
            if (feedbackWhenHalfFull is null && memory.UsedFraction > 0.55)
            {
                var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "big-0" });
                try
                {
                    await client.RecordFeedbackAsync(new RecordFeedbackRequest
                    {
                        Events = { new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = list.Items[0].Id, Position = 1 } },
                    });
                    feedbackWhenHalfFull = StatusCode.OK;
                }
                catch (RpcException ex)
                {
                    feedbackWhenHalfFull = ex.StatusCode;
                }
            }
        });
        var stats = await client.GetStatsAsync(new GetStatsRequest());
        host.Dispose();
        using var restarted = await new ServiceHost(store, settings: settings).StartAsync();
        var afterRestart = await restarted.Client.GetStatsAsync(new GetStatsRequest());
        var last = await restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = $"big-{acknowledged - 1}", Options = new RelatedOptions { Explain = true } });

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Recommender:Embedded:MemorySize", refused.Status.Detail);
        Assert.Equal(StatusCode.ResourceExhausted, feedbackWhenHalfFull);
        Assert.True(writesAfterFeedbackRefused > 0, "articles were still taken once feedback was refused");
        Assert.InRange(acknowledged, 50, 300);
        Assert.Equal("", stats.StoreMemory.Warning);
        Assert.InRange(stats.StoreMemory.UsedFraction, 0.5, 0.8);
        Assert.Equal(acknowledged, stats.Corpus.Articles);
        Assert.Equal(acknowledged, afterRestart.Corpus.Articles);
        Assert.Equal("", afterRestart.StoreMemory.Warning);
        Assert.NotEmpty(last.Items); // read back whole: the explanation needs the stored texts
        Assert.NotEmpty(last.Items[0].Why.Terms);
    }

    [Fact]
    public async Task Redis_AnEvictingPolicyIsReported_AndAtMaxmemoryWritesAreRefused()
    {
        using var redis = new RedisProcess();
        await redis.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Connection + ",allowAdmin=true");
        var server = admin.GetServers()[0];
        await server.ConfigSetAsync("maxmemory", "16mb");
        await server.ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        var store = new StoreSetup.Redis(redis.Connection, "capped");
        using var host = await new ServiceHost(store, settings: new Dictionary<string, string?> { ["Recommender:Engine:MinArticlesToFit"] = "100000" }).StartAsync();
        var client = host.Client;

        var evicting = (await client.GetStatsAsync(new GetStatsRequest())).StoreMemory;
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");
        await Task.Delay(1_100); // the reading is kept for a second
        var (acknowledged, refused) = await FillUntilRefusedAsync(client, new Random(3));
        var stored = await admin.GetDatabase().SortedSetLengthAsync("capped:catalog");

        Assert.Equal(16 * 1024 * 1024, evicting.LimitBytes);
        Assert.Contains("allkeys-lru", evicting.Warning);
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("maxmemory", refused.Status.Detail);
        Assert.InRange(acknowledged, 20, 160);
        Assert.True(stored >= acknowledged, $"{stored} ids stored, {acknowledged} acknowledged"); // nothing evicted
    }

    [Fact]
    public async Task Redis_IdsWhoseArticleIsMissing_AreRemovedFromTheRegistryAtStart()
    {
        var store = StoreSetup.NewRedis();
        using (var first = await new ServiceHost(store).StartAsync())
        {
            await TestData.ImportAsync(first.Client, TestData.Samples().Take(12).ToList());
        }
        using var redis = await ConnectionMultiplexer.ConnectAsync(store.Connection);
        var db = redis.GetDatabase();
        // What a process killed between the registry write and the article's own write leaves behind.
        await db.SortedSetAddAsync($"{store.Namespace}:catalog", "ghost-1", 0);

        using var host = await new ServiceHost(store).StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await db.SortedSetScoreAsync($"{store.Namespace}:catalog", "ghost-1") is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Null(await db.SortedSetScoreAsync($"{store.Namespace}:catalog", "ghost-1"));
        Assert.Equal(12, await db.SortedSetLengthAsync($"{store.Namespace}:catalog"));
        Assert.Equal(12, (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    /// <summary>
    /// A floor above the data folder's free space: writes are refused (DISK_FULL, naming the folder),
    /// readiness is 503 with the reason, GetStats says so; lists are still served. (The test script
    /// fills a real size-limited disk: scripts/disk-full-check.py.)
    /// </summary>
    [Fact]
    public async Task EmbeddedStore_BelowItsDiskFloor_RefusesWrites_AndIsNotReady()
    {
        var store = StoreSetup.NewEmbedded();
        using (var filled = await new ServiceHost(store).StartAsync())
        {
            await TestData.ImportAsync(filled.Client, TestData.Samples());
        }
        using var host = await new ServiceHost(store, settings: new Dictionary<string, string?>
        {
            ["Recommender:Embedded:MinFreeDiskSpace"] = "1000000g",
        }).StartLiveAsync();
        using var http = host.CreateClient();

        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertArticlesAsync(
            Infrastructure.TestData.Upsert(new Core.Articles.Article("one-more", "One more", "A body."))).ResponseAsync);
        using var ready = await http.GetAsync("/readyz");
        var readiness = await ready.Content.ReadAsStringAsync();
        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        var list = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("DISK_FULL", refused.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>().Reason);
        Assert.Contains(store.DataDir, refused.Status.Detail);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("Writes refused: the data folder " + store.DataDir, readiness);
        Assert.True(stats.StoreDisk.WritesRefused);
        Assert.Equal(store.DataDir, stats.StoreDisk.Folder);
        Assert.True(stats.StoreDisk.FreeBytes < stats.StoreDisk.FloorBytes);
        Assert.NotEmpty(list.Items);
    }

    /// <summary>
    /// Garnet's log, once a commit failed (a disk that filled under it), takes no write until it is
    /// restarted: the service restarts it in process from its file, and writes come back.
    /// </summary>
    [Fact]
    public async Task EmbeddedStore_WhoseLogFailedToCommit_IsRestartedFromItsFile_AndTakesWritesAgain()
    {
        var store = StoreSetup.NewEmbedded();
        using (var host = await new ServiceHost(store).StartAsync())
        {
            await host.Client.UpsertArticlesAsync(Infrastructure.TestData.Upsert(new Core.Articles.Article("before", "Before the fault", "Written before the log failed.")));
            var garnet = host.Services.GetRequiredService<Storage.Embedded.EmbeddedGarnetServer>();
            var failure = (Tsavorite.core.CommitFailureException)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(Tsavorite.core.CommitFailureException));
            garnet.OnGarnetError(new IOException("wrapped", failure));
            Assert.True(garnet.Faulted);

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (garnet.Faulted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            Assert.False(garnet.Faulted, "the store was not restarted");
            UpsertArticlesResponse? after = null;
            while (after is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    after = await host.Client.UpsertArticlesAsync(Infrastructure.TestData.Upsert(new Core.Articles.Article("after", "After the restart", "Written after the store came back.")));
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable)
                {
                    await Task.Delay(200); // the connection finds the restarted store within a second
                }
            }
            Assert.NotNull(after);
        }
        using var restarted = await new ServiceHost(store).StartAsync();
        foreach (var id in new[] { "before", "after" })
        {
            Assert.Equal(id, (await restarted.Client.GetArticleAsync(new GetArticleRequest { Id = id })).Article.Id);
        }
    }
}
