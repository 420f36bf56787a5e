using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Recommender.Api.V1;

namespace Recommender.Server.Grpc;

/// <summary>
/// Binds the generated service methods with request marshallers that answer a malformed message
/// (bad protobuf, invalid UTF-8 in a string) with INVALID_ARGUMENT. Deserialization runs before any
/// interceptor, and grpc-dotnet would otherwise answer UNKNOWN. grpc-dotnet takes the binding
/// method from the [BindServiceMethod] attribute nearest the service type, so this one is used in
/// place of the generated <see cref="RecommenderService.BindService(ServiceBinderBase, RecommenderService.RecommenderServiceBase)"/>.
/// </summary>
public static class StrictRequestBinding
{
    /// <summary>The service's descriptor, where JSON transcoding looks for it: beside the binding method.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => RecommenderService.Descriptor;

    public static void BindService(ServiceBinderBase binder, RecommenderService.RecommenderServiceBase? service) =>
        RecommenderService.BindService(new Binder(binder), service!);

    private sealed class Binder(ServiceBinderBase inner) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Strict(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Strict(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Strict(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Strict(method), handler);

        private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            var deserialize = method.RequestMarshaller.ContextualDeserializer;
            var requests = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
            {
                try
                {
                    return deserialize(context);
                }
                catch (Exception ex) when (ex is InvalidProtocolBufferException or DecoderFallbackException)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, ex is DecoderFallbackException || ex.InnerException is DecoderFallbackException
                        ? $"The {method.Name} request holds a string that is not valid UTF-8."
                        : $"The {method.Name} request is not a valid {typeof(TRequest).Name} message."));
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
        }
    }
}
