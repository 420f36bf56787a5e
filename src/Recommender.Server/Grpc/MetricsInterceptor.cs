using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Recommender.Core;

namespace Recommender.Server.Grpc;

/// <summary>Counts every API call by method (its canonical name, whatever the path's spelling) and final gRPC status, and times it.</summary>
public sealed class MetricsInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex)
        {
            status = ex.StatusCode;
            throw;
        }
        finally
        {
            var method = new KeyValuePair<string, object?>("rpc.method", ServiceMethods.FullName(context));
            Telemetry.Requests.Add(1, method, new KeyValuePair<string, object?>("rpc.grpc.status_code", (int)status));
            Telemetry.RequestDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, method);
        }
    }
}
