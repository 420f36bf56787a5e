using System.ComponentModel;
using System.Diagnostics;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Core.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

public sealed class PropagationSettings : ClientSettings
{
    [CommandOption("--replica <URL>")]
    [Description("The second replica, which must see what is written through --server (same store).")]
    public string Replica { get; init; } = "";

    [CommandOption("--probes <N>")]
    [Description("Articles written one after another, each timed until the replica lists it (default 200).")]
    [DefaultValue(200)]
    public int Probes { get; init; } = 200;

    public override ValidationResult Validate() =>
        !Uri.TryCreate(Replica, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            ? ValidationResult.Error("--replica must be the http:// or https:// address of a second replica.")
            : Probes is < 1 or > 100_000 ? ValidationResult.Error("--probes must be between 1 and 100000.")
            : ValidationResult.Success();
}

/// <summary>
/// Write-to-visible delay across two replicas: upserts an article through --server, then asks
/// --replica for its related list until it answers (every millisecond), one article at a time, in a
/// fresh namespace (deleted afterwards); reports p50, p99 and the slowest.
/// </summary>
public sealed class PropagationCommand : ClientCommand<PropagationSettings>
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    protected override async Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, PropagationSettings settings, CancellationToken cancellationToken)
    {
        using var channel = OpenChannel(new Uri(settings.Replica), settings);
        var replica = new RecommenderService.RecommenderServiceClient(channel);
        var ns = $"propagation-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
        var articles = SyntheticCorpus.Generate(50 + settings.Probes, seed: 7).Select(l => l.Article).ToList();
        try
        {
            // A namespace both replicas serve before timing starts.
            var seed = new UpsertArticlesRequest { Namespace = ns };
            seed.Articles.AddRange(articles.Take(50).Select(ArticleMessages.FromDomain));
            await client.UpsertArticlesAsync(seed, cancellationToken: cancellationToken);
            await VisibleAsync(replica, ns, articles[0].Id, cancellationToken);

            var delays = new List<double>(settings.Probes);
            var lost = 0;
            foreach (var article in articles.Skip(50))
            {
                var request = new UpsertArticlesRequest { Namespace = ns };
                request.Articles.Add(ArticleMessages.FromDomain(article with { Id = "probe-" + article.Id }));
                var clock = Stopwatch.StartNew();
                await client.UpsertArticlesAsync(request, cancellationToken: cancellationToken);
                if (await VisibleAsync(replica, ns, "probe-" + article.Id, cancellationToken))
                {
                    delays.Add(clock.Elapsed.TotalMilliseconds);
                }
                else
                {
                    lost++;
                }
            }
            delays.Sort();
            double Percentile(double p) => delays.Count == 0 ? double.NaN : delays[Math.Min(delays.Count - 1, (int)Math.Ceiling(p * delays.Count) - 1)];
            if (settings.Json)
            {
                WriteJson(new
                {
                    probes = settings.Probes, visible = delays.Count, notVisible = lost, giveUpSeconds = GiveUp.TotalSeconds,
                    p50Ms = Math.Round(Percentile(0.5), 3), p99Ms = Math.Round(Percentile(0.99), 3), maxMs = Math.Round(delays.LastOrDefault(), 3),
                });
            }
            else
            {
                AnsiConsole.MarkupLine($"{delays.Count} of {settings.Probes} writes visible on the replica: p50 {Percentile(0.5):F1} ms, p99 {Percentile(0.99):F1} ms, slowest {delays.LastOrDefault():F1} ms" +
                    (lost > 0 ? $"; {lost} not within {GiveUp.TotalSeconds:F0} s" : ""));
            }
            return lost == 0 ? 0 : 1;
        }
        finally
        {
            await client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = ns }, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>Asks the replica for the article's list until it answers; false after <see cref="GiveUp"/>.</summary>
    private static async Task<bool> VisibleAsync(RecommenderService.RecommenderServiceClient replica, string ns, string id, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < GiveUp)
        {
            try
            {
                await replica.GetRelatedAsync(new GetRelatedRequest { Namespace = ns, Id = id, Options = new RelatedOptions { Limit = 1 } }, cancellationToken: cancellationToken);
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.Unavailable)
            {
                await Task.Delay(1, cancellationToken);
            }
        }
        return false;
    }
}
