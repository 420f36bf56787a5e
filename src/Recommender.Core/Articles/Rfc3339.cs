using System.Globalization;
using System.Text.RegularExpressions;

namespace Recommender.Core.Articles;

/// <summary>
/// The one rule for times sent to the service, over gRPC-JSON, in import files and on the CLI's
/// command line: RFC 3339 date-times with their offset (<c>2026-11-01T10:00:00Z</c>,
/// <c>2026-11-01T11:00:00+01:00</c>, fractions of a second allowed), as protobuf's JSON mapping of
/// <c>google.protobuf.Timestamp</c> takes them. Nothing is guessed: a time without a zone, or a
/// date written with slashes (is 01/11/2026 the 1st of November or the 11th of January?), is
/// refused with what to write instead.
/// </summary>
public static partial class Rfc3339
{
    public const string Format = "an RFC 3339 time with its offset, such as 2026-11-01T10:00:00Z (UTC) or 2026-11-01T11:00:00+01:00";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Shape();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$")]
    private static partial Regex WithoutZone();

    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (text is null || !Shape().IsMatch(text))
        {
            return false;
        }
        // .NET keeps seven digits of a second: more are a finer time than it holds, not an error.
        var fraction = text.IndexOf('.', StringComparison.Ordinal);
        if (fraction > 0)
        {
            var end = fraction + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }
            if (end - fraction - 1 > 7)
            {
                text = text[..(fraction + 8)] + text[end..];
            }
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    /// <summary>Why <paramref name="text"/> is not taken, and what to write instead.</summary>
    public static string Problem(string text)
    {
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        if (WithoutZone().Match(text) is { Success: true } m)
        {
            var time = m.Groups[2].Value.Length == 5 ? m.Groups[2].Value + ":00" : m.Groups[2].Value;
            return $"'{shown}' has no time zone: write {m.Groups[1].Value}T{time}Z if it is UTC (WordPress's post_date_gmt is), or give its offset, e.g. {m.Groups[1].Value}T{time}+01:00";
        }
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return $"'{shown}' is not taken: a date with slashes could be read day first or month first; write {Format}";
        }
        return $"'{shown}' is not {Format}";
    }
}
