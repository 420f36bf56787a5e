#!/usr/bin/env bash
# Runs every test project against a real redis-server and the embedded default, then the contract
# checks: buf lint and the breaking-change check of protos/ (scripts/proto-check.sh), the embedded
# store on a disk that fills up (scripts/disk-full-check.py, as root: it mounts a size-limited file
# system), and the Python, Node and PHP example clients (samples/clients/) against the real server.
# Installs from Debian what is missing (redis-server; chromium for the preview page's browser test;
# python3-grpcio, python3-protobuf and protobuf-compiler for the Python client; php-cli and
# php-curl for the PHP client),
# starts redis-server on a free loopback port and a Redis Cluster (scripts/redis-cluster.sh), runs the tests serially, stops what it started, and
# prints "N passed, N failed". Exits non-zero on any failure. Screenshots the browser test takes are
# kept in TestResults/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

say() { printf '==> %s\n' "$*"; }

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)  # the disk-full check's fallback where tmpfs cannot be mounted
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || missing+=(python3-grpcio)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || missing+=(python3-protobuf)
command -v php >/dev/null 2>&1 || missing+=(php-cli)
php -r 'exit(function_exists("curl_init") ? 0 : 1);' >/dev/null 2>&1 || missing+=(php-curl)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
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
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; }
  scripts/redis-cluster.sh stop "$work/cluster"
  kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null
  $SUDO umount -l "$work/disk-full/tiny" 2>/dev/null  # left mounted only if the check was killed
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "redis-server did not start"; echo "0 passed, 1 failed"; exit 1; }
export RECOMMENDER_TEST_REDIS="127.0.0.1:$port"
say "redis-server $(redis-server --version | grep -o 'v=[0-9.]*') on $RECOMMENDER_TEST_REDIS"
if ! RECOMMENDER_TEST_REDIS_CLUSTER=$(scripts/redis-cluster.sh start "$work/cluster"); then
  echo "the Redis Cluster did not start"; echo "0 passed, 1 failed"; exit 1
fi
export RECOMMENDER_TEST_REDIS_CLUSTER
say "Redis Cluster (three masters, a replica each) on $RECOMMENDER_TEST_REDIS_CLUSTER"

say "building"
if ! dotnet build Recommender.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0; failed=0; status=0
for project in tests/*Tests/*.csproj; do  # test projects (tests/Recommender.Testing is their shared library)
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

# One check beyond the test projects: passes or fails as a whole.
check() {
  local name=$1; shift
  say "$name"
  if "$@" >"$work/$name.log" 2>&1; then
    passed=$((passed + 1)); tail -n 1 "$work/$name.log"
  else
    failed=$((failed + 1)); status=1; echo "FAILED: $name"; tail -n 30 "$work/$name.log"
  fi
}

check proto-check scripts/proto-check.sh
# The embedded store on a size-limited disk that fills up (mounts one: needs root).
mkdir -p "$work/disk-full"
check disk-full $SUDO python3 scripts/disk-full-check.py "$work/disk-full"

# The example clients against the real server (embedded store, loopback ports).
grpc_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet src/Recommender.Server/bin/Release/net10.0/Recommender.Server.dll --port "$grpc_port" --http-port "$http_port" \
  --data-dir "$work/clients-data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  grep -q "ready after" "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
# A dns:/// target, as for replicas behind one name: the clients balance calls round robin over its addresses.
export RECOMMENDER_SERVER="dns:///localhost:$grpc_port"
check python-client samples/clients/python/run.sh
check node-client samples/clients/node/run.sh
# The PHP client uses the JSON routes, as a WordPress or Drupal backend would.
export RECOMMENDER_HTTP="http://localhost:$http_port"
check php-client samples/clients/php/run.sh

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit "$status"
