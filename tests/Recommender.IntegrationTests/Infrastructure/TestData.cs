using Recommender.Api.V1;
using Recommender.Core.Articles;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>The project's own sample articles, the shared BBC corpus, and helpers to load them into a service.</summary>
public static class TestData
{
    public static string SamplesPath => Path.Combine(AppContext.BaseDirectory, "samples", "articles.jsonl");

    /// <summary>../shared/data/bbc-news.jsonl beside the checkout (present in CI too).</summary>
    public static string BbcPath
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Recommender.sln")))
            {
                dir = dir.Parent;
            }
            var path = dir is null ? "" : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "bbc-news.jsonl"));
            return File.Exists(path) ? path : throw new FileNotFoundException("The shared corpus ../shared/data/bbc-news.jsonl is missing beside the checkout.", path);
        }
    }

    public static IReadOnlyList<ArticleLine> Load(string path)
    {
        var (articles, errors) = ArticleJsonLines.ParseAll(File.ReadLines(path));
        Assert.Empty(errors);
        return articles;
    }

    public static IReadOnlyList<ArticleLine> Samples() => Load(SamplesPath);

    public static UpsertArticlesRequest Upsert(params Core.Articles.Article[] articles)
    {
        var request = new UpsertArticlesRequest();
        request.Articles.AddRange(articles.Select(ArticleMessages.FromDomain));
        return request;
    }

    /// <summary>Upserts in batches, then waits until any refit the import caused is serving.</summary>
    public static async Task ImportAsync(RecommenderService.RecommenderServiceClient client, IEnumerable<ArticleLine> articles, int batchSize = 500)
    {
        foreach (var batch in articles.Chunk(batchSize))
        {
            await client.UpsertArticlesAsync(Upsert(batch.Select(a => a.Article).ToArray()));
        }
        await WaitForRefitAsync(client);
    }

    public static async Task<GetStatsResponse> WaitForRefitAsync(RecommenderService.RecommenderServiceClient client, string ns = "")
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var stats = await client.GetStatsAsync(new GetStatsRequest { Namespace = ns });
            if (!stats.RefitPending)
            {
                return stats;
            }
            Assert.True(DateTime.UtcNow < deadline, "The refit did not finish within 3 minutes.");
            await Task.Delay(100);
        }
    }
}
