using Grpc.Core;
using Grpc.Health.V1;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>Liveness, readiness and the Prometheus metrics, over gRPC health and HTTP.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Metrics_CountCallsByStatus_TimeThem_AndReportIndexSizeAndStoreTimes()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });
        await Assert.ThrowsAsync<RpcException>(() => host.Client.GetRelatedAsync(new GetRelatedRequest { Id = "missing" }).ResponseAsync);
        using var http = host.CreateClient();

        var metrics = await http.GetStringAsync("/metrics");

        Assert.Matches("recommender_requests_total\\{[^}]*rpc_grpc_status_code=\"0\"[^}]*rpc_method=\"/recommender.v1.RecommenderService/GetRelated\"[^}]*\\} [1-9]", metrics);
        Assert.Matches("recommender_requests_total\\{[^}]*rpc_grpc_status_code=\"5\"[^}]*GetRelated[^}]*\\} 1", metrics);
        Assert.Contains("recommender_request_duration_seconds_bucket", metrics);
        Assert.Matches("recommender_index_articles\\{[^}]*namespace=\"default\"[^}]*\\} 30", metrics);
        Assert.Contains("recommender_store_duration_seconds_count", metrics);
        Assert.Contains("recommender_refit_duration_seconds_count", metrics);
    }

    [Fact]
    public async Task LivenessAndReadiness_AreServedOverGrpcAndHttp()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var health = new Health.HealthClient(host.Channel);
        using var http = host.CreateClient();

        var live = await health.CheckAsync(new HealthCheckRequest { Service = "liveness" });
        var ready = await health.CheckAsync(new HealthCheckRequest { Service = "readiness" });
        var liveHttp = await http.GetAsync("/healthz");
        var readyHttp = await http.GetStringAsync("/readyz");

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, live.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, ready.Status);
        Assert.True(liveHttp.IsSuccessStatusCode);
        Assert.Equal("Healthy", readyHttp.Split('\n')[0]);
        Assert.Matches(@"Serving 0 articles; the store is reachable and \d+ ?% full\.", readyHttp); // the embedded store's memory
    }

    [Fact]
    public async Task Readiness_IsFalseUntilTheStoreAnswers_LivenessIsTrue()
    {
        using var host = new ServiceHost(new StoreSetup.Redis("127.0.0.1:1", "nowhere"), settings: new Dictionary<string, string?>
        {
            ["Recommender:Redis:TimeoutMilliseconds"] = "200",
        });
        var health = new Health.HealthClient(host.Channel);
        using var http = host.CreateClient();

        var live = await health.CheckAsync(new HealthCheckRequest { Service = "liveness" });
        var ready = await health.CheckAsync(new HealthCheckRequest { Service = "readiness" });
        var readyHttp = await http.GetAsync("/readyz");

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, live.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, ready.Status);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, readyHttp.StatusCode);
    }
}
