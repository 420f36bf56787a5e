using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Feedback;
using Recommender.Core.Index;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine.Changes;
using Recommender.Engine.Editorial;
using Recommender.Engine.Reads;
using Recommender.Engine.Refits;
using Recommender.Engine.Replicas;
using Recommender.Engine.Serving;
using Recommender.Engine.Writes;

namespace Recommender.Engine;

/// <summary>
/// One namespace's engine, as the service sees it: every request enters here, is normalized and
/// validated once, at this entry (the one place that decides what a valid request is), and is
/// handed to the part that does it. The parts, by folder, in the order they depend on each other
/// (each uses only those before it, and each is given what it uses when it is constructed):
/// <list type="number">
/// <item><c>Serving/</c>: the one mutable <see cref="ServingState"/> (model, index, write lock);
/// <see cref="IndexFeeder"/> (the one way vectors reach an index), <see cref="ServingLoader"/> (start:
/// model, snapshot restore or index build), <see cref="SnapshotKeeper"/> (saves the index).</item>
/// <item><c>Changes/</c>: <see cref="ChangeAnnouncer"/> announces this process's changes to the other
/// replicas and its watchers (<see cref="ChangeBroadcast"/>), and records what is held here (<see cref="AppliedChanges"/>).</item>
/// <item><c>Editorial/</c>: <see cref="EditorialRules"/> (pins and blocks) and <see cref="FeedbackRecorder"/> (signed list ids, reader feedback).</item>
/// <item><c>Refits/</c>: <see cref="Refitter"/> refits the featurizer, one replica at a time (<see cref="RefitLease"/>).</item>
/// <item><c>Writes/</c>: <see cref="ArticleWriter"/> upserts and deletes.</item>
/// <item><c>Reads/</c>: <see cref="RelatedReader"/> ranks and explains lists; <see cref="CatalogReader"/> reads stored articles back.</item>
/// <item><c>Replicas/</c>: <see cref="NoticeApplier"/> applies what other replicas announce and repairs what
/// <see cref="ReplicaCatchUp"/> finds their notices missed.</item>
/// </list>
/// </summary>
public sealed class RecommendationEngine : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly EngineScope _scope;
    private readonly InputLimits _limits;
    private readonly StoreAvailability _availability;
    private readonly ServingState _state = new();
    private readonly ServingLoader _loader;
    private readonly SnapshotKeeper _snapshots;
    private readonly ChangeBroadcast _broadcast;
    private readonly EditorialRules _rules;
    private readonly FeedbackRecorder _feedback;
    private readonly Refitter _refitter;
    private readonly ArticleWriter _writer;
    private readonly RelatedReader _reader;
    private readonly CatalogReader _catalog;
    private readonly NoticeApplier _replicas;
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
        _scope = new EngineScope(store.Namespace, logger, clock, _stopping.Token);
        _limits = limits;
        _availability = new StoreAvailability(store.Articles);
        // Serving/
        var feeder = new IndexFeeder(store.Articles, options.BatchSize);
        _loader = new ServingLoader(_scope, store, featurizer, index, options.BatchSize, feeder);
        _snapshots = new SnapshotKeeper(_scope, store.Snapshots, _state);
        // Changes/
        _broadcast = new ChangeBroadcast(_scope);
        var applied = new AppliedChanges();
        var announcer = new ChangeAnnouncer(_scope, store.Changes, _state, _broadcast, applied);
        // Editorial/
        _rules = new EditorialRules(_scope, store.Rules, _availability, limits, _state, announcer);
        var deduplication = new FeedbackDeduplication(options.FeedbackDeduplicationWindow, options.FeedbackDeduplicationCapacity);
        _feedback = new FeedbackRecorder(_scope, store.Feedback, _availability, deduplication, limits, _state, recommendationIds);
        // Refits/, Writes/, Reads/
        _refitter = new Refitter(_scope, store, featurizer, options, index, _state, feeder, _snapshots, announcer);
        _writer = new ArticleWriter(store.Articles, _availability, _state, _snapshots, _refitter, announcer);
        _reader = new RelatedReader(store.Articles, _availability, ranking, clock, _state, _rules, _feedback);
        _catalog = new CatalogReader(_scope, store.Catalog);
        // Replicas/
        _replicas = new NoticeApplier(_scope, store, featurizer, options.BatchSize, _state, _loader, feeder, announcer, applied, _rules);
        _catchUp = new ReplicaCatchUp(_scope, store, options, _state, _replicas, _rules, applied, _refitter);
    }

    /// <summary>The site namespace this engine serves.</summary>
    public string Namespace => _scope.Namespace;

    /// <summary>Articles in the serving index (cheap: no walk over the corpus).</summary>
    public int ArticleCount => _state.Current.Index.Count;

    /// <summary>Whether the store is reachable right now.</summary>
    public bool StoreAvailable => _availability.IsAvailable;

    /// <summary>True while a refit is scheduled or running.</summary>
    public bool RefitPending => _refitter.Pending;

    /// <summary>Every editorial rule, oldest first (expired ones too).</summary>
    public IReadOnlyList<EditorialRule> Rules => _rules.Current.All;

    /// <summary>Brings the namespace to serving (see <see cref="ServingLoader"/>), then schedules what start-up leaves to do.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var startedAt = _scope.Clock.GetUtcNow();
        // Subscribe before reading the corpus, so nothing another replica writes meanwhile is missed.
        await _replicas.SubscribeAsync(cancellationToken);
        await _rules.LoadAsync(cancellationToken);
        await _catalog.MigrateAsync(cancellationToken);
        var (serving, rebuilt) = await _loader.LoadAsync(started, cancellationToken);
        using (await _state.LockAsync(cancellationToken))
        {
            // Ready to list related articles now; embedding waits for the pipeline if it is still loading.
            _state.Serve(serving);
            // Changes made while no process was watching (or a fit that never happened) count now.
            _state.ChangesSinceFit = Math.Abs(serving.Index.Count - serving.Info.BaselineArticles);
            _refitter.ScheduleIfNeeded();
        }
        EngineLog.Ready(_scope.Logger, Namespace, serving.Index.Count, serving.Info.Version, Stopwatch.GetElapsedTime(started).TotalSeconds);
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
        ArticleRules.ValidateBatch(normalized, _limits);
        return _writer.UpsertAsync(normalized, cancellationToken);
    }

    /// <summary>
    /// Deletes articles from the store and the index: <paramref name="ids"/>, and <paramref name="id"/>
    /// when given (the path parameter of DELETE /v1/articles/{id}, named so in errors).
    /// </summary>
    public Task<DeleteResult> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken, string id = "")
    {
        if (id.Length > 0)
        {
            ArticleRules.ValidateId(id, "id", _limits);
            ids = [.. ids, id];
        }
        RequestRules.ValidateIds(ids, _limits);
        return _writer.DeleteAsync(ids.Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
    }

    /// <summary>The related list for a stored article (the store is read only to explain it).</summary>
    public Task<RelatedList> GetRelatedAsync(string id, ListOptions options, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateId(id, "id", _limits);
        return _reader.GetRelatedAsync(id, RelatedQuery.From(options, _limits), cancellationToken);
    }

    /// <summary>
    /// The list for several stored articles (a reader's history, a topic page), away from the
    /// unliked ones; unknown ids are reported in the list, not fatal while one liked article is stored.
    /// </summary>
    public Task<RelatedList> GetRelatedForHistoryAsync(HistoryOptions history, ListOptions options, CancellationToken cancellationToken)
    {
        var likes = history.Validate(_limits);
        var query = RelatedQuery.From(options, _limits);
        return _reader.GetRelatedForHistoryAsync(likes, history.Unlike, history.Strategy, query, cancellationToken);
    }

    /// <summary>The related list for a draft that is not stored; its section and tags select the editorial rules that apply.</summary>
    public Task<RelatedList> PreviewAsync(Draft draft, ListOptions options, CancellationToken cancellationToken)
    {
        draft = TextNormalization.Normalize(draft);
        RequestRules.ValidateDraft(draft, _limits);
        var query = RelatedQuery.From(options, _limits);
        return _reader.PreviewAsync(new ArticleText(draft.Title, draft.Body, draft.Language), draft.Section, draft.Tags, query, cancellationToken);
    }

    /// <summary>A page of the stored articles whose title contains every word of <paramref name="text"/>, newest first.</summary>
    /// <param name="limit">Results when <paramref name="pageSize"/> is 0 (0: 10).</param>
    public (IReadOnlyList<ArticleInfo> Articles, string NextPageToken) SearchTitles(string text, int limit, int pageSize = 0, string pageToken = "")
    {
        var size = RequestRules.ValidateSearch(text, limit, pageSize, _limits);
        return _reader.SearchTitles(text, size, pageToken);
    }

    /// <summary>One stored article with its update time; NotFound when it is not stored.</summary>
    public Task<CatalogEntry> GetArticleAsync(string id, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateId(id, "id", _limits);
        return _catalog.GetAsync(id, cancellationToken);
    }

    /// <summary>A page of the stored ids with their update times: in id order, or oldest write first with <paramref name="updatedAfter"/>.</summary>
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
        _availability.Ensure();
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
