using Recommender.Core.Feedback;

namespace Recommender.Core.Tests;

public sealed class RecommendationIdsTests
{
    private static readonly RecommendationIds Ids = new(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    [Fact]
    public void SipHash_MatchesTheReferenceVectors()
    {
        var key = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        // From the SipHash paper (Aumasson and Bernstein), appendix A, and its reference implementation's vectors.
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash(key, Enumerable.Range(0, 15).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x726fdb47dd0e0e31UL, SipHash.Hash(key, []));
    }

    [Fact]
    public void AnIssuedId_NamesEachArticleAtItsPosition_AndNothingElse()
    {
        var issued = DateTimeOffset.FromUnixTimeSeconds(1_790_000_000);
        var id = Ids.Issue("site", issued, ["a-1", "a-2", "a-3"]);

        var list = Ids.Read("site", id);

        Assert.NotNull(list);
        Assert.Equal((issued, 3), (list.IssuedAt, list.Items));
        Assert.True(list.Listed(1, "a-1") && list.Listed(2, "a-2") && list.Listed(3, "a-3"));
        Assert.False(list.Listed(1, "a-2"));
        Assert.False(list.Listed(2, "a-20"));
        Assert.False(list.Listed(4, "a-1"));
        Assert.False(list.Listed(0, "a-1"));
        Assert.Null(Ids.Read("other-site", id));
        Assert.Null(new RecommendationIds(new byte[32]).Read("site", id));
        Assert.Equal(70, id.Length);
    }

    [Fact]
    public void AnIssuedId_SaysItsNamespace_WhichReadStillVerifies()
    {
        var id = Ids.Issue("site-b", DateTimeOffset.UtcNow, ["a-1"]);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(id);
        bytes[2] = (byte)'S'; // "Site-b": the id now claims another namespace

        Assert.Equal("site-b", RecommendationIds.NamespaceOf(id));
        Assert.Equal("Site-b", RecommendationIds.NamespaceOf(System.Buffers.Text.Base64Url.EncodeToString(bytes)));
        Assert.Null(Ids.Read("Site-b", System.Buffers.Text.Base64Url.EncodeToString(bytes)));
        Assert.Null(RecommendationIds.NamespaceOf("not an id at all"));
        Assert.Null(RecommendationIds.NamespaceOf(""));
    }

    [Fact]
    public void AnIdWhoseTagsOrHeaderWereChanged_IsRefused()
    {
        var id = Ids.Issue("site", DateTimeOffset.UtcNow, ["a-1", "a-2"]);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(id);
        for (var i = 0; i < bytes.Length; i++)
        {
            var changed = (byte[])bytes.Clone();
            changed[i] ^= 0x40;
            Assert.Null(Ids.Read("site", System.Buffers.Text.Base64Url.EncodeToString(changed)));
        }
        Assert.Null(Ids.Read("site", id[..^2]));
        Assert.Null(Ids.Read("site", "not an id at all"));
    }
}
