using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Tests;

public class ArticleRulesTests
{
    private static Article Valid(string id = "a-1") => new(id, "A headline", "Some body text.");

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("brace{")]
    [InlineData("tab\t")]
    public void ValidateId_BadIds_AreRejectedWithTheFieldName(string id)
    {
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.ValidateId(id, "articles[0].id"));
        Assert.Equal("articles[0].id", ex.Field);
    }

    [Theory]
    [InlineData("business-001")]
    [InlineData("2026/11/28/story.html")]
    [InlineData("urn:news:42@site~1")]
    public void ValidateId_TypicalCmsIds_AreAccepted(string id) => ArticleRules.ValidateId(id, "id");

    [Fact]
    public void ValidateId_TooLong_IsRejected()
    {
        Assert.Throws<RequestValidationException>(() => ArticleRules.ValidateId(new string('a', InputLimits.Default.MaxIdLength + 1), "id"));
    }

    [Fact]
    public void Validate_EmptyTitle_NamesTitle()
    {
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.Validate(Valid() with { Title = " " }, "articles[2]"));
        Assert.Equal("articles[2].title", ex.Field);
    }

    [Fact]
    public void Validate_ControlCharacterInTitle_IsRejectedButNewlinesInBodyAreFine()
    {
        ArticleRules.Validate(Valid() with { Body = "line one\nline two\r\n\tindented" });
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.Validate(Valid() with { Title = "bell\u0007" }));
        Assert.Equal("title", ex.Field);
    }

    [Fact]
    public void Validate_UnpairedSurrogate_IsRejected()
    {
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.Validate(Valid() with { Body = "bad \ud800 text" }));
        Assert.Equal("body", ex.Field);
        ArticleRules.Validate(Valid() with { Body = "emoji \ud83d\ude00 is fine" });
    }

    [Fact]
    public void Validate_CustomLimits_NameTheirKey()
    {
        var limits = new InputLimits { MaxTitleLength = 5 };
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.Validate(Valid() with { Title = "Longer" }, limits: limits));
        Assert.Contains("Recommender:Limits:MaxTitleLength", ex.Description);
    }

    [Fact]
    public void ValidateBatch_DuplicateIds_NameTheSecondOccurrence()
    {
        var ex = Assert.Throws<RequestValidationException>(() => ArticleRules.ValidateBatch([Valid("x"), Valid("y"), Valid("x")]));
        Assert.Equal("articles[2].id", ex.Field);
        Assert.Contains("articles[0]", ex.Description);
    }

    [Fact]
    public void ValidateBatch_EmptyOrTooLarge_IsRejected()
    {
        Assert.Throws<RequestValidationException>(() => ArticleRules.ValidateBatch([]));
        var tooMany = Enumerable.Range(0, InputLimits.Default.MaxBatchSize + 1).Select(i => Valid($"id{i}")).ToList();
        Assert.Equal("articles", Assert.Throws<RequestValidationException>(() => ArticleRules.ValidateBatch(tooMany)).Field);
    }
}
