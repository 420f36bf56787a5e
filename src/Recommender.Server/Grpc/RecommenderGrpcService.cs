using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Core.Articles;
using Recommender.Core.Errors;
using Recommender.Core.Storage;
using Recommender.Engine;
using Recommender.Server.Hosting;

namespace Recommender.Server.Grpc;

/// <summary>
/// The gRPC face of the engines: pick the namespace's engine, map the request, call it, map the
/// answer. Writes may start a new namespace, reads may not. Errors become status codes in
/// <see cref="ErrorMappingInterceptor"/>.
/// </summary>
[BindServiceMethod(typeof(StrictRequestBinding), nameof(StrictRequestBinding.BindService))]
public sealed class RecommenderGrpcService(EngineRegistry engines, StoreDescription store, IStoreCapacity capacity)
    : RecommenderService.RecommenderServiceBase
{
    public override async Task<UpsertArticlesResponse> UpsertArticles(UpsertArticlesRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken, create: true);
        var result = await engine.UpsertAsync(ProtoMapping.ToArticles(request.Articles), context.CancellationToken);
        return new UpsertArticlesResponse
        {
            Created = result.Created,
            Updated = result.Updated,
            Unchanged = result.Unchanged,
            Embedded = result.Embedded,
            ModelVersion = result.ModelVersion,
            RefitScheduled = result.RefitScheduled,
        };
    }

    public override async Task<DeleteArticlesResponse> DeleteArticles(DeleteArticlesRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken, create: true);
        var result = await engine.DeleteAsync([.. request.Ids], context.CancellationToken, request.Id);
        return new DeleteArticlesResponse { Deleted = result.Deleted, NotFound = result.NotFound };
    }

    public override async Task<Api.V1.StoredArticle> GetArticle(GetArticleRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        return ProtoMapping.ToProto(await engine.GetArticleAsync(request.Id, context.CancellationToken));
    }

    public override async Task<ListArticlesResponse> ListArticles(ListArticlesRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var (articles, next) = await engine.ListArticlesAsync(
            request.PageSize, request.PageToken, ProtoMapping.ToTime(request.UpdatedAfter, "updated_after"), context.CancellationToken);
        var response = new ListArticlesResponse { NextPageToken = next };
        response.Articles.AddRange(articles.Select(a => new ArticleVersion { Id = a.Id, UpdateTime = ProtoMapping.ToTimestamp(a.Updated) }));
        return response;
    }

    public override async Task WatchChanges(WatchChangesRequest request, IServerStreamWriter<ChangeEvent> responseStream, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var changes = engine.Watch(context.CancellationToken);
        // Headers once the watch is registered: a client that awaits them misses nothing after.
        await context.WriteResponseHeadersAsync([]);
        await foreach (var change in changes)
        {
            await responseStream.WriteAsync(ProtoMapping.ToProto(change), context.CancellationToken);
        }
    }

    public override async Task<RelatedResponse> GetRelated(GetRelatedRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var options = ProtoMapping.ToOptions(request.Options);
        return ProtoMapping.ToResponse(ProtoMapping.ToHistory(request) is { } history
            ? await engine.GetRelatedForHistoryAsync(history, options, context.CancellationToken)
            : await engine.GetRelatedAsync(request.Id, options, context.CancellationToken));
    }

    public override async Task<RelatedResponse> PreviewRelated(PreviewRelatedRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var draft = new Draft(request.Title, request.Body, request.Language, request.Section, [.. request.Tags]);
        return ProtoMapping.ToResponse(await engine.PreviewAsync(draft, ProtoMapping.ToOptions(request.Options), context.CancellationToken));
    }

    public override async Task<RetrainResponse> Retrain(RetrainRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken, create: true);
        var stats = await engine.RetrainAsync(context.CancellationToken);
        return new RetrainResponse { Model = ProtoMapping.ToProto(stats.Model), Corpus = ProtoMapping.ToProto(stats.Corpus) };
    }

    public override async Task<GetStatsResponse> GetStats(GetStatsRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var stats = engine.GetStats();
        return new GetStatsResponse
        {
            Model = ProtoMapping.ToProto(stats.Model),
            Corpus = ProtoMapping.ToProto(stats.Corpus),
            RefitPending = stats.RefitPending,
            Store = store.Kind,
            Namespace = engine.Namespace,
            StoreAvailable = stats.StoreAvailable,
            Feedback = await engine.GetFeedbackAsync(context.CancellationToken) is { } feedback ? ProtoMapping.ToProto(feedback) : null,
            StoreMemory = stats.StoreAvailable && await capacity.GetMemoryAsync(context.CancellationToken) is { } memory ? ProtoMapping.ToProto(memory) : null,
            StoreDisk = capacity.Disk is { } disk ? ProtoMapping.ToProto(disk) : null,
        };
    }

    public override async Task<DeleteNamespaceResponse> DeleteNamespace(DeleteNamespaceRequest request, ServerCallContext context)
    {
        var deleted = await engines.DropAsync(request.Namespace, context.CancellationToken);
        return new DeleteNamespaceResponse { DeletedArticles = deleted };
    }

    public override async Task<SearchArticlesResponse> SearchArticles(SearchArticlesRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var (articles, next) = engine.SearchTitles(request.Query, request.Limit, request.PageSize, request.PageToken);
        var response = new SearchArticlesResponse { NextPageToken = next };
        response.Articles.AddRange(articles.Select(ProtoMapping.ToSummary));
        return response;
    }

    public override async Task<EditorialRule> AddRule(AddRuleRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken, create: true);
        return ProtoMapping.ToProto(await engine.AddRuleAsync(ProtoMapping.ToRule(request.Rule), context.CancellationToken, request.RequestId));
    }

    public override async Task<ListRulesResponse> ListRules(ListRulesRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken);
        var (rules, next) = engine.ListRules(request.PageSize, request.PageToken);
        var response = new ListRulesResponse { NextPageToken = next };
        response.Rules.AddRange(rules.Select(ProtoMapping.ToProto));
        return response;
    }

    public override async Task<RemoveRuleResponse> RemoveRule(RemoveRuleRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(request.Namespace, context.CancellationToken, create: true);
        await engine.RemoveRuleAsync(request.Id, context.CancellationToken);
        return new RemoveRuleResponse();
    }

    public override async Task<RecordFeedbackResponse> RecordFeedback(RecordFeedbackRequest request, ServerCallContext context)
    {
        var engine = await engines.GetAsync(ProtoMapping.FeedbackNamespace(request), context.CancellationToken);
        var recorded = await engine.RecordFeedbackAsync(ProtoMapping.ToEvents(request.Events), context.CancellationToken);
        return new RecordFeedbackResponse { Recorded = recorded, Duplicates = request.Events.Count - recorded };
    }
}
