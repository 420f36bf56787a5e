using System.Collections.Frozen;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Ar;
using Lucene.Net.Analysis.Bg;
using Lucene.Net.Analysis.Ca;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Ckb;
using Lucene.Net.Analysis.Cz;
using Lucene.Net.Analysis.Da;
using Lucene.Net.Analysis.De;
using Lucene.Net.Analysis.El;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Es;
using Lucene.Net.Analysis.Eu;
using Lucene.Net.Analysis.Fa;
using Lucene.Net.Analysis.Fi;
using Lucene.Net.Analysis.Fr;
using Lucene.Net.Analysis.Ga;
using Lucene.Net.Analysis.Gl;
using Lucene.Net.Analysis.Hi;
using Lucene.Net.Analysis.Hu;
using Lucene.Net.Analysis.Hy;
using Lucene.Net.Analysis.Id;
using Lucene.Net.Analysis.It;
using Lucene.Net.Analysis.Lv;
using Lucene.Net.Analysis.Nl;
using Lucene.Net.Analysis.No;
using Lucene.Net.Analysis.Pt;
using Lucene.Net.Analysis.Ro;
using Lucene.Net.Analysis.Ru;
using Lucene.Net.Analysis.Snowball;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.Sv;
using Lucene.Net.Analysis.Th;
using Lucene.Net.Analysis.Tr;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Util;

namespace Recommender.Featurizer.Analysis;

