using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// The editors' preview page in headless Chromium against a running service on Kestrel: preview a
/// draft, change an option, find a stored article by title and block a suggestion from the page.
/// A screenshot is saved as a test artefact ($RECOMMENDER_TEST_ARTIFACTS, else artifacts/ beside the tests).
/// </summary>
public sealed class PreviewPageTests : IAsyncLifetime
{
    private const string DraftTitle = "Council delays vote on school funding";
    private const string DraftBody =
        "Councillors argued late into the night about the budget for schools and roads. The opposition said local " +
        "taxes would have to rise next year if spending kept growing. A final vote on the budget is expected next week.";

    private ServiceHost _host = null!;
    private HeadlessChromium _browser = null!;

    public async Task InitializeAsync()
    {
        _host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, httpPort: true).StartAsync();
        await TestData.ImportAsync(_host.Client, TestData.Samples());
        _browser = await HeadlessChromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _host.Dispose();
    }

    private sealed record Rendered(string Id, string Title, string Href, string Meta, bool HasWhy, string[] Terms);

    private async Task<Rendered[]> RenderedItemsAsync()
    {
        var json = await _browser.EvaluateAsync("""
            JSON.stringify([...document.querySelectorAll('#items li')].map(li => ({
              Id: li.dataset.id,
              Title: li.querySelector('.headline').textContent,
              Href: li.querySelector('.headline').getAttribute('href') || '',
              Meta: li.querySelector('.meta').textContent,
              HasWhy: li.querySelector('.why') !== null,
              Terms: [...li.querySelectorAll('.term')].map(t => t.textContent),
            })))
            """);
        return JsonSerializer.Deserialize<Rendered[]>(json.GetString()!)!;
    }

    private Task SetValueAsync(string id, string value) =>
        _browser.EvaluateAsync($"(() => {{ const e = document.getElementById('{id}'); e.value = {JsonSerializer.Serialize(value)}; e.dispatchEvent(new Event('input')); }})()");

    [Fact]
    public async Task Draft_ShowsTheReadersListWithWhy_OptionsChangeIt_AndABlockFromThePageApplies()
    {
        await _browser.NavigateAsync(new Uri(_host.HttpAddress!, "/preview"));

        // Paste a draft and preview it: the page shows what PreviewRelated returns, explained.
        await SetValueAsync("draft-title", DraftTitle);
        await SetValueAsync("draft-body", DraftBody);
        await _browser.EvaluateAsync("document.getElementById('preview-draft').click()");
        await _browser.WaitForAsync("document.querySelectorAll('#items li').length > 0");
        var rendered = await RenderedItemsAsync();
        var expected = await _host.Client.PreviewRelatedAsync(new PreviewRelatedRequest
        {
            Title = DraftTitle, Body = DraftBody, Options = new RelatedOptions { Limit = 5, Explain = true },
        });

        Assert.Equal(expected.Items.Select(i => i.Id), rendered.Select(r => r.Id));
        Assert.Equal(expected.Items.Select(i => i.Title), rendered.Select(r => r.Title));
        Assert.Equal(expected.Items.Select(i => i.Url), rendered.Select(r => r.Href));
        Assert.All(rendered.Zip(expected.Items), pair => Assert.StartsWith(pair.Second.Section + " · " + pair.Second.Published.ToDateTimeOffset().ToString("yyyy-MM-dd"), pair.First.Meta));
        Assert.All(rendered, r => Assert.True(r.HasWhy));
        Assert.Equal(expected.Items.Select(i => i.Why.Terms.Select(t => t.Term)), rendered.Select(r => r.Terms));
        Assert.Contains(rendered, r => r.Terms.Length > 0);
        Assert.Equal("You may also like", (await _browser.EvaluateAsync("document.getElementById('list-heading').textContent")).GetString());
        await SaveScreenshotAsync("preview-draft.png");

        // Changing an option re-runs the preview.
        await SetValueAsync("limit", "3");
        await _browser.WaitForAsync("document.querySelectorAll('#items li').length === 3");

        // Find a stored article by title, show its list, and block its first suggestion from the page.
        await SetValueAsync("search", "budget");
        await _browser.WaitForAsync("document.querySelector('#search-results button') !== null");
        await _browser.EvaluateAsync("document.querySelector('#search-results button').click()");
        await _browser.WaitForAsync("document.getElementById('status').textContent.includes('for article')");
        var articleId = (await _browser.EvaluateAsync("document.getElementById('article-id').value")).GetString()!;
        var before = await RenderedItemsAsync();
        await _browser.EvaluateAsync("document.querySelector('#items li .block-here').click()");
        await _browser.WaitForAsync($"document.querySelector('#rules tbody tr') !== null && ![...document.querySelectorAll('#items li')].some(li => li.dataset.id === {JsonSerializer.Serialize(before[0].Id)})");

        var rules = await _host.Client.ListRulesAsync(new ListRulesRequest());
        var rule = Assert.Single(rules.Rules);
        Assert.Equal((RuleAction.Block, before[0].Id, articleId), (rule.Action, rule.ArticleId, rule.InListOf));
        var served = await _host.Client.GetRelatedAsync(new GetRelatedRequest { Id = articleId, Options = new RelatedOptions { Limit = 3 } });
        Assert.Equal(served.Items.Select(i => i.Id), (await RenderedItemsAsync()).Select(r => r.Id));
        await SaveScreenshotAsync("preview-article-after-block.png");
    }

    /// <summary>
    /// /preview?id=…&amp;namespace=… opens with that article's list under its headline, the site is
    /// remembered for the next visit, and a kept list stays beside a draft's list with other options.
    /// </summary>
    [Fact]
    public async Task ADeepLink_ShowsTheArticlesHeadlineAndList_TheSiteIsRemembered_AndAKeptListStandsBesideADrafts()
    {
        const string Site = "site-b";
        var sample = TestData.Samples().Single(a => a.Article.Id == "culture-002").Article;
        var upsert = TestData.Upsert(TestData.Samples().Select(a => a.Article).ToArray());
        upsert.Namespace = Site;
        await _host.Client.UpsertArticlesAsync(upsert);
        await TestData.WaitForRefitAsync(_host.Client, Site);
        var expected = await _host.Client.GetRelatedAsync(new GetRelatedRequest { Id = sample.Id, Namespace = Site, Options = new RelatedOptions { Limit = 5 } });

        await _browser.NavigateAsync(new Uri(_host.HttpAddress!, $"/preview?id={sample.Id}&namespace={Site}"));
        await _browser.WaitForAsync("document.querySelectorAll('#items li').length > 0 && document.getElementById('source-headline').textContent.includes(':')");
        var headline = (await _browser.EvaluateAsync("document.getElementById('source-headline').textContent")).GetString()!;
        var shown = (await RenderedItemsAsync()).Select(r => r.Id).ToList();
        var link = (await _browser.EvaluateAsync("document.getElementById('deep-link').getAttribute('href')")).GetString();

        Assert.Contains(sample.Title, headline);
        Assert.Equal(expected.Items.Select(i => i.Id), shown);
        Assert.Equal($"/preview?id={sample.Id}&namespace={Site}", link);

        // Keep it, then preview a draft with two suggestions: both lists side by side.
        await _browser.EvaluateAsync("document.getElementById('keep').click()");
        await SetValueAsync("draft-title", DraftTitle);
        await SetValueAsync("draft-body", DraftBody);
        await SetValueAsync("limit", "2");
        await _browser.EvaluateAsync("document.getElementById('preview-draft').click()");
        await _browser.WaitForAsync("document.querySelectorAll('#items li').length === 2 && document.getElementById('source-headline').textContent.includes('draft')");
        var kept = JsonSerializer.Deserialize<string[]>((await _browser.EvaluateAsync(
            "JSON.stringify([...document.querySelectorAll('#kept-items li')].map(li => li.dataset.id))")).GetString()!)!;
        var keptLabel = (await _browser.EvaluateAsync("document.getElementById('kept-source').textContent + ' | ' + document.getElementById('kept-options').textContent")).GetString()!;
        var sideBySide = (await _browser.EvaluateAsync(
            "document.getElementById('kept').getBoundingClientRect().left > document.getElementById('reader-view').getBoundingClientRect().right - 1")).GetBoolean();
        await SaveScreenshotAsync("preview-compare.png");

        Assert.Equal(shown, kept);
        Assert.Contains(sample.Title, keptLabel);
        Assert.Contains("5 suggestions", keptLabel);
        Assert.True(sideBySide, "the kept list stands beside the current one");
        Assert.Equal(0, (await _browser.EvaluateAsync("document.querySelectorAll('#kept-items .actions').length")).GetInt32());

        // The next visit, without a link, is on the same site.
        await _browser.NavigateAsync(new Uri(_host.HttpAddress!, "/preview"));
        await _browser.WaitForAsync("document.readyState === 'complete'");
        Assert.Equal(Site, (await _browser.EvaluateAsync("document.getElementById('namespace').value")).GetString());
    }

    /// <summary>The "reading history" view: a list for several articles, each suggestion saying which it comes from.</summary>
    [Fact]
    public async Task AReadingHistory_ShowsItsList_WhereEachSuggestionComesFrom_AndWhatIsNotStored()
    {
        var request = new GetRelatedRequest { Strategy = HistoryStrategy.Fusion, Options = new RelatedOptions { Limit = 5, Explain = true } };
        request.Like.AddRange(new[] { "sport-001", "tech-001", "nope" }.Select(id => new LikedArticle { Id = id }));
        request.Unlike.Add("sport-002");
        var expected = await _host.Client.GetRelatedAsync(request);

        await _browser.NavigateAsync(new Uri(_host.HttpAddress!, "/preview"));
        await SetValueAsync("history-ids", "sport-001\ntech-001\nnope");
        await SetValueAsync("history-unlike", "sport-002");
        await _browser.EvaluateAsync("document.getElementById('history-strategy').value = 'HISTORY_STRATEGY_FUSION'");
        await _browser.EvaluateAsync("document.getElementById('show-history').click()");
        await _browser.WaitForAsync("document.querySelectorAll('#items li').length > 0");
        var rendered = await RenderedItemsAsync();
        var basedOn = JsonSerializer.Deserialize<string[]>((await _browser.EvaluateAsync(
            "JSON.stringify([...document.querySelectorAll('#items li')].map(li => li.querySelector('.based-on').textContent))")).GetString()!)!;
        var status = (await _browser.EvaluateAsync("document.getElementById('status').textContent")).GetString()!;
        await SaveScreenshotAsync("preview-history.png");

        Assert.Equal(expected.Items.Select(i => i.Id), rendered.Select(r => r.Id));
        Assert.Equal(expected.Items.Select(i => "because of " + string.Join(", ", i.BasedOn)), basedOn);
        Assert.Contains("not stored, left out: nope", status);
        Assert.Contains("reading history", status);
    }

    [Fact]
    public async Task JsonRoutes_AnswerWithTheRpcsResults_StatusCodesAndFieldErrors()
    {
        using var http = new HttpClient { BaseAddress = _host.HttpAddress };

        var related = await http.PostAsJsonAsync("/v1/related", new { id = "sport-001", options = new { limit = 3, explain = true } });
        var unknown = await http.PostAsJsonAsync("/v1/related", new { id = "no-such-article" });
        var badRule = await http.PostAsJsonAsync("/v1/rules", new { action = "RULE_ACTION_PIN", articleId = "sport-002" });
        var page = await http.GetAsync("/preview");

        Assert.Equal(HttpStatusCode.OK, related.StatusCode);
        var body = JsonDocument.Parse(await related.Content.ReadAsStringAsync()).RootElement;
        var grpc = await _host.Client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 3 } });
        Assert.Equal(grpc.Items.Select(i => i.Id), body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(TestData.RecommendationIdLength(3), body.GetProperty("recommendationId").GetString()!.Length);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-article", await unknown.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badRule.StatusCode);
        Assert.Contains("\"field\":\"rule.inListOf\"", await badRule.Content.ReadAsStringAsync());
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("You may also like", await page.Content.ReadAsStringAsync());
    }

    private async Task SaveScreenshotAsync(string name)
    {
        var png = await _browser.ScreenshotAsync();
        var dir = Environment.GetEnvironmentVariable("RECOMMENDER_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, name), png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
    }
}
