using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>Configured limits are enforced and every refusal names the limit's key.</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task ConfiguredLimits_AreEnforced_AndNamedInTheError()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Limits:MaxBodyLength"] = "100",
            ["Recommender:Limits:MaxBatchSize"] = "2",
            ["Recommender:Limits:MaxListLimit"] = "3",
            ["Recommender:Limits:MaxFilterEntries"] = "2",
            ["Recommender:Limits:MaxRequestBytes"] = "4096",
        }).StartAsync();
        var client = host.Client;
        DomainArticle Article(string id, int bodyLength = 50) => new(id, "Title " + id, new string('b', bodyLength));

        async Task<(StatusCode Code, string Field, string Description)> Refusal(Func<Task> call)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(call);
            var violation = ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.Single();
            return (ex.StatusCode, violation?.Field ?? "", violation?.Description ?? ex.Status.Detail);
        }

        var body = await Refusal(() => client.UpsertArticlesAsync(TestData.Upsert(Article("a", 101))).ResponseAsync);
        var batch = await Refusal(() => client.UpsertArticlesAsync(TestData.Upsert(Article("a"), Article("b"), Article("c"))).ResponseAsync);
        await client.UpsertArticlesAsync(TestData.Upsert(Article("a"), Article("b")));
        var limit = await Refusal(() => client.GetRelatedAsync(new GetRelatedRequest { Id = "a", Options = new RelatedOptions { Limit = 4 } }).ResponseAsync);
        var filters = await Refusal(() => client.GetRelatedAsync(new GetRelatedRequest { Id = "a", Options = new RelatedOptions { ExcludeIds = { "x", "y", "z" } } }).ResponseAsync);
        var bytes = await Refusal(() => client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "t", Body = new string('w', 5_000) }).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, "articles[0].body"), (body.Code, body.Field));
        Assert.Contains("Recommender:Limits:MaxBodyLength", body.Description);
        Assert.Equal((StatusCode.InvalidArgument, "articles"), (batch.Code, batch.Field));
        Assert.Contains("Recommender:Limits:MaxBatchSize", batch.Description);
        Assert.Equal((StatusCode.InvalidArgument, "options.limit"), (limit.Code, limit.Field));
        Assert.Contains("Recommender:Limits:MaxListLimit", limit.Description);
        Assert.Equal((StatusCode.InvalidArgument, "options.exclude_ids"), (filters.Code, filters.Field));
        Assert.Contains("Recommender:Limits:MaxFilterEntries", filters.Description);
        Assert.Equal(StatusCode.ResourceExhausted, bytes.Code);
    }
}
