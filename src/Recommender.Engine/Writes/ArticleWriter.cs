using System.Runtime.ExceptionServices;
using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine.Refits;
using Recommender.Engine.Changes;
using Recommender.Engine.Serving;

namespace Recommender.Engine.Writes;

/// <summary>
/// Upserts and deletes: each batch under the write lock, to the store first and then to the index,
/// then announced to the other replicas and counted toward the next snapshot and refit. A batch the
/// store applied but its replicas did not confirm in time is served the same way, then reported.
/// </summary>
internal sealed class ArticleWriter(
    IArticleStore store, StoreAvailability availability, ServingState state, SnapshotKeeper snapshots, Refitter refitter, ChangeAnnouncer announcer)
{
    /// <summary>One article of an upsert that differs from what is stored, with its fingerprints computed once.</summary>
    private sealed class Change(Article article, string recordHash, string textHash)
    {
        public Article Article { get; } = article;
        public string RecordHash { get; } = recordHash;
        public string TextHash { get; } = textHash;
        public ArticleInfo Info { get; } = article.ToInfo();
        public float[]? Vector { get; set; }
        public bool Embedded { get; set; }

        public ArticleWrite ToWrite() =>
            // A metadata-only change keeps the stored vector: it is not sent again.
            new(Article, RecordHash, TextHash, Info.BodyHash, Info.BodyMinHash, Embedded ? Vector : null);
    }

    /// <summary>Stores a validated batch; only articles whose title or body changed are embedded.</summary>
    public async Task<UpsertResult> UpsertAsync(IReadOnlyList<Article> articles, CancellationToken cancellationToken)
    {
        availability.Ensure();
        using var inFlight = state.BeginWrite(articles.Count, refitter.LongestSyncPause);
        using var writeLock = await state.LockAsync(cancellationToken);
        var serving = state.Current;
        var version = serving.Info.Version;
        var states = await store.GetStatesAsync(articles.Select(a => a.Id).ToList(), version, cancellationToken);

        int created = 0, updated = 0, unchanged = 0;
        var changed = new List<Change>();
        foreach (var article in articles)
        {
            var recordHash = ContentHash.OfRecord(article);
            var textHash = ContentHash.OfText(article.Title, article.Body);
            var indexed = serving.Index.TryGet(article.Id, out _, out var indexedVector);
            float[]? keptVector = null;
            if (states.TryGetValue(article.Id, out var stored))
            {
                if (stored.RecordHash == recordHash && stored.HasVector && indexed)
                {
                    unchanged++;
                    continue;
                }
                updated++;
                if (stored.TextHash == textHash && stored.HasVector && indexed)
                {
                    keptVector = indexedVector; // metadata only: the vector in the store and the index is still right
                }
            }
            else
            {
                created++;
            }
            changed.Add(new Change(article, recordHash, textHash) { Vector = keptVector });
        }

        var toEmbed = changed.Where(c => c.Vector is null).ToList();
        var vectors = toEmbed.Count == 0 ? [] : (await serving.Model).Embed(toEmbed.Select(c => c.Article.ToText()).ToList());
        for (var i = 0; i < toEmbed.Count; i++)
        {
            toEmbed[i].Vector = vectors[i];
            toEmbed[i].Embedded = true;
        }
        ExceptionDispatchInfo? unconfirmed = null;
        try
        {
            await store.WriteAsync(changed.Select(c => c.ToWrite()).ToList(), version, cancellationToken);
        }
        catch (ReplicationUnconfirmedException ex)
        {
            unconfirmed = ExceptionDispatchInfo.Capture(ex); // stored: served like any write, reported after
        }
        serving.Index.UpsertMany(changed.Select(c => (c.Info, c.Vector!)).ToList());
        var ids = changed.Select(c => c.Article.Id).ToList();
        state.RecordWrites(ids, changed.Count);
        await announcer.PublishAsync(ids, [], null);
        snapshots.CountChanges(changed.Count);
        var scheduled = refitter.ScheduleIfNeeded();
        unconfirmed?.Throw();
        return new UpsertResult(created, updated, unchanged, toEmbed.Count, version, scheduled);
    }

    /// <summary>Deletes validated, distinct ids from the store and the index.</summary>
    public async Task<DeleteResult> DeleteAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        availability.Ensure();
        using var inFlight = state.BeginWrite(ids.Count, refitter.LongestSyncPause);
        using var writeLock = await state.LockAsync(cancellationToken);
        var serving = state.Current;
        IReadOnlyList<string> deleted;
        ExceptionDispatchInfo? unconfirmed = null;
        try
        {
            deleted = await store.DeleteAsync(ids, serving.Info.Version, cancellationToken);
        }
        catch (ReplicationUnconfirmedException ex)
        {
            (deleted, unconfirmed) = (ids, ExceptionDispatchInfo.Capture(ex)); // deleted: served so, reported after
        }
        foreach (var id in ids)
        {
            serving.Index.Remove(id);
        }
        state.RecordWrites(ids, deleted.Count);
        await announcer.PublishAsync([], deleted, null);
        snapshots.CountChanges(deleted.Count);
        refitter.ScheduleIfNeeded();
        unconfirmed?.Throw();
        return new DeleteResult(deleted.Count, ids.Count - deleted.Count);
    }
}
