namespace Recommender.Server.Hosting;

/// <summary>Which store serves ("embedded" or "redis") and under which key namespace.</summary>
public sealed record StoreDescription(string Kind, string Namespace);
