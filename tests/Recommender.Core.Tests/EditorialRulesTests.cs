using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Index;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public class EditorialRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly RankingOptions Plain = new() { ExpansionNeighbours = 0 };

    private static string Story(int seed) =>
        string.Join(' ', Enumerable.Range(0, 60).Select(i => $"word{(i * 7919 + seed * 104729) % 997}"));

    /// <summary>A query article "q" (politics) and five candidates a1..a5, ranked in that order, with sections and tags.</summary>
    private static (VectorIndex Index, ArticleInfo Self) Corpus()
    {
        var index = new VectorIndex(2);
        var self = new Article("q", "Query", Story(0), Section: "politics", Tags: ["elections"]).ToInfo();
        index.Upsert(self, [1, 0]);
        string[] sections = ["politics", "sport", "culture", "sport", "politics"];
        for (var i = 1; i <= 5; i++)
        {
            var v = new[] { 1f, i * 0.2f };
            VectorMath.Normalize(v);
            index.Upsert(new Article($"a{i}", $"A{i}", Story(i), Section: sections[i - 1], Tags: i == 2 ? ["Football"] : []).ToInfo(), v);
        }
        return (index, self);
    }

    private static string[] Rank(VectorIndex index, ArticleInfo self, int limit, params EditorialRule[] rules) =>
        RelatedRanker.Rank(index, [1, 0], new RelatedQuery { Limit = limit }, self, Plain, Now, new RuleSet(rules))
            .Select(i => i.Article.Id).ToArray();

    private static EditorialRule Pin(string article, string into, int position, DateTimeOffset? until = null) =>
        new() { Id = "p-" + article, Action = RuleAction.Pin, ArticleId = article, InListOf = into, Position = position, Until = until };

    private static EditorialRule Block(string article = "", string section = "", string tag = "", string inListOf = "", string underSection = "", string underTag = "") =>
        new() { Id = "b", Action = RuleAction.Block, ArticleId = article, Section = section, Tag = tag, InListOf = inListOf, UnderSection = underSection, UnderTag = underTag };

    [Fact]
    public void Pin_MovesTheArticleToItsPosition_KeepingTheLimit_AndSaysWhy()
    {
        var (index, self) = Corpus();

        var items = RelatedRanker.Rank(index, [1, 0], new RelatedQuery { Limit = 3 }, self, Plain, Now, new RuleSet([Pin("a5", "q", 1)]));

        Assert.Equal(["a5", "a1", "a2"], items.Select(i => i.Article.Id));
        Assert.Equal("pinned at position 1 by rule p-a5", items[0].EditorialRule);
        Assert.Null(items[1].EditorialRule);
    }

    [Fact]
    public void Pins_ApplyOnlyToTheirList_InPositionOrder_AndNotAfterTheyExpire()
    {
        var (index, self) = Corpus();
        var other = index.Articles().Single(a => a.Id == "a1");

        Assert.Equal(["a1", "a5", "a4"], Rank(index, self, 3, Pin("a4", "q", 3), Pin("a5", "q", 2)));
        Assert.Equal(["a1", "a2", "a3"], Rank(index, self, 3, Pin("a5", "q", 2, until: Now)));
        Assert.Equal(["a1", "a2", "a3"], Rank(index, self, 3, Pin("a5", "other", 1)));
        Assert.DoesNotContain("a5", Rank(index, other, 3, Pin("a5", "q", 1)));
        // A position beyond the list's end puts the pin last.
        Assert.Equal(["a1", "a2", "a5"], Rank(index, self, 3, Pin("a5", "q", 9)));
    }

    [Fact]
    public void Blocks_WinOverPins_AndPinsObeyTheRequestFilters()
    {
        var (index, self) = Corpus();

        Assert.Equal(["a1", "a2", "a3"], Rank(index, self, 3, Pin("a5", "q", 1), Block("a5")));
        var sportOnly = RelatedRanker.Rank(index, [1, 0], new RelatedQuery { Limit = 3, IncludeSections = new HashSet<string>(["sport"], StringComparer.OrdinalIgnoreCase) },
            self, Plain, Now, new RuleSet([Pin("a5", "q", 1)]));
        Assert.Equal(["a2", "a4"], sportOnly.Select(i => i.Article.Id));
    }

    [Fact]
    public void Blocks_ByArticleSectionOrTag_EverywhereOrInOneScope()
    {
        var (index, self) = Corpus();
        var cultureArticle = index.Articles().Single(a => a.Id == "a3");

        Assert.Equal(["a2", "a3", "a4"], Rank(index, self, 3, Block("a1")));
        Assert.Equal(["a1", "a2", "a3"], Rank(index, self, 3, Block("a1", inListOf: "other")));
        Assert.Equal(["a2", "a3", "a4"], Rank(index, self, 3, Block("a1", inListOf: "q")));
        Assert.Equal(["a1", "a3", "a5"], Rank(index, self, 3, Block(section: "SPORT")));
        Assert.Equal(["a1", "a3", "a5"], Rank(index, self, 3, Block(section: "sport", underSection: "Politics")));
        Assert.Contains("a2", Rank(index, cultureArticle, 5, Block(section: "sport", underSection: "politics")));
        Assert.Equal(["a1", "a3", "a4"], Rank(index, self, 3, Block(tag: "football", underTag: "elections")));
        Assert.Equal(["a1", "a2", "a3"], Rank(index, self, 3, Block(tag: "football", underTag: "budget")));
    }

    [Theory]
    [InlineData(RuleAction.Pin, "a", "", "", "q", 0, "rule.position")]
    [InlineData(RuleAction.Pin, "a", "", "", "", 1, "rule.in_list_of")]
    [InlineData(RuleAction.Pin, "", "sport", "", "q", 1, "rule.article_id")]
    [InlineData(RuleAction.Pin, "q", "", "", "q", 1, "rule.article_id")]
    [InlineData(RuleAction.Block, "", "", "", "", 0, "rule.article_id")]
    [InlineData(RuleAction.Block, "a", "sport", "", "", 0, "rule.article_id")]
    [InlineData(RuleAction.Block, "a", "", "", "", 2, "rule.position")]
    [InlineData(RuleAction.Block, "bad id!", "", "", "", 0, "rule.article_id")]
    [InlineData((RuleAction)0, "a", "", "", "", 0, "rule.action")]
    public void Validate_NamesTheWrongField(RuleAction action, string article, string section, string tag, string inListOf, int position, string field)
    {
        var rule = new EditorialRule { Id = "", Action = action, ArticleId = article, Section = section, Tag = tag, InListOf = inListOf, Position = position };

        var error = Assert.Throws<RequestValidationException>(() => rule.Validate(InputLimits.Default, Now));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Validate_RefusesTwoScopesAndAPastExpiry()
    {
        var twoScopes = Block("a", inListOf: "q", underSection: "politics");
        var past = Block("a") with { Until = Now.AddMinutes(-1) };

        Assert.Equal("rule.in_list_of", Assert.Throws<RequestValidationException>(() => twoScopes.Validate(InputLimits.Default, Now)).Field);
        Assert.Equal("rule.until", Assert.Throws<RequestValidationException>(() => past.Validate(InputLimits.Default, Now)).Field);
        Pin("a", "q", 2, Now.AddDays(1)).Validate(InputLimits.Default, Now);
    }
}
