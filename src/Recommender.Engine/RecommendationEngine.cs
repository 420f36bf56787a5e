using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Feedback;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine.Editorial;
using Recommender.Engine.Reads;
using Recommender.Engine.Refits;
using Recommender.Engine.Replicas;
using Recommender.Engine.Serving;
using Recommender.Engine.Writes;

namespace Recommender.Engine;

/// <summary>
/// One namespace's engine, as the service sees it: every request enters here, is validated once,
/// and is handed to the part that does it. The parts share one <see cref="ServingState"/>:
/// <list type="bullet">
/// <item><see cref="ServingLoader"/> brings the namespace to serving (model, snapshot or index build);</item>
/// <item><see cref="ArticleWriter"/> upserts and deletes; <see cref="RelatedReader"/> ranks and explains lists;
/// <see cref="CatalogReader"/> reads stored articles back;</item>
/// <item><see cref="Refitter"/> refits the featurizer, one replica at a time (<see cref="RefitLease"/>);
/// <see cref="SnapshotKeeper"/> saves the index;</item>
/// <item><see cref="ReplicaSync"/> keeps replicas of the namespace in step, <see cref="ReplicaCatchUp"/>
/// repairs what its notices missed, <see cref="ChangeBroadcast"/> tells watchers what changed;</item>
/// <item><see cref="EditorialRules"/> and <see cref="FeedbackRecorder"/> keep rules and reader feedback.</item>
/// </list>
/// </summary>
public sealed class RecommendationEngine : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly EngineContext _context;
    private readonly ServingState _state = new();
    private readonly ServingLoader _loader;
    private readonly SnapshotKeeper _snapshots;
    private readonly ReplicaSync _replicas;
    private readonly Refitter _refitter;
    private readonly ArticleWriter _writer;
    private readonly EditorialRules _rules;
    private readonly FeedbackRecorder _feedback;
    private readonly RelatedReader _reader;
    private readonly CatalogReader _catalog;
    private readonly ChangeBroadcast _broadcast;
    private readonly ReplicaCatchUp _catchUp;

    public RecommendationEngine(
        NamespaceStore store,
        IFeaturizer featurizer,
        EngineOptions options,
        RankingOptions ranking,
        IndexOptions index,
        InputLimits limits,
        TimeProvider clock,
        ILogger<RecommendationEngine> logger,
        RecommendationIds recommendationIds)
    {
        _context = new EngineContext(store.Namespace, store, featurizer, options, ranking, index, limits, clock, logger, _stopping.Token);
        var feeder = new IndexFeeder(_context);
        _loader = new ServingLoader(_context, feeder);
        _snapshots = new SnapshotKeeper(_context, _state);
        _broadcast = new ChangeBroadcast(_context);
        var applied = new AppliedChanges();
        _replicas = new ReplicaSync(_context, _state, _loader, feeder, _broadcast, applied);
        _refitter = new Refitter(_context, _state, feeder, _snapshots, _replicas);
        _writer = new ArticleWriter(_context, _state, _snapshots, _refitter, _replicas);
        _rules = new EditorialRules(_context, _state, _replicas);
        _feedback = new FeedbackRecorder(_context, _state, recommendationIds);
        _reader = new RelatedReader(_context, _state, _rules, _feedback);
        _catalog = new CatalogReader(_context);
        _replicas.RulesChanged = _rules.LoadAsync;
        _catchUp = new ReplicaCatchUp(_context, _state, _replicas, _rules, applied, _refitter);
    }

    /// <summary>The site namespace this engine serves.</summary>
    public string Namespace => _context.Namespace;

    /// <summary>Articles in the serving index (cheap: no walk over the corpus).</summary>
    public int ArticleCount => _state.Current.Index.Count;

    /// <summary>Whether the store is reachable right now.</summary>
    public bool StoreAvailable => _context.Store.IsAvailable;

    /// <summary>True while a refit is scheduled or running.</summary>
    public bool RefitPending => _refitter.Pending;

    /// <summary>Every editorial rule, oldest first (expired ones too).</summary>
    public IReadOnlyList<EditorialRule> Rules => _rules.Current.All;

    /// <summary>Brings the namespace to serving (see <see cref="ServingLoader"/>), then schedules what start-up leaves to do.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = _context.Clock.GetUtcNow();
        // Subscribe before reading the corpus, so nothing another replica writes meanwhile is missed.
        await _replicas.SubscribeAsync(cancellationToken);
        await _rules.LoadAsync(cancellationToken);
        var (serving, rebuilt) = await _loader.LoadAsync(started, cancellationToken);
        using (await _state.LockAsync(cancellationToken))
        {
            // Ready to list related articles now; embedding waits for the pipeline if it is still loading.
            _state.Serve(serving);
            // Changes made while no process was watching (or a fit that never happened) count now.
            _state.ChangesSinceFit = Math.Abs(serving.Index.Count - serving.Info.BaselineArticles);
            _refitter.ScheduleIfNeeded();
        }
        EngineLog.Ready(_context.Logger, Namespace, serving.Index.Count, serving.Info.Version, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (rebuilt && serving.Index.Count > 0)
        {
            _snapshots.SaveInBackground();
        }
        _ = Task.Run(_loader.RepairIdRegistryAsync);
        // What another replica changes from now on and this one's notices miss is repaired by itself.
        _catchUp.Start(startedAt);
    }

    /// <summary>
    /// Normalizes (<see cref="TextNormalization"/>), validates and stores a batch; only articles whose
    /// title or body changed are embedded.
    /// </summary>
    public Task<UpsertResult> UpsertAsync(IReadOnlyList<Article> articles, CancellationToken cancellationToken)
    {
        var normalized = articles.Select(TextNormalization.Normalize).ToList();
        ArticleRules.ValidateBatch(normalized, _context.Limits);
        return _writer.UpsertAsync(normalized, cancellationToken);
    }

    /// <summary>Deletes articles from the store and the index.</summary>
    public Task<DeleteResult> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        RequestRules.ValidateIds(ids, _context.Limits);
        return _writer.DeleteAsync(ids.Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
    }

    /// <summary>The related list for a stored article (the store is read only to explain it).</summary>
    public Task<RelatedList> GetRelatedAsync(string id, RelatedQuery query, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateId(id, "id", _context.Limits);
        return _reader.GetRelatedAsync(id, query, cancellationToken);
    }

    /// <summary>The related list for a draft that is not stored; its section and tags select the editorial rules that apply.</summary>
    public Task<RelatedList> PreviewAsync(
        string title, string body, string language, RelatedQuery query, CancellationToken cancellationToken,
        string section = "", IReadOnlyList<string>? tags = null)
    {
        (title, body, section) = (TextNormalization.StripControls(title), TextNormalization.StripControls(body), TextNormalization.Label(section));
        tags = (tags ?? []).Select(TextNormalization.Label).ToList();
        RequestRules.ValidateDraft(title, body, language, section, tags, _context.Limits);
        return _reader.PreviewAsync(new ArticleText(title, body, language), section, tags, query, cancellationToken);
    }

    /// <summary>A page of the stored articles whose title contains every word of <paramref name="text"/>, newest first.</summary>
    /// <param name="limit">Results when <paramref name="pageSize"/> is 0 (0: 10).</param>
    public (IReadOnlyList<ArticleInfo> Articles, string NextPageToken) SearchTitles(string text, int limit, int pageSize = 0, string pageToken = "")
    {
        var size = RequestRules.ValidateSearch(text, limit, pageSize, _context.Limits);
        return _reader.SearchTitles(text, size, pageToken);
    }

    /// <summary>One stored article with its update time; NotFound when it is not stored.</summary>
    public Task<CatalogEntry> GetArticleAsync(string id, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateId(id, "id", _context.Limits);
        return _catalog.GetAsync(id, cancellationToken);
    }

    /// <summary>A page of the stored ids (ordinal order) with their update times.</summary>
    public Task<(IReadOnlyList<(string Id, DateTimeOffset? Updated)> Articles, string NextPageToken)> ListArticlesAsync(
        int pageSize, string pageToken, DateTimeOffset? updatedAfter, CancellationToken cancellationToken) =>
        _catalog.ListAsync(
            PageToken.Size(pageSize, RequestRules.DefaultListPageSize, RequestRules.MaxListPageSize), pageToken, updatedAfter, cancellationToken);

    /// <summary>Validates and stores an editorial rule, once per <paramref name="requestId"/> (see <see cref="EditorialRules.AddAsync"/>).</summary>
    public Task<EditorialRule> AddRuleAsync(EditorialRule rule, CancellationToken cancellationToken, string requestId = "") =>
        _rules.AddAsync(rule, requestId, cancellationToken);

    /// <summary>Removes a rule; NotFound when there is none with that id.</summary>
    public Task RemoveRuleAsync(string id, CancellationToken cancellationToken) => _rules.RemoveAsync(id, cancellationToken);

    /// <summary>A page of the editorial rules, oldest first; every rule when <paramref name="pageSize"/> is 0 and no token is given.</summary>
    public (IReadOnlyList<EditorialRule> Rules, string NextPageToken) ListRules(int pageSize = 0, string pageToken = "") =>
        _rules.Page(pageSize, pageToken);

    /// <summary>What changes lists here from this call on (made here or by another replica), until cancelled or the engine stops.</summary>
    public IAsyncEnumerable<EngineChange> Watch(CancellationToken cancellationToken) => _broadcast.Watch(cancellationToken);

    /// <summary>Counts impressions and clicks (see <see cref="FeedbackRecorder.RecordAsync"/>).</summary>
    public Task<int> RecordFeedbackAsync(IReadOnlyList<FeedbackEvent> events, CancellationToken cancellationToken) =>
        _feedback.RecordAsync(events, cancellationToken);

    /// <summary>Click-through so far; null while the store is unreachable.</summary>
    public Task<FeedbackStats?> GetFeedbackAsync(CancellationToken cancellationToken) => _feedback.GetAsync(cancellationToken);

    /// <summary>The serving model, the corpus and whether a refit is pending.</summary>
    public EngineStats GetStats()
    {
        var serving = _state.Current;
        var sections = serving.Index.Articles()
            .GroupBy(a => a.Section, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        return new EngineStats(serving.Info, new CorpusStats(serving.Index.Count, sections), RefitPending, StoreAvailable);
    }

    /// <summary>Refits now on the whole stored corpus and returns when the new model serves.</summary>
    public async Task<EngineStats> RetrainAsync(CancellationToken cancellationToken)
    {
        _context.EnsureStoreAvailable();
        await _refitter.RefitAsync(cancellationToken);
        return GetStats();
    }

    public void Dispose()
    {
        // Not disposed: a scheduled refit may still read the token; cancelling is what stops it.
        _stopping.Cancel();
        _replicas.Unsubscribe();
        _broadcast.Complete();
    }
}
