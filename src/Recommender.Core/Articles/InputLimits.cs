using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Articles;

/// <summary>
/// Limits on what a request may carry. Section "Recommender:Limits". Every refusal names the key
/// of the limit it hit, so an operator knows what to raise.
/// </summary>
public sealed class InputLimits : IValidatableObject
{
    public const string SectionName = "Recommender:Limits";

    /// <summary>The defaults, for clients that validate before sending.</summary>
    public static readonly InputLimits Default = new();

    [Range(1, 1024, ErrorMessage = "Recommender:Limits:MaxIdLength must be between {1} and {2}.")]
    public int MaxIdLength { get; set; } = 128;

    [Range(1, 100_000, ErrorMessage = "Recommender:Limits:MaxTitleLength must be between {1} and {2}.")]
    public int MaxTitleLength { get; set; } = 1_000;

    [Range(1, 10_000_000, ErrorMessage = "Recommender:Limits:MaxBodyLength must be between {1} and {2}.")]
    public int MaxBodyLength { get; set; } = 200_000;

    [Range(1, 100_000, ErrorMessage = "Recommender:Limits:MaxUrlLength must be between {1} and {2}.")]
    public int MaxUrlLength { get; set; } = 2_048;

    [Range(1, 10_000, ErrorMessage = "Recommender:Limits:MaxSectionLength must be between {1} and {2}.")]
    public int MaxSectionLength { get; set; } = 100;

    [Range(0, 10_000, ErrorMessage = "Recommender:Limits:MaxTags must be between {1} and {2}.")]
    public int MaxTags { get; set; } = 50;

    [Range(1, 10_000, ErrorMessage = "Recommender:Limits:MaxTagLength must be between {1} and {2}.")]
    public int MaxTagLength { get; set; } = 100;

    [Range(2, 100, ErrorMessage = "Recommender:Limits:MaxLanguageLength must be between {1} and {2}.")]
    public int MaxLanguageLength { get; set; } = 35;

    /// <summary>Articles (or ids) per upsert or delete request.</summary>
    [Range(1, 100_000, ErrorMessage = "Recommender:Limits:MaxBatchSize must be between {1} and {2}.")]
    public int MaxBatchSize { get; set; } = 1_000;

    /// <summary>Largest related-list limit a request may ask for.</summary>
    [Range(1, 1_000, ErrorMessage = "Recommender:Limits:MaxListLimit must be between {1} and {2}.")]
    public int MaxListLimit { get; set; } = 50;

    /// <summary>Entries in include_sections or exclude_ids.</summary>
    [Range(1, 100_000, ErrorMessage = "Recommender:Limits:MaxFilterEntries must be between {1} and {2}.")]
    public int MaxFilterEntries { get; set; } = 1_000;

    /// <summary>
    /// Largest request of every rpc but UpsertArticles (a draft, a list's filters, a batch of ids or
    /// feedback events), as sent and after decompression; larger is RESOURCE_EXHAUSTED, refused before
    /// it is read whole.
    /// </summary>
    [Range(1_024, 1_073_741_824, ErrorMessage = "Recommender:Limits:MaxRequestBytes must be between {1} and {2}.")]
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest UpsertArticles request (a batch of articles), as sent and after decompression.</summary>
    [Range(1_024, 1_073_741_824, ErrorMessage = "Recommender:Limits:MaxUpsertRequestBytes must be between {1} and {2}.")]
    public int MaxUpsertRequestBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Requests larger than <see cref="MaxRequestBytes"/> (imports) read at once; more are RESOURCE_EXHAUSTED, to retry.</summary>
    [Range(1, 1_000, ErrorMessage = "Recommender:Limits:MaxConcurrentLargeRequests must be between {1} and {2}.")]
    public int MaxConcurrentLargeRequests { get; set; } = 4;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A character takes one byte at least (three at most in UTF-8, outside the Latin scripts).
        if (MaxRequestBytes < (long)MaxTitleLength + MaxBodyLength)
        {
            yield return new ValidationResult(
                $"{SectionName}:MaxRequestBytes ({MaxRequestBytes}) cannot hold a draft of MaxTitleLength and MaxBodyLength characters; raise it to at least {3L * (MaxTitleLength + MaxBodyLength)}.");
        }
        if (MaxUpsertRequestBytes < MaxRequestBytes)
        {
            yield return new ValidationResult($"{SectionName}:MaxUpsertRequestBytes ({MaxUpsertRequestBytes}) must be at least MaxRequestBytes ({MaxRequestBytes}).");
        }
    }
}
