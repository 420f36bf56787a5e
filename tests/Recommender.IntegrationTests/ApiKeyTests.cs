using Grpc.Core;
using Grpc.Health.V1;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>API keys on writes (and optionally reads), through the API and the CLI.</summary>
public sealed class ApiKeyTests
{
    private static Dictionary<string, string?> Keys(bool protectReads = false) => new()
    {
        ["Recommender:Auth:ApiKeys:0"] = "first-key",
        ["Recommender:Auth:ApiKeys:1"] = "second-key",
        ["Recommender:Auth:ProtectReads"] = protectReads ? "true" : "false",
    };

    private static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    [Fact]
    public async Task Writes_NeedAValidKey_ReadsStayOpenByDefault()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Keys()).StartAsync();
        var client = host.Client;
        var upsert = TestData.Upsert(TestData.Samples()[0].Article);

        var missing = await Assert.ThrowsAsync<RpcException>(() => client.UpsertArticlesAsync(upsert).ResponseAsync);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.UpsertArticlesAsync(upsert, Bearer("first-kez")).ResponseAsync);
        var notBearer = await Assert.ThrowsAsync<RpcException>(() =>
            client.UpsertArticlesAsync(upsert, new Metadata { { "authorization", "Basic Zmlyc3Qta2V5" } }).ResponseAsync);
        var retrain = await Assert.ThrowsAsync<RpcException>(() => client.RetrainAsync(new RetrainRequest()).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { "x" } }).ResponseAsync);
        var drop = await Assert.ThrowsAsync<RpcException>(() => client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = "x" }).ResponseAsync);
        var first = await client.UpsertArticlesAsync(upsert, Bearer("first-key"));
        var second = await client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { upsert.Articles[0].Id } }, Bearer("second-key"));
        var stats = await client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, notBearer.StatusCode);
        Assert.All(new[] { retrain, delete, drop }, ex => Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode));
        Assert.Equal(1, first.Created);
        Assert.Equal(1, second.Deleted);
        Assert.Equal(0, stats.Corpus.Articles);
    }

    [Fact]
    public async Task RuleChanges_NeedAKey_OverGrpcAndJson_FeedbackAndListingDoNot()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Keys()).StartAsync();
        await host.Client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples()[0].Article), Bearer("first-key"));
        var block = new EditorialRule { Action = RuleAction.Block, Section = "sport" };
        using var http = host.CreateClient();

        var grpcAdd = await Assert.ThrowsAsync<RpcException>(() => host.Client.AddRuleAsync(new AddRuleRequest { Rule = block }).ResponseAsync);
        var jsonAdd = await http.PostAsync("/v1/rules", JsonContent("""{"action":"RULE_ACTION_BLOCK","section":"sport"}"""));
        var added = await host.Client.AddRuleAsync(new AddRuleRequest { Rule = block }, Bearer("first-key"));
        var grpcRemove = await Assert.ThrowsAsync<RpcException>(() => host.Client.RemoveRuleAsync(new RemoveRuleRequest { Id = added.Id }).ResponseAsync);
        var jsonRemove = await http.DeleteAsync($"/v1/rules/{added.Id}");
        using var withKey = new HttpRequestMessage(HttpMethod.Delete, $"/v1/rules/{added.Id}") { Headers = { { "Authorization", "Bearer second-key" } } };
        var jsonRemoveWithKey = await http.SendAsync(withKey);
        var listed = await host.Client.ListRulesAsync(new ListRulesRequest());
        var list = await host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "Cup final", Body = "A football match." });
        var feedback = await host.Client.RecordFeedbackAsync(new RecordFeedbackRequest
        {
            Events = { new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Click, ArticleId = list.Items[0].Id, Position = 1 } },
        });

        Assert.Equal(StatusCode.Unauthenticated, grpcAdd.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, jsonAdd.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, grpcRemove.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, jsonRemove.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, jsonRemoveWithKey.StatusCode);
        Assert.Empty(listed.Rules);
        Assert.Equal(1, feedback.Recorded);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task ProtectReads_KeysAreNeededForReadsToo_ButNotForHealth()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Keys(protectReads: true)).StartAsync();

        var read = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetStatsAsync(new GetStatsRequest()).ResponseAsync);
        var preview = await Assert.ThrowsAsync<RpcException>(() =>
            host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "t", Body = "b" }).ResponseAsync);
        var withKey = await host.Client.GetStatsAsync(new GetStatsRequest(), Bearer("second-key"));
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(StatusCode.Unauthenticated, read.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, preview.StatusCode);
        Assert.Equal(0, withKey.Corpus.Articles);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Cli_SendsTheKeyFromTheOptionOrTheEnvironment()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, settings: Keys()).StartAsync();

        var refused = await CliProcess.RunAsync(host.Address!, null, "import", TestData.SamplesPath);
        var accepted = await CliProcess.RunAsync(host.Address!, null, "import", TestData.SamplesPath, "--api-key", "first-key");
        var fromEnvironment = await CliProcess.RunAsync(host.Address!, null,
            new Dictionary<string, string> { ["RECOMMENDER_API_KEY"] = "second-key" }, "delete", "tech-001");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Unauthenticated", refused.Stderr);
        Assert.True(accepted.ExitCode == 0, accepted.Stderr);
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.Stderr);
        Assert.Contains("Deleted 1", fromEnvironment.Stdout);
    }
}
