#!/usr/bin/env bash
# Installs @grpc/grpc-js and @grpc/proto-loader from npm (versions pinned in package-lock.json) and runs client.js.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
GOOGLE_PROTOS=$("$here/../google-protos.sh") node client.js
