using System.ComponentModel;
using Recommender.Api.V1;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class PreviewSettings : ListSettings
{
    [CommandOption("-t|--title <TITLE>")]
    [Description("The draft's headline.")]
    public string Title { get; init; } = "";

    [CommandOption("--language <TAG>")]
    [Description("The draft's language, e.g. en; suggestions in other languages rank lower.")]
    public string Language { get; init; } = "";

    [CommandOption("--draft-section <SECTION>")]
    [Description("The section the draft will appear in (editorial blocks under a section then apply).")]
    public string DraftSection { get; init; } = "";

    [CommandOption("--draft-tag <TAG>")]
    [Description("A tag of the draft; repeat for several.")]
    public string[] DraftTags { get; init; } = [];

    [CommandOption("-b|--body-file <FILE>")]
    [Description("File holding the draft's text; '-' or no option reads standard input.")]
    public string? BodyFile { get; init; }
}

public sealed class PreviewCommand : ClientCommand<PreviewSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, PreviewSettings settings, CancellationToken cancellationToken)
    {
        string body;
        if (settings.BodyFile is null or "-")
        {
            if (!Console.IsInputRedirected && settings.BodyFile is null && settings.Title.Length > 0)
            {
                body = ""; // a headline alone, typed at a terminal: do not wait for input
            }
            else
            {
                body = await Console.In.ReadToEndAsync(cancellationToken);
            }
        }
        else if (File.Exists(settings.BodyFile))
        {
            body = await File.ReadAllTextAsync(settings.BodyFile, cancellationToken);
        }
        else
        {
            return Fail($"--body-file '{settings.BodyFile}' does not exist.", ExitCodes.UsageError);
        }

        var response = await client.PreviewRelatedAsync(new PreviewRelatedRequest
        {
            Title = settings.Title,
            Body = body,
            Options = RelatedOutput.ToOptions(settings),
            Namespace = settings.NamespaceName,
            Language = settings.Language,
            Section = settings.DraftSection,
            Tags = { settings.DraftTags },
        }, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(response);
        }
        else
        {
            AnsiConsole.MarkupLine($"[grey]Draft:[/] {Markup.Escape(settings.Title.Length > 0 ? settings.Title : "(untitled)")}");
            RelatedOutput.WriteBlock(response, "You may also like");
        }
        return 0;
    }
}
