using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Lucene.Net.Analysis.TokenAttributes;
using Recommender.Core.Articles;

namespace Recommender.Featurizer.Analysis;

/// <summary>
/// Turns an article into the terms the model weighs: the headline and the body analysed for the
/// article's language (<see cref="LanguageAnalyzers"/>; the <c>language</c> field when sent,
/// otherwise <see cref="LanguageDetector"/>), accents folded, tokens without a letter dropped,
/// then words and adjacent word pairs (and, when asked, each word's character n-grams and the known
/// parts of German compounds), each with its count (the headline's counted <c>titleWeight</c> times).
/// </summary>
public static class TermAnalysis
{
    /// <param name="text">The article.</param>
    /// <param name="titleWeight">Times the headline's terms count.</param>
    /// <param name="fallbackLanguage">The language to analyse for when the article has none and none is detected (a headline alone rarely tells).</param>
    /// <param name="charNGrams">Length of the character n-grams also taken from each analysed word (0: none).</param>
    /// <param name="compounds">The parts a compound word also counts as, in a language that writes them closed (none: no splitting).</param>
    public static Dictionary<string, int> Counts(
        ArticleText text, int titleWeight, string fallbackLanguage = "", int charNGrams = 0, CompoundSplitter? compounds = null)
    {
        var language = LanguageOf(text, fallbackLanguage);
        var splitter = compounds is not null && CompoundSplitter.Splits(language) ? compounds : null;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        AddTerms(counts, Tokens(text.Title, language), titleWeight, charNGrams, splitter);
        AddTerms(counts, Tokens(text.Body, language), 1, charNGrams, splitter);
        return counts;
    }

    /// <summary>Starts every character n-gram term ("#regi"), so that none is ever taken for a word: analysed words hold no '#'.</summary>
    public const char NGramMark = '#';

    /// <summary>Whether a term is a character n-gram rather than a word or a word pair.</summary>
    public static bool IsNGram(string term) => term.Length > 0 && term[0] == NGramMark;

    /// <summary>The article's language tag, detected when the CMS sent none, else <paramref name="fallbackLanguage"/>.</summary>
    public static string LanguageOf(ArticleText text, string fallbackLanguage = "") =>
        text.Language.Length > 0 ? text.Language
        : LanguageDetector.Detect(text.Title + "\n" + text.Body) is { Length: > 0 } detected ? detected
        : fallbackLanguage;

    /// <summary>The most frequent of <paramref name="languages"/> (by primary code), "" when none is given.</summary>
    public static string MainLanguage(IEnumerable<string> languages) =>
        languages.Select(LanguageAnalyzers.PrimaryCode)
            .Where(l => l.Length > 0)
            .GroupBy(l => l, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .FirstOrDefault() ?? "";

    /// <summary>Each analysed term of the article → the word it first came from, lower-cased ("elect" → "elections").</summary>
    public static Dictionary<string, string> SurfaceForms(ArticleText text, string fallbackLanguage = "")
    {
        var language = LanguageOf(text, fallbackLanguage);
        var words = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in Tokens(text.Title, language, surfaces: true).Concat(Tokens(text.Body, language, surfaces: true)))
        {
            words.TryAdd(token.Term, token.Surface.ToLowerInvariant());
        }
        return words;
    }

    /// <summary>The analysed tokens of <paramref name="text"/>, in order, with the words they came from (when <paramref name="surfaces"/>).</summary>
    public static List<AnalyzedToken> Tokens(string text, string language, bool surfaces = false)
    {
        var tokens = new List<AnalyzedToken>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return tokens;
        }
        var analyzer = LanguageAnalyzers.For(language);
        using var stream = analyzer.GetTokenStream("text", new StringReader(text));
        var term = stream.AddAttribute<ICharTermAttribute>();
        var offset = stream.AddAttribute<IOffsetAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            var folded = Fold(term.ToString());
            if (folded.Length < 2 || !folded.Any(char.IsLetter))
            {
                continue;
            }
            var surface = "";
            if (surfaces)
            {
                var end = Math.Min(offset.EndOffset, text.Length);
                surface = text[Math.Min(offset.StartOffset, end)..end];
            }
            tokens.Add(new AnalyzedToken(folded, surface));
        }
        stream.End();
        return tokens;
    }

    /// <summary>
    /// Words and adjacent pairs ("central bank"), each word's character n-grams of length
    /// <paramref name="charNGrams"/> when it is above 0 and its known parts when it is a compound,
    /// each counted <paramref name="times"/>.
    /// </summary>
    private static void AddTerms(Dictionary<string, int> counts, List<AnalyzedToken> tokens, int times, int charNGrams, CompoundSplitter? compounds)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            Add(counts, tokens[i].Term, times);
            foreach (var part in compounds?.Parts(tokens[i].Term) ?? [])
            {
                Add(counts, part, times);
            }
            if (i > 0)
            {
                Add(counts, tokens[i - 1].Term + " " + tokens[i].Term, times);
            }
            if (charNGrams > 0)
            {
                AddNGrams(counts, tokens[i].Term, charNGrams, times);
            }
        }
    }

    /// <summary>
    /// The word's character n-grams, its edges marked ("_regierung_" → "#_reg", "#regi", …,
    /// "#ung_"), so that a beginning or an ending differs from the same letters inside a word.
    /// Parts of compounds and inflected forms share most of them, which words alone cannot
    /// ("Bundesregierung", "Regierungschef"): what a headline and one sentence have to go on.
    /// A word shorter than n gives itself, marked; no n-gram splits a surrogate pair.
    /// </summary>
    private static void AddNGrams(Dictionary<string, int> counts, string word, int n, int times)
    {
        var padded = string.Concat("_", word, "_");
        if (padded.Length <= n)
        {
            Add(counts, NGramMark + padded, times);
            return;
        }
        // Looked up by a span of the mark and n letters: a string is made only for an n-gram the
        // article has not had yet (an article repeats most of its n-grams).
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> key = n < 64 ? stackalloc char[n + 1] : new char[n + 1];
        key[0] = NGramMark;
        for (var start = 0; start + n <= padded.Length; start++)
        {
            if (char.IsLowSurrogate(padded[start]) || char.IsHighSurrogate(padded[start + n - 1]))
            {
                continue;
            }
            padded.AsSpan(start, n).CopyTo(key[1..]);
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out _) += times;
        }
    }

    private static void Add(Dictionary<string, int> counts, string term, int times) =>
        counts[term] = counts.GetValueOrDefault(term) + times;

    /// <summary>
    /// Accents removed from Latin, Greek and Cyrillic words ("café" → "cafe"), as most search
    /// engines fold them. Other scripts are left to their analyzers' own normalization (in
    /// Devanagari, for one, the combining marks are vowels).
    /// </summary>
    private static string Fold(string term)
    {
        if (term.All(char.IsAscii) || term.Any(c => c >= '\u0530'))
        {
            return term;
        }
        var decomposed = term.Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(c);
            }
        }
        return kept.ToString().Normalize(NormalizationForm.FormC);
    }
}
