using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>
/// The gRPC API through a real channel to the real server. Each test runs once against the
/// embedded Garnet store and once against a real redis-server (the subclasses below).
/// </summary>
public abstract class RecommenderApiTests : StoreBackedTests
{
    protected async Task<RecommenderService.RecommenderServiceClient> StartWithSamplesAsync()
    {
        var client = (await StartAsync()).Client;
        await TestData.ImportAsync(client, TestData.Samples());
        return client;
    }

    private static DomainArticle Sample(string id) => TestData.Samples().Single(a => a.Article.Id == id).Article;

    [Fact]
    public async Task FirstImport_RefitsOnTheCorpus_AndListsComeFromThatModel()
    {
        var client = (await StartAsync()).Client;
        var before = await client.GetStatsAsync(new GetStatsRequest());
        Assert.StartsWith("default-", before.Model.Version);

        await TestData.ImportAsync(client, TestData.Samples());

        var stats = await client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(30, stats.Corpus.Articles);
        Assert.Equal(6, stats.Corpus.Sections["sport"]);
        Assert.DoesNotMatch("^default-", stats.Model.Version);
        Assert.Equal(30, stats.Model.FittedOnArticles);
        var related = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });
        Assert.Equal(stats.Model.Version, related.ModelVersion);
    }

    [Fact]
    public async Task GetRelated_StoredArticle_ReturnsFiveNeighboursWithMetadataBestFirst()
    {
        var client = await StartWithSamplesAsync();

        var response = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });

        Assert.Equal(5, response.Items.Count);
        Assert.DoesNotContain(response.Items, i => i.Id == "sport-001");
        Assert.True(response.Items.Zip(response.Items.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        var first = response.Items[0];
        var stored = Sample(first.Id);
        Assert.Equal((stored.Title, stored.Url, stored.Section), (first.Title, first.Url, first.Section));
        Assert.Equal(stored.Published, first.Published.ToDateTimeOffset());
        // A football report's nearest neighbours are mostly other sport stories.
        Assert.True(response.Items.Take(3).Count(i => i.Section == "sport") >= 2,
            string.Join(", ", response.Items.Select(i => $"{i.Id} {i.Score:0.00}")));
    }

    [Fact]
    public async Task GetRelated_Filters_RestrictSectionsExcludeIdsAndDates()
    {
        var client = await StartWithSamplesAsync();
        var all = await client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-001", Options = new RelatedOptions { Limit = 50 } });
        Assert.Equal(29, all.Items.Count);

        var options = new RelatedOptions { Limit = 50, PublishedAfter = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 10, 10, 0, 0, 0, TimeSpan.Zero)) };
        options.IncludeSections.Add("BUSINESS");
        options.ExcludeIds.Add("business-006");
        var filtered = await client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-001", Options = options });

        var expected = TestData.Samples().Select(a => a.Article)
            .Where(a => a.Section == "business" && a.Id != "business-006" && a.Published > options.PublishedAfter.ToDateTimeOffset())
            .Select(a => a.Id).Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, filtered.Items.Select(i => i.Id).Order().ToList());
    }

    [Fact]
    public async Task Upsert_SameBatchTwice_SecondIsUnchangedAndEmbedsNothing()
    {
        var client = await StartWithSamplesAsync();
        var articles = TestData.Samples().Take(5).Select(a => a.Article).ToArray();

        var again = await client.UpsertArticlesAsync(TestData.Upsert(articles));

        Assert.Equal((0, 0, 5, 0), (again.Created, again.Updated, again.Unchanged, again.Embedded));
    }

    [Fact]
    public async Task Upsert_MetadataChange_UpdatesWithoutEmbedding_TextChange_Embeds()
    {
        var client = await StartWithSamplesAsync();
        var article = Sample("culture-001");

        var moved = await client.UpsertArticlesAsync(TestData.Upsert(article with { Section = "film" }));
        var rewritten = await client.UpsertArticlesAsync(TestData.Upsert(article with { Section = "film", Title = "A new headline" }));

        Assert.Equal((0, 1, 0, 0), (moved.Created, moved.Updated, moved.Unchanged, moved.Embedded));
        Assert.Equal((0, 1, 0, 1), (rewritten.Created, rewritten.Updated, rewritten.Unchanged, rewritten.Embedded));
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "culture-002", Options = new RelatedOptions { Limit = 50 } });
        var item = Assert.Single(list.Items, i => i.Id == "culture-001");
        Assert.Equal(("film", "A new headline"), (item.Section, item.Title));
    }

    [Fact]
    public async Task Upsert_InvalidArticle_IsInvalidArgumentNamingTheField_AndStoresNothing()
    {
        var client = (await StartAsync()).Client;
        var good = new DomainArticle("fine", "A title", "A body");
        var bad = new DomainArticle("broken", "", "A body");

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UpsertArticlesAsync(TestData.Upsert(good, bad)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violation = Assert.Single(ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations);
        Assert.Equal("articles[1].title", violation.Field);
        Assert.Equal(0, (await client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    [Fact]
    public async Task Upsert_DuplicateIdsInABatch_IsInvalidArgument()
    {
        var client = (await StartAsync()).Client;
        var a = new DomainArticle("same", "A title", "A body");

        var ex = await Assert.ThrowsAsync<RpcException>(() => client.UpsertArticlesAsync(TestData.Upsert(a, a)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("articles[1].id", ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Field);
    }

    [Fact]
    public async Task GetRelated_UnknownId_IsNotFound()
    {
        var client = await StartWithSamplesAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.GetRelatedAsync(new GetRelatedRequest { Id = "no-such-article" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no-such-article", ex.Status.Detail);
    }

    [Theory]
    [InlineData(51, "options.limit")]
    [InlineData(-1, "options.limit")]
    public async Task GetRelated_LimitOutOfRange_IsInvalidArgumentNamingTheField(int limit, string field)
    {
        var client = await StartWithSamplesAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = limit } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(field, ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Field);
        Assert.DoesNotContain("   at ", ex.Status.Detail);
    }

    [Fact]
    public async Task GetRelated_DuplicateBodies_NeverShowsTheQuerysCopyOrOneStoryTwice()
    {
        var client = await StartWithSamplesAsync();
        var original = Sample("business-001");
        var copies = Enumerable.Range(1, 3).Select(i => original with { Id = $"syndicated-{i}", Body = "  " + original.Body.ToUpperInvariant() + "\n" }).ToArray();
        // A copy of the story the list shows first: one of the two must go.
        var first = (await client.GetRelatedAsync(new GetRelatedRequest { Id = "business-001", Options = new RelatedOptions { Limit = 1 } })).Items[0].Id;
        var otherCopy = Sample(first) with { Id = first + "-copy" };
        await client.UpsertArticlesAsync(TestData.Upsert([.. copies, otherCopy]));

        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "business-001", Options = new RelatedOptions { Limit = 10 } });

        var ids = list.Items.Select(i => i.Id).ToList();
        Assert.DoesNotContain(ids, id => id.StartsWith("syndicated-", StringComparison.Ordinal));
        Assert.Single(ids, id => id == first || id == first + "-copy");
        Assert.Equal(10, ids.Count);
    }

    [Fact]
    public async Task Delete_RemovesArticlesFromListsAndStats()
    {
        var client = await StartWithSamplesAsync();
        var request = new DeleteArticlesRequest();
        request.Ids.AddRange(["politics-002", "politics-003", "never-stored"]);

        var response = await client.DeleteArticlesAsync(request);

        Assert.Equal((2, 1), (response.Deleted, response.NotFound));
        Assert.Equal(28, (await client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-001", Options = new RelatedOptions { Limit = 50 } });
        Assert.DoesNotContain(list.Items, i => i.Id is "politics-002" or "politics-003");
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-002" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task PreviewRelated_Draft_SuggestsStoredArticlesOnItsSubject()
    {
        var client = await StartWithSamplesAsync();

        var response = await client.PreviewRelatedAsync(new PreviewRelatedRequest
        {
            Title = "Striker's late goal keeps title race alive",
            Body = "A late goal from the striker gave the league leaders a win on Saturday. The manager said the title race " +
                   "would go to the final day, and the team's spirit had been superb all season.",
            Options = new RelatedOptions { Limit = 3 },
        });

        Assert.Equal(3, response.Items.Count);
        Assert.Equal("sport-001", response.Items[0].Id);
    }

    [Fact]
    public async Task PreviewRelated_EmptyDraft_IsInvalidArgument()
    {
        var client = await StartWithSamplesAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.PreviewRelatedAsync(new PreviewRelatedRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("body", ex.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Field);
    }

    [Fact]
    public async Task Retrain_FitsANewModelOnTheStoredCorpus()
    {
        var client = await StartWithSamplesAsync();
        var before = await client.GetStatsAsync(new GetStatsRequest());

        var retrained = await client.RetrainAsync(new RetrainRequest());

        Assert.NotEqual(before.Model.Version, retrained.Model.Version);
        Assert.Equal(30, retrained.Model.FittedOnArticles);
        Assert.Equal(30, retrained.Corpus.Articles);
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "tech-002" });
        Assert.Equal(retrained.Model.Version, list.ModelVersion);
        Assert.Equal(5, list.Items.Count);
    }

    [Fact]
    public async Task Retrain_EmptyCorpus_IsFailedPrecondition()
    {
        var client = (await StartAsync()).Client;
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.RetrainAsync(new RetrainRequest()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
    }

    [Fact]
    public async Task Namespaces_OnOneServer_AreIsolated_AndCanBeDeleted()
    {
        var host = await StartAsync();
        var client = host.Client;
        var site = TestData.Upsert(TestData.Samples().Take(12).Select(a => a.Article).ToArray());
        site.Namespace = "site-b";
        await client.UpsertArticlesAsync(site);

        var b = await TestData.WaitForRefitAsync(client, "site-b");
        var main = await client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(("site-b", 12), (b.Namespace, b.Corpus.Articles));
        Assert.Equal(0, main.Corpus.Articles);
        Assert.DoesNotMatch("^default-", b.Model.Version);
        Assert.StartsWith("default-", main.Model.Version);
        var inB = await client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-001", Namespace = "site-b" });
        Assert.NotEmpty(inB.Items);
        var notInMain = await Assert.ThrowsAsync<RpcException>(() => client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-001" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notInMain.StatusCode);

        var deleted = await client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = "site-b" });

        Assert.Equal(12, deleted.DeletedArticles);
        // Deleted whole: a read finds nothing to open (namespaces are created by writes).
        var gone = await Assert.ThrowsAsync<RpcException>(() => client.GetStatsAsync(new GetStatsRequest { Namespace = "site-b" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Namespaces_BadNameOrTheDefault_AreRefused()
    {
        var client = (await StartAsync()).Client;

        var bad = await Assert.ThrowsAsync<RpcException>(() => client.GetStatsAsync(new GetStatsRequest { Namespace = "no spaces" }).ResponseAsync);
        var current = await client.GetStatsAsync(new GetStatsRequest());
        var dropDefault = await Assert.ThrowsAsync<RpcException>(() =>
            client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = current.Namespace }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal("namespace", bad.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations[0].Field);
        Assert.Equal(StatusCode.FailedPrecondition, dropDefault.StatusCode);
    }

    [Fact]
    public async Task Restart_KeepsEveryArticleTheModelAndTheLists()
    {
        var store = NewStore();
        var first = await StartAsync(store);
        await TestData.ImportAsync(first.Client, TestData.Samples());
        var statsBefore = await first.Client.GetStatsAsync(new GetStatsRequest());
        var listBefore = await first.Client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-004", Options = new RelatedOptions { Limit = 10 } });
        Stop(first);

        var second = await StartAsync(store);
        var statsAfter = await second.Client.GetStatsAsync(new GetStatsRequest());
        var listAfter = await second.Client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-004", Options = new RelatedOptions { Limit = 10 } });

        Assert.Equal(30, statsAfter.Corpus.Articles);
        Assert.Equal(statsBefore.Corpus.Sections, statsAfter.Corpus.Sections);
        Assert.Equal(statsBefore.Model.Version, statsAfter.Model.Version);
        Assert.False(statsAfter.RefitPending);
        Assert.Equal(listBefore.Items.Select(i => (i.Id, i.Title)), listAfter.Items.Select(i => (i.Id, i.Title)));
    }
}

public sealed class EmbeddedStoreApiTests : RecommenderApiTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewEmbedded();
}

public sealed class RedisStoreApiTests : RecommenderApiTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewRedis();
}

public sealed class ClusterStoreApiTests : RecommenderApiTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewCluster();
}
