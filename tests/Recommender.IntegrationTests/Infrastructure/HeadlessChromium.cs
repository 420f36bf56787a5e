using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven over the Chrome DevTools Protocol (a WebSocket): navigate,
/// run JavaScript in the page, wait for a condition, take a screenshot. The browser is found as
/// $RECOMMENDER_TEST_CHROMIUM or chromium on the PATH (scripts/test.sh installs it).
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        var executable = FindExecutable();
        var profile = Path.Combine(Path.GetTempPath(), "recommender-chromium-" + Guid.NewGuid().ToString("n"));
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", $"--user-data-dir={profile}", "--remote-debugging-port=0",
            "--window-size=1280,1000", "about:blank",
        })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" once it is up.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? endpoint = null;
            while (endpoint is null)
            {
                var line = await process.StandardError.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"{executable} exited before opening its DevTools port (exit code {(process.HasExited ? process.ExitCode : -1)}).");
                if (DevToolsLine().Match(line) is { Success: true } match)
                {
                    endpoint = match.Groups[1].Value;
                }
            }
            _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);

            using var http = new HttpClient();
            var pages = JsonDocument.Parse(await http.GetStringAsync($"http://{endpoint}/json/list", timeout.Token)).RootElement;
            var page = pages.EnumerateArray().First(t => t.GetProperty("type").GetString() == "page");
            await browser._socket.ConnectAsync(new Uri(page.GetProperty("webSocketDebuggerUrl").GetString()!), timeout.Token);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Loads <paramref name="url"/> and waits for the document and its scripts.</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new { url = url.ToString() });
        await WaitForAsync($"location.href === {JsonSerializer.Serialize(url.ToString())} && document.readyState === 'complete'");
    }

    /// <summary>Runs JavaScript in the page (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"The page threw: {exception}");
        }
        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var v) ? v.Clone() : default;
    }

    /// <summary>Polls a JavaScript condition until it is true; fails after <paramref name="seconds"/>, quoting the page's status line.</summary>
    public async Task WaitForAsync(string condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await EvaluateAsync($"Boolean({condition})");
            if (value.ValueKind == JsonValueKind.True)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                var status = await EvaluateAsync("document.getElementById('status')?.textContent ?? ''");
                throw new TimeoutException($"Waited {seconds} s for `{condition}`; the page says: {status}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The page as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    private async Task<JsonElement> SendAsync(string method, object parameters)
    {
        var id = ++_nextId;
        var message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[64 * 1024];
        while (true)
        {
            using var received = new MemoryStream();
            WebSocketReceiveResult part;
            do
            {
                part = await _socket.ReceiveAsync(buffer, timeout.Token);
                received.Write(buffer, 0, part.Count);
            }
            while (!part.EndOfMessage);
            var reply = JsonDocument.Parse(received.ToArray()).RootElement;
            // Events have no id; replies carry the id of their command.
            if (reply.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id)
            {
                if (reply.TryGetProperty("error", out var error))
                {
                    throw new InvalidOperationException($"{method} failed: {error}");
                }
                return reply.GetProperty("result").Clone();
            }
        }
    }

    private static string FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("RECOMMENDER_TEST_CHROMIUM") is { Length: > 0 } configured)
        {
            return configured;
        }
        foreach (var name in new[] { "chromium", "chromium-browser" })
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        throw new InvalidOperationException(
            "Chromium is not installed: run `apt-get install chromium` (scripts/test.sh does) or set RECOMMENDER_TEST_CHROMIUM.");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://([^/]+)/")]
    private static partial Regex DevToolsLine();
}
