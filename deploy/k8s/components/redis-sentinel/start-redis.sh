#!/bin/sh
# Starts this pod's Redis server: a replica of the primary the Sentinels name, or, when no Sentinel knows one
# yet (a new installation), the primary itself on redis-0 and a replica of redis-0 elsewhere.
set -eu
domain="redis-headless.${POD_NAMESPACE}.svc.cluster.local"
self="$(hostname).${domain}"
primary=""
for i in 0 1 2; do
  primary="$(redis-cli -h "redis-${i}.${domain}" -p 26379 --no-auth-warning -a "$REDIS_PASSWORD" \
    SENTINEL get-master-addr-by-name introserv 2>/dev/null | head -n 1)" || primary=""
  [ -n "$primary" ] && break
done
if [ -z "$primary" ] && [ "$(hostname)" != redis-0 ]; then
  primary="redis-0.${domain}"
fi
set -- --port 6379 --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD" \
  --replica-announce-ip "$self" --save "" --appendonly no --maxmemory-policy noeviction --dir /data
if [ -n "$primary" ] && [ "$primary" != "$self" ]; then
  set -- "$@" --replicaof "$primary" 6379
fi
exec redis-server "$@"
