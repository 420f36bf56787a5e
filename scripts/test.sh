#!/usr/bin/env bash
# Runs every test project against a real redis-server and the embedded default.
# Installs redis-server and chromium (for the preview page's browser test) from Debian when missing,
# starts redis-server on a free loopback port, runs the tests serially, stops what it started, and
# prints "N passed, N failed". Exits non-zero on any failure. Screenshots the browser test takes are
# kept in TestResults/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

say() { printf '==> %s\n' "$*"; }

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "could not install ${missing[*]}"; echo "0 passed, 1 failed"; exit 1; }
fi
export RECOMMENDER_TEST_ARTIFACTS="$PWD/TestResults/artifacts"
mkdir -p "$RECOMMENDER_TEST_ARTIFACTS"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$work" --daemonize no \
  --logfile "$work/redis.log" &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "redis-server did not start"; echo "0 passed, 1 failed"; exit 1; }
export RECOMMENDER_TEST_REDIS="127.0.0.1:$port"
say "redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on $RECOMMENDER_TEST_REDIS"

say "building"
if ! dotnet build Recommender.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0; status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  say "testing $name"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$work/results" \
    || status=1
  trx="$work/results/$name.trx"
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
    f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  else
    failed=$((failed + 1))  # the project did not run at all
  fi
done

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
