using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// Editorial rules and click feedback through a real channel to the real server, once against the
/// embedded store and once against a real redis-server (the subclasses below).
/// </summary>
public abstract class EditorialToolsTests : StoreBackedTests
{
    private async Task<RecommenderService.RecommenderServiceClient> StartClientAsync(StoreSetup store, bool import = true)
    {
        var client = (await StartAsync(store)).Client;
        if (import)
        {
            await TestData.ImportAsync(client, TestData.Samples());
        }
        return client;
    }

    private static async Task<List<RelatedItem>> RelatedAsync(RecommenderService.RecommenderServiceClient client, string id, int limit = 5) =>
        [.. (await client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = new RelatedOptions { Limit = limit, Explain = true } })).Items];

    private static Task<EditorialRule> AddAsync(RecommenderService.RecommenderServiceClient client, EditorialRule rule) =>
        client.AddRuleAsync(new AddRuleRequest { Rule = rule }).ResponseAsync;

    private static readonly string[] AllIds = TestData.Samples().Select(a => a.Article.Id).ToArray();

    [Fact]
    public async Task Pin_PutsTheArticleAtItsPositionInThatListOnly_AndExplainsIt()
    {
        var client = await StartClientAsync(NewStore());
        var before = await RelatedAsync(client, "politics-001");
        var pinned = AllIds.First(id => id.StartsWith("sport-") && before.All(i => i.Id != id));

        var rule = await AddAsync(client, new EditorialRule { Action = RuleAction.Pin, ArticleId = pinned, InListOf = "politics-001", Position = 2, Note = "big match" });
        var after = await RelatedAsync(client, "politics-001");
        var elsewhere = await RelatedAsync(client, "politics-002", limit: 10);

        Assert.Matches("^r-[0-9a-f]{12}$", rule.Id);
        Assert.NotNull(rule.Created);
        Assert.Equal(5, after.Count);
        Assert.Equal(pinned, after[1].Id);
        Assert.Equal($"pinned at position 2 by rule {rule.Id}", after[1].Why.EditorialRule);
        Assert.Equal([before[0].Id, .. before.Skip(1).Take(3).Select(i => i.Id)], after.Where(i => i.Id != pinned).Select(i => i.Id));
        Assert.All(elsewhere, i => Assert.Equal("", i.Why.EditorialRule));
    }

    [Fact]
    public async Task Blocks_KeepAnArticleOutOfOneListOrAll_AndASectionOutOfListsUnderAnother()
    {
        var client = await StartClientAsync(NewStore());
        var target = (await RelatedAsync(client, "politics-002"))[0].Id;
        var otherBefore = await RelatedAsync(client, "business-001");

        await AddAsync(client, new EditorialRule { Action = RuleAction.Block, ArticleId = target, InListOf = "politics-002" });
        Assert.DoesNotContain(target, (await RelatedAsync(client, "politics-002")).Select(i => i.Id));
        Assert.Equal(otherBefore.Select(i => i.Id), (await RelatedAsync(client, "business-001")).Select(i => i.Id));

        await AddAsync(client, new EditorialRule { Action = RuleAction.Block, ArticleId = target });
        foreach (var id in AllIds.Where(id => id != target))
        {
            Assert.DoesNotContain(target, (await RelatedAsync(client, id, limit: 20)).Select(i => i.Id));
        }

        await AddAsync(client, new EditorialRule { Action = RuleAction.Block, Section = "culture", UnderSection = "politics" });
        foreach (var id in AllIds.Where(id => id.StartsWith("politics-")))
        {
            Assert.DoesNotContain("culture", (await RelatedAsync(client, id, limit: 20)).Select(i => i.Section));
        }
        Assert.Contains("culture", (await RelatedAsync(client, "business-001", limit: 20)).Select(i => i.Section));

        // A draft's section decides whether blocks "under" a section apply to it.
        var draft = new PreviewRelatedRequest { Title = "Budget", Body = "The council met to discuss the budget.", Options = new RelatedOptions { Limit = 28 } };
        var asPolitics = await client.PreviewRelatedAsync(new PreviewRelatedRequest(draft) { Section = "Politics" });
        var unfiled = await client.PreviewRelatedAsync(draft);
        Assert.DoesNotContain("culture", asPolitics.Items.Select(i => i.Section));
        Assert.Contains("culture", unfiled.Items.Select(i => i.Section));
    }

    [Fact]
    public async Task Rules_SurviveARestart_AreListed_AndRemovable()
    {
        var store = NewStore();
        var firstHost = await StartAsync(store);
        var first = firstHost.Client;
        await TestData.ImportAsync(first, TestData.Samples());
        var before = await RelatedAsync(first, "tech-001");
        var rule = await AddAsync(first, new EditorialRule
        {
            Action = RuleAction.Block, ArticleId = before[0].Id, Until = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)), Note = "legal",
        });
        Stop(firstHost);

        var second = await StartClientAsync(store, import: false);
        var listed = (await second.ListRulesAsync(new ListRulesRequest())).Rules;
        var whileBlocked = await RelatedAsync(second, "tech-001");
        await second.RemoveRuleAsync(new RemoveRuleRequest { Id = rule.Id });
        var afterRemoval = await RelatedAsync(second, "tech-001");
        var again = await Assert.ThrowsAsync<RpcException>(() => second.RemoveRuleAsync(new RemoveRuleRequest { Id = rule.Id }).ResponseAsync);

        Assert.Equal(rule, Assert.Single(listed));
        Assert.DoesNotContain(before[0].Id, whileBlocked.Select(i => i.Id));
        Assert.Equal(before.Select(i => i.Id), afterRemoval.Select(i => i.Id));
        Assert.Empty((await second.ListRulesAsync(new ListRulesRequest())).Rules);
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task BadRules_AreInvalidArgumentNamingTheField_UnknownPinnedArticleIsNotFound()
    {
        var client = await StartClientAsync(NewStore());

        var noList = await Assert.ThrowsAsync<RpcException>(() => AddAsync(client, new EditorialRule { Action = RuleAction.Pin, ArticleId = "sport-001", Position = 1 }));
        var noAction = await Assert.ThrowsAsync<RpcException>(() => AddAsync(client, new EditorialRule { ArticleId = "sport-001" }));
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            AddAsync(client, new EditorialRule { Action = RuleAction.Pin, ArticleId = "no-such-article", InListOf = "sport-002", Position = 1 }));

        Assert.Equal(StatusCode.InvalidArgument, noList.StatusCode);
        Assert.Equal("rule.in_list_of", noList.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal("rule.action", noAction.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-article", unknown.Status.Detail);
        Assert.Empty((await client.ListRulesAsync(new ListRulesRequest())).Rules);
    }

    [Fact]
    public async Task Feedback_CountsEachEventOnce_AndStatsShowClickThroughByPositionAndSection()
    {
        var client = await StartClientAsync(NewStore());
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 3 } });
        var otherList = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 3 } });
        var request = new RecordFeedbackRequest();
        for (var i = 0; i < 3; i++)
        {
            request.Events.Add(new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = list.Items[i].Id, Position = i + 1 });
        }
        request.Events.Add(new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Click, ArticleId = list.Items[1].Id, Position = 2 });

        var first = await client.RecordFeedbackAsync(request);
        var resent = await client.RecordFeedbackAsync(request);
        var stats = (await client.GetStatsAsync(new GetStatsRequest())).Feedback;

        Assert.NotEqual(list.RecommendationId, otherList.RecommendationId);
        var ns = (await client.GetStatsAsync(new GetStatsRequest())).Namespace; // each store's tests run in a namespace of their own
        Assert.Matches($"^[A-Za-z0-9_-]{{{TestData.RecommendationIdLength(3, ns)}}}$", list.RecommendationId);
        Assert.Equal((4, 0), (first.Recorded, first.Duplicates));
        Assert.Equal((0, 4), (resent.Recorded, resent.Duplicates));
        Assert.Equal((3L, 1L), (stats.Impressions, stats.Clicks));
        Assert.Equal(["1", "2", "3"], stats.ByPosition.Select(p => p.Key));
        Assert.Equal([0.0, 1.0, 0.0], stats.ByPosition.Select(p => p.ClickThroughRate));
        var expectedSections = list.Items.GroupBy(i => i.Section)
            .ToDictionary(g => g.Key, g => (Impressions: (long)g.Count(), Clicks: g.Any(i => i.Id == list.Items[1].Id) ? 1L : 0L));
        Assert.Equal(expectedSections, stats.BySection.ToDictionary(s => s.Key, s => (s.Impressions, s.Clicks)));
    }

    [Fact]
    public async Task BadFeedback_IsInvalidArgumentNamingTheEvent_AndCountsNothing()
    {
        var client = await StartClientAsync(NewStore(), import: false);
        var good = new FeedbackEvent { RecommendationId = "abc", Kind = FeedbackKind.Click, ArticleId = "a-1", Position = 1 };

        var position = await Assert.ThrowsAsync<RpcException>(() =>
            client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { good, new FeedbackEvent(good) { Position = 0 } } }).ResponseAsync);
        var missingId = await Assert.ThrowsAsync<RpcException>(() =>
            client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { new FeedbackEvent(good) { RecommendationId = "" } } }).ResponseAsync);
        var kind = await Assert.ThrowsAsync<RpcException>(() =>
            client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { new FeedbackEvent(good) { Kind = FeedbackKind.Unspecified } } }).ResponseAsync);

        Assert.Equal("events[1].position", position.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal("events[0].recommendation_id", missingId.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal("events[0].kind", kind.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
        Assert.Equal(0, (await client.GetStatsAsync(new GetStatsRequest())).Feedback.Clicks);
    }

    [Fact]
    public async Task SearchArticles_FindsHeadlinesHoldingEveryWord()
    {
        var client = await StartClientAsync(NewStore());
        var sample = TestData.Samples()[7].Article;
        var words = sample.Title.Split(' ').Where(w => w.Length > 3).Take(2).Select(w => w.ToUpperInvariant()).ToArray();

        var found = await client.SearchArticlesAsync(new SearchArticlesRequest { Query = string.Join(' ', words) });
        var none = await client.SearchArticlesAsync(new SearchArticlesRequest { Query = "zzzz-not-a-word" });
        var empty = await Assert.ThrowsAsync<RpcException>(() => client.SearchArticlesAsync(new SearchArticlesRequest { Query = " " }).ResponseAsync);

        Assert.Contains(sample.Id, found.Articles.Select(a => a.Id));
        Assert.All(found.Articles, a => Assert.All(words, w => Assert.Contains(w, a.Title, StringComparison.OrdinalIgnoreCase)));
        Assert.Empty(none.Articles);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
    }
}

public sealed class EmbeddedStoreEditorialToolsTests : EditorialToolsTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewEmbedded();
}

public sealed class RedisStoreEditorialToolsTests : EditorialToolsTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewRedis();
}

public sealed class ClusterStoreEditorialToolsTests : EditorialToolsTests
{
    protected override StoreSetup NewStore() => StoreSetup.NewCluster();
}
