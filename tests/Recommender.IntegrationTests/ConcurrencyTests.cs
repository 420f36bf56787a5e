using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>Several clients upsert and delete the same ids while refits run; index and store must agree afterwards.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task RacingUpsertsDeletesAndRefits_LeaveIndexAndStoreInAgreement()
    {
        var store = StoreSetup.NewRedis();
        var host = await new ServiceHost(store).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var pool = Enumerable.Range(0, 20).Select(i => $"race-{i:00}").ToArray();
        var bodies = TestData.Samples().Select(a => a.Article.Body).ToArray();

        async Task Writer(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; op < 150; op++)
            {
                var id = pool[random.Next(pool.Length)];
                if (random.Next(3) == 0)
                {
                    await client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { id } });
                }
                else
                {
                    var body = bodies[random.Next(bodies.Length)] + $" Version {seed}-{op}.";
                    await client.UpsertArticlesAsync(TestData.Upsert(new DomainArticle(id, $"{id} by writer {seed}", body, Section: "race")));
                }
            }
        }

        async Task Refitter()
        {
            for (var i = 0; i < 2; i++)
            {
                await client.RetrainAsync(new RetrainRequest());
            }
        }

        await Task.WhenAll([.. Enumerable.Range(1, 4).Select(Writer), Refitter()]);
        var live = await TestData.WaitForRefitAsync(client);
        var liveLists = await PresentIdsAsync(client, pool);
        host.Dispose();

        // A fresh process rebuilds from the store alone: it must see exactly what the live index saw.
        using var restarted = await new ServiceHost(store).StartAsync();
        var rebuilt = await restarted.Client.GetStatsAsync(new GetStatsRequest());
        var rebuiltLists = await PresentIdsAsync(restarted.Client, pool);

        Assert.Equal(live.Corpus.Articles, rebuilt.Corpus.Articles);
        Assert.Equal(live.Corpus.Sections, rebuilt.Corpus.Sections);
        Assert.Equal(live.Model.Version, rebuilt.Model.Version);
        Assert.Equal(liveLists, rebuiltLists);
        Assert.Equal(30 + liveLists.Count, live.Corpus.Articles);
    }

    /// <summary>The ids of <paramref name="pool"/> that are stored, with the title each one has.</summary>
    private static async Task<SortedDictionary<string, string>> PresentIdsAsync(RecommenderService.RecommenderServiceClient client, string[] pool)
    {
        var present = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var all = await client.GetRelatedAsync(new GetRelatedRequest { Id = "politics-001", Options = new RelatedOptions { Limit = 50, IncludeSections = { "race" } } });
        foreach (var id in pool)
        {
            try
            {
                await client.GetRelatedAsync(new GetRelatedRequest { Id = id });
                present[id] = all.Items.SingleOrDefault(i => i.Id == id)?.Title ?? "(not listed)";
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
            }
        }
        return present;
    }
}
