using System.Collections.Concurrent;
using System.Globalization;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Recommender.Core.Evaluation;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender eval --histories</c>: lists for several articles on an imported labelled corpus,
/// both strategies: histories of 1, 3 and 5 articles sharing the query's label (P@10 against it),
/// and mixed histories of two labels, two articles each (the share of the list serving each).
/// </summary>
internal static class HistoryEval
{
    /// <summary>One row: a history shape and strategy; P@10 for same-label histories, the two shares for mixed ones.</summary>
    public sealed record Row(string History, string Strategy, int Lists, double PrecisionAt10, double ShareA, double ShareB);

    private static readonly (string Name, HistoryStrategy Strategy)[] Strategies =
        [("centroid", HistoryStrategy.Centroid), ("fusion", HistoryStrategy.Fusion)];

    public static async Task<IReadOnlyList<Row>> RunAsync(
        RecommenderService.RecommenderServiceClient client, string ns, IReadOnlyList<ArticleLine> corpus, IReadOnlyList<string> queries,
        int concurrency, CancellationToken cancellationToken)
    {
        var metrics = new HistoryMetrics(corpus);
        var rows = new List<Row>();
        foreach (var (name, strategy) in Strategies)
        {
            foreach (var k in new[] { 1, 3, 5 })
            {
                var histories = metrics.SameLabel(queries, k);
                var lists = await ListsAsync(client, ns, histories.Select(h => h.History).ToList(), strategy, concurrency, cancellationToken);
                rows.Add(new Row($"{k} of one label", name, lists.Count,
                    histories.Select((h, i) => metrics.PrecisionAt10(h.Query, lists[i])).DefaultIfEmpty().Average(), 0, 0));
            }
            var mixed = metrics.Mixed(queries);
            var mixedLists = await ListsAsync(client, ns, mixed.Select(h => h.History).ToList(), strategy, concurrency, cancellationToken);
            rows.Add(new Row("2 + 2 of two labels", name, mixedLists.Count,
                mixed.Select((h, i) => metrics.Share(h.A, mixedLists[i]) + metrics.Share(h.B, mixedLists[i])).DefaultIfEmpty().Average(),
                mixed.Select((h, i) => metrics.Share(h.A, mixedLists[i])).DefaultIfEmpty().Average(),
                mixed.Select((h, i) => metrics.Share(h.B, mixedLists[i])).DefaultIfEmpty().Average()));
        }
        return rows;
    }

    private static async Task<IReadOnlyList<IReadOnlyList<string>>> ListsAsync(
        RecommenderService.RecommenderServiceClient client, string ns, IReadOnlyList<IReadOnlyList<string>> histories, HistoryStrategy strategy,
        int concurrency, CancellationToken cancellationToken)
    {
        var lists = new ConcurrentDictionary<int, IReadOnlyList<string>>();
        await Parallel.ForEachAsync(Enumerable.Range(0, histories.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var request = new GetRelatedRequest { Namespace = ns, Strategy = strategy, Options = new RelatedOptions { Limit = 10 } };
                request.Like.AddRange(histories[i].Select(id => new LikedArticle { Id = id }));
                var response = await client.GetRelatedAsync(request, cancellationToken: ct);
                lists[i] = response.Items.Select(item => item.Id).ToList();
            });
        return Enumerable.Range(0, histories.Count).Select(i => lists[i]).ToList();
    }

    public static void Write(string corpus, IReadOnlyList<Row> rows)
    {
        string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        var table = new Table().Title($"lists for several articles: {Markup.Escape(corpus)}")
            .AddColumns("history", "strategy", "lists", "P@10 (same label; mixed: either)", "share of label A", "share of label B");
        foreach (var r in rows)
        {
            var mixed = r.History.StartsWith("2 + 2", StringComparison.Ordinal);
            table.AddRow(r.History, r.Strategy, r.Lists.ToString(CultureInfo.InvariantCulture), F(r.PrecisionAt10), mixed ? F(r.ShareA) : "", mixed ? F(r.ShareB) : "");
        }
        AnsiConsole.Write(table);
    }
}
