namespace Recommender.Core.Errors;

/// <summary>
/// The stable, machine-readable reasons errors carry (google.rpc.ErrorInfo.reason, domain
/// <see cref="Domain"/>): a client branches on these, never on message text. Never renamed.
/// </summary>
public static class ErrorReason
{
    public const string Domain = "recommender.v1";

    public const string ArticleNotFound = "ARTICLE_NOT_FOUND";
    public const string NamespaceNotFound = "NAMESPACE_NOT_FOUND";
    public const string RuleNotFound = "RULE_NOT_FOUND";
    public const string StoreUnavailable = "STORE_UNAVAILABLE";
    public const string ReplicationUnconfirmed = "REPLICATION_UNCONFIRMED";
    public const string NotReady = "NOT_READY";
    public const string NamespaceLimit = "NAMESPACE_LIMIT";
    public const string StoreFull = "STORE_FULL";
    public const string DiskFull = "DISK_FULL";
    public const string RequestTooLarge = "REQUEST_TOO_LARGE";
    public const string WatchBacklog = "WATCH_BACKLOG";
    public const string NoArticles = "NO_ARTICLES";
    public const string DefaultNamespace = "DEFAULT_NAMESPACE";
}

/// <summary>An error of the service's vocabulary that carries its <see cref="ErrorReason"/>.</summary>
public abstract class ReasonedException(string message, string reason, Exception? inner = null) : Exception(message, inner)
{
    public string Reason { get; } = reason;
}
