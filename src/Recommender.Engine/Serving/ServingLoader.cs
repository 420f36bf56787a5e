using System.Diagnostics;
using Recommender.Core.Abstractions;
using Recommender.Core.Errors;
using Recommender.Core.Index;
using Recommender.Core.Storage;

namespace Recommender.Engine.Serving;

/// <summary>
/// Brings a namespace to serving: picks the model (the store's, else the shipped default, which is
/// not written to the store: a namespace that is only read stays empty), builds its index from the
/// store's snapshot or, lacking one, from every stored article, and loads the model's pipeline once
/// the index is built (the stored vectors need only its version).
/// </summary>
internal sealed class ServingLoader(EngineScope scope, NamespaceStore store, IFeaturizer featurizer, IndexOptions indexOptions, int batchSize, IndexFeeder feeder)
{
    private NamespaceStore Store => store;

    /// <summary>The model and index to serve; <c>Rebuilt</c> when the index was built from the articles (no usable snapshot).</summary>
    public async Task<(ServingModel Serving, bool Rebuilt)> LoadAsync(long started, CancellationToken cancellationToken)
    {
        // The index needs only the model's info (its version and length). The pipeline is fetched
        // and loaded once the index is built (or earlier, if building it needs to embed), so that
        // the two do not compete for the processor; lists of stored articles are served meanwhile.
        var info = await Store.Models.GetActiveModelInfoAsync(cancellationToken);
        if (info is not null && info.Format < featurizer.ModelFormat)
        {
            // A model of an older featurizer cannot embed new text: the shipped default serves
            // (every article is embedded with it) until the refit this schedules replaces it.
            EngineLog.ModelOutdated(scope.Logger, scope.Namespace, info.Version, info.Format, featurizer.ModelFormat);
            info = null;
        }
        var loading = new Lazy<Task<IFeaturizerModel>>(() => Task.Run(() => LoadModelAsync(info, started, cancellationToken)));
        info ??= (await loading.Value).Info;

        var index = await RestoreSnapshotAsync(info, () => loading.Value, cancellationToken);
        var rebuilt = index is null;
        index ??= await BuildIndexAsync(info, () => loading.Value, cancellationToken);
        return (new ServingModel(info, loading.Value, index), rebuilt);
    }

    /// <summary>
    /// The pipeline of the serving model <paramref name="info"/> describes (the shipped default when
    /// none is stored). A model that another replica made serving meanwhile is refused: its change
    /// notice reloads everything.
    /// </summary>
    private async Task<IFeaturizerModel> LoadModelAsync(ModelInfo? info, long started, CancellationToken cancellationToken)
    {
        if (info is null)
        {
            return featurizer.LoadDefault();
        }
        var stored = await Store.Models.GetActiveModelAsync(cancellationToken);
        if (stored is null || stored.Info.Version != info.Version)
        {
            throw new NotReadyException($"Model {info.Version} stopped serving while this process started; the newer one is being loaded.");
        }
        using var stream = new MemoryStream(stored.Model, writable: false);
        var model = featurizer.Load(stream);
        EngineLog.ModelLoaded(scope.Logger, scope.Namespace, info.Version, stored.Model.Length / 1e6, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return model;
    }

    /// <summary>
    /// The index from the store's snapshot of this model, brought up to date by re-reading every
    /// article written or deleted since shortly before it was taken; null when there is none.
    /// </summary>
    private async Task<VectorIndex?> RestoreSnapshotAsync(ModelInfo info, Func<Task<IFeaturizerModel>> model, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (await Store.Snapshots.OpenSnapshotAsync(info.Version, cancellationToken) is not { } snapshot)
        {
            return null;
        }
        VectorIndex index;
        await using (snapshot.Snapshot)
        {
            try
            {
                index = await VectorIndex.ReadSnapshotAsync(snapshot.Snapshot, indexOptions, cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
            {
                EngineLog.SnapshotUnreadable(scope.Logger, scope.Namespace, ex);
                return null;
            }
        }
        var read = Stopwatch.GetElapsedTime(started);
        if (index.Dimensions != info.Dimensions)
        {
            return null;
        }
        var changed = (await Store.Snapshots.ChangedSinceAsync(snapshot.TakenAt - ChangeLog.SnapshotMargin, cancellationToken)).Select(c => c.Id).ToList();
        foreach (var chunk in changed.Chunk(batchSize))
        {
            var stored = await Store.Articles.GetStoredAsync(chunk, info.Version, cancellationToken);
            foreach (var gone in chunk.Except(stored.Select(s => s.Article.Id), StringComparer.Ordinal))
            {
                index.Remove(gone);
            }
            await feeder.FeedStoredAsync(index, stored, model, persistVersion: null, cancellationToken);
        }
        EngineLog.SnapshotRestored(scope.Logger, scope.Namespace, index.Count, snapshot.TakenAt, snapshot.Bytes / 1e6,
            read.TotalSeconds, changed.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return index;
    }

    /// <summary>
    /// The index of every stored article under the model <paramref name="info"/> describes. Articles
    /// without a vector of this model (written while another model served, or by a process that
    /// stopped mid-refit) are embedded now and their vectors stored, so every article is searchable.
    /// </summary>
    public async Task<VectorIndex> BuildIndexAsync(ModelInfo info, Func<Task<IFeaturizerModel>> model, CancellationToken cancellationToken)
    {
        var index = new VectorIndex(info.Dimensions, options: indexOptions, partitionAutomatically: false);
        var started = Stopwatch.GetTimestamp();
        var indexing = TimeSpan.Zero;
        var embedded = 0;
        await foreach (var batch in Store.Articles.ReadAllAsync(info.Version, cancellationToken))
        {
            var batchStarted = Stopwatch.GetTimestamp();
            embedded += await feeder.FeedStoredAsync(index, batch, model, persistVersion: info.Version, cancellationToken);
            indexing += Stopwatch.GetElapsedTime(batchStarted);
        }
        var read = Stopwatch.GetElapsedTime(started);
        if (embedded > 0)
        {
            EngineLog.EmbeddedMissing(scope.Logger, scope.Namespace, embedded, info.Version);
        }
        var partitioning = Stopwatch.GetTimestamp();
        index.Partition();
        EngineLog.IndexBuilt(scope.Logger, scope.Namespace, index.Count, read.TotalSeconds, indexing.TotalSeconds,
            Stopwatch.GetElapsedTime(partitioning).TotalSeconds, index.CellCount);
        return index;
    }

    /// <summary>Ids written this recently may be between their two writes on another replica; the repair leaves them alone.</summary>
    private static readonly TimeSpan RepairGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Drops ids from the store's registry whose article is missing (a process killed between the
    /// two writes of a batch), once after start.
    /// </summary>
    public async Task RepairIdRegistryAsync()
    {
        try
        {
            var recent = await Store.Snapshots.ChangedSinceAsync(scope.Clock.GetUtcNow() - RepairGrace, scope.Stopping);
            var removed = await Store.Articles.RemoveDanglingIdsAsync(recent.Select(c => c.Id).ToHashSet(StringComparer.Ordinal), scope.Stopping);
            if (removed.Count > 0)
            {
                EngineLog.DanglingIdsRemoved(scope.Logger, scope.Namespace, removed.Count, string.Join(", ", removed.Take(10)));
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            EngineLog.RepairSkipped(scope.Logger, scope.Namespace, ex);
        }
    }
}
