#!/usr/bin/env bash
# Cold start: seconds from starting the service process until /readyz answers 200, against a Redis
# that already holds a namespace (e.g. one `recommender bench --keep` filled).
#   scripts/cold-start.sh REDIS NAMESPACE [RUNS]
# Builds nothing: run `dotnet build -c Release` first. Prints one line per run and the server's
# own account of where the time went. COLD_START_ENV passes environment settings to the service,
# e.g. COLD_START_ENV=DOTNET_gcServer=1 to compare garbage collectors.
set -euo pipefail
cd "$(dirname "$0")/.."
redis=${1:?usage: scripts/cold-start.sh REDIS NAMESPACE [RUNS]}
ns=${2:?usage: scripts/cold-start.sh REDIS NAMESPACE [RUNS]}
runs=${3:-3}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for run in $(seq 1 "$runs"); do
  grpc=$(free_port); http=$(free_port)
  start=$(date +%s.%N)
  env ${COLD_START_ENV:-} dotnet src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll --port "$grpc" --http-port "$http" \
    --redis "$redis" --namespace "$ns" --Logging:LogLevel:Microsoft.AspNetCore=Warning >"$log" 2>&1 &
  pid=$!
  until curl -sf "http://localhost:$http/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.02
  done
  end=$(date +%s.%N)
  printf 'run %d: ready %.2f s after the process started\n' "$run" "$(echo "$end - $start" | bc)"
  grep -E "restored|read [0-9]+ articles|ready after" "$log" | sed 's/^ */    /'
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
