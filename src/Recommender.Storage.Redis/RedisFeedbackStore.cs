using System.Globalization;
using Recommender.Core.Feedback;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>
/// Feedback counters in one hash ("impressions", "clicks:position:3", "impressions:section:sport"),
/// and, per hour in which lists were issued, one set of the (list, kind, position) already counted,
/// so that a resent event is not counted again. Each set holds at most its share of the
/// deduplication capacity and expires with its lists' feedback window; past its share, events are
/// counted without being remembered. What feedback stores is so bounded by the sections and
/// positions, and by that capacity, whatever a client sends.
/// </summary>
internal sealed class RedisFeedbackStore(RedisNamespace store) : IFeedbackStore
{
    private const string Impressions = "impressions";
    private const string Clicks = "clicks";
    private const string ByPosition = "position";
    private const string BySection = "section";
    private static readonly TimeSpan Bucket = TimeSpan.FromHours(1);

    public Task<int> RecordFeedbackAsync(IReadOnlyList<FeedbackRecord> events, FeedbackDeduplication deduplication, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(events.Count * RedisNamespace.RecordOverhead, StoreWriteKind.Feedback, cancellationToken);
        var db = store.Db;
        var perBucket = (long)Math.Max(1, Math.Ceiling(deduplication.Capacity * (Bucket / deduplication.Window)));
        var hours = events.Select(e => e.ListIssuedAt.ToUnixTimeSeconds() / (long)Bucket.TotalSeconds).Distinct().ToList();
        var sizes = await Task.WhenAll(hours.Select(h => db.SetLengthAsync(store.Keys.FeedbackSeen(h)))).WaitAsync(cancellationToken);
        var full = hours.Where((_, i) => sizes[i] >= perBucket).ToHashSet();

        // A bucket with room remembers what it counts (SADD: true when new); a full one is only asked.
        var checks = events.Select(e =>
        {
            var hour = e.ListIssuedAt.ToUnixTimeSeconds() / (long)Bucket.TotalSeconds;
            var key = store.Keys.FeedbackSeen(hour);
            var fingerprint = Fingerprint(e);
            return full.Contains(hour) ? NotCountedYet(key, fingerprint) : db.SetAddAsync(key, fingerprint);
        }).ToList();
        var expiries = hours.Where(h => !full.Contains(h)).Select(h =>
            db.KeyExpireAsync(store.Keys.FeedbackSeen(h), DateTimeOffset.FromUnixTimeSeconds((h + 1) * (long)Bucket.TotalSeconds).Add(deduplication.Window).UtcDateTime));
        await Task.WhenAll(checks.Cast<Task>().Concat(expiries)).WaitAsync(cancellationToken);
        var counted = events.Where((_, i) => checks[i].Result).ToList();
        var increments = counted
            .SelectMany(e => new[]
            {
                KindName(e.Event.Kind),
                $"{KindName(e.Event.Kind)}:{ByPosition}:{e.Event.Position}",
                $"{KindName(e.Event.Kind)}:{BySection}:{e.Section}",
            })
            .GroupBy(f => f, StringComparer.Ordinal)
            .Select(g => db.HashIncrementAsync(store.Keys.FeedbackCounts(), g.Key, g.Count()))
            .ToList();
        await Task.WhenAll(increments).WaitAsync(cancellationToken);
        return counted.Count;

        async Task<bool> NotCountedYet(RedisKey key, byte[] fingerprint) => !await db.SetContainsAsync(key, fingerprint);
    });

    /// <summary>11 bytes: the list's nonce, the kind and the position.</summary>
    private static byte[] Fingerprint(FeedbackRecord e)
    {
        var bytes = new byte[11];
        e.ListNonce.AsSpan(0, 8).CopyTo(bytes);
        bytes[8] = (byte)e.Event.Kind;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(9), (ushort)e.Event.Position);
        return bytes;
    }

    public Task<FeedbackStats> GetFeedbackAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var entries = await store.Db.HashGetAllAsync(store.Keys.FeedbackCounts()).WaitAsync(cancellationToken);
        var counts = entries.ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        long Count(string field) => counts.TryGetValue(field, out var n) ? n : 0;
        IEnumerable<string> Keys(string dimension) => counts.Keys
            .Select(f => f.Split(':', 3))
            .Where(parts => parts.Length == 3 && parts[1] == dimension)
            .Select(parts => parts[2])
            .Distinct(StringComparer.Ordinal);
        FeedbackCount Of(string dimension, string key) =>
            new(key, Count($"{Impressions}:{dimension}:{key}"), Count($"{Clicks}:{dimension}:{key}"));

        var byPosition = Keys(ByPosition).Select(k => Of(ByPosition, k)).OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)).ToList();
        var bySection = Keys(BySection).Select(k => Of(BySection, k))
            .OrderByDescending(c => c.Impressions).ThenBy(c => c.Key, StringComparer.Ordinal).ToList();
        return new FeedbackStats(Count(Impressions), Count(Clicks), byPosition, bySection);
    });

    private static string KindName(FeedbackKind kind) => kind == FeedbackKind.Click ? Clicks : Impressions;
}
