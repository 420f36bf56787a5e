using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Tests;

public sealed class TextNormalizationTests
{
    [Fact]
    public void StripControls_RemovesStrayControls_KeepsLineBreaksTabsAndEverythingElse()
    {
        Assert.Equal("Rail strike\tends\r\nat noon — 北京 \ud83d\ude00", TextNormalization.StripControls("Rail\u007f strike\tends\u0000\r\nat noon\u0085 — 北京 \ud83d\ude00"));
        Assert.Equal("\u202Eas written", TextNormalization.StripControls("\u202Eas written")); // format characters stay in free text
    }

    [Fact]
    public void Label_IsNfc_WithoutFormatCharacters_Trimmed()
    {
        Assert.Equal("sport", TextNormalization.Label("sport\u200B"));
        Assert.Equal("sport", TextNormalization.Label(" \u202Esport\u2069 "));
        Assert.Equal("Café", TextNormalization.Label("Cafe\u0301")); // e + combining acute: one é
        Assert.Equal("Zürich", TextNormalization.Label("Zu\u0308rich"));
    }

    [Fact]
    public void Normalize_AnArticle_TouchesOnlyWhatIsMatchedAndStrayControls()
    {
        var article = new Article("a-1", "Title\u007f", "Body\u0007 text", Url: "/a-1", Section: "sport\u200B", Tags: ["tag\u200D", "Cafe\u0301"]);

        var normalized = TextNormalization.Normalize(article);

        Assert.Equal(("Title", "Body text", "sport"), (normalized.Title, normalized.Body, normalized.Section));
        Assert.Equal(["tag", "Café"], normalized.Tags);
        ArticleRules.Validate(normalized);
    }

    [Theory]
    [InlineData("https://example.com/\u202Egpj.exe")]
    [InlineData("https://exa\u200Bmple.com/")]
    [InlineData("/sport/\u2066001")]
    public void Urls_WithBidiControlsOrZeroWidthCharacters_AreRefused(string url)
    {
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.Validate(new Article("a", "t", "b", Url: url)));
        Assert.Equal("url", ex.Field);
        Assert.Contains("invisible formatting character U+", ex.Description);
    }
}
