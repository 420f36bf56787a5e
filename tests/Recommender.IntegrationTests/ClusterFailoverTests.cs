using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using Xunit.Abstractions;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>Two replicas on a Redis Cluster with replicas, losing a master while they serve and take writes.</summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    /// <summary>
    /// The master holding the namespace's id registry (every write touches it) is killed while
    /// GetRelated and upserts run through both replicas. Reads never fail (lists come from memory);
    /// writes fail with UNAVAILABLE (and only so) until the master's replica is promoted, then
    /// succeed through both replicas, 20 in a row each; every acknowledged article is then readable
    /// through both replicas and in both indexes. (A write can still be refused shortly after the
    /// promotion, while the client learns which node now serves each slot: UNAVAILABLE, as asserted.)
    /// </summary>
    [Fact]
    public async Task KillingAMaster_UnderLoad_ReadsNeverFail_WritesAreUnavailableUntilPromotion_AndNothingAcknowledgedIsLost()
    {
        using var cluster = await RedisCluster.StartAsync(nodeTimeoutMilliseconds: 2_000);
        var store = new StoreSetup.Redis(cluster.Connection, "failover-" + Guid.NewGuid().ToString("n")[..8]);
        var checking = new Dictionary<string, string?> { ["Recommender:Engine:ReplicaCheckInterval"] = "00:00:01" };
        using var a = await new ServiceHost(store, settings: checking).StartAsync();
        using var b = await new ServiceHost(store, settings: checking).StartAsync();
        var samples = TestData.Samples();
        await TestData.ImportAsync(a.Client, samples);
        await Eventually(async () => (await b.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles == samples.Count, "B holds the samples");

        using var load = new CancellationTokenSource();
        var readFailures = new ConcurrentQueue<RpcException>();
        var reads = 0;
        async Task Reader(ServiceHost host, int seed)
        {
            var random = new Random(seed);
            while (!load.IsCancellationRequested)
            {
                try
                {
                    await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = samples[random.Next(samples.Count)].Article.Id });
                    Interlocked.Increment(ref reads);
                }
                catch (RpcException ex)
                {
                    readFailures.Enqueue(ex);
                }
            }
        }

        var acknowledged = new ConcurrentQueue<string>();
        var writeFailures = new ConcurrentQueue<(StatusCode Status, double Milliseconds)>();
        var written = 0;
        var streaks = new int[2]; // writes acknowledged in a row, per writer
        async Task Writer(ServiceHost host, string prefix, int writer)
        {
            while (!load.IsCancellationRequested)
            {
                var id = $"{prefix}-{Interlocked.Increment(ref written):D5}";
                var article = new DomainArticle(id, $"Load article {id}", samples[written % samples.Count].Article.Body + $" Revision {id}.");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await host.Client.UpsertArticlesAsync(TestData.Upsert(article));
                    acknowledged.Enqueue(id);
                    Interlocked.Increment(ref streaks[writer]);
                }
                catch (RpcException ex)
                {
                    writeFailures.Enqueue((ex.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    Volatile.Write(ref streaks[writer], 0);
                    await Task.Delay(20);
                }
            }
        }

        var workers = new[] { Reader(a, 1), Reader(b, 2), Writer(a, "via-a", 0), Writer(b, "via-b", 1) };
        await Task.Delay(1_000);
        var victim = await cluster.MasterOfAsync($"{store.Namespace}:catalog");
        cluster.Kill(victim);
        var killedAt = Stopwatch.GetTimestamp();
        await cluster.WaitForFailoverAsync(victim, TimeSpan.FromSeconds(60));
        var promotedAfter = Stopwatch.GetElapsedTime(killedAt);
        var failuresBeforePromotion = writeFailures.Count;
        // Once the replica serves, writes through both service replicas succeed again: 20 in a row each.
        await Eventually(() => Task.FromResult(Volatile.Read(ref streaks[0]) >= 20 && Volatile.Read(ref streaks[1]) >= 20), "writes succeed after the promotion");
        await Task.Delay(1_000);
        await load.CancelAsync();
        await Task.WhenAll(workers);

        output.WriteLine($"killed master :{victim}; every slot served again after {promotedAfter.TotalSeconds:F1} s; " +
            $"{reads} reads, {readFailures.Count} failed; {acknowledged.Count} writes acknowledged, {writeFailures.Count} refused " +
            $"(refusals took {Percentile(0.5):F1} ms at the median, {Percentile(1):F1} ms at most)");
        double Percentile(double p) => writeFailures.IsEmpty ? 0 : writeFailures.Select(f => f.Milliseconds).Order().ElementAt((int)Math.Ceiling(p * writeFailures.Count) - 1);

        Assert.Empty(readFailures);
        Assert.True(failuresBeforePromotion > 0, "No write failed while the id registry's master was down: the outage was not felt.");
        Assert.All(writeFailures, f => Assert.Equal(StatusCode.Unavailable, f.Status));

        // Every acknowledged article is in the store and in both replicas' indexes.
        var ids = acknowledged.ToList();
        foreach (var host in new[] { a, b })
        {
            foreach (var id in ids)
            {
                Assert.Equal(id, (await host.Client.GetArticleAsync(new GetArticleRequest { Id = id })).Article.Id);
            }
            await Eventually(async () => (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles >= samples.Count + ids.Count, "the index holds every acknowledged article");
            foreach (var id in ids)
            {
                await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = id }); // NotFound would throw
            }
        }
    }

    /// <summary>
    /// With Recommender:Redis:WaitForReplicas a write is acknowledged only once that many replicas
    /// have it (WAIT); asking for more replicas than the cluster's masters have is refused as
    /// UNAVAILABLE, naming the setting, and loses nothing already stored.
    /// </summary>
    [Fact]
    public async Task WaitForReplicas_ConfirmsWritesOnTheReplicas_AndRefusesWhenTooFewAnswer()
    {
        var store = StoreSetup.NewCluster();
        var confirmed = new Dictionary<string, string?> { ["Recommender:Redis:WaitForReplicas"] = "1" };
        using (var host = await new ServiceHost(store, settings: confirmed).StartAsync())
        {
            await TestData.ImportAsync(host.Client, TestData.Samples());
            await host.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "sport-001" } });
            Assert.Equal(TestData.Samples().Count - 1, (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
        }

        var tooMany = new Dictionary<string, string?> { ["Recommender:Redis:WaitForReplicas"] = "2", ["Recommender:Redis:WaitTimeoutMilliseconds"] = "200" };
        using var strict = await new ServiceHost(store, settings: tooMany).StartAsync();
        var extra = new DomainArticle("unconfirmed", "A write one replica cannot confirm twice", TestData.Samples()[2].Article.Body + " Again.");
        var refused = await Assert.ThrowsAsync<RpcException>(() => strict.Client.UpsertArticlesAsync(TestData.Upsert(extra)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("Recommender:Redis:WaitForReplicas", refused.Status.Detail, StringComparison.Ordinal);
        var kept = TestData.Samples()[5].Article;
        Assert.Equal(kept.Title, (await strict.Client.GetArticleAsync(new GetArticleRequest { Id = kept.Id })).Article.Title);
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not within 60 s: {what}");
            await Task.Delay(100);
        }
    }
}
