using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Recommender.Api.V1;
using Recommender.Server.Configuration;

namespace Recommender.Server.Grpc;

/// <summary>
/// Checks "authorization: Bearer KEY" on the service's calls: always on writes once keys are
/// configured, on reads too with ProtectReads. A missing key is UNAUTHENTICATED, a wrong one
/// PERMISSION_DENIED. Keys are compared through their SHA-256 in constant time. Health and
/// reflection are never protected. Editorial rule changes count as writes; feedback, sent from
/// readers' browsers, as a read. Calls transcoded from JSON over HTTP pass through here too.
/// </summary>
public sealed class ApiKeyInterceptor : Interceptor
{
    private static readonly HashSet<string> Writes = new(StringComparer.Ordinal)
    {
        RecommenderService.Descriptor.FindMethodByName("UpsertArticles").FullName,
        RecommenderService.Descriptor.FindMethodByName("DeleteArticles").FullName,
        RecommenderService.Descriptor.FindMethodByName("Retrain").FullName,
        RecommenderService.Descriptor.FindMethodByName("DeleteNamespace").FullName,
        RecommenderService.Descriptor.FindMethodByName("AddRule").FullName,
        RecommenderService.Descriptor.FindMethodByName("RemoveRule").FullName,
    };

    private static readonly string ServicePrefix = "/" + RecommenderService.Descriptor.FullName + "/";

    private readonly byte[][] _keyHashes;
    private readonly bool _protectReads;

    public ApiKeyInterceptor(IOptions<AuthOptions> options)
    {
        _keyHashes = options.Value.ApiKeys.Where(k => k.Length > 0).Select(Hash).ToArray();
        _protectReads = options.Value.ProtectReads;
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (_keyHashes.Length > 0 && context.Method.StartsWith(ServicePrefix, StringComparison.Ordinal))
        {
            var method = context.Method[1..].Replace('/', '.');
            if (_protectReads || Writes.Contains(method))
            {
                Authorize(context);
            }
        }
        return continuation(request, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "This call needs an API key: send the header 'authorization: Bearer KEY' (recommender --api-key or RECOMMENDER_API_KEY)."));
        }
        var presented = Hash(header[7..].Trim());
        var valid = false;
        foreach (var key in _keyHashes)
        {
            valid |= CryptographicOperations.FixedTimeEquals(presented, key);
        }
        if (!valid)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "The API key is not valid for this service."));
        }
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
