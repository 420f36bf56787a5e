using Recommender.Core.Articles;
using Recommender.Core.Evaluation;

namespace Recommender.Core.Tests;

public class RelevanceMetricsTests
{
    private static ArticleLine Line(string id, string body, params string[] labels) =>
        new(0, new Article(id, id, body), labels);

    private static readonly ArticleLine[] Corpus =
    [
        Line("q", "query body", "x"),
        Line("r1", "relevant one", "x"),
        Line("r2", "relevant two", "x", "y"),
        Line("n1", "not relevant", "y"),
        Line("copy", "Query   BODY", "x"),
    ];

    [Fact]
    public void Score_HandMadeList_MatchesHandComputedValues()
    {
        var metrics = new RelevanceMetrics(Corpus);

        var report = metrics.Score([("q", ["r1", "n1", "r2"])]);

        Assert.Equal(2 / 5.0, report.PrecisionAt5, 9);
        Assert.Equal(2 / 10.0, report.PrecisionAt10, 9);
        // gains 1,0,1 against an ideal of 3 relevant (r1, r2, copy): 1 + 1/log2(4) over 1 + 1/log2(3) + 1/log2(4)
        var expected = (1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3) + 1 / Math.Log2(4));
        Assert.Equal(expected, report.NdcgAt10, 9);
        Assert.Equal(0, report.DuplicateAt5);
        Assert.Equal((1, 0), (report.Queries, report.Invalid));
    }

    [Fact]
    public void Score_CopyOfTheQueryBody_CountsAsDuplicate()
    {
        var report = new RelevanceMetrics(Corpus).Score([("q", ["copy", "r1"]), ("r1", ["r2"])]);
        Assert.Equal(0.5, report.DuplicateAt5, 9);
    }

    [Fact]
    public void Score_QueryInItsOwnListOrUnknownQuery_CountsAsInvalid()
    {
        var report = new RelevanceMetrics(Corpus).Score([("q", ["q", "r1"]), ("missing", ["r1"])]);
        Assert.Equal((1, 2), (report.Queries, report.Invalid));
        Assert.Equal(1 / 10.0, report.PrecisionAt10, 9);
    }

    [Fact]
    public void QueryIds_LargeCorpus_TakesEveryCeilNOver2000th()
    {
        var big = Enumerable.Range(0, 5_001).Select(i => Line($"a{i}", $"b{i}", "x")).ToList();
        var ids = new RelevanceMetrics(big).QueryIds();
        Assert.Equal(1_667, ids.Count); // step ⌈5001/2000⌉ = 3
        Assert.Equal(["a0", "a3", "a6"], ids.Take(3).ToArray());
    }
}
