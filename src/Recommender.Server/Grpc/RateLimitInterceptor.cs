using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Recommender.Server.Configuration;

namespace Recommender.Server.Grpc;

/// <summary>
/// Token buckets per client: the API key when a valid one is sent (so clients behind one proxy are
/// told apart), else the peer address; a made-up key buys no bucket of its own. Feedback beacons
/// have buckets of their own (on by default), every other rpc the general ones (off by default).
/// Over the limit, a call is RESOURCE_EXHAUSTED at once. Health and reflection are not limited.
/// </summary>
public sealed class RateLimitInterceptor : Interceptor, IDisposable
{
    private readonly ApiKeys _keys;
    private readonly Limiter? _general;
    private readonly Limiter? _feedback;

    public RateLimitInterceptor(IOptions<RateLimitOptions> options, ApiKeys keys)
    {
        _keys = keys;
        var o = options.Value;
        _general = Limiter.Create(o.RequestsPerSecond, o.Burst, $"{RateLimitOptions.SectionName}:RequestsPerSecond");
        _feedback = Limiter.Create(o.FeedbackRequestsPerSecond, o.FeedbackBurst, $"{RateLimitOptions.SectionName}:FeedbackRequestsPerSecond");
    }

    // Not async: a token is taken (or refused) before the call, and the call passes through untouched.
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    /// <summary>A watch takes one token when it starts.</summary>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        if (_general is null && _feedback is null)
        {
            return; // limits off: not even the rpc is looked up
        }
        var limiter = ServiceMethods.Access(context) switch
        {
            RpcAccess.None => null,
            RpcAccess.Beacon => _feedback,
            _ => _general,
        };
        limiter?.Take(Client(context));
    }

    /// <summary>Reason of a call refused by the rate limit.</summary>
    public const string RateLimitedReason = "RATE_LIMITED";

    public void Dispose()
    {
        _general?.Dispose();
        _feedback?.Dispose();
    }

    private string Client(ServerCallContext context)
    {
        var (outcome, key) = _keys.Check(context.RequestHeaders.GetValue("authorization"));
        if (outcome == ApiKeys.Outcome.Valid)
        {
            return "key:" + key;
        }
        // "ipv4:127.0.0.1:54321" → "ipv4:127.0.0.1": one bucket per address, not per connection.
        var peer = context.Peer ?? "";
        var port = peer.LastIndexOf(':');
        return port > 0 ? peer[..port] : peer;
    }

    private sealed class Limiter(PartitionedRateLimiter<string> limiter, int perSecond, int burst, string key) : IDisposable
    {
        public static Limiter? Create(int perSecond, int burst, string key) => perSecond <= 0 ? null : new Limiter(
            PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ =>
                new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                })),
            perSecond, burst, key);

        public void Take(string client)
        {
            using var lease = limiter.AttemptAcquire(client);
            if (!lease.IsAcquired)
            {
                throw ErrorMappingInterceptor.Error(Google.Rpc.Code.ResourceExhausted,
                    $"More than {perSecond} requests per second (burst {burst}) from this client ({key}); retry shortly.", RateLimitedReason);
            }
        }

        public void Dispose() => limiter.Dispose();
    }
}