/// <summary>
/// Lucene.NET's analyzer for each language it covers (tokenizer, lower case, the language's stop
/// words, its stemmer; for German also umlaut normalization), keyed by ISO 639-1 code, and a
/// language-neutral one (tokenizer and lower case only) for every other language. Analyzers are
/// created once and are thread-safe (Lucene keeps one token stream per thread).
/// </summary>
internal static class LanguageAnalyzers
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;

    /// <summary>
    /// Snowball's English list (about 170 words, shipped in Lucene.NET's resources) rather than the
    /// English analyzer's 33-word default, which keeps "he", "has", "would" and their pairs.
    /// </summary>
    private static readonly CharArraySet SnowballEnglishStopWords = LoadSnowballStopWords("english_stop.txt");

    /// <summary>Code → (analyzer, its stop words).</summary>
    private static readonly FrozenDictionary<string, (Analyzer Analyzer, CharArraySet StopWords)> ByCode = Build();

    /// <summary>
    /// Tokenizer and lower case, no stop words, no stemming: for languages without an analyzer. Runs
    /// of Chinese, Japanese or Korean characters become overlapping pairs, as the CJK analyzer makes
    /// them (the tokenizer alone gives single ideographs, which carry little): such text under a
    /// language tag this list does not know still shares terms.
    /// </summary>
    private static readonly Analyzer Neutral = Analyzer.NewAnonymous((_, reader) =>
    {
        var source = new StandardTokenizer(Version, reader);
        TokenStream result = new CJKWidthFilter(source);
        result = new LowerCaseFilter(Version, result);
        result = new CJKBigramFilter(result);
        return new TokenStreamComponents(source, result);
    });

    /// <summary>The codes with a language-specific analyzer.</summary>
    public static IEnumerable<string> Codes => ByCode.Keys;

    /// <summary>The analyzer for a language tag ("de", "en-GB", "pt_BR"); the neutral one when it is empty or not covered.</summary>
    public static Analyzer For(string language) =>
        ByCode.TryGetValue(PrimaryCode(language), out var entry) ? entry.Analyzer : Neutral;

    /// <summary>The stop words of each covered language, for detection.</summary>
    public static IEnumerable<(string Code, CharArraySet StopWords)> StopWords() =>
        ByCode.Select(e => (e.Key, e.Value.StopWords));

    /// <summary>"en-GB" → "en", "pt_BR" → "pt", "DE" → "de".</summary>
    public static string PrimaryCode(string language)
    {
        var end = language.AsSpan().IndexOfAny('-', '_');
        return (end < 0 ? language : language[..end]).Trim().ToLowerInvariant();
    }

    private static CharArraySet LoadSnowballStopWords(string file)
    {
        var name = "Lucene.Net.Analysis.Common.Analysis.Snowball." + file;
        using var stream = typeof(SnowballFilter).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Lucene.NET's resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return WordlistLoader.GetSnowballWordSet(reader, Version).AsReadOnly();
    }

    private static FrozenDictionary<string, (Analyzer, CharArraySet)> Build()
    {
        var analyzers = new Dictionary<string, (Analyzer, CharArraySet)>(StringComparer.Ordinal)
        {
            ["ar"] = (new ArabicAnalyzer(Version), ArabicAnalyzer.DefaultStopSet),
            ["bg"] = (new BulgarianAnalyzer(Version), BulgarianAnalyzer.DefaultStopSet),
            ["ca"] = (new CatalanAnalyzer(Version), CatalanAnalyzer.DefaultStopSet),
            ["ckb"] = (new SoraniAnalyzer(Version), SoraniAnalyzer.DefaultStopSet),
            ["cs"] = (new CzechAnalyzer(Version), CzechAnalyzer.DefaultStopSet),
            ["da"] = (new DanishAnalyzer(Version), DanishAnalyzer.DefaultStopSet),
            ["de"] = (new GermanAnalyzer(Version), GermanAnalyzer.DefaultStopSet),
            ["el"] = (new GreekAnalyzer(Version), GreekAnalyzer.DefaultStopSet),
            ["en"] = (new EnglishAnalyzer(Version, SnowballEnglishStopWords), SnowballEnglishStopWords),
            ["es"] = (new SpanishAnalyzer(Version), SpanishAnalyzer.DefaultStopSet),
            ["eu"] = (new BasqueAnalyzer(Version), BasqueAnalyzer.DefaultStopSet),
            ["fa"] = (new PersianAnalyzer(Version), PersianAnalyzer.DefaultStopSet),
            ["fi"] = (new FinnishAnalyzer(Version), FinnishAnalyzer.DefaultStopSet),
            ["fr"] = (new FrenchAnalyzer(Version), FrenchAnalyzer.DefaultStopSet),
            ["ga"] = (new IrishAnalyzer(Version), IrishAnalyzer.DefaultStopSet),
            ["gl"] = (new GalicianAnalyzer(Version), GalicianAnalyzer.DefaultStopSet),
            ["hi"] = (new HindiAnalyzer(Version), HindiAnalyzer.DefaultStopSet),
            ["hu"] = (new HungarianAnalyzer(Version), HungarianAnalyzer.DefaultStopSet),
            ["hy"] = (new ArmenianAnalyzer(Version), ArmenianAnalyzer.DefaultStopSet),
            ["id"] = (new IndonesianAnalyzer(Version), IndonesianAnalyzer.DefaultStopSet),
            ["it"] = (new ItalianAnalyzer(Version), ItalianAnalyzer.DefaultStopSet),
            ["lv"] = (new LatvianAnalyzer(Version), LatvianAnalyzer.DefaultStopSet),
            ["nl"] = (new DutchAnalyzer(Version), DutchAnalyzer.DefaultStopSet),
            ["no"] = (new NorwegianAnalyzer(Version), NorwegianAnalyzer.DefaultStopSet),
            ["pt"] = (new PortugueseAnalyzer(Version), PortugueseAnalyzer.DefaultStopSet),
            ["ro"] = (new RomanianAnalyzer(Version), RomanianAnalyzer.DefaultStopSet),
            ["ru"] = (new RussianAnalyzer(Version), RussianAnalyzer.DefaultStopSet),
            ["sv"] = (new SwedishAnalyzer(Version), SwedishAnalyzer.DefaultStopSet),
            // Thai has no spaces between words: ICU's dictionary breaks them (the standard
            // tokenizer would keep each run of Thai letters, a phrase or a sentence, as one token).
            ["th"] = (new ThaiAnalyzer(Version), ThaiAnalyzer.DefaultStopSet),
            ["tr"] = (new TurkishAnalyzer(Version), TurkishAnalyzer.DefaultStopSet),
        };
        // Chinese, Japanese and Korean: overlapping character bigrams (Lucene's CJK analyzer; Korean
        // words are spaced, but their endings vary, and bigrams match a stem across them).
        var cjk = (new CJKAnalyzer(Version), CJKAnalyzer.DefaultStopSet);
        analyzers["zh"] = analyzers["ja"] = analyzers["ko"] = cjk;
        // Norwegian Bokmål and Nynorsk share the Norwegian analyzer.
        analyzers["nb"] = analyzers["nn"] = analyzers["no"];
        return analyzers.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
