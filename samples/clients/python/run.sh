#!/usr/bin/env bash
# Compiles the Python messages from protos/ with protoc (Debian: protobuf-compiler, python3-protobuf,
# python3-grpcio) into a temporary folder and runs client.py.
set -euo pipefail
# Debian's interpreter, which the Debian packages install into (not a pyenv or venv one).
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
google=$("$here/../google-protos.sh")
well_known=$("$here/../google-protos.sh" --well-known)
gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
# The system protoc matches Debian's protobuf runtime. (Debian's python3-grpc-tools 1.14 bundles a
# protoc that refuses proto3 `optional`, so client.py binds the rpcs from the service descriptor.)
protoc -I "$root/protos" -I "$google" -I "$well_known" --python_out="$gen" \
  recommender/v1/recommender.proto google/api/annotations.proto google/api/http.proto \
  google/api/field_behavior.proto google/rpc/status.proto google/rpc/error_details.proto
# google/ stays a namespace package, shared with the protobuf runtime's google.protobuf.
for d in "$gen"/recommender "$gen"/recommender/v1; do touch "$d/__init__.py"; done
RECOMMENDER_STUBS="$gen" "$python" "$here/client.py"
