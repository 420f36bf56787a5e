using Recommender.Core.Abstractions;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Changes;
using Recommender.Engine.Editorial;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Replicas;

/// <summary>
/// Applies what the other replicas of the namespace announce on the store's change feed (their
/// written articles read back, their deletions removed, a model they fitted loaded with the whole
/// index rebuilt, their rule edits reloaded), and repairs what those notices missed when the
/// catch-up finds it (<see cref="ReplicaCatchUp"/>). What it applies, watchers hear of through the
/// announcer's broadcast. A notice that cannot be applied is logged, not fatal: the catch-up repairs it.
/// </summary>
internal sealed class NoticeApplier(
    EngineScope scope, NamespaceStore store, IFeaturizer featurizer, int batchSize, ServingState state, ServingLoader loader, IndexFeeder feeder,
    ChangeAnnouncer announcer, AppliedChanges applied, EditorialRules rules)
{
    private IAsyncDisposable? _subscription;

    /// <summary>Starts listening; call before reading the corpus, so nothing written meanwhile is missed.</summary>
    public async Task SubscribeAsync(CancellationToken cancellationToken) =>
        _subscription = await store.Changes.SubscribeAsync(ApplyAsync, cancellationToken);

    public void Unsubscribe() => _subscription?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));

    /// <summary>Applies another replica's change under the write lock, like a local write.</summary>
    private async Task ApplyAsync(ChangeNotice notice)
    {
        if (notice.Origin == announcer.Origin || !state.IsReady)
        {
            return;
        }
        var token = scope.Stopping;
        try
        {
            if (notice.RulesChanged)
            {
                await rules.LoadAsync(token);
                announcer.Broadcast(notice);
                return;
            }
            using (await state.LockAsync(token))
            {
                var serving = state.Current;
                if (notice.ModelVersion is { } version && version != serving.Info.Version)
                {
                    if (await LoadModelAsync(version, token))
                    {
                        announcer.Broadcast(notice);
                    }
                    return;
                }
                if (notice.Upserted.Count > 0)
                {
                    var stored = await store.Articles.GetStoredAsync(notice.Upserted, serving.Info.Version, token);
                    await feeder.FeedStoredAsync(serving.Index, stored, () => serving.Model, persistVersion: null, token);
                }
                foreach (var id in notice.Deleted)
                {
                    serving.Index.Remove(id);
                }
                state.RecordWrites(notice.Upserted.Concat(notice.Deleted), notice.Upserted.Count + notice.Deleted.Count);
                applied.Record(notice.Upserted.Concat(notice.Deleted), scope.Clock.GetUtcNow() - ChangeLog.SnapshotMargin);
                announcer.Broadcast(notice with { ModelVersion = null });
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            EngineLog.RemoteApplyFailed(scope.Logger, scope.Namespace, ex);
        }
    }

    /// <summary>
    /// Brings these ids in step with the store whatever notices said: stored ones that the index
    /// lacks or holds differently are fed in, the others removed; watchers hear of what changed.
    /// Returns how many were repaired.
    /// </summary>
    public async Task<int> RepairAsync(IReadOnlyList<(string Id, DateTimeOffset At)> changes, CancellationToken cancellationToken)
    {
        var repaired = 0;
        foreach (var batch in changes.Chunk(batchSize))
        {
            var chunk = batch.Select(c => c.Id).ToList();
            using (await state.LockAsync(cancellationToken))
            {
                var serving = state.Current;
                var stored = await store.Articles.GetStoredAsync(chunk, serving.Info.Version, cancellationToken);
                var stale = stored.Where(s => !serving.Index.TryGet(s.Article.Id, out var info, out _) || !SameArticle(info, s.ToInfo())).ToList();
                // Not stored (any more): removed here, counted only if the index still held it.
                var gone = new List<string>();
                foreach (var id in chunk.Except(stored.Select(s => s.Article.Id), StringComparer.Ordinal))
                {
                    if (serving.Index.Remove(id))
                    {
                        gone.Add(id);
                    }
                }
                await feeder.FeedStoredAsync(serving.Index, stale, () => serving.Model, persistVersion: null, cancellationToken);
                var written = stale.Select(s => s.Article.Id).ToList();
                state.RecordWrites(written.Concat(gone), written.Count + gone.Count);
                announcer.Broadcast(new ChangeNotice(announcer.Origin, written, gone, null));
                foreach (var change in batch)
                {
                    applied.Record([change.Id], change.At);
                }
                repaired += written.Count + gone.Count;
            }
        }
        return repaired;
    }

    /// <summary>Serves the stored model when another one serves here (a model notice was missed); true when it changed.</summary>
    public async Task<bool> CatchUpModelAsync(CancellationToken cancellationToken)
    {
        var stored = await store.Models.GetActiveModelInfoAsync(cancellationToken);
        if (stored is null || stored.Version == state.Current.Info.Version || stored.Format < featurizer.ModelFormat)
        {
            return false;
        }
        using (await state.LockAsync(cancellationToken))
        {
            if (stored.Version == state.Current.Info.Version || !await LoadModelAsync(stored.Version, cancellationToken))
            {
                return false;
            }
        }
        announcer.Broadcast(new ChangeNotice(announcer.Origin, [], [], stored.Version));
        return true;
    }

    /// <summary>Whether the index holds the article as stored (its fields and body fingerprint).</summary>
    private static bool SameArticle(Core.Articles.ArticleInfo a, Core.Articles.ArticleInfo b) =>
        a.Title == b.Title && a.Url == b.Url && a.Section == b.Section && a.Language == b.Language &&
        a.Published == b.Published && a.BodyHash == b.BodyHash && a.Tags.SequenceEqual(b.Tags);

    /// <summary>Serves the model another replica fitted, if it is still the stored one; false when it is not. Caller holds the write lock.</summary>
    private async Task<bool> LoadModelAsync(string version, CancellationToken cancellationToken)
    {
        if (await store.Models.GetActiveModelAsync(cancellationToken) is not { } stored || stored.Info.Version != version)
        {
            return false;
        }
        using var stream = new MemoryStream(stored.Model, writable: false);
        var model = featurizer.Load(stream);
        state.Serve(new ServingModel(model, await loader.BuildIndexAsync(model.Info, () => Task.FromResult(model), cancellationToken)));
        state.ChangesSinceFit = 0;
        EngineLog.RemoteModel(scope.Logger, scope.Namespace, version);
        return true;
    }
}
