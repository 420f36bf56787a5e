using Recommender.Core.Articles;

namespace Recommender.Core.Tests;

public class ArticleJsonLinesTests
{
    [Fact]
    public void ParseAll_ValidLines_ReadsEveryFieldAndDefaultsLabelsToSection()
    {
        var (articles, errors) = ArticleJsonLines.ParseAll(
        [
            """{"id":"a","title":"T","body":"B","section":"tech","url":"https://x/a","published":"2005-03-01T10:00:00Z","language":"en","tags":["x","y"],"extra":1}""",
            "",
            """{"id":"b","title":"T2","body":"B2","section":"business","labels":["acq","earn"]}""",
        ]);

        Assert.Empty(errors);
        Assert.Equal(2, articles.Count);
        var a = articles[0];
        Assert.Equal(1, a.LineNumber);
        Assert.Equal(("tech", "https://x/a", "en"), (a.Article.Section, a.Article.Url, a.Article.Language));
        Assert.Equal(["x", "y"], a.Article.Tags);
        Assert.Equal(new DateTimeOffset(2005, 3, 1, 10, 0, 0, TimeSpan.Zero), a.Article.Published);
        Assert.Equal(["tech"], a.Labels);
        Assert.Equal(3, articles[1].LineNumber);
        Assert.Equal(["acq", "earn"], articles[1].Labels);
    }

    [Fact]
    public void Format_ThenParse_GivesTheSameArticleAndLabels()
    {
        var line = new ArticleLine(1, new Article("a-1", "T \"quoted\"", "Body\nline two", "https://x/a", "tech", ["t1"], "en",
            new DateTimeOffset(2005, 3, 1, 10, 0, 0, TimeSpan.Zero)), ["acq", "earn"]);

        Assert.True(ArticleJsonLines.TryParse(ArticleJsonLines.Format(line), 7, out var parsed, out _));

        Assert.Equal(ContentHash.OfRecord(line.Article), ContentHash.OfRecord(parsed.Article));
        Assert.Equal(line.Labels, parsed.Labels);
    }

    [Fact]
    public void ParseAll_BadLines_ReportsEachByNumberAndWhatIsWrong()
    {
        var (articles, errors) = ArticleJsonLines.ParseAll(
        [
            """{"id":"ok","title":"T","body":"B"}""",
            "{not json",
            """{"id":"x","body":"B"}""",
            """{"id":"y","title":"T","body":"B","tags":"one"}""",
            """{"id":"z","title":"T","body":"B","published":"yesterday"}""",
            """{"id":"ok","title":"T","body":"B"}""",
            """{"id":"bad id","title":"T","body":"B"}""",
            "[1,2]",
        ]);

        Assert.Single(articles);
        Assert.Equal([2, 3, 4, 5, 6, 7, 8], errors.Select(e => e.LineNumber).ToArray());
        Assert.Contains("not valid JSON", errors[0].Message);
        Assert.Equal("title is required", errors[1].Message);
        Assert.Equal("tags must be an array of strings", errors[2].Message);
        Assert.Contains("is not an RFC 3339 time", errors[3].Message);
        Assert.Equal("id 'ok' already appears on line 1", errors[4].Message);
        Assert.StartsWith("id contains ' '", errors[5].Message.Replace("U+0020", " ", StringComparison.Ordinal));
        Assert.Equal("line 8: is not a JSON object", errors[6].ToString());
    }
}
