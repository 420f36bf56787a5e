using Recommender.Core.Articles;
using Recommender.Core.Errors;

namespace Recommender.Core.Feedback;

public enum FeedbackKind
{
    Impression = 1,
    Click = 2,
}

/// <summary>A suggestion shown or clicked, at a 1-based position of the list a recommendation id names.</summary>
public sealed record FeedbackEvent(string RecommendationId, FeedbackKind Kind, string ArticleId, int Position)
{
    public void Validate(string prefix, InputLimits limits)
    {
        if (RecommendationId.Length == 0 || RecommendationId.Length > RecommendationIds.MaxLength ||
            !RecommendationId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new RequestValidationException(prefix + "recommendation_id",
                RecommendationId.Length == 0 ? "is required" : "is not a recommendation id (RelatedResponse.recommendation_id)");
        }
        if (Kind is not (FeedbackKind.Impression or FeedbackKind.Click))
        {
            throw new RequestValidationException(prefix + "kind", "must be FEEDBACK_KIND_IMPRESSION or FEEDBACK_KIND_CLICK");
        }
        ArticleRules.ValidateId(ArticleId, prefix + "article_id", limits);
        if (Position < 1 || Position > limits.MaxListLimit)
        {
            throw new RequestValidationException(prefix + "position", $"must be between 1 and {limits.MaxListLimit}");
        }
    }
}
