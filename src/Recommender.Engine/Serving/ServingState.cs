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
    /// <summary>Gaps between local writes remembered to judge a sync's rhythm.</summary>
    private const int RememberedGaps = 8;

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly TimeSpan[] _gaps = new TimeSpan[RememberedGaps];
    private volatile ServingModel? _serving;
    private long _lastWriteTimestamp;
    private int _writesInFlight;
    private int _gapCount;

    /// <summary>The serving model and index; <see cref="NotReadyException"/> until the namespace has started.</summary>
    public ServingModel Current => _serving ?? throw new NotReadyException();

    public bool IsReady => _serving is not null;

    /// <summary>Changes (creates, updates, deletes) since the serving model was fitted. Under the lock.</summary>
    public int ChangesSinceFit { get; set; }

    /// <summary>Ids written while a refit runs, which it re-embeds before its swap; null when none runs. Under the lock.</summary>
    public HashSet<string>? WrittenDuringRefit { get; set; }

    /// <summary>How long since the last write ended; zero while a local write is under way (a scheduled refit waits for a quiet moment).</summary>
    public TimeSpan QuietFor => Volatile.Read(ref _writesInFlight) > 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(Volatile.Read(ref _lastWriteTimestamp));

    /// <summary>
    /// Marks a local write of <paramref name="articles"/> from its arrival (before it waits for the
    /// lock) until it ends, when disposed. The pause before a batch (more than one article), since
    /// the last write ended, is remembered as the rhythm of a sync; an editor's single saves are not
    /// a sync and do not count.
    /// </summary>
    public WriteInFlight BeginWrite(int articles, TimeSpan longestGap)
    {
        if (Interlocked.Increment(ref _writesInFlight) == 1 && articles > 1 &&
            Stopwatch.GetElapsedTime(Volatile.Read(ref _lastWriteTimestamp)) is var gap && gap <= longestGap)
        {
            lock (_gaps)
            {
                _gaps[_gapCount++ % RememberedGaps] = gap;
            }
        }
        return new WriteInFlight(this);
    }

    /// <summary>
    /// How long a scheduled refit waits for quiet: <paramref name="floor"/>, or twice the longest of
    /// the recent pauses between writes when a client syncs slower than that, at most <paramref name="cap"/>.
    /// </summary>
    public TimeSpan QuietNeeded(TimeSpan floor, TimeSpan cap)
    {
        TimeSpan longest;
        lock (_gaps)
        {
            longest = _gaps.Take(Math.Min(_gapCount, RememberedGaps)).DefaultIfEmpty().Max();
        }
        return TimeSpan.FromTicks(Math.Clamp(2 * longest.Ticks, floor.Ticks, Math.Max(floor.Ticks, cap.Ticks)));
    }

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

    /// <summary>A local write under way; ends on dispose.</summary>
    public readonly struct WriteInFlight(ServingState state) : IDisposable
    {
        public void Dispose()
        {
            Volatile.Write(ref state._lastWriteTimestamp, Stopwatch.GetTimestamp());
            Interlocked.Decrement(ref state._writesInFlight);
        }
    }

    /// <summary>Held write lock; released on dispose.</summary>
    public readonly struct WriteLock(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
