using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Recommender.Core.Feedback;

/// <summary>
/// Recommendation ids that the service can verify: each says which namespace and when its list was
/// issued and which article stood at each of its positions, signed (HMAC-SHA256) with a secret the
/// replicas share. Feedback naming an id the service did not issue, a position beyond that list, or
/// an article that was not at that position, is refused, so counts cannot be forged by making ids up
/// nor credited to articles that were never shown. The namespace is readable from the id
/// (<see cref="NamespaceOf"/>), so that a beacon need not name it.
/// <para>
/// Layout (base64url): version 1 byte, the namespace's length 1 and its UTF-8 bytes, issued Unix
/// seconds 8, random 8, items 2 (the header), then a 4-byte tag per position (SipHash-2-4, with a
/// key derived from the secret, over the namespace, the header, the position and the article id
/// there, truncated), then a 16-byte MAC (HMAC-SHA256) over the namespace and all of it. A list of
/// 10 in namespace "default" is 83 bytes (111 characters). Guessing the tag of an article that was
/// not shown succeeds once in 2^32 tries. Ids of an earlier version are refused.
/// </para>
/// </summary>
public sealed class RecommendationIds
{
    private const byte Version = 3;
    private const int NamespaceMaxBytes = 64;
    private const int TimeNonceItemsLength = 18;
    private const int TagLength = 4;
    private const int MacLength = 16;

    /// <summary>The most items a list's id can name.</summary>
    public const int MaxItems = 1_000;

    /// <summary>The length of the id of a list of <see cref="MaxItems"/>, in characters.</summary>
    public static readonly int MaxLength = Base64Url.GetEncodedLength(2 + NamespaceMaxBytes + TimeNonceItemsLength + (MaxItems * TagLength) + MacLength);

    private readonly byte[] _key;
    private readonly byte[] _tagKey;

