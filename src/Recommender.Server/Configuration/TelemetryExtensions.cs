using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Recommender.Core;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine;
using Recommender.Featurizer;
using Recommender.Server.Grpc;
using Recommender.Server.Hosting;
using Recommender.Server.Http;
using Recommender.Server.Preview;
using Recommender.Storage.Embedded;
using Recommender.Storage.Redis;
using StackExchange.Redis;

namespace Recommender.Server.Configuration;

public static partial class RecommenderHostExtensions
{
    /// <summary>OpenTelemetry metrics of the service's meter, exported for Prometheus.</summary>
    private static void AddRecommenderTelemetry(this IServiceCollection services) =>
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Telemetry.MeterName)
            .AddPrometheusExporter());

    /// <summary>/metrics, and the gauges read from the engines and the store.</summary>
    private static void MapRecommenderTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        var registry = app.Services.GetRequiredService<EngineRegistry>();
        Telemetry.IndexSize(() => registry.Ready.Select(e =>
            new System.Diagnostics.Metrics.Measurement<int>(e.ArticleCount, new KeyValuePair<string, object?>("namespace", e.Namespace))));
        var capacity = app.Services.GetRequiredService<IStoreCapacity>();
        Telemetry.StoreMemory(() => capacity.LastMemory?.UsedBytes, () => capacity.LastMemory?.LimitBytes);
        Telemetry.StoreDisk(() => capacity.Disk);
    }
}
