using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Recommender.Core.Articles;

namespace Recommender.Featurizer.Tests;

/// <summary>Fitting on a small bilingual corpus written for these tests, saving and loading, and the corpus-size rules.</summary>
public sealed class FeaturizerModelTests
{
    private static readonly string[] EnglishTopics =
    [
        "The football club won the league match after a late goal from its striker in front of home fans",
        "The central bank raised interest rates again as inflation kept rising and markets fell sharply",
        "The new smartphone has a faster chip, a brighter screen and a battery that lasts two days",
    ];

    private static readonly string[] GermanTopics =
    [
        "Der Fußballverein gewann das Ligaspiel nach einem späten Tor seines Stürmers vor den eigenen Fans",
        "Die Zentralbank erhöhte die Zinsen erneut, weil die Inflation weiter stieg und die Börsen stark fielen",
        "Das neue Smartphone hat einen schnelleren Chip, einen helleren Bildschirm und einen Akku für zwei Tage",
    ];

    /// <summary>Eight variants of each topic in each language: the same story told with one sentence more each time.</summary>
    private static List<ArticleText> Corpus(bool withLanguage) =>
        Enumerable.Range(0, 8).SelectMany(n =>
            EnglishTopics.Select((t, i) => new ArticleText($"Story {i} part {n}", t + $". Update {n}.", withLanguage ? "en" : ""))
            .Concat(GermanTopics.Select((t, i) => new ArticleText($"Bericht {i} Teil {n}", t + $". Nachtrag {n}.", withLanguage ? "de" : ""))))
        .ToList();

    private static MlNetFeaturizer Featurizer() => new(Options.Create(new FeaturizerOptions()));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AMixedCorpus_PutsEachStoryNearestToItsOwnTopicInItsOwnLanguage(bool withLanguage)
    {
        var corpus = Corpus(withLanguage);
        using var model = Featurizer().Fit(corpus);
        var vectors = model.Embed(corpus);

        for (var q = 0; q < corpus.Count; q++)
        {
            var nearest = Enumerable.Range(0, corpus.Count).Where(i => i != q)
                .MaxBy(i => vectors[q].Zip(vectors[i], (a, b) => a * b).Sum());
            Assert.Equal(q % 6, nearest % 6); // same topic, same language
        }
    }

    [Fact]
    public void ASavedModel_LoadsAndEmbedsAsTheFittedOne_AndExplainsWithWrittenWords()
    {
        var corpus = Corpus(withLanguage: true);
        using var model = Featurizer().Fit(corpus);
        using var saved = new MemoryStream();
        model.Save(saved);
        saved.Position = 0;
        using var loaded = Featurizer().Load(saved);

        Assert.Equal(model.Info, loaded.Info);
        Assert.Equal(2, loaded.Info.Format);
        var probe = new ArticleText("Zinsen", "Die Zentralbank erhöhte die Zinsen", "de");
        Assert.Equal(model.Embed([probe])[0], loaded.Embed([probe])[0]);
        var terms = loaded.SharedTerms(probe, [corpus[1 + 3]], top: 5)[0].Select(t => t.Term).ToList();
        Assert.Contains("zentralbank", terms);
        Assert.Contains("zinsen", terms);
    }

    [Fact]
    public void AModelOfTheFormerFormat_IsRefusedWithAClearMessage()
    {
        using var model = Featurizer().Fit(Corpus(withLanguage: true));
        // model.json as the previous featurizer wrote it: no format, no weighting.
        using var old = Saved(model, json =>
        {
            json.Remove("Format");
            json.Remove("Weighting");
        });

        var error = Assert.Throws<InvalidDataException>(() => Featurizer().Load(old));
        Assert.Contains("must be refitted", error.Message);
    }

