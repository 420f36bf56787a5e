namespace Recommender.Core.Storage;

/// <summary>Everything one namespace keeps in the store, by role.</summary>
public sealed record NamespaceStore(
    string Namespace,
    IArticleStore Articles,
    IArticleCatalog Catalog,
    IModelStore Models,
    ISnapshotStore Snapshots,
    IRuleStore Rules,
    IFeedbackStore Feedback,
    IChangeFeed Changes)
{
    /// <summary>Whether the store is reachable right now (without a round trip).</summary>
    public bool IsAvailable => Articles.IsAvailable;
}
