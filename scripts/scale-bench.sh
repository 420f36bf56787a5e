#!/usr/bin/env bash
# Every row of the large-namespace table in one command: ingest, refit, GetRelated (32 concurrent,
# one client, filtered), cold start, the service's memory serving and during a refit, ListArticles
# pages, and what an article costs the store.
#   scripts/scale-bench.sh [ARTICLES=1000000] [-- SERVICE ARGS...]
# e.g. scripts/scale-bench.sh 1000000 -- --redis 127.0.0.1:6379       (a Redis, namespace "scale")
#      scripts/scale-bench.sh 200000                                   (a fresh embedded store)
# Builds nothing: run `dotnet build -c Release` first. The service's resident memory is sampled every
# second from /proc/PID/status; each phase reports the highest sample, and the samples are kept. The namespace "scale" is the
# service's default one, so that /readyz waits for it to load (cold start). A Redis namespace is left
# in place (flush it when done); an embedded store's folder is deleted.
# RECOMMENDER_SERVER_DLL runs another build of the service (e.g. a worktree of an older commit) under the same load.
set -euo pipefail
cd "$(dirname "$0")/.."
articles=${1:-1000000}
shift $(( $# < 1 ? $# : 1 )); [ "${1:-}" = "--" ] && shift
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
grpc=$(free_port); http=$(free_port)
service_args=("$@")
if [ ${#service_args[@]} -eq 0 ]; then service_args=(--data-dir "$work/data"); fi
pid=""; sampler=""
# The memory samples (phase, MB, time) and the service's log outlive the run, to place a peak.
kept=${TMPDIR:-/tmp}/scale-bench-$articles-$(date +%Y%m%dT%H%M%S)
cleanup() {
  kill $sampler $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  mkdir -p "$kept"; cp "$work"/memory.txt "$work"/service.log "$kept"/ 2>/dev/null || true
  echo "memory samples and the service's log: $kept" >&2
  rm -rf "$work"
}
trap cleanup EXIT
phase() { echo "$1" >"$work/phase"; }
start_service() {
  local started; started=$(date +%s.%N)
  dotnet "${RECOMMENDER_SERVER_DLL:-src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll}" --port "$grpc" --http-port "$http" "${service_args[@]}" --namespace scale \
    --Logging:LogLevel:Microsoft.AspNetCore=Warning >>"$work/service.log" 2>&1 &
  pid=$!
  until curl -sf "http://localhost:$http/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/service.log"; exit 1; }
    sleep 0.05
  done
  python3 -c "print($(date +%s.%N) - $started)" >"$work/ready-seconds"
  ( while kill -0 "$pid" 2>/dev/null; do
      echo "$(cat "$work/phase") $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo 0) $(date +%T)"; sleep 1
    done ) >>"$work/memory.txt" &
  sampler=$!
}
stop_service() { kill $sampler 2>/dev/null || true; kill "$pid"; wait "$pid" 2>/dev/null || true; }
cli() { dotnet src/Recommender.Cli/bin/Release/net10.0/recommender.dll "$1" --server "http://localhost:$grpc" "${@:2}"; }
bench() { cli bench --namespace scale --articles "$articles" --json "$@" 2>/dev/null | tail -1; }

phase import; start_service
echo "importing $articles synthetic articles, then GetRelated at 32 concurrent (right after the refit)" >&2
bench --concurrency 32 --duration 20 >"$work/import.json"
curl -s "http://localhost:$http/v1/stats?namespace=scale" >"$work/stats.json"
stop_service

phase start; start_service
cp "$work/ready-seconds" "$work/cold-start"
echo "restarted in $(cat "$work/cold-start") s; steady-state GetRelated" >&2
phase serving
bench --concurrency 32 --duration 20 >"$work/c32.json"
bench --concurrency 1 --duration 10 >"$work/c1.json"
bench --concurrency 32 --duration 20 --filtered >"$work/filtered.json"
echo "refit of the whole namespace" >&2
phase refit
refit_started=$(date +%s.%N)
cli retrain --namespace scale --json >/dev/null
python3 -c "print($(date +%s.%N) - $refit_started)" >"$work/refit-seconds"
phase done
stop_service

python3 - "$work" "$articles" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
j = lambda name: json.load(open(os.path.join(work, name)))
imp, c32, c1, flt, stats = j("import.json"), j("c32.json"), j("c1.json"), j("filtered.json"), j("stats.json")
peak = {}
for line in open(os.path.join(work, "memory.txt")):
    phase, mb = line.split()[:2]
    peak[phase] = max(peak.get(phase, 0), int(mb))
used = int(stats.get("storeMemory", {}).get("usedBytes", 0))
rows = [
    ("articles", f"{n:,}"),
    ("ingest, batches of 500 until searchable", f"{imp['ingestArticlesPerSecond']:,.0f} articles/s"),
    ("refit after the import", f"{imp['refitSeconds']:.0f} s"),
    ("GetRelated, limit 10, 32 concurrent (after a restart)", f"{c32['requestsPerSecond']:,.0f}/s, p50 {c32['p50Ms']:.2f} ms, p99 {c32['p99Ms']:.2f} ms, {c32['errors']} errors"),
    ("GetRelated, one client", f"p50 {c1['p50Ms']:.3f} ms, p99 {c1['p99Ms']:.3f} ms"),
    ("GetRelated filtered (section, 20 excluded ids), 32 concurrent", f"{flt['requestsPerSecond']:,.0f}/s, p99 {flt['p99Ms']:.2f} ms"),
    ("cold start to /readyz 200", f"{float(open(os.path.join(work, 'cold-start')).read()):.1f} s"),
    ("resident memory: ready / serving / peak during a refit", f"{peak.get('start', 0):,} / {peak.get('serving', 0):,} / {peak.get('refit', 0):,} MB (import: {peak.get('import', 0):,} MB)"),
    ("refit of the whole namespace (recommender retrain)", f"{float(open(os.path.join(work, 'refit-seconds')).read()):.0f} s"),
    ("ListArticles page of 1,000: by id / updated_after (every article) / updated_after (none)", f"{c32['listPageMs']} / {c32['listUpdatedPageMs']} / {c32['listUpdatedNonePageMs']} ms"),
    ("store memory after the import", f"{used / 1e6:,.0f} MB, {used / n:,.0f} bytes an article" if used else "not reported"),
]
width = max(len(r[0]) for r in rows)
for name, value in rows:
    print(f"{name:<{width}}  {value}")
PY
