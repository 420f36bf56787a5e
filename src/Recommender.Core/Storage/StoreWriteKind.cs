namespace Recommender.Core.Storage;

/// <summary>What a write to the store is for: content is refused last, feedback counters first.</summary>
public enum StoreWriteKind
{
    /// <summary>Articles, vectors, models, snapshots, rules: what the service exists to keep.</summary>
    Content,

    /// <summary>Click and impression counters, sent by anonymous readers' browsers.</summary>
    Feedback,
}
