using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>
/// The findings of a security review, each reproduced: method names in another case, made-up keys
/// and rate limits, namespaces opened by anonymous reads, forged feedback, the HTTP surface.
/// </summary>
public sealed class SecurityTests
{
    private const string Key = "the-key";

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>What each rpc is, stated here independently of the server's own list.</summary>
    private static readonly Dictionary<string, string> Kinds = new()
    {
        ["UpsertArticles"] = "write", ["DeleteArticles"] = "write", ["Retrain"] = "write", ["DeleteNamespace"] = "write",
        ["AddRule"] = "write", ["RemoveRule"] = "write",
        ["GetRelated"] = "read", ["PreviewRelated"] = "read", ["GetStats"] = "read", ["SearchArticles"] = "read", ["ListRules"] = "read",
        ["GetArticle"] = "read", ["ListArticles"] = "read", ["WatchChanges"] = "read",
        ["RecordFeedback"] = "beacon",
    };

    private static Dictionary<string, string?> Settings(bool protectReads = false, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Recommender:Auth:ApiKeys:0"] = Key,
            ["Recommender:Auth:ProtectReads"] = protectReads ? "true" : "false",
        };
        foreach (var (k, v) in more)
        {
            settings[k] = v;
        }
        return settings;
    }

    private static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>Sends an empty message (every field at its default) to a path spelled as given.</summary>
    private static async Task<StatusCode> RawCallAsync(ServiceHost host, string service, string method, Metadata? headers = null)
    {
        if (method.Equals("WatchChanges", StringComparison.OrdinalIgnoreCase))
        {
            // A watch never ends by itself: one that was let in runs until its deadline.
            try
            {
                using var call = host.Channel.CreateCallInvoker().AsyncServerStreamingCall(
                    new Method<byte[], byte[]>(MethodType.ServerStreaming, service, method, Bytes, Bytes), null,
                    new CallOptions(headers, DateTime.UtcNow.AddSeconds(1)), []);
                await call.ResponseStream.MoveNext();
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }
        try
        {
            await host.Channel.CreateCallInvoker().AsyncUnaryCall(
                new Method<byte[], byte[]>(MethodType.Unary, service, method, Bytes, Bytes), null, new CallOptions(headers), []);
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryRpc_SpelledInAnotherCase_IsGuardedLikeItsCanonicalName(bool protectReads)
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(protectReads)).StartAsync();
        var service = RecommenderService.Descriptor.FullName;
        var methods = RecommenderService.Descriptor.Methods.Select(m => m.Name).ToList();
        Assert.Equal(Kinds.Keys.Order(), methods.Order()); // a new rpc must be classified here too

        foreach (var name in methods)
        {
            var needsKey = Kinds[name] == "write" || (Kinds[name] == "read" && protectReads);
            foreach (var (s, m) in new[] { (service, name.ToLowerInvariant()), (service, name.ToUpperInvariant()), (service.ToUpperInvariant(), name) })
            {
                var withoutKey = await RawCallAsync(host, s, m);
                var withKey = await RawCallAsync(host, s, m, Bearer(Key));

                Assert.True(needsKey ? withoutKey == StatusCode.Unauthenticated : withoutKey != StatusCode.Unauthenticated,
                    $"/{s}/{m} without a key: {withoutKey}");
                Assert.NotEqual(StatusCode.Unauthenticated, withKey);
                Assert.NotEqual(StatusCode.PermissionDenied, withKey);
                Assert.NotEqual(StatusCode.Unimplemented, withKey); // the spelling reached the rpc
            }
        }

        // One metrics series per rpc, in its canonical spelling, whatever the spellings called.
        using var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var metrics = await http.GetStringAsync("/metrics");
        var labels = System.Text.RegularExpressions.Regex.Matches(metrics, "rpc_method=\"([^\"]*)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(labels);
        Assert.All(labels.Where(l => l.Contains(service, StringComparison.OrdinalIgnoreCase)),
            l => Assert.Contains(l, methods.Select(m => $"/{service}/{m}")));
    }

    [Fact]
    public async Task JsonRoutes_InAnotherCase_StillNeedTheKey()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings()).StartAsync();
        using var http = host.CreateClient();
        var article = """{"articles":[{"id":"x-1","title":"A title","body":"A body of text."}]}""";

        var upper = await http.PostAsync("/V1/ARTICLES", new StringContent(article, Encoding.UTF8, "application/json"));
        var mixed = await http.PostAsync("/v1/Articles", new StringContent(article, Encoding.UTF8, "application/json"));
        var rule = await http.PostAsync("/V1/Rules", new StringContent("""{"action":"RULE_ACTION_BLOCK","section":"sport"}""", Encoding.UTF8, "application/json"));
        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(HttpStatusCode.Unauthorized, upper.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, mixed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, rule.StatusCode);
        Assert.Equal(0, stats.Corpus.Articles);
    }

    [Fact]
    public async Task MadeUpKeys_ShareTheAddressBucket_AValidKeyHasItsOwn()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(false,
            ("Recommender:RateLimit:RequestsPerSecond", "1"), ("Recommender:RateLimit:Burst", "5"))).StartAsync();

        var passed = 0;
        for (var i = 0; i < 30; i++)
        {
            passed += await RawCallAsync(host, RecommenderService.Descriptor.FullName, "GetStats", Bearer($"made-up-{i}")) == StatusCode.OK ? 1 : 0;
        }
        var valid = await RawCallAsync(host, RecommenderService.Descriptor.FullName, "GetStats", Bearer(Key));

        Assert.InRange(passed, 5, 7); // the burst, and what refills during the loop
        Assert.Equal(StatusCode.OK, valid);
    }

    [Fact]
    public async Task AnonymousReads_OfUnknownNamespaces_AreNotFound_AndUseUpNoSlot()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(false,
            ("Recommender:Engine:MaxNamespaces", "3"))).StartAsync();
        using var http = host.CreateClient();

        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 70; i++)
        {
            outcomes.Add(await CodeOf(() => host.Client.GetStatsAsync(new GetStatsRequest { Namespace = $"anon-{i}" }).ResponseAsync));
        }
        var related = await CodeOf(() => host.Client.GetRelatedAsync(new GetRelatedRequest { Namespace = "anon-x", Id = "a" }).ResponseAsync);
        var preview = await CodeOf(() => host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Namespace = "anon-y", Title = "t", Body = "b" }).ResponseAsync);
        var json = await http.GetAsync("/v1/stats?namespace=anon-z");
        var anonymousWrite = await CodeOf(() => host.Client.UpsertArticlesAsync(WithNamespace("site-a")).ResponseAsync);
        var created = await host.Client.UpsertArticlesAsync(WithNamespace("site-b"), Bearer(Key));
        var readBack = await host.Client.GetStatsAsync(new GetStatsRequest { Namespace = "site-b" });

        Assert.All(outcomes, c => Assert.Equal(StatusCode.NotFound, c));
        Assert.Equal(StatusCode.NotFound, related);
        Assert.Equal(StatusCode.NotFound, preview);
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymousWrite);
        Assert.Equal(1, created.Created);
        Assert.Equal(1, readBack.Corpus.Articles);
    }

    [Fact]
    public async Task NamespaceQuota_IsResourceExhausted()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(false,
            ("Recommender:Engine:MaxNamespaces", "2"))).StartAsync();

        await host.Client.UpsertArticlesAsync(WithNamespace("site-a"), Bearer(Key));
        var full = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertArticlesAsync(WithNamespace("site-b"), Bearer(Key)).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.Contains("Recommender:Engine:MaxNamespaces", full.Status.Detail);
    }

    [Fact]
    public async Task Metrics_FollowProtectReads()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: Settings(protectReads: true)).StartAsync();
        using var http = host.CreateClient();

        var anonymous = await http.GetAsync("/metrics");
        var wrong = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/METRICS") { Headers = { { "Authorization", "Bearer nope" } } });
        var keyed = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer " + Key } } });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Contains("recommender_index_articles", await keyed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Feedback_NamesAListTheServiceIssued_AndAPositionInIt()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        await client.UpsertArticlesAsync(WithNamespace("other-site"));
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 3 } });
        var otherSite = await client.PreviewRelatedAsync(new PreviewRelatedRequest { Namespace = "other-site", Title = "t", Body = "A football match." });
        FeedbackEvent Click(string id, int position) => new()
        {
            RecommendationId = id, Kind = FeedbackKind.Click, ArticleId = list.Items[Math.Min(position, list.Items.Count) - 1].Id, Position = position,
        };
        var forgedId = list.RecommendationId[..^4] + (list.RecommendationId.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var madeUp = await FieldOf(client, Click("0123456789abcdef0123456789abcdef", 1));
        var tampered = await FieldOf(client, Click(forgedId, 1));
        // Sent to this site (named: without a namespace, the id's own site would take it).
        var ofAnotherSite = await FieldOf(client, Click(otherSite.RecommendationId, 1), ns: "default");
        var beyondTheList = await FieldOf(client, Click(list.RecommendationId, 4));
        var counted = await client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { Click(list.RecommendationId, 3) } });
        var resent = await client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { Click(list.RecommendationId, 3) } });
        var stats = (await client.GetStatsAsync(new GetStatsRequest())).Feedback;

        Assert.Equal("events[0].recommendation_id", madeUp);
        Assert.Equal("events[0].recommendation_id", tampered);
        Assert.Equal("events[0].recommendation_id", ofAnotherSite);
        Assert.Equal("events[0].position", beyondTheList);
        Assert.Equal((1, 0), (counted.Recorded, counted.Duplicates));
        Assert.Equal((0, 1), (resent.Recorded, resent.Duplicates));
        Assert.Equal(1, stats.Clicks);
    }

    [Fact]
    public async Task Feedback_CountsOnlyForTheArticleThatStoodAtThatPosition()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001", Options = new RelatedOptions { Limit = 10 } });
        var shown = list.Items.Select(i => i.Id).ToHashSet();
        var neverShown = TestData.Samples().Select(s => s.Article.Id).First(id => id != "sport-001" && !shown.Contains(id));
        FeedbackEvent Event(FeedbackKind kind, string article, int position) =>
            new() { RecommendationId = list.RecommendationId, Kind = kind, ArticleId = article, Position = position };

        // One click for the article that was never shown at every position of the list.
        var forged = new List<(string Field, string Description)>();
        for (var position = 1; position <= list.Items.Count; position++)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(() => client.RecordFeedbackAsync(
                new RecordFeedbackRequest { Events = { Event(FeedbackKind.Click, neverShown, position) } }).ResponseAsync);
            var violation = ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single();
            forged.Add((violation.Field, violation.Description));
        }
        var missing = await FieldOf(client, Event(FeedbackKind.Impression, "no-such-article", 1));
        var swapped = await FieldOf(client, Event(FeedbackKind.Click, list.Items[1].Id, 1));
        var honest = await client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { Event(FeedbackKind.Click, list.Items[1].Id, 2) } });
        var stats = (await client.GetStatsAsync(new GetStatsRequest())).Feedback;

        Assert.Equal(10, forged.Count);
        Assert.All(forged, f => Assert.Equal("events[0].article_id", f.Field));
        Assert.All(forged, f => Assert.Contains("was not at position", f.Description));
        Assert.Equal("events[0].article_id", missing);
        Assert.Equal("events[0].article_id", swapped);
        Assert.Equal(1, honest.Recorded);
        Assert.Equal((1, 0), (stats.Clicks, stats.Impressions));
    }

    [Fact]
    public async Task FeedbackFlood_NeitherShutsOutReaders_NorTakesRoomFromArticles()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Embedded:MemorySize"] = "32m",
            ["Recommender:RateLimit:FeedbackRequestsPerSecond"] = "0",
            ["Recommender:Engine:FeedbackDeduplicationCapacity"] = "5000",
            ["Recommender:Engine:MinArticlesToFit"] = "100000",
        }).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var before = (await client.GetStatsAsync(new GetStatsRequest())).StoreMemory.UsedBytes;

        // One anonymous client: 8,000 lists it fetched itself, every impression and click of each (400,000 events), 1,000 a request.
        var flood = 0;
        var batch = new RecordFeedbackRequest();
        foreach (var round in Enumerable.Range(0, 8_000))
        {
            var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = TestData.Samples()[round % 30].Article.Id, Options = new RelatedOptions { Limit = 25 } });
            foreach (var (item, i) in list.Items.Select((item, i) => (item, i)))
            {
                foreach (var kind in new[] { FeedbackKind.Impression, FeedbackKind.Click })
                {
                    batch.Events.Add(new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = kind, ArticleId = item.Id, Position = i + 1 });
                    if (batch.Events.Count == 1_000)
                    {
                        flood += (await client.RecordFeedbackAsync(batch)).Recorded;
                        batch = new RecordFeedbackRequest();
                    }
                }
            }
        }
        var after = (await client.GetStatsAsync(new GetStatsRequest())).StoreMemory;
        var reader = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-001" });
        var beacon = await client.RecordFeedbackAsync(new RecordFeedbackRequest
        {
            Events = { new FeedbackEvent { RecommendationId = reader.RecommendationId, Kind = FeedbackKind.Click, ArticleId = reader.Items[0].Id, Position = 1 } },
        });
        var article = await client.UpsertArticlesAsync(TestData.Upsert(new Core.Articles.Article("after-the-flood", "After the flood", "An article written after the feedback flood.")));

        Assert.True(flood >= 390_000, $"{flood} flood events counted");
        Assert.Equal(1, beacon.Recorded);
        Assert.Equal(1, article.Created);
        // 5,000 remembered events and the counters: well under a MB, whatever the flood sent.
        Assert.True(after.UsedBytes - before < 4_000_000, $"the flood took {(after.UsedBytes - before) / 1e6:F1} MB of the store");
    }

    [Fact]
    public async Task Feedback_HasARateLimitOfItsOwn()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:RateLimit:FeedbackRequestsPerSecond"] = "1",
            ["Recommender:RateLimit:FeedbackBurst"] = "3",
        }).StartAsync();
        await TestData.ImportAsync(host.Client, TestData.Samples());
        var list = await host.Client.PreviewRelatedAsync(new PreviewRelatedRequest { Title = "Cup final", Body = "A football match." });

        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 10; i++)
        {
            outcomes.Add(await CodeOf(() => host.Client.RecordFeedbackAsync(new RecordFeedbackRequest
            {
                Events = { new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = list.Items[0].Id, Position = 1 } },
            }).ResponseAsync));
        }
        var reads = await CodeOf(() => host.Client.GetStatsAsync(new GetStatsRequest()).ResponseAsync);

        Assert.InRange(outcomes.Count(c => c == StatusCode.OK), 3, 5);
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.Equal(StatusCode.OK, reads); // other rpcs are not limited by default
    }

    [Fact]
    public async Task HttpResponses_CarrySecurityHeaders_AndOtherHostNamesAreRefused()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        using var http = host.CreateClient();

        var page = await http.GetAsync("/preview");
        var json = await http.GetAsync("/v1/stats");
        var rebound = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/stats") { Headers = { Host = "attacker.example" } });
        var loopbackWithPort = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/stats") { Headers = { Host = "127.0.0.1:8080" } });

        foreach (var response in new[] { page, json })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
        Assert.Equal(HttpStatusCode.BadRequest, rebound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, loopbackWithPort.StatusCode);
    }

    [Fact]
    public async Task AllowedHosts_AreConfigurable_BesideTheLoopbackNames()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Http:AllowedHosts:0"] = "recommender.example.com",
        }).StartAsync();
        using var http = host.CreateClient();
        var named = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/stats") { Headers = { Host = "recommender.example.com" } });
        var loopback = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/stats") { Headers = { Host = "localhost" } });
        var other = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/stats") { Headers = { Host = "recommender.example.org" } });


        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal(HttpStatusCode.OK, loopback.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
    }

    [Fact]
    public async Task EmbeddedStorePort_NeedsThePasswordMadeAtStart()
    {
        var port = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        port.Start();
        var number = ((IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Embedded:Port"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).StartAsync();

        // A raw client, as another local user or a rebinding page would be: no password, one command.
        using var intruder = new System.Net.Sockets.TcpClient();
        await intruder.ConnectAsync(IPAddress.Loopback, number);
        var stream = intruder.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("*2\r\n$5\r\nZCARD\r\n$15\r\ndefault:catalog\r\n"));
        var buffer = new byte[256];
        var reply = Encoding.ASCII.GetString(buffer, 0, await stream.ReadAsync(buffer));

        Assert.StartsWith("-NOAUTH", reply);
        Assert.NotNull(await host.Client.GetStatsAsync(new GetStatsRequest())); // the service itself gets in
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("  JavaScript:alert(document.cookie)")]
    [InlineData("data:text/html;base64,PHNjcmlwdD4=")]
    [InlineData("vbscript:msgbox")]
    [InlineData("file:///etc/passwd")]
    public async Task Links_OtherThanHttp_AreRefusedNamingTheField(string url)
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var request = WithNamespace("");
        request.Articles[0].Url = url;

        var refused = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertArticlesAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("articles[0].url", refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field);
    }

    [Theory]
    [InlineData("https://news.example.com/sport/1")]
    [InlineData("HTTP://news.example.com/a")]
    [InlineData("/sport/2026/cup-final?ref=a:b")]
    [InlineData("")]
    public async Task Links_OverHttp_OrPathsOnTheSite_AreKept(string url)
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var request = WithNamespace("");
        request.Articles[0].Url = url;

        var stored = await host.Client.UpsertArticlesAsync(request);

        Assert.Equal(1, stored.Created);
    }

    [Theory]
    [InlineData("/v1/related", """{"id":"x","options":{"limit":"many"}}""", "options.limit")]
    [InlineData("/v1/articles", """{"articles":[{"id":"x","title":"t","body":"b","published":"yesterday"}]}""", "articles[0].published")]
    [InlineData("/v1/related", """{"id":"x","options":{"includeSection":["sport"]}}""", "options.includeSection")]
    [InlineData("/v1/related", """{"id":"x","options":{"freshnessHalfLife":"a week"}}""", "options.freshnessHalfLife")]
    [InlineData("/v1/related", """{"id":"x","options":{"freshness_half_life":"a week"}}""", "options.freshness_half_life")]
    [InlineData("/v1/related", """{"id":""", "body")]
    [InlineData("/v1/rules", """{"action":"RULE_ACTION_SMASH"}""", "rule.action")]
    [InlineData("/v1/feedback", """{"events":{"kind":"FEEDBACK_KIND_CLICK"}}""", "events")]
    public async Task JsonErrors_NameTheirField(string route, string body, string field)
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        using var http = host.CreateClient();

        var response = await http.PostAsync(route, new StringContent(body, Encoding.UTF8, "application/json"));
        var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(3, error.GetProperty("code").GetInt32());
        Assert.Equal(field, error.GetProperty("details")[0].GetProperty("fieldViolations")[0].GetProperty("field").GetString());
    }

    private static UpsertArticlesRequest WithNamespace(string ns)
    {
        var request = TestData.Upsert(TestData.Samples()[0].Article);
        request.Namespace = ns;
        return request;
    }

    private static async Task<StatusCode> CodeOf(Func<Task> call)
    {
        try
        {
            await call();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static async Task<string> FieldOf(RecommenderService.RecommenderServiceClient client, FeedbackEvent e, string ns = "")
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => client.RecordFeedbackAsync(new RecordFeedbackRequest { Events = { e }, Namespace = ns }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        return ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations[0].Field;
    }
}
