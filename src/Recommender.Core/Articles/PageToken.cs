using System.Buffers.Text;
using System.Text;
using Recommender.Core.Errors;

namespace Recommender.Core.Articles;

/// <summary>
/// Opaque page tokens: where the next page starts (an id, or an offset), base64url-encoded with the
/// kind of list it belongs to, so a token of one list is refused by another.
/// </summary>
public static class PageToken
{
    public static string Encode(string kind, string position) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{position}"));

    /// <summary>The position a token names; null for an empty token (the first page).</summary>
    /// <exception cref="RequestValidationException">The token is not one this list issued.</exception>
    public static string? Decode(string kind, string? token, string field = "page_token")
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (text.StartsWith(kind + ":", StringComparison.Ordinal))
            {
                return text[(kind.Length + 1)..];
            }
        }
        catch (FormatException)
        {
        }
        throw new RequestValidationException(field, "is not a page token of this list (pass next_page_token as returned)");
    }

    /// <summary>An offset token's position.</summary>
    public static int DecodeOffset(string kind, string? token, string field = "page_token") =>
        Decode(kind, token, field) is { } position
            ? int.TryParse(position, out var offset) && offset >= 0 ? offset : throw new RequestValidationException(field, "is not a page token of this list (pass next_page_token as returned)")
            : 0;

    /// <summary>Checks a page size: 0 means <paramref name="defaultSize"/>.</summary>
    public static int Size(int requested, int defaultSize, int max, string field = "page_size") =>
        requested < 0 || requested > max
            ? throw new RequestValidationException(field, $"must be between 1 and {max} (0 means {defaultSize})")
            : requested == 0 ? defaultSize : requested;
}
