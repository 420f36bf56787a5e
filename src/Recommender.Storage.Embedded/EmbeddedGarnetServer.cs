using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tsavorite.core;

namespace Recommender.Storage.Embedded;

/// <summary>
/// An in-process Garnet server on loopback, persisted with its append-only file (replayed at the
/// next start). It speaks the Redis protocol, so the service reaches it through the same
/// StackExchange.Redis code as a real Redis. Records are kept in memory (no storage tier: with
/// --storage-tier Garnet 2.2.8's allocator failed here under a 50k article write with a small
/// budget, and thrashed both cores under a feedback flood with a 64 MB one). Past its memory size it
/// would evict its oldest records for good, so StoreCapacity refuses writes before that.
/// <para>
/// A write is answered only once its append-only file entry is committed to the file
/// (<c>--aof-commit-wait</c>), so an acknowledged write survives the process being killed. A commit
/// that fails (a full disk) leaves Garnet's log unable to commit again; the server is then
/// <see cref="Faulted"/> and <see cref="Restart"/> starts it anew on the same port from its file,
/// which holds every acknowledged write.
/// </para>
/// </summary>
public sealed partial class EmbeddedGarnetServer : IDisposable
{
    /// <summary>How long stopping Garnet may take before the process goes on without it.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly string[] _args;
    private readonly ILoggerFactory _garnetLoggers;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private GarnetServer? _server;
    private int _faulted;

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
        _args =
        [
            "--bind", IPAddress.Loopback.ToString(),
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--checkpointdir", checkpoints,
            "--auth", "Password", "--password", Password,
            // A reply waits for its append-only file entry to be written (group commit: one flush
            // serves every write that arrived meanwhile).
            "--aof", "--recover", "--aof-commit-wait",
            // The native device needs libaio; plain random-access files work everywhere.
            "--device-type", "RandomAccess",
            "--memory", o.EffectiveMemorySize,
            "--page", "4m",
            "--index", o.IndexSize,
            // Compaction of the append-only file: once it outgrows the memory size a checkpoint is
            // taken (checked every 5 s) and the 64 MB segments it covers are deleted, so the file stays
            // bounded, a restart replays only what came after the checkpoint, and a checkpoint (of at
            // most the memory size) is written at most once per memory size of writes.
            "--aof-size-limit", o.EffectiveMemorySize, "--aof-segment-size", "64m",
            "--aof-size-limit-enforce-frequency", "5",
            // Reuse the room of deleted records (old vectors after a refit, expired feedback markers),
            // which in memory is otherwise never given back.
            "--reviv",
        ];
        _logger = loggerFactory.CreateLogger<EmbeddedGarnetServer>();
        _garnetLoggers = new GarnetLoggerFactory(loggerFactory, LogLevel.Warning, OnGarnetError);
        Start();
        Log.Started(_logger, Port, DataDir, o.EffectiveMemorySize, o.MemorySize == "auto" ? " (auto: a quarter of this machine's memory)" : "");
    }

    /// <summary>The absolute data folder.</summary>
    public string DataDir { get; }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The password of its port, new at every start.</summary>
    public string Password { get; }

    /// <summary>A StackExchange.Redis configuration string that reaches it.</summary>
    public string ConnectionString => $"{IPAddress.Loopback}:{Port},password={Password}";

    /// <summary>True once a commit to the append-only file failed: Garnet takes no write until <see cref="Restart"/>.</summary>
    public bool Faulted => Volatile.Read(ref _faulted) == 1;

    /// <summary>Stops Garnet (within a few seconds) and starts it again from its files, on the same port.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            Log.Restarting(_logger, DataDir);
            Stop();
            Interlocked.Exchange(ref _faulted, 0);
            Start();
            Log.Restarted(_logger, Port);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Stop();
        }
    }

    private void Start()
    {
        var server = new GarnetServer(_args, _garnetLoggers);
        server.Start();
        _server = server;
    }

    /// <summary>
    /// Disposes the server, but waits at most <see cref="StopTimeout"/>: a Garnet whose log failed can
    /// block in its dispose, and a stop must never hang.
    /// </summary>
    private void Stop()
    {
        if (Interlocked.Exchange(ref _server, null) is not { } server)
        {
            return;
        }
        var disposed = Task.Run(() => server.Dispose(deleteDir: false));
        if (!disposed.Wait(StopTimeout))
        {
            Log.StopTimedOut(_logger, StopTimeout.TotalSeconds);
        }
    }

    /// <summary>Sees every exception Garnet logs; a failed commit of its log faults the server.</summary>
    internal void OnGarnetError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is CommitFailureException && Interlocked.Exchange(ref _faulted, 1) == 0)
            {
                Log.Faulted(_logger, DataDir, e.InnerException?.Message ?? e.Message);
                return;
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information, "Embedded store (Garnet) listening on 127.0.0.1:{Port}, data in {DataDir}, memory {MemorySize}{How}: about 6 KB an article, writes refused from 80 % full; for more, set Recommender:Embedded:MemorySize or use Redis (--redis)")]
        public static partial void Started(ILogger logger, int port, string dataDir, string memorySize, string how);

        [LoggerMessage(4002, LogLevel.Critical, "The embedded store could not write its append-only file in {DataDir} ({Reason}): it takes no write until it is restarted from that file, which holds every acknowledged write")]
        public static partial void Faulted(ILogger logger, string dataDir, string reason);

        [LoggerMessage(4003, LogLevel.Warning, "Restarting the embedded store from its files in {DataDir}")]
        public static partial void Restarting(ILogger logger, string dataDir);

        [LoggerMessage(4004, LogLevel.Information, "The embedded store is listening again on 127.0.0.1:{Port}")]
        public static partial void Restarted(ILogger logger, int port);

        [LoggerMessage(4005, LogLevel.Warning, "The embedded store did not stop within {Seconds} s; going on without waiting for it")]
        public static partial void StopTimedOut(ILogger logger, double seconds);
    }
}
