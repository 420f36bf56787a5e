namespace Recommender.Core.Storage;

/// <summary>
/// The two times that make a restored snapshot complete. A snapshot taken at T may lack writes that
/// other replicas logged shortly before T (their clocks differ, their writes were in flight), so a
/// reader re-reads every id logged since T − <see cref="SnapshotMargin"/>; the store keeps log
/// entries back to T − <see cref="Retention"/>, far more than that margin.
/// </summary>
public static class ChangeLog
{
    /// <summary>How far before a snapshot's time its reader re-reads the change log (replicas' lag and clock skew).</summary>
    public static readonly TimeSpan SnapshotMargin = TimeSpan.FromSeconds(30);

    /// <summary>How long before the latest snapshot the store keeps change-log entries.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);
}
