using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Evaluation;
using Recommender.Core.Feedback;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Featurizer;

using Recommender.Testing;

namespace Recommender.Engine.Tests;

/// <summary>
/// Refits, replicas and snapshots raced on purpose: the in-memory store pauses the engine where the
/// race is (after a refit has listed the corpus), the test writes meanwhile, then lets it go on.
/// </summary>
public sealed class EngineRaceTests
{
    private const string Ns = "site";

    private static readonly MlNetFeaturizer Featurizer = new(Options.Create(new FeaturizerOptions
    {
        DefaultModelPath = Path.Combine(AppContext.BaseDirectory, "models", "default", "model.zip"),
    }));

    private static readonly ListOptions Query = new(Limit: 5);

    /// <summary>An engine that refits only when told to, so each test decides when.</summary>
    private static async Task<RecommendationEngine> StartAsync(InMemoryStores stores, EngineOptions? options = null)
    {
        var engine = new RecommendationEngine(
            stores.Open(Ns), Featurizer,
            options ?? new EngineOptions { MinArticlesToFit = 1_000_000, RefitQuietPeriod = TimeSpan.Zero },
            new RankingOptions(), new IndexOptions(), InputLimits.Default, TimeProvider.System,
            NullLogger<RecommendationEngine>.Instance, new RecommendationIds(new byte[32]));
        await engine.InitializeAsync(CancellationToken.None);
        return engine;
    }

    private static List<Article> Corpus(int count, int seed = 7) =>
        SyntheticCorpus.Generate(count, seed).Select(line => line.Article).ToList();

    /// <summary>Pauses the next refit once it has listed the corpus; returns (paused, release).</summary>
    private static (Task Paused, TaskCompletionSource Release) PauseRefit(InMemoryNamespace store)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AfterIdsListed = async () =>
        {
            store.AfterIdsListed = null;
            paused.SetResult();
            await release.Task;
        };
        return (paused.Task, release);
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        for (var waited = 0; !condition(); waited += 20)
        {
            Assert.True(waited < 15_000, $"Not within 15 s: {what}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task WritesDuringARefit_AreEmbeddedWithTheNewModelBeforeItServes()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var engine = await StartAsync(stores);
        var corpus = Corpus(60);
        await engine.UpsertAsync(corpus, CancellationToken.None);
        var (paused, release) = PauseRefit(store);

        var retrain = engine.RetrainAsync(CancellationToken.None);
        await paused;
        var added = corpus[5] with { Id = "added-during-refit", Title = "Harbour ferry timetable changes", Body = "The harbour ferry runs every twenty minutes from May." };
        var edited = corpus[0] with { Body = "Rewritten: the council voted to close the old library and open a new one by the river." };
        await engine.UpsertAsync([added, edited], CancellationToken.None);
        await engine.DeleteAsync([corpus[1].Id], CancellationToken.None);
        release.SetResult();
        var stats = await retrain;

        var version = stats.Model.Version;
        Assert.False(stats.Model.IsDefault);
        Assert.Equal(60, engine.ArticleCount);
        var stored = await store.GetActiveModelAsync(CancellationToken.None);
        Assert.Equal(version, stored!.Info.Version);
        using var saved = new MemoryStream(stored.Model);
        var model = Featurizer.Load(saved);
        foreach (var article in new[] { added, edited })
        {
            var expected = model.Embed([article.ToText()])[0];
            Assert.Equal(expected, store.Vectors[(version, article.Id)], new NearlyEqual());
            var related = await engine.GetRelatedAsync(article.Id, Query, CancellationToken.None);
            Assert.Equal(5, related.Items.Count);
        }
        Assert.False(store.Vectors.ContainsKey((version, corpus[1].Id)), "the refit's vector of an article deleted meanwhile is dropped");
        await Assert.ThrowsAsync<ArticleNotFoundException>(() => engine.GetRelatedAsync(corpus[1].Id, Query, CancellationToken.None));
        Assert.All(store.Vectors.Keys, key => Assert.Equal(version, key.Version));
    }

    /// <summary>
    /// A sync in batches whose batch takes longer to write than the quiet period (a slow store, a
    /// large batch) does not refit in the middle: a write counts from its arrival to its end, so the
    /// one refit comes after the last batch and fits on all of them.
    /// </summary>
    [Fact]
    public async Task ASyncInBatches_RefitsOnceAtItsEnd_NotWhileABatchIsUnderWay()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var engine = await StartAsync(stores, new EngineOptions { MinArticlesToFit = 10, RefitQuietPeriod = TimeSpan.FromMilliseconds(300) });
        var corpus = Corpus(90);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await engine.UpsertAsync(corpus[..30], CancellationToken.None); // schedules a refit: the default model serves
        store.BeforeWrite = async () =>
        {
            store.BeforeWrite = null;
            entered.SetResult();
            await release.Task;
        };
        var second = engine.UpsertAsync(corpus[30..60], CancellationToken.None);
        await entered.Task;
        await Task.Delay(1_000); // the batch is under way for three quiet periods
        var refittedMeanwhile = !engine.GetStats().Model.IsDefault;
        release.SetResult();
        await second;
        await Task.Delay(100); // the client reads its next batch, well within the quiet period
        await engine.UpsertAsync(corpus[60..], CancellationToken.None);
        await Eventually(() => !engine.GetStats().Model.IsDefault && !engine.RefitPending, "the refit after the sync");

        Assert.False(refittedMeanwhile);
        Assert.Equal(90, engine.GetStats().Model.FittedOnArticles);
        Assert.Equal(1, store.ModelsStored);
    }

