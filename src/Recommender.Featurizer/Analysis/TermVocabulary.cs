using System.Globalization;
using System.Text;
using Microsoft.ML.Data;

namespace Recommender.Featurizer.Analysis;

/// <summary>
/// The terms a model knows, each with its inverse document frequency, and how an article's term
/// counts become its sparse vector: weight(count) × idf per known term, L2-normalized. Fitted on
/// the analysed articles of a corpus: terms found in too few articles are left out, the most
/// widespread kept up to a cap. Immutable, so thread-safe.
/// </summary>
internal sealed class TermVocabulary
{
    /// <summary>A term in more than this share of the articles says nothing about what an article is about.</summary>
    private const double CommonTermShare = 0.2;

    private readonly string[] _terms;
    private readonly float[] _idf;
    private readonly Dictionary<string, int> _slots;

    private TermVocabulary(string[] terms, float[] idf, TermWeighting weighting, double nGramShare)
    {
        _terms = terms;
        _idf = idf;
        Weighting = weighting;
        NGramShare = nGramShare;
        _slots = new Dictionary<string, int>(terms.Length, StringComparer.Ordinal);
        for (var i = 0; i < terms.Length; i++)
        {
            _slots[terms[i]] = i;
        }
    }

    public TermWeighting Weighting { get; }

    /// <summary>
    /// The share of a vector's squared length given to its character n-grams, the rest to its
    /// words and word pairs (each part L2-normalized first), so that the sparse cosine of two
    /// articles is (1 − share) × their words' cosine + share × their n-grams'. 0 without n-grams.
    /// </summary>
    public double NGramShare { get; }

    public int Count => _terms.Length;

    public string Term(int slot) => _terms[slot];

    /// <summary>
    /// Keeps the terms found in at least <paramref name="minArticles"/> articles (all of them when
    /// none is), the <paramref name="maxTerms"/> most widespread words and pairs, and as many
    /// character n-grams, when there are more; idf ln(N / df) (0 for a term in every article).
    /// <paramref name="commonTerms"/>: the words and pairs found in more than a fifth of the
    /// articles ("said", "wurde"), which explanations leave out.
    /// </summary>
    public static TermVocabulary Fit(
        IReadOnlyList<Dictionary<string, int>> articles, int minArticles, int maxTerms, TermWeighting weighting, out string[] commonTerms, double nGramShare = 0)
    {
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var counts in articles)
        {
            CountArticle(documentFrequency, counts);
        }
        return Fit(documentFrequency, articles.Count, minArticles, maxTerms, weighting, out commonTerms, nGramShare);
    }

    /// <summary>Adds one article's terms to <paramref name="documentFrequency"/> (term → articles holding it).</summary>
    public static void CountArticle(Dictionary<string, int> documentFrequency, Dictionary<string, int> counts)
    {
        foreach (var term in counts.Keys)
        {
            documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
        }
    }

    /// <summary>The words of a corpus, each counted once per article it is in (not word pairs or n-grams).</summary>
    public static long WordOccurrences(Dictionary<string, int> documentFrequency) =>
        documentFrequency.Where(e => !TermAnalysis.IsNGram(e.Key) && !e.Key.Contains(' ')).Sum(e => (long)e.Value);

    /// <summary>
    /// The same from each term's document frequency over <paramref name="n"/> articles, so that a
    /// fit need not hold every article's counts at once (with character n-grams, thousands of
    /// strings an article).
    /// </summary>
    public static TermVocabulary Fit(
        Dictionary<string, int> documentFrequency, int n, int minArticles, int maxTerms, TermWeighting weighting, out string[] commonTerms, double nGramShare = 0)
    {
        var shared = documentFrequency.Where(t => t.Value >= minArticles).ToList();
        var kept = (shared.Count > 0 ? shared : documentFrequency.ToList())
            .GroupBy(t => TermAnalysis.IsNGram(t.Key))
            .SelectMany(kind => kind.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Take(maxTerms))
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        commonTerms = documentFrequency.Where(t => t.Value > n * CommonTermShare && !TermAnalysis.IsNGram(t.Key)).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
        return new TermVocabulary(
            kept.Select(t => t.Key).ToArray(),
            kept.Select(t => (float)Math.Log((double)n / t.Value)).ToArray(),
            weighting,
            nGramShare);
    }

    /// <summary>The article's L2-normalized sparse vector over this vocabulary (empty when it holds no known term).</summary>
    public VBuffer<float> Vector(Dictionary<string, int> counts)
    {
        var entries = Weigh(counts);
        return new VBuffer<float>(Count, entries.Count, entries.Select(e => e.Weight).ToArray(), entries.Select(e => e.Slot).ToArray());
    }

    /// <summary>Known terms with their normalized weights, by slot.</summary>
    public List<(int Slot, float Weight)> Weigh(Dictionary<string, int> counts)
    {
        var entries = new List<(int Slot, float Weight)>(counts.Count);
        double words = 0, nGrams = 0; // sums of squares
        foreach (var (term, count) in counts)
        {
            if (_slots.TryGetValue(term, out var slot))
            {
                var weight = (float)(Weighting switch
                {
                    TermWeighting.Presence => 1.0,
                    TermWeighting.Sublinear => 1 + Math.Log(count),
                    _ => count,
                } * _idf[slot]);
                entries.Add((slot, weight));
                if (TermAnalysis.IsNGram(term))
                {
                    nGrams += (double)weight * weight;
                }
                else
                {
                    words += (double)weight * weight;
                }
            }
        }
        entries.Sort((a, b) => a.Slot.CompareTo(b.Slot));
        // Each part to its share of the length; a part the article lacks leaves the whole to the other.
        var (wordShare, nGramShare) = words > 0 && nGrams > 0 ? (1 - NGramShare, NGramShare) : (1.0, 1.0);
        var wordScale = words > 0 ? (float)Math.Sqrt(wordShare / words) : 0f;
        var nGramScale = nGrams > 0 ? (float)Math.Sqrt(nGramShare / nGrams) : 0f;
        for (var i = 0; i < entries.Count; i++)
        {
            var slot = entries[i].Slot;
            entries[i] = (slot, entries[i].Weight * (TermAnalysis.IsNGram(_terms[slot]) ? nGramScale : wordScale));
        }
        return entries;
    }

    /// <summary>One line per slot: the term, a tab, its idf.</summary>
    public void Write(Stream stream)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        for (var i = 0; i < _terms.Length; i++)
        {
            writer.Write(_terms[i]);
            writer.Write('\t');
            writer.WriteLine(_idf[i].ToString("R", CultureInfo.InvariantCulture));
        }
    }

    public static TermVocabulary Read(Stream stream, TermWeighting weighting, double nGramShare)
    {
        var terms = new List<string>();
        var idf = new List<float>();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.LastIndexOf('\t');
            if (tab <= 0 || !float.TryParse(line.AsSpan(tab + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new InvalidDataException($"Vocabulary line {terms.Count + 1} is not 'term<TAB>idf'.");
            }
            terms.Add(line[..tab]);
            idf.Add(value);
        }
        return new TermVocabulary([.. terms], [.. idf], weighting, nGramShare);
    }
}
