using System.Collections.Frozen;
using System.Globalization;

namespace Recommender.Featurizer.Analysis;

/// <summary>
/// Guesses an article's language when the CMS did not send one, by counting the stop words of each
/// language <see cref="LanguageAnalyzers"/> covers in the first few thousand characters (function
/// words are the most frequent words of any text, and the surest sign of its language; a word that
/// is a stop word in k languages gives each of them 1/k), and by script for Chinese, Japanese,
/// Korean and Thai. Returns "" when no language stands out: such text gets
/// the language-neutral analysis.
/// </summary>
public static class LanguageDetector
{
    /// <summary>Characters read: a few hundred words are plenty to tell languages apart.</summary>
    private const int SampleLength = 3_000;

    /// <summary>Fewest stop-word hits for a verdict (a headline alone may not reach it).</summary>
    private const int MinHits = 3;

    /// <summary>How far the winner's score must be ahead of the runner-up's (related languages share many function words).</summary>
    private const double MinLead = 1.1;

    /// <summary>
    /// The languages detection chooses from: every covered one but the CJK group (told by script),
    /// Norwegian's aliases, and Galician, whose long stop-word list is nearly Portuguese's and would
    /// take Portuguese text (a Galician article is analysed as such when its language field says so).
    /// </summary>
    private static readonly string[] Candidates = LanguageAnalyzers.Codes
        .Where(c => c is not ("zh" or "ja" or "ko" or "th" or "nb" or "nn" or "gl"))
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Each stop word → the candidate languages (indices into <see cref="Candidates"/>) it belongs to.</summary>
    private static readonly FrozenDictionary<string, int[]> Votes = BuildVotes();

    public static string Detect(string text)
    {
        var sample = text.Length > SampleLength ? text.AsSpan(0, SampleLength) : text.AsSpan();
        var scores = new double[Candidates.Length];
        var hits = new int[Candidates.Length];
        int han = 0, kana = 0, hangul = 0, thai = 0, letters = 0;
        var lookup = Votes.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> lower = stackalloc char[32];
        var start = -1;
        for (var i = 0; i <= sample.Length; i++)
        {
            var letter = i < sample.Length && char.IsLetter(sample[i]);
            if (letter)
            {
                letters++;
                var c = sample[i];
                if (c is >= '\u4E00' and <= '\u9FFF') han++;
                else if (c is >= '\u3040' and <= '\u30FF') kana++;
                else if (c is >= '\uAC00' and <= '\uD7AF') hangul++;
                else if (c is >= '\u0E00' and <= '\u0E7F') thai++;
                if (start < 0) start = i;
                continue;
            }
            if (start >= 0)
            {
                var word = sample[start..i];
                if (word.Length <= lower.Length)
                {
                    var length = word.ToLowerInvariant(lower);
                    if (lookup.TryGetValue(lower[..length], out var languages))
                    {
                        foreach (var l in languages)
                        {
                            hits[l]++;
                            scores[l] += 1.0 / languages.Length;
                        }
                    }
                }
                start = -1;
            }
        }
        if (letters > 0 && thai > letters / 3)
        {
            return "th";
        }
        if (letters > 0 && han + kana + hangul > letters / 3)
        {
            return hangul >= kana && hangul >= han ? "ko" : kana > 0 ? "ja" : "zh";
        }
        int best = -1;
        double bestScore = 0, runnerUp = 0;
        for (var l = 0; l < scores.Length; l++)
        {
            if (scores[l] > bestScore)
            {
                (runnerUp, bestScore, best) = (bestScore, scores[l], l);
            }
            else if (scores[l] > runnerUp)
            {
                runnerUp = scores[l];
            }
        }
        return best >= 0 && hits[best] >= MinHits && bestScore >= runnerUp * MinLead ? Candidates[best] : "";
    }

    private static FrozenDictionary<string, int[]> BuildVotes()
    {
        var stopWords = LanguageAnalyzers.StopWords().ToDictionary(s => s.Code, s => s.StopWords, StringComparer.Ordinal);
        var votes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var l = 0; l < Candidates.Length; l++)
        {
            foreach (var word in stopWords[Candidates[l]])
            {
                var key = word.ToLower(CultureInfo.InvariantCulture);
                if (!votes.TryGetValue(key, out var list))
                {
                    votes[key] = list = [];
                }
                if (!list.Contains(l))
                {
                    list.Add(l);
                }
            }
        }
        return votes.ToFrozenDictionary(v => v.Key, v => v.Value.ToArray(), StringComparer.Ordinal);
    }
}
