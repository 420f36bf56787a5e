using Microsoft.Extensions.Options;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine;
using Recommender.Server.Configuration;

namespace Recommender.Server.Hosting;

/// <summary>
/// Starts the default namespace's engine (model load, index build) once the host runs, then reads
/// how full the store is (which logs any risk of losing records). While the store is unreachable it
/// retries with back-off; until it succeeds, readiness is false and calls answer UNAVAILABLE.
/// </summary>
public sealed partial class EngineStartup(
    EngineRegistry engines, IStoreCapacity capacity, IOptions<AuthOptions> auth, IOptions<NamespaceOptions> ns, ILogger<EngineStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ns.Value.FromFormerKey)
        {
            Log.FormerNamespaceKey(logger, NamespaceOptions.FormerKey, NamespaceOptions.Key);
        }
        if (!auth.Value.ApiKeys.Any(k => k.Length > 0))
        {
            Log.WritesUnprotected(logger);
        }
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await engines.GetAsync(engines.DefaultNamespace, stoppingToken);
                // Read how full the store is once now, so that an evicting Redis policy (or records the
                // embedded store lost) is logged at start rather than at the first write.
                await capacity.GetMemoryAsync(stoppingToken);
                return;
            }
            catch (StoreUnavailableException ex)
            {
                Log.StoreUnavailable(logger, delay.TotalSeconds, ex);
            }
            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2012, LogLevel.Warning, "No API key is configured (Recommender:Auth:ApiKeys): anyone who reaches this service can write to it")]
        public static partial void WritesUnprotected(ILogger logger);

        [LoggerMessage(2013, LogLevel.Warning, "{FormerKey} is deprecated: the namespace applies to the embedded store too; set {Key} instead (the former key is read while the new one is absent)")]
        public static partial void FormerNamespaceKey(ILogger logger, string formerKey, string key);

        [LoggerMessage(2011, LogLevel.Warning, "The store is unreachable at start; retrying in {Seconds} s")]
        public static partial void StoreUnavailable(ILogger logger, double seconds, Exception exception);
    }
}
