using System.Runtime.ExceptionServices;

namespace Recommender.Core.Index;

/// <summary>
/// A parallel loop on threads of its own rather than the thread pool's. The index's long loops (every
/// candidate list after a bulk load, a batch's neighbour searches) would otherwise hold every pool
/// thread for seconds: at a million articles the service's store replies then waited for a free
/// thread past their timeout (StackExchange.Redis reports it as data received but not read).
/// </summary>
internal static class DedicatedParallel
{
    /// <summary>Fewer items than this run on the calling thread.</summary>
    private const int InlineBelow = 16;

    /// <summary>Runs <paramref name="body"/> for 0 to <paramref name="count"/> − 1, on the calling thread and one dedicated thread per further core.</summary>
    public static void For(int count, Action<int> body)
    {
        var next = -1;
        ExceptionDispatchInfo? failure = null;
        void Work()
        {
            try
            {
                for (var i = Interlocked.Increment(ref next); i < count && failure is null; i = Interlocked.Increment(ref next))
                {
                    body(i);
                }
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(ex), null);
            }
        }

        var helpers = count < InlineBelow ? 0 : Math.Min(Environment.ProcessorCount, count) - 1;
        var threads = Enumerable.Range(0, helpers).Select(_ => new Thread(Work) { IsBackground = true, Name = "index-parallel" }).ToList();
        threads.ForEach(t => t.Start());
        Work();
        threads.ForEach(t => t.Join());
        failure?.Throw();
    }
}
