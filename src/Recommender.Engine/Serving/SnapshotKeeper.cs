using System.Diagnostics;
using Recommender.Core.Errors;
using Recommender.Core.Storage;

namespace Recommender.Engine.Serving;

/// <summary>
/// Saves the serving index to the store, so the next start restores it instead of reading every
/// article: after a build or a refit, and after enough writes. One save at a time; failures are logged.
/// </summary>
internal sealed class SnapshotKeeper(EngineScope scope, ISnapshotStore store, ServingState state)
{
    /// <summary>Fewest changes since the last snapshot that warrant a new one...</summary>
    private const int MinChanges = 1_000;

    /// <summary>...or this share of the corpus, whichever is more.</summary>
    private const double CorpusShare = 0.1;

    /// <summary>Snapshots after writes are at least this far apart, so a long import does not write one per batch.</summary>
    private static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    private int _running;
    private int _requested;
    private int _changesSince;
    private long _lastTimestamp;

    /// <summary>
    /// Saves a snapshot of the serving index in the background. Asked while one is being saved (of
    /// an index a refit has since replaced, say), another follows it.
    /// </summary>
    public void SaveInBackground()
    {
        Volatile.Write(ref _requested, 1);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                while (Interlocked.Exchange(ref _requested, 0) == 1)
                {
                    await SaveAsync();
                }
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
            if (Volatile.Read(ref _requested) == 1)
            {
                SaveInBackground(); // asked while the flag above was being lowered
            }
        });
    }

    private async Task SaveAsync()
    {
        try
        {
            var serving = state.Current;
            var takenAt = scope.Clock.GetUtcNow();
            Interlocked.Exchange(ref _changesSince, 0);
            Volatile.Write(ref _lastTimestamp, Stopwatch.GetTimestamp());
            await store.WriteSnapshotAsync(serving.Info.Version, takenAt, serving.Index.WriteSnapshotAsync, scope.Stopping);
        }
        catch (Exception ex) when (ex is StoreUnavailableException or StoreFullException or OperationCanceledException)
        {
            EngineLog.SnapshotFailed(scope.Logger, scope.Namespace, ex);
        }
    }

    /// <summary>After writes: a new snapshot once enough of the corpus changed since the last, at most one per <see cref="MinInterval"/>.</summary>
    public void CountChanges(int changes)
    {
        var count = Interlocked.Add(ref _changesSince, changes);
        var last = Volatile.Read(ref _lastTimestamp);
        if (count >= Math.Max(MinChanges, state.Current.Index.Count * CorpusShare) &&
            (last == 0 || Stopwatch.GetElapsedTime(last) >= MinInterval))
        {
            SaveInBackground();
        }
    }
}
