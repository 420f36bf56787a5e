using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// Lists for several articles (a reader's history, a topic page) with "less like this", through a
/// real channel and the JSON route, on the 30 sample articles (six per section).
/// </summary>
public sealed class ReadingHistoryTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, httpPort: true).StartAsync();
        await TestData.ImportAsync(_host.Client, TestData.Samples());
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private static GetRelatedRequest History(HistoryStrategy strategy, int limit, string[] like, params string[] unlike)
    {
        var request = new GetRelatedRequest { Strategy = strategy, Options = new RelatedOptions { Limit = limit } };
        request.Like.AddRange(like.Select(id => new LikedArticle { Id = id }));
        request.Unlike.AddRange(unlike);
        return request;
    }

    private static string Section(string id) => id[..id.IndexOf('-')];

    [Theory]
    [InlineData(HistoryStrategy.Centroid)]
    [InlineData(HistoryStrategy.Fusion)]
    public async Task AHistory_LeavesOutEveryGivenArticle_ReportsUnknownIds_AndSaysWhereEachSuggestionComesFrom(HistoryStrategy strategy)
    {
        string[] like = ["sport-001", "tech-001", "no-such-article"];
        var list = await _host.Client.GetRelatedAsync(History(strategy, 8, like, "sport-002", "also-missing"));
        var ids = list.Items.Select(i => i.Id).ToList();

        Assert.Equal(8, ids.Count);
        Assert.Equal(["no-such-article", "also-missing"], list.UnknownIds);
        Assert.DoesNotContain(ids, id => id is "sport-001" or "tech-001" or "sport-002");
        Assert.All(list.Items, item => Assert.NotEmpty(item.BasedOn));
        Assert.All(list.Items, item => Assert.All(item.BasedOn, source => Assert.Contains(source, new[] { "sport-001", "tech-001" })));
        Assert.Contains(list.Items, item => item.BasedOn[0] == "sport-001");
        Assert.Contains(list.Items, item => item.BasedOn[0] == "tech-001");
        Assert.Equal(TestData.RecommendationIdLength(8), list.RecommendationId.Length);
    }

    /// <summary>Two articles of each of two sections: the list serves both, whichever the strategy.</summary>
    [Theory]
    [InlineData(HistoryStrategy.Centroid)]
    [InlineData(HistoryStrategy.Fusion)]
    public async Task AMixedHistory_GetsSuggestionsOnEachTopic(HistoryStrategy strategy)
    {
        var list = await _host.Client.GetRelatedAsync(History(strategy, 6, ["sport-001", "culture-001", "sport-003", "culture-002"]));
        var sections = list.Items.GroupBy(i => Section(i.Id)).ToDictionary(g => g.Key, g => g.Count());

        Assert.True(sections.GetValueOrDefault("sport") >= 2 && sections.GetValueOrDefault("culture") >= 2, string.Join(", ", list.Items.Select(i => i.Id)));
    }

    [Fact]
    public async Task WrongHistories_AreRefusedNamingTheField_AndOneOfOnlyUnknownIdsIsNotFound()
    {
        var both = History(HistoryStrategy.Centroid, 5, ["sport-001"]);
        both.Id = "tech-001";
        var tooMany = History(HistoryStrategy.Centroid, 5, Enumerable.Range(0, 51).Select(i => $"a-{i}").ToArray());
        var badWeight = History(HistoryStrategy.Centroid, 5, ["sport-001"]);
        badWeight.Like[0].Weight = -1;
        var badDecay = History(HistoryStrategy.Centroid, 5, ["sport-001"]);
        badDecay.RecencyDecay = 1;
        async Task<string> Field(GetRelatedRequest request)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetRelatedAsync(request).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
            return ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field;
        }

        Assert.Equal("like", await Field(both));
        Assert.Equal("like", await Field(tooMany));
        Assert.Equal("like[0].weight", await Field(badWeight));
        Assert.Equal("recency_decay", await Field(badDecay));
        Assert.Equal("unlike[0]", await Field(History(HistoryStrategy.Centroid, 5, ["sport-001"], "bad id")));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetRelatedAsync(History(HistoryStrategy.Fusion, 5, ["nope", "nada"])).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    /// <summary>A block applies to lists for several articles as to one article's; a pin of the first article's list too.</summary>
    [Fact]
    public async Task EditorialRules_ApplyToAHistorysList()
    {
        var before = await _host.Client.GetRelatedAsync(History(HistoryStrategy.Centroid, 5, ["tech-001", "tech-002"]));
        var blocked = before.Items[0].Id;
        await _host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, ArticleId = blocked } });
        await _host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Pin, ArticleId = "culture-006", InListOf = "tech-001", Position = 1 } });

        var after = await _host.Client.GetRelatedAsync(History(HistoryStrategy.Centroid, 5, ["tech-001", "tech-002"]));

        Assert.DoesNotContain(blocked, after.Items.Select(i => i.Id));
        Assert.Equal("culture-006", after.Items[0].Id);
    }

    [Fact]
    public async Task TheJsonRoute_TakesLikeUnlikeAndStrategy_AndAnswersAsTheRpc()
    {
        using var http = new HttpClient { BaseAddress = _host.HttpAddress };
        var body = new
        {
            like = new object[] { new { id = "business-001" }, new { id = "tech-003", weight = 2 } },
            unlike = new[] { "business-002" },
            strategy = "HISTORY_STRATEGY_FUSION",
            options = new { limit = 4 },
        };

        using var response = await http.PostAsJsonAsync("/v1/related", body);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var request = History(HistoryStrategy.Fusion, 4, ["business-001", "tech-003"], "business-002");
        request.Like[1].Weight = 2;
        var grpc = await _host.Client.GetRelatedAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(grpc.Items.Select(i => i.Id), json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.All(json.GetProperty("items").EnumerateArray(), i => Assert.True(i.GetProperty("basedOn").GetArrayLength() > 0));
    }

    [Fact]
    public async Task TheCli_ListsForSeveralArticles_WithUnlikeAndStrategy()
    {
        var result = await CliProcess.RunAsync(_host.Address!, null, "related", "sport-001", "tech-001", "nope", "--unlike", "sport-002", "--strategy", "fusion", "--limit", "4", "--json");
        var text = await CliProcess.RunAsync(_host.Address!, null, "related", "sport-001", "tech-001", "--limit", "2");
        var strategyForOne = await CliProcess.RunAsync(_host.Address!, null, "related", "sport-001", "--strategy", "fusion");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(["nope"], json.GetProperty("unknownIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(4, json.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain(json.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() is "sport-001" or "tech-001" or "sport-002");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("because of", text.Stdout);
        Assert.Equal(2, strategyForOne.ExitCode); // a strategy is for several articles: refused, not ignored
        Assert.Contains("--strategy", strategyForOne.Stderr);
    }
}
