namespace Recommender.Core.Storage;

/// <summary>How full the store is: bytes in use against what it holds before it would drop records.</summary>
/// <param name="UsedBytes">Bytes in use, as the store reports them.</param>
/// <param name="LimitBytes">Bytes it holds at most (0: no limit known).</param>
/// <param name="Warning">Why this store might lose records it acknowledged (eviction policy, records evicted), or null.</param>
public sealed record StoreMemory(long UsedBytes, long LimitBytes, string? Warning)
{
    /// <summary>Share of the limit in use; 0 when there is no limit.</summary>
    public double Fraction => LimitBytes > 0 ? (double)UsedBytes / LimitBytes : 0;
}
