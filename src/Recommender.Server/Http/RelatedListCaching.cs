using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Recommender.Server.Configuration;

namespace Recommender.Server.Http;

/// <summary>
/// Makes <c>GET /v1/related</c> cacheable by a CDN, a proxy or the reader's browser: a weak
/// <c>ETag</c> over what a reader sees of the list (which articles, in what order, their headlines,
/// links, sections and dates, and the model that chose them), <c>Cache-Control</c> from
/// <c>Recommender:Http:RelatedCacheControl</c>, and <c>304 Not Modified</c> for an
/// <c>If-None-Match</c> that still holds. The tag changes whenever the list does (a new model, a rule,
/// an article written or deleted near this one, a headline edited), and only then: scores, the
/// explanation and the recommendation id (new on every answer) are left out of it.
/// </summary>
public sealed class RelatedListCaching(IOptions<HttpOptions> options)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next) =>
        HttpMethods.IsGet(context.Request.Method) &&
        (context.Request.Path.Value ?? "").TrimEnd('/').Equals(ReaderRoutes.RelatedRoute, StringComparison.OrdinalIgnoreCase)
            ? AnswerAsync(context, next)
            : next(context);

    private async Task AnswerAsync(HttpContext context, RequestDelegate next)
    {
        // The list is small (a few KB): hold it to tag it, and to send nothing when the tag still holds.
        var body = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer, body));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(body);
        }
        var response = context.Response;
        if (response.StatusCode == StatusCodes.Status200OK && EntityTag(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) is { } tag)
        {
            response.Headers.ETag = tag.ToString();
            response.Headers.CacheControl = options.Value.RelatedCacheControl;
            if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } conditions &&
                conditions.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(tag, useStrongComparison: false)))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                return;
            }
        }
        response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(body.Stream, context.RequestAborted);
    }

    /// <summary>W/"…": a hash of the list's JSON without what changes on every answer; null when it is not a list.</summary>
    private static EntityTagHeaderValue? EntityTag(ReadOnlySpan<byte> json)
    {
        if (JsonNode.Parse(json) is not JsonObject list)
        {
            return null;
        }
        list.Remove("recommendationId");
        foreach (var item in list["items"] as JsonArray ?? [])
        {
            if (item is JsonObject fields)
            {
                fields.Remove("score");
                fields.Remove("why");
            }
        }
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(list.ToJsonString()));
        return new EntityTagHeaderValue($"\"{Convert.ToBase64String(hash, 0, 15).Replace('+', '-').Replace('/', '_')}\"", isWeak: true);
    }
}
