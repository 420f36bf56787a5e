using System.ComponentModel;
using Grpc.Core;
using Recommender.Api.V1;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class RelatedSettings : ListSettings
{
    [CommandArgument(0, "[IDS]")]
    [Description("The stored article a reader is on; several (most recent first) for a list for a reading history or a topic.")]
    public string[] Ids { get; init; } = [];

    [CommandOption("--unlike <ID>")]
    [Description("Less like this stored article (repeatable).")]
    public string[] Unlike { get; init; } = [];

    [CommandOption("--strategy <STRATEGY>")]
    [Description("For several articles: centroid (one query from their mean; the default) or fusion (a list per article, fused).")]
    public string? Strategy { get; init; }

    [CommandOption("--recency-decay <D>")]
    [Description("For several articles, 0 to below 1: each counts (1 - D) times as much as the one before it.")]
    public double RecencyDecay { get; init; }

    public string? Id => Ids.Length == 1 && Unlike.Length == 0 ? Ids[0] : null;

    [CommandOption("--ids-file <FILE>")]
    [Description("Query every id in FILE (one per line) and print one JSON object per id per line.")]
    public string? IdsFile { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        (Ids.Length == 0) == (IdsFile is null)
            ? Spectre.Console.ValidationResult.Error("Give either IDs or --ids-file FILE.")
            : Strategy is not (null or "centroid" or "fusion") ? Spectre.Console.ValidationResult.Error("--strategy must be centroid or fusion.")
            : Id is not null && (Strategy is not null || RecencyDecay != 0)
                ? Spectre.Console.ValidationResult.Error("--strategy and --recency-decay are for a list for several articles: give more than one ID, or --unlike.")
            : base.Validate();
}

public sealed class RelatedCommand : ClientCommand<RelatedSettings>
{
    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, RelatedSettings settings, CancellationToken cancellationToken)
    {
        var options = RelatedOutput.ToOptions(settings);
        if (settings.IdsFile is null)
        {
            var request = new GetRelatedRequest { Options = options, Namespace = settings.NamespaceName };
            if (settings.Id is { } id)
            {
                request.Id = id;
            }
            else
            {
                request.Like.AddRange(settings.Ids.Select(i => new LikedArticle { Id = i }));
                request.Unlike.AddRange(settings.Unlike);
                request.Strategy = settings.Strategy == "fusion" ? HistoryStrategy.Fusion : HistoryStrategy.Centroid;
                request.RecencyDecay = settings.RecencyDecay;
            }
            var response = await client.GetRelatedAsync(request, cancellationToken: cancellationToken);
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
