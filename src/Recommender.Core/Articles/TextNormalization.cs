using System.Buffers;
using System.Globalization;
using System.Text;

namespace Recommender.Core.Articles;

/// <summary>
/// What is done to text before it is checked and stored, the same for the API and the CLI's import:
/// <list type="bullet">
/// <item>free text (titles, bodies, drafts) keeps what was written, except C0 and C1 control
/// characters other than line breaks and tabs (a DEL or a NUL a CMS export carries inside running
/// text), which are removed;</item>
/// <item>what is matched (sections, tags, in articles, filters and rules) is also put in Unicode
/// normalization form C and loses its format characters (zero-width spaces and joiners, bidi
/// controls), so that <c>sport</c> followed by U+200B is <c>sport</c> for section filters and rules.</item>
/// </list>
/// </summary>
public static class TextNormalization
{
    /// <summary>C0 and C1 controls other than tab, line feed and carriage return.</summary>
    private static readonly SearchValues<char> Stray = SearchValues.Create(
        Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c).Where(c => c is not ('\n' or '\r' or '\t')).ToArray());

    /// <summary>Free text without stray control characters (line breaks and tabs kept).</summary>
    public static string StripControls(string value)
    {
        if (!value.AsSpan().ContainsAny(Stray))
        {
            return value; // the usual case, found with one vectorized scan
        }
        var kept = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!Stray.Contains(c))
            {
                kept.Append(c);
            }
        }
        return kept.ToString();
    }

    /// <summary>A section or tag as it is matched: controls and format characters removed, NFC, trimmed.</summary>
    public static string Label(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }
        var kept = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!char.IsControl(c) && CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format)
            {
                kept.Append(c);
            }
        }
        var text = kept.ToString().Trim();
        return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
    }

    /// <summary>The first format character (zero-width, bidi control) in <paramref name="value"/>, as its index; -1 when none.</summary>
    public static int IndexOfFormatCharacter(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(value[i]) == UnicodeCategory.Format)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>A draft with its title and body stripped of stray controls, its section and tags as they are matched.</summary>
    public static Draft Normalize(Draft draft) => draft with
    {
        Title = StripControls(draft.Title),
        Body = StripControls(draft.Body),
        Section = Label(draft.Section),
        Tags = draft.Tags.Select(Label).ToList(),
    };

    /// <summary>An article with its title and body stripped of stray controls, its section and tags as they are matched.</summary>
    public static Article Normalize(Article article) => article with
    {
        Title = StripControls(article.Title),
        Body = StripControls(article.Body),
        Section = Label(article.Section),
        Tags = article.Tags.Select(Label).ToList(),
    };
}
