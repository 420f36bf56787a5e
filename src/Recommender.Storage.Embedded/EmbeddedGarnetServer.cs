using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Recommender.Storage.Embedded;

/// <summary>
/// An in-process Garnet server on loopback, persisted with its append-only file (replayed at the
/// next start). It speaks the Redis protocol, so the service reaches it through the same
/// StackExchange.Redis code as a real Redis. Records are kept in memory (no storage tier: with
/// --storage-tier Garnet 2.2.8's allocator failed here under a 50k article write with a small
/// budget, and thrashed both cores under a feedback flood with a 64 MB one). Past its memory size it
/// would evict its oldest records for good, so StoreCapacity refuses writes before that.
/// </summary>
public sealed partial class EmbeddedGarnetServer : IDisposable
{
    private readonly GarnetServer _server;

    public EmbeddedGarnetServer(IOptions<EmbeddedStoreOptions> options, ILoggerFactory loggerFactory)
    {
        var o = options.Value;
        DataDir = Path.GetFullPath(o.DataDir);
        var checkpoints = Path.Combine(DataDir, "garnet");
        Directory.CreateDirectory(checkpoints);
        Port = o.Port == 0 ? FreeLoopbackPort() : o.Port;
        // Loopback only, and with a password made for this process: other local users and pages
        // in a browser (DNS rebinding) cannot reach the data through the port.
        Password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        string[] args =
        [
            "--bind", IPAddress.Loopback.ToString(),
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--checkpointdir", checkpoints,
            "--auth", "Password", "--password", Password,
            "--aof", "--recover",
            // The native device needs libaio; plain random-access files work everywhere.
            "--device-type", "RandomAccess",
            "--memory", o.MemorySize,
            "--page", "4m",
            "--index", o.IndexSize,
            // Compaction of the append-only file: once it outgrows the memory size a checkpoint is
            // taken (checked every 5 s) and the 64 MB segments it covers are deleted, so the file stays
            // bounded, a restart replays only what came after the checkpoint, and a checkpoint (of at
            // most the memory size) is written at most once per memory size of writes.
            "--aof-size-limit", o.MemorySize, "--aof-segment-size", "64m",
            "--aof-size-limit-enforce-frequency", "5",
            // Reuse the room of deleted records (old vectors after a refit, expired feedback markers),
            // which in memory is otherwise never given back.
            "--reviv",
        ];
        var logger = loggerFactory.CreateLogger<EmbeddedGarnetServer>();
        _server = new GarnetServer(args, new MinimumLevelLoggerFactory(loggerFactory, LogLevel.Warning));
        _server.Start();
        Log.Started(logger, Port, DataDir);
    }

    /// <summary>The absolute data folder.</summary>
    public string DataDir { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The password of its port, new at every start.</summary>
    public string Password { get; }

    /// <summary>A StackExchange.Redis configuration string that reaches it.</summary>
    public string ConnectionString => $"{IPAddress.Loopback}:{Port},password={Password}";

    public void Dispose() => _server.Dispose(deleteDir: false);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Embedded store (Garnet) listening on 127.0.0.1:{Port}, data in {DataDir}")]
        public static partial void Started(ILogger logger, int port, string dataDir);
    }
}
