using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Index;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class RelatedRankerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Plain nearest neighbours: no expansion, so each test isolates one ranking step.</summary>
    private static readonly RankingOptions Plain = new() { ExpansionNeighbours = 0 };

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

    private static string[] Ids(IEnumerable<RelatedItem> items) => items.Select(i => i.Article.Id).ToArray();

    private static string Story(int seed) =>
        string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{(i * 7919 + seed * 104729) % 997}"));

    [Fact]
    public void Rank_StoredArticle_NeverSuggestsItselfOrACopyOfItsBody()
    {
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "Query", "Same story.\n"), Unit(1, 0));
        Add(index, new Article("copy", "Copy", "  SAME   story. "), Unit(1, 0));
        Add(index, new Article("other", "Other", "Another story."), Unit(1, 0.5f));

        var items = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 5 }, self, Plain, Now);

        Assert.Equal(["other"], Ids(items));
    }

    [Fact]
    public void Rank_NearDuplicateBodies_AreOneStory_ExactHashAloneWouldShowBoth()
    {
        var index = new VectorIndex(2);
        var body = Story(1);
        var self = Add(index, new Article("q", "Query", Story(2)), Unit(0, 1));
        Add(index, new Article("wire", "Wire copy", body), Unit(1, 0.1f));
        Add(index, new Article("reprint", "Reprint", "By our correspondent. " + body + " Updated at noon."), Unit(1, 0.11f));
        Add(index, new Article("other", "Other", Story(3)), Unit(1, 0.5f));

        var items = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 5 }, self, Plain, Now);
        var exactOnly = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 5 }, self, new RankingOptions { ExpansionNeighbours = 0, NearDuplicateSimilarity = 1.1 }, Now);

        Assert.Equal(["wire", "other"], Ids(items));
        Assert.Equal(["wire", "reprint", "other"], Ids(exactOnly));
    }

    [Fact]
    public void Rank_ManyCopiesOfOneStory_ShowsOneAndFillsTheListWithOthers()
    {
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "Query", "The query story."), Unit(0, 1));
        for (var i = 0; i < 60; i++)
        {
            Add(index, new Article($"dup{i:00}", "Syndicated", "One syndicated story."), Unit(1, 0.01f));
        }
        for (var i = 0; i < 5; i++)
        {
            Add(index, new Article($"other{i}", "Other", $"Different story {i}."), Unit(1, 0.5f + i));
        }

        var items = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 4 }, self, Plain, Now);

        Assert.Equal(4, items.Count);
        Assert.Single(items, i => i.Article.Id.StartsWith("dup", StringComparison.Ordinal));
        Assert.True(items.Zip(items.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Rank_Filters_ApplySectionsExclusionsDatesAndExcludeLater()
    {
        var index = new VectorIndex(2);
        var day = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);
        var self = Add(index, new Article("q", "q", "query body", Section: "sport", Published: day.AddDays(2).AddHours(1)), Unit(0, 1));
        Add(index, new Article("old-sport", "a", "a", Section: "Sport", Published: day.AddDays(-5)), Unit(1, 0));
        Add(index, new Article("new-sport", "b", "b", Section: "sport", Published: day.AddDays(1)), Unit(1, 0.1f));
        Add(index, new Article("excluded", "c", "c", Section: "sport", Published: day.AddDays(2)), Unit(1, 0.2f));
        Add(index, new Article("later", "f", "f", Section: "sport", Published: day.AddDays(9)), Unit(1, 0.2f));
        Add(index, new Article("undated", "d", "d", Section: "sport"), Unit(1, 0.3f));
        Add(index, new Article("politics", "e", "e", Section: "politics", Published: day.AddDays(3)), Unit(1, 0));

        var filters = RelatedQuery.From(new ListOptions(10, ["SPORT"], ["excluded"], day));
        var earlierOnly = RelatedQuery.From(new ListOptions(10, ["SPORT"], ["excluded"], day, ExcludeLater: true));

        Assert.Equal(["new-sport", "later"], Ids(RelatedRanker.Rank(index, Unit(1, 0), filters, self, Plain, Now)).Order().Reverse().ToArray());
        Assert.Equal(["new-sport"], Ids(RelatedRanker.Rank(index, Unit(1, 0), earlierOnly, self, Plain, Now)));
    }

    [Fact]
    public void Rank_FreshnessHalfLife_LetsARecentArticleOvertakeAnOldCloserOne()
    {
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "q", "query", Published: Now), Unit(0, 1));
        Add(index, new Article("old", "old", "old", Published: Now.AddDays(-30)), Unit(1, 0.05f));
        Add(index, new Article("recent", "recent", "recent", Published: Now.AddDays(-1)), Unit(1, 0.3f));

        var plain = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 2 }, self, Plain, Now);
        var fresh = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 2, FreshnessHalfLife = TimeSpan.FromDays(7) }, self, Plain, Now);
        var byDefault = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 2 }, self,
            new RankingOptions { ExpansionNeighbours = 0, FreshnessHalfLife = TimeSpan.FromDays(7) }, Now);
        var turnedOff = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 2, FreshnessHalfLife = TimeSpan.Zero }, self,
            new RankingOptions { ExpansionNeighbours = 0, FreshnessHalfLife = TimeSpan.FromDays(7) }, Now);

        Assert.Equal(["old", "recent"], Ids(plain));
        Assert.Equal(["recent", "old"], Ids(fresh));
        Assert.Equal(["recent", "old"], Ids(byDefault));
        Assert.Equal(["old", "recent"], Ids(turnedOff));
        var old = fresh.Single(i => i.Article.Id == "old");
        Assert.Equal(Math.Pow(0.5, 30 / 7.0), old.Freshness, 4);
        Assert.Equal(old.Similarity * old.Freshness, old.Score, 5);
    }

    [Fact]
    public void Rank_Diversity_PrefersADifferentSubTopicOverASecondTakeOnTheFirst()
    {
        var index = new VectorIndex(3);
        var self = Add(index, new Article("q", "q", "query"), Unit(0, 0, 1));
        Add(index, new Article("a1", "a1", "a1"), Unit(1, 0.02f, 0.6f));
        Add(index, new Article("a2", "a2", "a2"), Unit(1, 0.03f, 0.58f));
        Add(index, new Article("b1", "b1", "b1"), Unit(0.05f, 1, 0.5f));
        var query = Unit(0.5f, 0.3f, 1);

        var relevance = RelatedRanker.Rank(index, query, new RelatedQuery { Limit = 2 }, self, Plain, Now);
        var diverse = RelatedRanker.Rank(index, query, new RelatedQuery { Limit = 2, Diversity = 0.5 }, self, Plain, Now);

        Assert.Equal(["a1", "a2"], Ids(relevance));
        Assert.Equal(["a1", "b1"], Ids(diverse));
    }

    [Fact]
    public void Rank_OtherLanguage_RanksBelowSameLanguage()
    {
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "q", "query", Language: "en-GB"), Unit(0, 1));
        Add(index, new Article("fr", "fr", "fr", Language: "fr"), Unit(1, 0.05f));
        Add(index, new Article("en", "en", "en", Language: "en"), Unit(1, 0.3f));
        Add(index, new Article("unknown", "u", "u"), Unit(1, 0.6f));

        var preferred = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 3 }, self, Plain, Now);
        var noPreference = RelatedRanker.Rank(index, Unit(1, 0), new RelatedQuery { Limit = 3 }, self,
            new RankingOptions { ExpansionNeighbours = 0, OtherLanguageFactor = 1 }, Now);

        Assert.Equal(["en", "unknown", "fr"], Ids(preferred));
        Assert.Equal(["fr", "en", "unknown"], Ids(noPreference));
        Assert.Equal(0.5f, preferred.Single(i => i.Article.Id == "fr").LanguageFactor);
    }

    [Fact]
    public void Rank_Expansion_PullsTheQueryTowardItsNeighbourhood()
    {
        // The query (45°) has one neighbour on one side (a, 40°) and a cluster on the other (51-56°):
        // plain ranking takes a first; the expanded query moves toward the cluster and prefers it.
        static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];
        var index = new VectorIndex(2);
        var self = Add(index, new Article("q", "q", "query"), At(45));
        Add(index, new Article("a", "a", "a"), At(40));
        Add(index, new Article("b1", "b1", "b1"), At(51));
        Add(index, new Article("b2", "b2", "b2"), At(53));
        Add(index, new Article("b3", "b3", "b3"), At(55));
        Add(index, new Article("b4", "b4", "b4"), At(56));

        var plain = RelatedRanker.Rank(index, At(45), new RelatedQuery { Limit = 2 }, self, Plain, Now);
        var expanded = RelatedRanker.Rank(index, At(45), new RelatedQuery { Limit = 2 }, self,
            new RankingOptions { ExpansionNeighbours = 5, ExpansionWeight = 1 }, Now);

        Assert.Equal(["a", "b1"], Ids(plain));
        Assert.Equal(["b1", "b2"], Ids(expanded));
    }

    [Theory]
    [InlineData("en", "en-GB", true)]
    [InlineData("EN", "en", true)]
    [InlineData("", "fr", true)]
    [InlineData("de", "fr", false)]
    public void SameLanguage_ComparesPrimarySubtags(string a, string b, bool same) =>
        Assert.Equal(same, RelatedRanker.SameLanguage(a, b));

    [Theory]
    [InlineData(-1)]
    [InlineData(51)]
    public void Create_LimitOutOfRange_NamesTheField(int limit)
    {
        var ex = Assert.Throws<RequestValidationException>(() => RelatedQuery.From(new ListOptions(limit)));
        Assert.Equal("options.limit", ex.Field);
    }

    [Fact]
    public void Create_ZeroLimit_MeansTheDefault()
    {
        Assert.Equal(RelatedQuery.DefaultLimit, RelatedQuery.From(new ListOptions(0)).Limit);
    }

    [Fact]
    public void Create_BadDiversityOrHalfLifeOrExcludedId_NamesTheField()
    {
        Assert.Equal("options.diversity", Assert.Throws<RequestValidationException>(() => RelatedQuery.From(new ListOptions(5, Diversity: 1.5))).Field);
        Assert.Equal("options.freshness_half_life", Assert.Throws<RequestValidationException>(() => RelatedQuery.From(new ListOptions(5, FreshnessHalfLife: TimeSpan.FromHours(-1)))).Field);
        Assert.Equal("options.exclude_ids", Assert.Throws<RequestValidationException>(() => RelatedQuery.From(new ListOptions(5, ExcludeIds: ["has space"]))).Field);
    }
}
