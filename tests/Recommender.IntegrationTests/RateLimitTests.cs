using Grpc.Core;
using Grpc.Health.V1;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task OverTheLimit_CallsAreResourceExhausted_PerClient_HealthIsNotLimited()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:RateLimit:RequestsPerSecond"] = "1",
            ["Recommender:RateLimit:Burst"] = "5",
            ["Recommender:Auth:ApiKeys:0"] = "someone-else",
        }).StartAsync();
        var health = new Health.HealthClient(host.Channel);

        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 12; i++)
        {
            try
            {
                await host.Client.GetStatsAsync(new GetStatsRequest());
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException ex)
            {
                outcomes.Add(ex.StatusCode);
                Assert.Contains("Recommender:RateLimit:RequestsPerSecond", ex.Status.Detail);
            }
        }
        // Another client (told apart by its valid API key) has a bucket of its own.
        var other = await host.Client.GetStatsAsync(new GetStatsRequest(), new Metadata { { "authorization", "Bearer someone-else" } });
        var healthy = await health.CheckAsync(new HealthCheckRequest());

        Assert.True(outcomes.Count(c => c == StatusCode.OK) >= 5, string.Join(",", outcomes));
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.All(outcomes.Where(c => c != StatusCode.OK), c => Assert.Equal(StatusCode.ResourceExhausted, c));
        Assert.NotNull(other);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, healthy.Status);
    }
}
