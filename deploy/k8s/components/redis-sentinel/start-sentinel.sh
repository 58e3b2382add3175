#!/bin/sh
# Starts this pod's Sentinel, watching the primary the other Sentinels name (or redis-0 on a new installation).
# Sentinel rewrites its configuration as it learns, so the file lives on the pod's writable volume.
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
