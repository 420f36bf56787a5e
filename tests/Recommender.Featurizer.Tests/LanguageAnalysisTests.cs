using Recommender.Core.Articles;
using Recommender.Featurizer.Analysis;

namespace Recommender.Featurizer.Tests;

/// <summary>Per-language analysis and detection, on sentences written for these tests.</summary>
public sealed class LanguageAnalysisTests
{
    [Theory]
    [InlineData("en", "The minister said on Tuesday that the government would raise taxes on fuel, and that the opposition was wrong about it.")]
    [InlineData("de", "Der Minister sagte am Dienstag, dass die Regierung die Steuern auf Treibstoff erhöhen werde und die Opposition sich irre.")]
    [InlineData("fr", "Le ministre a déclaré mardi que le gouvernement allait augmenter les taxes sur le carburant et que l'opposition avait tort.")]
    [InlineData("es", "El ministro dijo el martes que el gobierno subirá los impuestos sobre el combustible y que la oposición se equivoca.")]
    [InlineData("pt", "O ministro disse na terça-feira que o governo não vai aumentar os impostos do combustível. A oposição afirma que a decisão é um erro e pede uma investigação da comissão.")]
    [InlineData("it", "Il ministro ha detto martedì che il governo aumenterà le tasse sul carburante e che l'opposizione ha torto.")]
    [InlineData("nl", "De minister zei dinsdag dat de regering de belasting op brandstof zal verhogen en dat de oppositie het mis heeft.")]
    [InlineData("ru", "Министр заявил во вторник, что правительство повысит налоги на топливо и что оппозиция ошибается в этом.")]
    [InlineData("ja", "東京で大きな地震がありました。政府は被害の調査を始めました。")]
    [InlineData("zh", "北京今天发生了地震，政府已经开始调查损失。")]
    [InlineData("ko", "서울에서 지진이 발생했습니다. 정부는 피해 조사를 시작했습니다.")]
    [InlineData("th", "เกิดแผ่นดินไหวที่กรุงเทพ รัฐบาลเริ่มสำรวจความเสียหายแล้ว")]
    public void Detect_NamesTheLanguageOfAParagraph(string expected, string text) =>
        Assert.Equal(expected, LanguageDetector.Detect(text));

    [Theory]
    [InlineData("")]
    [InlineData("Zurich 3:1")]
    [InlineData("qwz plorf vrint skado")]
    public void Detect_WithoutEnoughEvidence_IsEmpty(string text) =>
        Assert.Equal("", LanguageDetector.Detect(text));

    [Fact]
    public void Tokens_Stem_DropStopWordsAndNumbers_AndRememberTheWrittenWord()
    {
        var english = TermAnalysis.Tokens("The elections were held in 2024; electing a council.", "en-GB", surfaces: true);
        var german = TermAnalysis.Tokens("Die Wahlen in Österreich: gewählt wurde am Sonntag.", "de", surfaces: true);

        Assert.Equal(["elect", "held", "elect", "council"], english.Select(t => t.Term));
        Assert.Equal("elections", english[0].Surface.ToLowerInvariant());
        Assert.DoesNotContain(german, t => t.Term is "die" or "in" or "am");
        Assert.Contains(german, t => t.Term == "osterreich" && t.Surface == "Österreich"); // umlaut folded
    }

    [Fact]
    public void Tokens_OfALanguageWithoutAnalyzer_AreLowerCasedWordsWithAccentsFolded()
    {
        var tokens = TermAnalysis.Tokens("Kuala Lumpur: Menteri Besar dilantik semula, kata Café Pelangi.", "ms");

        Assert.Equal(["kuala", "lumpur", "menteri", "besar", "dilantik", "semula", "kata", "cafe", "pelangi"], tokens.Select(t => t.Term));
    }

    [Fact]
    public void Tokens_OfChineseUnderALanguageWithoutAnalyzer_AreStillCharacterPairs()
    {
        // "an earthquake struck Beijing today", tagged with a code no analyzer covers.
        var tokens = TermAnalysis.Tokens("北京今天发生了地震", "cmn").Select(t => t.Term).ToList();

        Assert.Contains("北京", tokens);
        Assert.Contains("地震", tokens);
    }

