using Domain = Recommender.Core.Editorial;
using Google.Protobuf.WellKnownTypes;
using Recommender.Core.Errors;

namespace Recommender.Api.V1;

/// <summary>Editorial rules between the wire and the domain, for the server and the CLI alike.</summary>
public static class RuleMessages
{
    /// <summary>A rule as a client sent it (the server sets its id and creation time), fields named as in the request.</summary>
    public static Domain.EditorialRule ToDomain(EditorialRule rule, string prefix = "rule.")
    {
        DateTimeOffset? until = null;
        if (rule.Until is not null)
        {
            try
            {
                until = rule.Until.ToDateTimeOffset();
            }
            catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
            {
                throw new RequestValidationException(prefix + "until", "is not a valid timestamp");
            }
        }
        return new Domain.EditorialRule
        {
            Id = rule.Id,
            Action = (Domain.RuleAction)(int)rule.Action,
            ArticleId = rule.ArticleId,
            Section = rule.Section,
            Tag = rule.Tag,
            InListOf = rule.InListOf,
            UnderSection = rule.UnderSection,
            UnderTag = rule.UnderTag,
            Position = rule.Position,
            Until = until,
            Note = rule.Note,
            Created = rule.Created?.ToDateTimeOffset() ?? default,
        };
    }

    public static EditorialRule FromDomain(Domain.EditorialRule rule) => new()
    {
        Id = rule.Id,
        Action = (RuleAction)(int)rule.Action,
        ArticleId = rule.ArticleId,
        Section = rule.Section,
        Tag = rule.Tag,
        InListOf = rule.InListOf,
        UnderSection = rule.UnderSection,
        UnderTag = rule.UnderTag,
        Position = rule.Position,
        Until = rule.Until is { } until ? Timestamp.FromDateTimeOffset(until) : null,
        Note = rule.Note,
        Created = Timestamp.FromDateTimeOffset(rule.Created),
    };
}
