using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;
using Recommender.Server.Http;

namespace Recommender.Server.Grpc;

/// <summary>
/// gzip for gRPC messages (as grpc-dotnet's default provider), except that:
/// <list type="bullet">
/// <item>a message is decompressed only up to its rpc's limit (<see cref="RequestSizeLimits"/>): grpc-dotnet
/// copies the whole decompressed message into memory before it checks anything, so a few KB of
/// gzip would otherwise take as much memory as they expand to; past the limit it is RESOURCE_EXHAUSTED;</item>
/// <item>a damaged compressed message is INVALID_ARGUMENT: grpc-dotnet lets the decompressor's
/// InvalidDataException escape as UNKNOWN ("Exception was thrown by handler"), before any interceptor could map it.</item>
/// </list>
/// </summary>
public sealed class CheckedDecompression(ICompressionProvider inner, RequestSizeLimits.Limit fallback) : ICompressionProvider
{
    public static CheckedDecompression Gzip(RequestSizeLimits.Limit fallback) =>
        new(new GzipCompressionProvider(CompressionLevel.Fastest), fallback);

    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream)
    {
        var limit = RequestSizeLimits.CurrentCompressedLimit ?? fallback;
        return new Checked(new BoundedStream(inner.CreateDecompressionStream(stream), limit.Bytes, () => limit.TooLarge(null)), EncodingName);
    }

    private sealed class Checked(Stream inner, string encoding) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (Exception ex) when (Refusal(ex) is { } refusal)
            {
                throw refusal;
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (Refusal(ex) is { } refusal)
            {
                throw refusal;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        private RpcException? Refusal(Exception ex) => ex switch
        {
            BoundedStream.TooLargeException tooLarge => tooLarge.Status.ToRpcException(),
            InvalidDataException => new RpcException(new Status(StatusCode.InvalidArgument,
                $"The request message is marked {encoding}-compressed but its data cannot be decompressed.")),
            _ => null,
        };
    }
}
