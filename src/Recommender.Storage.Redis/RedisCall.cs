using System.Diagnostics;
using System.Runtime.CompilerServices;
using Recommender.Core;
using Recommender.Core.Errors;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Runs one store operation: connection and timeout failures, and a cluster's "not now" replies,
/// become <see cref="StoreUnavailableException"/>,
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
        catch (RedisServerException ex) when (IsTransient(ex.Message))
        {
            throw new StoreUnavailableException("The article store cannot serve this now: " + ex.Message.Split(' ')[0], ex);
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

    /// <summary>
    /// Server replies that mean "not now", not "never": a cluster without a master for some slots
    /// (CLUSTERDOWN) or in the middle of moving them (TRYAGAIN), a replica that lost its master
    /// (MASTERDOWN), a node still loading (LOADING) or demoted (READONLY), and a MULTI/EXEC the
    /// server discarded because of one of those (EXECABORT). Nothing was written; a retry can succeed.
    /// </summary>
    private static bool IsTransient(string message) =>
        message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || message.StartsWith("TRYAGAIN", StringComparison.Ordinal) ||
        message.StartsWith("MASTERDOWN", StringComparison.Ordinal) || message.StartsWith("LOADING", StringComparison.Ordinal) ||
        message.StartsWith("READONLY", StringComparison.Ordinal) || message.StartsWith("EXECABORT", StringComparison.Ordinal);

    public static Task Run(Func<Task> operation, [CallerMemberName] string name = "") => Run(async () =>
    {
        await operation();
        return true;
    }, name);
}
