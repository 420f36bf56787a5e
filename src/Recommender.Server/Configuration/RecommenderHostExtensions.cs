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

/// <summary>
/// The service's wiring, one named call per concern (as eShop's <c>AddServiceDefaults</c> does):
/// options, Kestrel, the store, the engine, gRPC and JSON, HTTP hardening, telemetry; then the
/// middleware and endpoints in <see cref="MapRecommender"/>. Each concern's calls are in the file of its name.
/// </summary>
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

    public static WebApplicationBuilder AddRecommender(this WebApplicationBuilder builder)
    {
        var limits = builder.Configuration.GetSection(InputLimits.SectionName).Get<InputLimits>() ?? new InputLimits();
        builder.AddQuietLoggingDefaults();
        builder.Services.AddRecommenderOptions();
        builder.AddRecommenderKestrel(limits);
        builder.Services.AddRecommenderStore();
        builder.Services.AddRecommenderEngine();
        builder.Services.AddRecommenderGrpc(limits);
        builder.Services.AddRecommenderHttpHardening();
        builder.Services.AddRecommenderTelemetry();
        return builder;
    }

    public static WebApplication MapRecommender(this WebApplication app)
    {
        LogConfigurationFiles(app);
        app.UseRecommenderHttpHardening();
        app.MapRecommenderGrpc();
        app.MapRecommenderHealth();
        app.MapRecommenderTelemetry();
        app.MapPreviewPage();
        app.MapGet("/", () => "Recommender: a gRPC service (recommender.v1.RecommenderService). Use a gRPC client or the `recommender` CLI; editors: open /preview on the HTTP port.");
        return app;
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

    private static void AddQuietLoggingDefaults(this WebApplicationBuilder builder) =>
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietDefaults });

    /// <summary>Every options class bound to its section and validated at start.</summary>
    private static void AddRecommenderOptions(this IServiceCollection services)
    {
        services.AddValidatedOptions<ServerOptions>(ServerOptions.SectionName);
        services.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName);
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.SectionName).ValidateDataAnnotations()
            .Validate<IOptions<ServerOptions>>(
                (http, server) => !server.Value.ListenOnAllInterfaces || http.AllowedHosts.Length > 0,
                $"{HttpOptions.SectionName}:AllowedHosts must name the hosts clients use (or *) when {ServerOptions.SectionName}:ListenOnAllInterfaces is set.")
            .ValidateOnStart();
        services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.SectionName);
        services.AddValidatedOptions<EngineOptions>(EngineOptions.SectionName);
        services.AddValidatedOptions<FeaturizerOptions>(FeaturizerOptions.SectionName);
        services.AddValidatedOptions<RankingOptions>(RankingOptions.SectionName);
        services.AddValidatedOptions<IndexOptions>(IndexOptions.SectionName);
        services.AddValidatedOptions<InputLimits>(InputLimits.SectionName);
        services.AddValidatedOptions<RedisStoreOptions>(RedisStoreOptions.SectionName);
        services.AddOptions<NamespaceOptions>().Configure<IConfiguration>((o, config) => o.Read(config)).ValidateDataAnnotations().ValidateOnStart();
        services.AddValidatedOptions<EmbeddedStoreOptions>(EmbeddedStoreOptions.SectionName);
    }

    /// <summary>The ports (gRPC on HTTP/2, the JSON routes and pages on HTTP/1.1), TLS, and the largest body.</summary>
    private static void AddRecommenderKestrel(this WebApplicationBuilder builder, InputLimits limits) =>
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

    /// <summary>The featurizer, the engine of each namespace, and the start of the default one.</summary>
    private static void AddRecommenderEngine(this IServiceCollection services)
    {
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
        [LoggerMessage(2001, LogLevel.Information, "Content root {ContentRoot}; configuration files: {Files}; relative paths are relative to the working folder {WorkingFolder}")]
        public static partial void ConfigurationFiles(ILogger logger, string contentRoot, string files, string workingFolder);
    }

    private static void AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
