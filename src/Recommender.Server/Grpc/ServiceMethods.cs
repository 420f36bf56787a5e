using Grpc.AspNetCore.Server;
using Grpc.Core;
using Recommender.Api.V1;

namespace Recommender.Server.Grpc;

/// <summary>Who may call an rpc of the service.</summary>
public enum RpcAccess
{
    /// <summary>Not an rpc of recommender.v1.RecommenderService (health, reflection): never guarded.</summary>
    None,

    /// <summary>Sent by readers' browsers (feedback): open, since it is verified by its signed recommendation id.</summary>
    Beacon,

    /// <summary>A read: needs a key only with Recommender:Auth:ProtectReads.</summary>
    Read,

    /// <summary>Anything else: needs a key once keys are configured.</summary>
    Write,
}

/// <summary>
/// The rpc a call was routed to, taken from the matched endpoint (gRPC and JSON transcoding alike),
/// never from the request path: the router matches paths whatever their case, so a decision made on
/// the path's spelling could be sidestepped by changing it.
/// </summary>
public static class ServiceMethods
{
    private static readonly string ServiceName = RecommenderService.Descriptor.FullName;

    /// <summary>The allow-list of reads; an rpc that is on neither list is a write.</summary>
    private static readonly HashSet<string> Reads = new(StringComparer.Ordinal)
    {
        "GetRelated", "PreviewRelated", "GetStats", "SearchArticles", "ListRules", "GetArticle", "ListArticles", "WatchChanges",
    };

    private static readonly HashSet<string> Beacons = new(StringComparer.Ordinal) { "RecordFeedback" };

    /// <summary>Canonical full names ("/package.Service/Method") by any spelling, for calls that carry no endpoint.</summary>
    private static readonly Dictionary<string, (string Service, string Method)> ByPath =
        RecommenderService.Descriptor.Methods.ToDictionary(
            m => $"/{ServiceName}/{m.Name}", m => (ServiceName, m.Name), StringComparer.OrdinalIgnoreCase);

    /// <summary>The service and method the call runs, in their canonical spelling; null when unknown.</summary>
    public static (string Service, string Method)? Of(ServerCallContext context)
    {
        var method = context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        if (method is not null)
        {
            return (method.ServiceName, method.Name);
        }
        return ByPath.TryGetValue(context.Method, out var known) ? known : null;
    }

    /// <summary>"/package.Service/Method" in canonical spelling, for metrics and logs ("unknown" otherwise).</summary>
    public static string FullName(ServerCallContext context) =>
        Of(context) is { } m ? $"/{m.Service}/{m.Method}" : "unknown";

    /// <summary>How the call is guarded.</summary>
    public static RpcAccess Access(ServerCallContext context) => Of(context) switch
    {
        null => RpcAccess.Write, // routed, yet not a method we know: guard it as strictly as we can
        var (service, _) when service != ServiceName => RpcAccess.None,
        var (_, method) when Reads.Contains(method) => RpcAccess.Read,
        var (_, method) when Beacons.Contains(method) => RpcAccess.Beacon,
        _ => RpcAccess.Write,
    };
}