    /// <summary>Pauses before batches are a sync's rhythm, and a refit waits twice the longest; single saves are not.</summary>
    [Fact]
    public async Task TheQuietARefitWaitsFor_GrowsWithThePausesBetweenBatches_NotBetweenSingleSaves()
    {
        var floor = TimeSpan.FromMilliseconds(100);
        var cap = TimeSpan.FromSeconds(20);
        var state = new Serving.ServingState();

        using (state.BeginWrite(1, cap))
        {
        }
        await Task.Delay(300);
        using (state.BeginWrite(1, cap))
        {
        }
        var afterSaves = state.QuietNeeded(floor, cap);
        await Task.Delay(300);
        using (state.BeginWrite(500, cap))
        {
            Assert.Equal(TimeSpan.Zero, state.QuietFor);
        }
        var afterBatch = state.QuietNeeded(floor, cap);

        Assert.Equal(floor, afterSaves);
        Assert.InRange(afterBatch, TimeSpan.FromMilliseconds(500), cap); // twice a pause of about 300 ms (timers may fire a little early)
        Assert.Equal(TimeSpan.FromMilliseconds(400), state.QuietNeeded(floor, TimeSpan.FromMilliseconds(400))); // at most the cap
    }

    /// <summary>
    /// More writes during a refit than one batch (an import running on), which takes the path that
    /// redoes them in rounds outside the write lock: every one is served with the new model's vector.
    /// </summary>
    [Fact]
    public async Task ManyWritesDuringARefit_AreEachServedWithTheNewModelsVector()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var engine = await StartAsync(stores, new EngineOptions { MinArticlesToFit = 1_000_000, RefitQuietPeriod = TimeSpan.Zero, BatchSize = 4 });
        var corpus = Corpus(80);
        await engine.UpsertAsync(corpus[..60], CancellationToken.None);
        var (paused, release) = PauseRefit(store);

        var retrain = engine.RetrainAsync(CancellationToken.None);
        await paused;
        var edited = corpus[..10].Select(a => a with { Body = a.Body + " Updated while the model was refitted." }).ToList();
        foreach (var batch in corpus[60..].Concat(edited).Chunk(3))
        {
            await engine.UpsertAsync(batch, CancellationToken.None);
        }
        await engine.DeleteAsync(corpus[10..15].Select(a => a.Id).ToList(), CancellationToken.None);
        release.SetResult();
        var version = (await retrain).Model.Version;

