using System.Threading.RateLimiting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Recommender.Server.Configuration;

namespace Recommender.Server.Grpc;

/// <summary>
/// A token bucket per client: the API key when one is sent (so clients behind one proxy are told
/// apart), else the peer address. Over the limit, a call is RESOURCE_EXHAUSTED at once. Health and
/// reflection are not limited.
/// </summary>
public sealed class RateLimitInterceptor : Interceptor, IDisposable
{
    private static readonly string ServicePrefix = "/" + Api.V1.RecommenderService.Descriptor.FullName + "/";
    private readonly RateLimitOptions _options;
    private readonly PartitionedRateLimiter<string>? _limiter;

    public RateLimitInterceptor(IOptions<RateLimitOptions> options)
    {
        _options = options.Value;
        if (_options.RequestsPerSecond > 0)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetTokenBucketLimiter(client, _ =>
                new TokenBucketRateLimiterOptions
                {
                    TokenLimit = _options.Burst,
                    TokensPerPeriod = _options.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        }
    }

    // Not async: a token is taken (or refused) before the call, and the call passes through untouched.
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (_limiter is not null && context.Method.StartsWith(ServicePrefix, StringComparison.Ordinal))
        {
            using var lease = _limiter.AttemptAcquire(Client(context));
            if (!lease.IsAcquired)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"More than {_options.RequestsPerSecond} requests per second (burst {_options.Burst}) from this client " +
                    $"({RateLimitOptions.SectionName}:RequestsPerSecond); retry shortly."));
            }
        }
        return continuation(request, context);
    }

    public void Dispose() => _limiter?.Dispose();

    private static string Client(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") is { Length: > 7 } header)
        {
            return "key:" + header.GetHashCode(StringComparison.Ordinal);
        }
        // "ipv4:127.0.0.1:54321" → "ipv4:127.0.0.1": one bucket per address, not per connection.
        var peer = context.Peer ?? "";
        var port = peer.LastIndexOf(':');
        return port > 0 ? peer[..port] : peer;
    }
}
