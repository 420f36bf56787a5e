using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Recommender.Server.Configuration;

namespace Recommender.Server.Http;

/// <summary>
/// The routes a reader's browser calls from the site's pages: <c>/v1/related</c> (the list, GET or
/// POST) and <c>/v1/feedback</c> (beacons). CORS for the origins in
/// <c>Recommender:Http:AllowedOrigins</c> (none by default; a preflight is answered either way, and
/// carries the allow headers only for those origins). CORS only decides whether a page's script may
/// read the answer or send a non-simple request; it does not stop a <c>text/plain</c> beacon, which
/// any page may send: the signed recommendation id is what a beacon is checked by. A
/// <c>text/plain</c> body on /v1/feedback, which is what <c>navigator.sendBeacon</c> sends with a
/// string, is read as the JSON it holds. Paths are compared as the router does (any case, with or
/// without a trailing slash).
/// </summary>
public sealed class ReaderRoutes(IOptions<HttpOptions> options)
{
    public const string FeedbackRoute = "/v1/feedback";
    public const string RelatedRoute = "/v1/related";

    // Read at the first request: options are validated when the host starts, not when the pipeline is built.
    private HashSet<string>? _origins;

    private HashSet<string> Origins => _origins ??= new(options.Value.AllowedOrigins, StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = (context.Request.Path.Value ?? "").TrimEnd('/');
        var feedback = path.Equals(FeedbackRoute, StringComparison.OrdinalIgnoreCase);
        if (!feedback && !path.Equals(RelatedRoute, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }
        var origin = context.Request.Headers.Origin.ToString();
        var allowed = origin.Length > 0 && (Origins.Contains(origin) || Origins.Contains("*"));
        context.Response.Headers.Vary = HeaderNames.Origin; // the answer differs by origin, for caches too
        if (allowed)
        {
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.AccessControlExposeHeaders = HeaderNames.ETag;
        }
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            if (allowed)
            {
                context.Response.Headers.AccessControlAllowMethods = feedback ? "POST" : "GET, POST";
                context.Response.Headers.AccessControlAllowHeaders = "content-type";
                context.Response.Headers.AccessControlMaxAge = "600";
            }
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        if (feedback && HttpMethods.IsPost(context.Request.Method) &&
            MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) &&
            type.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            context.Request.ContentType = "application/json; charset=utf-8";
        }
        return next(context);
    }
}
