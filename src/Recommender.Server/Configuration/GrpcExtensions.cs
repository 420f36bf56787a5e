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
    private const string ReadyTag = "ready";
    private const string LiveTag = "live";

    /// <summary>
    /// gRPC with its interceptors (metrics, rate limits, API keys, error mapping, in that order), the
    /// message size and decompression limits, JSON transcoding, reflection and grpc.health.v1.
    /// </summary>
    private static void AddRecommenderGrpc(this IServiceCollection services, InputLimits limits)
    {
        services.AddSingleton<MetricsInterceptor>();
        services.AddSingleton<RateLimitInterceptor>();
        services.AddSingleton<ApiKeyInterceptor>();
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<MetricsInterceptor>();
            grpc.Interceptors.Add<RateLimitInterceptor>();
            grpc.Interceptors.Add<ApiKeyInterceptor>();
            grpc.Interceptors.Add<ErrorMappingInterceptor>();
            grpc.EnableDetailedErrors = false;
            grpc.MaxReceiveMessageSize = limits.MaxUpsertRequestBytes;
            grpc.CompressionProviders = [CheckedDecompression.Gzip(new RequestSizeLimits.Limit(limits.MaxRequestBytes, nameof(limits.MaxRequestBytes)))];
        }).AddJsonTranscoding(json =>
            // Errors carry a google.rpc.BadRequest naming the field; JSON needs its type to print it.
            json.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(Google.Rpc.BadRequest.Descriptor));
        services.AddGrpcReflection();
        // grpc.health.v1 names: "" and "readiness" (model loaded, index built), "liveness" (the process answers).
        services.AddGrpcHealthChecks(health =>
            {
                health.Services.Clear();
                health.Services.Map("", c => c.Tags.Contains(ReadyTag));
                health.Services.Map("readiness", c => c.Tags.Contains(ReadyTag));
                health.Services.Map("liveness", c => c.Tags.Contains(LiveTag));
            })
            .AddCheck<EngineHealthCheck>("engine", tags: [ReadyTag])
            .AddCheck("process", () => HealthCheckResult.Healthy("The process answers."), tags: [LiveTag]);
    }

    private static void MapRecommenderGrpc(this WebApplication app)
    {
        app.MapGrpcService<RecommenderGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
    }

    /// <summary>/healthz and /readyz; with ProtectReads, what the service holds (articles, how full the store is) is a read, so /readyz shows only its status.</summary>
    private static void MapRecommenderHealth(this WebApplication app)
    {
        var keys = app.Services.GetRequiredService<ApiKeys>();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag) });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = keys.Configured && keys.ProtectReads ? WriteStatusOnly : WriteReadiness,
        });
    }

    /// <summary>"Healthy", "Degraded" or "Unhealthy" on the first line, then what each check said (articles, store, how full it is).</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Values.Select(e => e.Description).Where(d => !string.IsNullOrEmpty(d));
        return context.Response.WriteAsync(string.Join('\n', lines.Prepend(report.Status.ToString())) + "\n");
    }

    private static Task WriteStatusOnly(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(report.Status + "\n");
    }
}
