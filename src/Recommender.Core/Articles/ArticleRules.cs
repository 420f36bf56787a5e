namespace Recommender.Core.Articles;

/// <summary>
/// What a valid article looks like. Shared by the server (every request) and the CLI (every
/// import line, before anything is sent), so both report the same problems the same way.
/// </summary>
public static class ArticleRules
{
    public const int MaxIdLength = 128;
    public const int MaxTitleLength = 1_000;
    public const int MaxBodyLength = 200_000;
    public const int MaxUrlLength = 2_048;
    public const int MaxSectionLength = 100;
    public const int MaxTags = 50;
    public const int MaxTagLength = 100;
    public const int MaxLanguageLength = 35;
    public const int MaxBatchSize = 1_000;

    public const int MaxNamespaceLength = 64;

    /// <summary>Checks a namespace (a site's key prefix): 1-64 letters, digits, '.', '_' or '-'.</summary>
    public static void ValidateNamespace(string ns, string field = "namespace")
    {
        if (ns.Length is 0 or > MaxNamespaceLength || !ns.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArticleValidationException(field, $"'{ns}' is not a namespace: use 1-{MaxNamespaceLength} letters, digits, '.', '_' or '-'");
        }
    }

    /// <summary>Checks one id; <paramref name="field"/> names it in the error.</summary>
    public static void ValidateId(string? id, string field)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw new ArticleValidationException(field, "is required");
        }
        if (id.Length > MaxIdLength)
        {
            throw new ArticleValidationException(field, $"is longer than {MaxIdLength} characters");
        }
        foreach (var c in id)
        {
            if (!IsIdChar(c))
            {
                throw new ArticleValidationException(
                    field, $"contains '{Printable(c)}'; ids use letters, digits and . _ - : / @ ~");
            }
        }
    }

    /// <summary>Checks every field of one article; <paramref name="prefix"/> is its path, e.g. "articles[3]".</summary>
    public static void Validate(Article article, string prefix = "")
    {
        var p = prefix.Length == 0 ? "" : prefix + ".";
        ValidateId(article.Id, p + "id");
        ValidateText(article.Title, p + "title", MaxTitleLength, required: true, multiline: false);
        ValidateText(article.Body, p + "body", MaxBodyLength, required: true, multiline: true);
        ValidateText(article.Url, p + "url", MaxUrlLength, required: false, multiline: false);
        ValidateText(article.Section, p + "section", MaxSectionLength, required: false, multiline: false);
        ValidateText(article.Language, p + "language", MaxLanguageLength, required: false, multiline: false);
        if (article.Tags.Count > MaxTags)
        {
            throw new ArticleValidationException(p + "tags", $"has more than {MaxTags} tags");
        }
        for (var i = 0; i < article.Tags.Count; i++)
        {
            ValidateText(article.Tags[i], $"{p}tags[{i}]", MaxTagLength, required: true, multiline: false);
        }
    }

    /// <summary>Checks a batch: its size, each article, and that no id appears twice.</summary>
    public static void ValidateBatch(IReadOnlyList<Article> articles, string field = "articles")
    {
        if (articles.Count == 0)
        {
            throw new ArticleValidationException(field, "is empty");
        }
        if (articles.Count > MaxBatchSize)
        {
            throw new ArticleValidationException(field, $"has {articles.Count} articles; at most {MaxBatchSize} per request");
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < articles.Count; i++)
        {
            Validate(articles[i], $"{field}[{i}]");
            if (!seen.TryAdd(articles[i].Id, i))
            {
                throw new ArticleValidationException(
                    $"{field}[{i}].id", $"'{articles[i].Id}' also appears at {field}[{seen[articles[i].Id]}]");
            }
        }
    }

    /// <summary>Checks free text: length, and no control characters (line breaks and tabs only where multi-line).</summary>
    public static void ValidateText(string? value, string field, int maxLength, bool required, bool multiline)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                throw new ArticleValidationException(field, "is required");
            }
            return;
        }
        if (value.Length > maxLength)
        {
            throw new ArticleValidationException(field, $"is longer than {maxLength} characters");
        }
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t') && !(!multiline && c == '\t'))
            {
                throw new ArticleValidationException(field, $"contains the control character {Printable(c)} at position {i}");
            }
            if (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) &&
                !(char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(value[i - 1])))
            {
                throw new ArticleValidationException(field, $"contains an unpaired surrogate at position {i} (invalid UTF-16)");
            }
        }
    }

    private static bool IsIdChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/' or '@' or '~';

    private static string Printable(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();
}
