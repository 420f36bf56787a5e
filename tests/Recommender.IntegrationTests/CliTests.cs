using System.Text.Json;
using System.Text.Json.Nodes;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>The editors' CLI as a separate process against the real server on loopback Kestrel.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private ServiceHost _host = null!;

    private Uri Server => _host.Address!;

    public async Task InitializeAsync() => _host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, httpPort: true).StartAsync();

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(Server, null, args);

    private async Task ImportSamplesAsync()
    {
        var import = await Run("import", TestData.SamplesPath);
        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Contains("Imported 30 articles", import.Stdout);
    }

    /// <summary>
    /// A dns:/// address is resolved and its addresses balanced round robin (here localhost, whose
    /// addresses all reach the one server); an address of another scheme is refused by name.
    /// </summary>
    [Fact]
    public async Task Server_AsADnsTarget_IsReachedThroughTheResolver_AndOtherSchemesAreRefused()
    {
        await ImportSamplesAsync();

        var stats = await CliProcess.RunAsync(new Uri($"dns:///localhost:{Server.Port}"), null, "stats", "--json");
        var refused = await CliProcess.RunAsync(new Uri($"tcp://localhost:{Server.Port}"), null, "stats");

        Assert.True(stats.ExitCode == 0, stats.Stderr);
        Assert.Equal(30, JsonDocument.Parse(stats.Stdout).RootElement.GetProperty("corpus").GetProperty("articles").GetInt32());
        Assert.Equal(2, refused.ExitCode); // usage
        Assert.Contains("is not an http://, https:// or dns:/// address", refused.Stderr);
    }

    [Fact]
    public async Task UnknownFlags_AreRefused_NamingTheFlagAndTheNearestOne_AndNothingIsWritten()
    {
        var typo = await Run("import", TestData.SamplesPath, "--namepsace", "site-b", "--no-wait");
        var unknown = await Run("stats", "--colour");
        var help = await Run("--help");
        var stats = await _host.Client.GetStatsAsync(new GetStatsRequest());

        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("Unknown option 'namepsace'; did you mean --namespace?", typo.Stderr);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("colour", unknown.Stderr);
        Assert.Equal(0, stats.Corpus.Articles);
        Assert.Contains("Exit codes: 0 done; 1 failed otherwise; 2 usage", help.Stdout);
    }

    [Fact]
    public async Task Times_FollowOneRule_OnTheCommandLineAndInImportFiles()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            JsonSerializer.Serialize(new { id = "a", title = "A", body = "Body a.", published = "2026-11-01T10:00:00Z" }),
            JsonSerializer.Serialize(new { id = "b", title = "B", body = "Body b.", published = "2026-11-01 10:00:00" }),
            JsonSerializer.Serialize(new { id = "c", title = "C", body = "Body c.", published = "01/11/2026" }),
        ]);

        var import = await Run("import", file, "--no-wait");
        var slashes = await Run("related", "a", "--published-after", "01/11/2026");
        var noZone = await Run("articles", "list", "--updated-after", "2026-12-01 08:00");
        var rule = await Run("rules", "block", "a", "--until", "24/12/2026");

        Assert.Equal(3, import.ExitCode);
        Assert.Contains("line 2: published '2026-11-01 10:00:00' has no time zone: write 2026-11-01T10:00:00Z", import.Stderr);
        Assert.Contains("line 3: published '01/11/2026' is not taken: a date with slashes could be read day first or month first", import.Stderr);
        Assert.Equal(2, slashes.ExitCode);
        Assert.Contains("--published-after '01/11/2026'", slashes.Stderr);
        Assert.Equal(2, noZone.ExitCode);
        Assert.Contains("write 2026-12-01T08:00:00Z", noZone.Stderr);
        Assert.Equal(2, rule.ExitCode);
        Assert.Equal(0, (await _host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);
    }

    /// <summary>400 articles of 80,000 characters (32 MB) at the default batch size: over Kestrel's default body limit.</summary>
    [Fact]
    public async Task Import_OfLongArticles_AtTheDefaultBatchSize_Arrives()
    {
        var random = new Random(11);
        var words = Enumerable.Range(0, 400).Select(_ => new string(Enumerable.Range(0, random.Next(4, 9)).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 400).Select(n =>
        {
            var body = new System.Text.StringBuilder();
            while (body.Length < 80_000)
            {
                body.Append(words[random.Next(words.Length)]).Append(' ');
            }
            return JsonSerializer.Serialize(new { id = $"long-{n}", title = $"Long read {n}", body = body.ToString() });
        }));

        var import = await Run("import", file, "--no-wait", "--json");

        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Equal(400, JsonDocument.Parse(import.Stdout).RootElement.GetProperty("created").GetInt32());
    }

    [Fact]
    public void Batches_AreCutByBytesAsWellAsByCount()
    {
        var articles = Enumerable.Range(0, 10).Select(n => new Article { Id = $"a-{n}", Title = "t", Body = new string('x', 1_000) }).ToList();

        var byBytes = Recommender.Cli.Commands.ArticleUpload.Batches(articles, maxCount: 500, maxBytes: 3_500).Select(b => b.Count).ToList();
        var byCount = Recommender.Cli.Commands.ArticleUpload.Batches(articles, maxCount: 4, maxBytes: 1 << 20).Select(b => b.Count).ToList();
        var oversized = Recommender.Cli.Commands.ArticleUpload.Batches(articles, maxCount: 500, maxBytes: 10).Select(b => b.Count).ToList();

        Assert.Equal([3, 3, 3, 1], byBytes);
        Assert.Equal([4, 4, 2], byCount);
        Assert.Equal(Enumerable.Repeat(1, 10), oversized); // an article larger than the limit goes alone
    }

    [Fact]
    public async Task Import_ThenStats_ReportsTheCorpusAndAFittedModel()
    {
        var import = await Run("import", TestData.SamplesPath, "--batch-size", "7", "--json");
        Assert.True(import.ExitCode == 0, import.Stderr);
        var summary = JsonDocument.Parse(import.Stdout).RootElement;
        Assert.Equal(30, summary.GetProperty("created").GetInt32());
        Assert.False(summary.GetProperty("refitPending").GetBoolean());

        var stats = await Run("stats", "--json");

        var json = JsonDocument.Parse(stats.Stdout).RootElement;
        Assert.Equal(30, json.GetProperty("corpus").GetProperty("articles").GetInt32());
        Assert.DoesNotMatch("^default-", json.GetProperty("model").GetProperty("version").GetString()!);
        Assert.Equal(summary.GetProperty("modelVersion").GetString(), json.GetProperty("model").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Import_BadLines_ReportsEachLineNumberAndSendsNothing()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            """{"id":"ok-1","title":"Fine","body":"Fine body"}""",
            """{"id":"no-title","body":"Body"}""",
            "{broken",
            """{"id":"ok-2","title":"Fine","body":"Fine body","published":"not a date"}""",
        ]);

        var result = await Run("import", file);

        Assert.Equal(3, result.ExitCode); // invalid input
        Assert.Contains("line 2: title is required", result.Stderr);
        Assert.Contains("line 3: is not valid JSON", result.Stderr);
        Assert.Contains("line 4: published 'not a date' is not an RFC 3339 time", result.Stderr);
        Assert.Contains("nothing was imported", result.Stderr);
        var stats = JsonDocument.Parse((await Run("stats", "--json")).Stdout).RootElement;
        Assert.Equal(0, stats.GetProperty("corpus").GetProperty("articles").GetInt32());
    }

    [Fact]
    public async Task Related_PrintsAYouMayAlsoLikeBlock_AndJson()
    {
        await ImportSamplesAsync();

        var text = await Run("related", "culture-002", "--limit", "3");
        var json = await Run("related", "culture-002", "--limit", "3", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith("You may also like", text.Stdout);
        var related = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("items");
        Assert.Equal(3, related.GetArrayLength());
        var first = related[0];
        Assert.Contains(first.GetProperty("title").GetString()!, text.Stdout);
        Assert.Contains(first.GetProperty("section").GetString()!, text.Stdout);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT", first.GetProperty("published").GetString()!);
    }

    [Fact]
    public async Task Related_Explain_ShowsWhyInTextAndJson()
    {
        await ImportSamplesAsync();

        var text = await Run("related", "tech-003", "--limit", "2", "--explain");
        var json = await Run("related", "tech-003", "--limit", "2", "--explain", "--json");

        Assert.Equal(2, text.Stdout.Split('\n').Count(l => l.TrimStart().StartsWith("why:", StringComparison.Ordinal)));
        var why = JsonDocument.Parse(json.Stdout).RootElement.GetProperty("items")[0].GetProperty("why");
        Assert.True(why.GetProperty("terms").GetArrayLength() > 0);
        Assert.True(why.GetProperty("similarity").GetDouble() > 0);
    }

    [Fact]
    public async Task Rules_PinBlockListRemove_ShowInRelatedWithTheirWhy()
    {
        await ImportSamplesAsync();
        var before = JsonDocument.Parse((await Run("related", "tech-003", "--json")).Stdout).RootElement.GetProperty("items");
        var shown = before.EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        var pinned = new[] { "sport-004", "sport-005", "culture-002" }.First(id => !shown.Contains(id));

        var pin = await Run("rules", "pin", pinned, "--into", "tech-003", "--position", "1", "--for", "2d", "--note", "editor's pick", "--json");
        var block = await Run("rules", "block", shown[0]!, "--in-list-of", "tech-003");
        var badPin = await Run("rules", "pin", pinned);
        var list = await Run("rules", "list", "--json");
        var after = JsonDocument.Parse((await Run("related", "tech-003", "--explain", "--json")).Stdout).RootElement;
        var pinId = JsonDocument.Parse(pin.Stdout).RootElement.GetProperty("id").GetString()!;
        var removed = await Run("rules", "rm", pinId);
        var missing = await Run("rules", "rm", pinId);
        var text = await Run("rules", "list");

        Assert.True(pin.ExitCode == 0, pin.Stderr);
        Assert.Contains($"block article {shown[0]} in the list of tech-003", block.Stdout);
        Assert.Equal(3, badPin.ExitCode); // a field the service refused
        Assert.Contains("rule.in_list_of", badPin.Stderr);
        Assert.Equal(2, JsonDocument.Parse(list.Stdout).RootElement.GetProperty("rules").GetArrayLength());
        var first = after.GetProperty("items")[0];
        Assert.Equal(pinned, first.GetProperty("id").GetString());
        Assert.Equal($"pinned at position 1 by rule {pinId}", first.GetProperty("why").GetProperty("editorialRule").GetString());
        Assert.DoesNotContain(shown[0], after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Matches($"^[A-Za-z0-9_-]{{{TestData.RecommendationIdLength(after.GetProperty("items").GetArrayLength())}}}$", after.GetProperty("recommendationId").GetString()!);
        Assert.True(removed.ExitCode == 0, removed.Stderr);
        Assert.Equal(4, missing.ExitCode); // not found
        Assert.Contains("NotFound", missing.Stderr);
        Assert.DoesNotContain(pinId, text.Stdout);
    }

    [Fact]
    public async Task Stats_ShowsClickThroughByPositionAndSection()
    {
        await ImportSamplesAsync();
        var client = _host.Client;
        var list = await client.GetRelatedAsync(new GetRelatedRequest { Id = "sport-002", Options = new RelatedOptions { Limit = 2 } });
        await client.RecordFeedbackAsync(new RecordFeedbackRequest
        {
            Events =
            {
                new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = list.Items[0].Id, Position = 1 },
                new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Impression, ArticleId = list.Items[1].Id, Position = 2 },
                new FeedbackEvent { RecommendationId = list.RecommendationId, Kind = FeedbackKind.Click, ArticleId = list.Items[0].Id, Position = 1 },
            },
        });

        var text = await Run("stats");
        var json = JsonDocument.Parse((await Run("stats", "--json")).Stdout).RootElement.GetProperty("feedback");

        Assert.Contains("1 clicks / 2 impressions = 50.0%", text.Stdout);
        Assert.Equal(2, json.GetProperty("impressions").GetInt64());
        var position1 = json.GetProperty("byPosition")[0];
        Assert.Equal(("1", 1.0), (position1.GetProperty("key").GetString(), position1.GetProperty("clickThroughRate").GetDouble()));
        Assert.Contains(json.GetProperty("bySection").EnumerateArray(), s => s.GetProperty("key").GetString() == list.Items[0].Section && s.GetProperty("clicks").GetInt64() == 1);
    }

    [Fact]
    public async Task Related_IdsFile_PrintsOneJsonObjectPerIdInOrder()
    {
        await ImportSamplesAsync();
        var ids = Path.GetTempFileName();
        await File.WriteAllLinesAsync(ids, ["tech-001", "", "sport-002", "missing-id"]);

        var result = await Run("related", "--ids-file", ids, "--limit", "4", "--json");

        Assert.Equal(4, result.ExitCode); // one id was not found
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["tech-001", "sport-002", "missing-id"], lines.Select(l => l.GetProperty("id").GetString()!).ToArray());
        var item = lines[0].GetProperty("items")[0];
        Assert.Equal(4, lines[0].GetProperty("items").GetArrayLength());
        Assert.True(item.GetProperty("score").GetDouble() > 0);
        Assert.False(string.IsNullOrEmpty(item.GetProperty("title").GetString()));
        Assert.Equal(5, lines[2].GetProperty("code").GetInt32()); // NOT_FOUND, as the JSON routes' errors say it
        Assert.Contains("missing-id", lines[2].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Preview_DraftFromStdinOrFile_ListsRelatedStoredArticles()
    {
        await ImportSamplesAsync();
        const string body = "The central bank left interest rates unchanged and said inflation was still above target. Mortgage costs stay high.";
        var bodyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(bodyFile, body);

        var fromStdin = await CliProcess.RunAsync(Server, body, "preview", "--title", "Rates on hold again", "--json");
        var fromFile = await Run("preview", "--title", "Rates on hold again", "--body-file", bodyFile, "--json");

        Assert.True(fromStdin.ExitCode == 0, fromStdin.Stderr);
        var related = JsonDocument.Parse(fromFile.Stdout).RootElement.GetProperty("items");
        Assert.Equal(related.ToString(), JsonDocument.Parse(fromStdin.Stdout).RootElement.GetProperty("items").ToString());
        Assert.Equal("business-002", related[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Retrain_AndDelete_ChangeWhatStatsReports()
    {
        await ImportSamplesAsync();
        var before = JsonDocument.Parse((await Run("stats", "--json")).Stdout).RootElement.GetProperty("model").GetProperty("version").GetString();

        var retrain = await Run("retrain", "--json");
        var delete = await Run("delete", "tech-001", "tech-002", "--json");
        var stats = JsonDocument.Parse((await Run("stats", "--json")).Stdout).RootElement;

        Assert.True(retrain.ExitCode == 0, retrain.Stderr);
        var retrained = JsonDocument.Parse(retrain.Stdout).RootElement.GetProperty("model").GetProperty("version").GetString();
        Assert.NotEqual(before, retrained);
        Assert.Equal(2, JsonDocument.Parse(delete.Stdout).RootElement.GetProperty("deleted").GetInt32());
        Assert.Equal(28, stats.GetProperty("corpus").GetProperty("articles").GetInt32());
        Assert.Equal(retrained, stats.GetProperty("model").GetProperty("version").GetString());
    }

    [Fact]
    public async Task Eval_ScoresEachCorpusInAFreshNamespace_AgreesWithTheReferenceScorer_AndDeletesThem()
    {
        var lists = Directory.CreateTempSubdirectory("eval-lists-").FullName;
        var english = TestData.SamplesPath;
        // A second corpus: the samples again under other ids, without their language field.
        var second = Path.Combine(lists, "second.jsonl");
        await File.WriteAllLinesAsync(second, File.ReadLines(english).Select(line =>
        {
            var article = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
            article["id"] = "copy-" + article["id"]!.GetValue<string>();
            article.Remove("language");
            return article.ToJsonString();
        }));

        var result = await Run("eval", english, second, "--limit", "5", "--json", "--write-lists", lists, "--histories");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var report = JsonDocument.Parse(result.Stdout).RootElement;
        var corpora = report.GetProperty("corpora").EnumerateArray().ToList();
        Assert.Equal(["articles.jsonl", "second.jsonl"], corpora.Select(c => c.GetProperty("corpus").GetString()));
        foreach (var corpus in corpora)
        {
            Assert.Equal(30, corpus.GetProperty("queries").GetInt32());
            Assert.Equal(30, corpus.GetProperty("articles").GetInt32());
            Assert.InRange(corpus.GetProperty("P@5").GetDouble(), 0.3, 1.0);
            Assert.Equal(0, corpus.GetProperty("dup@5").GetDouble());
            Assert.StartsWith("eval-", corpus.GetProperty("namespace").GetString());
            // Lists for several articles: 1, 3 and 5 of one label and 2 + 2 of two, each strategy.
            var histories = corpus.GetProperty("histories").EnumerateArray().ToList();
            Assert.Equal(["centroid", "centroid", "centroid", "centroid", "fusion", "fusion", "fusion", "fusion"], histories.Select(h => h.GetProperty("strategy").GetString()));
            Assert.All(histories, h => Assert.Equal(30, h.GetProperty("lists").GetInt32()));
            // Six articles a label: a history of k leaves 6 - k to find, P@10 at most (6 - k) / 10.
            foreach (var offset in new[] { 0, 4 })
            {
                Assert.InRange(histories[offset].GetProperty("pAt10").GetDouble(), 0.3, 0.5);
                Assert.InRange(histories[offset + 1].GetProperty("pAt10").GetDouble(), 0.2, 0.3);
                Assert.InRange(histories[offset + 2].GetProperty("pAt10").GetDouble(), 0.05, 0.1);
                Assert.InRange(histories[offset + 3].GetProperty("pAt10").GetDouble(), 0.3, 0.8);
            }
            var mixed = histories[3];
            Assert.Equal(mixed.GetProperty("pAt10").GetDouble(), mixed.GetProperty("shareA").GetDouble() + mixed.GetProperty("shareB").GetDouble(), tolerance: 3 * PrintedPrecision); // three figures, each rounded
        }
        Assert.Equal((corpora[0].GetProperty("P@10").GetDouble() + corpora[1].GetProperty("P@10").GetDouble()) / 2,
            report.GetProperty("mean").GetProperty("P@10").GetDouble(), tolerance: 2 * PrintedPrecision); // a mean of rounded figures, rounded

        // The lists it wrote, scored by shared/tools/score.py, give the figures it printed.
        var reference = ReferenceScorer.Score(english, Path.Combine(lists, "articles.lists.jsonl"));
        foreach (var metric in new[] { "P@5", "P@10", "nDCG@10", "dup@5" })
        {
            Assert.Equal(reference.GetProperty(metric).GetDouble(), corpora[0].GetProperty(metric).GetDouble(), tolerance: PrintedPrecision);
        }

        // The evaluation namespaces are gone afterwards, and the default namespace was never touched.
        foreach (var corpus in corpora)
        {
            var evalStats = await Run("stats", "--namespace", corpus.GetProperty("namespace").GetString()!, "--json");
            Assert.Equal(4, evalStats.ExitCode); // the namespace is gone: NotFound
            Assert.Contains("NotFound", evalStats.Stderr);
        }
        var stats = JsonDocument.Parse((await Run("stats", "--json")).Stdout).RootElement;
        Assert.Equal(0, stats.GetProperty("corpus").GetProperty("articles").GetInt32());
    }

    /// <summary>
    /// How far a figure eval prints (rounded to 4 decimals) may be from the exact one: half a unit of
    /// its last digit, and a hair for the doubles. Rounding both to 3 decimals instead fails on a tie
    /// such as 0.3925 against 0.39254.
    /// </summary>
    private const double PrintedPrecision = 0.00006;

    [Fact]
    public async Task Eval_WithShort_AlsoScoresEachCorpussShortStandIn_AsTheSharedToolMakesIt()
    {
        var lists = Directory.CreateTempSubdirectory("eval-short-").FullName;
        var result = await Run("eval", TestData.SamplesPath, "--short", "--json", "--write-lists", lists);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var corpora = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("corpora").EnumerateArray().ToList();
        Assert.Equal(["articles.jsonl", "articles.jsonl (short)"], corpora.Select(c => c.GetProperty("corpus").GetString()));
        Assert.All(corpora, c => Assert.Equal(30, c.GetProperty("queries").GetInt32()));

        // Its short lists, scored by shared/tools/score.py against the stand-in shared/tools/short-standin.py makes, give the figures it printed.
        var standIn = Path.Combine(lists, "standin.jsonl");
        var tool = System.Diagnostics.Process.Start("python3", [Path.Combine(TestData.SharedPath, "tools", "short-standin.py"), TestData.SamplesPath, standIn]);
        await tool.WaitForExitAsync();
        Assert.Equal(0, tool.ExitCode);
        var reference = ReferenceScorer.Score(standIn, Path.Combine(lists, "articles.short.lists.jsonl"));
        foreach (var metric in new[] { "P@5", "P@10", "nDCG@10", "dup@5" })
        {
            Assert.Equal(reference.GetProperty(metric).GetDouble(), corpora[1].GetProperty(metric).GetDouble(), tolerance: PrintedPrecision);
        }
    }

    [Fact]
    public async Task Eval_WithANamespaceAndTwoCorpora_IsRefused()
    {
        var result = await Run("eval", TestData.SamplesPath, TestData.SamplesPath, "--namespace", "mine");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("takes one corpus file", result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Bench_ImportsSyntheticArticles_DrivesTheRpc_AndReportsFiguresAsJson()
    {
        var corpusFile = Path.GetTempFileName();
        var result = await Run("bench", "--articles", "60", "--concurrency", "2", "--duration", "1", "--upserts-per-second", "2", "--json", "--write-corpus", corpusFile);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var figures = JsonDocument.Parse(result.Stdout).RootElement;
        foreach (var key in new[] { "articles", "concurrency", "requestsPerSecond", "p50Ms", "p95Ms", "p99Ms", "maxMs", "errors", "ingestArticlesPerSecond" })
        {
            Assert.True(figures.TryGetProperty(key, out _), key);
        }
        Assert.Equal(60, figures.GetProperty("articles").GetInt32());
        Assert.Equal(0, figures.GetProperty("errors").GetInt32());
        Assert.True(figures.GetProperty("requests").GetInt32() > 0);
        Assert.True(figures.GetProperty("p50Ms").GetDouble() <= figures.GetProperty("p99Ms").GetDouble());
        Assert.Equal(60, File.ReadLines(corpusFile).Count());
        // The fresh namespace was deleted afterwards.
        var ns = figures.GetProperty("namespace").GetString()!;
        var stats = await Run("stats", "--namespace", ns, "--json");
        Assert.Equal(4, stats.ExitCode);
        Assert.Contains("NotFound", stats.Stderr);
    }

    [Fact]
    public void SyntheticCorpus_IsDeterministic_Labelled_AndHoldsNearDuplicates()
    {
        var first = Recommender.Core.Evaluation.SyntheticCorpus.Generate(2_000, seed: 7).ToList();
        var again = Recommender.Core.Evaluation.SyntheticCorpus.Generate(2_000, seed: 7).ToList();
        var other = Recommender.Core.Evaluation.SyntheticCorpus.Generate(2_000, seed: 8).ToList();

        Assert.Equal(first.Select(a => Core.Articles.ContentHash.OfRecord(a.Article)), again.Select(a => Core.Articles.ContentHash.OfRecord(a.Article)));
        Assert.NotEqual(first[0].Article.Body, other[0].Article.Body);
        Assert.All(first, a => Assert.StartsWith("topic-", Assert.Single(a.Labels)));
        var signatures = first.Select(a => Core.Articles.MinHash.Of(a.Article.Body)).ToList();
        var nearDuplicates = first.Skip(1).Where((a, i) => signatures.Take(i + 1).Any(s => Core.Articles.MinHash.Similarity(s, signatures[i + 1]) >= 0.8)).Count();
        Assert.InRange(nearDuplicates, 20, 120); // about 3% re-published
    }

    [Fact]
    public async Task Errors_AreOneLineWithoutStackTraces()
    {
        await ImportSamplesAsync();

        var notFound = await Run("related", "nope");
        var invalid = await Run("related", "tech-001", "--limit", "99");
        var unreachable = await CliProcess.RunAsync(new Uri("http://127.0.0.1:1"), null, "stats");

        Assert.Equal((4, "error: NotFound: Article 'nope' is not stored."), (notFound.ExitCode, notFound.Stderr.Trim()));
        Assert.Equal(3, invalid.ExitCode);
        Assert.Contains("options.limit", invalid.Stderr);
        Assert.Equal(5, unreachable.ExitCode);
        Assert.Contains("cannot reach the service at http://127.0.0.1:1", unreachable.Stderr);
        Assert.DoesNotContain("   at ", notFound.Stderr + invalid.Stderr + unreachable.Stderr);
    }

    [Fact]
    public async Task ImportPrune_ReconcilesTheNamespaceWithTheFile_AfterADryRunThatWritesNothing()
    {
        await ImportSamplesAsync();
        var samples = TestData.Samples();
        var kept = samples.Take(20).ToList();
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file, kept.Select(l => JsonSerializer.Serialize(new { id = l.Article.Id, title = l.Article.Title, body = l.Article.Body, section = l.Article.Section })));

        var dry = await Run("import", file, "--prune", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        var wouldPrune = JsonDocument.Parse(dry.Stdout).RootElement.GetProperty("wouldPrune").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(samples.Skip(20).Select(l => l.Article.Id).Order(StringComparer.Ordinal), wouldPrune.Order(StringComparer.Ordinal));
        Assert.Equal(30, (await _host.Client.GetStatsAsync(new GetStatsRequest())).Corpus.Articles);

        var prune = await Run("import", file, "--prune", "--no-wait", "--json");
        Assert.True(prune.ExitCode == 0, prune.Stderr);
        Assert.Equal(10, JsonDocument.Parse(prune.Stdout).RootElement.GetProperty("pruned").GetInt32());

        var list = await Run("articles", "list");
        Assert.True(list.ExitCode == 0, list.Stderr);
        var listed = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToList();
        Assert.Equal(kept.Select(l => l.Article.Id).Order(StringComparer.Ordinal), listed.Select(f => f[0]));
        Assert.All(listed, f => Assert.True(DateTimeOffset.TryParse(f[1], out _), string.Join(" ", f)));

        var get = await Run("articles", "get", kept[0].Article.Id, "--json");
        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Equal(kept[0].Article.Body, JsonDocument.Parse(get.Stdout).RootElement.GetProperty("article").GetProperty("body").GetString());
        var missing = await Run("articles", "get", samples[29].Article.Id);
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("not stored", missing.Stderr);
    }

    /// <summary>--json prints what the JSON route answers: the same names, shapes and values.</summary>
    [Fact]
    public async Task Json_IsTheApisJson_ForAListAStoredArticleAndAPage()
    {
        await ImportSamplesAsync();
        using var http = new HttpClient { BaseAddress = _host.HttpAddress };

        var cliList = JsonNode.Parse((await Run("related", "tech-003", "--limit", "3", "--explain", "--json")).Stdout)!.AsObject();
        var apiList = JsonNode.Parse(await http.GetStringAsync("/v1/related?id=tech-003&limit=3&explain=true"))!.AsObject();
        var cliArticle = JsonNode.Parse((await Run("articles", "get", "tech-003", "--json")).Stdout);
        var apiArticle = JsonNode.Parse(await http.GetStringAsync("/v1/articles/tech-003"));
        var cliIds = (await Run("articles", "list", "--json")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l));
        var apiIds = JsonNode.Parse(await http.GetStringAsync("/v1/articles?pageSize=1000"))!["articles"]!.AsArray();

        // Each answer has an id of its own; the rest is the same list.
        Assert.NotEqual(cliList["recommendationId"]!.GetValue<string>(), apiList["recommendationId"]!.GetValue<string>());
        cliList.Remove("recommendationId");
        apiList.Remove("recommendationId");
        Assert.True(JsonNode.DeepEquals(apiList, cliList), $"API {apiList}\nCLI {cliList}");
        Assert.True(JsonNode.DeepEquals(apiArticle, cliArticle), $"API {apiArticle}\nCLI {cliArticle}");
        Assert.Equal(30, apiIds.Count);
        Assert.True(apiIds.Zip(cliIds).All(p => JsonNode.DeepEquals(p.First, p.Second)));
    }

    [Fact]
    public async Task Watch_PrintsChangesAsTheyHappen()
    {
        using var watch = CliProcess.Start(Server, "watch", "--json");
        await watch.WaitForStderrAsync("Watching");
        var article = TestData.Samples()[0].Article;
        await _host.Client.UpsertArticlesAsync(TestData.Upsert(article));
        await _host.Client.DeleteArticlesAsync(new DeleteArticlesRequest { Ids = { article.Id } });

        await watch.WaitForStdoutLinesAsync(2);
        var events = watch.Stdout.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(["CHANGE_KIND_ARTICLES_WRITTEN", "CHANGE_KIND_ARTICLES_DELETED"], events.Select(e => e.GetProperty("kind").GetString()));
        Assert.All(events, e => Assert.Equal(article.Id, e.GetProperty("ids")[0].GetString()));
    }
}
