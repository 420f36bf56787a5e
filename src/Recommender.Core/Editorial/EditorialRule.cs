using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Editorial;

public enum RuleAction
{
    Pin = 1,
    Block = 2,
}

/// <summary>
/// An editor's override of the ranking. The subject (what is pinned or blocked) is one article,
/// section or tag; the scope (where) is every list, the list of one article, or the lists of
/// articles in a section or with a tag. A pin names one article and one list, and a position.
/// Sections and tags compare case-insensitively, ids exactly.
/// </summary>
public sealed record EditorialRule
{
    public required string Id { get; init; }
    public required RuleAction Action { get; init; }
    public string ArticleId { get; init; } = "";
    public string Section { get; init; } = "";
    public string Tag { get; init; } = "";
    public string InListOf { get; init; } = "";
    public string UnderSection { get; init; } = "";
    public string UnderTag { get; init; } = "";
    /// <summary>A pin's 1-based position.</summary>
    public int Position { get; init; }
    public DateTimeOffset? Until { get; init; }
    public string Note { get; init; } = "";
    public DateTimeOffset Created { get; init; }

    /// <summary>The client's id of the AddRule request that added it (empty when none was sent): a retry with it returns this rule.</summary>
    public string RequestId { get; init; } = "";

    public const int MaxRequestIdLength = 128;

    /// <summary>Whether the two rules say the same thing (everything but id, creation time and request id).</summary>
    public bool SameAs(EditorialRule other) =>
        this with { Id = "", Created = default, RequestId = "" } == other with { Id = "", Created = default, RequestId = "" };

    public const int MaxNoteLength = 1_000;

    /// <summary>Applies at <paramref name="now"/>: not yet expired.</summary>
    public bool IsActive(DateTimeOffset now) => Until is null || Until > now;

    /// <summary>Whether the rule concerns the list of <paramref name="self"/> (a stored article, or a draft without id).</summary>
    public bool AppliesToListOf(ArticleInfo self) =>
        InListOf.Length > 0 ? InListOf == self.Id :
        UnderSection.Length > 0 ? string.Equals(UnderSection, self.Section, StringComparison.OrdinalIgnoreCase) :
        UnderTag.Length > 0 ? HasTag(self, UnderTag) :
        true;

    /// <summary>Whether <paramref name="candidate"/> is what the rule pins or blocks.</summary>
    public bool Matches(ArticleInfo candidate) =>
        ArticleId.Length > 0 ? ArticleId == candidate.Id :
        Section.Length > 0 ? string.Equals(Section, candidate.Section, StringComparison.OrdinalIgnoreCase) :
        HasTag(candidate, Tag);

    /// <summary>One line for people: "pin a-2 at position 1 in the list of a-1 until …".</summary>
    public string Describe()
    {
        var subject = ArticleId.Length > 0 ? $"article {ArticleId}" : Section.Length > 0 ? $"section '{Section}'" : $"tag '{Tag}'";
        var scope = InListOf.Length > 0 ? $"in the list of {InListOf}" :
            UnderSection.Length > 0 ? $"under section '{UnderSection}'" :
            UnderTag.Length > 0 ? $"under tag '{UnderTag}'" : "everywhere";
        var text = Action == RuleAction.Pin
            ? $"pin {subject} at position {Position} {scope}"
            : $"block {subject} {scope}";
        return Until is { } until ? $"{text} until {until.UtcDateTime:yyyy-MM-dd HH:mm}Z" : text;
    }

    /// <summary>
    /// Checks a rule as a client sent it (its id and creation time are the server's to set), naming
    /// fields as <paramref name="prefix"/> + the proto field name.
    /// </summary>
    public void Validate(InputLimits limits, DateTimeOffset now, string prefix = "rule.")
    {
        if (Action is not (RuleAction.Pin or RuleAction.Block))
        {
            throw new RequestValidationException(prefix + "action", "must be RULE_ACTION_PIN or RULE_ACTION_BLOCK");
        }
        var subjects = new[] { ArticleId, Section, Tag }.Count(s => s.Length > 0);
        if (subjects != 1)
        {
            throw new RequestValidationException(prefix + "article_id",
                subjects == 0 ? "a rule needs what it pins or blocks: one of article_id, section, tag" : "give only one of article_id, section, tag");
        }
        if (new[] { InListOf, UnderSection, UnderTag }.Count(s => s.Length > 0) > 1)
        {
            throw new RequestValidationException(prefix + "in_list_of", "give at most one of in_list_of, under_section, under_tag");
        }
        if (ArticleId.Length > 0)
        {
            ArticleRules.ValidateId(ArticleId, prefix + "article_id", limits);
        }
        if (InListOf.Length > 0)
        {
            ArticleRules.ValidateId(InListOf, prefix + "in_list_of", limits);
        }
        ArticleRules.ValidateText(Section, prefix + "section", limits.MaxSectionLength, nameof(limits.MaxSectionLength), required: false, multiline: false);
        ArticleRules.ValidateText(UnderSection, prefix + "under_section", limits.MaxSectionLength, nameof(limits.MaxSectionLength), required: false, multiline: false);
        ArticleRules.ValidateText(Tag, prefix + "tag", limits.MaxTagLength, nameof(limits.MaxTagLength), required: false, multiline: false);
        ArticleRules.ValidateText(UnderTag, prefix + "under_tag", limits.MaxTagLength, nameof(limits.MaxTagLength), required: false, multiline: false);
        ArticleRules.ValidateText(Note, prefix + "note", MaxNoteLength, "(fixed)", required: false, multiline: true);
        if (Action == RuleAction.Pin)
        {
            if (ArticleId.Length == 0)
            {
                throw new RequestValidationException(prefix + "article_id", "a pin needs the article to pin");
            }
            if (InListOf.Length == 0)
            {
                throw new RequestValidationException(prefix + "in_list_of", "a pin needs the article whose list it goes into");
            }
            if (InListOf == ArticleId)
            {
                throw new RequestValidationException(prefix + "article_id", "an article cannot be pinned into its own list");
            }
            if (Position < 1 || Position > limits.MaxListLimit)
            {
                throw new RequestValidationException(prefix + "position", $"must be between 1 and {limits.MaxListLimit}");
            }
        }
        else if (Position != 0)
        {
            throw new RequestValidationException(prefix + "position", "only a pin has a position");
        }
        if (Until is { } until && until <= now)
        {
            throw new RequestValidationException(prefix + "until", "is in the past");
        }
    }

    private static bool HasTag(ArticleInfo article, string tag)
    {
        foreach (var t in article.Tags)
        {
            if (string.Equals(t, tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
