using Recommender.Core.Abstractions;
using Recommender.Core.Ranking;

namespace Recommender.Engine;

public sealed record UpsertResult(int Created, int Updated, int Unchanged, int Embedded, string ModelVersion, bool RefitScheduled);

public sealed record DeleteResult(int Deleted, int NotFound);

/// <param name="RecommendationId">Names this list in feedback (impressions and clicks).</param>
public sealed record RelatedList(IReadOnlyList<RelatedItem> Items, string ModelVersion, bool Stale, string RecommendationId);

public sealed record CorpusStats(int Articles, IReadOnlyDictionary<string, int> Sections);

public sealed record EngineStats(ModelInfo Model, CorpusStats Corpus, bool RefitPending, bool StoreAvailable);

/// <summary>The article id is not stored.</summary>
public sealed class ArticleNotFoundException(string id) : NotFoundException($"Article '{id}' is not stored.")
{
    public string Id { get; } = id;
}

/// <summary>Something the request names does not exist.</summary>
public class NotFoundException(string message) : Exception(message);

/// <summary>The operation cannot run in the current state (e.g. a refit with no articles stored).</summary>
public sealed class EngineStateException(string message) : Exception(message);

/// <summary>The service has not finished starting (model load and index build); retry shortly.</summary>
public sealed class EngineNotReadyException() : Exception("The service is starting: the model and index are not ready yet.");

/// <summary>A namespace that holds nothing was read: namespaces are created by their first write.</summary>
public sealed class NamespaceNotFoundException(string ns)
    : NotFoundException($"Namespace '{ns}' holds nothing; a namespace is created by its first write (UpsertArticles or AddRule).");

/// <summary>A bounded resource of this process is used up (RESOURCE_EXHAUSTED).</summary>
public sealed class CapacityException(string message) : Exception(message);
