using System.ComponentModel;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>Options every command takes.</summary>
public class ClientSettings : CommandSettings
{
    public const string ServerVariable = "RECOMMENDER_SERVER";
    public const string DefaultServer = "http://localhost:50051";
    public const string NamespaceVariable = "RECOMMENDER_NAMESPACE";

    [CommandOption("--server <URL>")]
    [Description("Address of the service (default: $" + ServerVariable + ", else " + DefaultServer + ").")]
    public string? Server { get; init; }

    [CommandOption("--namespace <NAME>")]
    [Description("Site namespace to work in (default: $" + NamespaceVariable + ", else the server's default).")]
    public string? Namespace { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON for machines instead of text for people.")]
    public bool Json { get; init; }

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
}
