using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Storage;

/// <summary>
/// The durable copy of one namespace's articles and their vectors (one per model version).
/// Implementations throw <see cref="StoreUnavailableException"/> when the store cannot be reached
/// and <see cref="StoreFullException"/> when a write would not fit.
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
    /// article's fields and vector are written together or not at all. Throws
    /// <see cref="Errors.ReplicationUnconfirmedException"/> after a write it applied but its replicas
    /// did not confirm in time (when they must).
    /// </summary>
    Task WriteAsync(IReadOnlyList<ArticleWrite> writes, string modelVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes articles with their vectors of <paramref name="modelVersion"/>; returns the ids that
    /// existed. Throws <see cref="Errors.ReplicationUnconfirmedException"/> as <see cref="WriteAsync"/> does.
    /// </summary>
    Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken);

    /// <summary>The stored articles (with bodies) for the ids that exist.</summary>
    Task<IReadOnlyList<Article>> GetArticlesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>Specific articles (without bodies) with their vectors of <paramref name="modelVersion"/> where present.</summary>
    Task<IReadOnlyList<StoredArticle>> GetStoredAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Every stored article (without its body) in batches, with its vector of <paramref name="modelVersion"/>
    /// where one exists (null otherwise).
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<StoredArticle>> ReadAllAsync(string modelVersion, CancellationToken cancellationToken);

    /// <summary>Writes vectors of <paramref name="modelVersion"/> for articles that exist (a refit re-embedding).</summary>
    Task WriteVectorsAsync(string modelVersion, IReadOnlyList<(string Id, float[] Vector)> vectors, CancellationToken cancellationToken);

    /// <summary>Drops the vectors of a model that no longer serves.</summary>
    Task DeleteVectorsAsync(string modelVersion, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Removes from the id registry the ids whose article is not stored (left by a process killed
    /// between the two writes), except <paramref name="keep"/> (ids being written now); returns them.
    /// </summary>
    Task<IReadOnlyList<string>> RemoveDanglingIdsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken);
}
