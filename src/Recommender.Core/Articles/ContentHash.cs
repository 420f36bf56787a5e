using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Recommender.Core.Articles;

/// <summary>Stable content hashes (hex, 128 bits of SHA-256).</summary>
public static class ContentHash
{
    /// <summary>Hash of every stored field: equal hashes mean an upsert has nothing to write.</summary>
    public static string OfRecord(Article a)
    {
        var sb = new StringBuilder(a.Title.Length + a.Body.Length + 256);
        foreach (var part in new[] { a.Id, a.Title, a.Body, a.Url, a.Section, a.Language })
        {
            sb.Append(part.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(part);
        }
        sb.Append(a.Tags.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var tag in a.Tags)
        {
            sb.Append(tag.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(tag);
        }
        sb.Append(a.Published?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-");
        return Hash(sb.ToString());
    }

    /// <summary>Hash of the text the featurizer reads: equal hashes mean the vector is still valid.</summary>
    public static string OfText(string title, string body) =>
        Hash(title.Length.ToString(CultureInfo.InvariantCulture) + ":" + title + body);

    /// <summary>
    /// Hash of the body as a reader compares stories: lower-cased, white space collapsed. Two
    /// articles with the same body hash are the same story (a syndicated or re-published copy).
    /// </summary>
    public static string OfBody(string body) => Hash(NormalizeForComparison(body));

    internal static string NormalizeForComparison(string text)
    {
        var sb = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    private static string Hash(string s) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)).AsSpan(0, 16));
}
