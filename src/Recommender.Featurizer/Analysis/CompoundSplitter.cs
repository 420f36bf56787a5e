namespace Recommender.Featurizer.Analysis;

/// <summary>
/// Splits the closed compounds of German ("Bundesregierung", "Regierungschef") into the parts the
/// fitted corpus knows as words of their own ("regierung", "bund"), so that an article about the
/// government and one about its head share a word, not only the n-grams of one. The dictionary is
/// the corpus's own vocabulary, as Elasticsearch's dictionary decompounder takes a word list: a
/// compound counts as itself, its longest known head (the last part, which names what it is) and
/// its longest known modifier (the first part). Parts are at least <see cref="MinPart"/> letters and
/// leave at least <see cref="MinRest"/>, so that no ending ("ung", "en") is split off as a part.
/// </summary>
public sealed class CompoundSplitter
{
    public const int MinPart = 4;
    public const int MinRest = 3;

    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _words;

    private CompoundSplitter(HashSet<string> words) => _words = words.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>A splitter knowing the words (not word pairs or n-grams) of at least <see cref="MinPart"/> letters among <paramref name="terms"/>.</summary>
    public static CompoundSplitter FromTerms(IEnumerable<string> terms) =>
        new(terms.Where(t => t.Length >= MinPart && !t.Contains(' ') && !TermAnalysis.IsNGram(t)).ToHashSet(StringComparer.Ordinal));

    /// <summary>Whether text in <paramref name="language"/> writes its compounds closed and is split (German).</summary>
    public static bool Splits(string language) => LanguageAnalyzers.PrimaryCode(language) == "de";

    /// <summary>The known head and modifier of <paramref name="word"/>, when it has them; never the word itself.</summary>
    public IEnumerable<string> Parts(string word)
    {
        if (word.Length < MinPart + MinRest)
        {
            yield break;
        }
        for (var start = MinRest; start <= word.Length - MinPart; start++)
        {
            if (_words.TryGetValue(word.AsSpan(start), out var head))
            {
                yield return head;
                break;
            }
        }
        for (var end = word.Length - MinRest; end >= MinPart; end--)
        {
            if (_words.TryGetValue(word.AsSpan(0, end), out var modifier))
            {
                yield return modifier;
                break;
            }
        }
    }
}
