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
        TResponse? response = default;
        await Measure(context, async () => response = await continuation(request, context));
        return response!;
    }

    /// <summary>A watch is counted once, when it ends, and timed over its whole life.</summary>
    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Measure(context, () => continuation(request, responseStream, context));

    private static async Task Measure(ServerCallContext context, Func<Task> call)
    {
        var started = Stopwatch.GetTimestamp();
        var status = StatusCode.OK;
        try
        {
            await call();
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
