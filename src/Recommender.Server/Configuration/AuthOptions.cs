namespace Recommender.Server.Configuration;

/// <summary>Who may call. Section "Recommender:Auth".</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Recommender:Auth";

    /// <summary>
    /// API keys accepted as "authorization: Bearer KEY". When any is set, writes (upsert, delete,
    /// retrain, namespace deletion) need one. Environment form: Recommender__Auth__ApiKeys__0=KEY.
    /// </summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>Require a key for reads (lists, previews, stats) as well.</summary>
    public bool ProtectReads { get; set; }
}
