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
}
