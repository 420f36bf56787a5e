using System.Diagnostics.Metrics;

namespace Recommender.Core;

/// <summary>
/// The service's own metrics (meter "Recommender"), recorded where the work happens and exported
/// by the host (OpenTelemetry → Prometheus). Names follow OpenTelemetry conventions: seconds for
/// durations, dots between words.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "Recommender";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Calls of the recommender API, tagged with rpc.method and rpc.grpc.status_code.</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("recommender.requests", "{request}", "API calls by method and gRPC status");

    /// <summary>Time to answer an API call, tagged with rpc.method.</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("recommender.request.duration", "s", "Time to answer an API call");

    /// <summary>Time of one store round of commands, tagged with operation.</summary>
    public static readonly Histogram<double> StoreDuration = Meter.CreateHistogram<double>("recommender.store.duration", "s", "Store round-trip time by operation");

    /// <summary>Time of a refit (fit, re-embed, swap), tagged with namespace.</summary>
    public static readonly Histogram<double> RefitDuration = Meter.CreateHistogram<double>("recommender.refit.duration", "s", "Featurizer refit time");

    /// <summary>Registers the gauge of articles in each serving index.</summary>
    public static ObservableGauge<int> IndexSize(Func<IEnumerable<Measurement<int>>> observe) =>
        Meter.CreateObservableGauge("recommender.index.articles", observe, "{article}", "Articles in the serving index by namespace");

    /// <summary>Registers the gauges of the store's memory: bytes in use and the most it holds.</summary>
    public static void StoreMemory(Func<long?> used, Func<long?> limit)
    {
        Meter.CreateObservableGauge("recommender.store.memory.used", () => used() is { } v ? [new Measurement<long>(v)] : Array.Empty<Measurement<long>>(), "By", "Bytes the store has in use");
        Meter.CreateObservableGauge("recommender.store.memory.limit", () => limit() is { } v ? [new Measurement<long>(v)] : Array.Empty<Measurement<long>>(), "By", "Bytes the store holds at most (0: unlimited)");
    }

    /// <summary>Registers the gauges of the embedded store's disk: free bytes, the floor writes stop at, the store's files.</summary>
    public static void StoreDisk(Func<Storage.StoreDisk?> read)
    {
        IEnumerable<Measurement<long>> Observe(Func<Storage.StoreDisk, long> value) =>
            read() is { } disk ? [new Measurement<long>(value(disk))] : [];
        Meter.CreateObservableGauge("recommender.store.disk.free", () => Observe(d => d.FreeBytes), "By", "Bytes free on the embedded store's disk");
        Meter.CreateObservableGauge("recommender.store.disk.floor", () => Observe(d => d.FloorBytes), "By", "Free bytes below which writes are refused");
        Meter.CreateObservableGauge("recommender.store.disk.files", () => Observe(d => d.StoreBytes), "By", "Bytes of the embedded store's files (append-only file, checkpoints)");
    }
}
