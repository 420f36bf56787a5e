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

/// <summary>All of the service's wiring: options, store, featurizer, engine, gRPC.</summary>
public static partial class RecommenderHostExtensions
{
    /// <summary>
    /// The host's options: the content root (where appsettings*.json are read) is the server's own
    /// folder, whatever the working folder, unless --contentRoot or DOTNET_CONTENTROOT /
    /// ASPNETCORE_CONTENTROOT name another.
    /// </summary>
    public static WebApplicationOptions HostOptions(string[] args)
    {
        var named = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ||
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT")) ||
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"));
        return new WebApplicationOptions { Args = args, ContentRootPath = named ? null : AppContext.BaseDirectory };
    }

    /// <summary>
    /// Defaults below every other configuration source: one line per request is not logged unless
    /// asked for (ASP.NET Core's and gRPC's per-request lines are at Information).
    /// </summary>
    private static readonly Dictionary<string, string?> QuietDefaults = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Grpc"] = "Warning",
        ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
    };

    public static WebApplicationBuilder AddRecommender(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietDefaults });
        var services = builder.Services;
        services.AddValidatedOptions<ServerOptions>(ServerOptions.SectionName);
        services.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName);
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.SectionName).ValidateDataAnnotations()
            .Validate<IOptions<ServerOptions>>(
                (http, server) => !server.Value.ListenOnAllInterfaces || http.AllowedHosts.Length > 0,
                $"{HttpOptions.SectionName}:AllowedHosts must name the hosts clients use (or *) when {ServerOptions.SectionName}:ListenOnAllInterfaces is set.")
            .ValidateOnStart();
        // Requests addressed to other host names are refused (ASP.NET Core's host filtering). The
        // loopback names always pass: a page rebinding its own name to 127.0.0.1 still sends its name.
        services.AddOptions<HostFilteringOptions>().Configure<IOptions<HttpOptions>>((filtering, http) =>
            filtering.AllowedHosts = [.. HttpOptions.LoopbackHosts.Concat(http.Value.AllowedHosts).Distinct(StringComparer.OrdinalIgnoreCase)]);
        services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.SectionName);
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<RateLimitInterceptor>();
        services.AddSingleton<ApiKeyInterceptor>();
        services.AddValidatedOptions<EngineOptions>(EngineOptions.SectionName);
        services.AddValidatedOptions<FeaturizerOptions>(FeaturizerOptions.SectionName);
        services.AddValidatedOptions<RankingOptions>(RankingOptions.SectionName);
        services.AddValidatedOptions<IndexOptions>(IndexOptions.SectionName);
        services.AddValidatedOptions<InputLimits>(InputLimits.SectionName);
        services.AddValidatedOptions<RedisStoreOptions>(RedisStoreOptions.SectionName);
        services.AddOptions<NamespaceOptions>().Configure<IConfiguration>((o, config) => o.Read(config)).ValidateDataAnnotations().ValidateOnStart();
        services.AddValidatedOptions<EmbeddedStoreOptions>(EmbeddedStoreOptions.SectionName);

        var limits = builder.Configuration.GetSection(InputLimits.SectionName).Get<InputLimits>() ?? new InputLimits();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            // Room for the largest message gRPC accepts (Recommender:Limits:MaxUpsertRequestBytes) with its
            // framing, or its JSON form; RequestSizeLimits lowers it for every other rpc and answers
            // RESOURCE_EXHAUSTED past the limit, instead of Kestrel's body limit cutting the request off first.
            kestrel.Limits.MaxRequestBodySize = 2L * limits.MaxUpsertRequestBytes;
            var server = context.Configuration.GetSection(ServerOptions.SectionName).Get<ServerOptions>() ?? new ServerOptions();
            if (server.Port == 0)
            {
                return;
            }
            if (server.HttpPort > 0)
            {
                void Http1(ListenOptions listen) => listen.Protocols = HttpProtocols.Http1;
                if (server.ListenOnAllInterfaces)
                {
                    kestrel.ListenAnyIP(server.HttpPort, Http1);
                }
                else
                {
                    kestrel.ListenLocalhost(server.HttpPort, Http1);
                }
            }
            var certificate = server.LoadCertificate();
            void Http2(ListenOptions listen)
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            }
            if (server.ListenOnAllInterfaces)
            {
                kestrel.ListenAnyIP(server.Port, Http2);
            }
            else
            {
                kestrel.ListenLocalhost(server.Port, Http2);
            }
        });

        services.AddRecommenderStore();
        services.AddSingleton<FeedbackBeacons>();
        services.AddSingleton<IFeaturizer, MlNetFeaturizer>();
        services.AddSingleton(sp => new EngineRegistry(
            sp.GetRequiredService<IOptions<NamespaceOptions>>().Value.Default,
            sp.GetRequiredService<INamespaceStores>(),
            sp.GetRequiredService<IFeaturizer>(),
            sp.GetRequiredService<IOptions<EngineOptions>>(),
            sp.GetRequiredService<IOptions<RankingOptions>>(),
            sp.GetRequiredService<IOptions<IndexOptions>>(),
            sp.GetRequiredService<IOptions<InputLimits>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService<EngineStartup>();

        services.AddSingleton<RequestSizeLimits>();
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

        services.AddSingleton<MetricsInterceptor>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(Telemetry.MeterName)
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapRecommender(this WebApplication app)
    {
        LogConfigurationFiles(app);
        app.Use(SecurityHeaders);
        app.Use(app.Services.GetRequiredService<FeedbackBeacons>().InvokeAsync);
        app.Use(app.Services.GetRequiredService<RequestSizeLimits>().InvokeAsync);
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
        app.MapGrpcService<RecommenderGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag) });
        // With ProtectReads, what the service holds (articles, how full the store is) is a read: only the status is shown.
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = keys.Configured && keys.ProtectReads ? WriteStatusOnly : WriteReadiness,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        var registry = app.Services.GetRequiredService<EngineRegistry>();
        Telemetry.IndexSize(() => registry.Ready.Select(e =>
            new System.Diagnostics.Metrics.Measurement<int>(e.ArticleCount, new KeyValuePair<string, object?>("namespace", e.Namespace))));
        var capacity = app.Services.GetRequiredService<IStoreCapacity>();
        Telemetry.StoreMemory(() => capacity.LastMemory?.UsedBytes, () => capacity.LastMemory?.LimitBytes);
        Telemetry.StoreDisk(() => capacity.Disk);
        app.MapPreviewPage();
        app.MapGet("/", () => "Recommender: a gRPC service (recommender.v1.RecommenderService). Use a gRPC client or the `recommender` CLI; editors: open /preview on the HTTP port.");
        return app;
    }

    /// <summary>
    /// One multiplexer for the process, to the configured Redis or, when none is configured, to the
    /// embedded Garnet server started here; a second one for article writes when replicas must
    /// confirm them (Recommender:Redis:WaitForReplicas).
    /// </summary>
    private static IServiceCollection AddRecommenderStore(this IServiceCollection services)
    {
        services.AddSingleton(sp => new EmbeddedGarnetServer(
            sp.GetRequiredService<IOptions<EmbeddedStoreOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IConnectionMultiplexer>(sp => ConnectStore(sp, "recommender"));
        services.AddSingleton(sp => new ConfirmedWrites(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value,
            () => ConnectStore(sp, "recommender-writes")));
        services.AddSingleton(sp => new StoreDescription(
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Connection) ? "embedded" : "redis"));
        services.AddSingleton<EmbeddedDataFolder>();
        services.AddSingleton<IStoreCapacity>(sp =>
        {
            var embedded = string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.Connection);
            return new StoreCapacity(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                embedded,
                embedded ? sp.GetRequiredService<EmbeddedDataFolder>() : null,
                sp.GetRequiredService<ILogger<StoreCapacity>>());
        });
        services.AddHostedService<EmbeddedStoreRecovery>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<INamespaceStores, RedisStores>();
        return services;
    }

    /// <summary>A multiplexer to the configured Redis, or to the embedded Garnet server when none is configured.</summary>
    private static ConnectionMultiplexer ConnectStore(IServiceProvider sp, string clientName)
    {
        var options = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
        var connection = string.IsNullOrWhiteSpace(options.Connection)
            ? sp.GetRequiredService<EmbeddedGarnetServer>().ConnectionString
            : options.Connection;
        var config = ConfigurationOptions.Parse(connection);
        // Start (and keep running) while the store is down: the multiplexer reconnects by itself.
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = options.TimeoutMilliseconds;
        config.SyncTimeout = options.TimeoutMilliseconds;
        config.AsyncTimeout = options.TimeoutMilliseconds;
        config.ClientName ??= clientName;
        // A command for a server that is down (a Redis restarting, a cluster master lost before its
        // replica is promoted) fails at once, so the caller gets UNAVAILABLE and can retry, instead
        // of queueing until the timeout.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        // INFO (how full the store is, StoreCapacity) is an admin command to StackExchange.Redis.
        config.AllowAdmin = true;
        // Reconnect every second while the store is down, so writes succeed soon after it returns.
        config.ReconnectRetryPolicy = new LinearRetry(1_000);
        return ConnectionMultiplexer.Connect(config);
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

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message);
    }

    /// <summary>Says which configuration files were read, so an operator sees where settings come from.</summary>
    private static void LogConfigurationFiles(WebApplication app)
    {
        var files = ((IConfigurationRoot)app.Configuration).Providers
            .OfType<FileConfigurationProvider>()
            .Select(p => p.Source.FileProvider?.GetFileInfo(p.Source.Path ?? "") is { } file
                ? file.Exists ? file.PhysicalPath ?? p.Source.Path : $"{Path.Combine(app.Environment.ContentRootPath, p.Source.Path ?? "")} (absent)"
                : p.Source.Path)
            .ToList();
        Log.ConfigurationFiles(app.Logger, app.Environment.ContentRootPath, files.Count == 0 ? "none" : string.Join(", ", files),
            Directory.GetCurrentDirectory());
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Content root {ContentRoot}; configuration files: {Files}; relative paths are relative to the working folder {WorkingFolder}")]
        public static partial void ConfigurationFiles(ILogger logger, string contentRoot, string files, string workingFolder);
    }

    private const string ReadyTag = "ready";
    private const string LiveTag = "live";

    private static void AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
