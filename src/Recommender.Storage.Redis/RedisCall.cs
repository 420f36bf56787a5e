using System.Diagnostics;
using System.Runtime.CompilerServices;
using Recommender.Core;
using Recommender.Core.Errors;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Runs one store operation: connection and timeout failures become <see cref="StoreUnavailableException"/>,
/// a Redis at its maxmemory <see cref="StoreFullException"/>, and the duration is recorded under the operation's name.
/// </summary>
internal static class RedisCall
{
    public static async Task<T> Run<T>(Func<Task<T>> operation, [CallerMemberName] string name = "")
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await operation();
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
        {
            throw new StoreUnavailableException("The article store is unreachable: " + ex.GetType().Name, ex);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("OOM", StringComparison.Ordinal))
        {
            // Redis under maxmemory-policy noeviction refuses a write whole rather than drop keys.
            throw new StoreFullException("The Redis server is at its maxmemory and refused the write; nothing was written. Raise its maxmemory.");
        }
        finally
        {
            Telemetry.StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", name));
        }
    }

    public static Task Run(Func<Task> operation, [CallerMemberName] string name = "") => Run(async () =>
    {
        await operation();
        return true;
    }, name);
}
