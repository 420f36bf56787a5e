#!/usr/bin/env bash
# Prints the folder holding the google/api and google/rpc .proto files that recommender.proto
# imports (and that error details decode with): the copy inside the Google.Api.CommonProtos NuGet
# package, at the version Directory.Packages.props pins. Restores it first if it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/.*PackageVersion Include="Google.Api.CommonProtos" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
dir="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.api.commonprotos/$version/content/protos"
if [ ! -f "$dir/google/api/annotations.proto" ]; then
  dotnet restore "$root/src/Recommender.Contracts" >/dev/null
fi
echo "$dir"