    [Fact]
    public void TheComponents_WeighByAPowerOfTheirSingularValues_AndAModelSavedWithoutWeightsProjectsPlainly()
    {
        var corpus = Corpus(withLanguage: true);
        using var plain = new MlNetFeaturizer(Options.Create(new FeaturizerOptions { ComponentExponent = 1 })).Fit(corpus);
        using var weighted = Featurizer().Fit(corpus); // the same projection (same seed), its components weighted
        var weights = ModelJson(weighted)["ComponentWeights"]!.AsArray().Select(w => (float)w!).ToArray();
        Assert.Null(ModelJson(plain)["ComponentWeights"]);

        Assert.Equal(weighted.Info.Dimensions, weights.Length);
        // The weights follow the exponent: the singular values' ratios to the largest to the power
        // exponent − 1, so those of 2.5 are those of 2 raised to 1.5.
        using var squared = new MlNetFeaturizer(Options.Create(new FeaturizerOptions { ComponentExponent = 2 })).Fit(corpus);
        var ratios = ModelJson(squared)["ComponentWeights"]!.AsArray().Select(w => (float)w!).ToArray();
        for (var d = 0; d < weights.Length; d++)
        {
            Assert.Equal(Math.Pow(ratios[d], 1.5), weights[d], 4);
        }
        Assert.All(weights, w => Assert.InRange(w, 0f, 1f));
        Assert.Equal(1f, weights.Max());
        // Components come largest first (by the randomized projection's estimate, so not strictly).
        var quarter = weights.Length / 4;
        Assert.True(weights.Take(quarter).Average() > 2 * weights.TakeLast(quarter).Average(), string.Join(" ", weights));
        var probe = new ArticleText("Zinsen", "Die Zentralbank erhöhte die Zinsen", "de");
        var expected = plain.Embed([probe])[0].Select((x, d) => x * weights[d]).ToArray();
        Recommender.Core.Index.VectorMath.Normalize(expected);
        var actual = weighted.Embed([probe])[0];
        for (var d = 0; d < expected.Length; d++)
        {
            Assert.Equal(expected[d], actual[d], 4);
        }

        // A model saved before components were weighted loads and projects as it always did.
        using var old = Saved(weighted, json => json.Remove("ComponentWeights"));
        using var loaded = Featurizer().Load(old);
        var unweighted = loaded.Embed([probe])[0];
        var alike = plain.Embed([probe])[0];
        for (var d = 0; d < alike.Length; d++)
        {
            Assert.Equal(alike[d], unweighted[d], 4);
        }
    }

    [Fact]
    public void GermanCompounds_ShareTheirKnownParts_AndAModelSavedBeforeSplittingDoesNotSplit()
    {
        var corpus = Corpus(withLanguage: true).Concat(Enumerable.Range(0, 4).SelectMany(n => new[]
        {
            new ArticleText($"Regierung {n}", $"Die Regierung berät den Haushalt. Nachtrag {n}.", "de"),
            new ArticleText($"Kabinett {n}", $"Die Bundesregierung berät den Etat. Nachtrag {n}.", "de"),
        })).ToList();
        var query = new ArticleText("Bundesregierung", "Die Bundesregierung tagt", "de");
        var candidate = corpus.First(t => t.Title.StartsWith("Regierung", StringComparison.Ordinal));
        static List<string> Shared(Recommender.Core.Abstractions.IFeaturizerModel model, ArticleText query, ArticleText candidate) =>
            model.SharedTerms(query, [candidate], top: 10)[0].Select(t => t.Term).ToList();

        using var model = Featurizer().Fit(corpus);

        Assert.Contains("German compounds", model.Info.Description);
        Assert.Contains("regierung", Shared(model, query, candidate));
        using var old = Saved(model, json => json.Remove("SplitCompounds"));
        using var loaded = Featurizer().Load(old);
        Assert.DoesNotContain("regierung", Shared(loaded, query, candidate));
        using var english = Featurizer().Fit(Corpus(withLanguage: true).Where(t => t.Language == "en").ToList());
        Assert.DoesNotContain("German compounds", english.Info.Description); // nothing to split
    }

    /// <summary>The model's model.json, as saved.</summary>
    private static JsonObject ModelJson(Recommender.Core.Abstractions.IFeaturizerModel model)
    {
        using var saved = new MemoryStream();
        model.Save(saved);
        using var archive = new ZipArchive(saved, ZipArchiveMode.Read);
        using var reader = archive.GetEntry("model.json")!.Open();
        return JsonNode.Parse(reader)!.AsObject();
    }

