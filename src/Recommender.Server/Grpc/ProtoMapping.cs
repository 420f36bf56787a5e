using Google.Protobuf.WellKnownTypes;
using Recommender.Core.Articles;
using Recommender.Core.Editorial;
using Recommender.Core.Errors;
using Recommender.Core.Feedback;
using Recommender.Core.Ranking;
using Recommender.Core.Storage;
using Recommender.Engine;
using Recommender.Engine.Changes;
using V1 = Recommender.Api.V1;

namespace Recommender.Server.Grpc;

/// <summary>Maps between the wire contract and the domain, naming fields the way the client sent them.</summary>
internal static class ProtoMapping
{
    public static IReadOnlyList<Article> ToArticles(IList<V1.Article> articles) =>
        articles.Select((a, i) => new Article(
            a.Id, a.Title, a.Body, a.Url, a.Section, [.. a.Tags], a.Language,
            ToTime(a.Published, $"articles[{i}].published"))).ToList();

    /// <summary>A list's options as the request gave them; the engine validates them.</summary>
    public static ListOptions ToOptions(V1.RelatedOptions? options)
    {
        options ??= new V1.RelatedOptions();
        return new ListOptions(
            options.Limit, [.. options.IncludeSections], [.. options.ExcludeIds],
            ToTime(options.PublishedAfter, "options.published_after"),
            options.ExcludeLater,
            ToDuration(options.FreshnessHalfLife, "options.freshness_half_life"),
            options.HasDiversity ? options.Diversity : null,
            options.Explain,
            options.HasMinScore ? options.MinScore : null);
    }

    /// <summary>The articles a list for several is for, and away from; null for a list for one article (<c>id</c>).</summary>
    public static HistoryOptions? ToHistory(V1.GetRelatedRequest request)
    {
        if (request.Like.Count == 0 && request.Unlike.Count == 0)
        {
            return null;
        }
        if (request.Id.Length > 0)
        {
            throw new RequestValidationException("like", "give either id (one article) or like (several), not both");
        }
        return new HistoryOptions(
            [.. request.Like.Select(l => new LikedArticle(l.Id, l.Weight))], [.. request.Unlike],
            request.Strategy == V1.HistoryStrategy.Fusion ? HistoryStrategy.Fusion : HistoryStrategy.Centroid,
            request.RecencyDecay);
    }

    public static V1.RelatedResponse ToResponse(RelatedList list)
    {
        var response = new V1.RelatedResponse { ModelVersion = list.ModelVersion, Stale = list.Stale, RecommendationId = list.RecommendationId, UnknownIds = { list.UnknownIds } };
        foreach (var item in list.Items)
        {
            var a = item.Article;
            response.Items.Add(new V1.RelatedItem
            {
                Id = a.Id,
                Title = a.Title,
                Url = a.Url,
                Section = a.Section,
                Published = a.Published is { } p ? Timestamp.FromDateTimeOffset(p) : null,
                Score = item.Score,
                Why = item.Terms is null ? null : ToWhy(item),
                BasedOn = { item.BasedOn },
            });
        }
        return response;
    }

    private static V1.Why ToWhy(RelatedItem item)
    {
        var why = new V1.Why
        {
            Similarity = item.Similarity,
            Freshness = item.Freshness,
            LanguageFactor = item.LanguageFactor,
            DiversityPenalty = item.DiversityPenalty,
            EditorialRule = item.EditorialRule ?? "",
        };
        why.Terms.AddRange(item.Terms!.Select(t => new V1.SharedTerm { Term = t.Term, Weight = t.Weight }));
        return why;
    }

    public static V1.ModelInfo ToProto(Core.Abstractions.ModelInfo info) => new()
    {
        Version = info.Version,
        FittedAt = Timestamp.FromDateTimeOffset(info.FittedAt),
        FittedOnArticles = info.FittedOnArticles,
        Dimensions = info.Dimensions,
        FitSeconds = info.FitSeconds,
        Description = info.Description,
    };

    public static V1.CorpusStats ToProto(CorpusStats corpus)
    {
        var stats = new V1.CorpusStats { Articles = corpus.Articles };
        stats.Sections.Add(corpus.Sections.ToDictionary(s => s.Key, s => s.Value));
        return stats;
    }

