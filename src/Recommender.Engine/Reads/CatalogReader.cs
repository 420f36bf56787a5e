using System.Diagnostics;
using System.Globalization;
using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Storage;

namespace Recommender.Engine.Reads;

/// <summary>Reads stored articles back for the CMS that wrote them: one whole, or the ids and update times a page at a time.</summary>
internal sealed class CatalogReader(EngineScope scope, IArticleCatalog store)
{
    /// <summary>How often a long migration reports how far it is.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    private const string TokenKind = "articles";

    /// <summary>Tokens of pages by update time: another kind, so a token of one listing is refused by the other.</summary>
    private const string UpdatedTokenKind = "articles-updated";

    /// <summary>The stored article and its update time; NotFound when it is not stored.</summary>
    public async Task<CatalogEntry> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) ?? throw new ArticleNotFoundException(id);

    /// <summary>
    /// A page of stored ids and the token of the next page ("" on the last): in id order, or, with
    /// <paramref name="updatedAfter"/>, those written since, oldest write first, so that a write made
    /// while a client pages comes on a later page rather than being skipped.
    /// </summary>
    public async Task<(IReadOnlyList<(string Id, DateTimeOffset? Updated)> Articles, string NextPageToken)> ListAsync(
        int pageSize, string pageToken, DateTimeOffset? updatedAfter, CancellationToken cancellationToken)
    {
        if (updatedAfter is not { } moment)
        {
            var page = await store.ListAsync(PageToken.Decode(TokenKind, pageToken), pageSize, cancellationToken);
            return (page.Articles, page.Next is { } next ? PageToken.Encode(TokenKind, next.Id) : "");
        }
        // Update times are kept to the millisecond: a moment within the millisecond of a write must
        // still find it (compared finer, a write 0.3 ms after the moment was stored as before it).
        var from = DateTimeOffset.FromUnixTimeMilliseconds(moment.ToUnixTimeMilliseconds());
        var after = DecodeUpdated(pageToken);
        var updated = await store.ListUpdatedAsync(from, after, pageSize, cancellationToken);
        return (updated.Articles, updated.Next is { Updated: { } at } last
            ? PageToken.Encode(UpdatedTokenKind, $"{at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}:{last.Id}")
            : "");
    }

    /// <summary>Moves an id registry an older version wrote to this version's layout, logging progress on the way.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var reported = started;
        var progress = new Progress<int>(count =>
        {
            if (Stopwatch.GetElapsedTime(reported) >= ProgressInterval)
            {
                reported = Stopwatch.GetTimestamp();
                EngineLog.CatalogMigrating(scope.Logger, scope.Namespace, count);
            }
        });
        var migrated = await store.MigrateAsync(progress, cancellationToken);
        if (migrated > 0)
        {
            EngineLog.CatalogMigrated(scope.Logger, scope.Namespace, migrated, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private static CatalogPosition? DecodeUpdated(string pageToken)
    {
        if (PageToken.Decode(UpdatedTokenKind, pageToken) is not { } position)
        {
            return null;
        }
        var colon = position.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && long.TryParse(position.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
            && ms >= DateTimeOffset.MinValue.ToUnixTimeMilliseconds() && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? new CatalogPosition(position[(colon + 1)..], DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : throw new RequestValidationException("page_token", "is not a page token of this list (pass next_page_token as returned)");
    }
}
