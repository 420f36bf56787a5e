using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Replicas;

/// <summary>
/// Keeps replicas that serve one namespace in step: announces this process's changes on the
/// store's change feed, and applies what the others announce (their written articles read back,
/// their deletions removed, a model they fitted loaded with the whole index rebuilt, their rule
/// edits reloaded). A lost notice is logged, not fatal.
/// </summary>
internal sealed class ReplicaSync(
    EngineContext context, ServingState state, ServingLoader loader, IndexFeeder feeder, ChangeBroadcast broadcast, AppliedChanges applied)
{
    private readonly string _origin = Guid.NewGuid().ToString("n");
    private IAsyncDisposable? _subscription;

    /// <summary>Called when another replica changed the editorial rules.</summary>
    public Func<CancellationToken, Task>? RulesChanged { get; set; }

    /// <summary>Starts listening; call before reading the corpus, so nothing written meanwhile is missed.</summary>
    public async Task SubscribeAsync(CancellationToken cancellationToken) =>
        _subscription = await context.Store.Changes.SubscribeAsync(ApplyAsync, cancellationToken);

    /// <summary>Announces written or deleted ids, or a newly serving model, to the other replicas and to this one's watchers.</summary>
    public Task PublishAsync(IReadOnlyList<string> upserted, IReadOnlyList<string> deleted, string? modelVersion) =>
        PublishAsync(new ChangeNotice(_origin, upserted, deleted, modelVersion));

    /// <summary>Announces that the editorial rules changed.</summary>
    public Task PublishRulesChangedAsync() => PublishAsync(new ChangeNotice(_origin, [], [], null, RulesChanged: true));

    /// <summary>Tells this replica's watchers what a notice (its own or another replica's) changed.</summary>
    private void Broadcast(ChangeNotice notice)
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

    public void Unsubscribe() => _subscription?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));

    private async Task PublishAsync(ChangeNotice notice)
    {
        applied.Record(notice.Upserted.Concat(notice.Deleted), context.Clock.GetUtcNow());
        Broadcast(notice);
        try
        {
            await context.Store.Changes.PublishAsync(notice, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            EngineLog.PublishFailed(context.Logger, context.Namespace, ex);
        }
    }

    /// <summary>Applies another replica's change under the write lock, like a local write.</summary>
    private async Task ApplyAsync(ChangeNotice notice)
    {
        if (notice.Origin == _origin || !state.IsReady)
        {
            return;
        }
        var token = context.Stopping;
        try
        {
            if (notice.RulesChanged)
            {
                if (RulesChanged is { } reload)
                {
                    await reload(token);
                }
                Broadcast(notice);
                return;
            }
            using (await state.LockAsync(token))
            {
                var serving = state.Current;
                if (notice.ModelVersion is { } version && version != serving.Info.Version)
                {
                    if (await LoadModelAsync(version, token))
                    {
                        Broadcast(notice);
                    }
                    return;
                }
                if (notice.Upserted.Count > 0)
                {
                    var stored = await context.Store.Articles.GetStoredAsync(notice.Upserted, serving.Info.Version, token);
                    await feeder.FeedStoredAsync(serving.Index, stored, () => serving.Model, persistVersion: null, token);
                }
                foreach (var id in notice.Deleted)
                {
                    serving.Index.Remove(id);
                }
                state.RecordWrites(notice.Upserted.Concat(notice.Deleted), notice.Upserted.Count + notice.Deleted.Count);
                applied.Record(notice.Upserted.Concat(notice.Deleted), context.Clock.GetUtcNow() - ChangeLog.SnapshotMargin);
                Broadcast(notice with { ModelVersion = null });
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            EngineLog.RemoteApplyFailed(context.Logger, context.Namespace, ex);
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
        foreach (var batch in changes.Chunk(context.Options.BatchSize))
        {
            var chunk = batch.Select(c => c.Id).ToList();
            using (await state.LockAsync(cancellationToken))
            {
                var serving = state.Current;
                var stored = await context.Store.Articles.GetStoredAsync(chunk, serving.Info.Version, cancellationToken);
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
                Broadcast(new ChangeNotice(_origin, written, gone, null));
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
        var stored = await context.Store.Models.GetActiveModelInfoAsync(cancellationToken);
        if (stored is null || stored.Version == state.Current.Info.Version || stored.Format < context.Featurizer.ModelFormat)
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
        Broadcast(new ChangeNotice(_origin, [], [], stored.Version));
        return true;
    }

    /// <summary>Whether the index holds the article as stored (its fields and body fingerprint).</summary>
    private static bool SameArticle(Core.Articles.ArticleInfo a, Core.Articles.ArticleInfo b) =>
        a.Title == b.Title && a.Url == b.Url && a.Section == b.Section && a.Language == b.Language &&
        a.Published == b.Published && a.BodyHash == b.BodyHash && a.Tags.SequenceEqual(b.Tags);

    /// <summary>Serves the model another replica fitted, if it is still the stored one; false when it is not. Caller holds the write lock.</summary>
    private async Task<bool> LoadModelAsync(string version, CancellationToken cancellationToken)
    {
        if (await context.Store.Models.GetActiveModelAsync(cancellationToken) is not { } stored || stored.Info.Version != version)
        {
            return false;
        }
        using var stream = new MemoryStream(stored.Model, writable: false);
        var model = context.Featurizer.Load(stream);
        state.Serve(new ServingModel(model, await loader.BuildIndexAsync(model.Info, () => Task.FromResult(model), cancellationToken)));
        state.ChangesSinceFit = 0;
        EngineLog.RemoteModel(context.Logger, context.Namespace, version);
        return true;
    }
}
