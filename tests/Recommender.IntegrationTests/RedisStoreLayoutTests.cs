using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace Recommender.IntegrationTests;

/// <summary>What the service leaves in a real redis-server, and how it behaves when none answers.</summary>
public sealed class RedisStoreLayoutTests : IAsyncLifetime
{
    private readonly ConnectionMultiplexer _redis = ConnectionMultiplexer.Connect(StoreSetup.TestRedis);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Restart_RestoresTheIndexSnapshot_AndRereadsWhatChangedAfterIt()
    {
        var store = StoreSetup.NewRedis();
        var db = _redis.GetDatabase();
        var ns = store.Namespace;
        var host = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        var version = (await host.Client.GetStatsAsync(new GetStatsRequest())).Model.Version;
        // The refit saves a snapshot of its index in the background.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((string?)await db.HashGetAsync($"{ns}:snapshot", "version") != version)
        {
            Assert.True(DateTime.UtcNow < deadline, "No index snapshot was saved after the refit.");
            await Task.Delay(100);
        }
        var takenAt = (long)await db.HashGetAsync($"{ns}:snapshot", "taken_at");
        var extra = TestData.Samples()[4].Article with { Id = "written-after-snapshot", Title = "A copy written after the snapshot" };
        await host.Client.UpsertArticlesAsync(TestData.Upsert(extra));
        await host.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "tech-002" } });
        var before = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = "culture-001", Options = new RelatedOptions { Limit = 10 } });
        host.Dispose();

        using var restarted = await new ServiceHost(store).StartAsync();
        var after = await restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = "culture-001", Options = new RelatedOptions { Limit = 10 } });
        var gone = await Assert.ThrowsAsync<RpcException>(() => restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-002" }).ResponseAsync);

        Assert.Equal(takenAt, (long)await db.HashGetAsync($"{ns}:snapshot", "taken_at")); // the restart read it, did not replace it
        Assert.True(await db.SortedSetScoreAsync($"{ns}:changed", "written-after-snapshot") >= takenAt);
        Assert.Equal(30, (await restarted.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
        Assert.Equal(before.Items.Select(i => (i.Id, i.Score)), after.Items.Select(i => (i.Id, i.Score)));
        Assert.NotEmpty((await restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = "written-after-snapshot" })).Items);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    /// <summary>
    /// A namespace an older version wrote keeps its registry in a set; the first start of this one
    /// moves it to the sorted catalog (in id order and by update time, an article stored before
    /// update times were kept scoring -1), deletes the set, and every article pages as before.
    /// </summary>
    [Fact]
    public async Task TheFormerSetOfIds_IsMigratedToTheSortedCatalog_OnStart_LosingNothing()
    {
        var store = StoreSetup.NewRedis();
        var db = _redis.GetDatabase();
        var ns = store.Namespace;
        var host = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        host.Dispose();
        var ids = TestData.Samples().Select(a => a.Article.Id).Order(StringComparer.Ordinal).ToList();
        // What the former version left: a set of ids, no sorted sets, one article from before update times.
        await db.KeyDeleteAsync([$"{ns}:catalog", $"{ns}:catalog:updated"]);
        await db.SetAddAsync($"{ns}:ids", ids.Select(id => (RedisValue)id).ToArray());
        await db.HashDeleteAsync($"{ns}:article:{{{ids[3]}}}", "updated");

        using var restarted = await new ServiceHost(store).StartAsync();
        var listed = await restarted.Client.ListArticlesAsync(new ListArticlesRequest { PageSize = 100 });
        var recent = await restarted.Client.ListArticlesAsync(new ListArticlesRequest { UpdatedAfter = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)), PageSize = 100 });

        Assert.False(await db.KeyExistsAsync($"{ns}:ids"));
        Assert.Equal(ids, listed.Articles.Select(a => a.Id));
        Assert.Null(listed.Articles[3].UpdateTime);
        Assert.Equal(-1, await db.SortedSetScoreAsync($"{ns}:catalog:updated", ids[3]));
        Assert.Equal(ids.Where(id => id != ids[3]).Order(StringComparer.Ordinal), recent.Articles.Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Equal(30, (await restarted.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    /// <summary>
    /// After an upgrade, a namespace whose stored model was saved by the former featurizer (no
    /// format recorded) is served by the default model at once, loses no article, takes writes,
    /// and gets a model of the current format from the refit this schedules.
    /// </summary>
    [Fact]
    public async Task AStoredModelOfTheFormerFormat_GivesWayToTheDefault_ThenToARefit_LosingNothing()
    {
        var store = StoreSetup.NewRedis();
        var db = _redis.GetDatabase();
        var ns = store.Namespace;
        var host = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        var fitted = (await host.Client.GetStatsAsync(new GetStatsRequest())).Model.Version;
        host.Dispose();
        // What the former version wrote: the same info without "Format".
        var info = System.Text.Json.Nodes.JsonNode.Parse((string)(await db.HashGetAsync($"{ns}:model", "info"))!)!.AsObject();
        Assert.True(info.Remove("Format"));
        await db.HashSetAsync($"{ns}:model", "info", info.ToJsonString());

        using var restarted = await new ServiceHost(store).StartAsync();
        await restarted.Client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples()[0].Article with { Id = "after-upgrade" }));
        var stats = await TestData.WaitForRefitAsync(restarted.Client);

        Assert.NotEqual(fitted, stats.Model.Version);
        Assert.False(stats.Model.Version.StartsWith("default-", StringComparison.Ordinal));
        Assert.Equal(31, stats.Corpus.Articles);
        Assert.Equal(2, System.Text.Json.JsonDocument.Parse((string)(await db.HashGetAsync($"{ns}:model", "info"))!).RootElement.GetProperty("Format").GetInt32());
        foreach (var id in TestData.Samples().Select(a => a.Article.Id).Append("after-upgrade"))
        {
            Assert.NotEmpty((await restarted.Client.GetRelatedAsync(new GetRelatedRequest { Id = id })).Items);
        }
    }

    [Fact]
    public async Task Import_WritesNamespacedHashTaggedKeysWithBinaryVectors_AndRefitDropsOldVectors()
    {
        var store = StoreSetup.NewRedis();
        using var host = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        var db = _redis.GetDatabase();
        var ns = store.Namespace;

        Assert.Equal(30, await db.SortedSetLengthAsync($"{ns}:catalog"));
        Assert.Equal(30, await db.SortedSetLengthAsync($"{ns}:catalog:updated"));
        Assert.Equal("Late goal sends champions top of the league", (string?)await db.HashGetAsync($"{ns}:article:{{sport-001}}", "title"));
        var vector = (byte[]?)await db.StringGetAsync($"{ns}:vector:{stats.Model.Version}:{{sport-001}}");
        Assert.NotNull(vector);
        Assert.Equal(stats.Model.Dimensions * sizeof(float), vector.Length);
        // Every key of one article hashes to one cluster slot, so its writes can be one transaction.
        Assert.Equal(
            _redis.HashSlot($"{ns}:article:{{sport-001}}"),
            _redis.HashSlot($"{ns}:vector:{stats.Model.Version}:{{sport-001}}"));
        Assert.Equal(stats.Model.Version, (string?)await db.HashGetAsync($"{ns}:model", "version"));

        var retrained = await host.Client.RetrainAsync(new RetrainRequest());

        Assert.False(await db.KeyExistsAsync($"{ns}:vector:{stats.Model.Version}:{{sport-001}}"));
        Assert.False(await db.KeyExistsAsync($"{ns}:model:{stats.Model.Version}"));
        Assert.True(await db.KeyExistsAsync($"{ns}:vector:{retrained.Model.Version}:{{sport-001}}"));
        Assert.True(await db.KeyExistsAsync($"{ns}:model:{retrained.Model.Version}"));
        var server = _redis.GetServers()[0];
        Assert.All(server.Keys(pattern: $"{ns}:*").Select(k => (string)k!), key => Assert.StartsWith(ns + ":", key));
    }

    [Fact]
    public async Task ReadingANewNamespace_WritesNothingToTheStore()
    {
        var store = StoreSetup.NewRedis();
        using var host = await new ServiceHost(store).StartAsync();

        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        await host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "A draft", Body = "Some text." });

        Assert.Equal(0, stats.Corpus.Articles);
        Assert.Empty(_redis.GetServers()[0].Keys(pattern: $"{store.Namespace}:*"));
    }

    [Fact]
    public async Task TwoNamespaces_OnOneRedis_DoNotSeeEachOther()
    {
        using var a = await new ServiceHost(StoreSetup.NewRedis()).StartAsync();
        using var b = await new ServiceHost(StoreSetup.NewRedis()).StartAsync();

        await TestData.ImportAsync(a.Client, TestData.Samples());

        Assert.Equal(30, (await a.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
        Assert.Equal(0, (await b.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    [Fact]
    public async Task UnreachableStore_CallsAnswerUnavailable_AndHealthIsNotServing()
    {
        // Nothing listens on port 1: the service starts, keeps retrying, and says so.
        using var host = new ServiceHost(new StoreSetup.Redis("127.0.0.1:1", "unreachable"), settings: new Dictionary<string, string?>
        {
            ["Recommender:Redis:TimeoutMilliseconds"] = "200",
        });

        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetStatsAsync(new GetStatsRequest()).ResponseAsync);
        var upsert = await Assert.ThrowsAsync<RpcException>(() =>
            host.Client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples()[0].Article)).ResponseAsync);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Equal(StatusCode.Unavailable, upsert.StatusCode);
        Assert.DoesNotContain("Exception", ex.Status.Detail);
    }

    [Fact]
    public async Task Reflection_ListsTheServiceAndHealth()
    {
        using var host = await new ServiceHost(StoreSetup.NewRedis()).StartAsync();
        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("recommender.v1.RecommenderService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
