using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Recommender.Server.Configuration;

/// <summary>Where the service listens. Section "Recommender:Server".</summary>
public sealed class ServerOptions
{
    public const string SectionName = "Recommender:Server";

    /// <summary>gRPC port (HTTP/2 without TLS). 0 leaves the choice to ASP.NET Core's own settings (e.g. --urls).</summary>
    [Range(0, 65535, ErrorMessage = "Recommender:Server:Port must be between {1} and {2}.")]
    public int Port { get; set; } = 50051;

    /// <summary>
    /// HTTP/1.1 port for people, browsers and scrapers: the editors' page (/preview), the JSON routes
    /// (/v1/...), /healthz (liveness), /readyz (readiness) and /metrics (Prometheus). 0 leaves it closed.
    /// </summary>
    [Range(0, 65535, ErrorMessage = "Recommender:Server:HttpPort must be between {1} and {2}.")]
    public int HttpPort { get; set; } = 8080;

    /// <summary>Listen on every interface instead of loopback only.</summary>
    public bool ListenOnAllInterfaces { get; set; }

    /// <summary>
    /// Serve gRPC over TLS with this certificate: a PEM file (with <see cref="TlsKeyPath"/>) or a
    /// PKCS#12 (.pfx) file (with <see cref="TlsCertificatePassword"/> if it has one). Empty: plain HTTP/2.
    /// </summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key of the certificate.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>Password of a .pfx certificate.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>The certificate to serve, or null for plain HTTP/2; fails with the key to fix when it cannot be read.</summary>
    public X509Certificate2? LoadCertificate()
    {
        if (string.IsNullOrEmpty(TlsCertificatePath))
        {
            return null;
        }
        if (!File.Exists(TlsCertificatePath))
        {
            throw new InvalidOperationException($"{SectionName}:TlsCertificatePath '{TlsCertificatePath}' does not exist.");
        }
        try
        {
            return string.IsNullOrEmpty(TlsKeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(TlsCertificatePath, TlsCertificatePassword)
                : X509Certificate2.CreateFromPemFile(TlsCertificatePath, TlsKeyPath);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(
                $"{SectionName}:TlsCertificatePath '{TlsCertificatePath}' could not be loaded ({ex.Message}); check TlsKeyPath or TlsCertificatePassword.", ex);
        }
    }
}
