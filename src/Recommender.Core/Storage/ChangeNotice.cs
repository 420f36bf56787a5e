namespace Recommender.Core.Storage;

/// <summary>What one process changed: written or deleted ids, a newly serving model, or the editorial rules.</summary>
/// <param name="Origin">The process that made the change (it ignores its own notices).</param>
public sealed record ChangeNotice(string Origin, IReadOnlyList<string> Upserted, IReadOnlyList<string> Deleted, string? ModelVersion, bool RulesChanged = false);
