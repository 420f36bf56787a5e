using Recommender.Core.Abstractions;

namespace Recommender.Core.Storage;

/// <summary>The namespace's serving model, shared by every replica.</summary>
public interface IModelStore
{
    /// <summary>The serving model's info alone (without its bytes), or null in a new namespace.</summary>
    Task<ModelInfo?> GetActiveModelInfoAsync(CancellationToken cancellationToken);

    /// <summary>The serving model as last saved by any replica, or null in a new namespace.</summary>
    Task<StoredModel?> GetActiveModelAsync(CancellationToken cancellationToken);

    /// <summary>Saves a model and makes it the serving one.</summary>
    Task SetActiveModelAsync(ModelInfo info, byte[] model, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the namespace's refit lease for <paramref name="owner"/> for <paramref name="duration"/>,
    /// or extends it when <paramref name="owner"/> holds it already; false while another holds it.
    /// One refit at a time across every replica; a lease its holder stops renewing (it died) expires.
    /// </summary>
    Task<bool> TryLeaseRefitAsync(string owner, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives the lease up if <paramref name="owner"/> holds it.</summary>
    Task ReleaseRefitLeaseAsync(string owner, CancellationToken cancellationToken);
}
