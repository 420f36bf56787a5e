using System.Diagnostics;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// Seeded random and mutated requests, bounded in count and time: every answer must be a proper
/// status (never INTERNAL or UNKNOWN), no answer may carry a stack trace, and the service must stay
/// healthy and consistent.
/// </summary>
public sealed class FuzzTests
{
    private static readonly StatusCode[] Proper =
        [StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted];

    [Fact]
    public async Task RandomAndMutatedRequests_AlwaysGetAProperStatus_AndTheServiceStaysHealthy()
    {
        var store = StoreSetup.NewEmbedded();
        var host = await new ServiceHost(store).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var random = new Random(1234);
        var seeds = TestData.Samples().Select(a => ArticleMessages.FromDomain(a.Article)).ToList();
        var outcomes = new Dictionary<StatusCode, int>();
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 3_000 && clock.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            var code = StatusCode.OK;
            try
            {
                await SendOneAsync(client, random, seeds);
            }
            catch (RpcException ex)
            {
                code = ex.StatusCode;
                Assert.True(Proper.Contains(code), $"request {i}: {ex.StatusCode} {ex.Status.Detail}");
                Assert.DoesNotContain("   at ", ex.Status.Detail);
                Assert.DoesNotContain("Exception", ex.Status.Detail);
            }
            outcomes[code] = outcomes.GetValueOrDefault(code) + 1;
        }

        Assert.True(outcomes.GetValueOrDefault(StatusCode.OK) > 100, string.Join(", ", outcomes));
        Assert.True(outcomes.GetValueOrDefault(StatusCode.InvalidArgument) > 100, string.Join(", ", outcomes));
        var health = await new Health.HealthClient(host.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        // Nothing half-written: a process rebuilt from the store sees what the live index saw.
        var live = await TestData.WaitForRefitAsync(client);
        host.Dispose();
        using var rebuilt = await new ServiceHost(store).StartAsync();
        var fromStore = await rebuilt.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(live.Corpus.Articles, fromStore.Corpus.Articles);
        Assert.Equal(live.Corpus.Sections, fromStore.Corpus.Sections);
    }

    private static async Task SendOneAsync(RecommenderService.RecommenderServiceClient client, Random random, List<Article> seeds)
    {
        switch (random.Next(6))
        {
            case 0:
            case 1:
                var upsert = new UpsertArticlesRequest();
                for (var n = random.Next(0, 4); n >= 0; n--)
                {
                    upsert.Articles.Add(Mutate(seeds[random.Next(seeds.Count)].Clone(), random));
                }
                if (random.Next(10) == 0)
                {
                    upsert.Namespace = RandomText(random, 12);
                }
                await client.UpsertArticlesAsync(upsert);
                break;
            case 2:
                await client.GetRelatedAsync(new GetRelatedRequest { Id = PickId(random, seeds), Options = RandomOptions(random) });
                break;
            case 3:
                await client.PreviewRelatedAsync(new PreviewRelatedRequest
                {
                    Title = RandomText(random, random.Next(0, 80)),
                    Body = RandomText(random, random.Next(0, 2_000)),
                    Language = random.Next(3) == 0 ? RandomText(random, 8) : "",
                    Options = RandomOptions(random),
                });
                break;
            case 4:
                await client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { PickId(random, seeds), RandomText(random, 10) } });
                break;
            default:
                await client.GetStatsAsync(new GetStatsRequest { Namespace = random.Next(4) == 0 ? RandomText(random, 20) : "" });
                break;
        }
    }

    private static Article Mutate(Article a, Random random)
    {
        switch (random.Next(10))
        {
            case 0: a.Id = RandomText(random, random.Next(0, 140)); break;
            case 1: a.Title = RandomText(random, random.Next(0, 40)); break;
            case 2: a.Body = RandomText(random, random.Next(0, 5_000)); break;
            case 3: a.Tags.Add(RandomText(random, random.Next(0, 120))); break;
            case 4: a.Published = new Timestamp { Seconds = random.NextInt64(long.MinValue / 2, long.MaxValue / 2), Nanos = random.Next() }; break;
            case 5: a.Body = a.Body.Insert(random.Next(a.Body.Length), "\u0000\u0007"); break;
            case 6: a.Id = "fuzz-" + random.Next(50); a.Body += " " + RandomText(random, 50); break;
            case 7: a.Language = RandomText(random, random.Next(0, 50)); break;
            case 8: a.Url = RandomText(random, random.Next(0, 3_000)); break;
            default: break;
        }
        return a;
    }

    private static RelatedOptions RandomOptions(Random random)
    {
        var options = new RelatedOptions { Limit = random.Next(-5, 60) };
        if (random.Next(3) == 0)
        {
            options.IncludeSections.Add(random.Next(2) == 0 ? "sport" : RandomText(random, 10));
        }
        if (random.Next(3) == 0)
        {
            options.ExcludeIds.Add(RandomText(random, random.Next(0, 20)));
        }
        if (random.Next(4) == 0)
        {
            options.FreshnessHalfLife = new Duration { Seconds = random.NextInt64(-1_000_000, 1_000_000_000), Nanos = random.Next(-5, 5) };
        }
        if (random.Next(4) == 0)
        {
            options.Diversity = random.NextDouble() * 3 - 1;
        }
        if (random.Next(4) == 0)
        {
            options.PublishedAfter = new Timestamp { Seconds = random.NextInt64(-100_000_000_000, 300_000_000_000) };
        }
        options.ExcludeLater = random.Next(2) == 0;
        return options;
    }

    private static string PickId(Random random, List<Article> seeds) =>
        random.Next(4) == 0 ? RandomText(random, random.Next(0, 30)) : seeds[random.Next(seeds.Count)].Id;

    /// <summary>Letters, digits, punctuation, white space, control characters, astral and lone surrogate code units.</summary>
    private static string RandomText(Random random, int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            sb.Append(random.Next(20) switch
            {
                0 => (char)random.Next(0, 32),
                1 => (char)random.Next(0xD800, 0xE000),
                2 => "\ud83d\ude00",
                3 => ' ',
                4 => (char)random.Next(0x80, 0x800),
                _ => (char)random.Next(33, 127),
            });
        }
        return sb.ToString();
    }
}
