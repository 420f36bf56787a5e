using Recommender.Core.Errors;

namespace Recommender.Core.Articles;

/// <summary>
/// The checks of requests that are not one article (which <see cref="ArticleRules"/> checks): each
/// request is checked by one call here, where the engine receives it, before anything runs.
/// </summary>
public static class RequestRules
{
    /// <summary>Results of a title search that names no limit.</summary>
    public const int DefaultSearchResults = 10;

    /// <summary>A batch of ids (a delete): its size and every id.</summary>
    public static void ValidateIds(IReadOnlyList<string> ids, InputLimits limits, string field = "ids")
    {
        ArticleRules.ValidateBatchSize(ids.Count, field, limits);
        for (var i = 0; i < ids.Count; i++)
        {
            ArticleRules.ValidateId(ids[i], $"{field}[{i}]", limits);
        }
    }

    /// <summary>A draft to preview: some text, each field within its limit.</summary>
    public static void ValidateDraft(Draft draft, InputLimits limits)
    {
        var (title, body, language, section, tags) = (draft.Title, draft.Body, draft.Language, draft.Section, draft.Tags);
        if (string.IsNullOrWhiteSpace(title) && string.IsNullOrWhiteSpace(body))
        {
            throw new RequestValidationException("body", "title and body are both empty; a draft needs some text");
        }
        ArticleRules.ValidateText(title, "title", limits.MaxTitleLength, nameof(limits.MaxTitleLength), required: false, multiline: false);
        ArticleRules.ValidateText(body, "body", limits.MaxBodyLength, nameof(limits.MaxBodyLength), required: false, multiline: true);
        ArticleRules.ValidateText(language, "language", limits.MaxLanguageLength, nameof(limits.MaxLanguageLength), required: false, multiline: false);
        ArticleRules.ValidateText(section, "section", limits.MaxSectionLength, nameof(limits.MaxSectionLength), required: false, multiline: false);
        for (var i = 0; i < tags.Count; i++)
        {
            ArticleRules.ValidateText(tags[i], $"tags[{i}]", limits.MaxTagLength, nameof(limits.MaxTagLength), required: true, multiline: false);
        }
    }

    /// <summary>
    /// A title search: the words to find, how many results (0: <see cref="DefaultSearchResults"/>)
    /// and the page size (0: the limit). Returns the page size.
    /// </summary>
    public static int ValidateSearch(string text, int limit, int pageSize, InputLimits limits)
    {
        ArticleRules.ValidateText(text, "query", limits.MaxTitleLength, nameof(limits.MaxTitleLength), required: true, multiline: false);
        if (limit < 0 || limit > limits.MaxListLimit)
        {
            throw new RequestValidationException("limit", $"must be between 1 and {limits.MaxListLimit} (0 means {DefaultSearchResults})");
        }
        return PageToken.Size(pageSize, limit == 0 ? DefaultSearchResults : limit, limits.MaxListLimit);
    }

    /// <summary>Most articles in one page of ListArticles, and the size of a page that names none.</summary>
    public const int MaxListPageSize = 10_000;
    public const int DefaultListPageSize = 1_000;
}
