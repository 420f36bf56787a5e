using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Recommender.Api.V1;
using Recommender.IntegrationTests.Infrastructure;

namespace Recommender.IntegrationTests;

/// <summary>gRPC over TLS with a self-signed certificate made for the test.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("recommender-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task WithACertificate_ClientsThatTrustItConnect_PlainTextAndUntrustingClientsDoNot()
    {
        var (certificatePath, keyPath, certificate) = MakeSelfSigned();
        var trusting = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString() },
        };
        using var host = await new ServiceHost(StoreSetup.NewEmbedded(), kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Recommender:Server:TlsCertificatePath"] = certificatePath,
            ["Recommender:Server:TlsKeyPath"] = keyPath,
        }, clientHandler: trusting).StartAsync();

        var stats = await host.Client.GetStatsAsync(new GetStatsRequest());
        using var plain = GrpcChannel.ForAddress(new UriBuilder(host.Address!) { Scheme = "http" }.Uri);
        var plainText = await Assert.ThrowsAsync<RpcException>(() => new RecommenderService.RecommenderServiceClient(plain).GetStatsAsync(new GetStatsRequest()).ResponseAsync);
        using var untrusting = GrpcChannel.ForAddress(host.Address!);
        var untrusted = await Assert.ThrowsAsync<RpcException>(() => new RecommenderService.RecommenderServiceClient(untrusting).GetStatsAsync(new GetStatsRequest()).ResponseAsync);
        var cli = await CliProcess.RunAsync(host.Address!, null, "stats", "--json", "--ca-cert", certificatePath);
        var cliUntrusting = await CliProcess.RunAsync(host.Address!, null, "stats", "--json");

        Assert.Equal("embedded", stats.Store);
        Assert.NotEqual(StatusCode.OK, plainText.StatusCode); // the client sees a protocol error, not an answer
        Assert.NotEqual(StatusCode.OK, untrusted.StatusCode);
        Assert.Contains("SSL", untrusted.Status.DebugException?.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.True(cli.ExitCode == 0, $"exit {cli.ExitCode}: {cli.Stderr} {cli.Stdout}");
        Assert.Contains("\"articles\":0", cli.Stdout);
        Assert.Equal(1, cliUntrusting.ExitCode); // failed: an untrusted certificate is no reason to try again
    }

    private (string CertificatePath, string KeyPath, X509Certificate2 Certificate) MakeSelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_dir, "server.crt");
        var keyPath = Path.Combine(_dir, "server.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate);
    }
}
