namespace Recommender.Featurizer.Analysis;

/// <summary>A token after analysis, and the word of the text it came from (for explanations; empty unless asked for).</summary>
public readonly record struct AnalyzedToken(string Term, string Surface);
