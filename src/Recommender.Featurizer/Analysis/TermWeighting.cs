namespace Recommender.Featurizer.Analysis;

/// <summary>How a term's count in one article becomes its weight there (times its idf).</summary>
public enum TermWeighting
{
    /// <summary>1 when present: a word repeated in one long story does not make it more about that word.</summary>
    Presence,

    /// <summary>1 + ln(count): repetition counts, with diminishing returns (sublinear tf).</summary>
    Sublinear,

    /// <summary>The raw count.</summary>
    Count,
}
