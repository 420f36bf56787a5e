using Recommender.Core.Articles;

namespace Recommender.Core.Tests;

public class MinHashTests
{
    private const string Story =
        "The central bank kept interest rates unchanged on Thursday, saying inflation was falling but remained above its target. " +
        "Policymakers voted seven to two to hold rates. Economists expect the first cut in the spring if wage growth slows. " +
        "Mortgage lenders said borrowing costs would stay high for now.";

    [Fact]
    public void Similarity_SyndicatedCopyWithBylineAndCaseChanges_IsAboveTheDefaultThreshold()
    {
        var copy = "By a staff reporter - " + Story.Replace("Thursday,", "Thursday", StringComparison.Ordinal).ToUpperInvariant() + " (Updated.)";
        Assert.InRange(MinHash.Similarity(MinHash.Of(Story), MinHash.Of(copy)), 0.8, 1.0);
        Assert.Equal(1.0, MinHash.Similarity(MinHash.Of(Story), MinHash.Of(Story)));
    }

    [Fact]
    public void Similarity_DifferentStoriesOnOneTopic_IsLow()
    {
        const string other =
            "Interest rates rose again as the bank tried to tame prices; home owners face higher mortgage payments " +
            "and economists warned that growth could stall later this year while wages lag behind inflation.";
        Assert.InRange(MinHash.Similarity(MinHash.Of(Story), MinHash.Of(other)), 0.0, 0.2);
    }

    [Fact]
    public void Of_TooShortText_HasNoSignature_AndMatchesNothing()
    {
        Assert.Empty(MinHash.Of("Too short to judge."));
        Assert.Equal(0, MinHash.Similarity([], MinHash.Of(Story)));
    }

    [Fact]
    public void Bytes_RoundTrip()
    {
        var signature = MinHash.Of(Story);
        Assert.Equal(signature, MinHash.FromBytes(MinHash.ToBytes(signature)));
        Assert.Equal(MinHash.Size * 4, MinHash.ToBytes(signature).Length);
    }
}
