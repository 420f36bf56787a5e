using System.Diagnostics;
using Recommender.Core;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Index;
using Recommender.Core.Storage;
using Recommender.Engine.Changes;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Refits;

/// <summary>
/// Refits the featurizer on the stored corpus when it has changed materially (or when asked), one
/// refit at a time. A refit fits and embeds outside the write lock; the ids written meanwhile are
/// recorded and re-embedded with the new model, in rounds outside the lock while there are many,
/// and the last batch of them just before the swap, which holds the lock.
/// </summary>
internal sealed class Refitter(
    EngineScope scope, NamespaceStore store, IFeaturizer featurizer, EngineOptions options, IndexOptions indexOptions, ServingState state, IndexFeeder feeder,
    SnapshotKeeper snapshots, ChangeAnnouncer announcer)
{
    /// <summary>Batches a refit reads and embeds at once.</summary>
    private static int BatchesInFlight => 2 * Environment.ProcessorCount;

    /// <summary>Times one batch of a refit is tried again when the store does not answer.</summary>
    private const int BatchRetries = 3;

    private readonly SemaphoreSlim _refitGate = new(1, 1);
    private readonly string _owner = Guid.NewGuid().ToString("n");
    private bool _scheduled; // under the write lock
    private int _running;

    /// <summary>The longest pause between two batches still taken as the rhythm of one sync.</summary>
    public TimeSpan LongestSyncPause => options.RefitQuietPeriodMax / 2;

    /// <summary>True while a refit is scheduled or running.</summary>
    public bool Pending => Volatile.Read(ref _scheduled) || Volatile.Read(ref _running) > 0;

    /// <summary>Schedules a refit when the corpus changed materially; returns whether one is needed. Caller holds the write lock.</summary>
    public bool ScheduleIfNeeded()
    {
        var needed = Needed();
        if (!needed || _scheduled)
        {
            return needed;
        }
        _scheduled = true;
        _ = Task.Run(RunScheduledAsync);
        return true;
    }

    /// <summary>
    /// Whether the corpus changed materially since the serving model was fitted (or a default
    /// serves). While a refit runs, only what is written meanwhile counts, against the corpus it
    /// fits: its model is about to replace the serving one. Caller holds the write lock.
    /// </summary>
    private bool Needed()
    {
        var serving = state.Current;
        var info = serving.Info;
        var refitting = state.WrittenDuringRefit is not null;
        return serving.Index.Count >= options.MinArticlesToFit &&
            ((info.IsDefault && !refitting) ||
             state.ChangesSinceFit >= Math.Max(1, options.RefitChangeFraction * (refitting ? serving.Index.Count : info.BaselineArticles)));
    }

    /// <summary>
    /// Refits now and returns when the new model serves (or the refit failed, or was cancelled: the
    /// previous model keeps serving). Waits while another replica holds the namespace's refit lease.
    /// </summary>
    public Task RefitAsync(CancellationToken cancellationToken) => RefitAsync(scheduled: false, cancellationToken);

    private async Task RefitAsync(bool scheduled, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _running);
        try
        {
            await _refitGate.WaitAsync(cancellationToken);
            try
            {
                // One refit per namespace across replicas. A scheduled refit does not wait for
                // another replica's: that one's model comes with its notice; if it died, its lease
                // expires and the next check here schedules this one again.
                await using var lease = await RefitLease.AcquireAsync(store.Models, options.RefitLeaseDuration, _owner, wait: !scheduled, scope.Logger, scope.Namespace, cancellationToken);
                if (scheduled && await StandDownReasonAsync(lease, cancellationToken) is { } reason)
                {
                    EngineLog.ScheduledRefitStoodDown(scope.Logger, scope.Namespace, reason);
                    using (await state.LockAsync(cancellationToken))
                    {
                        _scheduled = false;
                    }
                    return;
                }
                using var refit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease!.Lost);
                await RefitExclusiveAsync(refit.Token);
            }
            finally
            {
                _refitGate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async Task RunScheduledAsync()
    {
        var token = scope.Stopping;
        try
        {
            // Wait for a quiet moment so that a many-batch import refits once, at its end.
            while (state.QuietFor is var quietFor && state.QuietNeeded(options.RefitQuietPeriod, options.RefitQuietPeriodMax) is var needed && quietFor < needed)
            {
                await Task.Delay(needed - quietFor, token);
            }
            await RefitAsync(scheduled: true, token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            EngineLog.RefitFailed(scope.Logger, scope.Namespace, ex);
            Volatile.Write(ref _scheduled, false);
        }
    }

    private async Task RefitExclusiveAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int changesBefore;
        (string Version, IReadOnlyList<string> Ids)? fitted = null;
        using (await state.LockAsync(cancellationToken))
        {
            // From here on, writes are counted toward the next refit and redone before the swap.
            state.WrittenDuringRefit = new HashSet<string>(StringComparer.Ordinal);
            _scheduled = false;
            changesBefore = state.ChangesSinceFit;
            state.ChangesSinceFit = 0;
        }

        try
        {
            // Only the ids and the fitting sample are held at once: the corpus is read again a
            // batch at a time to be embedded, so a refit's memory does not grow with the bodies.
            var ids = await store.Catalog.ListIdsAsync(cancellationToken);
            var sample = await ReadAsync(Sample(ids, options.MaxFitArticles), cancellationToken);
            if (sample.Count == 0)
            {
                throw new PreconditionFailedException("No articles are stored: import some before retraining.", ErrorReason.NoArticles);
            }
            EngineLog.RefitStarted(scope.Logger, scope.Namespace, sample.Count, ids.Count);

            var model = await Task.Run(() => featurizer.Fit(sample.Select(a => a.ToText()).ToList(), ids.Count, cancellationToken), cancellationToken);
            sample = [];
            var version = model.Info.Version;
            fitted = (version, ids);
            var index = new VectorIndex(model.Info.Dimensions, ids.Count, indexOptions, partitionAutomatically: false);
            // Embedding is the cost of a refit: two batches per core at a time, so that one is read
            // from the store while the other is embedded.
            await Parallel.ForEachAsync(ids.Chunk(options.BatchSize),
                new ParallelOptions { MaxDegreeOfParallelism = BatchesInFlight, CancellationToken = cancellationToken },
                async (chunk, token) => await PatientlyAsync(async () =>
                    await feeder.EmbedAsync(index, await store.Articles.GetArticlesAsync(chunk, token), model, version, token, known: state.Current.Index), token));

            // What was written meanwhile is redone with the new model: in rounds outside the write
            // lock while there is much of it (an import may still be running), then the last few
            // under the lock, with the swap; the index is partitioned between the two.
            (await RedoUntilFewAsync(index, model, version, cancellationToken)).Dispose();
            index.Partition();
            ServingModel old;
            using (await RedoUntilFewAsync(index, model, version, cancellationToken))
            {
                await RedoAsync(index, state.WrittenDuringRefit!.ToList(), model, version, cancellationToken);
                await store.Models.SetActiveModelAsync(model.Info, Serialize(model), cancellationToken);
                old = state.Current;
                state.Serve(new ServingModel(model, index));
                state.WrittenDuringRefit = null;
                await announcer.PublishAsync([], [], version);
            }

            Telemetry.RefitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("namespace", scope.Namespace));
            EngineLog.RefitDone(scope.Logger, scope.Namespace, version, index.Count, model.Info.FitSeconds, Stopwatch.GetElapsedTime(started).TotalSeconds);
            var (oldVersion, oldIds) = (old.Info.Version, old.Index.Articles().Select(a => a.Id).ToList());
            old = null!; // the replaced index and model are not held while their vectors are dropped
            snapshots.SaveInBackground();
            if (oldVersion != version)
            {
                await DeleteVectorsAsync(oldVersion, oldIds, cancellationToken);
            }
        }
        catch
        {
            // The changes this refit was to absorb still count, so the next write schedules it again.
            using (await state.LockAsync(CancellationToken.None))
            {
                state.WrittenDuringRefit = null;
                state.ChangesSinceFit += changesBefore;
                if (fitted is { } unused && state.Current.Info.Version != unused.Version)
                {
                    await DropVectorsAsync(unused.Version, unused.Ids);
                }
            }
            throw;
        }
    }

    /// <summary>Whether a scheduled refit is still needed (a model another replica fitted may have been loaded meanwhile).</summary>
    /// <summary>Why a scheduled refit need not run now; null when it should.</summary>
    private async Task<string?> StandDownReasonAsync(RefitLease? lease, CancellationToken cancellationToken) =>
        lease is null ? "another replica holds the refit lease"
        : await AnotherReplicaRefittedAsync(cancellationToken) ? "another replica has just refitted; its model is on its way"
        : !await StillNeededAsync(cancellationToken) ? "the corpus has not changed enough since the last refit"
        : null;

    private async Task<bool> StillNeededAsync(CancellationToken cancellationToken)
    {
        using (await state.LockAsync(cancellationToken))
        {
            return Needed();
        }
    }

    /// <summary>Whether the store serves a model this replica does not (another replica's refit, whose notice is on its way).</summary>
    private async Task<bool> AnotherReplicaRefittedAsync(CancellationToken cancellationToken) =>
        await store.Models.GetActiveModelInfoAsync(cancellationToken) is { } stored &&
        stored.Version != state.Current.Info.Version && stored.Format >= featurizer.ModelFormat;

    /// <summary>
    /// Takes the write lock once at most a batch of writes made during the refit is left to redo;
    /// until then, takes what is there and redoes it outside the lock.
    /// </summary>
    private async Task<ServingState.WriteLock> RedoUntilFewAsync(VectorIndex index, IFeaturizerModel model, string version, CancellationToken cancellationToken)
    {
        while (true)
        {
            var held = await state.LockAsync(cancellationToken);
            if (state.WrittenDuringRefit!.Count <= options.BatchSize)
            {
                return held;
            }
            var round = state.WrittenDuringRefit.ToList();
            state.WrittenDuringRefit = new HashSet<string>(StringComparer.Ordinal);
            held.Dispose();
            await RedoAsync(index, round, model, version, cancellationToken);
        }
    }

    /// <summary>Re-embeds <paramref name="ids"/> as stored now into the refit's index; the vectors it wrote for the deleted ones are dropped.</summary>
    private Task RedoAsync(VectorIndex index, IReadOnlyList<string> ids, IFeaturizerModel model, string version, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(ids.Chunk(options.BatchSize),
            new ParallelOptions { MaxDegreeOfParallelism = BatchesInFlight, CancellationToken = cancellationToken },
            async (chunk, token) => await PatientlyAsync(async () =>
            {
                foreach (var id in chunk)
                {
                    index.Remove(id);
                }
                var current = await store.Articles.GetArticlesAsync(chunk, token);
                await feeder.EmbedAsync(index, current, model, version, token, known: state.Current.Index);
                var gone = chunk.Except(current.Select(a => a.Id), StringComparer.Ordinal).ToList();
                await store.Articles.DeleteVectorsAsync(version, gone, token);
            }, token));

    /// <summary>Drops one model's vectors of <paramref name="ids"/>, a batch at a time.</summary>
    private async Task DeleteVectorsAsync(string version, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(options.BatchSize))
        {
            await store.Articles.DeleteVectorsAsync(version, chunk, cancellationToken);
        }
    }

    /// <summary>Best effort: the vectors a refit wrote before it failed or was cancelled (it never served), so they do not fill the store.</summary>
    private async Task DropVectorsAsync(string version, IReadOnlyList<string> ids)
    {
        try
        {
            await DeleteVectorsAsync(version, ids, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Core.Errors.StoreUnavailableException)
        {
            EngineLog.RefitFailed(scope.Logger, scope.Namespace, ex);
        }
    }

    /// <summary>At most <paramref name="max"/> ids spread evenly over the corpus (all of a smaller one).</summary>
    private static IReadOnlyList<string> Sample(IReadOnlyList<string> ids, int max) =>
        ids.Count <= max ? ids : Enumerable.Range(0, max).Select(i => ids[(int)((long)i * ids.Count / max)]).ToList();

    /// <summary>The stored articles of <paramref name="ids"/>, whole, a batch at a time.</summary>
    private async Task<List<Article>> ReadAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var articles = new List<Article>(ids.Count);
        foreach (var chunk in ids.Chunk(options.BatchSize))
        {
            articles.AddRange(await PatientlyAsync(() => store.Articles.GetArticlesAsync(chunk, cancellationToken), cancellationToken));
        }
        return articles;
    }

    /// <summary>
    /// Runs one batch of a refit, again after 1, 2 and 4 s when the store does not answer: a refit
    /// of a large corpus runs for minutes, and one slow reply should not throw all of it away.
    /// </summary>
    private async Task<T> PatientlyAsync<T>(Func<Task<T>> batch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await batch();
            }
            catch (StoreUnavailableException ex) when (attempt < BatchRetries)
            {
                EngineLog.RefitBatchRetried(scope.Logger, scope.Namespace, attempt + 1, ex);
                await Task.Delay(TimeSpan.FromSeconds(1 << attempt), scope.Clock, cancellationToken);
            }
        }
    }

    private Task PatientlyAsync(Func<Task> batch, CancellationToken cancellationToken) => PatientlyAsync(async () =>
    {
        await batch();
        return true;
    }, cancellationToken);

    private static byte[] Serialize(IFeaturizerModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }
}
