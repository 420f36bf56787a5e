using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace Recommender.Server.Grpc;

/// <summary>
/// gzip for gRPC messages (as grpc-dotnet's default provider), except that a damaged compressed
/// message is INVALID_ARGUMENT: grpc-dotnet lets the decompressor's InvalidDataException escape as
/// UNKNOWN ("Exception was thrown by handler"), before any interceptor could map it.
/// </summary>
public sealed class CheckedDecompression(ICompressionProvider inner) : ICompressionProvider
{
    public static CheckedDecompression Gzip() => new(new GzipCompressionProvider(CompressionLevel.Fastest));

    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) => inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream) => new Checked(inner.CreateDecompressionStream(stream), EncodingName);

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
            catch (InvalidDataException)
            {
                throw Damaged();
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (InvalidDataException)
            {
                throw Damaged();
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

        private RpcException Damaged() =>
            new(new Status(StatusCode.InvalidArgument, $"The request message is marked {encoding}-compressed but its data cannot be decompressed."));
    }
}
