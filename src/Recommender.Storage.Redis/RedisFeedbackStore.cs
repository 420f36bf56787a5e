using System.Globalization;
using Recommender.Core.Feedback;
using Recommender.Core.Storage;

namespace Recommender.Storage.Redis;

/// <summary>
/// Feedback counters in one hash ("impressions", "clicks:position:3", "impressions:section:sport"),
/// and one short-lived key per counted (list, kind, position) so that a resent event is not counted again.
/// </summary>
internal sealed class RedisFeedbackStore(RedisNamespace store) : IFeedbackStore
{
    private const string Impressions = "impressions";
    private const string Clicks = "clicks";
    private const string ByPosition = "position";
    private const string BySection = "section";

    public Task<int> RecordFeedbackAsync(IReadOnlyList<(FeedbackEvent Event, string Section)> events, TimeSpan window, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(events.Count * RedisNamespace.RecordOverhead, StoreWriteKind.Feedback, cancellationToken);
        var db = store.Db;
        // SET NX marks an event as counted; only the first sender's counters move. (Not atomic with
        // the counters: a process dying in between loses that one count, never double-counts.)
        var firsts = events.Select(e => db.StringSetAsync(
            store.Keys.FeedbackSeen(e.Event.RecommendationId, KindName(e.Event.Kind), e.Event.Position), 1, window, StackExchange.Redis.When.NotExists)).ToList();
        await Task.WhenAll(firsts).WaitAsync(cancellationToken);
        var counted = events.Where((_, i) => firsts[i].Result).ToList();
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
    });

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
