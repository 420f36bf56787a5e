using System.ComponentModel.DataAnnotations;

namespace Recommender.Server.Configuration;

/// <summary>
/// The site namespace of requests that name none: <c>Recommender:Namespace</c>. It prefixes the
/// keys of whichever store serves (embedded or Redis). The former key,
/// <c>Recommender:Redis:Namespace</c>, is still read when the new one is absent, with a warning at start.
/// </summary>
public sealed class NamespaceOptions
{
    public const string Key = "Recommender:Namespace";
    public const string FormerKey = "Recommender:Redis:Namespace";

    [Required(ErrorMessage = Key + " is required.")]
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$", ErrorMessage = Key + " must be 1-64 letters, digits, '.', '_' or '-'.")]
    public string Default { get; set; } = "default";

    /// <summary>Whether <see cref="Default"/> came from <see cref="FormerKey"/>.</summary>
    public bool FromFormerKey { get; set; }

    /// <summary>Reads the setting from <paramref name="configuration"/>: the new key, else the former one, else "default".</summary>
    public void Read(IConfiguration configuration)
    {
        var current = configuration[Key];
        var former = configuration[FormerKey];
        FromFormerKey = current is null && former is not null;
        Default = current ?? former ?? Default;
    }
}
