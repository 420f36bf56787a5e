using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Recommender.Server.Configuration;

namespace Recommender.Server.Http;

/// <summary>
/// Lets readers' pages send feedback to <c>/v1/feedback</c>: CORS for the origins in
/// <c>Recommender:Http:AllowedOrigins</c> (none by default; the preflight is answered either way, and
/// carries the allow headers only for those origins), and a <c>text/plain</c> body, which is what
/// <c>navigator.sendBeacon</c> sends with a string, read as the JSON it holds. Only that route; the
/// path is compared as the router does (any case, with or without a trailing slash).
/// </summary>
public sealed class FeedbackBeacons(IOptions<HttpOptions> options)
{
    public const string Route = "/v1/feedback";

    // Read at the first request: options are validated when the host starts, not when the pipeline is built.
    private HashSet<string>? _origins;

    private HashSet<string> Origins => _origins ??= new(options.Value.AllowedOrigins, StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (!path.TrimEnd('/').Equals(Route, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }
        var origin = context.Request.Headers.Origin.ToString();
        var allowed = origin.Length > 0 && (Origins.Contains(origin) || Origins.Contains("*"));
        if (allowed)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.Vary = HeaderNames.Origin;
        }
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            if (allowed)
            {
                context.Response.Headers.AccessControlAllowMethods = "POST";
                context.Response.Headers.AccessControlAllowHeaders = "content-type";
                context.Response.Headers.AccessControlMaxAge = "600";
            }
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        if (HttpMethods.IsPost(context.Request.Method) &&
            MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) &&
            type.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.ContentType = "application/json; charset=utf-8";
        }
        return next(context);
    }
}
