using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class RelatedRankerTests
{
    private static float[] Unit(params float[] v)
    {
        VectorMath.Normalize(v);
        return v;
    }

    private static ArticleInfo Add(VectorIndex index, Article article, float[] vector)
    {
        var info = article.ToInfo();
        index.Upsert(info, vector);
        return info;
    }

    [Fact]
    public void Rank_StoredArticle_NeverSuggestsItselfOrACopyOfItsBody()
    {
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "Query", "Same story.\n"), Unit(1, 0));
        Add(index, new Article("copy", "Copy", "  SAME   story. "), Unit(1, 0));
        Add(index, new Article("other", "Other", "Another story."), Unit(1, 0.5f));

        var items = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 5 }, self);

        Assert.Equal(["other"], items.Select(i => i.Article.Id).ToArray());
    }

    [Fact]
    public void Rank_ManyCopiesOfOneStory_ShowsOneAndFillsTheListWithOthers()
    {
        var index = new VectorIndex(2);
        for (var i = 0; i < 30; i++)
        {
            Add(index, new Article($"dup{i:00}", "Syndicated", "One syndicated story."), Unit(1, 0.01f));
        }
        for (var i = 0; i < 5; i++)
        {
            Add(index, new Article($"other{i}", "Other", $"Different story {i}."), Unit(1, 0.5f + i));
        }

        var items = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 4 }, self: null);

        Assert.Equal(4, items.Count);
        Assert.Single(items, i => i.Article.Id.StartsWith("dup", StringComparison.Ordinal));
        Assert.Equal(items.Count, items.Select(i => i.Article.BodyHash).Distinct().Count());
        Assert.True(items.Zip(items.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Rank_Filters_ApplySectionsExclusionsAndDate()
    {
        var index = new VectorIndex(2);
        var day = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);
        Add(index, new Article("old-sport", "a", "a", Section: "Sport", Published: day.AddDays(-5)), Unit(1, 0));
        Add(index, new Article("new-sport", "b", "b", Section: "sport", Published: day.AddDays(1)), Unit(1, 0.1f));
        Add(index, new Article("excluded", "c", "c", Section: "sport", Published: day.AddDays(2)), Unit(1, 0.2f));
        Add(index, new Article("undated", "d", "d", Section: "sport"), Unit(1, 0.3f));
        Add(index, new Article("politics", "e", "e", Section: "politics", Published: day.AddDays(3)), Unit(1, 0));

        var query = RelatedQuery.Create(10, ["SPORT"], ["excluded"], day);
        var items = RelatedRanker.Rank(index, Unit(1, 0), query, self: null);

        Assert.Equal(["new-sport"], items.Select(i => i.Article.Id).ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(51)]
    public void Create_LimitOutOfRange_NamesTheField(int limit)
    {
        var ex = Assert.Throws<ArticleValidationException>(() => RelatedQuery.Create(limit, [], [], null));
        Assert.Equal("options.limit", ex.Field);
    }

    [Fact]
    public void Create_ZeroLimit_MeansTheDefault()
    {
        Assert.Equal(RelatedQuery.DefaultLimit, RelatedQuery.Create(0, [], [], null).Limit);
    }

    [Fact]
    public void Create_InvalidExcludedId_NamesTheField()
    {
        var ex = Assert.Throws<ArticleValidationException>(() => RelatedQuery.Create(5, [], ["has space"], null));
        Assert.Equal("options.exclude_ids", ex.Field);
    }
}
