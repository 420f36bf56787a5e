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

    private TermVocabulary(string[] terms, float[] idf, TermWeighting weighting)
    {
        _terms = terms;
        _idf = idf;
        Weighting = weighting;
        _slots = new Dictionary<string, int>(terms.Length, StringComparer.Ordinal);
        for (var i = 0; i < terms.Length; i++)
        {
            _slots[terms[i]] = i;
        }
    }

    public TermWeighting Weighting { get; }

    public int Count => _terms.Length;

    public string Term(int slot) => _terms[slot];

    /// <summary>
    /// Keeps the terms found in at least <paramref name="minArticles"/> articles (all of them when
    /// none is), the <paramref name="maxTerms"/> most widespread when there are more; idf ln(N / df)
    /// (0 for a term in every article). <paramref name="commonTerms"/>: the terms found in more than a
    /// fifth of the articles ("said", "wurde"), which explanations leave out.
    /// </summary>
    public static TermVocabulary Fit(
        IReadOnlyList<Dictionary<string, int>> articles, int minArticles, int maxTerms, TermWeighting weighting, out string[] commonTerms)
    {
        var documentFrequency = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var counts in articles)
        {
            foreach (var term in counts.Keys)
            {
                documentFrequency[term] = documentFrequency.GetValueOrDefault(term) + 1;
            }
        }
        var shared = documentFrequency.Where(t => t.Value >= minArticles).ToList();
        var kept = (shared.Count > 0 ? shared : documentFrequency.ToList())
            .OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal)
            .Take(maxTerms)
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        var n = articles.Count;
        commonTerms = documentFrequency.Where(t => t.Value > n * CommonTermShare).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();
        return new TermVocabulary(
            kept.Select(t => t.Key).ToArray(),
            kept.Select(t => (float)Math.Log((double)n / t.Value)).ToArray(),
            weighting);
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
        var sumOfSquares = 0.0;
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
                sumOfSquares += (double)weight * weight;
            }
        }
        entries.Sort((a, b) => a.Slot.CompareTo(b.Slot));
        var scale = sumOfSquares > 0 ? (float)(1 / Math.Sqrt(sumOfSquares)) : 0f;
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i] = (entries[i].Slot, entries[i].Weight * scale);
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

    public static TermVocabulary Read(Stream stream, TermWeighting weighting)
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
        return new TermVocabulary([.. terms], [.. idf], weighting);
    }
}
