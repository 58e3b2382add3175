#!/bin/sh
# Starts this pod's Redis server (start.sh redis) or Sentinel (start.sh sentinel). Both ask the Sentinels which
# server is the primary; when none knows one yet (a new installation), it is redis-0. The server replicates the
# primary unless it is the primary; the Sentinel watches it (and rewrites its configuration as it learns, so the
# file lives on the pod's writable volume).
set -eu
domain="redis-headless.${POD_NAMESPACE}.svc.cluster.local"
self="$(hostname).${domain}"
primary=""
for i in 0 1 2; do
  primary="$(redis-cli -h "redis-${i}.${domain}" -p 26379 --no-auth-warning -a "$REDIS_PASSWORD" \
    SENTINEL get-master-addr-by-name introserv 2>/dev/null | head -n 1)" || primary=""
  [ -n "$primary" ] && break
done
[ -n "$primary" ] || primary="redis-0.${domain}"

case "${1:-}" in
  redis)
    set -- --port 6379 --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD" \
      --replica-announce-ip "$self" --save "" --appendonly no --maxmemory-policy noeviction --dir /data
    [ "$primary" = "$self" ] || set -- "$@" --replicaof "$primary" 6379
    exec redis-server "$@"
    ;;
  sentinel)
    cat > /sentinel/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${self}
requirepass ${REDIS_PASSWORD}
sentinel sentinel-pass ${REDIS_PASSWORD}
sentinel monitor introserv ${primary} 6379 2
sentinel auth-pass introserv ${REDIS_PASSWORD}
sentinel down-after-milliseconds introserv 5000
sentinel failover-timeout introserv 60000
sentinel parallel-syncs introserv 1
CONF
    exec redis-server /sentinel/sentinel.conf --sentinel
    ;;
  *)
    echo "usage: start.sh redis|sentinel" >&2
    exit 2
    ;;
esac
