using Microsoft.Extensions.Logging;

namespace Recommender.Engine;

/// <summary>The engine's log messages, one id each (ids are stable: dashboards and alerts key on them).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(1001, LogLevel.Information, "Namespace {Namespace}: serving {Articles} articles with model {Version}; ready after {Seconds:F2} s")]
    public static partial void Ready(ILogger logger, string @namespace, int articles, string version, double seconds);

    [LoggerMessage(1016, LogLevel.Warning, "Namespace {Namespace}: the stored model {Version} is of featurizer format {Format}, this version fits format {Current}; the default model serves until the refit scheduled now")]
    public static partial void ModelOutdated(ILogger logger, string @namespace, string version, int format, int current);

    [LoggerMessage(1002, LogLevel.Information, "Namespace {Namespace}: embedded {Count} stored articles that had no vector of model {Version}")]
    public static partial void EmbeddedMissing(ILogger logger, string @namespace, int count, string version);

    [LoggerMessage(1003, LogLevel.Information, "Namespace {Namespace}: refitting the featurizer on {Articles} of {Corpus} articles")]
    public static partial void RefitStarted(ILogger logger, string @namespace, int articles, int corpus);

    [LoggerMessage(1004, LogLevel.Information, "Namespace {Namespace}: model {Version} now serves {Articles} articles (fit {FitSeconds:F1} s, total {Seconds:F1} s)")]
    public static partial void RefitDone(ILogger logger, string @namespace, string version, int articles, double fitSeconds, double seconds);

    [LoggerMessage(1006, LogLevel.Warning, "Namespace {Namespace}: could not tell other replicas about a change")]
    public static partial void PublishFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1007, LogLevel.Warning, "Namespace {Namespace}: could not apply another replica's change; it shows after a restart")]
    public static partial void RemoteApplyFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1008, LogLevel.Information, "Namespace {Namespace}: now serving model {Version}, fitted by another replica")]
    public static partial void RemoteModel(ILogger logger, string @namespace, string version);

    [LoggerMessage(1009, LogLevel.Information, "Namespace {Namespace}: read {Articles} articles in {ReadSeconds:F2} s (indexing {IndexSeconds:F2} s of it), partitioned into {Cells} cells in {PartitionSeconds:F2} s")]
    public static partial void IndexBuilt(ILogger logger, string @namespace, int articles, double readSeconds, double indexSeconds, double partitionSeconds, int cells);

    [LoggerMessage(1013, LogLevel.Information, "Namespace {Namespace}: loaded model {Version} ({Megabytes:F1} MB) {Seconds:F2} s after starting")]
    public static partial void ModelLoaded(ILogger logger, string @namespace, string version, double megabytes, double seconds);

    [LoggerMessage(1010, LogLevel.Information, "Namespace {Namespace}: restored {Articles} articles from the index snapshot of {TakenAt:u} ({Megabytes:F1} MB read and parsed in {ReadSeconds:F2} s), re-read {Changed} changed since, in {Seconds:F2} s")]
    public static partial void SnapshotRestored(ILogger logger, string @namespace, int articles, DateTimeOffset takenAt, double megabytes, double readSeconds, int changed, double seconds);

    [LoggerMessage(1011, LogLevel.Warning, "Namespace {Namespace}: the index snapshot cannot be read; rebuilding from the articles")]
    public static partial void SnapshotUnreadable(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1012, LogLevel.Warning, "Namespace {Namespace}: could not save an index snapshot; the next start reads every article")]
    public static partial void SnapshotFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1005, LogLevel.Error, "Namespace {Namespace}: scheduled refit failed; the previous model keeps serving")]
    public static partial void RefitFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1014, LogLevel.Warning, "Namespace {Namespace}: removed {Count} id(s) from the id registry whose article is not stored (a write cut off by a crash): {Ids}")]
    public static partial void DanglingIdsRemoved(ILogger logger, string @namespace, int count, string ids);

    [LoggerMessage(1015, LogLevel.Warning, "Namespace {Namespace}: the id registry was not checked after start")]
    public static partial void RepairSkipped(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1017, LogLevel.Warning, "Namespace {Namespace}: the check for changes this replica missed failed; it runs again shortly")]
    public static partial void CatchUpFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(1018, LogLevel.Information, "Namespace {Namespace}: now serving model {Version}, whose notice this replica missed")]
    public static partial void CaughtUpModel(ILogger logger, string @namespace, string version);

    [LoggerMessage(1019, LogLevel.Information, "Namespace {Namespace}: repaired {Count} article(s) whose change notices this replica missed")]
    public static partial void CaughtUp(ILogger logger, string @namespace, int count);

    [LoggerMessage(1020, LogLevel.Information, "Namespace {Namespace}: the scheduled refit does not run now: {Reason}")]
    public static partial void ScheduledRefitStoodDown(ILogger logger, string @namespace, string reason);

    [LoggerMessage(1021, LogLevel.Warning, "Namespace {Namespace}: the store did not answer a refit's batch; trying it again (attempt {Attempt})")]
    public static partial void RefitBatchRetried(ILogger logger, string @namespace, int attempt, Exception exception);

    [LoggerMessage(1022, LogLevel.Information, "Namespace {Namespace}: moving the id registry to the sorted catalog of this version: {Count} id(s) so far")]
    public static partial void CatalogMigrating(ILogger logger, string @namespace, int count);

    [LoggerMessage(1023, LogLevel.Information, "Namespace {Namespace}: moved {Count} id(s) to the sorted catalog in {Seconds:F1} s")]
    public static partial void CatalogMigrated(ILogger logger, string @namespace, int count, double seconds);

    [LoggerMessage(1024, LogLevel.Warning, "Namespace {Namespace}: the store did not answer a renewal of the refit lease; trying again while the lease still holds ({Seconds:F1} s)")]
    public static partial void LeaseRenewalRetried(ILogger logger, string @namespace, double seconds, Exception exception);

    [LoggerMessage(1025, LogLevel.Warning, "Namespace {Namespace}: the refit lease is lost ({Reason}); this refit stops and the previous model keeps serving")]
    public static partial void LeaseLost(ILogger logger, string @namespace, string reason);
}
