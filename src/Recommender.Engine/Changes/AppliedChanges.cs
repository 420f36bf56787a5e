using System.Collections.Concurrent;

namespace Recommender.Engine.Changes;

/// <summary>
/// Which article changes this replica already holds, by the time of the change: what it wrote
/// itself (at the store's clock, the same as the change log's), what notices brought (at this
/// clock less <see cref="Core.Storage.ChangeLog.SnapshotMargin"/>, since the writer's clock may run
/// ahead) and what the catch-up repaired (at the change log's time). The catch-up re-reads only
/// change-log entries later than these, so a replica whose notices arrive re-reads each remote
/// write at most once and its own writes never.
/// </summary>
internal sealed class AppliedChanges
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _at = new(StringComparer.Ordinal);

    public void Record(IEnumerable<string> ids, DateTimeOffset at)
    {
        foreach (var id in ids)
        {
            _at.AddOrUpdate(id, at, (_, known) => known > at ? known : at);
        }
    }

    /// <summary>Whether a change-log entry is newer than what this replica holds of that id.</summary>
    public bool IsNew(string id, DateTimeOffset at) => !_at.TryGetValue(id, out var known) || at > known;

    /// <summary>Forgets what is older than the change-log window being read: an entry there is re-read anyway.</summary>
    public void ForgetBefore(DateTimeOffset since)
    {
        foreach (var (id, at) in _at)
        {
            if (at < since)
            {
                _at.TryRemove(KeyValuePair.Create(id, at));
            }
        }
    }
}
