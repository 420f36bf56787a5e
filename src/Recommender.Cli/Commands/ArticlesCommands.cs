using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Recommender.Api.V1;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class ArticlesListSettings : ClientSettings
{
    [CommandOption("--updated-after <TIME>")]
    [Description("Only articles written at or after this RFC 3339 time, e.g. 2026-12-01T08:00:00Z.")]
    public string? UpdatedAfter { get; init; }

    public override ValidationResult Validate() =>
        UpdatedAfter is not null && !Core.Articles.Rfc3339.TryParse(UpdatedAfter, out _)
            ? ValidationResult.Error($"--updated-after {Core.Articles.Rfc3339.Problem(UpdatedAfter)}.")
            : ValidationResult.Success();

    public Timestamp? UpdatedAfterTimestamp =>
        UpdatedAfter is not null && Core.Articles.Rfc3339.TryParse(UpdatedAfter, out var time) ? Timestamp.FromDateTimeOffset(time) : null;
}

public sealed class ArticlesGetSettings : ClientSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("The stored article's id.")]
    public string Id { get; init; } = "";
}

/// <summary>Every stored id, page after page (ListArticles).</summary>
public static class StoredArticles
{
    public static async IAsyncEnumerable<ArticleVersion> ListAsync(
        RecommenderService.RecommenderServiceClient client, string ns, Timestamp? updatedAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var token = "";
        do
        {
            var page = await client.ListArticlesAsync(
                new ListArticlesRequest { Namespace = ns, PageSize = 10_000, PageToken = token, UpdatedAfter = updatedAfter }, cancellationToken: cancellationToken);
            foreach (var article in page.Articles)
            {
                yield return article;
            }
            token = page.NextPageToken;
        }
        while (token.Length > 0);
    }

    public static string Time(Timestamp? time) =>
        time?.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "";
}

/// <summary>Prints every stored id with its update time: one per line (tab-separated), or JSON lines.</summary>
public sealed class ArticlesListCommand : ClientCommand<ArticlesListSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ArticlesListSettings settings, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var article in StoredArticles.ListAsync(client, settings.NamespaceName, settings.UpdatedAfterTimestamp, cancellationToken))
        {
            count++;
            if (settings.Json)
            {
                WriteMessage(article);
            }
            else
            {
                Console.Out.WriteLine($"{article.Id}\t{StoredArticles.Time(article.UpdateTime)}");
            }
        }
        if (!settings.Json)
        {
            Console.Error.WriteLine($"{count:N0} article(s).");
        }
        return 0;
    }
}

/// <summary>Prints one stored article as the service holds it.</summary>
public sealed class ArticlesGetCommand : ClientCommand<ArticlesGetSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ArticlesGetSettings settings, CancellationToken cancellationToken)
    {
        var stored = await client.GetArticleAsync(new GetArticleRequest { Id = settings.Id, Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        var a = stored.Article;
        if (settings.Json)
        {
            WriteMessage(stored);
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(a.Title)}[/]");
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(a.Id)} · {Markup.Escape(a.Section)} · {Markup.Escape(StoredArticles.Time(a.Published))} · written {Markup.Escape(StoredArticles.Time(stored.UpdateTime))}[/]");
        if (a.Url.Length > 0)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(a.Url)}[/]");
        }
        Console.Out.WriteLine();
        Console.Out.WriteLine(a.Body);
        return 0;
    }
}

/// <summary>Prints what changes lists in the namespace as it happens, until interrupted.</summary>
public sealed class WatchCommand : ClientCommand<ClientSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ClientSettings settings, CancellationToken cancellationToken)
    {
        using var call = client.WatchChanges(new WatchChangesRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
        await call.ResponseHeadersAsync;
        Console.Error.WriteLine($"Watching namespace '{(settings.NamespaceName.Length == 0 ? "(default)" : settings.NamespaceName)}'; Ctrl+C stops.");
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken))
            {
                var change = call.ResponseStream.Current;
                var kind = change.Kind.ToString();
                if (settings.Json)
                {
                    WriteMessage(change);
                }
                else
                {
                    Console.Out.WriteLine($"{StoredArticles.Time(change.Time)}\t{change.Namespace}\t{kind}\t{change.ModelVersion}\t{string.Join(",", change.Ids)}");
                }
            }
        }
        catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
        }
        return 0;
    }
}
