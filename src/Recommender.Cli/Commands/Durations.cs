namespace Recommender.Cli.Commands;

/// <summary>Durations as editors type them: 90m, 12h, 7d, 2w, or a .NET TimeSpan such as 1.00:00:00.</summary>
public static class Durations
{
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        if (text == "0")
        {
            return TimeSpan.Zero;
        }
        if (text.Length > 1 && double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (text[^1])
            {
                case 'm': return TimeSpan.FromMinutes(n);
                case 'h': return TimeSpan.FromHours(n);
                case 'd': return TimeSpan.FromDays(n);
                case 'w': return TimeSpan.FromDays(7 * n);
            }
        }
        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }
}
