using Microsoft.Extensions.Diagnostics.HealthChecks;
using Recommender.Engine;

namespace Recommender.Server.Hosting;

/// <summary>Ready once the default namespace's model is loaded and index built; reported through grpc.health.v1.</summary>
public sealed class EngineHealthCheck(EngineRegistry engines) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(engines.IsReady
            ? HealthCheckResult.Healthy("Model loaded and index built.")
            : HealthCheckResult.Unhealthy("Starting: loading the model and building the index."));
}
