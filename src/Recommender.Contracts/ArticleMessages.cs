using Google.Protobuf.WellKnownTypes;

namespace Recommender.Api.V1;

/// <summary>Domain articles as wire messages, for clients that validated them with the shared rules.</summary>
public static class ArticleMessages
{
    public static Article FromDomain(Core.Articles.Article a)
    {
        var article = new Article
        {
            Id = a.Id,
            Title = a.Title,
            Body = a.Body,
            Url = a.Url,
            Section = a.Section,
            Language = a.Language,
            Published = a.Published is { } p ? Timestamp.FromDateTimeOffset(p) : null,
        };
        article.Tags.AddRange(a.Tags);
        return article;
    }
}
