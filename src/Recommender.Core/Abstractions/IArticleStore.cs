using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;

namespace Recommender.Core.Abstractions;

/// <summary>
/// The durable copy of articles, their vectors (one per model version) and the serving model.
/// Implementations throw <see cref="StoreUnavailableException"/> when the store cannot be reached.
/// </summary>
public interface IArticleStore
{
    /// <summary>Whether the store is reachable right now (without a round trip).</summary>
    bool IsAvailable { get; }

    /// <summary>The hashes stored for each of <paramref name="ids"/> that exists, and whether it has a vector of <paramref name="modelVersion"/>.</summary>
    Task<IReadOnlyDictionary<string, StoredState>> GetStatesAsync(
        IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Writes articles and, where given, their vectors of <paramref name="modelVersion"/>. Each
    /// article's fields and vector are written together or not at all.
    /// </summary>
    Task WriteAsync(IReadOnlyList<ArticleWrite> writes, string modelVersion, CancellationToken cancellationToken);

    /// <summary>Deletes articles with their vectors of <paramref name="modelVersion"/>; returns the ids that existed.</summary>
    Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken);

    /// <summary>The stored articles (with bodies) for the ids that exist.</summary>
    Task<IReadOnlyList<Article>> GetArticlesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Every stored article in batches, with its vector of <paramref name="modelVersion"/> where one
    /// exists (null otherwise). Bodies are read only when <paramref name="includeBodies"/> is set.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<StoredArticle>> ReadAllAsync(
        string? modelVersion, bool includeBodies, CancellationToken cancellationToken);

    /// <summary>Writes vectors of <paramref name="modelVersion"/> for articles that exist (a refit re-embedding).</summary>
    Task WriteVectorsAsync(string modelVersion, IReadOnlyList<(string Id, float[] Vector)> vectors, CancellationToken cancellationToken);

    /// <summary>Drops the vectors of a model that no longer serves.</summary>
    Task DeleteVectorsAsync(string modelVersion, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>The serving model's info alone (without its bytes), or null in a new namespace.</summary>
    Task<ModelInfo?> GetActiveModelInfoAsync(CancellationToken cancellationToken);

    /// <summary>The serving model as last saved by any replica, or null in a new namespace.</summary>
    Task<StoredModel?> GetActiveModelAsync(CancellationToken cancellationToken);

    /// <summary>Saves a model and makes it the serving one.</summary>
    Task SetActiveModelAsync(ModelInfo info, byte[] model, CancellationToken cancellationToken);

    /// <summary>Deletes everything stored under this namespace; returns how many articles there were.</summary>
    Task<int> DropAsync(CancellationToken cancellationToken);

    /// <summary>Specific articles (without bodies) with their vectors of <paramref name="modelVersion"/> where present.</summary>
    Task<IReadOnlyList<StoredArticle>> GetStoredAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken);

    /// <summary>Tells the other processes serving this namespace what changed (best effort).</summary>
    Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken);

    /// <summary>Saves an index snapshot of <paramref name="modelVersion"/> taken at <paramref name="takenAt"/>, replacing the previous one.</summary>
    Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, ReadOnlyMemory<byte> snapshot, CancellationToken cancellationToken);

    /// <summary>The saved index snapshot of <paramref name="modelVersion"/>, or null when there is none (or it is of another model).</summary>
    Task<(DateTimeOffset TakenAt, byte[] Snapshot)?> ReadSnapshotAsync(string modelVersion, CancellationToken cancellationToken);

    /// <summary>Ids written or deleted at or after <paramref name="since"/> (as the writers' clocks saw it).</summary>
    Task<IReadOnlyList<string>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>Every editorial rule of the namespace.</summary>
    Task<IReadOnlyList<EditorialRule>> GetRulesAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces a rule by its id.</summary>
    Task SaveRuleAsync(EditorialRule rule, CancellationToken cancellationToken);

    /// <summary>Deletes a rule; false when there was none with that id.</summary>
    Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Counts each event once per (recommendation id, kind, position) within <paramref name="window"/>,
    /// under its position and the given section; returns how many were counted now.
    /// </summary>
    Task<int> RecordFeedbackAsync(IReadOnlyList<(FeedbackEvent Event, string Section)> events, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Impressions and clicks recorded so far.</summary>
    Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes from the id registry the ids whose article is not stored (left by a process killed
    /// between the two writes), except <paramref name="keep"/> (ids being written now); returns them.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveDanglingIdsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken);

    /// <summary>Whether the namespace holds anything: articles, a fitted model or editorial rules.</summary>
    Task<bool> ExistsAsync(CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> for every notice published in this namespace, one at a time, until disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(Func<ChangeNotice, Task> handler, CancellationToken cancellationToken);
}

/// <summary>What one process changed: written or deleted ids, a newly serving model, or the editorial rules.</summary>
public sealed record ChangeNotice(string Origin, IReadOnlyList<string> Upserted, IReadOnlyList<string> Deleted, string? ModelVersion, bool RulesChanged = false);

/// <summary>Opens the store of one namespace (one site).</summary>
public interface IArticleStoreFactory
{
    IArticleStore Open(string ns);

    /// <summary>A random secret of the store (created by the first process to ask), the same for every process sharing it.</summary>
    Task<byte[]> GetSharedSecretAsync(string name, CancellationToken cancellationToken);
}

/// <summary>What the store knows of an article without reading it whole.</summary>
public sealed record StoredState(string RecordHash, string TextHash, bool HasVector);

/// <summary>An article to write, with its hashes and (when it was embedded) its vector.</summary>
public sealed record ArticleWrite(Article Article, string RecordHash, string TextHash, float[]? Vector);

/// <summary>An article read back; <see cref="Article.Body"/> is empty unless bodies were asked for.</summary>
public sealed record StoredArticle(Article Article, string BodyHash, uint[] BodyMinHash, float[]? Vector);

/// <summary>A saved model and its bytes.</summary>
public sealed record StoredModel(ModelInfo Info, byte[] Model);
