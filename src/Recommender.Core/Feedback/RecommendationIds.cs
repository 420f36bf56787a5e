using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Recommender.Core.Feedback;

/// <summary>
/// Recommendation ids that the service can verify: each says when its list was issued and how many
/// items it held, signed (HMAC-SHA256, truncated to 128 bits) with a secret the replicas share and
/// bound to the namespace. Feedback naming an id the service did not issue, or a position beyond
/// that list, is refused, so counts cannot be forged by making ids up.
/// Layout (base64url, 46 characters): version 1 byte, issued Unix seconds 8, random 8, items 1, MAC 16.
/// </summary>
public sealed class RecommendationIds
{
    private const byte Version = 1;
    private const int PayloadLength = 18;
    private const int MacLength = 16;
    private const int Length = PayloadLength + MacLength;

    private readonly byte[] _key;

    public RecommendationIds(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16)
        {
            throw new ArgumentException("The signing key must hold at least 16 bytes.", nameof(key));
        }
        _key = key;
    }

    /// <summary>A new id for a list of <paramref name="items"/> issued at <paramref name="issuedAt"/> in <paramref name="ns"/>.</summary>
    public string Issue(string ns, DateTimeOffset issuedAt, int items)
    {
        Span<byte> id = stackalloc byte[Length];
        id[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(id[1..9], issuedAt.ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(id[9..17]);
        id[17] = (byte)Math.Clamp(items, 0, byte.MaxValue);
        Sign(ns, id[..PayloadLength], id[PayloadLength..]);
        return Base64Url.EncodeToString(id);
    }

    /// <summary>Reads an id this service issued for <paramref name="ns"/>; false when it is malformed, of another namespace or forged.</summary>
    public bool TryRead(string ns, string id, out DateTimeOffset issuedAt, out int items)
    {
        issuedAt = default;
        items = 0;
        Span<byte> bytes = stackalloc byte[Length];
        if (id.Length != Base64Url.GetEncodedLength(Length) ||
            !Base64Url.TryDecodeFromChars(id, bytes, out var written) || written != Length || bytes[0] != Version)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        Sign(ns, bytes[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadLength..]))
        {
            return false;
        }
        var seconds = BinaryPrimitives.ReadInt64BigEndian(bytes[1..9]);
        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }
        issuedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        items = bytes[17];
        return true;
    }

    private void Sign(string ns, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        var nsBytes = Encoding.UTF8.GetBytes(ns);
        var message = new byte[nsBytes.Length + 1 + payload.Length];
        nsBytes.CopyTo(message, 0);
        payload.CopyTo(message.AsSpan(nsBytes.Length + 1)); // a zero byte separates the namespace from the payload
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, message, full);
        full[..MacLength].CopyTo(mac);
    }
}
