using System.ComponentModel;
using Grpc.Core;
using Recommender.Api.V1;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class RelatedSettings : ListSettings
{
    [CommandArgument(0, "[ID]")]
    [Description("The stored article a reader is on.")]
    public string? Id { get; init; }

    [CommandOption("--ids-file <FILE>")]
    [Description("Query every id in FILE (one per line) and print one JSON object per id per line.")]
    public string? IdsFile { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        (Id is null) == (IdsFile is null)
            ? Spectre.Console.ValidationResult.Error("Give either an ID or --ids-file FILE.")
            : base.Validate();
}

public sealed class RelatedCommand : ClientCommand<RelatedSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, RelatedSettings settings, CancellationToken cancellationToken)
    {
        var options = RelatedOutput.ToOptions(settings);
        if (settings.IdsFile is null)
        {
            var response = await client.GetRelatedAsync(new GetRelatedRequest { Id = settings.Id, Options = options, Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
            if (settings.Json)
            {
                WriteMessage(response);
            }
            else
            {
                RelatedOutput.WriteBlock(response, "You may also like");
            }
            return 0;
        }

        if (!File.Exists(settings.IdsFile))
        {
            return Fail($"--ids-file '{settings.IdsFile}' does not exist.", ExitCodes.UsageError);
        }
        // Bulk mode: one line per id, in input order; an id that fails gets an error line and the run goes on.
        var failed = ExitCodes.Done;
        foreach (var id in File.ReadLines(settings.IdsFile).Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            try
            {
                var response = await client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = options, Namespace = settings.NamespaceName }, cancellationToken: cancellationToken);
                var line = new System.Text.Json.Nodes.JsonObject { ["id"] = id };
                foreach (var (name, value) in ApiJson.ToNode(response).ToList())
                {
                    line[name] = value?.DeepClone();
                }
                Console.Out.WriteLine(line.ToJsonString(ApiJson.SerializerOptions));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
            {
                failed = failed == ExitCodes.Done ? ExitCodes.Of(ex.StatusCode) : failed;
                WriteJson(new { id, code = (int)ex.StatusCode, message = ex.Status.Detail });
            }
        }
        return failed; // the exit code of the first id that failed
    }
}
