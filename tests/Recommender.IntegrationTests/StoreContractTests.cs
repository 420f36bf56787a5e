using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Feedback;
using Recommender.Core.Storage;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// The store contract, run against every store the service supports: the embedded one, a single
/// redis-server and a Redis Cluster (three masters with a replica each; an article's keys spread
/// over them), each the service's own (resolved from a running host); and against the in-memory
/// store the engine's tests run on, so that those tests cannot drift from what the real stores do.
/// </summary>
public abstract class StoreContractTests : StoreBackedTests
{
    private const string Model = "contract-model-1";

    /// <summary>The stores under test: the running service's.</summary>
    protected virtual async Task<INamespaceStores> StoresAsync() =>
        (await StartAsync()).Services.GetRequiredService<INamespaceStores>();

    private async Task<(INamespaceStores Stores, NamespaceStore Store)> OpenAsync()
    {
        var stores = await StoresAsync();
        return (stores, stores.Open("contract-" + Guid.NewGuid().ToString("n")[..10]));
    }

    private static ArticleWrite Write(int i, string text = "") => new(
        new Article($"a-{i:D3}", $"Headline {i}", $"Body {i} {text}", $"https://example.com/{i}", i % 2 == 0 ? "sport" : "tech", ["t"], "en",
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddDays(i)),
        $"record-{i}-{text}", $"text-{i}-{text}", $"body-{i}", [(uint)i, 7u], [i, 1f, -0.5f]);

