using System.Globalization;
using System.Text.Json;
using Recommender.Core.Errors;

namespace Recommender.Core.Articles;

/// <summary>One parsed import line: the article, and the evaluation labels (the section when absent).</summary>
public sealed record ArticleLine(int LineNumber, Article Article, IReadOnlyList<string> Labels);

/// <summary>A line that cannot be imported, and why.</summary>
public sealed record LineError(int LineNumber, string Message)
{
    public override string ToString() => $"line {LineNumber}: {Message}";
}

/// <summary>
/// The import format (JSON Lines, one article per line): <c>id</c>, <c>title</c> and <c>body</c>
/// are required; <c>section</c>, <c>url</c>, <c>published</c> (ISO 8601), <c>language</c>,
/// <c>tags</c> and <c>labels</c> are optional; unknown fields are ignored; blank lines are skipped.
/// </summary>
public static class ArticleJsonLines
{
    /// <summary>Parses and validates every line, collecting every error instead of stopping at the first.</summary>
    public static (IReadOnlyList<ArticleLine> Articles, IReadOnlyList<LineError> Errors) ParseAll(IEnumerable<string> lines)
    {
        var articles = new List<ArticleLine>();
        var errors = new List<LineError>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            if (!TryParse(line, number, out var parsed, out var error))
            {
                errors.Add(error);
            }
            else if (!firstLineOfId.TryAdd(parsed.Article.Id, number))
            {
                errors.Add(new LineError(number, $"id '{parsed.Article.Id}' already appears on line {firstLineOfId[parsed.Article.Id]}"));
            }
            else
            {
                articles.Add(parsed);
            }
        }
        return (articles, errors);
    }

    /// <summary>One article as an import line (the inverse of <see cref="TryParse"/>).</summary>
    public static string Format(ArticleLine line)
    {
        var a = line.Article;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = a.Id,
            ["title"] = a.Title,
            ["body"] = a.Body,
            ["section"] = a.Section,
            ["labels"] = line.Labels,
            ["url"] = a.Url,
            ["published"] = a.Published?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["language"] = a.Language,
            ["tags"] = a.Tags,
        });
    }

    /// <summary>Parses and validates one line.</summary>
    public static bool TryParse(string line, int lineNumber, out ArticleLine article, out LineError error)
    {
        article = null!;
        error = null!;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new LineError(lineNumber, "is not a JSON object");
                return false;
            }
            var section = OptionalString(root, "section");
            var parsed = TextNormalization.Normalize(new Article(
                Id: RequiredString(root, "id"),
                Title: RequiredString(root, "title"),
                Body: RequiredString(root, "body"),
                Url: OptionalString(root, "url"),
                Section: section,
                Tags: StringArray(root, "tags"),
                Language: OptionalString(root, "language"),
                Published: OptionalTime(root, "published")));
            ArticleRules.Validate(parsed);
            var labels = StringArray(root, "labels");
            article = new ArticleLine(lineNumber, parsed, labels.Count > 0 ? labels : section.Length > 0 ? [section] : []);
            return true;
        }
        catch (JsonException ex)
        {
            error = new LineError(lineNumber, $"is not valid JSON ({ex.Message.Split([" Path:", " LineNumber:"], StringSplitOptions.None)[0].TrimEnd('.', ' ')})");
        }
        catch (FormatException ex)
        {
            error = new LineError(lineNumber, ex.Message);
        }
        catch (InvalidOperationException)
        {
            error = new LineError(lineNumber, "holds an unpaired surrogate (an escape such as \\ud800 without its pair): not valid Unicode text");
        }
        catch (RequestValidationException ex)
        {
            error = new LineError(lineNumber, $"{ex.Field} {ex.Description}");
        }
        return false;
    }

    private static string RequiredString(JsonElement root, string name)
    {
        var value = OptionalString(root, name);
        return value.Length > 0 ? value : throw new FormatException($"{name} is required");
    }

    private static string OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return "";
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{name} must be a string, not {Kind(value)}");
    }

    private static IReadOnlyList<string> StringArray(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw new FormatException($"{name} must be an array of strings");
        }
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static DateTimeOffset? OptionalTime(JsonElement root, string name)
    {
        var text = OptionalString(root, name);
        if (text.Length == 0)
        {
            return null;
        }
        return Rfc3339.TryParse(text, out var time) ? time : throw new FormatException($"{name} {Rfc3339.Problem(text)}");
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };
}
