using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Changes;
using Recommender.Engine.Editorial;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Replicas;

/// <summary>
/// Repairs what change notices missed, without a restart (a replica that was disconnected, paused
/// or slow, or a notice lost on the way). Every <see cref="EngineOptions.ReplicaCheckInterval"/> it
/// re-reads the ids the change log holds since its last check (less <see cref="ChangeLog.SnapshotMargin"/>,
/// for writers' clock skew) that are newer than what it holds (<see cref="AppliedChanges"/>), serves the stored model if another one serves here, and reloads the
/// rules. Every <see cref="EngineOptions.ReplicaDigestInterval"/> it compares the store's article
/// count (the digest) with the index's and, when they differ at two digests running (not just
/// while writes are in flight), walks every stored id: that repairs an absence longer than the
/// change log's retention.
/// </summary>
internal sealed class ReplicaCatchUp(
    EngineScope scope, NamespaceStore store, EngineOptions options, ServingState state, NoticeApplier replicas, EditorialRules rules, AppliedChanges applied,
    Refits.Refitter refitter)
{
    private DateTimeOffset _checkedAt;
    private DateTimeOffset _digestAt;
    private bool _digestDiffered;

    /// <summary>Starts checking; the first check covers what changed since <paramref name="since"/> (the start).</summary>
    public void Start(DateTimeOffset since)
    {
        _checkedAt = since;
        _digestAt = scope.Clock.GetUtcNow();
        _ = Task.Run(LoopAsync);
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(options.ReplicaCheckInterval, scope.Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(scope.Stopping))
            {
                try
                {
                    await CheckAsync(scope.Stopping);
                }
                catch (Exception ex) when (ex is StoreUnavailableException or NotReadyException or InvalidDataException)
                {
                    EngineLog.CatchUpFailed(scope.Logger, scope.Namespace, ex);
                }
            }
        }
        catch (OperationCanceledException) when (scope.Stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One check: the model, the rules, the change log since the last check, and the digest when due.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var now = scope.Clock.GetUtcNow();
        if (await replicas.CatchUpModelAsync(cancellationToken))
        {
            EngineLog.CaughtUpModel(scope.Logger, scope.Namespace, state.Current.Info.Version);
        }
        await rules.LoadAsync(cancellationToken);
        var since = _checkedAt - ChangeLog.SnapshotMargin;
        var changed = await store.Snapshots.ChangedSinceAsync(since, cancellationToken);
        var repaired = await replicas.RepairAsync(changed.Where(c => applied.IsNew(c.Id, c.At)).ToList(), cancellationToken);
        applied.ForgetBefore(since);
        _checkedAt = now;
        if (now - _digestAt >= options.ReplicaDigestInterval)
        {
            _digestAt = now;
            var differs = await store.Catalog.CountAsync(cancellationToken) != state.Current.Index.Count;
            if (differs && _digestDiffered)
            {
                repaired += await WalkAsync(cancellationToken);
                differs = false;
            }
            _digestDiffered = differs;
        }
        if (repaired > 0)
        {
            EngineLog.CaughtUp(scope.Logger, scope.Namespace, repaired);
        }
        // Changes made through other replicas count here too: if the replica that would refit died
        // (its lease expires), this one refits instead.
        using (await state.LockAsync(cancellationToken))
        {
            refitter.ScheduleIfNeeded();
        }
    }

    /// <summary>Every stored id against the index: what one lacks or holds differently is repaired.</summary>
    private async Task<int> WalkAsync(CancellationToken cancellationToken)
    {
        var stored = (await store.Catalog.ListIdsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var indexed = state.Current.Index.Articles().Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var now = scope.Clock.GetUtcNow();
        var differing = stored.Except(indexed).Concat(indexed.Except(stored)).Select(id => (id, now)).ToList();
        return differing.Count == 0 ? 0 : await replicas.RepairAsync(differing, cancellationToken);
    }
}
