using System.ComponentModel;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>Options every command takes.</summary>
public class ClientSettings : CommandSettings
{
    public const string ServerVariable = "RECOMMENDER_SERVER";
    public const string DefaultServer = "http://localhost:50051";
    public const string NamespaceVariable = "RECOMMENDER_NAMESPACE";
    public const string ApiKeyVariable = "RECOMMENDER_API_KEY";
    public const string CaCertificateVariable = "RECOMMENDER_CA_CERT";

    [CommandOption("--server <URL>")]
    [Description("Address of the service: http://host:port, https://host:port, or dns:///name:port to spread calls round robin over every address the name resolves to (default: $" + ServerVariable + ", else " + DefaultServer + ").")]
    public string? Server { get; init; }

    [CommandOption("--namespace <NAME>")]
    [Description("Site namespace to work in (default: $" + NamespaceVariable + ", else the server's default).")]
    public string? Namespace { get; init; }

    [CommandOption("--api-key <KEY>")]
    [Description("API key for protected calls (default: $" + ApiKeyVariable + ").")]
    public string? ApiKey { get; init; }

    [CommandOption("--ca-cert <FILE>")]
    [Description("PEM certificate to trust for an https:// server, e.g. a self-signed one (default: $" + CaCertificateVariable + ").")]
    public string? CaCertificate { get; init; }

    [CommandOption("--json")]
    [Description("Print JSON for machines instead of text for people.")]
    public bool Json { get; init; }

    /// <summary>The API key to send, if any.</summary>
    public string? ApiKeyValue => ApiKey ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null);

    /// <summary>The extra certificate authority to trust, if any.</summary>
    public string? CaCertificateFile => CaCertificate ?? (Environment.GetEnvironmentVariable(CaCertificateVariable) is { Length: > 0 } file ? file : null);

    /// <summary>The namespace to send; empty means the server's default.</summary>
    public string NamespaceName => Namespace ?? Environment.GetEnvironmentVariable(NamespaceVariable) ?? "";

    public string ServerUrl =>
        Server ?? (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } env ? env : DefaultServer);
}
