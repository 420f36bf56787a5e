using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Recommender.Core.Errors;

namespace Recommender.Engine.Changes;

/// <summary>What changed lists in a namespace.</summary>
public enum ChangeKind
{
    ArticlesWritten = 1,
    ArticlesDeleted = 2,
    ModelChanged = 3,
    RulesChanged = 4,
}

/// <summary>One change that may alter related lists, with the model serving once it applied.</summary>
public sealed record EngineChange(string Namespace, ChangeKind Kind, IReadOnlyList<string> Ids, string ModelVersion, DateTimeOffset Time);

/// <summary>
/// Hands every change applied here (made here or announced by another replica) to the watchers of
/// the namespace. A watcher that falls <see cref="Backlog"/> changes behind is ended with
/// <see cref="QuotaExceededException"/> rather than silently skipped: it must watch again and treat
/// every cached list as stale.
/// </summary>
internal sealed class ChangeBroadcast(EngineScope scope)
{
    public const int Backlog = 10_000;

    private readonly object _lock = new();
    private readonly List<Channel<EngineChange>> _watchers = [];

    public void Emit(ChangeKind kind, IReadOnlyList<string> ids, string modelVersion)
    {
        var change = new EngineChange(scope.Namespace, kind, ids, modelVersion, scope.Clock.GetUtcNow());
        lock (_lock)
        {
            foreach (var watcher in _watchers.ToList())
            {
                if (!watcher.Writer.TryWrite(change))
                {
                    _watchers.Remove(watcher);
                    watcher.Writer.TryComplete(new QuotaExceededException(
                        $"This watcher fell more than {Backlog} changes behind; watch again and treat every cached list of namespace '{scope.Namespace}' as stale.", ErrorReason.WatchBacklog));
                }
            }
        }
    }

    /// <summary>
    /// The changes applied from the moment of this call (the watch is registered before it returns,
    /// so nothing applied after it is missed), until <paramref name="cancellationToken"/> or the engine stops.
    /// </summary>
    public IAsyncEnumerable<EngineChange> Watch(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<EngineChange>(new BoundedChannelOptions(Backlog) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_lock)
        {
            _watchers.Add(channel);
        }
        return ReadAsync(channel, cancellationToken);
    }

    private async IAsyncEnumerable<EngineChange> ReadAsync(Channel<EngineChange> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Ends every watch (the engine stops, or its namespace was deleted).</summary>
    public void Complete()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
            _watchers.Clear();
        }
    }
}
