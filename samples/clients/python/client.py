"""A CMS integration in Python: upsert articles, ask for a related list, decode a refused request.

Run with run.sh, which compiles the messages from protos/ with protoc first. The rpcs are bound
from the compiled service descriptor (what grpc_tools' generated stub does): Debian's
python3-grpc-tools bundles a protoc too old for proto3 `optional` fields. The service address comes from
RECOMMENDER_SERVER (host:port, or dns:///name:port for several replicas behind one name; default
localhost:50051) and the API key, if any, from RECOMMENDER_API_KEY. Calls are spread round robin
over every address the name resolves to (client-side load balancing over the service's replicas).
"""
import os
import sys
import uuid

import grpc

sys.path.insert(0, os.environ.get("RECOMMENDER_STUBS", os.path.join(os.path.dirname(__file__), "gen")))
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from recommender.v1 import recommender_pb2 as pb  # noqa: E402

SERVICE = pb.DESCRIPTOR.services_by_name["RecommenderService"]


class RecommenderClient:
    """The unary rpcs of recommender.v1.RecommenderService, from the descriptor protoc compiled:
    client.GetRelated(request, metadata=...) as a generated stub would offer it."""

    def __init__(self, channel: grpc.Channel):
        for method in SERVICE.methods:
            if method.client_streaming or method.server_streaming:
                continue  # WatchChanges: channel.unary_stream, the same way
            setattr(self, method.name, channel.unary_unary(
                f"/{SERVICE.full_name}/{method.name}",
                request_serializer=getattr(pb, method.input_type.name).SerializeToString,
                response_deserializer=getattr(pb, method.output_type.name).FromString))


def main() -> int:
    address = os.environ.get("RECOMMENDER_SERVER", "localhost:50051")
    key = os.environ.get("RECOMMENDER_API_KEY")
    metadata = [("authorization", f"Bearer {key}")] if key else []
    namespace = "py-" + uuid.uuid4().hex[:8]
    with grpc.insecure_channel(address, options=[("grpc.lb_policy_name", "round_robin")]) as channel:
        client = RecommenderClient(channel)

        stories = {
            "harbour": [
                "The harbour ferry timetable changes in May, with crossings every twenty minutes.",
                "Fishermen at the harbour protest against new quotas set by the port authority.",
                "A storm damaged the harbour wall; repairs to the pier will take until autumn.",
                "The harbour festival returns with tall ships, a fish market and evening concerts.",
            ],
            "library": [
                "The council votes to move the old library into the former post office.",
                "Library opening hours grow on weekends after readers signed a petition.",
                "The library lends laptops and teaches older readers to use them.",
                "A rare map collection is donated to the city library archive.",
            ],
            "cycling": [
                "A new cycle lane opens along the river, linking the station with the university.",
                "Cycling to school doubles after the council closes two streets to cars.",
                "The city bike share adds electric bikes and fifty new docking stations.",
                "Cyclists ask for safer junctions after a rise in accidents on the ring road.",
            ],
        }
        articles = [
            pb.Article(id=f"{topic}-{i}", title=text.split(",")[0].split(";")[0], body=text, section=topic)
            for topic, texts in stories.items()
            for i, text in enumerate(texts)
        ]
        upserted = client.UpsertArticles(pb.UpsertArticlesRequest(articles=articles, namespace=namespace), metadata=metadata)
        assert upserted.created == len(articles), upserted

        related = client.GetRelated(pb.GetRelatedRequest(id="harbour-0", namespace=namespace, options=pb.RelatedOptions(limit=3)))
        ids = [item.id for item in related.items]
        print("related to harbour-0:", ids)
        # A fresh namespace is served by the shipped default model until its first refit, so the
        # list's order is not checked here; only that it is a list of other stored articles.
        stored = {a.id for a in articles}
        assert len(ids) == 3 and all(i != "harbour-0" and i in stored for i in ids), ids

        try:
            client.GetRelated(pb.GetRelatedRequest(id="harbour-0", namespace=namespace, options=pb.RelatedOptions(limit=500)))
            raise AssertionError("a limit of 500 was accepted")
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.code()
            field = bad_request_field(error)
            print("refused:", error.code().name, field)
            assert field == "options.limit", field

        client.DeleteNamespace(pb.DeleteNamespaceRequest(namespace=namespace), metadata=metadata)
    print("python client: ok")
    return 0


def bad_request_field(error: grpc.RpcError) -> str:
    """The field a google.rpc.BadRequest detail names, from the grpc-status-details-bin trailer."""
    for name, value in error.trailing_metadata() or ():
        if name == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    return bad.field_violations[0].field
    return ""


if __name__ == "__main__":
    sys.exit(main())
