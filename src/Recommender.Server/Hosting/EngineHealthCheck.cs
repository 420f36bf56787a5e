using Microsoft.Extensions.Diagnostics.HealthChecks;
using Recommender.Core.Storage;
using Recommender.Engine;

namespace Recommender.Server.Hosting;

/// <summary>
/// Readiness: the default namespace's model is loaded and its index built. While the store is
/// unreachable the service is still ready (lists come from memory) but degraded, and says so.
/// </summary>
/// The store's memory use is reported with it; a store that may lose records (evicted records, an
/// evicting Redis policy) or that is past its write ceiling is degraded too. A data folder whose
/// disk is below its floor is not ready (writes are refused until there is room again), with the reason.
public sealed class EngineHealthCheck(EngineRegistry engines, IStoreCapacity capacity) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (engines.TryGetReady(engines.DefaultNamespace) is not { } engine)
        {
            return HealthCheckResult.Unhealthy("Starting: loading the model and building the index (or waiting for the store).");
        }
        var articles = engine.ArticleCount;
        var data = new Dictionary<string, object> { ["articles"] = articles, ["store"] = engine.StoreAvailable ? "available" : "unreachable" };
        var memory = engine.StoreAvailable ? await capacity.GetMemoryAsync(cancellationToken) : capacity.LastMemory;
        if (memory is not null)
        {
            data["store_memory_used_bytes"] = memory.UsedBytes;
            data["store_memory_limit_bytes"] = memory.LimitBytes;
        }
        var full = memory is { LimitBytes: > 0 } && memory.UsedBytes >= memory.LimitBytes * 0.8;
        if (capacity.Disk is { } disk)
        {
            data["store_disk_free_bytes"] = disk.FreeBytes;
            data["store_disk_floor_bytes"] = disk.FloorBytes;
            if (disk.WritesRefused)
            {
                return HealthCheckResult.Unhealthy($"Writes refused: {disk.Describe()}. Lists are served from memory; writes are taken again once there is room.", data: data);
            }
        }
        return !engine.StoreAvailable ? HealthCheckResult.Degraded("Serving from memory: the store is unreachable, writes fail.", data: data)
            : memory?.Warning is { } warning ? HealthCheckResult.Degraded($"Serving {articles} articles, but {warning}.", data: data)
            : full ? HealthCheckResult.Degraded($"Serving {articles} articles; the store is {memory!.Fraction:P0} full, so writes may be refused.", data: data)
            : HealthCheckResult.Healthy($"Serving {articles} articles; the store is reachable{(memory is { LimitBytes: > 0 } ? $" and {memory.Fraction:P0} full" : "")}.", data);
    }
}
