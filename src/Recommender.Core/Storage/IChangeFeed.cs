namespace Recommender.Core.Storage;

/// <summary>How the processes serving one namespace tell each other what they changed (best effort).</summary>
public interface IChangeFeed
{
    /// <summary>Tells the other processes serving this namespace what changed.</summary>
    Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="handler"/> for every notice published in this namespace, one at a time, until disposed.</summary>
    Task<IAsyncDisposable> SubscribeAsync(Func<ChangeNotice, Task> handler, CancellationToken cancellationToken);
}
