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
    /// <summary>
    /// What stands between the network and the rpcs: host filtering, API keys, request size limits,
    /// the reader routes' CORS, the cacheable list, the JSON body check.
    /// </summary>
    private static void AddRecommenderHttpHardening(this IServiceCollection services)
    {
        // Requests addressed to other host names are refused (ASP.NET Core's host filtering). The
        // loopback names always pass: a page rebinding its own name to 127.0.0.1 still sends its name.
        services.AddOptions<HostFilteringOptions>().Configure<IOptions<HttpOptions>>((filtering, http) =>
            filtering.AllowedHosts = [.. HttpOptions.LoopbackHosts.Concat(http.Value.AllowedHosts).Distinct(StringComparer.OrdinalIgnoreCase)]);
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<RequestSizeLimits>();
        services.AddSingleton<ReaderRoutes>();
        services.AddSingleton<RelatedListCaching>();
    }

    /// <summary>The middleware in front of every request, in order; /metrics behind a key with ProtectReads.</summary>
    private static void UseRecommenderHttpHardening(this WebApplication app)
    {
        app.Use(SecurityHeaders);
        app.Use(app.Services.GetRequiredService<ReaderRoutes>().InvokeAsync);
        app.Use(app.Services.GetRequiredService<RequestSizeLimits>().InvokeAsync);
        app.Use(app.Services.GetRequiredService<RelatedListCaching>().InvokeAsync);
        app.Use(JsonBodyCheck.InvokeAsync);
        var keys = app.Services.GetRequiredService<ApiKeys>();
        if (keys.Configured && keys.ProtectReads)
        {
            // The metrics name every namespace and its size: a read like any other.
            app.UseWhen(c => c.Request.Path.StartsWithSegments("/metrics"), metrics => metrics.Use((context, next) =>
                keys.Check(context.Request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null).Outcome switch
                {
                    ApiKeys.Outcome.Valid => next(context),
                    ApiKeys.Outcome.Missing => Refuse(context, StatusCodes.Status401Unauthorized, "/metrics needs an API key (authorization: Bearer KEY)."),
                    _ => Refuse(context, StatusCodes.Status403Forbidden, "The API key is not valid for this service."),
                }));
        }
    }

    /// <summary>
    /// Headers on every response: no MIME sniffing, no framing by other sites (the preview page's
    /// pin and block buttons cannot be clickjacked), scripts and styles from this origin only.
    /// </summary>
    private static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message);
    }
}
