using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Recommender.Core.Abstractions;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Core.Storage;

namespace Recommender.Testing;

/// <summary>
/// The store contract in memory, for driving the engine directly: every namespace is one
/// <see cref="InMemoryNamespace"/>, shared by every engine (replica) that opens it.
/// </summary>
public sealed class InMemoryStores : INamespaceStores
{
    private readonly ConcurrentDictionary<string, InMemoryNamespace> _namespaces = new(StringComparer.Ordinal);

    public InMemoryNamespace this[string ns] => _namespaces.GetOrAdd(ns, n => new InMemoryNamespace(n));

    public NamespaceStore Open(string ns)
    {
        var store = this[ns];
        return new NamespaceStore(ns, store, store, store, store, store, store, store);
    }

    public Task<bool> ExistsAsync(string ns, CancellationToken cancellationToken) =>
        Task.FromResult(_namespaces.TryGetValue(ns, out var store) && store.HoldsAnything);

    public Task<int> DropAsync(string ns, CancellationToken cancellationToken) =>
        Task.FromResult(_namespaces.TryRemove(ns, out var store) ? store.Clear() : 0);

    public Task<byte[]> GetSharedSecretAsync(string name, CancellationToken cancellationToken) => Task.FromResult(new byte[32]);
}

/// <summary>One namespace's data, with hooks a test uses to pause the engine at a chosen point.</summary>
public sealed class InMemoryNamespace(string ns) : IArticleStore, IArticleCatalog, IModelStore, ISnapshotStore, IRuleStore, IFeedbackStore, IChangeFeed
{
    private readonly object _lock = new();
    private readonly List<Channel<ChangeNotice>> _subscribers = [];
    private readonly Dictionary<string, DateTimeOffset> _changed = new(StringComparer.Ordinal);
    private (DateTimeOffset TakenAt, string Version, byte[] Bytes)? _snapshot;
    private StoredModel? _model;

    public string Namespace { get; } = ns;

    public ConcurrentDictionary<string, ArticleWrite> Articles { get; } = new(StringComparer.Ordinal);

    /// <summary>When each stored article was last written, to the millisecond.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _updated = new(StringComparer.Ordinal);

    /// <summary>Vectors by (model version, id).</summary>
    public ConcurrentDictionary<(string Version, string Id), float[]> Vectors { get; } = new();

    /// <summary>Runs after a listing of every id (a refit's first read), before the reader goes on.</summary>
    public Func<Task>? AfterIdsListed { get; set; }

    /// <summary>Runs before a batch of articles is written, which waits for it (a slow store, a batch under way).</summary>
    public Func<Task>? BeforeWrite { get; set; }

    /// <summary>Reads of every article without bodies (an index build; a restore from a snapshot makes none).</summary>
    public int IndexBuildReads;

    /// <summary>Models made active: one per refit.</summary>
    public int ModelsStored;

    /// <summary>While false, published notices are dropped (a replica that missed them).</summary>
    public bool Delivering { get; set; } = true;

    public bool IsAvailable => true;

    public DateTimeOffset? SnapshotTakenAt => _snapshot?.TakenAt;

    /// <summary>Whether the namespace holds articles, a fitted model or editorial rules.</summary>
    public bool HoldsAnything => !Articles.IsEmpty || _model is not null || !_rules.IsEmpty;

    /// <summary>Forgets everything (the namespace is dropped); returns how many articles it held.</summary>
    public int Clear()
    {
        lock (_lock)
        {
            var articles = Articles.Count;
            Articles.Clear();
            _updated.Clear();
            Vectors.Clear();
            _rules.Clear();
            _changed.Clear();
            _counted.Clear();
            _feedback.Clear();
            _model = null;
            _snapshot = null;
            return articles;
        }
    }

    // Articles and vectors

    public Task<IReadOnlyDictionary<string, StoredState>> GetStatesAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, StoredState>>(ids
            .Where(Articles.ContainsKey)
            .Distinct()
            .ToDictionary(id => id, id => new StoredState(Articles[id].RecordHash, Articles[id].TextHash, Vectors.ContainsKey((modelVersion, id)))));