    public RecommendationIds(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 16)
        {
            throw new ArgumentException("The signing key must hold at least 16 bytes.", nameof(key));
        }
        _key = key;
        _tagKey = HMACSHA256.HashData(key, "recommendation-id position tags"u8)[..16];
    }

    /// <summary>A new id for the list of <paramref name="articleIds"/> (in order) issued at <paramref name="issuedAt"/> in <paramref name="ns"/>.</summary>
    public string Issue(string ns, DateTimeOffset issuedAt, IReadOnlyList<string> articleIds)
    {
        var name = Encoding.UTF8.GetBytes(ns);
        if (name.Length > NamespaceMaxBytes)
        {
            throw new ArgumentException($"A namespace has at most {NamespaceMaxBytes} bytes.", nameof(ns));
        }
        var items = Math.Min(articleIds.Count, MaxItems);
        var at = 2 + name.Length;
        var headerLength = at + TimeNonceItemsLength;
        var id = new byte[headerLength + (items * TagLength) + MacLength];
        id[0] = Version;
        id[1] = (byte)name.Length;
        name.CopyTo(id, 2);
        BinaryPrimitives.WriteInt64BigEndian(id.AsSpan(at, 8), issuedAt.ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(id.AsSpan(at + 8, 8));
        BinaryPrimitives.WriteUInt16BigEndian(id.AsSpan(at + 16, 2), (ushort)items);
        var header = id.AsSpan(0, headerLength);
        for (var i = 0; i < items; i++)
        {
            Tag(ns, header, i + 1, articleIds[i], id.AsSpan(headerLength + (i * TagLength), TagLength));
        }
        Mac(ns, id.AsSpan(0, id.Length - MacLength), id.AsSpan(id.Length - MacLength));
        return Base64Url.EncodeToString(id);
    }

    /// <summary>
    /// The namespace an id says it was issued in, unverified (<see cref="Read"/> verifies it); null
    /// for an id that does not carry one (malformed, or of an earlier version).
    /// </summary>
    public static string? NamespaceOf(string id)
    {
        if (id.Length > MaxLength || !Base64Url.IsValid(id, out var length) || length < 2)
        {
            return null;
        }
        var bytes = Base64Url.DecodeFromChars(id);
        return bytes[0] == Version && bytes[1] <= NamespaceMaxBytes && bytes.Length >= 2 + bytes[1]
            ? Encoding.UTF8.GetString(bytes, 2, bytes[1])
            : null;
    }

    /// <summary>Reads an id this service issued for <paramref name="ns"/>; null when it is malformed, of another namespace or forged.</summary>
    public IssuedList? Read(string ns, string id)
    {
        if (id.Length > MaxLength || !Base64Url.IsValid(id, out var length) || length < 2 + TimeNonceItemsLength + MacLength)
        {
            return null;
        }
        var bytes = Base64Url.DecodeFromChars(id);
        var at = 2 + bytes[1];
        if (bytes[0] != Version || bytes[1] > NamespaceMaxBytes || bytes.Length < at + TimeNonceItemsLength + MacLength)
        {
            return null;
        }
        var items = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(at + 16, 2));
        if (bytes.Length != at + TimeNonceItemsLength + (items * TagLength) + MacLength)
        {
            return null;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(ns, bytes.AsSpan(0, bytes.Length - MacLength), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(bytes.Length - MacLength)))
        {
            return null;
        }
        var seconds = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(at, 8));
        if (seconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return null;
        }
        return new IssuedList(this, ns, bytes, at + TimeNonceItemsLength, DateTimeOffset.FromUnixTimeSeconds(seconds), items);
    }

    /// <summary>A verified id: when its list was issued, how long it was, and which article stood where.</summary>
    public sealed class IssuedList
    {
        private readonly RecommendationIds _ids;
        private readonly string _ns;
        private readonly byte[] _bytes;
        private readonly int _headerLength;

        internal IssuedList(RecommendationIds ids, string ns, byte[] bytes, int headerLength, DateTimeOffset issuedAt, int items)
        {
            _ids = ids;
            _ns = ns;
            _bytes = bytes;
            _headerLength = headerLength;
            IssuedAt = issuedAt;
            Items = items;
        }

        public DateTimeOffset IssuedAt { get; }

        public int Items { get; }

        /// <summary>The 8 random bytes that tell this list from every other issued in the same second.</summary>
        public ReadOnlySpan<byte> Nonce => _bytes.AsSpan(_headerLength - 10, 8);

        /// <summary>True when <paramref name="articleId"/> was at the 1-based <paramref name="position"/> of this list.</summary>
        public bool Listed(int position, string articleId)
        {
            if (position < 1 || position > Items)
            {
                return false;
            }
            Span<byte> expected = stackalloc byte[TagLength];
            _ids.Tag(_ns, _bytes.AsSpan(0, _headerLength), position, articleId, expected);
            return CryptographicOperations.FixedTimeEquals(expected, _bytes.AsSpan(_headerLength + ((position - 1) * TagLength), TagLength));
        }
    }

    /// <summary>The tag of one position: the namespace, the header, the position and the article id there, under the tag key.</summary>
    private void Tag(string ns, ReadOnlySpan<byte> header, int position, string articleId, Span<byte> tag)
    {
        var length = Encoding.UTF8.GetByteCount(ns) + 1 + header.Length + 2 + Encoding.UTF8.GetByteCount(articleId);
        var rented = length > 512 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        var data = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        var at = Encoding.UTF8.GetBytes(ns, data);
        data[at++] = 0;
        header.CopyTo(data[at..]);
        at += header.Length;
        BinaryPrimitives.WriteUInt16BigEndian(data[at..], (ushort)position);
        Encoding.UTF8.GetBytes(articleId, data[(at + 2)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)SipHash.Hash(_tagKey, data));
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The MAC of a whole id: HMAC-SHA256 over the namespace, a zero byte and the id's bytes before the MAC, truncated.</summary>
    private void Mac(string ns, ReadOnlySpan<byte> signed, Span<byte> mac)
    {
        var message = new byte[Encoding.UTF8.GetByteCount(ns) + 1 + signed.Length];
        var at = Encoding.UTF8.GetBytes(ns, message) + 1;
        signed.CopyTo(message.AsSpan(at));
        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, message, full);
        full[..mac.Length].CopyTo(mac);
    }
}
