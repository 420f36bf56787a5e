using System.ComponentModel.DataAnnotations;

namespace Recommender.Engine;

/// <summary>When the featurizer is refitted, and how work is batched. Section "Recommender:Engine".</summary>
public sealed class EngineOptions
{
    public const string SectionName = "Recommender:Engine";

    /// <summary>Fewest stored articles worth fitting a model on; below this the shipped default model serves.</summary>
    [Range(2, 1_000_000, ErrorMessage = "Recommender:Engine:MinArticlesToFit must be between {1} and {2}.")]
    public int MinArticlesToFit { get; set; } = 10;

    /// <summary>
    /// The corpus has "changed materially" when the articles created, changed or deleted since the
    /// last fit reach this share of the corpus the model was fitted on; a refit is then scheduled.
    /// </summary>
    [Range(0.01, 10.0, ErrorMessage = "Recommender:Engine:RefitChangeFraction must be between {1} and {2}.")]
    public double RefitChangeFraction { get; set; } = 0.2;

    /// <summary>
    /// A scheduled refit waits until no write has been under way for this long, so one import refits
    /// once, at its end; longer when a client syncs in batches with longer pauses between them
    /// (twice the longest recent pause, up to <see cref="RefitQuietPeriodMax"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Recommender:Engine:RefitQuietPeriod must be between {1} and {2}.")]
    public TimeSpan RefitQuietPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest a scheduled refit waits for quiet after a sync whose batches come slowly (pauses
    /// of up to half this count as its rhythm). A client that never pauses longer than the wait
    /// postpones refits until it does, as an import that runs on does.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Recommender:Engine:RefitQuietPeriodMax must be between {1} and {2}.")]
    public TimeSpan RefitQuietPeriodMax { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Most site namespaces one process serves at once (each holds a model and an index in memory).</summary>
    [Range(1, 10_000, ErrorMessage = "Recommender:Engine:MaxNamespaces must be between {1} and {2}.")]
    public int MaxNamespaces { get; set; } = 64;

    /// <summary>
    /// Most articles a refit fits the featurizer on, spread evenly over the corpus; every article is
    /// then embedded with the fitted model. Fitting time grows with this, embedding time with the corpus.
    /// </summary>
    [Range(10, 10_000_000, ErrorMessage = "Recommender:Engine:MaxFitArticles must be between {1} and {2}.")]
    public int MaxFitArticles { get; set; } = 10_000;

    /// <summary>Articles embedded per featurizer call and written per store round trip.</summary>
    [Range(1, 10_000, ErrorMessage = "Recommender:Engine:BatchSize must be between {1} and {2}.")]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How often a replica checks the store for what change notices may have missed (it was
    /// disconnected, paused or slow): the change log since its last check, the serving model and the
    /// rules. A replica that missed a notice converges within about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00", ErrorMessage = "Recommender:Engine:ReplicaCheckInterval must be between {1} and {2}.")]
    public TimeSpan ReplicaCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a replica compares the number of stored articles with its index (the digest) and,
    /// when they differ, walks every stored id: what repairs a replica that was away for longer than
    /// the change log keeps.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00", ErrorMessage = "Recommender:Engine:ReplicaDigestInterval must be between {1} and {2}.")]
    public TimeSpan ReplicaDigestInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The refit lease's length: one replica refits a namespace at a time, renewing the lease every
    /// third of this; if it dies, another may refit once this has passed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Recommender:Engine:RefitLeaseDuration must be between {1} and {2}.")]
    public TimeSpan RefitLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a list takes feedback after it was issued, and so how long a recorded impression or
    /// click is remembered, so that a resent one is not counted twice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Recommender:Engine:FeedbackDeduplicationWindow must be between {1} and {2}.")]
    public TimeSpan FeedbackDeduplicationWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Most counted events remembered over that window (about 70 bytes each in the store), so that
    /// what feedback stores is bounded whatever is sent. Past it, events are still counted but a resent
    /// one may count twice: a flood can skew counts within its rate limit, never shut readers out.
    /// </summary>
    [Range(1, 100_000_000, ErrorMessage = "Recommender:Engine:FeedbackDeduplicationCapacity must be between {1} and {2}.")]
    public int FeedbackDeduplicationCapacity { get; set; } = 1_000_000;
}
