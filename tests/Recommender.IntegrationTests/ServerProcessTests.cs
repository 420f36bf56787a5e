using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// The built server as an operator starts it: `dotnet Recommender.Server.dll` from other working
/// folders than its own, with its own appsettings.json, its switches, and its default log level.
/// </summary>
public sealed class ServerProcessTests
{
    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "Recommender.Server.dll");

    [Fact]
    public async Task Help_PrintsTheSwitchesWithTheirKeys_AndCreatesNothing()
    {
        var folder = NewFolder();
        var help = await RunToEndAsync(folder, "--help");
        var version = await RunToEndAsync(folder, "--version");

        Assert.Equal(0, help.ExitCode);
        foreach (var (name, key) in Recommender.Server.Configuration.CommandLineSwitches.Map)
        {
            Assert.Contains(name, help.Stdout);
            Assert.Contains(key, help.Stdout);
        }
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("Recommender.Server ", version.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public async Task UnknownSwitch_IsAnErrorThatNamesIt_AndCreatesNothing()
    {
        var folder = NewFolder();
        var result = await RunToEndAsync(folder, "--port", "0", "--dta-dir", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'--dta-dir'", result.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public async Task ListeningOnAllInterfaces_WithoutAllowedHosts_StopsAtStartNamingTheKey()
    {
        var folder = NewFolder();
        var result = await RunToEndAsync(folder, "--port", $"{FreePort()}", "--http-port", "0", "--data-dir", "store",
            "--Recommender:Server:ListenOnAllInterfaces=true");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Recommender:Http:AllowedHosts", result.Stderr);
    }

    [Theory]
    [InlineData("--Recommender:Http:AllowedOrigins:0=https://news.example.com/path", "Recommender:Http:AllowedOrigins")]
    [InlineData("--namespace=bad name", "Recommender:Namespace")]
    public async Task ABadSetting_StopsAtStartNamingTheKey(string setting, string key)
    {
        var folder = NewFolder();
        var result = await RunToEndAsync(folder, "--port", $"{FreePort()}", "--http-port", "0", "--data-dir", "store", setting);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(key, result.Stderr);
    }

    /// <summary>
    /// From a folder of its own and from "/", the server reads the appsettings.json beside it, keeps
    /// a relative data folder under the working folder, and writes no log line per request.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FromAnyWorkingFolder_ReadsItsOwnSettings_AndLogsNothingPerRequest(bool fromRoot)
    {
        var folder = NewFolder();
        var workingFolder = fromRoot ? "/" : folder;
        var dataDir = fromRoot ? Path.Combine(folder, "store") : "store";
        var (grpcPort, httpPort) = (FreePort(), FreePort());
        using var server = Start(workingFolder, "--port", $"{grpcPort}", "--http-port", $"{httpPort}", "--data-dir", dataDir);
        var log = new List<string>();
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.Add(e.Data); } } };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.Add(e.Data); } } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{httpPort}") };
            await WaitReadyAsync(http, server);
            await Task.Delay(500);
            var before = Snapshot(log);

            using var channel = GrpcChannel.ForAddress($"http://localhost:{grpcPort}");
            var client = new RecommenderService.RecommenderServiceClient(channel);
            var upsert = await client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples()[0].Article));
            for (var i = 0; i < 20; i++)
            {
                await client.GetStatsAsync(new GetStatsRequest());
                (await http.GetAsync("/v1/stats")).EnsureSuccessStatusCode();
            }
            await Task.Delay(1_000);
            var during = Snapshot(log).Skip(before.Count).ToList();

            Assert.Equal(1, upsert.Created);
            Assert.Empty(during);
            var settingsLine = Assert.Single(before, l => l.Contains("configuration files:", StringComparison.Ordinal));
            Assert.Contains(Path.Combine(AppContext.BaseDirectory, "appsettings.json") + ",", settingsLine);
            Assert.Contains($"data in {Path.Combine(folder, "store")}", string.Join('\n', before));
            Assert.True(Directory.Exists(Path.Combine(folder, "store", "garnet")));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static List<string> Snapshot(List<string> log)
    {
        lock (log)
        {
            return [.. log];
        }
    }

    private static async Task WaitReadyAsync(HttpClient http, Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !server.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The server did not become ready.");
    }

    private static Process Start(string workingFolder, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ServerDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // The operator's environment, not the test runner's: no environment name, no console colours.
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start)!;
    }

    private static async Task<CliResult> RunToEndAsync(string workingFolder, params string[] args)
    {
        using var process = Start(workingFolder, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "recommender-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
