#!/usr/bin/env bash
# Local PostgreSQL, Redis and RabbitMQ for development and tests, without Docker or systemd.
#
#   infra.sh install   install the Debian packages that are missing (apt-get; needs root or sudo)
#   infra.sh install-test-tools  install what the tests use besides the servers: Debian's chromium (browser
#                                test), openssl and kubectl with kustomize v5 (manifest tests)
#   infra.sh start     start the three servers (idempotent) and write the connection settings
#   infra.sh stop      stop what this script started
#   infra.sh status    show what is running
#   infra.sh settings  print the path of the settings file the AppHost reads
#
# Data, logs and generated credentials live in $INTROSERV_INFRA_DIR
# (default /var/tmp/introserv-<user>), outside the source tree. Ports avoid the system defaults.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INFRA_DIR="${INTROSERV_INFRA_DIR:-/var/tmp/introserv-$(id -un)}"
PG_PORT="${INTROSERV_PG_PORT:-55432}"
REDIS_PORT="${INTROSERV_REDIS_PORT:-56379}"
AMQP_PORT="${INTROSERV_AMQP_PORT:-55672}"
# The server's Erlang distribution port defaults to AMQP + 20000 (invalid above 45535), so it is set
# explicitly, for the server only: CLI tools take 35672-35682 for themselves, so avoid that range.
RABBIT_DIST_PORT="${INTROSERV_RABBIT_DIST_PORT:-45672}"
RABBIT_NODE="introserv-${AMQP_PORT}@localhost"
APP_USER="introserv"
TEST_VHOSTS="introserv-tests-notifications introserv-tests-webhooks"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || die "PostgreSQL is not installed (run: $0 install)"
  printf '%s' "$d"
}

