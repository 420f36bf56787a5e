using System.Text.Json;
using Recommender.Core.Abstractions;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>The serving model: a hash naming it (version, info as JSON) and its bytes under their own key.</summary>
internal sealed class RedisModelStore(RedisNamespace store) : IModelStore
{
    private static readonly RedisValue VersionField = "version";
    private static readonly RedisValue InfoField = "info";

    public Task<ModelInfo?> GetActiveModelInfoAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var info = await store.Db.HashGetAsync(store.Keys.ActiveModel(), InfoField).WaitAsync(cancellationToken);
        return info.IsNull
            ? null
            : JsonSerializer.Deserialize((string)info!, RedisJson.Default.ModelInfo) ?? throw new InvalidDataException($"{store.Keys.ActiveModel()} holds no model info.");
    });

    public Task<StoredModel?> GetActiveModelAsync(CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        if (await GetActiveModelInfoAsync(cancellationToken) is not { } info)
        {
            return null;
        }
        var bytes = await store.Db.StringGetAsync(store.Keys.ModelBytes(info.Version)).WaitAsync(cancellationToken);
        return bytes.IsNull ? null : new StoredModel(info, (byte[])bytes!);
    });

    public Task<bool> TryLeaseRefitAsync(string owner, TimeSpan duration, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        // StackExchange.Redis's lock primitives: extend if this owner holds it, else take it if free.
        // (Take first, then extend, said false to its own holder when the lease expired between
        // the two calls.) Both can still say false to the holder itself: a million-article refit
        // lost its lease to "another replica" with no other replica running. An extension is a
        // transaction watching the key, aborted when the key changes or expires before it commits,
        // and a take fails while the key exists, whoever holds it. So the holder the store names
        // decides, and the holder extends it once more.
        var db = store.Db;
        var key = store.Keys.RefitLease();
        if (await db.LockExtendAsync(key, owner, duration).WaitAsync(cancellationToken) ||
            await db.LockTakeAsync(key, owner, duration).WaitAsync(cancellationToken))
        {
            return true;
        }
        if (await db.LockQueryAsync(key).WaitAsync(cancellationToken) != owner)
        {
            return false;
        }
        await db.LockExtendAsync(key, owner, duration).WaitAsync(cancellationToken);
        return true;
    });

    public Task ReleaseRefitLeaseAsync(string owner, CancellationToken cancellationToken) => RedisCall.Run(async () =>
        await store.Db.LockReleaseAsync(store.Keys.RefitLease(), owner).WaitAsync(cancellationToken));

    public Task SetActiveModelAsync(ModelInfo info, byte[] model, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Capacity.EnsureRoomAsync(model.Length + RedisNamespace.RecordOverhead, StoreWriteKind.Content, cancellationToken);
        var db = store.Db;
        var previous = await db.HashGetAsync(store.Keys.ActiveModel(), VersionField).WaitAsync(cancellationToken);
        await db.StringSetAsync(store.Keys.ModelBytes(info.Version), model).WaitAsync(cancellationToken);
        await db.HashSetAsync(store.Keys.ActiveModel(),
            [new HashEntry(VersionField, info.Version), new HashEntry(InfoField, JsonSerializer.Serialize(info, RedisJson.Default.ModelInfo))]).WaitAsync(cancellationToken);
        if (!previous.IsNull && previous != info.Version)
        {
            await db.KeyDeleteAsync(store.Keys.ModelBytes(previous!)).WaitAsync(cancellationToken);
        }
    });
}
