using System.Globalization;
using Recommender.Api.V1;
using Spectre.Console;

namespace Recommender.Cli.Commands;

public sealed class RetrainCommand : ClientCommand<ClientSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, ClientSettings settings, CancellationToken cancellationToken)
    {
        var response = settings.Json
            ? await client.RetrainAsync(new RetrainRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken)
            : await AnsiConsole.Status().StartAsync("Refitting the featurizer and re-embedding every article…",
                async _ => await client.RetrainAsync(new RetrainRequest { Namespace = settings.NamespaceName }, cancellationToken: cancellationToken));
        if (settings.Json)
        {
            WriteMessage(response);
            return 0;
        }
        var table = new Table().HideHeaders().AddColumn("").AddColumn("");
        table.AddRow("articles", response.Corpus.Articles.ToString("N0", CultureInfo.InvariantCulture));
        ModelOutput.AddRows(table, response.Model);
        AnsiConsole.Write(table);
        return 0;
    }
}