    public static V1.ArticleSummary ToSummary(ArticleInfo a) => new()
    {
        Id = a.Id,
        Title = a.Title,
        Url = a.Url,
        Section = a.Section,
        Published = a.Published is { } p ? Timestamp.FromDateTimeOffset(p) : null,
    };

    /// <summary>A rule as a client sent it; its id and creation time are left for the server to set.</summary>
    public static EditorialRule ToRule(V1.EditorialRule? rule) =>
        rule is null ? throw new RequestValidationException("rule", "is required") : V1.RuleMessages.ToDomain(rule) with { Id = "", Created = default };

    public static V1.EditorialRule ToProto(EditorialRule rule) => V1.RuleMessages.FromDomain(rule);

    public static Timestamp? ToTimestamp(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    public static V1.StoredArticle ToProto(CatalogEntry entry) => new()
    {
        Article = V1.ArticleMessages.FromDomain(entry.Article),
        UpdateTime = ToTimestamp(entry.Updated),
    };

    public static V1.ChangeEvent ToProto(EngineChange change)
    {
        var proto = new V1.ChangeEvent
        {
            Namespace = change.Namespace,
            Kind = change.Kind switch
            {
                ChangeKind.ArticlesWritten => V1.ChangeKind.ArticlesWritten,
                ChangeKind.ArticlesDeleted => V1.ChangeKind.ArticlesDeleted,
                ChangeKind.ModelChanged => V1.ChangeKind.ModelChanged,
                ChangeKind.RulesChanged => V1.ChangeKind.RulesChanged,
                _ => V1.ChangeKind.Unspecified,
            },
            ModelVersion = change.ModelVersion,
            Time = Timestamp.FromDateTimeOffset(change.Time),
        };
        proto.Ids.AddRange(change.Ids);
        return proto;
    }

    /// <summary>
    /// The namespace feedback is for: the one the request names, else the one its first event's
    /// recommendation id was issued in (a beacon from a page need not name it). The engine then
    /// checks every event's id against it, so a mismatch is still refused.
    /// </summary>
    public static string FeedbackNamespace(V1.RecordFeedbackRequest request) =>
        request.Namespace.Length > 0 || request.Events.Count == 0
            ? request.Namespace
            : RecommendationIds.NamespaceOf(request.Events[0].RecommendationId) ?? "";

    public static IReadOnlyList<FeedbackEvent> ToEvents(IList<V1.FeedbackEvent> events) =>
        events.Select(e => new FeedbackEvent(e.RecommendationId, (FeedbackKind)(int)e.Kind, e.ArticleId, e.Position)).ToList();

    public static V1.StoreDisk ToProto(StoreDisk disk) => new()
    {
        Folder = disk.Folder,
        FreeBytes = disk.FreeBytes,
        TotalBytes = disk.TotalBytes,
        FloorBytes = disk.FloorBytes,
        StoreBytes = disk.StoreBytes,
        WritesRefused = disk.WritesRefused,
    };

    public static V1.StoreMemory ToProto(StoreMemory memory) => new()
    {
        UsedBytes = memory.UsedBytes,
        LimitBytes = memory.LimitBytes,
        UsedFraction = memory.Fraction,
        Warning = memory.Warning ?? "",
    };

    public static V1.FeedbackStats ToProto(FeedbackStats stats)
    {
        static V1.FeedbackCount Count(FeedbackCount c) => new()
        {
            Key = c.Key,
            Impressions = c.Impressions,
            Clicks = c.Clicks,
            ClickThroughRate = c.ClickThroughRate,
        };
        var proto = new V1.FeedbackStats { Impressions = stats.Impressions, Clicks = stats.Clicks };
        proto.ByPosition.AddRange(stats.ByPosition.Select(Count));
        proto.BySection.AddRange(stats.BySection.Select(Count));
        return proto;
    }

    private static TimeSpan? ToDuration(Duration? duration, string field)
    {
        if (duration is null)
        {
            return null;
        }
        try
        {
            return duration.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw new RequestValidationException(field, "is not a valid duration");
        }
    }

    public static DateTimeOffset? ToTime(Timestamp? timestamp, string field)
    {
        if (timestamp is null)
        {
            return null;
        }
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new RequestValidationException(field, "is not a valid timestamp");
        }
        catch (InvalidOperationException)
        {
            throw new RequestValidationException(field, "is not a valid timestamp");
        }
    }
}
