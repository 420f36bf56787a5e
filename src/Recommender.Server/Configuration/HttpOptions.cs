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
    /// Origins of the site's pages ("https://www.example.com") whose scripts may send reader
    /// feedback to /v1/feedback (CORS); "*" allows any. None by default. Only that route.
    /// </summary>
    [OriginList(ErrorMessage = "Recommender:Http:AllowedOrigins entries must be origins such as https://www.example.com (scheme, host, optional port; no path), or *.")]
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>Every entry is "*" or an origin: http(s)://host[:port] and nothing more.</summary>
public sealed class OriginListAttribute : System.ComponentModel.DataAnnotations.ValidationAttribute
{
    public override bool IsValid(object? value) =>
        value is not string[] origins || origins.All(o => o == "*" ||
            (Uri.TryCreate(o, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" &&
             o.TrimEnd('/').Equals(uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)));
}
