using Recommender.Core.Articles;

namespace Recommender.Core.Tests;

public class ContentHashTests
{
    [Fact]
    public void OfBody_IgnoresCaseAndWhiteSpaceRuns()
    {
        Assert.Equal(ContentHash.OfBody("Same  story\n\ntext "), ContentHash.OfBody("same story TEXT"));
        Assert.NotEqual(ContentHash.OfBody("same story"), ContentHash.OfBody("same stories"));
    }

    [Fact]
    public void OfRecord_ChangesWithAnyField()
    {
        var a = new Article("id", "t", "b", "u", "s", ["x"], "en", DateTimeOffset.UnixEpoch);
        var hashes = new[]
        {
            a, a with { Title = "t2" }, a with { Url = "u2" }, a with { Section = "s2" }, a with { Tags = ["y"] },
            a with { Language = "fr" }, a with { Published = null },
        }.Select(ContentHash.OfRecord).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        Assert.Equal(hashes[0], ContentHash.OfRecord(a with { Tags = ["x"] }));
    }

    [Fact]
    public void OfText_SeparatesTitleFromBody()
    {
        Assert.NotEqual(ContentHash.OfText("ab", "c"), ContentHash.OfText("a", "bc"));
    }
}
