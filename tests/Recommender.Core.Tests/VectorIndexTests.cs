using Recommender.Core.Articles;
using Recommender.Core.Index;

namespace Recommender.Core.Tests;

public class VectorIndexTests
{
    private static ArticleInfo Info(string id, string section = "news", string body = "") =>
        new Article(id, "Title " + id, body.Length > 0 ? body : "Body of " + id, Section: section).ToInfo();

    private static float[] Unit(params float[] v)
    {
        VectorMath.Normalize(v);
        return v;
    }

    [Fact]
    public void Search_RandomVectors_MatchesBruteForceOrder()
    {
        var random = new Random(7);
        var index = new VectorIndex(16, capacity: 4);
        var vectors = new Dictionary<string, float[]>();
        for (var i = 0; i < 300; i++)
        {
            var v = Unit(Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
            vectors[$"a{i}"] = v;
            index.Upsert(Info($"a{i}"), v);
        }
        var query = vectors["a5"];

        var hits = index.Search(query, 10);

        var expected = vectors.OrderByDescending(kv => VectorMath.Dot(query, kv.Value)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(10).Select(kv => kv.Key).ToList();
        Assert.Equal(expected, hits.Select(h => h.Article.Id).ToList());
        Assert.Equal("a5", hits[0].Article.Id);
        Assert.Equal(1f, hits[0].Score, 4);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Remove_MiddleRow_KeepsOtherArticlesFindable()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a"), Unit(1, 0));
        index.Upsert(Info("b"), Unit(0, 1));
        index.Upsert(Info("c"), Unit(1, 1));

        Assert.True(index.Remove("a"));
        Assert.False(index.Remove("a"));

        Assert.Equal(2, index.Count);
        Assert.False(index.TryGet("a", out _, out _));
        Assert.True(index.TryGet("c", out var info, out var vector));
        Assert.Equal("c", info.Id);
        Assert.Equal(Unit(1, 1), vector);
        Assert.Equal(["b", "c"], index.Search(Unit(0, 1), 5).Select(h => h.Article.Id).ToArray());
    }

    [Fact]
    public void Upsert_ExistingId_ReplacesVectorAndMetadata()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a", "old"), Unit(1, 0));
        index.Upsert(Info("a", "new"), Unit(0, 1));

        Assert.Equal(1, index.Count);
        index.TryGet("a", out var info, out var vector);
        Assert.Equal("new", info.Section);
        Assert.Equal(Unit(0, 1), vector);
    }

    [Fact]
    public void Search_WithFilter_SkipsRejectedArticles()
    {
        var index = new VectorIndex(2);
        index.Upsert(Info("a", "sport"), Unit(1, 0));
        index.Upsert(Info("b", "politics"), Unit(1, 0.1f));
        index.Upsert(Info("c", "sport"), Unit(0, 1));

        var hits = index.Search(Unit(1, 0), 5, a => a.Section == "sport");

        Assert.Equal(["a", "c"], hits.Select(h => h.Article.Id).ToArray());
    }

    [Fact]
    public void Upsert_WrongDimensions_Throws()
    {
        var index = new VectorIndex(3);
        Assert.Throws<ArgumentException>(() => index.Upsert(Info("a"), [1f, 0f]));
        Assert.Throws<ArgumentException>(() => index.Search([1f, 0f], 1));
    }
}
