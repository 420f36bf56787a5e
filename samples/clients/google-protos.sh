#!/usr/bin/env bash
# Prints a folder of .proto files that recommender.proto imports, from the NuGet packages the build
# restores (at the versions Directory.Packages.props pins), restoring them first if they are missing:
#   google-protos.sh               google/api and google/rpc (Google.Api.CommonProtos), which error
#                                  details decode with;
#   google-protos.sh --well-known  google/protobuf (timestamp, duration, descriptor: the well-known
#                                  types, from Grpc.Tools), which Debian's protobuf-compiler does not
#                                  ship (they come with libprotobuf-dev).
# protoc needs both: protoc -I protos -I "$(google-protos.sh)" -I "$(google-protos.sh --well-known)" ...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pinned() { sed -n "s/.*PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" "$root/Directory.Packages.props"; }
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
case "${1:-}" in
  "") dir="$packages/google.api.commonprotos/$(pinned Google.Api.CommonProtos)/content/protos"; probe=google/api/annotations.proto ;;
  --well-known) dir="$packages/grpc.tools/$(pinned Grpc.Tools)/build/native/include"; probe=google/protobuf/timestamp.proto ;;
  *) echo "usage: $0 [--well-known]" >&2; exit 2 ;;
esac
if [ ! -f "$dir/$probe" ]; then
  dotnet restore "$root/src/Recommender.Contracts" >/dev/null
fi
[ -f "$dir/$probe" ] || { echo "$probe not found under $dir after a restore" >&2; exit 1; }
echo "$dir"
