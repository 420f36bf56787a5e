using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Engine.Refits;
using Recommender.Testing;

namespace Recommender.Engine.Tests;

/// <summary>
/// The refit lease against a store that misses replies: a renewal the store did not answer is tried
/// again while the lease still holds, and the lease is lost only when it could have expired or when
/// another replica holds it. Leases of 1.5 s, renewed every 0.5 s, so that each test takes seconds.
/// </summary>
public sealed class RefitLeaseTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);

    private static async Task<RefitLease> AcquireAsync(InMemoryNamespace store, string owner = "this-replica") =>
        (await RefitLease.AcquireAsync(store, Duration, owner, wait: false, NullLogger.Instance, "site", CancellationToken.None))!;

    [Fact]
    public async Task ARenewalTheStoreDidNotAnswer_IsTriedAgain_AndTheLeaseHolds()
    {
        var store = new InMemoryStores()["site"];
        await using var lease = await AcquireAsync(store);
        store.LeaseCallsToFail = 2; // the first renewal and its first retry

        await Task.Delay(Duration * 3);

        Assert.Equal(0, store.LeaseCallsToFail);
        Assert.False(lease.Lost.IsCancellationRequested, "one missed reply lost the lease");
        Assert.False(await store.TryLeaseRefitAsync("another-replica", Duration, CancellationToken.None), "the lease was not renewed");
    }

    [Fact]
    public async Task AStoreThatAnswersNoRenewal_LosesTheLease()
    {
        var store = new InMemoryStores()["site"];
        await using var lease = await AcquireAsync(store);
        store.LeaseCallsToFail = int.MaxValue;

        var lost = Task.Delay(Timeout.Infinite, lease.Lost);
        Assert.Same(lost, await Task.WhenAny(lost, Task.Delay(TimeSpan.FromSeconds(30))));
        store.LeaseCallsToFail = 0;
    }

    [Fact]
    public async Task ALeaseAnotherReplicaTookOver_IsLost()
    {
        var store = new InMemoryStores()["site"];
        await using var lease = await AcquireAsync(store);
        store.LeaseAsADeadReplica(TimeSpan.FromMinutes(1)); // as if ours had expired and another took it

        var lost = Task.Delay(Timeout.Infinite, lease.Lost);
        Assert.Same(lost, await Task.WhenAny(lost, Task.Delay(TimeSpan.FromSeconds(30))));
    }
}
