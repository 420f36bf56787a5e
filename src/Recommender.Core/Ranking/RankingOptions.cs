using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Ranking;

/// <summary>Server-wide ranking defaults. Section "Recommender:Ranking".</summary>
public sealed class RankingOptions
{
    public const string SectionName = "Recommender:Ranking";

    /// <summary>
    /// Query expansion (pseudo-relevance feedback): the query's vector is moved toward the mean of
    /// its nearest neighbours before candidates are ranked, so a list follows the story's topic
    /// rather than the words one article happens to use. 0 turns it off.
    /// </summary>
    [Range(0, 50, ErrorMessage = "Recommender:Ranking:ExpansionNeighbours must be between {1} and {2}.")]
    public int ExpansionNeighbours { get; set; } = 5;

    /// <summary>Weight of the neighbours' mean against the query's own vector (1 = equal).</summary>
    [Range(0.0, 10.0, ErrorMessage = "Recommender:Ranking:ExpansionWeight must be between {1} and {2}.")]
    public double ExpansionWeight { get; set; } = 1.0;

    /// <summary>
    /// Two bodies whose word 3-shingle sets have at least this (MinHash-estimated) Jaccard
    /// similarity are copies of one story. Re-published copies with a new byline or a corrected
    /// sentence score 0.8-1; different articles on one event rarely pass 0.3. Above 1 turns
    /// near-duplicate detection off; identical bodies are always suppressed.
    /// </summary>
    [Range(0.1, 1.1, ErrorMessage = "Recommender:Ranking:NearDuplicateSimilarity must be between {1} and {2}.")]
    public double NearDuplicateSimilarity { get; set; } = 0.8;

    /// <summary>Default recency half-life; null (the default) means no decay unless a request asks for one.</summary>
    public TimeSpan? FreshnessHalfLife { get; set; }

    /// <summary>Default diversity, 0 (pure relevance) to 1: the weight MMR gives to being unlike what is already listed.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Recommender:Ranking:Diversity must be between {1} and {2}.")]
    public double Diversity { get; set; }

    /// <summary>Score factor for an article in another language than the query's (when both carry one); 1 turns the preference off.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Recommender:Ranking:OtherLanguageFactor must be between {1} and {2}.")]
    public double OtherLanguageFactor { get; set; } = 0.5;
}
