using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Changes;

/// <summary>
/// Announces what this process changed: to the other replicas, on the store's change feed (writes,
/// deletes, a newly serving model, rule edits), and to this replica's watchers; and records the
/// written ids as held here (<see cref="AppliedChanges"/>), so the catch-up does not read them back.
/// Writers, the editorial rules and the refitter call it; what other replicas announce is applied
/// by <see cref="Replicas.NoticeApplier"/>, which tells the watchers through <see cref="Broadcast"/>.
/// A notice that cannot be published is logged, not fatal: the other replicas' catch-up repairs it.
/// </summary>
internal sealed class ChangeAnnouncer(EngineScope scope, IChangeFeed feed, ServingState state, ChangeBroadcast broadcast, AppliedChanges applied)
{
    /// <summary>Tells this process's notices from the others' on the feed.</summary>
    public string Origin { get; } = Guid.NewGuid().ToString("n");

    /// <summary>Announces written or deleted ids, or a newly serving model.</summary>
    public Task PublishAsync(IReadOnlyList<string> upserted, IReadOnlyList<string> deleted, string? modelVersion) =>
        PublishAsync(new ChangeNotice(Origin, upserted, deleted, modelVersion));

    /// <summary>Announces that the editorial rules changed.</summary>
    public Task PublishRulesChangedAsync() => PublishAsync(new ChangeNotice(Origin, [], [], null, RulesChanged: true));

    /// <summary>Tells this replica's watchers what a notice (its own or another replica's) changed.</summary>
    public void Broadcast(ChangeNotice notice)
    {
        var version = state.Current.Info.Version;
        if (notice.Upserted.Count > 0)
        {
            broadcast.Emit(ChangeKind.ArticlesWritten, notice.Upserted, version);
        }
        if (notice.Deleted.Count > 0)
        {
            broadcast.Emit(ChangeKind.ArticlesDeleted, notice.Deleted, version);
        }
        if (notice.ModelVersion is not null)
        {
            broadcast.Emit(ChangeKind.ModelChanged, [], version);
        }
        if (notice.RulesChanged)
        {
            broadcast.Emit(ChangeKind.RulesChanged, [], version);
        }
    }

    private async Task PublishAsync(ChangeNotice notice)
    {
        applied.Record(notice.Upserted.Concat(notice.Deleted), scope.Clock.GetUtcNow());
        Broadcast(notice);
        try
        {
            await feed.PublishAsync(notice, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            EngineLog.PublishFailed(scope.Logger, scope.Namespace, ex);
        }
    }
}
