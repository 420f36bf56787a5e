using Recommender.Core.Abstractions;
using Recommender.Core.Index;

namespace Recommender.Engine.Serving;

/// <summary>
/// The serving model and index, replaced whole by a refit. The model's info is known at once; its
/// pipeline may still be loading just after start (lists of stored articles need only the index),
/// so whatever embeds awaits <see cref="Model"/>.
/// </summary>
internal sealed record ServingModel(ModelInfo Info, Task<IFeaturizerModel> Model, VectorIndex Index)
{
    public ServingModel(IFeaturizerModel model, VectorIndex index) : this(model.Info, Task.FromResult(model), index)
    {
    }
}
