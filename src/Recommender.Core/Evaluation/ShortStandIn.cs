using System.Text.RegularExpressions;
using Recommender.Core.Articles;

namespace Recommender.Core.Evaluation;

/// <summary>
/// The short-item stand-in of a corpus, by the rule of shared/tools/short-standin.py: each article
/// keeps its title and only the first sentence of its body (up to the first '.', '!' or '?'
/// followed by white space or the end; the first 200 characters where there is none). Wire briefs,
/// teasers and aggregator items look like this.
/// </summary>
public static partial class ShortStandIn
{
    /// <summary>Characters kept of a body with no sentence end (Unicode code points, as Python counts).</summary>
    private const int Fallback = 200;

    public static IReadOnlyList<ArticleLine> Of(IEnumerable<ArticleLine> corpus) =>
        corpus.Select(l => l with { Article = l.Article with { Body = FirstSentence(l.Article.Body) } }).ToList();

    public static string FirstSentence(string body)
    {
        body = body.Trim();
        var match = FirstSentencePattern().Match(body);
        return (match.Success ? match.Groups[1].Value : FirstCodePoints(body, Fallback)).Trim();
    }

    private static string FirstCodePoints(string text, int count)
    {
        var end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (count-- == 0)
            {
                break;
            }
            end += rune.Utf16SequenceLength;
        }
        return text[..end];
    }

    [GeneratedRegex(@"\A(.+?[.!?])(\s|\z)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex FirstSentencePattern();
}
