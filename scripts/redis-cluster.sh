#!/usr/bin/env bash
# A local Redis Cluster on loopback: three masters with one replica each.
#
#   scripts/redis-cluster.sh start DIR [BASE_PORT]   starts redis-server on BASE_PORT..BASE_PORT+5
#                                                  (default: the first free run of six from 7001),
#                                                  creates the cluster, waits until it is ok, and
#                                                  prints the masters as a connection string,
#                                                  e.g. 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
#   scripts/redis-cluster.sh restart DIR PORT      starts again the node on PORT (e.g. after it was
#                                                  killed: it rejoins, as a replica if it was failed over)
#   scripts/redis-cluster.sh stop DIR              stops the nodes started in DIR
#
# REDIS_CLUSTER_NODE_TIMEOUT (milliseconds, default 5000): how long a master may be unreachable
# before its replica is promoted. Nothing is persisted beyond DIR (no RDB snapshots; each node's
# nodes.conf lives there).
set -euo pipefail

usage() { echo "usage: $0 start DIR [BASE_PORT] | restart DIR PORT | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1 dir=$2

free_run() {
  # Six free ports from $1 on, and their cluster bus ports (port + 10000).
  python3 - "$1" <<'EOF'
import socket, sys
def free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); return True
    except OSError:
        return False
    finally:
        s.close()
base = int(sys.argv[1])
while base < 50000:
    if all(free(p) and free(p + 10000) for p in range(base, base + 6)):
        print(base); break
    base += 6
else:
    sys.exit("no six free loopback ports below 50000")
EOF
}

start_node() {
  local port=$1
  mkdir -p "$dir/$port"
  redis-server --bind 127.0.0.1 --port "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout "${REDIS_CLUSTER_NODE_TIMEOUT:-5000}" --repl-diskless-sync-delay 0 \
    --save "" --appendonly no --dir "$dir/$port" \
    --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log"
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "node $port did not start" >&2; return 1
}

case "$command" in
  start)
    base=${3:-$(free_run 7001)}
    mkdir -p "$dir"
    nodes=()
    for port in $(seq "$base" $((base + 5))); do
      start_node "$port"
      nodes+=("127.0.0.1:$port")
    done
    # The first three given become masters; each of the other three replicates one of them.
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
      || { cat "$dir/create.log" >&2; exit 1; }
    for port in $(seq "$base" $((base + 5))); do
      for _ in $(seq 1 200); do
        redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
        sleep 0.1
      done
      redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' || { echo "node $port: cluster not ok" >&2; exit 1; }
    done
    # Until every node sees three replicas, and each replica has its master's data (a replica
    # that never synced cannot be promoted).
    replicas_ready() {
      local port=$1
      [ "$(redis-cli -p "$port" cluster nodes | grep -c slave)" -eq 3 ] || return 1
      ! redis-cli -p "$port" info replication | grep -q '^role:slave' \
        || redis-cli -p "$port" info replication | grep -q '^master_link_status:up'
    }
    for port in $(seq "$base" $((base + 5))); do
      for _ in $(seq 1 300); do replicas_ready "$port" && break; sleep 0.1; done
      replicas_ready "$port" || { echo "node $port: replicas not attached and in sync" >&2; exit 1; }
    done
    redis-cli -p "$base" cluster nodes | awk '$3 ~ /master/ && NF > 8 { sub(/@.*/, "", $2); print $2 }' | sort | paste -sd,
    ;;
  restart)
    [ $# -eq 3 ] || usage
    start_node "$3"
    ;;
  stop)
    for pidfile in "$dir"/*/redis.pid; do
      [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    ;;
  *) usage ;;
esac
