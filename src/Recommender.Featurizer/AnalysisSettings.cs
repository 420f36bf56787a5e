using Microsoft.ML.Data;
using Recommender.Core.Articles;
using Recommender.Featurizer.Analysis;

namespace Recommender.Featurizer;

/// <summary>
/// How text becomes the pipeline's input (the vocabulary, the headline's weight, the corpus's main
/// language: what a text in no detectable language is analysed as, and the length of the character
/// n-grams taken from each word, 0 for none), and the terms too common
/// in the fitted corpus to explain anything; saved with the model, so a loaded model analyses text
/// as it was fitted.
/// </summary>
internal sealed record AnalysisSettings(TermVocabulary Vocabulary, int TitleWeight, string MainLanguage, IReadOnlyList<string> CommonTerms, int CharNGrams)
{
    /// <summary>The hybrid mode's share for the sentence embedding (<see cref="Semantic.SentenceEmbedding"/>); 0 when it is off.</summary>
    public double SentenceShare { get; init; }

    /// <summary>The input column's type: a vector as long as the vocabulary.</summary>
    public SchemaDefinition InputSchema { get; } = InputSchemaFor(Vocabulary.Count);

    public Dictionary<string, int> Counts(ArticleText text) => TermAnalysis.Counts(text, TitleWeight, MainLanguage, CharNGrams);

    private static SchemaDefinition InputSchemaFor(int terms)
    {
        var schema = SchemaDefinition.Create(typeof(SparseInput));
        schema[MlNetFeaturizer.SparseColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, terms);
        return schema;
    }
}
