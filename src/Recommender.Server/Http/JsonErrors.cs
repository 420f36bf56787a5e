using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;

namespace Recommender.Server.Http;

/// <summary>Errors answered before gRPC JSON transcoding runs, in its shape: <c>{"code","message","details"}</c>.</summary>
internal static class JsonErrors
{
    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithTypeRegistry(TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor)));

    public static Task WriteAsync(HttpContext context, int httpStatus, Google.Rpc.Status status)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Formatter.Format(status), context.RequestAborted);
    }
}
