using Microsoft.Extensions.Logging;

namespace Recommender.Engine;

/// <summary>
/// What every part of one namespace's engine is scoped by: the namespace (for its logs and
/// metrics), the log, the clock, and the token that stops its background work. Everything else a
/// part uses (store roles, options, the featurizer, other parts) it is given by name.
/// </summary>
internal sealed record EngineScope(string Namespace, ILogger Logger, TimeProvider Clock, CancellationToken Stopping);

/// <summary>Whether the store is reachable, for writes that should fail at once rather than after its timeout.</summary>
internal sealed class StoreAvailability(Core.Storage.IArticleStore articles)
{
    public bool IsAvailable => articles.IsAvailable;

    /// <summary>Writes fail at once while the store is down, instead of waiting for a timeout.</summary>
    public void Ensure()
    {
        if (!articles.IsAvailable)
        {
            throw new Core.Errors.StoreUnavailableException("The article store is unreachable.");
        }
    }
}
