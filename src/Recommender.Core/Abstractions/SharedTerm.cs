namespace Recommender.Core.Abstractions;

/// <summary>A term two articles share, and its share of their similarity (the product of its two weights).</summary>
public sealed record SharedTerm(string Term, float Weight);
