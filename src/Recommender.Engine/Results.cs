using Recommender.Core.Abstractions;
using Recommender.Core.Ranking;

namespace Recommender.Engine;

public sealed record UpsertResult(int Created, int Updated, int Unchanged, int Embedded, string ModelVersion, bool RefitScheduled);

public sealed record DeleteResult(int Deleted, int NotFound);

/// <param name="RecommendationId">Names this list in feedback (impressions and clicks).</param>
public sealed record RelatedList(IReadOnlyList<RelatedItem> Items, string ModelVersion, bool Stale, string RecommendationId)
{
    /// <summary>In a list for several articles: the given ids that are not stored (left out of the query).</summary>
    public IReadOnlyList<string> UnknownIds { get; init; } = [];
}

public sealed record CorpusStats(int Articles, IReadOnlyDictionary<string, int> Sections);

public sealed record EngineStats(ModelInfo Model, CorpusStats Corpus, bool RefitPending, bool StoreAvailable);
