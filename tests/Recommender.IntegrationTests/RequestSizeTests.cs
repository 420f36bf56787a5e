using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// Requests are bounded per rpc before they are read whole: a small gzip body that expands to 64 MiB
/// (a compression bomb) costs the server about its limit, not what it expands to, over gRPC and over
/// JSON; honest compressed requests still work; large requests are read a few at a time.
/// </summary>
public sealed class RequestSizeTests(ITestOutputHelper output)
{
    private const int Expanded = 64 * 1024 * 1024;

    /// <summary>
    /// A PreviewRelatedRequest (title "t", body of <paramref name="bodyBytes"/> letters) as its protobuf
    /// encoding, gzip-compressed, written without ever holding the expanded message.
    /// </summary>
    private static byte[] GzipPreviewMessage(int bodyBytes)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write([0x0A, 0x01, (byte)'t', 0x12]); // field 1 "t", then field 2's tag
            Span<byte> varint = stackalloc byte[5];
            var n = 0;
            for (var v = (uint)bodyBytes; ; v >>= 7)
            {
                varint[n++] = (byte)(v < 0x80 ? v : (v & 0x7F) | 0x80);
                if (v < 0x80)
                {
                    break;
                }
            }
            gzip.Write(varint[..n]);
            var chunk = Enumerable.Repeat((byte)'a', 64 * 1024).ToArray();
            for (var left = bodyBytes; left > 0; left -= chunk.Length)
            {
                gzip.Write(chunk, 0, Math.Min(left, chunk.Length));
            }
        }
        return compressed.ToArray();
    }

    private static byte[] Framed(byte[] message, bool compressed)
    {
        var framed = new byte[message.Length + 5];
        framed[0] = (byte)(compressed ? 1 : 0);
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
        : response.Headers.TryGetValues(name, out var h) ? h.First() : null;

    /// <summary>Bytes this process allocated while <paramref name="call"/> ran (the server runs in it).</summary>
    private async Task<(T Result, long Allocated)> Measured<T>(Func<Task<T>> call)
    {
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await call();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"allocated while the request was answered: {allocated:N0} bytes");
        return (result, allocated);
    }

    [Fact]
    public async Task GzipBomb_OverGrpc_IsRefusedAtTheRpcsLimit_WithoutAllocatingWhatItExpandsTo()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        await host.Client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples().Select(s => s.Article).ToArray()));
        var bomb = Framed(GzipPreviewMessage(Expanded), compressed: true);
        using var http = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };

        async Task<(HttpStatusCode Http, string? Grpc, string? Message, string? Details)> Send()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/recommender.v1.RecommenderService/PreviewRelated")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(bomb),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
            request.Headers.TryAddWithoutValidation("TE", "trailers");
            request.Headers.TryAddWithoutValidation("grpc-encoding", "gzip");
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return (response.StatusCode, Header(response, "grpc-status"), Header(response, "grpc-message"), Header(response, "grpc-status-details-bin"));
        }

        await Send(); // the first call of a path warms up code paths whose allocations are not the request's
        var (answer, allocated) = await Measured(Send);

        Assert.True(bomb.Length < 100_000, $"the bomb is {bomb.Length} bytes");
        Assert.Equal(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), answer.Grpc);
        Assert.Contains("Recommender:Limits:MaxRequestBytes", Uri.UnescapeDataString(answer.Message ?? ""));
        var status = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(answer.Details!));
        Assert.Equal("REQUEST_TOO_LARGE", status.Details.Single().Unpack<ErrorInfo>().Reason);
        // The limit is 1 MiB: decompressing up to it (a buffer that doubles, and the parse of the
        // compressed frame) stays within a few times that; the whole message would be 64 MiB or more.
        Assert.True(allocated < 16L * 1024 * 1024, $"the refusal allocated {allocated:N0} bytes");
        Assert.Equal(TestData.Samples().Count, (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    [Fact]
    public async Task GzipBomb_OverJson_IsRefusedAtTheRpcsLimit_WithoutAllocatingWhatItExpandsTo()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        // {"title":"t","body":"aaaa…"} gzip-compressed, written as a stream.
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write("{\"title\":\"t\",\"body\":\""u8);
            var chunk = Enumerable.Repeat((byte)'a', 64 * 1024).ToArray();
            for (var left = Expanded; left > 0; left -= chunk.Length)
            {
                gzip.Write(chunk);
            }
            gzip.Write("\"}"u8);
        }
        var bomb = compressed.ToArray();
        using var http = host.CreateClient();

        async Task<(HttpStatusCode Status, string Body)> Send()
        {
            using var content = new ByteArrayContent(bomb);
            content.Headers.ContentType = new("application/json");
            content.Headers.ContentEncoding.Add("gzip");
            using var response = await http.PostAsync("/v1/related:preview", content);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        await Send();
        var (answer, allocated) = await Measured(Send);

        Assert.Equal(HttpStatusCode.TooManyRequests, answer.Status);
        using var error = JsonDocument.Parse(answer.Body);
        Assert.Equal((int)StatusCode.ResourceExhausted, error.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("Recommender:Limits:MaxRequestBytes", error.RootElement.GetProperty("message").GetString());
        Assert.Equal("REQUEST_TOO_LARGE", error.RootElement.GetProperty("details")[0].GetProperty("reason").GetString());
        Assert.True(allocated < 16L * 1024 * 1024, $"the refusal allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task HonestCompressedRequests_AreServed_OverGrpcAndJson()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var compressing = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        var samples = TestData.Samples().Select(s => s.Article).ToArray();
        await host.Client.UpsertArticlesAsync(TestData.Upsert(samples), compressing);
        var preview = await host.Client.PreviewRelatedAsync(
            new PreviewRelatedRequest { Title = samples[0].Title, Body = samples[0].Body, Options = new RelatedOptions { Limit = 3 } }, compressing);

        using var http = host.CreateClient();
        using var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { title = samples[1].Title, body = samples[1].Body, options = new { limit = 3 } })));
        }
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var json = await http.PostAsync("/v1/related:preview", content);
        using var other = new ByteArrayContent("{}"u8.ToArray());
        other.Headers.ContentType = new("application/json");
        other.Headers.ContentEncoding.Add("br");
        using var brotli = await http.PostAsync("/v1/related:preview", other);

        Assert.Equal(3, preview.Items.Count);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        using var list = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Equal(3, list.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, brotli.StatusCode);
        Assert.Equal("gzip", brotli.Headers.GetValues("Accept-Encoding").Single());
    }

    [Fact]
    public async Task UncompressedOversizedRequest_IsRefusedFromItsFrameHeader_AndUpsertsKeepTheirLargerLimit()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Limits:MaxRequestBytes"] = "300000",
        }).StartAsync();
        var body = new string('w', 199_000) + " end"; // within MaxBodyLength, about 600 KB in three-byte letters
        var wide = string.Concat(Enumerable.Repeat("字", 150_000));

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "t", Body = wide }).ResponseAsync);
        var accepted = await host.Client.UpsertArticlesAsync(TestData.Upsert(
            new Core.Articles.Article("wide", "Wide", wide), new Core.Articles.Article("long", "Long", body)));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Recommender:Limits:MaxRequestBytes is 300,000 bytes", refused.Status.Detail);
        Assert.Equal("REQUEST_TOO_LARGE", refused.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(2, accepted.Created);
    }

    [Fact]
    public async Task LargeRequests_AreReadAFewAtATime_OthersAreToldToRetry()
    {
        using var host = new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, httpPort: true, settings: new Dictionary<string, string?>
        {
            ["Recommender:Limits:MaxConcurrentLargeRequests"] = "2",
        });
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        // Upserts whose bodies (of unknown length: chunked) do not arrive until released.
        var release = new TaskCompletionSource();
        var sent = Enumerable.Range(0, 2).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var held = Enumerable.Range(0, 2).Select(i => http.PostAsync("/v1/articles", new HeldContent(release.Task, i, sent[i]))).ToList();
        // Both held requests are on the wire (headers and a first chunk); the server then takes a
        // moment to read their headers and give them their slots. (A third sent before that would
        // take a slot itself and leave one of them refused.)
        await Task.WhenAll(sent.Select(s => s.Task)).WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(500);

        using var third = await http.PostAsync("/v1/articles", new HeldContent(Task.CompletedTask, 2));
        using var small = await http.PostAsync("/v1/related:preview", new StringContent("""{"title":"a draft","body":"some text"}""", Encoding.UTF8, "application/json"));
        release.SetResult();
        var answers = await Task.WhenAll(held);
        using var fourth = await http.PostAsync("/v1/articles", new HeldContent(Task.CompletedTask, 3));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Contains("Recommender:Limits:MaxConcurrentLargeRequests", await third.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
    }

    /// <summary>A one-article upsert body, sent chunked, whose last part waits for <paramref name="release"/>.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly Task _release;
        private readonly int _n;
        private readonly TaskCompletionSource? _sent;

        public HeldContent(Task release, int n, TaskCompletionSource? sent = null)
        {
            _release = release;
            _n = n;
            _sent = sent;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"articles":[{"id":"held-{{_n}}","title":"Held {{_n}}","""));
            await stream.FlushAsync();
            _sent?.TrySetResult();
            await _release;
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"\"body\":\"A body sent late, number {_n}.\"}}]}}"));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
