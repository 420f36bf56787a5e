using Recommender.Core.Errors;
namespace Recommender.Core.Articles;

/// <summary>
/// What a valid article looks like. Shared by the server (every request, with its configured
/// <see cref="InputLimits"/>) and the CLI (every import line before anything is sent, with the
/// defaults), so both report the same problems the same way.
/// </summary>
public static class ArticleRules
{
    public const int MaxNamespaceLength = 64;

    /// <summary>Checks a namespace (a site's key prefix): 1-64 letters, digits, '.', '_' or '-'.</summary>
    public static void ValidateNamespace(string ns, string field = "namespace")
    {
        if (ns.Length is 0 or > MaxNamespaceLength || !ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new RequestValidationException(field, $"'{ns}' is not a namespace: use 1-{MaxNamespaceLength} letters, digits, '.', '_' or '-'");
        }
    }

    /// <summary>Checks one id; <paramref name="field"/> names it in the error.</summary>
    public static void ValidateId(string? id, string field, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        if (string.IsNullOrEmpty(id))
        {
            throw new RequestValidationException(field, "is required");
        }
        if (id.Length > limits.MaxIdLength)
        {
            throw new RequestValidationException(field, $"is longer than {limits.MaxIdLength} characters ({InputLimits.SectionName}:MaxIdLength)");
        }
        foreach (var c in id)
        {
            if (!IsIdChar(c))
            {
                throw new RequestValidationException(
                    field, $"contains '{Printable(c)}'; ids use letters, digits and . _ - : / @ ~");
            }
        }
    }

    /// <summary>Checks every field of one article; <paramref name="prefix"/> is its path, e.g. "articles[3]".</summary>
    public static void Validate(Article article, string prefix = "", InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        var p = prefix.Length == 0 ? "" : prefix + ".";
        ValidateId(article.Id, p + "id", limits);
        ValidateText(article.Title, p + "title", limits.MaxTitleLength, nameof(limits.MaxTitleLength), required: true, multiline: false);
        ValidateText(article.Body, p + "body", limits.MaxBodyLength, nameof(limits.MaxBodyLength), required: true, multiline: true);
        ValidateText(article.Url, p + "url", limits.MaxUrlLength, nameof(limits.MaxUrlLength), required: false, multiline: false);
        ValidateUrl(article.Url, p + "url");
        ValidateText(article.Section, p + "section", limits.MaxSectionLength, nameof(limits.MaxSectionLength), required: false, multiline: false);
        ValidateText(article.Language, p + "language", limits.MaxLanguageLength, nameof(limits.MaxLanguageLength), required: false, multiline: false);
        if (article.Tags.Count > limits.MaxTags)
        {
            throw new RequestValidationException(p + "tags", $"has more than {limits.MaxTags} tags ({InputLimits.SectionName}:MaxTags)");
        }
        for (var i = 0; i < article.Tags.Count; i++)
        {
            ValidateText(article.Tags[i], $"{p}tags[{i}]", limits.MaxTagLength, nameof(limits.MaxTagLength), required: true, multiline: false);
        }
    }

    /// <summary>
    /// A link is shown to readers as it is, so it may only be http(s) or a path on the site:
    /// "javascript:", "data:" and any other scheme are refused. A scheme is what stands before the
    /// first ':' when no '/', '?' or '#' comes earlier, as browsers read it (after leading spaces).
    /// Nor may it hold format characters (bidi controls, zero-width ones), which make a link read as another.
    /// </summary>
    public static void ValidateUrl(string url, string field)
    {
        if (TextNormalization.IndexOfFormatCharacter(url) is var at and >= 0)
        {
            throw new RequestValidationException(field,
                $"contains the invisible formatting character {Printable(url[at])} at position {at}; links may not hold bidi controls or zero-width characters, which can make a link read as another");
        }
        var link = url.TrimStart();
        var colon = link.IndexOf(':', StringComparison.Ordinal);
        var path = link.IndexOfAny(['/', '?', '#']);
        if (colon <= 0 || (path >= 0 && path < colon))
        {
            return; // no scheme: a path on the site
        }
        var scheme = link[..colon];
        if (!scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestValidationException(field,
                $"has the scheme '{(scheme.Length > 20 ? scheme[..20] + "…" : scheme)}:'; links must start with http:// or https:// (or be a path on the site, such as /sport/001)");
        }
    }

    /// <summary>Checks a batch: its size, each article, and that no id appears twice.</summary>
    public static void ValidateBatch(IReadOnlyList<Article> articles, InputLimits? limits = null, string field = "articles")
    {
        limits ??= InputLimits.Default;
        ValidateBatchSize(articles.Count, field, limits);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < articles.Count; i++)
        {
            Validate(articles[i], $"{field}[{i}]", limits);
            if (!seen.TryAdd(articles[i].Id, i))
            {
                throw new RequestValidationException(
                    $"{field}[{i}].id", $"'{articles[i].Id}' also appears at {field}[{seen[articles[i].Id]}]");
            }
        }
    }

    /// <summary>Checks the size of a batch of articles or ids.</summary>
    public static void ValidateBatchSize(int count, string field, InputLimits? limits = null)
    {
        limits ??= InputLimits.Default;
        if (count == 0)
        {
            throw new RequestValidationException(field, "is empty");
        }
        if (count > limits.MaxBatchSize)
        {
            throw new RequestValidationException(field, $"has {count} entries; at most {limits.MaxBatchSize} per request ({InputLimits.SectionName}:MaxBatchSize)");
        }
    }

    /// <summary>
    /// Checks free text: length, no control characters (line breaks and tabs only where
    /// multi-line), no unpaired surrogates. (Invalid UTF-8 never gets this far: the request's
    /// parser refuses it. U+FFFD is a valid character and real archives contain it.)
    /// </summary>
    public static void ValidateText(string? value, string field, int maxLength, string limitName, bool required, bool multiline)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                throw new RequestValidationException(field, "is required");
            }
            return;
        }
        if (value.Length > maxLength)
        {
            throw new RequestValidationException(field, $"is longer than {maxLength} characters ({InputLimits.SectionName}:{limitName})");
        }
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t') && !(!multiline && c == '\t'))
            {
                throw new RequestValidationException(field, $"contains the control character {Printable(c)} at position {i}");
            }
            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) &&
                !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1])))
            {
                throw new RequestValidationException(field, $"contains an unpaired surrogate at position {i} (invalid UTF-16)");
            }
        }
    }

    private static bool IsIdChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/' or '@' or '~';

    private static string Printable(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format
            ? $"U+{(int)c:X4}" : c.ToString();
}
