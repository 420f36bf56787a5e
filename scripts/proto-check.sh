#!/usr/bin/env bash
# Lints protos/ with buf (npm @bufbuild/buf) and checks it against the last released contract
# (.ci/proto-baseline/, the proto as of the last release: replace it when releasing a new one).
# Prints "proto: ok" or the findings, and exits non-zero on any.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
buf="npx --yes @bufbuild/buf@1.61.0"
google=$(samples/clients/google-protos.sh)
rm -rf .buf/googleapis && mkdir -p .buf/googleapis && cp -r "$google/google" .buf/googleapis/

baseline=$(mktemp -d)
trap 'rm -rf "$baseline"' EXIT
mkdir -p "$baseline/protos" "$baseline/.buf"
cp -r .ci/proto-baseline/. "$baseline/protos/"
cp -r .buf/googleapis "$baseline/.buf/"
cp buf.yaml "$baseline/"

$buf lint
$buf breaking --against "$baseline"
echo "proto: ok"
