using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Recommender.Server.Grpc;

/// <summary>
/// Checks "authorization: Bearer KEY" once keys are configured: on every rpc that is not on the
/// allow-list of reads, and on reads too with ProtectReads. A missing key is UNAUTHENTICATED, a
/// wrong one PERMISSION_DENIED. The rpc is the one the call was routed to (<see cref="ServiceMethods"/>),
/// whatever the spelling of its path. Health and reflection are never protected; feedback beacons
/// are verified by their signed recommendation id instead. Calls transcoded from JSON pass here too.
/// </summary>
public sealed class ApiKeyInterceptor(ApiKeys keys) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Guard(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Guard(context);
        return continuation(request, responseStream, context);
    }

    /// <summary>Reasons of refused calls.</summary>
    public const string KeyMissingReason = "API_KEY_MISSING";
    public const string KeyInvalidReason = "API_KEY_INVALID";

    private void Guard(ServerCallContext context)
    {
        if (keys.Configured && ServiceMethods.Access(context) switch
        {
            RpcAccess.Write => true,
            RpcAccess.Read => keys.ProtectReads,
            _ => false,
        })
        {
            Authorize(context);
        }
    }

    private void Authorize(ServerCallContext context)
    {
        switch (keys.Check(context.RequestHeaders.GetValue("authorization")).Outcome)
        {
            case ApiKeys.Outcome.Missing:
                throw ErrorMappingInterceptor.Error(Google.Rpc.Code.Unauthenticated,
                    "This call needs an API key: send the header 'authorization: Bearer KEY' (recommender --api-key or RECOMMENDER_API_KEY).", KeyMissingReason);
            case ApiKeys.Outcome.Invalid:
                throw ErrorMappingInterceptor.Error(Google.Rpc.Code.PermissionDenied, "The API key is not valid for this service.", KeyInvalidReason);
        }
    }
}
