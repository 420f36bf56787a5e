using Google.Protobuf.WellKnownTypes;
using Recommender.Api.V1;
using Recommender.Featurizer.Analysis;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>The per-request ranking choices, through the API, on the sample corpus (one date per article).</summary>
public sealed class RankingOptionsApiTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    private RecommenderService.RecommenderServiceClient Client => _host.Client;

    public async Task InitializeAsync()
    {
        _host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        await TestData.ImportAsync(Client, TestData.Samples());
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private Task<RelatedResponse> Related(string id, RelatedOptions options) =>
        Client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = options }).ResponseAsync;

    [Fact]
    public async Task FreshnessHalfLife_OrdersTheListByDistanceInTime()
    {
        // With a one-hour half-life a day's difference costs 24 halvings: among suggestions with a
        // positive score, closeness in time decides the order. Without decay, similarity does.
        var query = TestData.Samples().Single(a => a.Article.Id == "sport-004").Article;
        TimeSpan Distance(RelatedItem i) => (i.Published.ToDateTimeOffset() - query.Published!.Value).Duration();
        static bool ByDistance(IEnumerable<TimeSpan> d) => d.Zip(d.Skip(1)).All(p => p.First <= p.Second);

        var plain = await Related(query.Id, new RelatedOptions { Limit = 10 });
        var fresh = await Related(query.Id, new RelatedOptions { Limit = 10, FreshnessHalfLife = Duration.FromTimeSpan(TimeSpan.FromHours(1)) });

        Assert.False(ByDistance(plain.Items.Select(Distance)), string.Join(", ", plain.Items.Select(i => $"{i.Id} {Distance(i).TotalDays}d")));
        Assert.True(ByDistance(fresh.Items.Where(i => i.Score > 0).Select(Distance)), string.Join(", ", fresh.Items.Select(i => $"{i.Id} {Distance(i).TotalDays}d {i.Score}")));
        Assert.True(fresh.Items.Count(i => i.Score > 0) >= 2);
    }

    [Fact]
    public async Task ExcludeLater_LeavesOutArticlesPublishedAfterTheQuery()
    {
        var query = TestData.Samples().Single(a => a.Article.Id == "business-003").Article;

        var all = await Related(query.Id, new RelatedOptions { Limit = 50 });
        var earlier = await Related(query.Id, new RelatedOptions { Limit = 50, ExcludeLater = true });

        Assert.Contains(all.Items, i => i.Published.ToDateTimeOffset() > query.Published);
        Assert.NotEmpty(earlier.Items);
        Assert.All(earlier.Items, i => Assert.True(i.Published.ToDateTimeOffset() <= query.Published));
    }

    [Fact]
    public async Task Diversity_SpreadsTheListOverMoreSections()
    {
        var relevance = await Related("sport-003", new RelatedOptions { Limit = 3, Diversity = 0 });
        var diverse = await Related("sport-003", new RelatedOptions { Limit = 3, Diversity = 0.9 });

        int Sections(RelatedResponse r) => r.Items.Select(i => i.Section).Distinct().Count();
        Assert.True(Sections(diverse) > Sections(relevance),
            $"relevance: {string.Join(",", relevance.Items.Select(i => i.Section))}; diverse: {string.Join(",", diverse.Items.Select(i => i.Section))}");
    }

    [Fact]
    public async Task Explain_GivesSharedWordsFoundInBothArticles_AndTheFactors()
    {
        var texts = TestData.Samples().ToDictionary(a => a.Article.Id, a => (a.Article.Title + " " + a.Article.Body).ToLowerInvariant());
        // What the featurizer's analysis makes of a text: the stems two articles share.
        HashSet<string> Stems(string text) => TermAnalysis.Tokens(text, "en").Select(t => t.Term).ToHashSet();

        var plain = await Related("business-002", new RelatedOptions { Limit = 3 });
        var explained = await Related("business-002", new RelatedOptions { Limit = 3, Explain = true, Diversity = 0.5 });

        Assert.All(plain.Items, i => Assert.Null(i.Why));
        Assert.All(explained.Items, item =>
        {
            Assert.NotNull(item.Why);
            Assert.NotEmpty(item.Why.Terms);
            Assert.True(item.Why.Terms.Zip(item.Why.Terms.Skip(1)).All(p => p.First.Weight >= p.Second.Weight));
            // Terms are shown as the query article wrote them; the suggestion may inflect them
            // otherwise ("rates" and "rate" share a stem).
            foreach (var word in item.Why.Terms.SelectMany(t => t.Term.Split(' ')))
            {
                Assert.Contains(word, texts["business-002"]);
                Assert.Contains(Stems(word).Single(), Stems(texts[item.Id]));
            }
            Assert.Equal(1f, item.Why.Freshness);
            Assert.Equal(1f, item.Why.LanguageFactor);
        });
        Assert.Equal(0f, explained.Items[0].Why.DiversityPenalty);
        Assert.NotEqual(0f, explained.Items[1].Why.DiversityPenalty); // d × its similarity to the first item, whatever its sign
    }

    [Fact]
    public async Task Explain_OnADraft_UsesTheDraftsOwnWords()
    {
        var response = await Client.PreviewRelatedAsync(new PreviewRelatedRequest
        {
            Title = "Marathon record",
            Body = "A new marathon world record was set on a cool morning as the winner pulled clear of the leading group.",
            Options = new RelatedOptions { Limit = 1, Explain = true },
        });

        var item = Assert.Single(response.Items);
        Assert.Equal("sport-003", item.Id);
        Assert.Contains(item.Why.Terms, t => t.Term is "marathon" or "record" or "world record");
    }

    [Fact]
    public async Task PreviewLanguage_OtherLanguageHalvesEveryScore_AndAnUndeclaredLanguageIsDetected()
    {
        var draft = new PreviewRelatedRequest { Title = "Bank holds rates", Body = "The central bank held interest rates as inflation eased.", Options = new RelatedOptions { Limit = 3, Explain = true } };
        var unknown = await Client.PreviewRelatedAsync(draft);
        draft.Language = "en-GB";
        var english = await Client.PreviewRelatedAsync(draft);
        draft.Language = "fr";
        var french = await Client.PreviewRelatedAsync(draft);

        // Undeclared, the draft is detected as English: the same analysis, and no language factor.
        Assert.Equal(english.Items.Select(i => (i.Id, i.Score)), unknown.Items.Select(i => (i.Id, i.Score)));
        Assert.All(english.Items, i => Assert.Equal(1f, i.Why.LanguageFactor));
        // Declared French (the sample articles carry "en"): analysed as French, every score halved.
        Assert.Equal(3, french.Items.Count);
        Assert.All(french.Items, i =>
        {
            Assert.Equal(0.5f, i.Why.LanguageFactor);
            Assert.Equal(i.Why.Similarity * 0.5f, i.Score, 4);
        });
    }
}
