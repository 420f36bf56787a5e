namespace Recommender.Core.Errors;

/// <summary>A namespace that holds nothing was read: namespaces are created by their first write (NOT_FOUND).</summary>
public sealed class NamespaceNotFoundException(string ns)
    : NotFoundException($"Namespace '{ns}' holds nothing; a namespace is created by its first write (UpsertArticles or AddRule).", ErrorReason.NamespaceNotFound)
{
    public string Namespace { get; } = ns;
}
