using System.ComponentModel;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Recommender.Api.V1;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>Options shared by the commands that add a rule.</summary>
public class RuleSettings : ClientSettings
{
    [CommandOption("--until <TIME>")]
    [Description("The rule stops applying at this RFC 3339 time, e.g. 2026-12-24T18:00:00Z.")]
    public string? Until { get; init; }

    [CommandOption("--for <DURATION>")]
    [Description("The rule stops applying after this long, e.g. 12h or 7d.")]
    public string? For { get; init; }

    [CommandOption("--note <TEXT>")]
    [Description("Why, for the next editor.")]
    public string Note { get; init; } = "";

    public override ValidationResult Validate()
    {
        if (For is not null && Durations.Parse(For) is null)
        {
            return ValidationResult.Error($"--for '{For}' is not a duration such as 12h or 7d.");
        }
        if (Until is not null && !Core.Articles.Rfc3339.TryParse(Until, out _))
        {
            return ValidationResult.Error($"--until {Core.Articles.Rfc3339.Problem(Until)}.");
        }
        return Until is not null && For is not null
            ? ValidationResult.Error("give --until or --for, not both.")
            : ValidationResult.Success();
    }

    public Timestamp? UntilTimestamp =>
        Until is { } until && Core.Articles.Rfc3339.TryParse(until, out var time) ? Timestamp.FromDateTimeOffset(time) :
        For is { } duration ? Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + Durations.Parse(duration)!.Value) :
        null;
}

public sealed class RulePinSettings : RuleSettings
{
    [CommandArgument(0, "<ARTICLE>")]
    [Description("The article to pin.")]
    public string ArticleId { get; init; } = "";

    [CommandOption("--into <ID>")]
    [Description("The article whose list it goes into (required).")]
    public string Into { get; init; } = "";

    [CommandOption("-p|--position <N>")]
    [Description("1-based position in that list (default 1).")]
    public int Position { get; init; } = 1;
}

public sealed class RuleBlockSettings : RuleSettings
{
    [CommandArgument(0, "[ARTICLE]")]
    [Description("The article to block (or use --section or --tag).")]
    public string ArticleId { get; init; } = "";

    [CommandOption("--section <SECTION>")]
    [Description("Block every article of this section.")]
    public string Section { get; init; } = "";

    [CommandOption("--tag <TAG>")]
    [Description("Block every article with this tag.")]
    public string Tag { get; init; } = "";

    [CommandOption("--in-list-of <ID>")]
    [Description("Only in the list of this article (default: every list).")]
    public string InListOf { get; init; } = "";

    [CommandOption("--under-section <SECTION>")]
    [Description("Only in the lists of articles of this section.")]
    public string UnderSection { get; init; } = "";

    [CommandOption("--under-tag <TAG>")]
    [Description("Only in the lists of articles with this tag.")]
    public string UnderTag { get; init; } = "";
}

public sealed class RuleRemoveSettings : ClientSettings
{
    [CommandArgument(0, "<RULE>")]
    [Description("The rule's id, as `rules list` shows it.")]
    public string RuleId { get; init; } = "";
}

public sealed class RulePinCommand : ClientCommand<RulePinSettings>
{
    protected override Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, RulePinSettings settings, CancellationToken cancellationToken) =>
        RuleOutput.AddAsync(client, settings, new EditorialRule
        {
            Action = RuleAction.Pin,
            ArticleId = settings.ArticleId,
            InListOf = settings.Into,
            Position = settings.Position,
        }, cancellationToken);
}

public sealed class RuleBlockCommand : ClientCommand<RuleBlockSettings>
{
    protected override Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, RuleBlockSettings settings, CancellationToken cancellationToken) =>
        RuleOutput.AddAsync(client, settings, new EditorialRule
        {
            Action = RuleAction.Block,
            ArticleId = settings.ArticleId,
            Section = settings.Section,
            Tag = settings.Tag,
            InListOf = settings.InListOf,
            UnderSection = settings.UnderSection,
            UnderTag = settings.UnderTag,
        }, cancellationToken);
}

public sealed class RuleListCommand : ClientCommand<ClientSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ClientSettings settings, CancellationToken cancellationToken)
    {
        var response = await client.ListRulesAsync(new ListRulesRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(response);
            return 0;
        }
        if (response.Rules.Count == 0)
        {
            AnsiConsole.MarkupLine("[grey]No editorial rules.[/]");
            return 0;
        }
        var table = new Table().AddColumn("id").AddColumn("rule").AddColumn("note").AddColumn("added");
        foreach (var rule in response.Rules)
        {
            var expired = rule.Until is not null && rule.Until.ToDateTimeOffset() <= DateTimeOffset.UtcNow;
            table.AddRow(
                Markup.Escape(rule.Id),
                (expired ? "[grey](expired) " : "") + Markup.Escape(RuleOutput.Describe(rule)) + (expired ? "[/]" : ""),
                Markup.Escape(rule.Note),
                Markup.Escape(rule.Created?.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? ""));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}

public sealed class RuleRemoveCommand : ClientCommand<RuleRemoveSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, RuleRemoveSettings settings, CancellationToken cancellationToken)
    {
        await client.RemoveRuleAsync(new RemoveRuleRequest { Id = settings.RuleId, Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(new RemoveRuleResponse());
        }
        else
        {
            AnsiConsole.MarkupLine($"Removed rule {Markup.Escape(settings.RuleId)}.");
        }
        return 0;
    }
}

internal static class RuleOutput
{
    public static async Task<int> AddAsync(RecommenderService.RecommenderServiceClient client, RuleSettings settings, EditorialRule rule, CancellationToken cancellationToken)
    {
        rule.Until = settings.UntilTimestamp;
        rule.Note = settings.Note;
        var added = await client.AddRuleAsync(new AddRuleRequest { Rule = rule, Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            Console.Out.WriteLine(ApiJson.Format(added));
        }
        else
        {
            AnsiConsole.MarkupLine($"Added rule [bold]{Markup.Escape(added.Id)}[/]: {Markup.Escape(Describe(added))}.");
        }
        return 0;
    }

    public static string Describe(EditorialRule rule) => RuleMessages.ToDomain(rule).Describe();
}
