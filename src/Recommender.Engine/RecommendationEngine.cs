using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Recommender.Core;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Core.Index;
using Recommender.Core.Ranking;

namespace Recommender.Engine;

/// <summary>
/// The service's one stateful object. It owns the serving model and its in-memory index, keeps them
/// in step with the store, and refits the featurizer when the corpus has changed materially.
/// <para>
/// Concurrency: reads take a snapshot of <see cref="Serving"/> and never wait. Writes (upsert,
/// delete) and the final swap of a refit take <see cref="_writeGate"/>, so a write is applied to
/// exactly one model's index and store keys. A refit fits and embeds outside the gate; the ids
/// written meanwhile are recorded and re-embedded with the new model just before the swap.
/// </para>
/// </summary>
public sealed partial class RecommendationEngine : IDisposable
{
    private readonly IArticleStore _store;
    private readonly IFeaturizer _featurizer;
    private readonly EngineOptions _options;
    private readonly RankingOptions _ranking;
    private readonly IndexOptions _index;
    private readonly InputLimits _limits;
    private readonly TimeProvider _clock;
    private readonly ILogger<RecommendationEngine> _logger;
    private readonly RecommendationIds _recommendationIds;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _refitGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _origin = Guid.NewGuid().ToString("n");
    private IAsyncDisposable? _subscription;

    private volatile Serving? _serving;
    private volatile RuleSet _rules = RuleSet.Empty;
    private readonly SemaphoreSlim _rulesGate = new(1, 1);

    // Guarded by _writeGate.
    private HashSet<string>? _writtenDuringRefit;
    private int _changesSinceFit;
    private bool _refitScheduled;
    private long _lastWriteTimestamp;
    private int _refitsRunning;

    public RecommendationEngine(
        string ns,
        IArticleStore store,
        IFeaturizer featurizer,
        EngineOptions options,
        RankingOptions ranking,
        IndexOptions index,
        InputLimits limits,
        TimeProvider clock,
        ILogger<RecommendationEngine> logger,
        RecommendationIds recommendationIds)
    {
        Namespace = ns;
        _recommendationIds = recommendationIds;
        _ranking = ranking;
        _index = index;
        _limits = limits;
        _clock = clock;
        _store = store;
        _featurizer = featurizer;
        _options = options;
        _logger = logger;
    }

    /// <summary>The site namespace this engine serves.</summary>
    public string Namespace { get; }

    /// <summary>The serving model and index. Replaced whole by a refit.</summary>
    /// <summary>
    /// The serving model and index. The model's info is known at once; its pipeline may still be
    /// loading just after start (lists of stored articles need only the index), so whatever embeds
    /// awaits <see cref="Model"/>.
    /// </summary>
    private sealed record Serving(ModelInfo Info, Task<IFeaturizerModel> Model, VectorIndex Index)
    {
        public Serving(IFeaturizerModel model, VectorIndex index) : this(model.Info, Task.FromResult(model), index)
        {
        }
    }

    /// <summary>One article of an upsert that differs from what is stored.</summary>
    private sealed class Change(Article article, string recordHash, string textHash)
    {
        public Article Article { get; } = article;
        public string RecordHash { get; } = recordHash;
        public string TextHash { get; } = textHash;
        public float[]? Vector { get; set; }
        public bool Embedded { get; set; }
    }

    /// <summary>Articles in the serving index (cheap: no walk over the corpus).</summary>
    public int ArticleCount => Current.Index.Count;

    /// <summary>Whether the store is reachable right now.</summary>
    public bool StoreAvailable => _store.IsAvailable;

    /// <summary>True while a refit is scheduled or running.</summary>
    public bool RefitPending => Volatile.Read(ref _refitScheduled) || Volatile.Read(ref _refitsRunning) > 0;

    private Serving Current => _serving ?? throw new NotReadyException();

    /// <summary>
    /// Builds the index of the serving model (the store's, else the shipped default, which is not
    /// written to the store: a namespace that is only read stays empty) from the store's snapshot or,
    /// lacking one, from every stored article; then becomes ready. The model's pipeline loads after
    /// the index, since the stored vectors need only its version.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The index needs only the model's info (its version and length). The pipeline is fetched
        // and loaded once the index is built (or earlier, if building it needs to embed), so that
        // the two do not compete for the processor; lists of stored articles are served meanwhile.
        var info = await _store.GetActiveModelInfoAsync(cancellationToken);
        if (info is not null && info.Format < _featurizer.ModelFormat)
        {
            // A model of an older featurizer cannot embed new text: the shipped default serves
            // (every article is embedded with it) until the refit this schedules replaces it.
            Log.ModelOutdated(_logger, Namespace, info.Version, info.Format, _featurizer.ModelFormat);
            info = null;
        }
        var loading = new Lazy<Task<IFeaturizerModel>>(() => Task.Run(() => LoadModelAsync(info, started, cancellationToken)));
        info ??= (await loading.Value).Info;

