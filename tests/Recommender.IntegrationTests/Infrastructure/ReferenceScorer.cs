using System.Diagnostics;
using System.Text.Json;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>Runs shared/tools/score.py, the reference scorer of shared/EVALUATION.md, and returns its JSON figures.</summary>
public static class ReferenceScorer
{
    public static JsonElement Score(string corpusPath, IEnumerable<(string Id, IReadOnlyList<string> Related)> lists)
    {
        var listsPath = Path.GetTempFileName();
        File.WriteAllLines(listsPath, lists.Select(l => string.Join('\t', [l.Id, .. l.Related])));
        try
        {
            return Score(corpusPath, listsPath);
        }
        finally
        {
            File.Delete(listsPath);
        }
    }

    public static JsonElement Score(string corpusPath, string listsPath)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(TestData.SharedPath, "tools", "score.py"), corpusPath, listsPath, "--json" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"score.py failed: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
