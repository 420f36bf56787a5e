using Recommender.Core.Errors;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// The connection article writes and deletes go through, and their confirmation by replicas.
/// Redis WAIT blocks the connection it is sent on until the replicas have every earlier write of
/// that connection, so with <see cref="RedisStoreOptions.WaitForReplicas"/> set the writes get a
/// multiplexer of their own (reads, pub/sub and the rest never queue behind a WAIT); without it
/// they share the process's one.
/// </summary>
public sealed class ConfirmedWrites : IDisposable
{
    private readonly IConnectionMultiplexer? _own;
    private readonly int _replicas;
    private readonly int _timeoutMilliseconds;

    /// <param name="shared">The process's multiplexer.</param>
    /// <param name="connect">Opens a multiplexer of its own (called only when replicas must confirm).</param>
    public ConfirmedWrites(IConnectionMultiplexer shared, RedisStoreOptions options, Func<IConnectionMultiplexer> connect)
    {
        _replicas = options.WaitForReplicas;
        _timeoutMilliseconds = options.WaitTimeoutMilliseconds;
        _own = _replicas > 0 ? connect() : null;
        Connection = _own ?? shared;
    }

    public IConnectionMultiplexer Connection { get; }

    public IDatabase Db => Connection.GetDatabase();

    /// <summary>
    /// Waits until the configured number of replicas of every master holding one of <paramref name="keys"/>
    /// has this connection's writes; throws <see cref="ReplicationUnconfirmedException"/> when fewer confirm in time.
    /// </summary>
    public async Task ConfirmAsync(IEnumerable<RedisKey> keys, CancellationToken cancellationToken)
    {
        if (_replicas == 0)
        {
            return;
        }
        var masters = keys.Select(key => Connection.GetServer(key)).DistinctBy(server => server.EndPoint).ToList();
        var confirmations = await Task.WhenAll(masters.Select(server => server.ExecuteAsync("WAIT", _replicas, _timeoutMilliseconds)))
            .WaitAsync(cancellationToken);
        for (var i = 0; i < masters.Count; i++)
        {
            var confirmed = (long)confirmations[i];
            if (confirmed < _replicas)
            {
                throw new ReplicationUnconfirmedException(
                    $"The write reached {masters[i].EndPoint} but {confirmed} of the {_replicas} replicas Recommender:Redis:WaitForReplicas asks for " +
                    $"confirmed it within {_timeoutMilliseconds} ms: it may be lost if that master fails now. Sending it again is safe.");
            }
        }
    }

    public void Dispose() => _own?.Dispose();
}
