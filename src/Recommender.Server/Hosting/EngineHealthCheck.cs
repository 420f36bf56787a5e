using Microsoft.Extensions.Diagnostics.HealthChecks;
using Recommender.Engine;

namespace Recommender.Server.Hosting;

/// <summary>
/// Readiness: the default namespace's model is loaded and its index built. While the store is
/// unreachable the service is still ready (lists come from memory) but degraded, and says so.
/// </summary>
public sealed class EngineHealthCheck(EngineRegistry engines) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (engines.TryGetReady(engines.DefaultNamespace) is not { } engine)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Starting: loading the model and building the index (or waiting for the store)."));
        }
        var articles = engine.ArticleCount;
        var data = new Dictionary<string, object> { ["articles"] = articles, ["store"] = engine.StoreAvailable ? "available" : "unreachable" };
        return Task.FromResult(engine.StoreAvailable
            ? HealthCheckResult.Healthy($"Serving {articles} articles; the store is reachable.", data)
            : HealthCheckResult.Degraded("Serving from memory: the store is unreachable, writes fail.", data: data));
    }
}
