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
}
