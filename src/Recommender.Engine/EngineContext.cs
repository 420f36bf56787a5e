using Microsoft.Extensions.Logging;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;

namespace Recommender.Engine;

/// <summary>What every part of one namespace's engine shares: its store, featurizer, options, clock and log, and the token that stops its background work.</summary>
internal sealed record EngineContext(
    string Namespace,
    NamespaceStore Store,
    IFeaturizer Featurizer,
    EngineOptions Options,
    RankingOptions Ranking,
    IndexOptions Index,
    InputLimits Limits,
    TimeProvider Clock,
    ILogger Logger,
    CancellationToken Stopping)
{
    /// <summary>Writes fail at once while the store is down, instead of waiting for a timeout.</summary>
    public void EnsureStoreAvailable()
    {
        if (!Store.IsAvailable)
        {
            throw new Core.Errors.StoreUnavailableException("The article store is unreachable.");
        }
    }
}