    /// <summary>The model saved, with its model.json rewritten by <paramref name="edit"/> (as an earlier version would have written it).</summary>
    private static MemoryStream Saved(Recommender.Core.Abstractions.IFeaturizerModel model, Action<JsonObject> edit)
    {
        var json = ModelJson(model);
        edit(json);
        var stream = new MemoryStream();
        model.Save(stream);
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            archive.GetEntry("model.json")!.Delete();
            using var writer = archive.CreateEntry("model.json").Open();
            writer.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
        }
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void ACorpusOfOneStoryRepeated_IsRefusedRatherThanSavedAsAModelThatCannotLoad()
    {
        var corpus = Enumerable.Repeat(new ArticleText("Flood warning", "The river rose overnight and flooded the town.", "en"), 12).ToList();

        var error = Assert.Throws<ArgumentException>(() => Featurizer().Fit(corpus));
        Assert.Contains("too much alike", error.Message);
    }

    [Fact]
    public void TheHybridMode_FusesEnglishArticlesWithTheSentenceModel_LeavesOthersAlone_AndSurvivesASaveAndLoad()
    {
        var featurizer = new MlNetFeaturizer(Options.Create(new FeaturizerOptions { SentenceModel = "MiniLM", SentenceModelShare = 0.4 }));
        var corpus = Corpus(withLanguage: true);
        using var model = featurizer.Fit(corpus);
        var english = corpus[0];
        var german = corpus.First(t => t.Language == "de");

        var vectors = model.Embed([english, german]);

        var tail = model.Info.Dimensions - 384;
        Assert.Contains("all-MiniLM-L6-v2", model.Info.Description);
        static double Squared(IEnumerable<float> part) => part.Sum(x => (double)x * x);
        Assert.Equal(0.4, Squared(vectors[0].Skip(tail)), 3); // the sentence model's share of an English vector
        Assert.Equal(1.0, Squared(vectors[0]), 3);
        Assert.Equal(0.0, Squared(vectors[1].Skip(tail))); // a German one keeps its own
        Assert.Equal(1.0, Squared(vectors[1]), 3);

        using var saved = new MemoryStream();
        model.Save(saved);
        saved.Position = 0;
        using var loaded = Featurizer().Load(saved); // a model remembers its mode, whatever the settings now
        Assert.Equal(vectors[0], loaded.Embed([english])[0]);
    }

    [Fact]
    public void ACorpusWithoutWords_IsRefusedWithAClearError()
    {
        var corpus = Enumerable.Range(0, 12).Select(i => new ArticleText($"{i}", $"{i * 7} - {i * 13}: 2026", "en")).ToList();

        var error = Assert.Throws<ArgumentException>(() => Featurizer().Fit(corpus));
        Assert.Contains("no words", error.Message);
    }

    [Theory]
    [InlineData(30, 1.5, 29)]
    [InlineData(1_028, 1.5, 48)]
    [InlineData(2_225, 1.5, 71)]
    [InlineData(10_000, 1.5, 128)]
    [InlineData(30, 0, 29)]
    [InlineData(1_028, 0, 128)]
    public void TheProjectionRank_IsTheDimensions_OrFollowsTheCorpusSizeWhenAsked(int articles, double perRootArticle, int rank) =>
        Assert.Equal(rank, MlNetFeaturizer.ProjectionRank(articles, dimensions: 128, perRootArticle));

    [Theory]
    [InlineData(2_000, 2)] // a hundred short items
    [InlineData(149_999, 2)]
    [InlineData(150_000, 3)] // a thousand articles of 150 words
    [InlineData(50_000_000, 3)]
    public void TheFewestArticlesPerTerm_RiseWithTheCorpusWords(long words, int minimum) =>
        Assert.Equal(minimum, MlNetFeaturizer.MinArticlesPerTerm(words, configured: 3));
}
