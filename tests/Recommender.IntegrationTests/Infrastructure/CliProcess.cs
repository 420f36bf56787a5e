using System.Diagnostics;

namespace Recommender.IntegrationTests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real `recommender` CLI (built beside the tests) as a child process.</summary>
public static class CliProcess
{
    public static Task<CliResult> RunAsync(Uri server, string? stdin, params string[] args) =>
        RunAsync(server, stdin, new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunAsync(Uri server, string? stdin, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "recommender.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["RECOMMENDER_SERVER"] = server.ToString();
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a CLI command that runs until stopped (e.g. watch); its output is collected line by line.</summary>
    public static RunningCli Start(Uri server, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "recommender.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["RECOMMENDER_SERVER"] = server.ToString();
        start.Environment["NO_COLOR"] = "1";
        return new RunningCli(Process.Start(start)!);
    }
}

/// <summary>A CLI process that runs until <see cref="StopAsync"/>.</summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _stdout = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _stderr = new();

    public RunningCli(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _stdout.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _stderr.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Waits (at most a minute) until a line of standard error contains <paramref name="text"/>.</summary>
    public async Task WaitForStderrAsync(string text)
    {
        for (var waited = 0; !_stderr.Any(line => line.Contains(text, StringComparison.Ordinal)); waited += 50)
        {
            Assert.True(waited < 60_000 && !_process.HasExited, $"The CLI did not print '{text}': {string.Join(" | ", _stderr)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (at most a minute) until standard output holds <paramref name="lines"/> lines.</summary>
    public async Task WaitForStdoutLinesAsync(int lines)
    {
        for (var waited = 0; _stdout.Count < lines; waited += 50)
        {
            Assert.True(waited < 60_000 && !_process.HasExited, $"The CLI printed {_stdout.Count} of {lines} lines: {string.Join(" | ", _stdout)} {string.Join(" | ", _stderr)}");
            await Task.Delay(50);
        }
    }

    public IReadOnlyList<string> Stdout => [.. _stdout];

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
