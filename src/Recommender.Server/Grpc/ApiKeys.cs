using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Recommender.Server.Configuration;

namespace Recommender.Server.Grpc;

/// <summary>
/// The configured API keys, checked against an "authorization: Bearer KEY" header through their
/// SHA-256 in constant time. Used for access decisions and to give a rate-limit bucket to a caller
/// only once its key is known to be valid.
/// </summary>
public sealed class ApiKeys(IOptions<AuthOptions> options)
{
    private readonly byte[][] _hashes = options.Value.ApiKeys.Where(k => k.Length > 0).Select(Hash).ToArray();

    public enum Outcome { Missing, Invalid, Valid }

    /// <summary>Whether any key is configured (otherwise every call is open).</summary>
    public bool Configured => _hashes.Length > 0;

    public bool ProtectReads { get; } = options.Value.ProtectReads;

    /// <summary>What the header presents, and which configured key (0-based) when it is valid.</summary>
    public (Outcome Outcome, int Key) Check(string? authorization)
    {
        if (authorization is null || authorization.Length <= 7 || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (Outcome.Missing, -1);
        }
        var presented = Hash(authorization[7..].Trim());
        var match = -1;
        for (var i = 0; i < _hashes.Length; i++)
        {
            // Every key is compared, whichever matches, so the time taken tells nothing.
            if (CryptographicOperations.FixedTimeEquals(presented, _hashes[i]))
            {
                match = i;
            }
        }
        return match >= 0 ? (Outcome.Valid, match) : (Outcome.Invalid, -1);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
