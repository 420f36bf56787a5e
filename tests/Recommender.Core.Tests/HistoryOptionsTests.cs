using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Ranking;

namespace Recommender.Core.Tests;

public sealed class HistoryOptionsTests
{
    [Fact]
    public void RecencyDecay_WeighsEachLikedArticleLessThanTheOneBeforeIt_AndAnIdGivenTwiceCountsOnceAtItsFirstPlace()
    {
        var history = new HistoryOptions([new("a"), new("b", 4), new("a", 9), new("c")], [], RecencyDecay: 0.5);

        var weighted = history.Validate(InputLimits.Default);

        Assert.Equal(["a", "b", "c"], weighted.Select(l => l.Id));
        Assert.Equal([1f, 2f, 0.125f], weighted.Select(l => l.Weight)); // 1; 4 × 0.5; 1 × 0.5³ (its place is the fourth)
    }

    [Theory]
    [InlineData(0, 0.0, "like")]
    [InlineData(51, 0.0, "like")]
    [InlineData(1, 1.0, "recency_decay")]
    [InlineData(1, -0.1, "recency_decay")]
    public void WrongHistories_NameTheField(int likes, double decay, string field)
    {
        var history = new HistoryOptions(Enumerable.Range(0, likes).Select(i => new LikedArticle($"a-{i}")).ToList(), [], RecencyDecay: decay);

        var ex = Assert.Throws<RequestValidationException>(() => history.Validate(InputLimits.Default));

        Assert.Equal(field, ex.Field);
    }
}