        Assert.Equal(75, engine.ArticleCount);
        using var saved = new MemoryStream((await store.GetActiveModelAsync(CancellationToken.None))!.Model);
        var model = Featurizer.Load(saved);
        foreach (var article in corpus[60..].Concat(edited))
        {
            Assert.Equal(model.Embed([article.ToText()])[0], store.Vectors[(version, article.Id)], new NearlyEqual());
        }
        Assert.All(corpus[10..15], deleted => Assert.False(store.Vectors.ContainsKey((version, deleted.Id))));
        Assert.All(store.Vectors.Keys, key => Assert.Equal(version, key.Version));
    }

    [Fact]
    public async Task ACancelledRefit_SwapsNothing_AndThePreviousModelKeepsServing()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var engine = await StartAsync(stores);
        await engine.UpsertAsync(Corpus(40), CancellationToken.None);
        var before = engine.GetStats().Model.Version;
        var (paused, release) = PauseRefit(store);

        using var cancel = new CancellationTokenSource();
        var retrain = engine.RetrainAsync(cancel.Token);
        await paused;
        cancel.Cancel();
        release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retrain);
        Assert.Equal(before, engine.GetStats().Model.Version);
        Assert.Null(await store.GetActiveModelInfoAsync(CancellationToken.None));
        Assert.All(store.Vectors.Keys, key => Assert.Equal(before, key.Version));
        Assert.Equal(5, (await engine.GetRelatedAsync(Corpus(40)[3].Id, Query, CancellationToken.None)).Items.Count);
    }

    [Fact]
    public async Task AnotherReplicasWritesModelAndRules_AreServedHere()
    {
        var stores = new InMemoryStores();
        using var writer = await StartAsync(stores);
        using var reader = await StartAsync(stores);
        var corpus = Corpus(40);

        await writer.UpsertAsync(corpus, CancellationToken.None);
        await Eventually(() => reader.ArticleCount == 40, "the other replica's 40 upserts show here");

        var fitted = (await writer.RetrainAsync(CancellationToken.None)).Model.Version;
        await Eventually(() => reader.GetStats().Model.Version == fitted, "the other replica's model serves here");
        var there = await writer.GetRelatedAsync(corpus[2].Id, Query, CancellationToken.None);
        var here = await reader.GetRelatedAsync(corpus[2].Id, Query, CancellationToken.None);
        Assert.Equal(there.Items.Select(i => i.Article.Id), here.Items.Select(i => i.Article.Id));

        var blocked = here.Items[0].Article.Id;
        await writer.AddRuleAsync(new EditorialRule { Id = "", Action = RuleAction.Block, ArticleId = blocked }, CancellationToken.None);
        await Eventually(() => reader.Rules.Count == 1, "the other replica's rule applies here");
        var after = await reader.GetRelatedAsync(corpus[2].Id, Query, CancellationToken.None);
        Assert.DoesNotContain(blocked, after.Items.Select(i => i.Article.Id));

        await writer.DeleteAsync([corpus[3].Id], CancellationToken.None);
        await Eventually(() => reader.ArticleCount == 39, "the other replica's delete shows here");
    }

    [Fact]
    public async Task ARestart_RestoresTheSnapshot_AndRereadsWhatChangedSinceIt()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        var corpus = Corpus(50);
        string version;
        using (var first = await StartAsync(stores))
        {
            await first.UpsertAsync(corpus.Take(40).ToList(), CancellationToken.None);
            version = (await first.RetrainAsync(CancellationToken.None)).Model.Version;
            await Eventually(() => store.SnapshotTakenAt is not null, "the refit saves a snapshot");
            await first.UpsertAsync(corpus.Skip(40).ToList(), CancellationToken.None);
            await first.DeleteAsync([corpus[0].Id, corpus[1].Id], CancellationToken.None);
        }
        store.IndexBuildReads = 0;

        using var second = await StartAsync(stores);

        Assert.Equal(0, store.IndexBuildReads);
        Assert.Equal(version, second.GetStats().Model.Version);
        Assert.Equal(48, second.ArticleCount);
        Assert.Equal(5, (await second.GetRelatedAsync(corpus[45].Id, Query, CancellationToken.None)).Items.Count);
        await Assert.ThrowsAsync<ArticleNotFoundException>(() => second.GetRelatedAsync(corpus[0].Id, Query, CancellationToken.None));
    }

    /// <summary>Checks every 200 ms; the digest every 300 ms.</summary>
    private static EngineOptions Checking => new()
    {
        MinArticlesToFit = 1_000_000,
        RefitQuietPeriod = TimeSpan.Zero,
        ReplicaCheckInterval = TimeSpan.FromMilliseconds(200),
        ReplicaDigestInterval = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task AReplicaThatMissesEveryNotice_ConvergesByItself_WritesModelAndRules()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var writer = await StartAsync(stores, Checking);
        using var deaf = await StartAsync(stores, Checking);
        store.Delivering = false; // every notice from now on is lost
        var corpus = Corpus(40);

        await writer.UpsertAsync(corpus, CancellationToken.None);
        await writer.DeleteAsync([corpus[0].Id, corpus[1].Id], CancellationToken.None);
        await writer.UpsertAsync([corpus[2] with { Title = "A headline changed later" }], CancellationToken.None);
        var fitted = (await writer.RetrainAsync(CancellationToken.None)).Model.Version;
        await writer.AddRuleAsync(new EditorialRule { Id = "", Action = RuleAction.Block, Tag = "nothing" }, CancellationToken.None);

        // Within a few check intervals (200 ms each; the bound here is generous for a loaded machine).
        await Eventually(() => deaf.GetStats().Model.Version == fitted && deaf.ArticleCount == 38 && deaf.Rules.Count == 1,
            "the replica that heard nothing serves the same model, articles and rules");
        var there = await writer.GetRelatedAsync(corpus[5].Id, Query, CancellationToken.None);
        var here = await deaf.GetRelatedAsync(corpus[5].Id, Query, CancellationToken.None);
        Assert.Equal(there.Items.Select(i => (i.Article.Id, i.Article.Title)), here.Items.Select(i => (i.Article.Id, i.Article.Title)));
        Assert.Equal("A headline changed later", deaf.SearchTitles("headline changed", 0).Articles.Single().Title);
    }

    [Fact]
    public async Task AReplicaAwayLongerThanTheChangeLog_IsRepairedByTheDigest()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var writer = await StartAsync(stores, Checking);
        using var away = await StartAsync(stores, Checking);
        store.Delivering = false;
        var corpus = Corpus(30);

        await writer.UpsertAsync(corpus, CancellationToken.None);
        await writer.DeleteAsync([corpus[0].Id], CancellationToken.None);
        store.ForgetChangeLog(); // as if the writes were older than the change log keeps

        await Eventually(() => away.ArticleCount == 29, "the digest finds the difference and the walk repairs it");
        await Assert.ThrowsAsync<ArticleNotFoundException>(() => away.GetRelatedAsync(corpus[0].Id, Query, CancellationToken.None));
        Assert.Equal(5, (await away.GetRelatedAsync(corpus[9].Id, Query, CancellationToken.None)).Items.Count);
    }

    [Fact]
    public async Task OneRefitAtATime_AnotherReplicasRetrainWaitsForTheLease()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        using var first = await StartAsync(stores, Checking);
        using var second = await StartAsync(stores, Checking);
        await first.UpsertAsync(Corpus(40), CancellationToken.None);
        var (paused, release) = PauseRefit(store);
        var refitting = first.RetrainAsync(CancellationToken.None);
        await paused;

        // The second replica's retrain waits for the lease the first holds; it never reads the corpus.
        var reads = 0;
        store.AfterIdsListed = () => { Interlocked.Increment(ref reads); return Task.CompletedTask; };
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1.5)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.RetrainAsync(patience.Token));
        }
        Assert.Equal(0, reads);

        release.SetResult();
        var fitted = (await refitting).Model.Version;
        await Eventually(() => second.GetStats().Model.Version == fitted, "the second replica serves the first one's model");
        var again = (await second.RetrainAsync(CancellationToken.None)).Model.Version;
        Assert.NotEqual(fitted, again);
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task WhenTheRefittingReplicaDies_AnotherRefitsOnceItsLeaseExpires()
    {
        var stores = new InMemoryStores();
        var store = stores[Ns];
        store.LeaseAsADeadReplica(TimeSpan.FromSeconds(1.5));
        var options = Checking;
        options.MinArticlesToFit = 10;
        using var survivor = await StartAsync(stores, options);

        await survivor.UpsertAsync(Corpus(30), CancellationToken.None);

        // Its first scheduled refit finds the lease held and stands down; a later check schedules it again.
        await Eventually(() => !survivor.GetStats().Model.IsDefault, "the survivor refits once the dead replica's lease expires");
        Assert.False((await store.GetActiveModelInfoAsync(CancellationToken.None))!.IsDefault);
    }

    /// <summary>Vectors equal to the index's 16-bit precision.</summary>
    private sealed class NearlyEqual : IEqualityComparer<float[]>
    {
        public bool Equals(float[]? x, float[]? y) => x!.Length == y!.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) < 1e-5);

        public int GetHashCode(float[] obj) => obj.Length;
    }
}