    public async Task WriteAsync(IReadOnlyList<ArticleWrite> writes, string modelVersion, CancellationToken cancellationToken)
    {
        if (BeforeWrite is { } before)
        {
            await before();
        }
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        foreach (var write in writes)
        {
            Articles[write.Article.Id] = write;
            _updated[write.Article.Id] = now;
            if (write.Vector is { } vector)
            {
                Vectors[(modelVersion, write.Article.Id)] = vector;
            }
            Log(write.Article.Id);
        }
    }

    public Task<IReadOnlyList<string>> DeleteAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken)
    {
        var deleted = ids.Where(id => Articles.TryRemove(id, out _)).ToList();
        deleted.ForEach(id => _updated.TryRemove(id, out _));
        foreach (var id in ids)
        {
            Vectors.TryRemove((modelVersion, id), out _);
            Log(id);
        }
        return Task.FromResult<IReadOnlyList<string>>(deleted);
    }

    public Task<IReadOnlyList<Article>> GetArticlesAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Article>>(ids.Select(id => Articles.TryGetValue(id, out var w) ? w.Article : null).OfType<Article>().ToList());

    public Task<IReadOnlyList<StoredArticle>> GetStoredAsync(IReadOnlyList<string> ids, string modelVersion, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredArticle>>(ids.Select(id => Stored(id, modelVersion, withBody: false)).OfType<StoredArticle>().ToList());

    public async IAsyncEnumerable<IReadOnlyList<StoredArticle>> ReadAllAsync(
        string modelVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref IndexBuildReads);
        var all = Articles.Keys.Order(StringComparer.Ordinal).Select(id => Stored(id, modelVersion, withBody: false)).OfType<StoredArticle>().ToList();
        foreach (var chunk in all.Chunk(7))
        {
            await Task.Yield();
            yield return chunk;
        }
    }

    public Task WriteVectorsAsync(string modelVersion, IReadOnlyList<(string Id, float[] Vector)> vectors, CancellationToken cancellationToken)
    {
        foreach (var (id, vector) in vectors)
        {
            Vectors[(modelVersion, id)] = vector;
        }
        return Task.CompletedTask;
    }

    public Task DeleteVectorsAsync(string modelVersion, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        foreach (var id in ids)
        {
            Vectors.TryRemove((modelVersion, id), out _);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> RemoveDanglingIdsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([]);

    private StoredArticle? Stored(string id, string? modelVersion, bool withBody)
    {
        if (!Articles.TryGetValue(id, out var write))
        {
            return null;
        }
        var vector = modelVersion is not null && Vectors.TryGetValue((modelVersion, id), out var v) ? v : null;
        return new StoredArticle(withBody ? write.Article : write.Article with { Body = "" }, write.BodyHash, write.BodyMinHash, vector);
    }

    private void Log(string id)
    {
        lock (_lock)
        {
            _changed[id] = DateTimeOffset.UtcNow;
        }
    }

    // The catalog

    public Task<CatalogEntry?> GetAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Articles.TryGetValue(id, out var write) ? new CatalogEntry(write.Article, UpdatedOf(id)) : null);

    public Task<CatalogPage> ListAsync(string? after, int pageSize, CancellationToken cancellationToken) =>
        Task.FromResult(Page(Articles.Keys
            .Where(id => after is null || string.CompareOrdinal(id, after) > 0)
            .Order(StringComparer.Ordinal)
            .Select(id => new CatalogPosition(id, UpdatedOf(id)))
            .ToList(), pageSize, byUpdate: false));

    public Task<CatalogPage> ListUpdatedAsync(DateTimeOffset from, CatalogPosition? after, int pageSize, CancellationToken cancellationToken) =>
        Task.FromResult(Page(_updated
            .Where(e => e.Value >= from && Articles.ContainsKey(e.Key))
            .Select(e => new CatalogPosition(e.Key, e.Value))
            .Where(p => after is null || p.Updated > after.Updated || (p.Updated == after.Updated && string.CompareOrdinal(p.Id, after.Id) > 0))
            .OrderBy(p => p.Updated).ThenBy(p => p.Id, StringComparer.Ordinal)
            .ToList(), pageSize, byUpdate: true));

    public Task<int> MigrateAsync(IProgress<int>? progress, CancellationToken cancellationToken) => Task.FromResult(0);

    private DateTimeOffset? UpdatedOf(string id) => _updated.TryGetValue(id, out var at) ? at : null;

    private static CatalogPage Page(List<CatalogPosition> all, int pageSize, bool byUpdate) => new(
        all.Take(pageSize).Select(p => (p.Id, p.Updated)).ToList(),
        all.Count > pageSize ? all[pageSize - 1] with { Updated = byUpdate ? all[pageSize - 1].Updated : null } : null);

    public async Task<IReadOnlyList<string>> ListIdsAsync(CancellationToken cancellationToken)
    {
        var ids = Articles.Keys.Order(StringComparer.Ordinal).ToList();
        if (AfterIdsListed is { } hook)
        {
            await hook();
        }
        return ids;
    }

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(Articles.Count);

    /// <summary>Forgets the change log, as if the writes were older than its retention.</summary>
    public void ForgetChangeLog()
    {
        lock (_lock)
        {
            _changed.Clear();
        }
    }

    // Models

    public Task<ModelInfo?> GetActiveModelInfoAsync(CancellationToken cancellationToken) => Task.FromResult(_model?.Info);

    public Task<StoredModel?> GetActiveModelAsync(CancellationToken cancellationToken) => Task.FromResult(_model);

    private (string Owner, DateTimeOffset Until)? _lease;

    /// <summary>How many of the next lease calls fail as a store that does not answer would.</summary>
    public int LeaseCallsToFail;

    public Task<bool> TryLeaseRefitAsync(string owner, TimeSpan duration, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (LeaseCallsToFail > 0)
            {
                LeaseCallsToFail--;
                throw new StoreUnavailableException("The store did not answer in time (a test's outage).");
            }
            var now = DateTimeOffset.UtcNow;
            if (_lease is { } held && held.Until > now && held.Owner != owner)
            {
                return Task.FromResult(false);
            }
            _lease = (owner, now + duration);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseRefitLeaseAsync(string owner, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_lease?.Owner == owner)
            {
                _lease = null;
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The lease as a replica that died mid-refit left it: held, never renewed, expiring after <paramref name="duration"/>.</summary>
    public void LeaseAsADeadReplica(TimeSpan duration)
    {
        lock (_lock)
        {
            _lease = ("dead-replica", DateTimeOffset.UtcNow + duration);
        }
    }

    public Task SetActiveModelAsync(ModelInfo info, byte[] model, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref ModelsStored);
        _model = new StoredModel(info, model);
        return Task.CompletedTask;
    }

    // Snapshots and the change log

    public async Task WriteSnapshotAsync(string modelVersion, DateTimeOffset takenAt, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await write(buffer, cancellationToken);
        _snapshot = (takenAt, modelVersion, buffer.ToArray());
    }

    /// <summary>As the real stores do: a snapshot replaced while it is read is refused by name, not handed over as a mix.</summary>
    public Task<(DateTimeOffset TakenAt, long Bytes, Stream Snapshot)?> OpenSnapshotAsync(string modelVersion, CancellationToken cancellationToken)
    {
        var opened = _snapshot;
        return Task.FromResult(opened is { } s && s.Version == modelVersion
            ? (s.TakenAt, s.Bytes.LongLength, new SnapshotReader(s.Bytes, () => !ReferenceEquals(_snapshot?.Bytes, s.Bytes)))
            : ((DateTimeOffset, long, Stream)?)null);
    }

    private sealed class SnapshotReader(byte[] bytes, Func<bool> replaced) : Stream
    {
        private readonly MemoryStream _inner = new(bytes, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => replaced()
            ? throw new InvalidDataException("The index snapshot was replaced while it was being read.")
            : _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    public Task<IReadOnlyList<(string Id, DateTimeOffset At)>> ChangedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<(string Id, DateTimeOffset At)>>(_changed.Where(c => c.Value >= since).Select(c => (c.Key, c.Value)).ToList());
        }
    }

    // Rules and feedback

    private readonly ConcurrentDictionary<string, EditorialRule> _rules = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<EditorialRule>> GetRulesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EditorialRule>>(_rules.Values.OrderBy(r => r.Created).ToList());

    public Task SaveRuleAsync(EditorialRule rule, CancellationToken cancellationToken)
    {
        _rules[rule.Id] = rule;
        return Task.CompletedTask;
    }

    public Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken) => Task.FromResult(_rules.TryRemove(id, out _));

    // Feedback: counters, and per hour of issue the (list, kind, position) counted, up to that hour's share of the capacity.

    private readonly Dictionary<long, HashSet<(long, FeedbackKind, int)>> _counted = [];
    private readonly Dictionary<(FeedbackKind Kind, string Dimension, string Key), long> _feedback = [];

    public Task<int> RecordFeedbackAsync(IReadOnlyList<FeedbackRecord> events, FeedbackDeduplication deduplication, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var perHour = (int)Math.Max(1, Math.Ceiling(deduplication.Capacity * (TimeSpan.FromHours(1) / deduplication.Window)));
            var counted = 0;
            foreach (var e in events)
            {
                var hour = e.ListIssuedAt.ToUnixTimeSeconds() / 3600;
                var seen = _counted.TryGetValue(hour, out var set) ? set : _counted[hour] = [];
                var fingerprint = (BitConverter.ToInt64(e.ListNonce), e.Event.Kind, e.Event.Position);
                if (seen.Contains(fingerprint) || (seen.Count < perHour && !seen.Add(fingerprint)))
                {
                    continue;
                }
                counted++;
                foreach (var key in new[] { ("", ""), ("position", e.Event.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("section", e.Section) })
                {
                    _feedback[(e.Event.Kind, key.Item1, key.Item2)] = _feedback.GetValueOrDefault((e.Event.Kind, key.Item1, key.Item2)) + 1;
                }
            }
            return Task.FromResult(counted);
        }
    }

    public Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            List<FeedbackCount> By(string dimension) => _feedback.Keys.Where(k => k.Dimension == dimension).Select(k => k.Key).Distinct()
                .Select(k => new FeedbackCount(k, _feedback.GetValueOrDefault((FeedbackKind.Impression, dimension, k)), _feedback.GetValueOrDefault((FeedbackKind.Click, dimension, k))))
                .ToList();
            return Task.FromResult(new FeedbackStats(
                _feedback.GetValueOrDefault((FeedbackKind.Impression, "", "")), _feedback.GetValueOrDefault((FeedbackKind.Click, "", "")),
                [.. By("position").OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture))],
                [.. By("section").OrderByDescending(c => c.Impressions).ThenBy(c => c.Key, StringComparer.Ordinal)]));
        }
    }

    // The change feed: each subscriber gets every notice, one at a time, in order.

    public Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken)
    {
        if (Delivering)
        {
            lock (_lock)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(notice);
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IAsyncDisposable> SubscribeAsync(Func<ChangeNotice, Task> handler, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ChangeNotice>();
        lock (_lock)
        {
            _subscribers.Add(channel);
        }
        var pump = Task.Run(async () =>
        {
            await foreach (var notice in channel.Reader.ReadAllAsync())
            {
                await handler(notice);
            }
        });
        return Task.FromResult<IAsyncDisposable>(new Subscription(this, channel, pump));
    }

    private sealed class Subscription(InMemoryNamespace store, Channel<ChangeNotice> channel, Task pump) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            lock (store._lock)
            {
                store._subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
            await pump;
        }
    }
}
