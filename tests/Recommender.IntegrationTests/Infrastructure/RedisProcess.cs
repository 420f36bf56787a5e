using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>
/// A redis-server of the test's own (append-only file in a temp folder), so that a test can stop
/// and restart it without disturbing the one the other tests share.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("recommender-redis-").FullName;
    private Process? _process;

    public RedisProcess()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    public string Connection => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", _dir, "--appendonly", "yes", "--save", "" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 100 && !await PingAsync(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(await PingAsync(), "redis-server did not start");
    }

    /// <summary>A clean shutdown (the append-only file is flushed), as an operator would stop it.</summary>
    public async Task StopAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        await client.GetStream().WriteAsync("SHUTDOWN\r\n"u8.ToArray());
        await _process!.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            await client.GetStream().WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await client.GetStream().ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
