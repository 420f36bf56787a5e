using Grpc.Core;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>Requests no well-behaved client would build: raw bytes on the wire.</summary>
public sealed class WireLevelTests
{
    private static readonly Method<byte[], byte[]> RawUpsert = new(
        MethodType.Unary, "recommender.v1.RecommenderService", "UpsertArticles",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    [Fact]
    public async Task InvalidUtf8InATitle_IsInvalidArgumentSayingSo()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        // UpsertArticlesRequest { articles: [{ id: "x", title: 0xC3 0x28 (invalid UTF-8), body: "ok" }] }
        byte[] article = [0x0A, 0x01, (byte)'x', 0x12, 0x02, 0xC3, 0x28, 0x1A, 0x02, (byte)'o', (byte)'k'];
        byte[] request = [0x0A, (byte)article.Length, .. article];

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.CreateCallInvoker().AsyncUnaryCall(RawUpsert, null, new CallOptions(), request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("not valid UTF-8", ex.Status.Detail);
        Assert.Equal(0, (await host.Client.GetStatsAsync(new Api.V1.GetStatsRequest())).Corpus.Articles);
    }

    [Fact]
    public async Task GarbageBytes_AreRejectedWithoutAStackTrace_AndTheServiceStaysUp()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        byte[] garbage = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x02];

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Channel.CreateCallInvoker().AsyncUnaryCall(RawUpsert, null, new CallOptions(), garbage).ResponseAsync);
        var stats = await host.Client.GetStatsAsync(new Api.V1.GetStatsRequest());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.DoesNotContain("   at ", ex.Status.Detail);
        Assert.Equal(0, stats.Corpus.Articles);
    }
}
