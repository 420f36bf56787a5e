using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Recommender.Core.Errors;
using Recommender.Core.Storage;

namespace Recommender.Engine.Refits;

/// <summary>
/// This replica's hold on the namespace's refit lease: renewed every third of its length while the
/// refit runs. <see cref="Lost"/> fires when another replica holds it, or when the store has not
/// confirmed a renewal before the last confirmed one could have expired, so the refit stops before
/// it could swap a model another replica may be fitting too. A renewal the store did not answer
/// (a timeout on a busy machine) is tried again meanwhile: one missed reply is not a lost lease.
/// Disposing stops the renewal and gives the lease up.
/// </summary>
internal sealed class RefitLease : IAsyncDisposable
{
    private readonly IModelStore _models;
    private readonly TimeSpan _duration;
    private readonly string _owner;
    private readonly ILogger _logger;
    private readonly string _namespace;
    private readonly long _sentAt;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    private RefitLease(IModelStore models, TimeSpan duration, string owner, ILogger logger, string @namespace, long sentAt)
    {
        _models = models;
        _duration = duration;
        _owner = owner;
        _logger = logger;
        _namespace = @namespace;
        _sentAt = sentAt;
        _renewing = Task.Run(RenewAsync);
    }

    /// <summary>Fires when the lease could not be renewed.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// The lease, or null while another replica holds it and <paramref name="wait"/> is false; with
    /// <paramref name="wait"/>, polls until it is free (or the call is cancelled).
    /// </summary>
    public static async Task<RefitLease?> AcquireAsync(
        IModelStore models, TimeSpan duration, string owner, bool wait, ILogger logger, string @namespace, CancellationToken cancellationToken)
    {
        while (true)
        {
            var sentAt = Stopwatch.GetTimestamp();
            if (await models.TryLeaseRefitAsync(owner, duration, cancellationToken))
            {
                return new RefitLease(models, duration, owner, logger, @namespace, sentAt);
            }
            if (!wait)
            {
                return null;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, duration.TotalMilliseconds / 4)), cancellationToken);
        }
    }

    private async Task RenewAsync()
    {
        var every = _duration / 3;
        // The lease is ours until the last renewal the store confirmed, counted from when it was
        // sent, plus its length; a renewal is only given up on a little before then.
        var heldUntil = _sentAt + Ticks(_duration);
        var margin = Ticks(_duration / 6);
        try
        {
            var wait = every;
            while (true)
            {
                await Task.Delay(wait, _stop.Token);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    if (!await _models.TryLeaseRefitAsync(_owner, _duration, _stop.Token))
                    {
                        EngineLog.LeaseLost(_logger, _namespace, "another replica holds it");
                        await _lost.CancelAsync();
                        return;
                    }
                    heldUntil = sent + Ticks(_duration);
                    wait = every;
                }
                catch (StoreUnavailableException ex)
                {
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), heldUntil - margin);
                    if (left <= TimeSpan.Zero)
                    {
                        EngineLog.LeaseLost(_logger, _namespace, $"the store did not confirm a renewal before it could expire ({ex.Message})");
                        await _lost.CancelAsync();
                        return;
                    }
                    EngineLog.LeaseRenewalRetried(_logger, _namespace, left.TotalSeconds, ex);
                    wait = TimeSpan.FromTicks(Math.Min(left.Ticks, Math.Max(every.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks)));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>A length in <see cref="Stopwatch"/> timestamp units.</summary>
    private static long Ticks(TimeSpan length) => (long)(length.TotalSeconds * Stopwatch.Frequency);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        try
        {
            await _models.ReleaseRefitLeaseAsync(_owner, CancellationToken.None);
        }
        catch (StoreUnavailableException)
        {
            // It expires by itself.
        }
        _stop.Dispose();
        _lost.Dispose();
    }
}
