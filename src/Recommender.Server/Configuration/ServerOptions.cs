using System.ComponentModel.DataAnnotations;

namespace Recommender.Server.Configuration;

/// <summary>Where the service listens. Section "Recommender:Server".</summary>
public sealed class ServerOptions
{
    public const string SectionName = "Recommender:Server";

    /// <summary>gRPC port (HTTP/2 without TLS). 0 leaves the choice to ASP.NET Core's own settings (e.g. --urls).</summary>
    [Range(0, 65535, ErrorMessage = "Recommender:Server:Port must be between {1} and {2}.")]
    public int Port { get; set; } = 50051;

    /// <summary>Listen on every interface instead of loopback only.</summary>
    public bool ListenOnAllInterfaces { get; set; }
}
