namespace Recommender.Core.Storage;

/// <summary>Opens the stores of one namespace (one site), and answers for namespaces as a whole.</summary>
public interface INamespaceStores
{
    NamespaceStore Open(string ns);

    /// <summary>Whether the namespace holds anything: articles, a fitted model or editorial rules.</summary>
    Task<bool> ExistsAsync(string ns, CancellationToken cancellationToken);

    /// <summary>Deletes everything stored under the namespace; returns how many articles there were.</summary>
    Task<int> DropAsync(string ns, CancellationToken cancellationToken);

    /// <summary>A random secret of the store (created by the first process to ask), the same for every process sharing it.</summary>
    Task<byte[]> GetSharedSecretAsync(string name, CancellationToken cancellationToken);
}
