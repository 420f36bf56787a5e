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
/// RESOURCE_EXHAUSTED, a state that refuses the request FAILED_PRECONDITION. Anything unexpected is logged and answered with INTERNAL and
/// a fixed message: exception text never reaches a client.
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
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

    private RpcException ToRpcException(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
            case RequestValidationException invalid:
                return new Google.Rpc.Status
                {
                    Code = (int)Code.InvalidArgument,
                    Message = invalid.Message,
                    Details =
                    {
                        Any.Pack(new BadRequest
                        {
                            FieldViolations = { new BadRequest.Types.FieldViolation { Field = invalid.Field, Description = invalid.Description } },
                        }),
                    },
                }.ToRpcException();
            case NotFoundException notFound:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, notFound.Message));
            case StoreUnavailableException:
                Log.StoreUnavailable(logger, context.Method, ex);
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable,
                    "The article store is unreachable; retry shortly. Each article is written whole or not at all."));
            case NotReadyException:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, ex.Message));
            case QuotaExceededException:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.ResourceExhausted, ex.Message));
            case PreconditionFailedException:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, ex.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled."));
            default:
                Log.Unexpected(logger, context.Method, ex);
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "An internal error occurred; it has been logged."));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Method}: the store is unavailable")]
        public static partial void StoreUnavailable(ILogger logger, string method, Exception exception);

        [LoggerMessage(2, LogLevel.Error, "{Method} failed unexpectedly")]
        public static partial void Unexpected(ILogger logger, string method, Exception exception);
    }
}
