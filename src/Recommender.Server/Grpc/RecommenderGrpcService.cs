using Grpc.Core;
using Recommender.Api.V1;
using Recommender.Engine;
using Recommender.Server.Hosting;

namespace Recommender.Server.Grpc;

/// <summary>
/// The gRPC face of <see cref="RecommendationEngine"/>: map the request, call the engine, map the
/// answer. Errors become status codes in <see cref="ErrorMappingInterceptor"/>.
/// </summary>
public sealed class RecommenderGrpcService(RecommendationEngine engine, StoreDescription store) : RecommenderService.RecommenderServiceBase
{
    public override async Task<UpsertArticlesResponse> UpsertArticles(UpsertArticlesRequest request, ServerCallContext context)
    {
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
        var result = await engine.DeleteAsync([.. request.Ids], context.CancellationToken);
        return new DeleteArticlesResponse { Deleted = result.Deleted, NotFound = result.NotFound };
    }

    public override Task<RelatedResponse> GetRelated(GetRelatedRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToResponse(engine.GetRelated(request.Id, ProtoMapping.ToQuery(request.Options))));

    public override Task<RelatedResponse> PreviewRelated(PreviewRelatedRequest request, ServerCallContext context) =>
        Task.FromResult(ProtoMapping.ToResponse(engine.Preview(request.Title, request.Body, ProtoMapping.ToQuery(request.Options))));

    public override async Task<RetrainResponse> Retrain(RetrainRequest request, ServerCallContext context)
    {
        var stats = await engine.RetrainAsync(context.CancellationToken);
        return new RetrainResponse { Model = ProtoMapping.ToProto(stats.Model), Corpus = ProtoMapping.ToProto(stats.Corpus) };
    }

    public override Task<GetStatsResponse> GetStats(GetStatsRequest request, ServerCallContext context)
    {
        var stats = engine.GetStats();
        return Task.FromResult(new GetStatsResponse
        {
            Model = ProtoMapping.ToProto(stats.Model),
            Corpus = ProtoMapping.ToProto(stats.Corpus),
            RefitPending = stats.RefitPending,
            Store = store.Kind,
            Namespace = store.Namespace,
        });
    }
}