        // Subscribe before reading the corpus, so nothing another replica writes meanwhile is missed.
        _subscription = await _store.SubscribeAsync(ApplyRemoteAsync, cancellationToken);
        await LoadRulesAsync(null, cancellationToken);
        var index = await RestoreSnapshotAsync(info, () => loading.Value, cancellationToken);
        var rebuilt = index is null;
        index ??= await BuildIndexAsync(info, () => loading.Value, cancellationToken);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            // Ready to list related articles now; embedding waits for the pipeline if it is still loading.
            _serving = new Serving(info, loading.Value, index);
            // Changes made while no process was watching (or a fit that never happened) count now.
            _changesSinceFit = Math.Abs(index.Count - info.BaselineArticles);
            ScheduleRefitIfNeeded();
        }
        finally
        {
            _writeGate.Release();
        }
        Log.Ready(_logger, Namespace, index.Count, info.Version, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (rebuilt && index.Count > 0)
        {
            SaveSnapshotInBackground();
        }
        _ = Task.Run(RepairIdRegistryAsync);
    }

    /// <summary>
    /// Drops ids from the store's registry whose article is missing (a process killed between the
    /// two writes of a batch), once after start; ids written in the last minute are left alone, since
    /// another replica may be between those two writes right now.
    /// </summary>
    private async Task RepairIdRegistryAsync()
    {
        try
        {
            var recent = await _store.ChangedSinceAsync(_clock.GetUtcNow() - TimeSpan.FromMinutes(1), _stopping.Token);
            var removed = await _store.RemoveDanglingIdsAsync(recent.ToHashSet(StringComparer.Ordinal), _stopping.Token);
            if (removed.Count > 0)
            {
                Log.DanglingIdsRemoved(_logger, Namespace, removed.Count, string.Join(", ", removed.Take(10)));
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            Log.RepairSkipped(_logger, Namespace, ex);
        }
    }

    /// <summary>
    /// The pipeline of the serving model <paramref name="info"/> describes (the shipped default when
    /// none is stored). A model that another replica made serving meanwhile is refused: its change
    /// notice reloads everything.
    /// </summary>
    private async Task<IFeaturizerModel> LoadModelAsync(ModelInfo? info, long started, CancellationToken cancellationToken)
    {
        if (info is null)
        {
            return _featurizer.LoadDefault();
        }
        var stored = await _store.GetActiveModelAsync(cancellationToken);
        if (stored is null || stored.Info.Version != info.Version)
        {
            throw new NotReadyException($"Model {info.Version} stopped serving while this process started; the newer one is being loaded.");
        }
        using var stream = new MemoryStream(stored.Model, writable: false);
        var model = _featurizer.Load(stream);
        Log.ModelLoaded(_logger, Namespace, info.Version, stored.Model.Length / 1e6, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return model;
    }

    /// <summary>Writes that may lack from a snapshot are re-read if logged this long before it was taken (replicas' lag and clock skew).</summary>
    private static readonly TimeSpan SnapshotMargin = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The index from the store's snapshot of this model, brought up to date by re-reading every
    /// article written or deleted since shortly before it was taken; null when there is none.
    /// </summary>
    private async Task<VectorIndex?> RestoreSnapshotAsync(ModelInfo info, Func<Task<IFeaturizerModel>> model, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (await _store.ReadSnapshotAsync(info.Version, cancellationToken) is not { } snapshot)
        {
            return null;
        }
        var read = Stopwatch.GetElapsedTime(started);
        VectorIndex index;
        try
        {
            index = VectorIndex.FromSnapshot(snapshot.Snapshot, _index);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            Log.SnapshotUnreadable(_logger, Namespace, ex);
            return null;
        }
        if (index.Dimensions != info.Dimensions)
        {
            return null;
        }
        var changed = await _store.ChangedSinceAsync(snapshot.TakenAt - SnapshotMargin, cancellationToken);
        foreach (var chunk in changed.Chunk(_options.BatchSize))
        {
            var stored = await _store.GetStoredAsync(chunk, info.Version, cancellationToken);
            foreach (var gone in chunk.Except(stored.Select(s => s.Article.Id), StringComparer.Ordinal))
            {
                index.Remove(gone);
            }
            var missing = stored.Where(s => s.Vector is null).Select(s => s.Article.Id).ToList();
            foreach (var s in stored.Where(s => s.Vector is not null))
            {
                index.Upsert(s.Article.ToInfo(s.BodyHash, s.BodyMinHash), s.Vector!);
            }
            if (missing.Count > 0)
            {
                var articles = await _store.GetArticlesAsync(missing, cancellationToken);
                var vectors = (await model()).Embed(articles.Select(a => a.ToText()).ToList());
                for (var i = 0; i < articles.Count; i++)
                {
                    index.Upsert(articles[i].ToInfo(), vectors[i]);
                }
            }
        }
        Log.SnapshotRestored(_logger, Namespace, index.Count, snapshot.TakenAt, snapshot.Snapshot.Length / 1e6, read.TotalSeconds, changed.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return index;
    }

    private int _snapshotRunning;
    private int _changesSinceSnapshot;
    private long _lastSnapshotTimestamp;

    /// <summary>Snapshots after writes are at least this far apart, so a long import does not write one per batch.</summary>
    private static readonly TimeSpan MinSnapshotInterval = TimeSpan.FromMinutes(1);

    /// <summary>Saves a snapshot of the serving index unless one is being saved; failures are logged.</summary>
    private void SaveSnapshotInBackground()
    {
        if (Interlocked.CompareExchange(ref _snapshotRunning, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var serving = Current;
                var takenAt = _clock.GetUtcNow();
                Interlocked.Exchange(ref _changesSinceSnapshot, 0);
                Volatile.Write(ref _lastSnapshotTimestamp, Stopwatch.GetTimestamp());
                var bytes = serving.Index.ToSnapshot();
                if (Current.Info.Version == serving.Info.Version)
                {
                    await _store.WriteSnapshotAsync(serving.Info.Version, takenAt, bytes, _stopping.Token);
                }
            }
            catch (Exception ex) when (ex is StoreUnavailableException or StoreFullException or OperationCanceledException)
            {
                Log.SnapshotFailed(_logger, Namespace, ex);
            }
            finally
            {
                Volatile.Write(ref _snapshotRunning, 0);
            }
        });
    }

    /// <summary>After writes: a new snapshot once a tenth of the corpus (at least 1,000 articles) changed since the last, at most one a minute.</summary>
    private void CountTowardSnapshot(int changes)
    {
        var count = Interlocked.Add(ref _changesSinceSnapshot, changes);
        var last = Volatile.Read(ref _lastSnapshotTimestamp);
        if (count >= Math.Max(1_000, Current.Index.Count / 10) && (last == 0 || Stopwatch.GetElapsedTime(last) >= MinSnapshotInterval))
        {
            SaveSnapshotInBackground();
        }
    }

    /// <summary>Validates and stores a batch; only articles whose title or body changed are embedded.</summary>
    public async Task<UpsertResult> UpsertAsync(IReadOnlyList<Article> articles, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateBatch(articles, _limits);
        EnsureStoreAvailable();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var serving = Current;
            var version = serving.Info.Version;
            var states = await _store.GetStatesAsync(articles.Select(a => a.Id).ToList(), version, cancellationToken);

            int created = 0, updated = 0, unchanged = 0;
            var changed = new List<Change>();
            var toEmbed = new List<Change>();
            foreach (var article in articles)
            {
                var change = new Change(article, ContentHash.OfRecord(article), ContentHash.OfText(article.Title, article.Body));
                var indexed = serving.Index.TryGet(article.Id, out _, out var indexedVector);
                if (states.TryGetValue(article.Id, out var state))
                {
                    if (state.RecordHash == change.RecordHash && state.HasVector && indexed)
                    {
                        unchanged++;
                        continue;
                    }
                    updated++;
                    if (state.TextHash == change.TextHash && state.HasVector && indexed)
                    {
                        // Metadata only: the vector in the store and the index is still right.
                        change.Vector = indexedVector;
                    }
                }
                else
                {
                    created++;
                }
                changed.Add(change);
                if (change.Vector is null)
                {
                    toEmbed.Add(change);
                }
            }

            var vectors = toEmbed.Count == 0 ? [] : (await serving.Model).Embed(toEmbed.Select(c => c.Article.ToText()).ToList());
            for (var i = 0; i < toEmbed.Count; i++)
            {
                toEmbed[i].Vector = vectors[i];
                toEmbed[i].Embedded = true;
            }
            // A metadata-only change keeps the stored vector: it is not sent again.
            var writes = changed.Select(c => new ArticleWrite(c.Article, c.RecordHash, c.TextHash, c.Embedded ? c.Vector : null)).ToList();
            await _store.WriteAsync(writes, version, cancellationToken);
            foreach (var c in changed)
            {
                serving.Index.Upsert(c.Article.ToInfo(), c.Vector!);
            }
            RecordWrites(changed.Select(c => c.Article.Id), changed.Count);
            await PublishAsync(changed.Select(c => c.Article.Id).ToList(), [], null);
            CountTowardSnapshot(changed.Count);
            var scheduled = ScheduleRefitIfNeeded();
            return new UpsertResult(created, updated, unchanged, toEmbed.Count, version, scheduled);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Deletes articles from the store and the index.</summary>
    public async Task<DeleteResult> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateBatchSize(ids.Count, "ids", _limits);
        for (var i = 0; i < ids.Count; i++)
        {
            ArticleRules.ValidateId(ids[i], $"ids[{i}]", _limits);
        }
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        EnsureStoreAvailable();

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var serving = Current;
            var deleted = await _store.DeleteAsync(distinct, serving.Info.Version, cancellationToken);
            foreach (var id in distinct)
            {
                serving.Index.Remove(id);
            }
            RecordWrites(distinct, deleted.Count);
            await PublishAsync([], deleted, null);
            CountTowardSnapshot(deleted.Count);
            ScheduleRefitIfNeeded();
            return new DeleteResult(deleted.Count, distinct.Count - deleted.Count);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The related list for a stored article (the store is read only to explain it).</summary>
    public async Task<RelatedList> GetRelatedAsync(string id, RelatedQuery query, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateId(id, "id", _limits);
        var serving = Current;
        if (!serving.Index.TryGet(id, out var info, out var vector))
        {
            throw new ArticleNotFoundException(id);
        }
        var items = Rank(serving, vector, query, info);
        if (query.Explain && items.Count > 0)
        {
            items = await ExplainAsync(serving, null, info, items, cancellationToken);
        }
        return new RelatedList(items, serving.Info.Version, !_store.IsAvailable, NewRecommendationId(items.Count));
    }

    /// <summary>The related list for a draft that is not stored; its section and tags select the editorial rules that apply.</summary>
    public async Task<RelatedList> PreviewAsync(
        string title, string body, string language, RelatedQuery query, CancellationToken cancellationToken,
        string section = "", IReadOnlyList<string>? tags = null)
    {
        if (string.IsNullOrWhiteSpace(title) && string.IsNullOrWhiteSpace(body))
        {
            throw new RequestValidationException("body", "title and body are both empty; a draft needs some text");
        }
        ArticleRules.ValidateText(title, "title", _limits.MaxTitleLength, nameof(_limits.MaxTitleLength), required: false, multiline: false);
        ArticleRules.ValidateText(body, "body", _limits.MaxBodyLength, nameof(_limits.MaxBodyLength), required: false, multiline: true);
        ArticleRules.ValidateText(language, "language", _limits.MaxLanguageLength, nameof(_limits.MaxLanguageLength), required: false, multiline: false);
        ArticleRules.ValidateText(section, "section", _limits.MaxSectionLength, nameof(_limits.MaxSectionLength), required: false, multiline: false);
        tags ??= [];
        for (var i = 0; i < tags.Count; i++)
        {
            ArticleRules.ValidateText(tags[i], $"tags[{i}]", _limits.MaxTagLength, nameof(_limits.MaxTagLength), required: true, multiline: false);
        }
        var serving = Current;
        var vector = (await serving.Model).Embed([new ArticleText(title, body, language)])[0];
        // A draft that repeats a stored story must not be shown that story.
        var draft = new ArticleInfo("", title, "", section, tags, language, null, ContentHash.OfBody(body), MinHash.Of(body));
        var items = Rank(serving, vector, query, draft);
        if (query.Explain && items.Count > 0)
        {
            items = await ExplainAsync(serving, new ArticleText(title, body, language), draft, items, cancellationToken);
        }
        return new RelatedList(items, serving.Info.Version, !_store.IsAvailable, NewRecommendationId(items.Count));
    }

    /// <summary>A signed id of a list of <paramref name="items"/>, which feedback must name (see <see cref="RecordFeedbackAsync"/>).</summary>
    private string NewRecommendationId(int items) => _recommendationIds.Issue(Namespace, _clock.GetUtcNow(), items);

    private const int DefaultSearchResults = 10;

    /// <summary>Stored articles whose title contains every word of <paramref name="text"/>, newest first.</summary>
    public IReadOnlyList<ArticleInfo> SearchTitles(string text, int limit)
    {
        ArticleRules.ValidateText(text, "query", _limits.MaxTitleLength, nameof(_limits.MaxTitleLength), required: true, multiline: false);
        if (limit < 0 || limit > _limits.MaxListLimit)
        {
            throw new RequestValidationException("limit", $"must be between 1 and {_limits.MaxListLimit} (0 means {DefaultSearchResults})");
        }
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return Current.Index.Articles()
            .Where(a => words.All(w => a.Title.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(a => a.Published ?? DateTimeOffset.MinValue)
            .ThenBy(a => a.Title, StringComparer.OrdinalIgnoreCase)
            .Take(limit == 0 ? DefaultSearchResults : limit)
            .ToList();
    }

    /// <summary>Every editorial rule, oldest first (expired ones too).</summary>
    public IReadOnlyList<EditorialRule> Rules => _rules.All;

    /// <summary>
    /// Validates and stores a rule, with a new id and creation time; it applies to the next list
    /// here at once and on other replicas when they hear of it. A pin's two articles must be stored.
    /// </summary>
    public async Task<EditorialRule> AddRuleAsync(EditorialRule rule, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        rule.Validate(_limits, now);
        if (rule.Action == RuleAction.Pin)
        {
            foreach (var id in new[] { rule.ArticleId, rule.InListOf })
            {
                if (!Current.Index.TryGet(id, out _, out _))
                {
                    throw new ArticleNotFoundException(id);
                }
            }
        }
        EnsureStoreAvailable();
        rule = rule with { Id = "r-" + Guid.NewGuid().ToString("n")[..12], Created = now };
        await EditRulesAsync(() => _store.SaveRuleAsync(rule, cancellationToken), cancellationToken);
        return rule;
    }

    /// <summary>Removes a rule; NotFound when there is none with that id.</summary>
    public async Task RemoveRuleAsync(string id, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestValidationException("id", "is required");
        }
        EnsureStoreAvailable();
        var removed = false;
        await EditRulesAsync(async () => removed = await _store.DeleteRuleAsync(id, cancellationToken), cancellationToken);
        if (!removed)
        {
            throw new NotFoundException($"There is no editorial rule '{id}'.");
        }
    }

    /// <summary>Runs one change to the stored rules, then serves the rules as stored and tells the other replicas.</summary>
    private async Task EditRulesAsync(Func<Task> edit, CancellationToken cancellationToken)
    {
        await LoadRulesAsync(edit, cancellationToken);
        await PublishAsync(new ChangeNotice(_origin, [], [], null, RulesChanged: true));
    }

    /// <summary>Serves the rules as stored, after <paramref name="edit"/> (if any) changed them; one edit or reload at a time.</summary>
    private async Task LoadRulesAsync(Func<Task>? edit, CancellationToken cancellationToken)
    {
        await _rulesGate.WaitAsync(cancellationToken);
        try
        {
            if (edit is not null)
            {
                await edit();
            }
            _rules = new RuleSet(await _store.GetRulesAsync(cancellationToken));
        }
        finally
        {
            _rulesGate.Release();
        }
    }

    /// <summary>
    /// Counts impressions and clicks, each (list, kind, position) once, under its position and the
    /// article's section. Every event must name a recommendation id this service issued for this
    /// namespace within the feedback window, and a position within that list; otherwise the whole
    /// batch is refused and nothing is counted.
    /// </summary>
    public async Task<int> RecordFeedbackAsync(IReadOnlyList<FeedbackEvent> events, CancellationToken cancellationToken)
    {
        ArticleRules.ValidateBatchSize(events.Count, "events", _limits);
        var now = _clock.GetUtcNow();
        for (var i = 0; i < events.Count; i++)
        {
            events[i].Validate($"events[{i}].", _limits);
        }
        for (var i = 0; i < events.Count; i++)
        {
            var prefix = $"events[{i}].";
            if (!_recommendationIds.TryRead(Namespace, events[i].RecommendationId, out var issued, out var items) ||
                issued > now + FeedbackClockSkew)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"was not issued by this service for namespace '{Namespace}' (use RelatedResponse.recommendation_id as returned)");
            }
            if (now - issued > _options.FeedbackDeduplicationWindow)
            {
                throw new RequestValidationException(prefix + "recommendation_id",
                    $"is older than the feedback window ({_options.FeedbackDeduplicationWindow.TotalDays:0.##} days, Recommender:Engine:FeedbackDeduplicationWindow)");
            }
            if (events[i].Position > items)
            {
                throw new RequestValidationException(prefix + "position", $"is beyond the {items} item(s) of that list");
            }
        }
        EnsureStoreAvailable();
        var index = Current.Index;
        var withSections = events
            .Select(e => (e, index.TryGet(e.ArticleId, out var info, out _) ? info.Section : ""))
            .ToList();
        return await _store.RecordFeedbackAsync(withSections, _options.FeedbackDeduplicationWindow, cancellationToken);
    }

    /// <summary>Click-through so far; null while the store is unreachable.</summary>
    public async Task<FeedbackStats?> GetFeedbackAsync(CancellationToken cancellationToken)
    {
        if (!_store.IsAvailable)
        {
            return null; // known unreachable: answer now rather than after the store's timeout
        }
        try
        {
            return await _store.GetFeedbackAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>How far in the future an id's issue time may lie (replicas' clocks differ).</summary>
    private static readonly TimeSpan FeedbackClockSkew = TimeSpan.FromMinutes(5);

    private const int ExplainedTerms = 8;

    /// <summary>
    /// Adds to each item the terms it shares with the query, from the stored texts (the query's too
    /// when it is a stored article, <paramref name="query"/> null), read in one round trip.
    /// </summary>
    private async Task<IReadOnlyList<RelatedItem>> ExplainAsync(
        Serving serving, ArticleText? query, ArticleInfo self, IReadOnlyList<RelatedItem> items, CancellationToken cancellationToken)
    {
        var ids = items.Select(i => i.Article.Id).ToList();
        if (query is null)
        {
            ids.Add(self.Id);
        }
        var texts = await TextsAsync(ids, cancellationToken);
        var queryText = query ?? (texts.TryGetValue(self.Id, out var own) ? own : new ArticleText(self.Title, ""));
        var candidates = items.Select(i => texts.TryGetValue(i.Article.Id, out var t) ? t : new ArticleText(i.Article.Title, "")).ToList();
        var terms = (await serving.Model).SharedTerms(queryText, candidates, ExplainedTerms);
        return items.Select((item, i) => item with { Terms = terms[i] }).ToList();
    }

    private async Task<Dictionary<string, ArticleText>> TextsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        (await _store.GetArticlesAsync(ids, cancellationToken)).ToDictionary(a => a.Id, a => a.ToText(), StringComparer.Ordinal);

    private IReadOnlyList<RelatedItem> Rank(Serving serving, float[] vector, RelatedQuery query, ArticleInfo self) =>
        RelatedRanker.Rank(serving.Index, vector, query, self, _ranking, _clock.GetUtcNow(), _rules);

    /// <summary>The serving model, the corpus and whether a refit is pending.</summary>
    public EngineStats GetStats()
    {
        var serving = Current;
        var sections = serving.Index.Articles()
            .GroupBy(a => a.Section, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        return new EngineStats(serving.Info, new CorpusStats(serving.Index.Count, sections), RefitPending, _store.IsAvailable);
    }

    /// <summary>Refits now on the whole stored corpus and returns when the new model serves.</summary>
    public async Task<EngineStats> RetrainAsync(CancellationToken cancellationToken)
    {
        EnsureStoreAvailable();
        await RefitAsync(cancellationToken);
        return GetStats();
    }

    public void Dispose()
    {
        // Not disposed: a scheduled refit may still read the token; cancelling is what stops it.
        _stopping.Cancel();
        _subscription?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    /// <summary>Announces this process's changes to the other replicas; a lost notice is logged, not fatal.</summary>
    private Task PublishAsync(IReadOnlyList<string> upserted, IReadOnlyList<string> deleted, string? modelVersion) =>
        PublishAsync(new ChangeNotice(_origin, upserted, deleted, modelVersion));

    private async Task PublishAsync(ChangeNotice notice)
    {
        try
        {
            await _store.PublishAsync(notice, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            Log.PublishFailed(_logger, Namespace, ex);
        }
    }

    /// <summary>
    /// Applies what another replica changed: its written articles are read back (with vectors of
    /// the model serving here; one without is embedded here), its deletions removed, and a model
    /// it fitted is loaded with the whole index rebuilt. Runs under the write gate, like local writes.
    /// </summary>
    private async Task ApplyRemoteAsync(ChangeNotice notice)
    {
        if (notice.Origin == _origin || _serving is null)
        {
            return;
        }
        var token = _stopping.Token;
        if (notice.RulesChanged)
        {
            await ReloadRulesAsync(token);
            return;
        }
        try
        {
            await _writeGate.WaitAsync(token);
            try
            {
                var serving = Current;
                if (notice.ModelVersion is { } version && version != serving.Info.Version)
                {
                    if (await _store.GetActiveModelAsync(token) is { } stored && stored.Info.Version == version)
                    {
                        using var stream = new MemoryStream(stored.Model, writable: false);
                        var model = _featurizer.Load(stream);
                        _serving = new Serving(model, await BuildIndexAsync(model.Info, () => Task.FromResult(model), token));
                        _changesSinceFit = 0;
                        Log.RemoteModel(_logger, Namespace, version);
                    }
                    return;
                }
                if (notice.Upserted.Count > 0)
                {
                    var stored = await _store.GetStoredAsync(notice.Upserted, serving.Info.Version, token);
                    var missing = stored.Where(s => s.Vector is null).ToList();
                    if (missing.Count > 0)
                    {
                        var texts = await _store.GetArticlesAsync(missing.Select(m => m.Article.Id).ToList(), token);
                        var vectors = (await serving.Model).Embed(texts.Select(a => a.ToText()).ToList());
                        for (var i = 0; i < texts.Count; i++)
                        {
                            serving.Index.Upsert(texts[i].ToInfo(), vectors[i]);
                        }
                    }
                    foreach (var s in stored.Where(s => s.Vector is not null))
                    {
                        serving.Index.Upsert(s.Article.ToInfo(s.BodyHash, s.BodyMinHash), s.Vector!);
                    }
                }
                foreach (var id in notice.Deleted)
                {
                    serving.Index.Remove(id);
                }
                _writtenDuringRefit?.UnionWith(notice.Upserted.Concat(notice.Deleted));
            }
            finally
            {
                _writeGate.Release();
            }
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            Log.RemoteApplyFailed(_logger, Namespace, ex);
        }
    }

    private async Task ReloadRulesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadRulesAsync(null, cancellationToken);
        }
        catch (Exception ex) when (ex is StoreUnavailableException or OperationCanceledException)
        {
            Log.RemoteApplyFailed(_logger, Namespace, ex);
        }
    }

    /// <summary>The index of every stored article under the model <paramref name="info"/> describes; the model itself is needed only to embed articles that lack a vector.</summary>
    private async Task<VectorIndex> BuildIndexAsync(ModelInfo info, Func<Task<IFeaturizerModel>> model, CancellationToken cancellationToken)
    {
        var version = info.Version;
        var index = new VectorIndex(info.Dimensions, options: _index, partitionAutomatically: false);
        var missing = new List<string>();
        var started = Stopwatch.GetTimestamp();
        var indexing = TimeSpan.Zero;
        await foreach (var batch in _store.ReadAllAsync(version, includeBodies: false, cancellationToken))
        {
            var batchStarted = Stopwatch.GetTimestamp();
            foreach (var stored in batch)
            {
                if (stored.Vector is { } vector && vector.Length == index.Dimensions)
                {
                    index.Upsert(stored.Article.ToInfo(stored.BodyHash, stored.BodyMinHash), vector);
                }
                else
                {
                    missing.Add(stored.Article.Id);
                }
            }
            indexing += Stopwatch.GetElapsedTime(batchStarted);
        }
        var read = Stopwatch.GetElapsedTime(started);
        // Articles without a vector of this model (written while another model served, or by a
        // process that stopped mid-refit) are embedded now, so every stored article is searchable.
        foreach (var chunk in missing.Chunk(_options.BatchSize))
        {
            var articles = await _store.GetArticlesAsync(chunk, cancellationToken);
            var vectors = (await model()).Embed(articles.Select(a => a.ToText()).ToList());
            await _store.WriteVectorsAsync(version, articles.Select((a, i) => (a.Id, vectors[i])).ToList(), cancellationToken);
            for (var i = 0; i < articles.Count; i++)
            {
                index.Upsert(articles[i].ToInfo(), vectors[i]);
            }
        }
        if (missing.Count > 0)
        {
            Log.EmbeddedMissing(_logger, Namespace, missing.Count, version);
        }
        var partitioning = Stopwatch.GetTimestamp();
        index.Partition();
        Log.IndexBuilt(_logger, Namespace, index.Count, read.TotalSeconds, indexing.TotalSeconds, Stopwatch.GetElapsedTime(partitioning).TotalSeconds, index.CellCount);
        return index;
    }

    /// <summary>Counts changes toward the next refit and remembers ids a running refit must redo. Caller holds the gate.</summary>
    private void RecordWrites(IEnumerable<string> ids, int changes)
    {
        _changesSinceFit += changes;
        _lastWriteTimestamp = Stopwatch.GetTimestamp();
        _writtenDuringRefit?.UnionWith(ids);
    }

    /// <summary>Schedules a refit when the corpus changed materially. Caller holds the gate.</summary>
    private bool ScheduleRefitIfNeeded()
    {
        var serving = Current;
        var count = serving.Index.Count;
        var info = serving.Info;
        var needed = count >= _options.MinArticlesToFit &&
            (info.IsDefault || _changesSinceFit >= Math.Max(1, _options.RefitChangeFraction * info.BaselineArticles));
        if (!needed || _refitScheduled)
        {
            return needed;
        }
        _refitScheduled = true;
        _ = Task.Run(RunScheduledRefitAsync);
        return true;
    }

    private async Task RunScheduledRefitAsync()
    {
        var token = _stopping.Token;
        try
        {
            // Wait for a quiet moment so that a many-batch import refits once, at its end.
            while (true)
            {
                var quietFor = Stopwatch.GetElapsedTime(Volatile.Read(ref _lastWriteTimestamp));
                if (quietFor >= _options.RefitQuietPeriod)
                {
                    break;
                }
                await Task.Delay(_options.RefitQuietPeriod - quietFor, token);
            }
            await RefitAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.RefitFailed(_logger, Namespace, ex);
            Volatile.Write(ref _refitScheduled, false);
        }
    }

    private async Task RefitAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _refitsRunning);
        try
        {
            await _refitGate.WaitAsync(cancellationToken);
            try
            {
                await RefitExclusiveAsync(cancellationToken);
            }
            finally
            {
                _refitGate.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _refitsRunning);
        }
    }

    private async Task RefitExclusiveAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int changesBefore;
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            // From here on, writes are counted toward the next refit and redone before the swap.
            _writtenDuringRefit = new HashSet<string>(StringComparer.Ordinal);
            _refitScheduled = false;
            changesBefore = _changesSinceFit;
            _changesSinceFit = 0;
        }
        finally
        {
            _writeGate.Release();
        }

        try
        {
            var corpus = new List<Article>();
            await foreach (var batch in _store.ReadAllAsync(null, includeBodies: true, cancellationToken))
            {
                corpus.AddRange(batch.Select(s => s.Article));
            }
            if (corpus.Count == 0)
            {
                throw new PreconditionFailedException("No articles are stored: import some before retraining.");
            }
            var sample = Sample(corpus, _options.MaxFitArticles);
            Log.RefitStarted(_logger, Namespace, sample.Count, corpus.Count);

            var model = await Task.Run(() => _featurizer.Fit(sample.Select(a => a.ToText()).ToList(), corpus.Count), cancellationToken);
            var version = model.Info.Version;
            var index = new VectorIndex(model.Info.Dimensions, corpus.Count, _index, partitionAutomatically: false);
            // Embedding is the cost of a refit: one batch per core at a time.
            await Parallel.ForEachAsync(corpus.Chunk(_options.BatchSize),
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                async (chunk, token) =>
                {
                    var vectors = model.Embed(chunk.Select(a => a.ToText()).ToList());
                    await _store.WriteVectorsAsync(version, chunk.Select((a, i) => (a.Id, vectors[i])).ToList(), token);
                    for (var i = 0; i < chunk.Length; i++)
                    {
                        index.Upsert(chunk[i].ToInfo(), vectors[i]);
                    }
                });

            Serving old;
            await _writeGate.WaitAsync(cancellationToken);
            try
            {
                var redo = _writtenDuringRefit!.ToList();
                var current = await _store.GetArticlesAsync(redo, cancellationToken);
                var vectors = model.Embed(current.Select(a => a.ToText()).ToList());
                await _store.WriteVectorsAsync(version, current.Select((a, i) => (a.Id, vectors[i])).ToList(), cancellationToken);
                foreach (var id in redo)
                {
                    index.Remove(id);
                }
                // Deleted during the refit: drop the vectors the refit wrote for them.
                var gone = redo.Except(current.Select(a => a.Id), StringComparer.Ordinal).ToList();
                await _store.DeleteVectorsAsync(version, gone, cancellationToken);
                for (var i = 0; i < current.Count; i++)
                {
                    index.Upsert(current[i].ToInfo(), vectors[i]);
                }
                index.Partition();
                await _store.SetActiveModelAsync(model.Info, Serialize(model), cancellationToken);
                old = Current;
                _serving = new Serving(model, index);
                _writtenDuringRefit = null;
                await PublishAsync([], [], version);
            }
            finally
            {
                _writeGate.Release();
            }

            Telemetry.RefitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("namespace", Namespace));
            Log.RefitDone(_logger, Namespace, version, index.Count, model.Info.FitSeconds, Stopwatch.GetElapsedTime(started).TotalSeconds);
            SaveSnapshotInBackground();
            if (old.Info.Version != version)
            {
                await _store.DeleteVectorsAsync(old.Info.Version, old.Index.Articles().Select(a => a.Id).ToList(), cancellationToken);
            }
        }
        catch
        {
            // The changes this refit was to absorb still count, so the next write schedules it again.
            await _writeGate.WaitAsync(CancellationToken.None);
            _writtenDuringRefit = null;
            _changesSinceFit += changesBefore;
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>At most <paramref name="max"/> articles spread evenly over the corpus (all of a smaller one).</summary>
    private static IReadOnlyList<Article> Sample(List<Article> corpus, int max) =>
        corpus.Count <= max ? corpus : Enumerable.Range(0, max).Select(i => corpus[(int)((long)i * corpus.Count / max)]).ToList();

    /// <summary>Writes fail at once while the store is down, instead of waiting for a timeout.</summary>
    private void EnsureStoreAvailable()
    {
        if (!_store.IsAvailable)
        {
            throw new StoreUnavailableException("The article store is unreachable.");
        }
    }

    private static byte[] Serialize(IFeaturizerModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Namespace {Namespace}: serving {Articles} articles with model {Version}; ready after {Seconds:F2} s")]
        public static partial void Ready(ILogger logger, string @namespace, int articles, string version, double seconds);

        [LoggerMessage(16, LogLevel.Warning, "Namespace {Namespace}: the stored model {Version} is of featurizer format {Format}, this version fits format {Current}; the default model serves until the refit scheduled now")]
        public static partial void ModelOutdated(ILogger logger, string @namespace, string version, int format, int current);

        [LoggerMessage(2, LogLevel.Information, "Namespace {Namespace}: embedded {Count} stored articles that had no vector of model {Version}")]
        public static partial void EmbeddedMissing(ILogger logger, string @namespace, int count, string version);

        [LoggerMessage(3, LogLevel.Information, "Namespace {Namespace}: refitting the featurizer on {Articles} of {Corpus} articles")]
        public static partial void RefitStarted(ILogger logger, string @namespace, int articles, int corpus);

        [LoggerMessage(4, LogLevel.Information, "Namespace {Namespace}: model {Version} now serves {Articles} articles (fit {FitSeconds:F1} s, total {Seconds:F1} s)")]
        public static partial void RefitDone(ILogger logger, string @namespace, string version, int articles, double fitSeconds, double seconds);

        [LoggerMessage(6, LogLevel.Warning, "Namespace {Namespace}: could not tell other replicas about a change")]
        public static partial void PublishFailed(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(7, LogLevel.Warning, "Namespace {Namespace}: could not apply another replica's change; it shows after a restart")]
        public static partial void RemoteApplyFailed(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(8, LogLevel.Information, "Namespace {Namespace}: now serving model {Version}, fitted by another replica")]
        public static partial void RemoteModel(ILogger logger, string @namespace, string version);

        [LoggerMessage(9, LogLevel.Information, "Namespace {Namespace}: read {Articles} articles in {ReadSeconds:F2} s (indexing {IndexSeconds:F2} s of it), partitioned into {Cells} cells in {PartitionSeconds:F2} s")]
        public static partial void IndexBuilt(ILogger logger, string @namespace, int articles, double readSeconds, double indexSeconds, double partitionSeconds, int cells);

        [LoggerMessage(13, LogLevel.Information, "Namespace {Namespace}: loaded model {Version} ({Megabytes:F1} MB) {Seconds:F2} s after starting")]
        public static partial void ModelLoaded(ILogger logger, string @namespace, string version, double megabytes, double seconds);

        [LoggerMessage(10, LogLevel.Information, "Namespace {Namespace}: restored {Articles} articles from the index snapshot of {TakenAt:u} ({Megabytes:F1} MB read in {ReadSeconds:F2} s), re-read {Changed} changed since, in {Seconds:F2} s")]
        public static partial void SnapshotRestored(ILogger logger, string @namespace, int articles, DateTimeOffset takenAt, double megabytes, double readSeconds, int changed, double seconds);

        [LoggerMessage(11, LogLevel.Warning, "Namespace {Namespace}: the index snapshot cannot be read; rebuilding from the articles")]
        public static partial void SnapshotUnreadable(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(12, LogLevel.Warning, "Namespace {Namespace}: could not save an index snapshot; the next start reads every article")]
        public static partial void SnapshotFailed(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "Namespace {Namespace}: scheduled refit failed; the previous model keeps serving")]
        public static partial void RefitFailed(ILogger logger, string @namespace, Exception exception);

        [LoggerMessage(14, LogLevel.Warning, "Namespace {Namespace}: removed {Count} id(s) from the id registry whose article is not stored (a write cut off by a crash): {Ids}")]
        public static partial void DanglingIdsRemoved(ILogger logger, string @namespace, int count, string ids);

        [LoggerMessage(15, LogLevel.Warning, "Namespace {Namespace}: the id registry was not checked after start")]
        public static partial void RepairSkipped(ILogger logger, string @namespace, Exception exception);
    }
}
