using System.Diagnostics;
using Recommender.Core.Errors;

namespace Recommender.Engine.Serving;

/// <summary>
/// The one mutable state of a namespace's engine, shared by its parts.
/// <para>
/// Concurrency: reads take <see cref="Current"/> and never wait. Writes (upserts, deletes, another
/// replica's changes) and the swap of a refit hold the write lock (<see cref="LockAsync"/>), so a
/// write is applied to exactly one model's index and store keys. The write bookkeeping below is
/// guarded by that lock.
/// </para>
/// </summary>
internal sealed class ServingState
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private volatile ServingModel? _serving;
    private long _lastWriteTimestamp;

    /// <summary>The serving model and index; <see cref="NotReadyException"/> until the namespace has started.</summary>
    public ServingModel Current => _serving ?? throw new NotReadyException();

    public bool IsReady => _serving is not null;

    /// <summary>Changes (creates, updates, deletes) since the serving model was fitted. Under the lock.</summary>
    public int ChangesSinceFit { get; set; }

    /// <summary>Ids written while a refit runs, which it re-embeds before its swap; null when none runs. Under the lock.</summary>
    public HashSet<string>? WrittenDuringRefit { get; set; }

    /// <summary>How long since the last local write (a scheduled refit waits for a quiet moment).</summary>
    public TimeSpan QuietFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastWriteTimestamp));

    /// <summary>Waits for the write lock; disposing what it returns releases it.</summary>
    public async ValueTask<WriteLock> LockAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        return new WriteLock(_writeGate);
    }

    /// <summary>Makes <paramref name="serving"/> the serving model and index. Under the lock.</summary>
    public void Serve(ServingModel serving) => _serving = serving;

    /// <summary>Counts writes (made here or through another replica) toward the next refit and remembers ids a running refit must redo. Under the lock.</summary>
    public void RecordWrites(IEnumerable<string> ids, int changes)
    {
        ChangesSinceFit += changes;
        Volatile.Write(ref _lastWriteTimestamp, Stopwatch.GetTimestamp());
        WrittenDuringRefit?.UnionWith(ids);
    }

    /// <summary>Held write lock; released on dispose.</summary>
    public readonly struct WriteLock(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
