using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Recommender.Core.Errors;

namespace Recommender.Server.Grpc;

/// <summary>
/// Turns the error vocabulary of <c>Recommender.Core.Errors</c> into gRPC statuses: a wrong
/// argument is INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, an unknown id
/// NOT_FOUND, an unreachable store or a namespace still starting UNAVAILABLE, a used-up quota
/// RESOURCE_EXHAUSTED, a state that refuses the request FAILED_PRECONDITION; each of those carries a
/// google.rpc.ErrorInfo with its stable reason (<see cref="ErrorReason"/>). Anything unexpected is
/// logged and answered with INTERNAL and a fixed message: exception text never reaches a client.
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    /// <summary>Reasons of a call the client cancelled, or whose deadline passed.</summary>
    public const string CancelledReason = "CANCELLED";
    public const string DeadlineReason = "DEADLINE_EXCEEDED";

    /// <summary>Reason of an unexpected failure (logged here).</summary>
    public const string InternalReason = "INTERNAL";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw ToRpcException(ex, context);
        }
    }

    private RpcException ToRpcException(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
            case RequestValidationException invalid:
                // A JSON caller spells fields as the JSON mapping does (options.includeSections), a gRPC one as the proto does.
                var field = Transcoded(context) ? JsonBodyCheck.AsCallerSpelled(context.GetHttpContext(), JsonPath(invalid.Field)) : invalid.Field;
                return new Google.Rpc.Status
                {
                    Code = (int)Code.InvalidArgument,
                    Message = $"{field}: {invalid.Description}",
                    Details =
                    {
                        Any.Pack(new BadRequest
                        {
                            FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = invalid.Description } },
                        }),
                    },
                }.ToRpcException();
            case StoreUnavailableException unavailable:
                Log.StoreUnavailable(logger, context.Method, ex);
                return Error(Code.Unavailable, "The article store is unreachable; retry shortly. Each article is written whole or not at all.", unavailable.Reason);
            case ReplicationUnconfirmedException unconfirmed:
                Log.StoreUnavailable(logger, context.Method, ex);
                return Error(Code.Unavailable,
                    "The store took the write, but fewer of its replicas confirmed it in time than Recommender:Redis:WaitForReplicas asks for; sending it again is safe.",
                    unconfirmed.Reason);
            case ReasonedException reasoned:
                return Error(reasoned switch
                {
                    NotFoundException => Code.NotFound,
                    NotReadyException => Code.Unavailable,
                    QuotaExceededException => Code.ResourceExhausted,
                    PreconditionFailedException => Code.FailedPrecondition,
                    _ => Code.Internal,
                }, reasoned.Message, reasoned.Reason);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested && context.Deadline <= DateTime.UtcNow:
                return Error(Code.DeadlineExceeded, "The call's deadline passed; nothing it started was kept.", DeadlineReason);
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return Error(Code.Cancelled, "The call was cancelled; nothing it started was kept.", CancelledReason);
            default:
                Log.Unexpected(logger, context.Method, ex);
                return Error(Code.Internal, "An internal error occurred; it has been logged.", InternalReason);
        }
    }

    private static bool Transcoded(ServerCallContext context) =>
        context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>() is not null;

    /// <summary>A field path in its JSON spelling: "options.include_sections[2]" is "options.includeSections[2]".</summary>
    public static string JsonPath(string path)
    {
        var json = new System.Text.StringBuilder(path.Length);
        var upper = false;
        foreach (var c in path)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }
            json.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return json.ToString();
    }

    /// <summary>A status with a google.rpc.ErrorInfo naming its reason.</summary>
    public static RpcException Error(Code code, string message, string reason) =>
        new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = ErrorReason.Domain }) },
        }.ToRpcException();

    private static partial class Log
    {
        [LoggerMessage(2021, LogLevel.Warning, "{Method}: the store is unavailable")]
        public static partial void StoreUnavailable(ILogger logger, string method, Exception exception);

        [LoggerMessage(2022, LogLevel.Error, "{Method} failed unexpectedly")]
        public static partial void Unexpected(ILogger logger, string method, Exception exception);
    }
}