# PostgreSQL refuses to run as root: as root it runs as the 'postgres' user, otherwise as the caller.
pg_user() { if [ "$(id -u)" -eq 0 ]; then printf postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

RABBIT_BIN=/usr/lib/rabbitmq/bin
rabbit_env() {
  export HOME="$INFRA_DIR/rabbitmq/home"
  export RABBITMQ_NODENAME="$RABBIT_NODE"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
  # Keep Erlang distribution and epmd on loopback too.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$INFRA_DIR/rabbitmq/mnesia"
  export RABBITMQ_LOG_BASE="$INFRA_DIR/rabbitmq/log"
  export RABBITMQ_PID_FILE="$INFRA_DIR/rabbitmq/rabbitmq.pid"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$INFRA_DIR/rabbitmq/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$INFRA_DIR/rabbitmq/rabbitmq"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$INFRA_DIR/rabbitmq/advanced.config"
}
# The CLI is an Erlang node too: it must share the server's cookie (HOME) but not its ports.
rabbitctl() { ( export HOME="$INFRA_DIR/rabbitmq/home" ERL_EPMD_ADDRESS=127.0.0.1; "$RABBIT_BIN/rabbitmqctl" -n "$RABBIT_NODE" "$@" ); }

cmd_install() {
  local missing=()
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
  if [ ${#missing[@]} -eq 0 ]; then log "packages present"; return; fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d or no systemd: the packages' own services do not start; this script starts its own.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Headless Chromium for the end-to-end test that signs in through the real login pages (Playwright drives
# Debian's build; it cannot download browsers here).
cmd_install_test_tools() {
  local packages=()
  [ -x /usr/bin/chromium ] || packages+=(chromium chromium-driver)
  command -v openssl >/dev/null || packages+=(openssl)
  # The manifest tests render deploy/k8s with 'kubectl kustomize' (kustomize v5, kubectl >= 1.27). Debian
  # bookworm's own kubernetes-client is older; it is installed only when no kubectl is there at all.
  command -v kubectl >/dev/null || packages+=(kubernetes-client)
  if [ ${#packages[@]} -eq 0 ]; then log "test tools present"; else
    log "installing ${packages[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
  # Offline schema validation of the rendered manifests (deploy/k8s/validate, pinned by its package-lock.json).
  command -v npm >/dev/null || { log "npm (Node.js) is required for the manifest tests"; exit 1; }
  # Installed again when the lock changed since (npm ci writes node_modules/.package-lock.json).
  local validate="$ROOT/deploy/k8s/validate"
  if [ ! -f "$validate/node_modules/.package-lock.json" ] \
    || [ "$validate/package-lock.json" -nt "$validate/node_modules/.package-lock.json" ]; then
    npm ci --prefix "$validate" --no-audit --no-fund --loglevel=error
  fi
  if ! kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5'; then
    log "warning: kubectl without kustomize v5 ($(kubectl version --client 2>&1 | tr '\n' ' ')); the manifest tests need kubectl >= 1.27"
  fi
}

ensure_credentials() {
  mkdir -p "$INFRA_DIR"
  chmod 755 "$INFRA_DIR"
  local creds="$INFRA_DIR/credentials.env"
  if [ ! -f "$creds" ]; then
    umask 077
    {
      printf 'PG_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      printf 'REDIS_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      printf 'RABBIT_PASSWORD=%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } > "$creds"
    umask 022
  fi
  # shellcheck disable=SC1090
  . "$creds"
}

start_postgres() {
  local bin dir sock
  bin=$(pg_bin)
  dir="$INFRA_DIR/postgres"
  sock="$dir/run"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown "$(pg_user)" "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $dir/data"
    as_pg mkdir -p "$dir/data" "$sock"
    as_pg "$bin/initdb" -D "$dir/data" -U "$(pg_user)" --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg mkdir -p "$sock"
  if as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "PostgreSQL already running on $PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $sock -c listen_addresses=127.0.0.1 -c max_connections=400" start >/dev/null
  fi
  as_pg "$bin/pg_isready" -q -h "$sock" -p "$PG_PORT" -t 30 || die "PostgreSQL did not become ready (see $dir/postgres.log)"
  # The application role: may create its databases (each service migrates its own) and roles (tests check that a
  # service's runtime role gets rows, not the schema), nothing more.
  as_pg "$bin/psql" -q -h "$sock" -p "$PG_PORT" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER') THEN
    CREATE ROLE $APP_USER LOGIN CREATEDB CREATEROLE PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $APP_USER LOGIN CREATEDB CREATEROLE PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
-- Tests drop their databases WITH (FORCE); an autovacuum worker busy in one (frequent after the per-test resets)
-- can only be stopped by a member of pg_signal_backend, otherwise the drop fails.
GRANT pg_signal_backend TO $APP_USER;
SQL
}

start_redis() {
  local dir="$INFRA_DIR/redis"
  mkdir -p "$dir"
  chmod 700 "$dir"
  if redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" ping 2>/dev/null | grep -q PONG; then
    log "Redis already running on $REDIS_PORT"; return
  fi
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  umask 077
  cat > "$dir/redis.conf" <<CONF
port $REDIS_PORT
bind 127.0.0.1
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
requirepass $REDIS_PASSWORD
CONF
  umask 022
  redis-server "$dir/redis.conf"
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" ping 2>/dev/null | grep -q PONG && return
    sleep 0.1
  done
  die "Redis did not become ready (see $dir/redis.log)"
}

start_rabbitmq() {
  local dir="$INFRA_DIR/rabbitmq"
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  [ -f "$dir/enabled_plugins" ] || printf '[].\n' > "$dir/enabled_plugins"
  printf 'loopback_users = none\n' > "$dir/rabbitmq.conf"
  [ -f "$dir/advanced.config" ] || printf '[].\n' > "$dir/advanced.config"
  if rabbitctl status >/dev/null 2>&1; then
    log "RabbitMQ already running on $AMQP_PORT"
  else
    log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT"
    # Started from its own folder: a node whose working directory is deleted (a test's output folder, a clone
    # removed after a run) can no longer run any OS command and stops answering rabbitmqctl.
    ( cd "$dir"; rabbit_env; nohup "$RABBIT_BIN/rabbitmq-server" >"$dir/log/console.log" 2>&1 & )
    rabbitctl wait --timeout 90 "$dir/rabbitmq.pid" >/dev/null || die "RabbitMQ did not start (see $dir/log)"
  fi
  rabbitctl await_startup --timeout 90 >/dev/null || die "RabbitMQ did not finish booting (see $dir/log)"
  if rabbitctl list_users -q 2>/dev/null | awk '{print $1}' | grep -qx "$APP_USER"; then
    rabbitctl change_password "$APP_USER" "$RABBIT_PASSWORD" >/dev/null
  else
    rabbitctl add_user "$APP_USER" "$RABBIT_PASSWORD" >/dev/null
  fi
  rabbitctl set_permissions -p / "$APP_USER" '.*' '.*' '.*' >/dev/null
  # Test hosts that must not see the events other services' test hosts publish get a virtual host of their own.
  for vhost in $TEST_VHOSTS; do
    rabbitctl add_vhost "$vhost" >/dev/null 2>&1 || true
    rabbitctl set_permissions -p "$vhost" "$APP_USER" '.*' '.*' '.*' >/dev/null
  done
  rabbitctl delete_user guest >/dev/null 2>&1 || true
  drop_classic_queues
}

# The services declare quorum queues, and the broker refuses to declare a queue again with another type: durable
# classic queues left by earlier versions are deleted once, and their consumers declare them again as quorum queues
# (messages waiting in them are lost; local data only). Auto-deleted and exclusive queues (a bus's own) stay. Once
# per broker data folder (a marker file records it): the services declare no classic queue any more, and every
# test process runs start, where listing the queues would cost a second or two each time.
drop_classic_queues() {
  local vhost queue marker="$INFRA_DIR/rabbitmq/quorum-queues"
  [ -f "$marker" ] && return
  for vhost in / $TEST_VHOSTS; do
    { rabbitctl list_queues -p "$vhost" -q --no-table-headers name type durable auto_delete exclusive 2>/dev/null ||
      true; } |
      awk '$2 == "classic" && $3 == "true" && $4 == "false" && $5 == "false" { print $1 }' |
      while read -r queue; do
        # A queue gone meanwhile (expired, deleted by its test host) is no error.
        if rabbitctl delete_queue -p "$vhost" "$queue" </dev/null >/dev/null 2>&1; then
          log "deleted the classic queue $queue (vhost $vhost): the services declare it again as a quorum queue"
        fi
      done
  done
  : > "$marker"
}

write_settings() {
  umask 077
  cat > "$INFRA_DIR/connections.json" <<JSON
{
  "Infra": {
    "Local": {
      "Postgres": "Host=127.0.0.1;Port=$PG_PORT;Username=$APP_USER;Password=$PG_PASSWORD",
      "Redis": "127.0.0.1:$REDIS_PORT,password=$REDIS_PASSWORD",
      "RabbitMq": "amqp://$APP_USER:$RABBIT_PASSWORD@127.0.0.1:$AMQP_PORT/",
      "PostgresPort": $PG_PORT,
      "RedisPort": $REDIS_PORT,
      "RabbitMqPort": $AMQP_PORT
    }
  }
}
JSON
  umask 022
}

cmd_start() {
  ensure_credentials
  start_postgres
  start_redis
  start_rabbitmq
  write_settings
  log "ready: PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, RabbitMQ :$AMQP_PORT (settings: $INFRA_DIR/connections.json)"
}

cmd_stop() {
  local bin
  if [ -f "$INFRA_DIR/credentials.env" ]; then
    # shellcheck disable=SC1090
    . "$INFRA_DIR/credentials.env"
  fi
  if [ -x "$RABBIT_BIN/rabbitmqctl" ] && rabbitctl status >/dev/null 2>&1; then
    log "stopping RabbitMQ"
    rabbitctl stop "$INFRA_DIR/rabbitmq/rabbitmq.pid" >/dev/null 2>&1 || true
    # epmd outlives the node; stop it when no other Erlang node uses it.
    if command -v epmd >/dev/null 2>&1 && ! epmd -names 2>/dev/null | grep -q '^name '; then
      epmd -kill >/dev/null 2>&1 || true
    fi
  fi
  if [ -f "$INFRA_DIR/redis/redis.pid" ]; then
    log "stopping Redis"
    redis-cli -p "$REDIS_PORT" --no-auth-warning -a "${REDIS_PASSWORD:-}" shutdown nosave >/dev/null 2>&1 || true
  fi
  if [ -f "$INFRA_DIR/postgres/data/postmaster.pid" ]; then
    bin=$(pg_bin)
    log "stopping PostgreSQL"
    as_pg "$bin/pg_ctl" -D "$INFRA_DIR/postgres/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

cmd_status() {
  ensure_credentials
  local bin
  bin=$(pg_bin)
  as_pg "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && echo "postgresql: up :$PG_PORT" || echo "postgresql: down"
  redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" ping 2>/dev/null | grep -q PONG && echo "redis: up :$REDIS_PORT" || echo "redis: down"
  rabbitctl status >/dev/null 2>&1 && echo "rabbitmq: up :$AMQP_PORT" || echo "rabbitmq: down"
}

# The outage drills stop the broker's application (the node and its data stay) and start it again. On a loaded
# machine rabbitmqctl can fail to reach the node for a moment (exit 69, "unable to perform an operation"), and a
# node has been seen to die while its application was stopped: each step is retried, and a node that no longer
# answers at all is started again from its data folder, so a drill never leaves the machine without a broker.
pause_broker() {
  local attempt
  for attempt in 1 2 3 4 5; do
    rabbitctl stop_app >/dev/null 2>&1 && return 0
    log "stopping the RabbitMQ application failed (attempt $attempt); retrying"
    sleep 2
  done
  # A node that cannot be reached serves no client either: the broker is away, which is what was asked.
  rabbitctl ping >/dev/null 2>&1 && die "the RabbitMQ application did not stop (see $INFRA_DIR/rabbitmq/log)"
  log "the RabbitMQ node does not answer; resume-broker starts it again"
}

resume_broker() {
  local attempt pid pidfile="$INFRA_DIR/rabbitmq/rabbitmq.pid"
  ensure_credentials
  for attempt in 1 2 3 4 5; do
    if rabbitctl ping >/dev/null 2>&1; then
      # start_app can fail (lose the node for a moment, or give up on a slow boot: many queues to recover) while the
      # application goes on starting; a second start_app meanwhile fails too, and one can find the listener's port
      # taken by the first. So the boot is waited for whatever start_app said, and only then is it asked again.
      rabbitctl start_app >/dev/null 2>&1 || true
      rabbitctl await_startup --timeout 30 >/dev/null 2>&1 && return 0
      log "starting the RabbitMQ application failed (attempt $attempt); retrying"
    elif [ "$attempt" -ge 2 ]; then
      # Still unreachable after a retry: the node is gone or hung. Its process (ours: the pid file is the one this
      # script gave it) is stopped, and the node started again; its queues and messages are on disk.
      pid=$(cat "$pidfile" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        log "the RabbitMQ node (pid $pid) does not answer; stopping it"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      log "starting the RabbitMQ node again (attempt $attempt)"
      rm -f "$pidfile"
      ( start_rabbitmq ) && return 0
    fi
    sleep 2
  done
  die "RabbitMQ did not come back (see $INFRA_DIR/rabbitmq/log)"
}

# start, stop and restart change the servers: one at a time. Tests start several AppHosts at once, and each
# runs 'start'; two concurrent runs of the role set-up SQL failed with "tuple concurrently updated".
serialised() {
  mkdir -p "$INFRA_DIR"
  exec 9>"$INFRA_DIR/.infra.lock"
  flock 9
  # The servers started below inherit descriptor 9; unlocking (not closing) releases the lock for them too.
  trap 'flock -u 9' EXIT
  "$@"
}

case "${1:-}" in
  install) cmd_install ;;
  install-test-tools|install-browser) cmd_install_test_tools ;;
  start) serialised cmd_start ;;
  stop) serialised cmd_stop ;;
  restart) serialised cmd_stop; cmd_start ;;
  status) cmd_status ;;
  # Used by the messaging tests to take the broker away and bring it back without losing its data.
  pause-broker) pause_broker ;;
  resume-broker) serialised resume_broker ;;
  # Used by the outage drills: PostgreSQL stops at once (connections cut, in-flight transactions rolled back) and
  # comes back with the options it was started with.
  restart-postgres) as_pg "$(pg_bin)/pg_ctl" -D "$INFRA_DIR/postgres/data" -l "$INFRA_DIR/postgres/postgres.log" -m fast -w -t 60 restart >/dev/null ;;
  settings) printf '%s\n' "$INFRA_DIR/connections.json" ;;
  *) echo "usage: $0 install|install-test-tools|start|stop|restart|status|settings|pause-broker|resume-broker|restart-postgres" >&2; exit 2 ;;
esac
