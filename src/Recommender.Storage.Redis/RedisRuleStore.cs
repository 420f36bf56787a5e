using System.Text.Json;
using Recommender.Core.Editorial;
using Recommender.Core.Storage;

namespace Recommender.Storage.Redis;

/// <summary>Editorial rules: one hash, rule id to the rule as JSON.</summary>
internal sealed class RedisRuleStore(RedisNamespace store) : IRuleStore
{
    public Task<IReadOnlyList<EditorialRule>> GetRulesAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var entries = await store.Db.HashGetAllAsync(store.Keys.Rules()).WaitAsync(cancellationToken);
        return (IReadOnlyList<EditorialRule>)entries
            .Select(e => JsonSerializer.Deserialize((string)e.Value!, RedisJson.Default.EditorialRule))
            .OfType<EditorialRule>()
            .ToList();
    });

    public Task SaveRuleAsync(EditorialRule rule, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(2 * RedisNamespace.RecordOverhead, StoreWriteKind.Content, cancellationToken);
        await store.Db.HashSetAsync(store.Keys.Rules(), rule.Id, JsonSerializer.Serialize(rule, RedisJson.Default.EditorialRule)).WaitAsync(cancellationToken);
    });

    public Task<bool> DeleteRuleAsync(string id, CancellationToken cancellationToken) => RedisCall.Run(async () =>
        await store.Db.HashDeleteAsync(store.Keys.Rules(), id).WaitAsync(cancellationToken));
}
