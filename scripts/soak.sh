#!/usr/bin/env bash
# Bounded soak: the service (embedded store) under steady GetRelated load with upserts and a flood
# of anonymous feedback mixed in, for a fixed time, sampling its resident memory every 10 s; then a
# restart, to check that the store kept every article. Stops everything it started.
# usage: scripts/soak.sh [MINUTES=10] [ARTICLES=10000] [CONCURRENCY=8] [UPSERTS_PER_SECOND=10] [FEEDBACK_PER_SECOND=0] [MEMORY=1g]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}; articles=${2:-10000}; concurrency=${3:-8}; upserts=${4:-10}; feedback=${5:-0}; memory=${6:-1g}
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

dotnet build Recommender.sln -c Release -nologo -clp:ErrorsOnly >/dev/null
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
grpc=$(free_port); http=$(free_port)
start_server() {
  dotnet src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll \
    --port "$grpc" --http-port "$http" --data-dir "$work/data" --Recommender:Embedded:MemorySize="$memory" >>"$work/server.log" 2>&1 &
  server=$!
  until curl -sf "http://localhost:$http/readyz" >/dev/null; do sleep 0.5; done
}
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
start_server

cli() { dotnet src/Recommender.Cli/bin/Release/net10.0/recommender.dll "$1" --server "http://localhost:$grpc" "${@:2}"; }
echo "importing $articles synthetic articles (namespace soak)"
cli bench --namespace soak --articles "$articles" --duration 1 --concurrency 1 --json >/dev/null

echo "soak: ${minutes} min, concurrency $concurrency, $upserts upserts/s, $feedback feedback requests/s, store memory $memory"
( start=$(date +%s)
  while kill -0 $server 2>/dev/null; do
    echo "$(( $(date +%s) - start )) $(ps -o rss= -p $server)"; sleep 10
  done ) >"$work/memory.txt" &
sampler=$!
cli bench --namespace soak --articles "$articles" --concurrency "$concurrency" \
  --duration $((minutes * 60)) --upserts-per-second "$upserts" --feedback-per-second "$feedback" --json 2>/dev/null | tee "$work/result.json"
kill $sampler 2>/dev/null || true
curl -s "http://localhost:$http/v1/stats?namespace=soak" >"$work/stats.json"
python3 - "$work/stats.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])).get("storeMemory", {})
print(f"store: {int(m.get('usedBytes', 0)) / 1e6:.1f} of {int(m.get('limitBytes', 0)) / 1e6:.1f} MB used; warning: {m.get('warning') or 'none'}")
PY

python3 - "$work/memory.txt" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
warm = [r for r in rows if r[0] >= 60] or rows
mb = lambda kb: kb / 1024
print(f"server RSS (MB): at 1 min {mb(warm[0][1]):.0f}, at end {mb(warm[-1][1]):.0f}, "
      f"min {mb(min(r[1] for r in warm)):.0f}, max {mb(max(r[1] for r in warm)):.0f} after warm-up ({len(warm)} samples)")
PY
grep -cE "^fail:" "$work/server.log" | sed 's/^/server error log lines: /' || true

# The store must still hold every article after a restart (nothing evicted, nothing half-written).
kill $server; wait $server 2>/dev/null || true
start_server
echo "articles in namespace soak after a restart: $(cli stats --namespace soak --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["corpus"]["articles"])') of $articles"
