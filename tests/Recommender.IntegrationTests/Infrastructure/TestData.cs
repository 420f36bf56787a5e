using Recommender.Api.V1;
using Recommender.Core.Articles;

namespace Recommender.IntegrationTests.Infrastructure;

/// <summary>The project's own sample articles, the shared corpora, and helpers to load them into a service.</summary>
public static class TestData
{
    public static string SamplesPath => Path.Combine(AppContext.BaseDirectory, "samples", "articles.jsonl");

    /// <summary>The checkout: the folder holding Recommender.sln above the test binaries.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Recommender.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new DirectoryNotFoundException($"No Recommender.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>../shared beside the checkout (present in CI too): the shared corpora and the reference scorer.</summary>
    public static string SharedPath
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
            return Directory.Exists(path) ? path : throw new DirectoryNotFoundException($"The shared folder {path} is missing beside the checkout.");
        }
    }

    /// <summary>../shared/data/bbc-news.jsonl: 2,225 English articles in five sections.</summary>
    public static string BbcPath => SharedCorpus("bbc-news.jsonl");

    /// <summary>../shared/data/gnad-de.jsonl: 1,028 German articles in nine sections.</summary>
    public static string GnadPath => SharedCorpus("gnad-de.jsonl");

    private static string SharedCorpus(string name)
    {
        var path = Path.Combine(SharedPath, "data", name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The shared corpus ../shared/data/{name} is missing beside the checkout.", path);
    }

    public static IReadOnlyList<ArticleLine> Load(string path)
    {
        var (articles, errors) = ArticleJsonLines.ParseAll(File.ReadLines(path));
        Assert.Empty(errors);
        return articles;
    }

    /// <summary>
    /// Characters of the recommendation id of a list of <paramref name="items"/> (base64url, no padding):
    /// a 19-byte header, a 4-byte tag per item, a 16-byte MAC.
    /// </summary>
    /// <summary>The length of a list's recommendation id in namespace <paramref name="ns"/> (the servers' default, "default", unless named).</summary>
    public static int RecommendationIdLength(int items, string ns = "default") => (int)Math.Ceiling((2 + ns.Length + 18 + (4 * items) + 16) * 4 / 3.0);

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
