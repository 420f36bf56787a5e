using System.ComponentModel.DataAnnotations;

namespace Recommender.Featurizer;

/// <summary>How models are fitted. Section "Recommender:Featurizer".</summary>
public sealed class FeaturizerOptions
{
    public const string SectionName = "Recommender:Featurizer";

    /// <summary>Length of the dense vectors (the principal components kept).</summary>
    [Range(8, 1024, ErrorMessage = "Recommender:Featurizer:Dimensions must be between {1} and {2}.")]
    public int Dimensions { get; set; } = 128;

    /// <summary>Most word n-grams kept in the vocabulary before the projection.</summary>
    [Range(1_000, 1_000_000, ErrorMessage = "Recommender:Featurizer:MaxVocabulary must be between {1} and {2}.")]
    public int MaxVocabulary { get; set; } = 80_000;

    /// <summary>Fewest articles of the fitting corpus a word or word pair must appear in to enter the vocabulary.</summary>
    [Range(1, 100, ErrorMessage = "Recommender:Featurizer:MinDocumentFrequency must be between {1} and {2}.")]
    public int MinDocumentFrequency { get; set; } = 2;

    /// <summary>
    /// How an n-gram counts in an article: "Idf" (present or not, times inverse document frequency:
    /// a word repeated ten times in one story does not make it ten times more about that word),
    /// "SublinearTfIdf" ((1 + ln count) times idf), "TfIdf" (count times idf) or "Tf" (count).
    /// </summary>
    [RegularExpression("^(Idf|SublinearTfIdf|TfIdf|Tf)$", ErrorMessage = "Recommender:Featurizer:Weighting must be Idf, SublinearTfIdf, TfIdf or Tf.")]
    public string Weighting { get; set; } = "Idf";

    /// <summary>How many times the headline counts against the body (headlines are short and dense with topic words).</summary>
    [Range(0, 10, ErrorMessage = "Recommender:Featurizer:TitleWeight must be between {1} and {2}.")]
    public int TitleWeight { get; set; } = 1;

    /// <summary>Seed of ML.NET's randomness, so that one corpus always gives the same model.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The shipped model that serves until the first fit; relative paths are under the app's folder.</summary>
    [Required(ErrorMessage = "Recommender:Featurizer:DefaultModelPath is required.")]
    public string DefaultModelPath { get; set; } = Path.Combine("models", "default", "model.zip");
}
