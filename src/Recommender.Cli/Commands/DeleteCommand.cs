using System.ComponentModel;
using Recommender.Api.V1;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class DeleteSettings : ClientSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("Ids to delete.")]
    public string[] Ids { get; init; } = [];
}

public sealed class DeleteCommand : ClientCommand<DeleteSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, DeleteSettings settings, CancellationToken cancellationToken)
    {
        var request = new DeleteArticlesRequest { Namespace = settings.NamespaceName };
        request.Ids.AddRange(settings.Ids);
        var response = await client.DeleteArticlesAsync(request, cancellationToken: cancellationToken);
        if (settings.Json)
        {
            WriteMessage(response);
        }
        else
        {
            Console.WriteLine($"Deleted {response.Deleted}; {response.NotFound} not stored.");
        }
        return 0;
    }
}
