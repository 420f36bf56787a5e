using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;

namespace Recommender.Engine;

/// <summary>
/// One engine per site namespace, created and initialized on first use. The default namespace is
/// the one requests without a namespace address. A failed start (store unreachable) is forgotten,
/// so the next request tries again.
/// </summary>
public sealed class EngineRegistry(
    string defaultNamespace,
    INamespaceStores stores,
    IFeaturizer featurizer,
    IOptions<EngineOptions> options,
    IOptions<RankingOptions> ranking,
    IOptions<IndexOptions> index,
    IOptions<InputLimits> limits,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<RecommendationEngine>>> _engines = new(StringComparer.Ordinal);
    private RecommendationIds? _recommendationIds;

    /// <summary>The serving engines, for telemetry.</summary>
    public IEnumerable<RecommendationEngine> Ready =>
        _engines.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully).Select(e => e.Value.Result);

    public string DefaultNamespace { get; } = defaultNamespace;

    /// <summary>
    /// The engine of <paramref name="ns"/> (empty: the default), started if need be. Only a write
    /// (<paramref name="create"/>) may start one for a namespace that holds nothing: a read of it is
    /// NotFound and allocates nothing, so anonymous reads cannot use up the namespace slots.
    /// </summary>
    public async Task<RecommendationEngine> GetAsync(string? ns, CancellationToken cancellationToken, bool create = false)
    {
        ns = Resolve(ns);
        if (!create && ns != DefaultNamespace && !_engines.ContainsKey(ns) && !await stores.ExistsAsync(ns, cancellationToken))
        {
            throw new NamespaceNotFoundException(ns);
        }
        var entry = _engines.GetOrAdd(ns, n => new Lazy<Task<RecommendationEngine>>(() => StartAsync(n)));
        if (_engines.Count > options.Value.MaxNamespaces && !entry.IsValueCreated)
        {
            _engines.TryRemove(new KeyValuePair<string, Lazy<Task<RecommendationEngine>>>(ns, entry));
            throw new QuotaExceededException($"This service already serves {options.Value.MaxNamespaces} namespaces (Recommender:Engine:MaxNamespaces).", ErrorReason.NamespaceLimit);
        }
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Value.IsFaulted)
        {
            _engines.TryRemove(new KeyValuePair<string, Lazy<Task<RecommendationEngine>>>(ns, entry));
            throw;
        }
    }

    /// <summary>The engine of <paramref name="ns"/> if it has started, else null.</summary>
    public RecommendationEngine? TryGetReady(string ns) =>
        _engines.TryGetValue(ns, out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully
            ? entry.Value.Result
            : null;

    /// <summary>Deletes a namespace's data and forgets its engine. The default namespace cannot be dropped.</summary>
    public async Task<int> DropAsync(string ns, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw new RequestValidationException("namespace", "is required");
        }
        ns = Resolve(ns);
        if (ns == DefaultNamespace)
        {
            throw new PreconditionFailedException($"'{ns}' is this service's default namespace; it cannot be deleted through the API.", ErrorReason.DefaultNamespace);
        }
        if (_engines.TryRemove(ns, out var entry) && entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
        {
            entry.Value.Result.Dispose();
        }
        return await stores.DropAsync(ns, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var entry in _engines.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully))
        {
            entry.Value.Result.Dispose();
        }
    }

    private string Resolve(string? ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return DefaultNamespace;
        }
        ArticleRules.ValidateNamespace(ns);
        return ns;
    }

    private async Task<RecommendationEngine> StartAsync(string ns)
    {
        // Signed with a secret the store holds, so that every replica verifies what another issued.
        _recommendationIds ??= new RecommendationIds(await stores.GetSharedSecretAsync("recommendation-ids", CancellationToken.None));
        var engine = new RecommendationEngine(
            stores.Open(ns), featurizer, options.Value, ranking.Value, index.Value, limits.Value, clock,
            loggerFactory.CreateLogger<RecommendationEngine>(), _recommendationIds);
        try
        {
            await engine.InitializeAsync(CancellationToken.None);
            return engine;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }
}
