using System.ComponentModel;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>Options of the commands that return a related list.</summary>
public class ListSettings : ClientSettings
{
    [CommandOption("-n|--limit <N>")]
    [Description("Number of suggestions, 1-50 (default 5).")]
    public int Limit { get; init; }

    [CommandOption("--section <SECTION>")]
    [Description("Only suggest articles from this section; repeat for several.")]
    public string[] Sections { get; init; } = [];

    [CommandOption("--exclude <ID>")]
    [Description("Never suggest this id; repeat for several.")]
    public string[] Exclude { get; init; } = [];

    [CommandOption("--published-after <TIME>")]
    [Description("Only suggest articles published after this RFC 3339 time, e.g. 2026-11-01T10:00:00Z.")]
    public string? PublishedAfter { get; init; }

    [CommandOption("--exclude-later")]
    [Description("Leave out articles published after the query article.")]
    public bool ExcludeLater { get; init; }

    [CommandOption("--freshness-half-life <DURATION>")]
    [Description("Recency decay: scores halve every DURATION of age difference, e.g. 12h, 7d or 1.00:00:00; 0 turns decay off (default: the server's).")]
    public string? FreshnessHalfLife { get; init; }

    [CommandOption("--explain")]
    [Description("Say why each article is suggested: the terms it shares with the query and the ranking factors.")]
    public bool Explain { get; init; }

    [CommandOption("--diversity <D>")]
    [Description("0 (pure relevance) to 1: prefer suggestions unlike those already listed (default: the server's).")]
    public double? Diversity { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        FreshnessHalfLife is not null && Durations.Parse(FreshnessHalfLife) is null
            ? Spectre.Console.ValidationResult.Error($"--freshness-half-life '{FreshnessHalfLife}' is not a duration such as 12h, 7d or 1.00:00:00.")
            : PublishedAfter is not null && !Core.Articles.Rfc3339.TryParse(PublishedAfter, out _)
            ? Spectre.Console.ValidationResult.Error($"--published-after {Core.Articles.Rfc3339.Problem(PublishedAfter)}.")
            : Spectre.Console.ValidationResult.Success();
}
