#!/usr/bin/env bash
# GetRelated in one long-running service process, before and after re-imports: starts the service,
# then runs `recommender bench` RUNS times on one namespace. The first run imports ARTICLES synthetic
# articles; each later one re-sends the same, unchanged, before it measures. A service whose state
# grows with writes slows down from run to run; one that does not holds its rate.
#   scripts/repeat-bench.sh [ARTICLES] [RUNS] [CONCURRENCY] [DURATION] [-- SERVICE ARGS...]
# e.g. scripts/repeat-bench.sh 100000 5 32 20 -- --redis 127.0.0.1:6379
# Builds nothing: run `dotnet build -c Release` first. Without service arguments the service runs on
# a fresh embedded store of 3 GB in a temporary folder. Prints one line per run with the service's
# resident memory (/proc/PID/status) after it.
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-100000}; runs=${2:-5}; concurrency=${3:-32}; duration=${4:-20}
shift $(( $# < 4 ? $# : 4 )); [ "${1:-}" = "--" ] && shift
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
grpc=$(free_port); http=$(free_port)
service_args=("$@")
[ ${#service_args[@]} -eq 0 ] && service_args=(--data-dir "$work/data" --Recommender:Embedded:MemorySize=3g)
dotnet src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll --port "$grpc" --http-port "$http" "${service_args[@]}" >"$work/service.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://localhost:$http/readyz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 0.2
done
ns="repeat-$(date +%s)"
printf '%-4s %12s %9s %9s %14s %10s\n' run requests/s p50-ms p99-ms ingest/s rss-MB
for run in $(seq 1 "$runs"); do
  json=$(dotnet src/Recommender.Cli/bin/Release/net10.0/recommender.dll bench --server "http://localhost:$grpc" --namespace "$ns" \
    --articles "$articles" --concurrency "$concurrency" --duration "$duration" --json | tail -1)
  rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
  python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print("%-4s %12.0f %9.3f %9.3f %14.0f %10s" % (sys.argv[2], d["requestsPerSecond"], d["p50Ms"], d["p99Ms"], d["ingestArticlesPerSecond"], sys.argv[3]))' "$json" "$run" "$rss"
done
curl -sf -X DELETE "http://localhost:$http/v1/namespaces/$ns" >/dev/null || true
