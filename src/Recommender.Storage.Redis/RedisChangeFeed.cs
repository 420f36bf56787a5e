using System.Text.Json;
using Recommender.Core.Storage;
using StackExchange.Redis;

namespace Recommender.Storage.Redis;

/// <summary>Change notices over Redis pub/sub, on one channel per namespace.</summary>
internal sealed class RedisChangeFeed(RedisNamespace store) : IChangeFeed
{
    public Task PublishAsync(ChangeNotice notice, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        await store.Connection.GetSubscriber()
            .PublishAsync(store.Keys.Changes(), JsonSerializer.Serialize(notice, RedisJson.Default.ChangeNotice))
            .WaitAsync(cancellationToken);
    });

    public Task<IAsyncDisposable> SubscribeAsync(Func<ChangeNotice, Task> handler, CancellationToken cancellationToken) => RedisCall.Run(async () =>
    {
        var queue = await store.Connection.GetSubscriber().SubscribeAsync(store.Keys.Changes()).WaitAsync(cancellationToken);
        // OnMessage with an async handler delivers messages one at a time, in order.
        queue.OnMessage(async message =>
        {
            if (JsonSerializer.Deserialize((string)message.Message!, RedisJson.Default.ChangeNotice) is { } notice)
            {
                await handler(notice);
            }
        });
        return (IAsyncDisposable)new Subscription(queue);
    });

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException or ObjectDisposedException)
            {
                // The connection is gone (the store stopped first, or is unreachable): so is the subscription.
            }
        }
    }
}
