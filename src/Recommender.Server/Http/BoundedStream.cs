namespace Recommender.Server.Http;

/// <summary>
/// Reads another stream (a decompressor) up to a number of bytes, and throws
/// <see cref="TooLargeException"/> as soon as more would be read: what a request expands to is
/// never buffered past its limit.
/// </summary>
internal sealed class BoundedStream(Stream inner, long limit, Func<Google.Rpc.Status> tooLarge) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer[..Allowed(buffer.Length)]));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken));

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

    /// <summary>Asks for one byte past the limit at most, which tells a stream that ends there from one that goes on.</summary>
    private int Allowed(int requested) => (int)Math.Min(requested, limit + 1 - _read);

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw new TooLargeException(tooLarge()) : read;
    }

    /// <summary>The request expands past its limit; <see cref="Status"/> says so (RESOURCE_EXHAUSTED).</summary>
    public sealed class TooLargeException(Google.Rpc.Status status) : IOException(status.Message)
    {
        public Google.Rpc.Status Status { get; } = status;
    }
}
