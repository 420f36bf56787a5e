using System.ComponentModel.DataAnnotations;

namespace Recommender.Featurizer;

/// <summary>How models are fitted. Section "Recommender:Featurizer".</summary>
public sealed class FeaturizerOptions
{
    public const string SectionName = "Recommender:Featurizer";

    /// <summary>Principal components kept: the length of the dense vectors (fewer for a corpus of fewer articles or terms).</summary>
    [Range(8, 1024, ErrorMessage = "Recommender:Featurizer:Dimensions must be between {1} and {2}.")]
    public int Dimensions { get; set; } = 128;

    /// <summary>
    /// Components kept per square root of the articles fitted on, up to <see cref="Dimensions"/>
    /// (1.5 gives 48 for 1,000 articles, 71 for 2,225). 0, the default, keeps <see cref="Dimensions"/>:
    /// with <see cref="ComponentExponent"/> the minor components weigh too little to need cutting.
    /// </summary>
    [Range(0.0, 100.0, ErrorMessage = "Recommender:Featurizer:RankPerRootArticle must be between {1} and {2}.")]
    public double RankPerRootArticle { get; set; }

    /// <summary>
    /// How much each principal component weighs in a vector: its singular value raised to this power
    /// (1: the plain projection). Above 1 the main topics of the corpus weigh more and the minor
    /// components, which follow single words and noise, less.
    /// </summary>
    [Range(0.0, 8.0, ErrorMessage = "Recommender:Featurizer:ComponentExponent must be between {1} and {2}.")]
    public double ComponentExponent { get; set; } = 2.5;

    /// <summary>Most word n-grams kept in the vocabulary before the projection.</summary>
    [Range(1_000, 1_000_000, ErrorMessage = "Recommender:Featurizer:MaxVocabulary must be between {1} and {2}.")]
    public int MaxVocabulary { get; set; } = 80_000;

    /// <summary>
    /// Fewest articles of the fitting corpus a term must appear in to enter the vocabulary, in
    /// corpora of 50,000 × this many words or more; smaller corpora ask for 2 (1 keeps every term).
    /// </summary>
    [Range(1, 100, ErrorMessage = "Recommender:Featurizer:MinDocumentFrequency must be between {1} and {2}.")]
    public int MinDocumentFrequency { get; set; } = 3;

    /// <summary>
    /// How a term counts in an article: "SublinearTfIdf" ((1 + ln count) times inverse document
    /// frequency: repetition counts, with diminishing returns), "Idf" (present or not, times idf),
    /// "TfIdf" (count times idf) or "Tf" (count).
    /// </summary>
    [RegularExpression("^(Idf|SublinearTfIdf|TfIdf|Tf)$", ErrorMessage = "Recommender:Featurizer:Weighting must be Idf, SublinearTfIdf, TfIdf or Tf.")]
    public string Weighting { get; set; } = "SublinearTfIdf";

    /// <summary>
    /// Length of the character n-grams taken from each analysed word, besides the words and word
    /// pairs (0: none). They match parts of compounds and inflected forms that words cannot, which
    /// counts most in short items.
    /// </summary>
    [Range(0, 8, ErrorMessage = "Recommender:Featurizer:CharNGramLength must be between {1} and {2}.")]
    public int CharNGramLength { get; set; } = 3;

    /// <summary>The share of an article's similarity carried by its character n-grams, the rest by its words (0: no n-grams).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Recommender:Featurizer:CharNGramShare must be between {1} and {2}.")]
    public double CharNGramShare { get; set; } = 0.3;

    /// <summary>
    /// Whether German compounds ("Bundesregierung") also count as the parts the fitted corpus knows
    /// as words ("regierung", "bund"); other languages are not split.
    /// </summary>
    public bool SplitCompounds { get; set; } = true;

    /// <summary>
    /// The hybrid mode, off by default: "MiniLM" fuses each English article's vector with a
    /// sentence embedding of its headline and lead (all-MiniLM-L6-v2, shipped inside a NuGet package
    /// and run in process); articles in other languages keep the default vector. It gains most on
    /// short items and costs ingest speed (see docs/relevance.md). "" keeps the default.
    /// </summary>
    [RegularExpression("^(MiniLM)?$", ErrorMessage = "Recommender:Featurizer:SentenceModel must be empty or MiniLM.")]
    public string SentenceModel { get; set; } = "";

    /// <summary>The share of an English article's similarity the sentence embedding carries in the hybrid mode.</summary>
    [Range(0.05, 0.95, ErrorMessage = "Recommender:Featurizer:SentenceModelShare must be between {1} and {2}.")]
    public double SentenceModelShare { get; set; } = 0.5;

    /// <summary>How many times the headline counts against the body (headlines are short and dense with topic words).</summary>
    [Range(0, 10, ErrorMessage = "Recommender:Featurizer:TitleWeight must be between {1} and {2}.")]
    public int TitleWeight { get; set; } = 1;

    /// <summary>Seed of ML.NET's randomness, so that one corpus always gives the same model.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The shipped model that serves until the first fit; relative paths are under the app's folder.</summary>
    [Required(ErrorMessage = "Recommender:Featurizer:DefaultModelPath is required.")]
    public string DefaultModelPath { get; set; } = Path.Combine("models", "default", "model.zip");
}