    [Fact]
    public async Task Articles_AreWrittenWhole_ReadBackInEveryShape_AndDeleted()
    {
        var (_, store) = await OpenAsync();
        var writes = Enumerable.Range(0, 40).Select(i => Write(i)).ToList();
        await store.Articles.WriteAsync(writes, Model, CancellationToken.None);

        var ids = writes.Select(w => w.Article.Id).ToList();
        Assert.Equal(ids, await store.Catalog.ListIdsAsync(CancellationToken.None)); // ordinal order
        Assert.Equal(40, await store.Catalog.CountAsync(CancellationToken.None));
        var states = await store.Articles.GetStatesAsync([.. ids, "never-written"], Model, CancellationToken.None);
        Assert.Equal(40, states.Count);
        Assert.Equal(new StoredState("record-7-", "text-7-", HasVector: true), states["a-007"]);
        Assert.False((await store.Articles.GetStatesAsync(["a-007"], "another-model", CancellationToken.None))["a-007"].HasVector);

        var whole = await store.Articles.GetArticlesAsync(["a-003", "never-written", "a-012"], CancellationToken.None);
        Assert.Equal([writes[3].Article.Id, writes[12].Article.Id], whole.Select(a => a.Id));
        Assert.Equal(writes[3].Article.Body, whole[0].Body);
        Assert.Equal(writes[12].Article.Published, whole[1].Published);
        Assert.Equal(writes[12].Article.Tags, whole[1].Tags);

        var stored = (await store.Articles.GetStoredAsync(["a-005"], Model, CancellationToken.None)).Single();
        Assert.Equal(new[] { 5f, 1f, -0.5f }, stored.Vector!);
        Assert.Equal([5u, 7u], stored.BodyMinHash);
        Assert.Equal("", stored.Article.Body);

        var all = new List<StoredArticle>();
        await foreach (var batch in store.Articles.ReadAllAsync(Model, CancellationToken.None))
        {
            all.AddRange(batch);
        }
        Assert.Equal(ids, all.Select(a => a.Article.Id).Order(StringComparer.Ordinal));
        Assert.All(all, a => Assert.Equal(float.Parse(a.Article.Id[2..], System.Globalization.CultureInfo.InvariantCulture), a.Vector![0]));

        var deleted = await store.Articles.DeleteAsync(["a-001", "a-002", "never-written"], Model, CancellationToken.None);
        Assert.Equal(["a-001", "a-002"], deleted);
        Assert.Empty(await store.Articles.GetArticlesAsync(["a-001", "a-002"], CancellationToken.None));
        Assert.Equal(38, await store.Catalog.CountAsync(CancellationToken.None));
        Assert.Null(await store.Catalog.GetAsync("a-001", CancellationToken.None));
        Assert.Equal("Headline 3", (await store.Catalog.GetAsync("a-003", CancellationToken.None))!.Article.Title);

        // The change log has every id written or deleted (or asked to be), for replicas and snapshots to catch up from.
        var changed = await store.Snapshots.ChangedSinceAsync(DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
        Assert.Equal([.. ids, "never-written"], changed.Select(c => c.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheCatalog_PagesInIdOrder_AndByUpdateTime_ResumingAmongWritesOfOneMillisecond()
    {
        var (_, store) = await OpenAsync();
        var writes = Enumerable.Range(0, 25).Select(i => Write(i)).ToList();
        await store.Articles.WriteAsync(writes, Model, CancellationToken.None); // one batch: one update time
        await store.Articles.DeleteAsync(["a-010"], Model, CancellationToken.None);
        var ids = writes.Select(w => w.Article.Id).Where(id => id != "a-010").ToList();

        var (byId, pages) = await ReadAllAsync(next => store.Catalog.ListAsync(next?.Id, 7, CancellationToken.None));
        Assert.Equal(ids, byId.Select(a => a.Id));
        Assert.Equal(4, pages);
        var written = byId[0].Updated!.Value;
        Assert.All(byId, a => Assert.Equal(written, a.Updated));

        // Every write shares its millisecond: pages of 7 must resume among them, in id order.
        var (byTime, _) = await ReadAllAsync(next => store.Catalog.ListUpdatedAsync(written, next, 7, CancellationToken.None));
        Assert.Equal(ids, byTime.Select(a => a.Id));
        Assert.Empty((await store.Catalog.ListUpdatedAsync(written.AddMilliseconds(1), null, 7, CancellationToken.None)).Articles);

        // A write made while a client pages comes on a later page, not lost behind the position.
        var first = await store.Catalog.ListUpdatedAsync(written, null, 10, CancellationToken.None);
        await Task.Delay(5);
        await store.Articles.WriteAsync([Write(2, "rewritten")], Model, CancellationToken.None);
        var (rest, _) = await ReadAllAsync(next => store.Catalog.ListUpdatedAsync(written, next, 10, CancellationToken.None), first.Next);
        Assert.Equal([.. ids.Skip(10).Where(id => id != "a-002"), "a-002"], rest.Select(a => a.Id));
        var rewritten = rest[^1].Updated!.Value;
        Assert.True(rewritten > written);
        Assert.Equal(["a-002"], (await store.Catalog.ListUpdatedAsync(rewritten, null, 7, CancellationToken.None)).Articles.Select(a => a.Id));
        Assert.Equal(rewritten, (await store.Catalog.GetAsync("a-002", CancellationToken.None))!.Updated);
    }

    /// <summary>Every page from <paramref name="start"/> on, and how many pages there were.</summary>
    private static async Task<(List<(string Id, DateTimeOffset? Updated)> Articles, int Pages)> ReadAllAsync(
        Func<CatalogPosition?, Task<CatalogPage>> page, CatalogPosition? start = null)
    {
        var all = new List<(string, DateTimeOffset?)>();
        var (next, pages) = (start, 0);
        do
        {
            var read = await page(next);
            all.AddRange(read.Articles);
            next = read.Next;
            pages++;
        }
        while (next is not null && pages < 100);
        return (all, pages);
    }

    [Fact]
    public async Task Vectors_OfAnotherModel_AreWrittenAndDroppedApart()
    {
        var (_, store) = await OpenAsync();
        await store.Articles.WriteAsync(Enumerable.Range(0, 10).Select(i => Write(i)).ToList(), Model, CancellationToken.None);
        await store.Articles.WriteVectorsAsync("contract-model-2", [("a-004", [9f, 9f, 9f])], CancellationToken.None);
        var other = (await store.Articles.GetStoredAsync(["a-004"], "contract-model-2", CancellationToken.None)).Single();
        Assert.Equal(new[] { 9f, 9f, 9f }, other.Vector!);

        await store.Articles.DeleteVectorsAsync(Model, ["a-004", "a-005"], CancellationToken.None);
        var afterDrop = await store.Articles.GetStoredAsync(["a-004", "a-005", "a-006"], Model, CancellationToken.None);
        Assert.Equal([null, null, [6f, 1f, -0.5f]], afterDrop.Select(a => a.Vector));
        Assert.NotNull((await store.Articles.GetStoredAsync(["a-004"], "contract-model-2", CancellationToken.None)).Single().Vector);
    }

    [Fact]
    public async Task Snapshot_ThatFailsToBeWritten_LeavesThePreviousOne_AndOneReplacedWhileRead_IsRefusedByName()
    {
        var (_, store) = await OpenAsync();
        var first = Bytes(2_500_000, seed: 1);
        var takenAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt, WriterOf(first), CancellationToken.None);

        // A writer that fails after three chunks' worth: its error reaches the caller, the first snapshot stays.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt.AddSeconds(1), async (stream, ct) =>
        {
            await stream.WriteAsync(Bytes(3_500_000, seed: 2), ct);
            throw new InvalidOperationException("the index went away");
        }, CancellationToken.None));
        Assert.Equal("the index went away", failure.Message);
        var kept = (await store.Snapshots.OpenSnapshotAsync("contract-fit", CancellationToken.None))!.Value;
        Assert.Equal(takenAt, kept.TakenAt);
        Assert.Equal(first, await ReadWholeAsync(kept.Snapshot));

        // A snapshot larger than what a reader fetches ahead (16 chunks in flight, 16 in its buffer),
        // replaced before it is read: the reader is told so rather than handed a mix of the two.
        var large = Bytes(48 * 1024 * 1024, seed: 3);
        await store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt.AddSeconds(2), WriterOf(large), CancellationToken.None);
        var opened = (await store.Snapshots.OpenSnapshotAsync("contract-fit", CancellationToken.None))!.Value;
        await store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt.AddSeconds(3), WriterOf(first), CancellationToken.None);
        var replaced = await Assert.ThrowsAsync<InvalidDataException>(() => ReadWholeAsync(opened.Snapshot));
        Assert.Contains("replaced while it was being read", replaced.Message);
        Assert.Equal(first, await ReadWholeAsync((await store.Snapshots.OpenSnapshotAsync("contract-fit", CancellationToken.None))!.Value.Snapshot));
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="bytes"/> in pieces of 300,001 bytes, which do not fall on the store's chunk boundaries.</summary>
    private static Func<Stream, CancellationToken, Task> WriterOf(byte[] bytes) => async (stream, ct) =>
    {
        for (var offset = 0; offset < bytes.Length; offset += 300_001)
        {
            await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(300_001, bytes.Length - offset)), ct);
        }
    };

    private static async Task<byte[]> ReadWholeAsync(Stream snapshot)
    {
        await using (snapshot)
        {
            using var whole = new MemoryStream();
            await snapshot.CopyToAsync(whole);
            return whole.ToArray();
        }
    }

    [Fact]
    public async Task ModelSnapshotRulesAndFeedback_RoundTrip()
    {
        var (_, store) = await OpenAsync();
        var info = new ModelInfo("contract-fit", DateTimeOffset.UnixEpoch.AddDays(20_000), 10, 3, 1.5, "a test model") { CorpusArticles = 12, Format = 2 };
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        await store.Models.SetActiveModelAsync(info, bytes, CancellationToken.None);
        Assert.Equal(info, await store.Models.GetActiveModelInfoAsync(CancellationToken.None));
        Assert.Equal(bytes, (await store.Models.GetActiveModelAsync(CancellationToken.None))!.Model);

        // A snapshot larger than one chunk, written in pieces that do not fall on chunk boundaries,
        // comes back whole, only for the model it was taken of.
        var snapshot = Bytes(5_000_000, seed: 7);
        var takenAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt, WriterOf(snapshot), CancellationToken.None);
        var read = (await store.Snapshots.OpenSnapshotAsync("contract-fit", CancellationToken.None))!.Value;
        Assert.Equal(takenAt, read.TakenAt);
        Assert.Equal(snapshot.Length, read.Bytes);
        Assert.Equal(snapshot, await ReadWholeAsync(read.Snapshot));
        Assert.Null(await store.Snapshots.OpenSnapshotAsync("another-model", CancellationToken.None));
        // A later snapshot replaces it (and its chunks, which a cluster spreads over its masters, are dropped).
        var later = Bytes(3_000_000, seed: 8);
        await store.Snapshots.WriteSnapshotAsync("contract-fit", takenAt.AddSeconds(1), WriterOf(later), CancellationToken.None);
        Assert.Equal(later, await ReadWholeAsync((await store.Snapshots.OpenSnapshotAsync("contract-fit", CancellationToken.None))!.Value.Snapshot));

        var rule = new EditorialRule { Id = "r1", Action = RuleAction.Block, Section = "sport", Note = "contract", Created = takenAt };
        await store.Rules.SaveRuleAsync(rule, CancellationToken.None);
        Assert.Equal([rule], await store.Rules.GetRulesAsync(CancellationToken.None));
        Assert.True(await store.Rules.DeleteRuleAsync("r1", CancellationToken.None));
        Assert.False(await store.Rules.DeleteRuleAsync("r1", CancellationToken.None));

        var click = new FeedbackEvent("rec-1", FeedbackKind.Click, "a-001", 2);
        var dedup = new FeedbackDeduplication(TimeSpan.FromMinutes(5), 1_000);
        FeedbackRecord Of(FeedbackEvent e, byte list = 1) => new(e, "sport", takenAt, [list, 0, 0, 0, 0, 0, 0, 7]);
        Assert.Equal(1, await store.Feedback.RecordFeedbackAsync([Of(click)], dedup, CancellationToken.None));
        Assert.Equal(0, await store.Feedback.RecordFeedbackAsync([Of(click)], dedup, CancellationToken.None));
        Assert.Equal(1, (await store.Feedback.GetFeedbackAsync(CancellationToken.None)).Clicks);
    }

    [Fact]
    public async Task FeedbackDeduplication_RemembersAtMostItsCapacity_AndThenCountsWithoutRemembering()
    {
        var (_, store) = await OpenAsync();
        var issued = DateTimeOffset.UtcNow;
        // One hour's share of a capacity of 3 over a window of an hour: 3 events.
        var dedup = new FeedbackDeduplication(TimeSpan.FromHours(1), 3);
        FeedbackRecord Shown(byte list, int position) =>
            new(new FeedbackEvent("rec", FeedbackKind.Impression, "a-001", position), "sport", issued, [list, 1, 2, 3, 4, 5, 6, 7]);

        var first = await store.Feedback.RecordFeedbackAsync([Shown(1, 1), Shown(1, 2), Shown(2, 1)], dedup, CancellationToken.None);
        var resent = await store.Feedback.RecordFeedbackAsync([Shown(1, 1), Shown(2, 1)], dedup, CancellationToken.None);
        var pastCapacity = await store.Feedback.RecordFeedbackAsync([Shown(3, 1)], dedup, CancellationToken.None);
        var pastCapacityResent = await store.Feedback.RecordFeedbackAsync([Shown(3, 1)], dedup, CancellationToken.None);
        var rememberedResent = await store.Feedback.RecordFeedbackAsync([Shown(1, 2)], dedup, CancellationToken.None);

        Assert.Equal((3, 0, 1, 1, 0), (first, resent, pastCapacity, pastCapacityResent, rememberedResent));
        Assert.Equal(5, (await store.Feedback.GetFeedbackAsync(CancellationToken.None)).Impressions);
    }

    [Fact]
    public async Task TheRefitLease_IsHeldByOneOwnerAtATime()
    {
        var (_, store) = await OpenAsync();
        Assert.True(await store.Models.TryLeaseRefitAsync("replica-a", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await store.Models.TryLeaseRefitAsync("replica-b", TimeSpan.FromSeconds(30), CancellationToken.None));
        await store.Models.ReleaseRefitLeaseAsync("replica-b", CancellationToken.None); // not its lease: no effect
        Assert.False(await store.Models.TryLeaseRefitAsync("replica-b", TimeSpan.FromSeconds(30), CancellationToken.None));
        await store.Models.ReleaseRefitLeaseAsync("replica-a", CancellationToken.None);
        Assert.True(await store.Models.TryLeaseRefitAsync("replica-b", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.True(await store.Models.TryLeaseRefitAsync("replica-b", TimeSpan.FromMilliseconds(300), CancellationToken.None)); // its holder renews it

        // A renewal that comes after the lease expired takes it again: its holder is not told that another holds it.
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.True(await store.Models.TryLeaseRefitAsync("replica-b", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.False(await store.Models.TryLeaseRefitAsync("replica-a", TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public async Task ChangeNotices_ReachEverySubscriber_InOrder()
    {
        var (stores, store) = await OpenAsync();
        var other = stores.Open(store.Namespace); // a second replica's view of the same namespace
        var received = new List<ChangeNotice>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await other.Changes.SubscribeAsync(notice =>
        {
            lock (received)
            {
                received.Add(notice);
                if (received.Count == 20)
                {
                    all.SetResult();
                }
            }
            return Task.CompletedTask;
        }, CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            await store.Changes.PublishAsync(new ChangeNotice("replica-a", [$"a-{i:D3}"], [], null), CancellationToken.None);
        }
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"a-{i:D3}"), received.Select(n => n.Upserted.Single()));
    }

    [Fact]
    public async Task DroppingANamespace_RemovesEveryKeyOfIt_AndNothingElse()
    {
        var (stores, store) = await OpenAsync();
        var neighbour = stores.Open(store.Namespace + "-x"); // its name starts with the dropped one's
        await store.Articles.WriteAsync(Enumerable.Range(0, 50).Select(i => Write(i)).ToList(), Model, CancellationToken.None);
        await store.Rules.SaveRuleAsync(new EditorialRule { Id = "r1", Action = RuleAction.Block, Section = "sport" }, CancellationToken.None);
        await neighbour.Articles.WriteAsync([Write(1)], Model, CancellationToken.None);
        Assert.True(await stores.ExistsAsync(store.Namespace, CancellationToken.None));

        Assert.Equal(50, await stores.DropAsync(store.Namespace, CancellationToken.None));

        Assert.False(await stores.ExistsAsync(store.Namespace, CancellationToken.None));
        Assert.Empty(await store.Catalog.ListIdsAsync(CancellationToken.None));
        Assert.Empty(await store.Articles.GetArticlesAsync(["a-001", "a-049"], CancellationToken.None));
        Assert.Empty(await store.Rules.GetRulesAsync(CancellationToken.None));
        Assert.Equal(["a-001"], await neighbour.Catalog.ListIdsAsync(CancellationToken.None));
    }
}

public sealed class EmbeddedStoreContractTests : StoreContractTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewEmbedded();
}

public sealed class RedisStoreContractTests : StoreContractTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewRedis();
}

public sealed class ClusterStoreContractTests : StoreContractTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewCluster();
}

/// <summary>The in-memory store of the engine's tests, held to the same contract.</summary>
public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override StoreSetup NewStore() => throw new InvalidOperationException("The in-memory store needs no service.");

    protected override Task<INamespaceStores> StoresAsync() => Task.FromResult<INamespaceStores>(new Testing.InMemoryStores());
}
