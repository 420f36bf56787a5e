using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Core.Evaluation;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// What a CMS integration needs beyond lists, through a real channel (gRPC, and the JSON routes where
/// an rpc has one): reading back, paging, deleting over JSON, reader beacons from other origins,
/// cancelled retrains, retried rules, short lists, change streams and machine-readable reasons.
/// </summary>
public sealed class CmsApiTests
{
    private const string Key = "cms-key";

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Recommender:Auth:ApiKeys:0"] = Key };
        foreach (var (k, v) in more)
        {
            settings[k] = v;
        }
        return settings;
    }

    private static Metadata Bearer => new() { { "authorization", "Bearer " + Key } };

    private static HttpClient Http(ServiceHost host, bool withKey = true)
    {
        var http = host.CreateClient();
        if (withKey)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        }
        return http;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Reason(RpcException ex) => ex.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason;

    private static async Task<List<Core.Articles.Article>> ImportAsync(ServiceHost host, int count, string ns = "")
    {
        var articles = SyntheticCorpus.Generate(count, seed: 3).Select(l => l.Article).ToList();
        foreach (var chunk in articles.Chunk(500))
        {
            var request = TestData.Upsert(chunk);
            request.Namespace = ns;
            await host.Client.UpsertArticlesAsync(request, Bearer);
        }
        return articles;
    }

    /// <summary>Times as a CMS writes them: one rule (RFC 3339 with its offset), named by field and index, with what to write instead.</summary>
    [Fact]
    public async Task Times_AreRfc3339WithTheirOffset_AndOtherwiseRefusedNamingFieldIndexAndFormat()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        using var http = Http(host);
        object Article(int i, string published) => new { id = $"t-{i}", title = $"Title {i}", body = $"Body {i}.", published };
        async Task<(HttpStatusCode Status, string Field, string Description)> Post(params object[] articles)
        {
            using var response = await http.PostAsJsonAsync("/v1/articles", new { articles });
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var violation = response.IsSuccessStatusCode ? default : body.GetProperty("details")[0].GetProperty("fieldViolations")[0];
            return (response.StatusCode, response.IsSuccessStatusCode ? "" : violation.GetProperty("field").GetString()!,
                response.IsSuccessStatusCode ? "" : violation.GetProperty("description").GetString()!);
        }

        var wordpress = await Post(Article(0, "2026-11-01T10:00:00Z"), Article(1, "2026-11-01T11:00:00+01:00"), Article(2, "2026-11-01 10:00:00"));
        var slashes = await Post(Article(0, "01/11/2026"));
        var dateOnly = await Post(Article(0, "2026-11-01"));
        var accepted = await Post(Article(0, "2026-11-01T10:00:00Z"), Article(1, "2026-11-01T11:00:00.123456789+01:00"));
        using var query = await http.GetAsync("/v1/articles?updatedAfter=2026-12-01%2008:00:00");
        var queryError = JsonDocument.Parse(await query.Content.ReadAsStringAsync()).RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0];
        var stored = await host.Client.GetArticleAsync(new GetArticleRequest { Id = "t-1" }, Bearer);

        Assert.Equal((HttpStatusCode.BadRequest, "articles[2].published"), (wordpress.Status, wordpress.Field));
        Assert.Contains("has no time zone: write 2026-11-01T10:00:00Z if it is UTC", wordpress.Description);
        Assert.Contains("RFC 3339", wordpress.Description);
        Assert.Equal("articles[0].published", slashes.Field);
        Assert.Contains("day first or month first", slashes.Description);
        Assert.Equal("articles[0].published", dateOnly.Field);
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_567), stored.Article.Published.ToDateTimeOffset());
        Assert.Equal(HttpStatusCode.BadRequest, query.StatusCode);
        Assert.Equal("updatedAfter", queryError.GetProperty("field").GetString());
        Assert.Contains("has no time zone", queryError.GetProperty("description").GetString());
    }

    /// <summary>Permalink ids with '/' reach every single-article route, percent-encoded (PHP's rawurlencode) or raw.</summary>
    [Fact]
    public async Task IdsWithSlashes_ReachEverySingleArticleRoute_EncodedOrRaw_AndPathErrorsNameTheParameter()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        using var http = Http(host);
        await host.Client.UpsertArticlesAsync(TestData.Upsert(
            new Core.Articles.Article("2026/12/rail-strike", "Rail strike", "Trains stop at noon."),
            new Core.Articles.Article("2026/12/bus-strike", "Bus strike", "Buses stop too.")), Bearer);

        using var raw = await http.GetAsync("/v1/articles/2026/12/rail-strike");
        using var encoded = await http.GetAsync("/v1/articles/" + Uri.EscapeDataString("2026/12/rail-strike"));
        using var deleted = await http.DeleteAsync("/v1/articles/" + Uri.EscapeDataString("2026/12/bus-strike"));
        using var deletedRaw = await http.DeleteAsync("/v1/articles/2026/12/rail-strike");
        using var bad = await http.DeleteAsync("/v1/articles/" + Uri.EscapeDataString("bad id"));
        using var gone = await http.GetAsync("/v1/articles/2026/12/rail-strike");
        var badField = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0];

        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("2026/12/rail-strike", JsonDocument.Parse(await raw.Content.ReadAsStringAsync()).RootElement.GetProperty("article").GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await deleted.Content.ReadAsStringAsync()).RootElement.GetProperty("deleted").GetInt32());
        Assert.Equal(1, JsonDocument.Parse(await deletedRaw.Content.ReadAsStringAsync()).RootElement.GetProperty("deleted").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("id", badField.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(0, (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    /// <summary>Over JSON, a field the engine refuses is named in its JSON spelling, as the caller wrote it.</summary>
    [Fact]
    public async Task JsonRoutes_NameRefusedFieldsInTheirJsonSpelling()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        await host.Client.UpsertArticlesAsync(TestData.Upsert(TestData.Samples().Select(a => a.Article).ToArray()), Bearer);
        using var http = Http(host);

        using var response = await http.PostAsJsonAsync("/v1/related", new { id = "sport-001", options = new { excludeIds = new[] { "has space" } } });
        var violation = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0];

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("options.excludeIds", violation.GetProperty("field").GetString());
    }

    [Fact]
    public async Task StoredArticles_ReadBack_OneWhole_AndAllInPages_OverGrpcAndJson()
    {
        using var host = await new ServiceHost(StoreSetup.NewRedis(), settings: Settings()).StartAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var articles = await ImportAsync(host, 25);

        var one = await host.Client.GetArticleAsync(new GetArticleRequest { Id = articles[3].Id });
        Assert.Equal(articles[3].Title, one.Article.Title);
        Assert.Equal(articles[3].Body, one.Article.Body);
        Assert.InRange(one.UpdateTime.ToDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));

        var ids = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await host.Client.ListArticlesAsync(new ListArticlesRequest { PageSize = 10, PageToken = token });
            ids.AddRange(page.Articles.Select(a => a.Id));
            Assert.All(page.Articles, a => Assert.NotNull(a.UpdateTime));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);
        Assert.Equal(3, pages);
        Assert.Equal(articles.Select(a => a.Id).Order(StringComparer.Ordinal), ids);

        // Only what was written after a moment: a rewritten article.
        await Task.Delay(20);
        var moment = DateTimeOffset.UtcNow;
        await host.Client.UpsertArticlesAsync(TestData.Upsert(articles[7] with { Title = "Rewritten headline" }), Bearer);
        var recent = await host.Client.ListArticlesAsync(new ListArticlesRequest { UpdatedAfter = Timestamp.FromDateTimeOffset(moment) });
        Assert.Equal([articles[7].Id], recent.Articles.Select(a => a.Id));
        // Update times are kept to the millisecond: a moment later within that millisecond still finds the write.
        var written = recent.Articles[0].UpdateTime.ToDateTimeOffset();
        var withinItsMillisecond = await host.Client.ListArticlesAsync(new ListArticlesRequest { UpdatedAfter = Timestamp.FromDateTimeOffset(written.AddTicks(5_000)) });
        Assert.Equal([articles[7].Id], withinItsMillisecond.Articles.Select(a => a.Id));

        using var http = Http(host, withKey: false);
        using var got = JsonDocument.Parse(await http.GetStringAsync($"/v1/articles/{articles[7].Id}"));
        Assert.Equal("Rewritten headline", got.RootElement.GetProperty("article").GetProperty("title").GetString());
        using var listed = JsonDocument.Parse(await http.GetStringAsync("/v1/articles?pageSize=5"));
        Assert.Equal(5, listed.RootElement.GetProperty("articles").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(listed.RootElement.GetProperty("nextPageToken").GetString()));

        // Query parameters are checked like body fields: a bad value or a misspelt name is a 400 naming it.
        foreach (var (query, field) in new[] { ("updatedAfter=yesterday", "updatedAfter"), ("pageSize=many", "pageSize"), ("pageSise=5", "pageSise") })
        {
            var refused = await http.GetAsync("/v1/articles?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal(field, body.RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
        }

        var missing = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetArticleAsync(new GetArticleRequest { Id = "no-such" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal("ARTICLE_NOT_FOUND", Reason(missing));
        var badToken = await Assert.ThrowsAsync<RpcException>(() => host.Client.ListArticlesAsync(new ListArticlesRequest { PageToken = "bm90LWEtdG9rZW4" }).ResponseAsync);
        Assert.Equal("page_token", badToken.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    public async Task EveryWrite_HasAJsonRoute_BehindTheKey()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(("Recommender:Engine:MinArticlesToFit", "1000000"))).StartAsync();
        var articles = await ImportAsync(host, 30);
        var extra = new UpsertArticlesRequest { Namespace = "site-b" };
        extra.Articles.Add(new Article { Id = "b-1", Title = "A title", Body = "A body of text for site b." });
        await host.Client.UpsertArticlesAsync(extra, Bearer);
        using var anonymous = Http(host, withKey: false);
        using var http = Http(host);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/v1/articles/{articles[0].Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/articles:batchDelete", Json("""{"ids":["x"]}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/model:retrain", Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync("/v1/namespaces/site-b")).StatusCode);

        var one = await http.DeleteAsync($"/v1/articles/{articles[0].Id}");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Contains("\"deleted\":1", await one.Content.ReadAsStringAsync());
        var batch = await http.PostAsync("/v1/articles:batchDelete", Json($$"""{"ids":["{{articles[1].Id}}","{{articles[2].Id}}","nope"]}"""));
        Assert.Contains("\"notFound\":1", await batch.Content.ReadAsStringAsync());
        Assert.Equal(27, (await host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);

        var retrain = await http.PostAsync("/v1/model:retrain", Json("{}"));
        Assert.Equal(HttpStatusCode.OK, retrain.StatusCode);
        using var model = JsonDocument.Parse(await retrain.Content.ReadAsStringAsync());
        Assert.Equal(27, model.RootElement.GetProperty("model").GetProperty("fittedOnArticles").GetInt32());

        var dropped = await http.DeleteAsync("/v1/namespaces/site-b");
        Assert.Contains("\"deletedArticles\":1", await dropped.Content.ReadAsStringAsync());
        var notFound = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetStatsAsync(new GetStatsRequest { Namespace = "site-b" }).ResponseAsync);
        Assert.Equal("NAMESPACE_NOT_FOUND", Reason(notFound));
        var defaultNs = await Assert.ThrowsAsync<RpcException>(() => host.Client.DeleteNamespaceAsync(new DeleteNamespaceRequest { Namespace = "default" }, Bearer).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "DEFAULT_NAMESPACE"), (defaultNs.StatusCode, Reason(defaultNs)));
    }

    [Fact]
    public async Task ReaderBeacons_FromAllowedOrigins_PassThePreflight_AndSendTextPlain()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(),
            settings: Settings(("Recommender:Http:AllowedOrigins:0", "https://news.example.com"))).StartAsync();
        await ImportAsync(host, 20);
        var list = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = SyntheticCorpus.Generate(20, seed: 3).First().Article.Id });
        using var http = Http(host, withKey: false);

        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/feedback");
        preflight.Headers.Add("Origin", "https://news.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var allowed = await http.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://news.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());

        var other = new HttpRequestMessage(HttpMethod.Options, "/V1/Feedback/");
        other.Headers.Add("Origin", "https://evil.example.net");
        var refused = await http.SendAsync(other);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        var beacon = new HttpRequestMessage(HttpMethod.Post, "/v1/feedback")
        {
            Content = new StringContent(
                $$"""{"events":[{"recommendationId":"{{list.RecommendationId}}","kind":"FEEDBACK_KIND_IMPRESSION","articleId":"{{list.Items[0].Id}}","position":1}]}""",
                Encoding.UTF8, "text/plain"),
        };
        beacon.Headers.Add("Origin", "https://news.example.com");
        var sent = await http.SendAsync(beacon);
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal("https://news.example.com", sent.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("\"recorded\":1", await sent.Content.ReadAsStringAsync());

        // text/plain stays refused elsewhere.
        var elsewhere = await http.PostAsync("/v1/related", new StringContent("""{"id":"x"}""", Encoding.UTF8, "text/plain"));
        Assert.NotEqual(HttpStatusCode.OK, elsewhere.StatusCode);
    }

    [Fact]
    public async Task ReaderBeacons_WithoutANamespace_CountInTheNamespaceTheirListWasIssuedIn_AndAMismatchIsRefused()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        var articles = await ImportAsync(host, 20, ns: "site-b");
        var list = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = articles[0].Id, Namespace = "site-b" });
        using var http = Http(host, withKey: false);
        string Beacon(string ns) =>
            $$"""{"namespace":"{{ns}}","events":[{"recommendationId":"{{list.RecommendationId}}","kind":"FEEDBACK_KIND_CLICK","articleId":"{{list.Items[0].Id}}","position":1}]}""";

        using var counted = await http.PostAsync("/v1/feedback", new StringContent(Beacon(""), Encoding.UTF8, "text/plain"));
        using var mismatch = await http.PostAsync("/v1/feedback", new StringContent(Beacon("default"), Encoding.UTF8, "text/plain"));
        var stats = await host.Client.GetStatsAsync(new GetStatsRequest { Namespace = "site-b" });

        Assert.Equal(HttpStatusCode.OK, counted.StatusCode);
        Assert.Contains("\"recorded\":1", await counted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Contains("events[0].recommendationId", await mismatch.Content.ReadAsStringAsync());
        Assert.Equal(1, stats.Feedback.Clicks);
    }

    [Fact]
    public async Task ListsOverGet_CarryAnETagAndCacheControl_Answer304UntilTheListChanges_AndServeConfiguredOrigins()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(
            ("Recommender:Http:AllowedOrigins:0", "https://news.example.com"),
            ("Recommender:Http:RelatedCacheControl", "public, max-age=30"))).StartAsync();
        var articles = await ImportAsync(host, 20);
        using var http = Http(host, withKey: false);
        async Task<HttpResponseMessage> GetAsync(string query, string? etag = null, string origin = "https://news.example.com")
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/related?" + query);
            request.Headers.Add("Origin", origin);
            if (etag is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }
            return await http.SendAsync(request);
        }
        var query = $"id={Uri.EscapeDataString(articles[0].Id)}&limit=3";

        using var first = await GetAsync(query);
        var etag = first.Headers.ETag!.ToString();
        var items = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("id").GetString()!).ToList();
        var grpc = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = articles[0].Id, Options = new RelatedOptions { Limit = 3 } });
        using var unchanged = await GetAsync(query, etag);
        using var longForm = await GetAsync($"id={Uri.EscapeDataString(articles[0].Id)}&options.limit=3", etag);
        using var otherSite = await GetAsync(query, origin: "https://evil.example.net");
        await host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, ArticleId = items[0] } }, Bearer);
        using var changed = await GetAsync(query, etag);
        using var badValue = await GetAsync(query.Replace("limit=3", "limit=three"));
        using var outOfRange = await GetAsync(query.Replace("limit=3", "limit=5000"));
        using var unknown = await GetAsync(query + "&colour=red");
        using var twice = await GetAsync(query + "&options.limit=4");
        string Field(HttpResponseMessage response) =>
            JsonDocument.Parse(response.Content.ReadAsStringAsync().Result).RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString()!;

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(first.Headers.ETag!.IsWeak);
        Assert.Equal("public, max-age=30", first.Headers.CacheControl!.ToString());
        Assert.Equal("https://news.example.com", first.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(grpc.Items.Select(i => i.Id), items);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, unchanged.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, longForm.StatusCode);
        Assert.False(otherSite.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.ToString());
        Assert.DoesNotContain(items[0], await changed.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode.BadRequest, "limit"), (badValue.StatusCode, Field(badValue)));
        Assert.Equal((HttpStatusCode.BadRequest, "limit"), (outOfRange.StatusCode, Field(outOfRange)));
        Assert.Equal((HttpStatusCode.BadRequest, "colour"), (unknown.StatusCode, Field(unknown)));
        Assert.Equal((HttpStatusCode.BadRequest, "limit"), (twice.StatusCode, Field(twice)));
    }

    [Fact]
    public async Task ARetrainPastItsDeadline_SwapsNothing_AndThePreviousModelKeepsServing()
    {
        // On loopback Kestrel: the in-memory test server reports the server's reset of a call past
        // its deadline as INTERNAL, where a real HTTP/2 client sees DEADLINE_EXCEEDED.
        using var host = await new ServiceHost(StoreSetup.NewRedis(), kestrel: true, settings: Settings(("Recommender:Engine:MinArticlesToFit", "1000000"))).StartAsync();
        await ImportAsync(host, 3_000);
        var before = (await host.Client.GetStatsAsync(new GetStatsRequest())).Model.Version;

        var late = await Assert.ThrowsAsync<RpcException>(() => host.Client.RetrainAsync(new RetrainRequest(), Bearer, DateTime.UtcNow.AddMilliseconds(200)).ResponseAsync);
        Assert.True(late.StatusCode == StatusCode.DeadlineExceeded, $"{late.StatusCode}: {late.Status.Detail} {late.Status.DebugException}");

        // The cancelled refit ends without a swap; the next one then runs (it waits for the first to end).
        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        Assert.Equal(before, stats.Model.Version);
        var retrained = await host.Client.RetrainAsync(new RetrainRequest(), Bearer);
        Assert.NotEqual(before, retrained.Model.Version);
        Assert.Equal(retrained.Model.Version, (await host.Client.GetStatsAsync(new GetStatsRequest())).Model.Version);
    }

    [Fact]
    public async Task RetriedRules_AreAddedOnce_AndRulesAndSearchesComeInPages()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        var articles = await ImportAsync(host, 20);
        var block = new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Section = "no-such-section" }, RequestId = "req-1" };

        var first = await host.Client.AddRuleAsync(block, Bearer);
        var retried = await host.Client.AddRuleAsync(block, Bearer);
        var sameIdOtherBody = await host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Tag = "x" }, RequestId = "req-1" }, Bearer);
        var identical = await host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Section = "no-such-section" } }, Bearer);
        Assert.Equal(first.Id, retried.Id);
        Assert.Equal(first.Id, sameIdOtherBody.Id);
        Assert.Equal(first.Id, identical.Id);
        Assert.Single((await host.Client.ListRulesAsync(new ListRulesRequest())).Rules);

        for (var i = 0; i < 4; i++)
        {
            await host.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Tag = $"tag-{i}" } }, Bearer);
        }
        var all = await host.Client.ListRulesAsync(new ListRulesRequest());
        Assert.Equal(5, all.Rules.Count);
        Assert.Equal("", all.NextPageToken);
        var paged = new List<string>();
        var token = "";
        do
        {
            var page = await host.Client.ListRulesAsync(new ListRulesRequest { PageSize = 2, PageToken = token });
            Assert.InRange(page.Rules.Count, 1, 2);
            paged.AddRange(page.Rules.Select(r => r.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(all.Rules.Select(r => r.Id), paged);

        // Every synthetic title holds a word of its topic; search one that several share.
        var word = articles.SelectMany(a => a.Title.Split(' ')).GroupBy(w => w).OrderByDescending(g => g.Count()).First().Key;
        var found = await host.Client.SearchArticlesAsync(new SearchArticlesRequest { Query = word, Limit = 50 });
        var pages = new List<string>();
        token = "";
        do
        {
            var page = await host.Client.SearchArticlesAsync(new SearchArticlesRequest { Query = word, PageSize = 2, PageToken = token });
            pages.AddRange(page.Articles.Select(a => a.Id));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.True(found.Articles.Count > 2);
        Assert.Equal(found.Articles.Select(a => a.Id), pages);
        var tokenOfAnotherQuery = (await host.Client.SearchArticlesAsync(new SearchArticlesRequest { Query = word, PageSize = 1 })).NextPageToken;
        var foreign = await Assert.ThrowsAsync<RpcException>(() => host.Client.SearchArticlesAsync(
            new SearchArticlesRequest { Query = word + "x", PageToken = tokenOfAnotherQuery }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, foreign.StatusCode);
    }

    [Fact]
    public async Task MinScore_LeavesWeakSuggestionsOut_InsteadOfPadding()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        var articles = await ImportAsync(host, 60);
        await TestData.WaitForRefitAsync(host.Client);
        var id = articles[10].Id;

        var padded = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = new RelatedOptions { Limit = 20 } });
        var floor = padded.Items[4].Score;
        var cut = await host.Client.GetRelatedAsync(new GetRelatedRequest { Id = id, Options = new RelatedOptions { Limit = 20, MinScore = floor } });

        Assert.Equal(20, padded.Items.Count);
        Assert.InRange(cut.Items.Count, 5, 19);
        Assert.All(cut.Items, item => Assert.True(item.Score >= floor));
        Assert.Equal(padded.Items.Take(cut.Items.Count).Select(i => i.Id), cut.Items.Select(i => i.Id));
        var wrong = await Assert.ThrowsAsync<RpcException>(() => host.Client.GetRelatedAsync(
            new GetRelatedRequest { Id = id, Options = new RelatedOptions { MinScore = 2 } }).ResponseAsync);
        Assert.Equal("options.min_score", wrong.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    public async Task WatchChanges_DeliversWritesDeletesRulesAndModels_FromThisAndOtherReplicas()
    {
        var store = StoreSetup.NewRedis();
        using var writer = await new ServiceHost(store, settings: Settings(("Recommender:Engine:MinArticlesToFit", "1000000"))).StartAsync();
        using var watched = await new ServiceHost(store, settings: Settings(("Recommender:Engine:MinArticlesToFit", "1000000"))).StartAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var here = writer.Client.WatchChanges(new WatchChangesRequest(), cancellationToken: cancel.Token);
        using var there = watched.Client.WatchChanges(new WatchChangesRequest(), cancellationToken: cancel.Token);
        // The stream is open once the server has sent its headers.
        await here.ResponseHeadersAsync;
        await there.ResponseHeadersAsync;
        // And over JSON: newline-delimited change events.
        using var http = Http(watched, withKey: false);
        using var json = await http.GetAsync("/v1/changes:watch", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);

        var articles = await ImportAsync(writer, 12);
        await writer.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { articles[0].Id } }, Bearer);
        await writer.Client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Tag = "t" } }, Bearer);
        var model = (await writer.Client.RetrainAsync(new RetrainRequest(), Bearer)).Model.Version;

        foreach (var stream in new[] { here, there })
        {
            var kinds = new List<ChangeKind>();
            var written = new List<string>();
            while (!kinds.Contains(ChangeKind.ModelChanged) && await stream.ResponseStream.MoveNext(cancel.Token))
            {
                var change = stream.ResponseStream.Current;
                Assert.Equal(((StoreSetup.Redis)store).Namespace, change.Namespace);
                kinds.Add(change.Kind);
                if (change.Kind == ChangeKind.ArticlesWritten)
                {
                    written.AddRange(change.Ids);
                }
                if (change.Kind == ChangeKind.ArticlesDeleted)
                {
                    Assert.Equal([articles[0].Id], change.Ids);
                }
                if (change.Kind == ChangeKind.ModelChanged)
                {
                    Assert.Equal(model, change.ModelVersion);
                }
            }
            Assert.Equal(articles.Select(a => a.Id).Order(), written.Order());
            Assert.Equal([ChangeKind.ArticlesDeleted, ChangeKind.RulesChanged, ChangeKind.ModelChanged], kinds.Where(k => k != ChangeKind.ArticlesWritten));
        }

        using var lines = new StreamReader(await json.Content.ReadAsStreamAsync(cancel.Token));
        var jsonKinds = new List<string>();
        while (!jsonKinds.Contains("CHANGE_KIND_MODEL_CHANGED") && await lines.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Length > 0)
            {
                using var change = JsonDocument.Parse(line);
                jsonKinds.Add(change.RootElement.GetProperty("kind").GetString()!);
                if (jsonKinds[^1] == "CHANGE_KIND_MODEL_CHANGED")
                {
                    Assert.Equal(model, change.RootElement.GetProperty("modelVersion").GetString());
                }
            }
        }
        Assert.Equal(["CHANGE_KIND_ARTICLES_DELETED", "CHANGE_KIND_RULES_CHANGED", "CHANGE_KIND_MODEL_CHANGED"], jsonKinds.Where(k => k != "CHANGE_KIND_ARTICLES_WRITTEN"));
    }
}
