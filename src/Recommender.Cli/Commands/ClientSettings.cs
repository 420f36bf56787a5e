using System.ComponentModel;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>Options every command takes.</summary>
public class ClientSettings : CommandSettings
{
    public const string ServerVariable = "RECOMMENDER_SERVER";
    public const string DefaultServer = "http://localhost:50051";
    public const string NamespaceVariable = "RECOMMENDER_NAMESPACE";
    public const string ApiKeyVariable = "RECOMMENDER_API_KEY";
    public const string CaCertificateVariable = "RECOMMENDER_CA_CERT";

    [CommandOption("--server <URL>")]
    [Description("Address of the service (default: $" + ServerVariable + ", else " + DefaultServer + ").")]
    public string? Server { get; init; }

    [CommandOption("--namespace <NAME>")]
    [Description("Site namespace to work in (default: $" + NamespaceVariable + ", else the server's default).")]
    public string? Namespace { get; init; }

    [CommandOption("--api-key <KEY>")]
    [Description("API key for protected calls (default: $" + ApiKeyVariable + ").")]
    public string? ApiKey { get; init; }

    [CommandOption("--ca-cert <FILE>")]
    [Description("PEM certificate to trust for an https:// server, e.g. a self-signed one (default: $" + CaCertificateVariable + ").")]
    public string? CaCertificate { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON for machines instead of text for people.")]
    public bool Json { get; init; }

    /// <summary>The API key to send, if any.</summary>
    public string? ApiKeyValue => ApiKey ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null);

    /// <summary>The extra certificate authority to trust, if any.</summary>
    public string? CaCertificateFile => CaCertificate ?? (Environment.GetEnvironmentVariable(CaCertificateVariable) is { Length: > 0 } file ? file : null);

    /// <summary>The namespace to send; empty means the server's default.</summary>
    public string NamespaceName => Namespace ?? Environment.GetEnvironmentVariable(NamespaceVariable) ?? "";

    public string ServerUrl =>
        Server ?? (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } env ? env : DefaultServer);
}

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
    [Description("Only suggest articles published after this ISO 8601 time.")]
    public DateTimeOffset? PublishedAfter { get; init; }

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
            : Spectre.Console.ValidationResult.Success();
}

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
