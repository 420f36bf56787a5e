// A CMS integration in Node: upsert articles, ask for a related list, decode a refused request.
// Run with run.sh (npm ci, then this). The service address comes from RECOMMENDER_SERVER
// (host:port, or dns:///name:port for several replicas behind one name; default localhost:50051;
// calls are spread round robin over every address the name resolves to), the API key, if any, from RECOMMENDER_API_KEY, and the
// folder of the google/api and google/rpc protos from GOOGLE_PROTOS (../google-protos.sh prints it).
"use strict";
const path = require("node:path");
const crypto = require("node:crypto");
const assert = require("node:assert/strict");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const root = path.resolve(__dirname, "../../..");
const google = process.env.GOOGLE_PROTOS;
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [path.join(root, "protos"), google] };
const definition = protoLoader.loadSync("recommender/v1/recommender.proto", loadOptions);
const { RecommenderService } = grpc.loadPackageDefinition(definition).recommender.v1;

function call(client, method, request, metadata) {
  return new Promise((resolve, reject) =>
    client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

/** The field a google.rpc.BadRequest detail names, from the grpc-status-details-bin trailer. */
function badRequestField(error) {
  const [bytes] = error.metadata.get("grpc-status-details-bin");
  const protobuf = require("protobufjs");
  const rootTypes = protobuf.loadSync([
    path.join(google, "google/rpc/status.proto"),
    path.join(google, "google/rpc/error_details.proto"),
  ]);
  const status = rootTypes.lookupType("google.rpc.Status").decode(bytes);
  const badRequest = status.details.find((d) => d.type_url === "type.googleapis.com/google.rpc.BadRequest" || d.typeUrl === "type.googleapis.com/google.rpc.BadRequest");
  assert.ok(badRequest, "no google.rpc.BadRequest in the status details");
  return rootTypes.lookupType("google.rpc.BadRequest").decode(badRequest.value).fieldViolations[0].field;
}

async function main() {
  const address = process.env.RECOMMENDER_SERVER || "localhost:50051";
  const metadata = new grpc.Metadata();
  if (process.env.RECOMMENDER_API_KEY) metadata.set("authorization", `Bearer ${process.env.RECOMMENDER_API_KEY}`);
  const namespace = "node-" + crypto.randomBytes(4).toString("hex");
  const client = new RecommenderService(address, grpc.credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  });

  const stories = {
    harbour: [
      "The harbour ferry timetable changes in May, with crossings every twenty minutes.",
      "Fishermen at the harbour protest against new quotas set by the port authority.",
      "A storm damaged the harbour wall; repairs to the pier will take until autumn.",
      "The harbour festival returns with tall ships, a fish market and evening concerts.",
    ],
    library: [
      "The council votes to move the old library into the former post office.",
      "Library opening hours grow on weekends after readers signed a petition.",
      "The library lends laptops and teaches older readers to use them.",
      "A rare map collection is donated to the city library archive.",
    ],
    cycling: [
      "A new cycle lane opens along the river, linking the station with the university.",
      "Cycling to school doubles after the council closes two streets to cars.",
      "The city bike share adds electric bikes and fifty new docking stations.",
      "Cyclists ask for safer junctions after a rise in accidents on the ring road.",
    ],
  };
  const articles = Object.entries(stories).flatMap(([topic, texts]) =>
    texts.map((text, i) => ({ id: `${topic}-${i}`, title: text.split(/[,;]/)[0], body: text, section: topic })));
  const upserted = await call(client, "UpsertArticles", { articles, namespace }, metadata);
  assert.equal(upserted.created, articles.length);

  const related = await call(client, "GetRelated", { id: "harbour-0", namespace, options: { limit: 3 } }, new grpc.Metadata());
  const ids = related.items.map((item) => item.id);
  console.log("related to harbour-0:", ids);
  // A fresh namespace is served by the shipped default model until its first refit, so the list's
  // order is not checked here; only that it is a list of other stored articles.
  assert.equal(ids.length, 3);
  assert.ok(ids.every((id) => id !== "harbour-0" && articles.some((a) => a.id === id)), ids.join(","));

  try {
    await call(client, "GetRelated", { id: "harbour-0", namespace, options: { limit: 500 } }, new grpc.Metadata());
    assert.fail("a limit of 500 was accepted");
  } catch (error) {
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    const field = badRequestField(error);
    console.log("refused:", "INVALID_ARGUMENT", field);
    assert.equal(field, "options.limit");
  }

  await call(client, "DeleteNamespace", { namespace }, metadata);
  client.close();
  console.log("node client: ok");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
