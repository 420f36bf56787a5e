using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Recommender.Api.V1;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Recommender.Cli.Commands;

/// <summary>
/// A command that talks to the service: opens one channel, runs, and turns gRPC failures into a
/// one-line error on standard error and exit code 1 (2 for a call the service rejected as invalid).
/// </summary>
public abstract class ClientCommand<TSettings> : AsyncCommand<TSettings>
    where TSettings : ClientSettings
{
    public override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(settings.ServerUrl, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https" or "dns"))
        {
            return Fail($"--server '{settings.ServerUrl}' is not an http://, https:// or dns:/// address.", ExitCodes.UsageError);
        }
        if (settings.CaCertificateFile is { } caFile && !File.Exists(caFile))
        {
            return Fail($"--ca-cert '{caFile}' does not exist.", ExitCodes.UsageError);
        }
        using var channel = OpenChannel(address, settings);
        var client = new RecommenderService.RecommenderServiceClient(channel);
        try
        {
            return await RunAsync(client, settings, cancellationToken);
        }
        catch (RpcException ex)
        {
            return Fail(Describe(ex, address), ExitCodes.Of(ex.StatusCode));
        }
    }

    /// <summary>
    /// A channel to <paramref name="address"/> with the settings' API key and CA certificate. A
    /// dns:///host:port address is resolved to every address the name has, and calls are spread
    /// over them round robin (client-side load balancing over replicas); it is plaintext unless a
    /// CA certificate is given.
    /// </summary>
    protected static GrpcChannel OpenChannel(Uri address, ClientSettings settings)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (settings.CaCertificateFile is { } caFile)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = TrustingOnly(X509Certificate2.CreateFromPem(File.ReadAllText(caFile)));
        }
        var options = new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = settings.ApiKeyValue is { } key ? new BearerHandler(key) { InnerHandler = handler } : handler,
        };
        if (address.Scheme == "dns")
        {
            options.Credentials = settings.CaCertificateFile is null ? ChannelCredentials.Insecure : ChannelCredentials.SecureSsl;
            options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        }
        return GrpcChannel.ForAddress(address, options);
    }

    protected abstract Task<int> RunAsync(RecommenderService.RecommenderServiceClient client, TSettings settings, CancellationToken cancellationToken);

    /// <summary>Prints what is no rpc's answer as one line of JSON, named as the API names things.</summary>
    protected static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, ApiJson.SerializerOptions));

    /// <summary>Prints an rpc's answer as one line of the JSON its route answers with.</summary>
    protected static void WriteMessage(Google.Protobuf.IMessage message) => Console.Out.WriteLine(ApiJson.Format(message));

    protected static int Fail(string message, int exitCode = ExitCodes.Failed)
    {
        Console.Error.WriteLine("error: " + message);
        return exitCode;
    }

    /// <summary>A status as an editor can act on it: what failed and, for bad input, which field.</summary>
    protected static string Describe(RpcException ex, Uri address)
    {
        if (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is not null)
        {
            return $"cannot reach the service at {address} ({ex.Status.DebugException.Message}). Is it running? Set --server or ${ClientSettings.ServerVariable}.";
        }
        var fields = ex.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations;
        var detail = fields is { Count: > 0 }
            ? string.Join("; ", fields.Select(f => $"{f.Field}: {f.Description}"))
            : ex.Status.Detail;
        return $"{ex.StatusCode}: {detail}";
    }

    /// <summary>Accepts a server certificate that chains to <paramref name="authority"/> (and only to it).</summary>
    private static RemoteCertificateValidationCallback TrustingOnly(X509Certificate2 authority) => (_, certificate, _, errors) =>
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    };

    /// <summary>Sends the API key as "authorization: Bearer KEY" on every call.</summary>
    private sealed class BearerHandler(string key) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