    [Fact]
    public void Tokens_OfThai_AreItsWords_NotItsRunsOfLetters()
    {
        // Written without spaces between words: "the government announced new measures".
        var tokens = TermAnalysis.Tokens("รัฐบาลประกาศมาตรการใหม่", "th").Select(t => t.Term).ToList();

        Assert.Contains("รัฐบาล", tokens); // government
        Assert.Contains("ประกาศ", tokens); // announce
        Assert.Contains("มาตรการ", tokens); // measures
        Assert.DoesNotContain("รัฐบาลประกาศมาตรการใหม่", tokens);
    }

    [Fact]
    public void Tokens_OfKorean_AreCharacterBigrams_ThatMatchAStemAcrossItsEndings()
    {
        // "the investigation (object)" and "the investigation (subject)": one noun, two particles.
        var asObject = TermAnalysis.Tokens("정부는 피해 조사를 시작했습니다", "ko").Select(t => t.Term).ToList();
        var asSubject = TermAnalysis.Tokens("경찰의 조사가 끝났습니다", "ko").Select(t => t.Term).ToList();

        Assert.Contains("조사", asObject);
        Assert.Contains("조사", asSubject);
        Assert.All(asObject, t => Assert.Equal(2, t.Length));
    }

    [Fact]
    public void Counts_HoldWordsAndPairs_AndDetectTheLanguageWhenNoneIsGiven()
    {
        var text = new ArticleText("Flood warning", "The river rose overnight. The river broke its banks and the river flooded the town; residents left.");

        var counts = TermAnalysis.Counts(text, titleWeight: 2);

        Assert.Equal(3, counts["river"]);
        Assert.Equal(2, counts["flood warn"]); // a word pair of the headline, counted twice, stemmed: detected as English
        Assert.Equal(3, counts["flood"]); // twice in the headline, once in the body ("flooded")
        Assert.DoesNotContain("the", counts.Keys);
    }

    [Fact]
    public void AHeadlineInNoDetectableLanguage_IsAnalysedAsTheCorpussMainLanguage()
    {
        var corpus = new[]
        {
            new ArticleText("Wahl", "Die Regierung und die Opposition streiten über die Wahlen im Herbst und über das Budget.", ""),
            new ArticleText("Budget", "Der Minister sagte, dass die Steuern nicht steigen werden, weil die Wirtschaft wächst.", "de-AT"),
            new ArticleText("Weather", "The storm moved east over the weekend and the rain stopped on Monday.", ""),
        };
        var headline = new ArticleText("Wahlen", "", "");

        Assert.Equal("de", TermAnalysis.MainLanguage(corpus.Select(t => TermAnalysis.LanguageOf(t))));
        Assert.Equal("", LanguageDetector.Detect("Wahlen"));
        Assert.Equal(["wahl"], TermAnalysis.Counts(headline, titleWeight: 1, fallbackLanguage: "de").Keys); // German stemming
        Assert.Equal(["wahlen"], TermAnalysis.Counts(headline, titleWeight: 1).Keys); // language-neutral
    }

    [Fact]
    public void TheVocabulary_KeepsSharedTerms_WeighsThemSublinearly_AndNamesTheCommonOnes()
    {
        var articles = new List<Dictionary<string, int>>
        {
            new() { ["river"] = 3, ["town"] = 1, ["said"] = 1, ["unique"] = 1 },
            new() { ["river"] = 1, ["town"] = 1, ["said"] = 1 },
            new() { ["market"] = 2, ["said"] = 1 },
            new() { ["market"] = 1, ["said"] = 1, ["bank"] = 1 },
            new() { ["bank"] = 4, ["said"] = 1 },
        };

        var vocabulary = TermVocabulary.Fit(articles, minArticles: 2, maxTerms: 100, TermWeighting.Sublinear, out var common);

        Assert.Equal(["bank", "market", "river", "said", "town"], Enumerable.Range(0, vocabulary.Count).Select(vocabulary.Term));
        Assert.Equal(["bank", "market", "river", "said", "town"], common); // each in more than a fifth of five articles
        var weights = vocabulary.Weigh(articles[0]).ToDictionary(e => vocabulary.Term(e.Slot), e => e.Weight);
        Assert.Equal(0f, weights["said"]); // in every article: idf 0
        Assert.Equal(1 + Math.Log(3), weights["river"] / weights["town"], 4); // same idf, counts 3 and 1
        Assert.Equal(1.0, weights.Values.Sum(w => (double)w * w), 4);
        Assert.False(weights.ContainsKey("unique"));
    }

