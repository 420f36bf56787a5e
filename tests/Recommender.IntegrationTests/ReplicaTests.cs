using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>Two service processes on one Redis namespace see each other's writes, deletes and refits.</summary>
public sealed class ReplicaTests
{
    [Fact]
    public async Task TwoReplicas_SeeEachOthersWritesDeletesAndRefits()
    {
        var (a, b) = await TwoReplicasServingTheSamplesAsync();
        using var _a = a;
        using var _b = b;

        await b.Client.UpsertArticlesAsync(TestData.Upsert(new DomainArticle("from-b", "Written through replica B", TestData.Samples()[3].Article.Body + " More.")));
        await Eventually(async () => (await a.Client.GetRelatedAsync(new GetRelatedRequest { Id = "from-b" })).Items.Count == 5);

        await a.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "sport-001" } });
        await Eventually(async () =>
        {
            try
            {
                await b.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });
                return false;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return true;
            }
        });

        var retrained = await b.Client.RetrainAsync(new RetrainRequest());
        await Eventually(async () => (await a.Client.GetStatsAsync(new GetStatsRequest())).Model.Version == retrained.Model.Version);
        var statsA = await a.Client.GetStatsAsync(new GetStatsRequest());
        var statsB = await b.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(30, statsA.Corpus.Articles);
        Assert.Equal(statsB.Corpus.Sections, statsA.Corpus.Sections);
        Assert.NotEmpty((await a.Client.GetRelatedAsync(new GetRelatedRequest { Id = "from-b" })).Items);
    }

    /// <summary>
    /// Lists of stored articles come from candidate lists each replica keeps: an article written
    /// through one replica is in its neighbour's list there as soon as the write returns, and on the
    /// other once the notice arrives; a deleted one leaves every list; and both replicas then serve the
    /// same list for every article.
    /// </summary>
    [Fact]
    public async Task TwoReplicas_ListsFromTheirCandidates_TakeANewArticleAtOnce_DropADeletedOne_AndAgree()
    {
        var (a, b) = await TwoReplicasServingTheSamplesAsync();
        using var _a = a;
        using var _b = b;
        var ids = TestData.Samples().Select(s => s.Article.Id).ToList();
        async Task<List<string>> ListAsync(ServiceHost host, string id) =>
            [.. (await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = new RelatedOptions { Limit = 10 } })).Items.Select(i => i.Id)];
        async Task<bool> AgreeAsync()
        {
            foreach (var id in ids)
            {
                if (!(await ListAsync(a, id)).SequenceEqual(await ListAsync(b, id)))
                {
                    return false;
                }
            }
            return true;
        }

        // Two sport stories in one: near sport-001, not a copy of it.
        var samples = TestData.Samples().ToDictionary(s => s.Article.Id, s => s.Article);
        var near = new DomainArticle("near-sport", "Champions and their rivals", samples["sport-001"].Body + "\n\n" + samples["sport-002"].Body, Section: "sport");
        await a.Client.UpsertArticlesAsync(TestData.Upsert(near));
        Assert.Contains("near-sport", await ListAsync(a, "sport-001"));
        await Eventually(async () => (await ListAsync(b, "sport-001")).Contains("near-sport"));
        Assert.True(await AgreeAsync(), "the replicas list differently after a write");

        await b.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "near-sport" } });
        foreach (var id in ids)
        {
            Assert.DoesNotContain("near-sport", await ListAsync(b, id));
        }
        await Eventually(async () => !(await ListAsync(a, "sport-001")).Contains("near-sport"));
        foreach (var id in ids)
        {
            Assert.DoesNotContain("near-sport", await ListAsync(a, id));
        }
        Assert.True(await AgreeAsync(), "the replicas list differently after a delete");
    }

    /// <summary>
    /// The subscribers' connections are cut (CLIENT KILL TYPE pubsub) before every write, so notices
    /// are lost while they reconnect; the replica still converges through its checks of the change
    /// log and the model (every second here), without a restart.
    /// </summary>
    [Fact]
    public async Task AReplicaWhoseSubscriptionDrops_ConvergesWithoutARestart()
    {
        var store = StoreSetup.NewRedis();
        var checking = new Dictionary<string, string?> { ["Recommender:Engine:ReplicaCheckInterval"] = "00:00:01" };
        using var a = await new ServiceHost(store, settings: checking).StartAsync();
        using var b = await new ServiceHost(store, settings: checking).StartAsync();
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(StoreSetup.TestRedis + ",allowAdmin=true");
        var server = redis.GetServers()[0];
        async Task CutSubscribers() => await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");

        var samples = TestData.Samples();
        foreach (var chunk in samples.Chunk(10))
        {
            await CutSubscribers();
            await a.Client.UpsertArticlesAsync(TestData.Upsert(chunk.Select(l => l.Article).ToArray()));
        }
        await CutSubscribers();
        await a.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { samples[0].Article.Id } });
        await CutSubscribers();
        var retrained = await a.Client.RetrainAsync(new RetrainRequest());

        await Eventually(async () => (await b.Client.GetStatsAsync(new GetStatsRequest())) is { Corpus.Articles: 29 } s && s.Model.Version == retrained.Model.Version);
        var there = await a.Client.GetRelatedAsync(new GetRelatedRequest { Id = samples[5].Article.Id });
        var here = await b.Client.GetRelatedAsync(new GetRelatedRequest { Id = samples[5].Article.Id });
        Assert.Equal(there.Items.Select(i => i.Id), here.Items.Select(i => i.Id));
    }

    /// <summary>
    /// A replica died mid-refit holding the lease (its key in Redis, never renewed): once it expires
    /// a live replica refits and both serve its model. (That they stand down while it is held is
    /// shown deterministically in the engine's tests.)
    /// </summary>
    [Fact]
    public async Task ARefitLeaseLeftByADeadReplica_Expires_AndALiveReplicaRefits()
    {
        var store = StoreSetup.NewRedis();
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(StoreSetup.TestRedis);
        Assert.True(await redis.GetDatabase().LockTakeAsync($"{store.Namespace}:refit-lease", "dead-replica", TimeSpan.FromSeconds(3)));
        var checking = new Dictionary<string, string?> { ["Recommender:Engine:ReplicaCheckInterval"] = "00:00:00.500" };
        using var a = await new ServiceHost(store, settings: checking).StartAsync();
        using var b = await new ServiceHost(store, settings: checking).StartAsync();

        foreach (var chunk in TestData.Samples().Chunk(10))
        {
            await a.Client.UpsertArticlesAsync(TestData.Upsert(chunk.Select(l => l.Article).ToArray()));
        }

        await Eventually(async () => !(await a.Client.GetStatsAsync(new GetStatsRequest())).Model.Version.StartsWith("default-", StringComparison.Ordinal));
        var fitted = (await a.Client.GetStatsAsync(new GetStatsRequest())).Model.Version;
        await Eventually(async () => (await b.Client.GetStatsAsync(new GetStatsRequest())).Model.Version == fitted);
        Assert.Equal(fitted, (await redis.GetDatabase().HashGetAsync($"{store.Namespace}:model", "version")).ToString());
    }

    [Fact]
    public async Task ThePropagationBenchmark_TimesWritesThroughOneReplicaUntilTheOtherListsThem()
    {
        var store = StoreSetup.NewRedis();
        using var a = await new ServiceHost(store, kestrel: true).StartAsync();
        using var b = await new ServiceHost(store, kestrel: true).StartAsync();

        var result = await CliProcess.RunAsync(a.Address!, null, "propagation", "--replica", b.Address!.ToString(), "--probes", "20", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var report = System.Text.Json.JsonDocument.Parse(result.Stdout);
        Assert.Equal(20, report.RootElement.GetProperty("visible").GetInt32());
        Assert.True(report.RootElement.GetProperty("p99Ms").GetDouble() > 0);
    }

    [Fact]
    public async Task AListIssuedByOneReplica_TakesFeedbackThroughTheOther()
    {
        var store = StoreSetup.NewRedis();
        using var a = await new ServiceHost(store).StartAsync();
        using var b = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(a.Client, TestData.Samples());

        var list = await a.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 3 } });
        var throughB = await b.Client.RecordFeedbackAsync(new RecordFeedbackRequest
        {
            Events = { new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Click, ArticleId = list.Items[2].Id, Position = 3 } },
        });
        var statsA = await a.Client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(1, throughB.Recorded); // both sign with the secret the store holds
        Assert.Equal(1, statsA.Feedback.Clicks);
    }

    [Fact]
    public async Task ARuleAddedOnOneReplica_AppliesOnTheOther()
    {
        var store = StoreSetup.NewRedis();
        using var a = await new ServiceHost(store).StartAsync();
        using var b = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(a.Client, TestData.Samples());
        await Eventually(async () => (await b.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles == 30);
        var first = (await b.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" })).Items[0].Id;

        var rule = await a.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, ArticleId = first } });
        await Eventually(async () => (await b.Client.ListRulesAsync(new ListRulesRequest())).Rules.Count == 1);
        var blocked = await b.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });
        await b.Client.RemoveRuleAsync(new RemoveRuleRequest { Id = rule.Id });
        await Eventually(async () => (await a.Client.ListRulesAsync(new ListRulesRequest())).Rules.Count == 0);

        Assert.DoesNotContain(first, blocked.Items.Select(i => i.Id));
        Assert.Equal(first, (await a.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" })).Items[0].Id);
    }

    /// <summary>Polls until the condition holds (replicas apply notices asynchronously); fails after 30 s.</summary>
    /// <summary>Two service processes on one new Redis namespace, the samples imported through the first and its fitted model serving on both.</summary>
    private static async Task<(ServiceHost A, ServiceHost B)> TwoReplicasServingTheSamplesAsync()
    {
        var store = StoreSetup.NewRedis();
        var a = await new ServiceHost(store).StartAsync();
        var b = await new ServiceHost(store).StartAsync();
        await TestData.ImportAsync(a.Client, TestData.Samples());
        var fitted = (await a.Client.GetStatsAsync(new GetStatsRequest())).Model.Version;
        await Eventually(async () => (await b.Client.GetStatsAsync(new GetStatsRequest())) is { Corpus.Articles: 30 } s && s.Model.Version == fitted);
        return (a, b);
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
            }
            Assert.True(DateTime.UtcNow < deadline, "the other replica did not catch up within 30 s");
            await Task.Delay(50);
        }
    }
}
