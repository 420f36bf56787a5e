using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Recommender.Api.V1;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>Which store a hosted service runs against.</summary>
public abstract record StoreSetup
{
    /// <summary>The in-process Garnet store, in a data folder (reused to test restarts).</summary>
    public sealed record Embedded(string DataDir) : StoreSetup;

    /// <summary>The real redis-server that the test script starts, under its own namespace.</summary>
    public sealed record Redis(string Connection, string Namespace) : StoreSetup;

    /// <summary>The redis-server the test script started (RECOMMENDER_TEST_REDIS, default 127.0.0.1:6399).</summary>
    public static string TestRedis => Environment.GetEnvironmentVariable("RECOMMENDER_TEST_REDIS") is { Length: > 0 } r ? r : "127.0.0.1:6399";

    /// <summary>
    /// The Redis Cluster the test script started (RECOMMENDER_TEST_REDIS_CLUSTER: its masters'
    /// endpoints, comma-separated; three masters with one replica each).
    /// </summary>
    public static string TestCluster => Environment.GetEnvironmentVariable("RECOMMENDER_TEST_REDIS_CLUSTER") is { Length: > 0 } c
        ? c
        : throw new InvalidOperationException("RECOMMENDER_TEST_REDIS_CLUSTER is not set: run the tests with scripts/test.sh, which starts a local Redis Cluster.");

    public static Embedded NewEmbedded() => new(Path.Combine(Path.GetTempPath(), "recommender-tests", Guid.NewGuid().ToString("n")));

    public static Redis NewRedis() => new(TestRedis, "test-" + Guid.NewGuid().ToString("n")[..12]);

    public static Redis NewCluster() => new(TestCluster, "test-" + Guid.NewGuid().ToString("n")[..12]);
}

/// <summary>
/// The real server (Program) hosted by WebApplicationFactory: in memory (TestServer) by default,
/// or on Kestrel on a loopback port when a separate process (the CLI) must reach it.
/// </summary>
public sealed class ServiceHost : WebApplicationFactory<Program>
{
    private readonly StoreSetup _store;
    private readonly Dictionary<string, string?> _settings;
    private GrpcChannel? _channel;

    private readonly HttpMessageHandler? _clientHandler;

    /// <param name="store">The store to run against.</param>
    /// <param name="kestrel">Listen on a loopback port (for other processes) instead of in memory.</param>
    /// <param name="settings">Configuration keys to set.</param>
    /// <param name="clientHandler">The handler of <see cref="Channel"/> on Kestrel (e.g. one that trusts a test certificate).</param>
    /// <param name="httpPort">On Kestrel, also listen for HTTP/1.1 (the preview page, JSON routes) at <see cref="HttpAddress"/>.</param>
    public ServiceHost(StoreSetup store, bool kestrel = false, IDictionary<string, string?>? settings = null, HttpMessageHandler? clientHandler = null, bool httpPort = false)
    {
        _store = store;
        _clientHandler = clientHandler;
        _settings = new Dictionary<string, string?>
        {
            ["Recommender:Server:Port"] = "0",
            ["Recommender:Server:HttpPort"] = "0",
            ["Recommender:Engine:RefitQuietPeriod"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        switch (store)
        {
            case StoreSetup.Embedded embedded:
                _settings["Recommender:Embedded:DataDir"] = embedded.DataDir;
                _settings["Recommender:Embedded:MemorySize"] = "256m";
                // Tests write a few MB each: a machine with little room left still runs them.
                _settings["Recommender:Embedded:MinFreeDiskSpace"] = "16m";
                break;
            case StoreSetup.Redis redis:
                _settings["Recommender:Redis:Connection"] = redis.Connection;
                _settings["Recommender:Namespace"] = redis.Namespace;
                break;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
        if (kestrel)
        {
            var port = FreePort();
            _settings["Recommender:Server:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var scheme = _settings.ContainsKey("Recommender:Server:TlsCertificatePath") ? "https" : "http";
            Address = new Uri($"{scheme}://localhost:{port}");
            if (httpPort)
            {
                var http = FreePort();
                _settings["Recommender:Server:HttpPort"] = http.ToString(System.Globalization.CultureInfo.InvariantCulture);
                HttpAddress = new Uri($"http://localhost:{http}");
            }
            UseKestrel();
        }
    }

    public StoreSetup Store => _store;

    /// <summary>Where a separate process reaches the service (Kestrel hosts only).</summary>
    public Uri? Address { get; }

    /// <summary>The HTTP/1.1 port's address (Kestrel hosts started with httpPort only).</summary>
    public Uri? HttpAddress { get; }

    public GrpcChannel Channel => _channel ??= CreateChannel();

    public RecommenderService.RecommenderServiceClient Client => new(Channel);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>Starts the host and waits until grpc.health.v1 reports SERVING (model loaded, index built).</summary>
    public Task<ServiceHost> StartAsync() => StartAsync("");

    /// <summary>
    /// Starts the host and waits until it is live and its default namespace loaded, whether or not it
    /// is ready (a service that refuses writes for lack of disk is not).
    /// </summary>
    public async Task<ServiceHost> StartLiveAsync()
    {
        await StartAsync("liveness");
        await Client.GetStatsAsync(new GetStatsRequest()); // answers once the engine has loaded
        return this;
    }

    private async Task<ServiceHost> StartAsync(string healthService)
    {
        if (Address is not null)
        {
            StartServer();
        }
        var health = new Health.HealthClient(Channel);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = (await health.CheckAsync(new HealthCheckRequest { Service = healthService })).Status;
            if (status == HealthCheckResponse.Types.ServingStatus.Serving)
            {
                return this;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The service did not become ready; health is {status}.");
            }
            await Task.Delay(50);
        }
    }

    protected override void Dispose(bool disposing)
    {
        _channel?.Dispose();
        base.Dispose(disposing);
    }

    private GrpcChannel CreateChannel()
    {
        if (Address is not null)
        {
            return GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = _clientHandler });
        }
        return GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
