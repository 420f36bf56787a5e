using System.ComponentModel.DataAnnotations;

namespace Recommender.Server.Configuration;

/// <summary>What the HTTP side accepts. Section "Recommender:Http".</summary>
public sealed class HttpOptions
{
    public const string SectionName = "Recommender:Http";

    /// <summary>The loopback names, always allowed.</summary>
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>
    /// Host names requests may be addressed to (the Host header or :authority, without the port),
    /// beside the loopback names; others are refused with 400, so a web page cannot reach a local
    /// instance by DNS rebinding. "*" allows any; "*.example.com" a domain's subdomains. Needed (the
    /// names clients use) once Recommender:Server:ListenOnAllInterfaces is set.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>
    /// Origins of the site's pages ("https://www.example.com") whose scripts may fetch lists from
    /// /v1/related and send reader feedback to /v1/feedback (CORS); "*" allows any. None by default.
    /// Only those routes. CORS lets a page read an answer; it does not keep any page from sending a
    /// text/plain beacon: the signed recommendation id is the check on feedback.
    /// </summary>
    [OriginList(ErrorMessage = "Recommender:Http:AllowedOrigins entries must be origins such as https://www.example.com (scheme, host, optional port; no path), or *.")]
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// The Cache-Control of a list answered to GET /v1/related: how long a CDN, a proxy or a
    /// browser may serve it before asking again (with If-None-Match, answered 304 while the list is
    /// unchanged). "no-cache" makes every use ask; "private, ..." keeps it out of shared caches. Not
    /// "public" where reads need a key (ProtectReads): it would let a shared cache serve a list
    /// fetched with a key to callers without one.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression(@"^[\x20-\x7E]+$", ErrorMessage = "Recommender:Http:RelatedCacheControl must be a Cache-Control header value (printable ASCII), such as \"max-age=60\".")]
    public string RelatedCacheControl { get; set; } = "max-age=60";
}

/// <summary>Every entry is "*" or an origin: http(s)://host[:port] and nothing more.</summary>
public sealed class OriginListAttribute : System.ComponentModel.DataAnnotations.ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string[] origins || origins.All(o => o == "*" ||
            (Uri.TryCreate(o, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" &&
             o.TrimEnd('/').Equals(uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)));
}