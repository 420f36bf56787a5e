using Microsoft.ML.Data;
using Recommender.Core.Articles;
using Recommender.Featurizer.Analysis;

namespace Recommender.Featurizer;

/// <summary>
/// How text becomes the pipeline's input (the vocabulary, the headline's weight, the corpus's main
/// language: what a text in no detectable language is analysed as, and the length of the character
/// n-grams taken from each word, 0 for none; whether German compounds also count as their parts the
/// vocabulary knows), and the terms too common
/// in the fitted corpus to explain anything; saved with the model, so a loaded model analyses text
/// as it was fitted.
/// </summary>
internal sealed record AnalysisSettings(TermVocabulary Vocabulary, int TitleWeight, string MainLanguage, IReadOnlyList<string> CommonTerms, int CharNGrams)
{
    /// <summary>The hybrid mode's share for the sentence embedding (<see cref="Semantic.SentenceEmbedding"/>); 0 when it is off.</summary>
    public double SentenceShare { get; init; }

    /// <summary>Whether German compounds also count as the parts the vocabulary knows as words (<see cref="CompoundSplitter"/>).</summary>
    public bool SplitCompounds { get; init; }

    private CompoundSplitter? _compounds;

    /// <summary>The splitter over the vocabulary's words, when <see cref="SplitCompounds"/>; built on first use (two threads may both build it, alike).</summary>
    public CompoundSplitter? Compounds => SplitCompounds ? _compounds ??= CompoundSplitter.FromTerms(Enumerable.Range(0, Vocabulary.Count).Select(Vocabulary.Term)) : null;

    /// <summary>The input column's type: a vector as long as the vocabulary.</summary>
    public SchemaDefinition InputSchema { get; } = InputSchemaFor(Vocabulary.Count);

    public Dictionary<string, int> Counts(ArticleText text) => TermAnalysis.Counts(text, TitleWeight, MainLanguage, CharNGrams, Compounds);

    private static SchemaDefinition InputSchemaFor(int terms)
    {
        var schema = SchemaDefinition.Create(typeof(SparseInput));
        schema[MlNetFeaturizer.SparseColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, terms);
        return schema;
    }
}
