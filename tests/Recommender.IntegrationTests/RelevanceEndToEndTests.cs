using System.Diagnostics;
using System.Text.Json;
using Recommender.Api.V1;
using Recommender.Core.Evaluation;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// The shared BBC corpus imported through gRPC into the embedded default, every article queried,
/// scored with the project's metric and cross-checked against the reference scorer.
/// </summary>
public sealed class RelevanceEndToEndTests
{
    [Fact]
    public async Task BbcCorpus_ImportedThroughTheApi_HasPrecisionAt10OfAtLeast095AndNoDuplicates()
    {
        var corpus = TestData.Load(TestData.BbcPath);
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        await TestData.ImportAsync(host.Client, corpus);

        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(corpus.Count, stats.Corpus.Articles);
        Assert.Equal(corpus.Count, stats.Model.FittedOnArticles);

        var metrics = new RelevanceMetrics(corpus);
        var lists = new List<(string, IReadOnlyList<string>)>();
        foreach (var id in metrics.QueryIds())
        {
            var response = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = new RelatedOptions { Limit = 10 } });
            lists.Add((id, response.Items.Select(i => i.Id).ToList()));
        }
        var report = metrics.Score(lists);

        Assert.Equal(corpus.Count, report.Queries);
        Assert.Equal(0, report.Invalid);
        Assert.True(report.PrecisionAt10 >= 0.95, $"P@10 {report.PrecisionAt10:0.000} is below the floor of 0.95");
        Assert.Equal(0, report.DuplicateAt5);

        // The project's metric must agree with the reference scorer on the same lists.
        var reference = RunReferenceScorer(TestData.BbcPath, lists);
        Assert.Equal(reference.GetProperty("P@5").GetDouble(), report.PrecisionAt5, 6);
        Assert.Equal(reference.GetProperty("P@10").GetDouble(), report.PrecisionAt10, 6);
        Assert.Equal(reference.GetProperty("nDCG@10").GetDouble(), report.NdcgAt10, 6);
        Assert.Equal(reference.GetProperty("dup@5").GetDouble(), report.DuplicateAt5, 6);
    }

    private static JsonElement RunReferenceScorer(string corpusPath, IEnumerable<(string Id, IReadOnlyList<string> Related)> lists)
    {
        var scorer = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(corpusPath)!, "..", "tools", "score.py"));
        var listsPath = Path.GetTempFileName();
        File.WriteAllLines(listsPath, lists.Select(l => string.Join('\t', [l.Id, .. l.Related])));
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { scorer, corpusPath, listsPath, "--json" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"score.py failed: {error}");
        File.Delete(listsPath);
        return JsonDocument.Parse(output).RootElement.Clone();
    }
}
