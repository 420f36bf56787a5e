using Recommender.Core.Errors;
using Recommender.Core.Storage;

namespace Recommender.Engine.Refits;

/// <summary>
/// This replica's hold on the namespace's refit lease: renewed every third of its length while the
/// refit runs; <see cref="Lost"/> fires if a renewal fails, so the refit stops before it could swap
/// a model another replica may be fitting too. Disposing stops the renewal and gives the lease up.
/// </summary>
internal sealed class RefitLease : IAsyncDisposable
{
    private readonly IModelStore _models;
    private readonly TimeSpan _duration;
    private readonly string _owner;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    private RefitLease(IModelStore models, TimeSpan duration, string owner)
    {
        _models = models;
        _duration = duration;
        _owner = owner;
        _renewing = Task.Run(RenewAsync);
    }

    /// <summary>Fires when the lease could not be renewed.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>
    /// The lease, or null while another replica holds it and <paramref name="wait"/> is false; with
    /// <paramref name="wait"/>, polls until it is free (or the call is cancelled).
    /// </summary>
    public static async Task<RefitLease?> AcquireAsync(IModelStore models, TimeSpan duration, string owner, bool wait, CancellationToken cancellationToken)
    {
        while (!await models.TryLeaseRefitAsync(owner, duration, cancellationToken))
        {
            if (!wait)
            {
                return null;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1_000, duration.TotalMilliseconds / 4)), cancellationToken);
        }
        return new RefitLease(models, duration, owner);
    }

    private async Task RenewAsync()
    {
        var every = _duration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, _stop.Token);
                if (!await _models.TryLeaseRefitAsync(_owner, _duration, _stop.Token))
                {
                    await _lost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (StoreUnavailableException)
        {
            await _lost.CancelAsync();
        }
    }

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
