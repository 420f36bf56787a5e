using System.Diagnostics;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>
/// A Redis Cluster of the test's own (three masters with a replica each, on loopback, started by
/// scripts/redis-cluster.sh), so that a test can kill a node without disturbing the cluster the
/// other tests share.
/// </summary>
public sealed class RedisCluster : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("recommender-cluster-").FullName;

    private RedisCluster()
    {
    }

    /// <summary>The masters' endpoints, comma-separated: a StackExchange.Redis connection string.</summary>
    public string Connection { get; private set; } = "";

    /// <param name="nodeTimeoutMilliseconds">How long a master may be unreachable before its replica is promoted.</param>
    public static async Task<RedisCluster> StartAsync(int nodeTimeoutMilliseconds)
    {
        var cluster = new RedisCluster();
        var (exitCode, output) = await ScriptAsync(new Dictionary<string, string> { ["REDIS_CLUSTER_NODE_TIMEOUT"] = nodeTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "start", cluster._dir);
        if (exitCode != 0)
        {
            cluster.Dispose();
            throw new InvalidOperationException("The Redis Cluster did not start: " + output);
        }
        cluster.Connection = output.Trim();
        return cluster;
    }

    /// <summary>The port of the master that serves <paramref name="key"/>'s slot now.</summary>
    public async Task<int> MasterOfAsync(string key)
    {
        var anyPort = await AnyLivePortAsync();
        var slot = int.Parse((await RedisCliAsync(anyPort, "cluster", "keyslot", key)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        foreach (var node in (await RedisCliAsync(anyPort, "cluster", "nodes")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = node.Split(' ');
            if (!fields[2].Contains("master", StringComparison.Ordinal) || fields[2].Contains("fail", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var range in fields.Skip(8))
            {
                var bounds = range.Split('-');
                var (from, to) = (int.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(bounds[^1], System.Globalization.CultureInfo.InvariantCulture));
                if (slot >= from && slot <= to)
                {
                    return PortOf(fields[1]);
                }
            }
        }
        throw new InvalidOperationException($"No live master serves slot {slot}.");
    }

    /// <summary>Kills the node on <paramref name="port"/> at once (SIGKILL: no shutdown, no handover).</summary>
    public void Kill(int port)
    {
        using var node = Process.GetProcessById(int.Parse(File.ReadAllText(Path.Combine(_dir, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "redis.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        node.Kill();
        node.WaitForExit();
    }

    /// <summary>Waits until the cluster has marked the node on <paramref name="lostPort"/> failed and every slot is served again by a live master (its replica promoted).</summary>
    public async Task WaitForFailoverAsync(int lostPort, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var port = await AnyLivePortAsync();
            var info = await RedisCliAsync(port, "cluster", "info");
            var nodes = await RedisCliAsync(port, "cluster", "nodes");
            var fields = nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(n => n.Split(' ')).ToList();
            var lostMarkedFailed = fields.Any(f => PortOf(f[1]) == lostPort && f[2].Contains("fail", StringComparison.Ordinal) && !f[2].Contains("fail?", StringComparison.Ordinal));
            var servingMasters = fields.Count(f => PortOf(f[1]) != lostPort && f[2].Contains("master", StringComparison.Ordinal) && !f[2].Contains("fail", StringComparison.Ordinal) && f.Length > 8);
            if (lostMarkedFailed && servingMasters == 3 && info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The cluster did not recover within {patience}: {info}");
            }
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        ScriptAsync([], "stop", _dir).GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a node still writing its log as it stops; the temp folder is left behind
        }
    }

    private static int PortOf(string address) =>
        int.Parse(address.Split('@')[0].Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);

    private async Task<int> AnyLivePortAsync()
    {
        foreach (var port in Connection.Split(',').Select(PortOf).Concat(Directory.GetDirectories(_dir).Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : 0)))
        {
            if (port > 0 && (await RedisCliAsync(port, "ping")).Trim() == "PONG")
            {
                return port;
            }
        }
        throw new InvalidOperationException("No node of the cluster answers.");
    }

    private static async Task<string> RedisCliAsync(int port, params string[] args)
    {
        var (_, output) = await RunAsync("redis-cli", [], ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. args]);
        return output;
    }

    private static Task<(int ExitCode, string Output)> ScriptAsync(Dictionary<string, string> environment, params string[] args) =>
        RunAsync(Path.Combine(TestData.RepositoryRoot, "scripts", "redis-cluster.sh"), environment, args);

    private static async Task<(int ExitCode, string Output)> RunAsync(string command, Dictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
