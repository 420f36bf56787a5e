namespace Recommender.Server.Hosting;

/// <summary>Which store serves: "embedded" (in-process Garnet) or "redis".</summary>
public sealed record StoreDescription(string Kind);