    [Fact]
    public void CharacterNGrams_OfEachWord_HaveItsEdgesMarked_AndNeverMeetAWord()
    {
        var counts = TermAnalysis.Counts(new ArticleText("", "Kuala Lumpur, Kuala"), titleWeight: 1, fallbackLanguage: "ms", charNGrams: 4);

        Assert.Equal(2, counts["kuala"]);
        // "kuala", twice: all its 4-grams twice; "lumpur", once: its own once.
        Assert.Equal(["#_kua", "#ala_", "#kual", "#uala"], counts.Where(c => TermAnalysis.IsNGram(c.Key) && c.Value == 2).Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["#_lum", "#lump", "#mpur", "#pur_", "#umpu"], counts.Where(c => TermAnalysis.IsNGram(c.Key) && c.Value == 1).Select(c => c.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(counts.Keys, k => TermAnalysis.IsNGram(k) && k.Contains(' '));
        Assert.DoesNotContain(TermAnalysis.Counts(new ArticleText("", "Kuala Lumpur"), 1, "ms").Keys, TermAnalysis.IsNGram); // none unless asked
    }

    [Fact]
    public void GermanCompounds_AlsoCountAsTheirKnownParts_AndNothingElseIsSplit()
    {
        static string Stem(string word, string language) => TermAnalysis.Tokens(word, language).Single().Term;
        var known = CompoundSplitter.FromTerms(["regierung", "bund", "chef", "sonne", "hand", "wetter bericht", "#bericht"]);

        Assert.Equal(["regierung", "bund"], known.Parts("bundesregierung"));
        Assert.Equal(["chef", "regierung"], known.Parts("regierungschef"));
        Assert.Equal(["sonne"], known.Parts("sonnenschein")); // a known modifier alone
        Assert.Empty(known.Parts("wetterbericht")); // a word pair or an n-gram is no part
        Assert.Empty(known.Parts("handel")); // too short to hold two parts
        Assert.Empty(known.Parts("regierung")); // never the word itself

        var splitter = CompoundSplitter.FromTerms([Stem("Regierung", "de"), Stem("Bund", "de"), Stem("quarters", "en")]);
        var german = TermAnalysis.Counts(new ArticleText("", "Die Bundesregierung tagt", "de"), titleWeight: 1, compounds: splitter);
        Assert.Equal(1, german[Stem("Regierung", "de")]);
        Assert.Equal(1, german[Stem("Bund", "de")]);
        Assert.Equal(1, german[Stem("Bundesregierung", "de")]);
        var english = TermAnalysis.Counts(new ArticleText("", "The army headquarters", "en"), titleWeight: 1, compounds: splitter);
        Assert.False(english.ContainsKey(Stem("quarters", "en")), "an English word split");
        Assert.False(TermAnalysis.Counts(new ArticleText("", "Die Bundesregierung tagt", "de"), titleWeight: 1).ContainsKey(Stem("Regierung", "de")), "split without a splitter");
    }

    [Fact]
    public void TheVocabulary_GivesCharacterNGramsTheirShareOfTheLength_AndLeavesThemOutOfTheCommonTerms()
    {
        var articles = new List<Dictionary<string, int>>
        {
            new() { ["river"] = 1, ["town"] = 1, ["#rive"] = 1, ["#_tow"] = 1 },
            new() { ["river"] = 1, ["bank"] = 1, ["#rive"] = 1, ["#_ban"] = 1 },
            new() { ["town"] = 1, ["bank"] = 1, ["#_tow"] = 1, ["#_ban"] = 1 },
        };

        var vocabulary = TermVocabulary.Fit(articles, minArticles: 2, maxTerms: 100, TermWeighting.Sublinear, out var common, nGramShare: 0.3);

        Assert.Equal(["bank", "river", "town"], common);
        var weights = vocabulary.Weigh(articles[0]).ToDictionary(e => vocabulary.Term(e.Slot), e => (double)e.Weight);
        Assert.Equal(0.3, weights.Where(w => TermAnalysis.IsNGram(w.Key)).Sum(w => w.Value * w.Value), 4);
        Assert.Equal(0.7, weights.Where(w => !TermAnalysis.IsNGram(w.Key)).Sum(w => w.Value * w.Value), 4);
        // An article with words only keeps the whole length for them.
        var wordsOnly = vocabulary.Weigh(new Dictionary<string, int> { ["river"] = 1, ["town"] = 2 });
        Assert.Equal(1.0, wordsOnly.Sum(e => (double)e.Weight * e.Weight), 4);
    }
}
