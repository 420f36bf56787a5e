using Recommender.Core.Abstractions;
using Recommender.Engine;

namespace Recommender.Server.Hosting;

/// <summary>
/// Starts the default namespace's engine (model load, index build) once the host runs. While the store is unreachable it
/// retries with back-off; until it succeeds, readiness is false and calls answer UNAVAILABLE.
/// </summary>
public sealed partial class EngineStartup(EngineRegistry engines, ILogger<EngineStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await engines.GetAsync(engines.DefaultNamespace, stoppingToken);
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
        [LoggerMessage(1, LogLevel.Warning, "The store is unreachable at start; retrying in {Seconds} s")]
        public static partial void StoreUnavailable(ILogger logger, double seconds, Exception exception);
    }
}
