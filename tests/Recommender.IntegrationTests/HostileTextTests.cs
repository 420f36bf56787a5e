using System.Net;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;
using DomainArticle = Recommender.Core.Articles.Article;

namespace Recommender.IntegrationTests;

/// <summary>
/// Text that hides what it is: zero-width and bidi characters in what is matched (sections, tags),
/// bidi controls in links, lone surrogates in JSON, stray controls inside running text; and what
/// /readyz tells an anonymous caller when reads are protected.
/// </summary>
public sealed class HostileTextTests
{
    [Fact]
    public async Task ZeroWidthAndBidiCharacters_InSectionsAndTags_DoNotEscapeFiltersOrRules()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();
        var client = host.Client;
        await TestData.ImportAsync(client, TestData.Samples());
        var sport = TestData.Samples().First(s => s.Article.Section == "sport").Article;
        // Half of a sport article: near it, but not a copy (copies of the query are never listed).
        var words = sport.Body.Split(' ');
        var disguised = new DomainArticle("disguised", sport.Title + " again", string.Join(' ', words.Take(words.Length / 2)), Section: "sport\u200B", Tags: ["\u202Efootball"]);
        await client.UpsertArticlesAsync(TestData.Upsert(disguised));

        var stored = (await client.GetArticleAsync(new GetArticleRequest { Id = "disguised" })).Article;
        var filtered = await client.GetRelatedAsync(new GetRelatedRequest { Id = sport.Id, Options = new RelatedOptions { Limit = 10, IncludeSections = { "sport\u2060" } } });
        var rule = await client.AddRuleAsync(new AddRuleRequest { Rule = new EditorialRule { Action = RuleAction.Block, Section = "\u200Bsport" } });
        var blocked = await client.GetRelatedAsync(new GetRelatedRequest { Id = TestData.Samples().First(s => s.Article.Section != "sport").Article.Id, Options = new RelatedOptions { Limit = 29 } });

        Assert.Equal("sport", stored.Section);
        Assert.Equal(["football"], stored.Tags);
        Assert.Contains(filtered.Items, i => i.Id == "disguised"); // its near copy is the nearest sport article
        Assert.All(filtered.Items, i => Assert.Equal("sport", i.Section));
        Assert.Equal("sport", rule.Section);
        Assert.DoesNotContain(blocked.Items, i => i.Section == "sport");
    }

    [Fact]
    public async Task Links_WithBidiControls_AreRefusedNamingTheField()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded()).StartAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => host.Client.UpsertArticlesAsync(TestData.Upsert(
            new DomainArticle("a", "A title", "A body.", Url: "https://example.com/\u202Egnp.exe"))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        var violation = ex.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single();
        Assert.Equal("articles[0].url", violation.Field);
        Assert.Contains("U+202E", violation.Description);
    }

    [Fact]
    public async Task StrayControlCharacters_InRunningText_AreRemoved_OverTheApiAndTheImport()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true).StartAsync();
        await host.Client.UpsertArticlesAsync(TestData.Upsert(new DomainArticle("api", "A title\u007f", "A body\u0000 with a DEL\u007f and lines\nkept.")));
        var file = Path.GetTempFileName();
        await File.WriteAllLinesAsync(file,
        [
            JsonSerializer.Serialize(new { id = "cli", title = "Imported", body = "Exported by a CMS\u007f with noise\u0008 in it." }),
            JsonSerializer.Serialize(new { id = "cli-2", title = "Second", body = "Clean text." }),
        ]);

        var import = await CliProcess.RunAsync(host.Address!, null, "import", file, "--no-wait");
        var api = (await host.Client.GetArticleAsync(new GetArticleRequest { Id = "api" })).Article;
        var cli = (await host.Client.GetArticleAsync(new GetArticleRequest { Id = "cli" })).Article;

        Assert.True(import.ExitCode == 0, import.Stderr);
        Assert.Equal(("A title", "A body with a DEL and lines\nkept."), (api.Title, api.Body));
        Assert.Equal("Exported by a CMS with noise in it.", cli.Body);
    }

    [Fact]
    public async Task LoneSurrogates_InJson_AreRefusedNamingTheFieldOrTheLine()
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, httpPort: true).StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var body = new StringContent("""{"articles":[{"id":"a","title":"Broken \ud800 title","body":"A body."}]}""", Encoding.UTF8, "application/json");
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, """{"id":"ok","title":"Fine","body":"Fine."}""" + "\n" + """{"id":"bad","title":"Broken \udc00","body":"x"}""" + "\n");

        using var response = await http.PostAsync("/v1/articles", body);
        var import = await CliProcess.RunAsync(host.Address!, null, "import", file, "--no-wait");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var violation = error.RootElement.GetProperty("details")[0].GetProperty("fieldViolations")[0];
        Assert.Equal("articles[0].title", violation.GetProperty("field").GetString());
        Assert.Contains("unpaired surrogate", violation.GetProperty("description").GetString());
        Assert.Equal(3, import.ExitCode);
        Assert.Contains("line 2", import.Stderr);
        Assert.Contains("unpaired surrogate", import.Stderr);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Readiness_ShowsWhatTheServiceHolds_OnlyWhenReadsAreOpen(bool protectReads)
    {
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), settings: new Dictionary<string, string?>
        {
            ["Recommender:Auth:ApiKeys:0"] = "the-key",
            ["Recommender:Auth:ProtectReads"] = protectReads ? "true" : "false",
        }).StartAsync();
        using var http = host.CreateClient();

        using var response = await http.GetAsync("/readyz");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Healthy", text);
        Assert.Equal(protectReads, !text.Contains("articles", StringComparison.Ordinal));
        Assert.Equal(protectReads, !text.Contains("full", StringComparison.Ordinal));
    }
}
