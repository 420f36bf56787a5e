using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Server.Http;

/// <summary>
/// The size of a request, per rpc, before it is read whole: UpsertArticles may carry up to
/// <c>Recommender:Limits:MaxUpsertRequestBytes</c>, every other rpc <c>MaxRequestBytes</c> (a draft is
/// text of a few hundred KB at most). A gRPC message's declared length is read from its frame header
/// and a longer one refused at once; a compressed one is decompressed only up to the limit
/// (<see cref="Grpc.CheckedDecompression"/>, and here for <c>Content-Encoding: gzip</c> on the JSON
/// routes), so a small compressed request cannot make the server allocate what it expands to. At most
/// <c>MaxConcurrentLargeRequests</c> requests larger than <c>MaxRequestBytes</c> are read at once.
/// Refusals are RESOURCE_EXHAUSTED naming the key (HTTP 429 on the JSON routes).
/// </summary>
public sealed class RequestSizeLimits(IOptions<InputLimits> options)
{
    private const int GrpcFrameHeader = 5;

    // Created at the first request: options are validated when the host starts, not when the pipeline is built.
    private SemaphoreSlim? _large;

    /// <summary>The limit of an rpc's requests: its bytes and the key that sets them.</summary>
    public sealed record Limit(long Bytes, string Key)
    {
        /// <summary>The refusal of a request of <paramref name="size"/> bytes (null: known only as it is decompressed).</summary>
        public Google.Rpc.Status TooLarge(long? size) => Error(
            $"The request{(size is { } n ? $" ({n:N0} bytes)" : ", decompressed,")} is larger than this rpc takes: " +
            $"{InputLimits.SectionName}:{Key} is {Bytes:N0} bytes. Nothing was kept.", ErrorReason.RequestTooLarge);
    }

    private static readonly AsyncLocal<Limit?> CompressedRequestLimit = new();

    /// <summary>The limit of the compressed gRPC message being handled (set by this middleware), for the decompressor.</summary>
    public static Limit? CurrentCompressedLimit => CompressedRequestLimit.Value;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method is not { } method ||
            method.ServiceName != RecommenderService.Descriptor.FullName)
        {
            await next(context);
            return;
        }
        var limits = options.Value;
        var rpcLimit = method.Name == nameof(RecommenderService.RecommenderServiceBase.UpsertArticles)
            ? new Limit(limits.MaxUpsertRequestBytes, nameof(limits.MaxUpsertRequestBytes))
            : new Limit(limits.MaxRequestBytes, nameof(limits.MaxRequestBytes));
        var limit = rpcLimit.Bytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } body)
        {
            // Room for the message with its framing (or its JSON form, whose escapes take more bytes).
            body.MaxRequestBodySize = 2L * limit + GrpcFrameHeader;
        }
        // A JSON route is told apart by its endpoint, never by the content type its caller claims.
        var transcoded = context.GetEndpoint()!.Metadata.GetMetadata<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>() is not null;
        var grpc = !transcoded;
        if (grpc && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            await next(context); // not a gRPC request: grpc-dotnet refuses it (415)
            return;
        }
        var (declared, compressed) = grpc ? await FrameHeaderAsync(context) : (context.Request.ContentLength, false);
        if (compressed)
        {
            // Flows into grpc-dotnet's decompression of this message (an AsyncLocal: set only for compressed calls).
            CompressedRequestLimit.Value = rpcLimit;
        }
        if (declared > limit)
        {
            await RefuseAsync(context, grpc, rpcLimit.TooLarge(declared.Value));
            return;
        }
        if (!grpc && !DecompressJsonBody(context, rpcLimit))
        {
            return;
        }
        // A request is large when it may exceed MaxRequestBytes: declared so, or of unknown length (chunked, compressed).
        var large = limit > limits.MaxRequestBytes && (declared is null || declared > limits.MaxRequestBytes || context.Items.ContainsKey(typeof(GZipStream)));
        if (!large)
        {
            await RunAsync(context, next, grpc);
            return;
        }
        _large ??= new SemaphoreSlim(limits.MaxConcurrentLargeRequests);
        if (!await _large.WaitAsync(0))
        {
            await RefuseAsync(context, grpc, Error(
                $"{limits.MaxConcurrentLargeRequests} requests larger than {InputLimits.SectionName}:MaxRequestBytes are being read already " +
                $"({InputLimits.SectionName}:MaxConcurrentLargeRequests); send this one again shortly.", Grpc.RateLimitInterceptor.RateLimitedReason));
            return;
        }
        try
        {
            await RunAsync(context, next, grpc);
        }
        finally
        {
            _large.Release();
        }
    }

    /// <summary>Runs the request; a JSON body that decompresses past the limit is answered here.</summary>
    private static async Task RunAsync(HttpContext context, RequestDelegate next, bool grpc)
    {
        try
        {
            await next(context);
        }
        catch (BoundedStream.TooLargeException tooLarge) when (!grpc && !context.Response.HasStarted)
        {
            await RefuseAsync(context, grpc, tooLarge.Status);
        }
    }

    /// <summary>
    /// The length the gRPC frame header announces, and whether the message is compressed, read
    /// without consuming it; (null, false) when the body ends first.
    /// </summary>
    private static async Task<(long? Length, bool Compressed)> FrameHeaderAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        var result = await reader.ReadAtLeastAsync(GrpcFrameHeader, context.RequestAborted);
        var buffer = result.Buffer;
        (long?, bool) header = (null, false);
        if (buffer.Length >= GrpcFrameHeader)
        {
            Span<byte> bytes = stackalloc byte[GrpcFrameHeader];
            buffer.Slice(0, GrpcFrameHeader).CopyTo(bytes);
            header = (BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]), bytes[0] == 1);
        }
        reader.AdvanceTo(buffer.Start); // nothing consumed: gRPC reads the frame from its start
        return header;
    }

    /// <summary>
    /// A JSON body sent with <c>Content-Encoding: gzip</c> is read through a decompressor that stops at
    /// the limit; any other encoding is refused. False when the request was answered here.
    /// </summary>
    private static bool DecompressJsonBody(HttpContext context, Limit limit)
    {
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            context.Response.Headers.AcceptEncoding = "gzip";
            return false;
        }
        context.Request.Body = new BoundedStream(new GZipStream(context.Request.Body, CompressionMode.Decompress), limit.Bytes, () => limit.TooLarge(null));
        context.Request.Headers.ContentEncoding = default;
        context.Request.ContentLength = null;
        context.Items[typeof(GZipStream)] = true;
        return true;
    }

    private static Google.Rpc.Status Error(string message, string reason) => new()
    {
        Code = (int)Code.ResourceExhausted,
        Message = message,
        Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = ErrorReason.Domain }) },
    };

    /// <summary>
    /// A gRPC call gets a trailers-only response (the status in the headers, as grpc-dotnet answers
    /// calls it refuses); a JSON route the status as JSON with HTTP 429.
    /// </summary>
    private static Task RefuseAsync(HttpContext context, bool grpc, Google.Rpc.Status status)
    {
        var response = context.Response;
        if (grpc)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = status.Code.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(status.Message);
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray());
            return Task.CompletedTask;
        }
        return JsonErrors.WriteAsync(context, StatusCodes.Status429TooManyRequests, status);
    }
}
