#!/usr/bin/env bash
# Creates every Secret the Introserv manifests reference. No secret value is ever committed: this script
# generates them (or takes them from the environment) and hands them straight to kubectl.
#
#   deploy/k8s/secrets.example.sh dev  [namespace]   # default namespace introserv-dev
#   deploy/k8s/secrets.example.sh prod [namespace]   # default namespace introserv
#
# A Secret that already exists is kept as it is (delete it to have it created anew): re-running never
# rotates keys or passwords behind a running deployment's back. DRY_RUN=1 prints the Secrets as YAML
# instead of creating them (no cluster needed; the printed values are real, so do not keep the output).
#
# Both modes
#   identity-keys             signing-key.pem (RSA 2048, PKCS#8 PEM), encryption-key.b64 (base64 of 32 bytes);
#                             generated with openssl unless SIGNING_KEY_FILE / ENCRYPTION_KEY_FILE name files;
#                             previous-signing-key.pem empty (PREVIOUS_SIGNING_KEY_FILE: the key before a rotation)
#   identity-data-protection  certificate.pem, key.pem: the certificate that encrypts the Data Protection key ring
#                             (self-signed RSA 3072, ten years, unless DATA_PROTECTION_CERT_FILE / _KEY_FILE name
#                             files); previous-certificate.pem, previous-key.pem empty (the one before a replacement)
#   gateway-client            client-secret (>= 32 characters; random unless GATEWAY_CLIENT_SECRET is set):
#                             Identity__ServiceClients__0__ClientSecret and the gateway's ServiceIdentity__ClientSecret
#   profile-client            client-secret (likewise, PROFILE_CLIENT_SECRET): Identity__ServiceClients__1__ClientSecret
#                             and Profile's ServiceIdentity__ClientSecret (Profile calls Verification's gRPC)
#   orders-client             client-secret (likewise, ORDERS_CLIENT_SECRET): Identity__ServiceClients__2__ClientSecret
#                             and Orders' ServiceIdentity__ClientSecret (Orders calls Profile's and Identity's gRPC)
#   identity-client           client-secret (likewise, IDENTITY_CLIENT_SECRET): Identity__ServiceClients__3__ClientSecret
#                             and Identity's own ServiceIdentity__ClientSecret (Identity calls Verification's gRPC)
#   notifications-client      client-secret (likewise, NOTIFICATIONS_CLIENT_SECRET):
#                             Identity__ServiceClients__4__ClientSecret and Notifications' ServiceIdentity__ClientSecret
#                             (Notifications calls Identity's gRPC)
#   verification-secrets      code-hash-key (random; the HMAC key codes are stored under) and the telephony
#                             providers' Authorization header values sms-primary-authorization,
#                             sms-secondary-authorization, call-primary-authorization, call-secondary-authorization
#                             from TELEPHONY_SMS_PRIMARY_AUTHORIZATION etc. (e.g. "Bearer <token>"; empty: no header)
#   identity-bootstrap-staff  login, email, password: only when STAFF_LOGIN, STAFF_EMAIL and STAFF_PASSWORD are set
#   notifications-smtp        host, port, username, password: only when SMTP_HOST is set (SMTP_PORT, default 587,
#                             SMTP_USERNAME, SMTP_PASSWORD)
#   orders-payments           api-key, callback-secret, previous-callback-secret: the payment provider's API key
#                             and callback secrets, only when PAYMENTS_API_KEY and PAYMENTS_CALLBACK_SECRET are set
#                             (PAYMENTS_PREVIOUS_CALLBACK_SECRET while rotating)
#   orders-invoice-links      signing-key (random unless INVOICE_LINK_KEY is given, 32+ characters) and
#                             previous-signing-key (INVOICE_LINK_PREVIOUS_KEY while rotating; empty otherwise): the
#                             keys invoice mails' PDF links are signed with
#   notifications-webhooks    secret-key (base64 of 32 random bytes unless WEBHOOK_SECRET_KEY is given) and
#                             previous-secret-key (WEBHOOK_PREVIOUS_SECRET_KEY while replacing it; empty otherwise):
#                             the key webhook endpoints' signing secrets are encrypted under. Kept when it exists:
#                             a new key would leave the stored secrets unreadable
#   introserv-tls             the Gateway's certificate: only when TLS_CERT_FILE and TLS_KEY_FILE are set
#                             (the dev overlay's Gateway uses introserv-dev-tls; components/cert-manager makes
#                             cert-manager write it instead)
#
# dev: passwords for the in-cluster servers and connection strings that point at them
#   postgres-credentials      username, password
#   redis-credentials         password
#   rabbitmq-credentials      username, password
#   <service>-db              connection-string (identity, profile, orders, notifications, verification)
#   introserv-redis           connection-string
#   introserv-rabbitmq        connection-string
#
# prod: connection strings of the managed servers, from the environment (all required)
#   IDENTITYDB_CONNECTION_STRING, PROFILEDB_CONNECTION_STRING, ORDERSDB_CONNECTION_STRING,
#   NOTIFICATIONSDB_CONNECTION_STRING, VERIFICATIONDB_CONNECTION_STRING
#       Npgsql: Host=...;Port=5432;Database=introserv_identity;Username=...;Password=...;SSL Mode=VerifyFull
#   or, with POSTGRES=cloudnative-pg (components/cloudnative-pg runs PostgreSQL in the cluster), instead of those:
#   <service>-db-role         username, password (kubernetes.io/basic-auth): the service's role, which the operator
#                             creates; the password is random (or read from an existing Secret)
#   <service>-db              connection-string to the Cluster's primary (introserv-pg-rw) as that role
#   <service>-db-owner-role   username, password (kubernetes.io/basic-auth): <service>_owner, the database's owner,
#                             as which the migrate step changes the schema
#   <service>-db-migrate      connection-string to the primary as <service>_owner (the migrate init container)
#   postgres-backup-s3        ACCESS_KEY_ID, ACCESS_SECRET_KEY: the backup bucket's credentials, from
#                             PG_BACKUP_ACCESS_KEY_ID and PG_BACKUP_SECRET_ACCESS_KEY (required)
#   and with REDIS=sentinel (components/redis-sentinel runs Redis in the cluster), instead of REDIS_CONNECTION_STRING:
#   redis-credentials         password (random, or kept): the Redis servers' and Sentinels' password
#   introserv-redis           connection-string through the Sentinels (redis-sentinel:26379,serviceName=introserv)
#   REDIS_CONNECTION_STRING     StackExchange.Redis: host:6380,password=...,ssl=true,abortConnect=false
#   RABBITMQ_CONNECTION_STRING  amqps://user:password@host:5671/vhost
#   or, with RABBITMQ=operator (components/rabbitmq-operator runs RabbitMQ in the cluster), instead of it:
#   rabbitmq-user             username (introserv), password (random, or kept): the services' user, which the
#                             topology operator imports
#   introserv-rabbitmq        connection-string to introserv-rabbitmq:5672, virtual host introserv, as that user
set -euo pipefail

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; }
die() { printf 'secrets: %s\n' "$*" >&2; exit 1; }

mode="${1:-}"
case "$mode" in
  dev) ns="${2:-introserv-dev}" ;;
  prod) ns="${2:-introserv}" ;;
  *) usage; exit 2 ;;
esac
dry="${DRY_RUN:-0}"
services=(identity profile orders notifications verification)

command -v kubectl >/dev/null || die "kubectl is required"
command -v openssl >/dev/null || die "openssl is required"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

random_hex() { openssl rand -hex "${1:-24}"; }

exists() {
  [ "$dry" = 1 ] && return 1
  kubectl -n "$ns" get secret "$1" >/dev/null 2>&1
}

# read_key SECRET KEY: a value of an existing Secret (so connection strings match existing server passwords).
read_key() { kubectl -n "$ns" get secret "$1" -o "jsonpath={.data.$2}" | base64 -d; }

kept() { printf 'secret/%s exists in %s: kept\n' "$1" "$ns" >&2; }

# create NAME TYPE ARGS...: kubectl create secret TYPE NAME ARGS..., unless NAME exists.
create() {
  local name="$1" type="$2"
  shift 2
  if exists "$name"; then
    kept "$name"
    return
  fi
  if [ "$dry" = 1 ]; then
    echo "---"
    kubectl -n "$ns" create secret "$type" "$name" "$@" --dry-run=client -o yaml
  else
    kubectl -n "$ns" create secret "$type" "$name" "$@"
  fi
}

require() {
  local name="$1"
  [ -n "${!name:-}" ] || die "$name is not set (prod takes the managed servers' connection strings from the environment)"
}

if [ "$dry" != 1 ] && ! kubectl get namespace "$ns" >/dev/null 2>&1; then
  kubectl create namespace "$ns"
fi

# --- Identity's token keys and the gateway's client secret -------------------------------------------------
if ! exists identity-keys; then
  signing="${SIGNING_KEY_FILE:-}"
  encryption="${ENCRYPTION_KEY_FILE:-}"
  if [ -z "$signing" ]; then
    signing="$work/signing-key.pem"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$signing" 2>/dev/null
  fi
  if [ -z "$encryption" ]; then
    encryption="$work/encryption-key.b64"
    openssl rand -base64 32 | tr -d '\n' >"$encryption"
  fi
  previous="${PREVIOUS_SIGNING_KEY_FILE:-$work/previous-signing-key.pem}"
  [ -e "$previous" ] || : >"$previous"
  create identity-keys generic \
    --from-file=signing-key.pem="$signing" \
    --from-file=encryption-key.b64="$encryption" \
    --from-file=previous-signing-key.pem="$previous"
else
  kept identity-keys
fi

# --- Identity's Data Protection key ring certificate -------------------------------------------------------
if ! exists identity-data-protection; then
  dp_cert="${DATA_PROTECTION_CERT_FILE:-}"
  dp_key="${DATA_PROTECTION_KEY_FILE:-}"
  if [ -z "$dp_cert" ]; then
    dp_cert="$work/dp-certificate.pem"
    dp_key="$work/dp-key.pem"
    openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj "/CN=introserv-identity-data-protection" \
      -keyout "$dp_key" -out "$dp_cert" 2>/dev/null
  fi
  [ -n "$dp_key" ] || die "DATA_PROTECTION_CERT_FILE needs DATA_PROTECTION_KEY_FILE"
  : >"$work/empty"
  create identity-data-protection generic \
    --from-file=certificate.pem="$dp_cert" \
    --from-file=key.pem="$dp_key" \
    --from-file=previous-certificate.pem="$work/empty" \
    --from-file=previous-key.pem="$work/empty"
else
  kept identity-data-protection
fi

client_secret="${GATEWAY_CLIENT_SECRET:-$(random_hex 32)}"
[ "${#client_secret}" -ge 32 ] || die "GATEWAY_CLIENT_SECRET must be at least 32 characters"
create gateway-client generic --from-literal=client-secret="$client_secret"
profile_secret="${PROFILE_CLIENT_SECRET:-$(random_hex 32)}"
[ "${#profile_secret}" -ge 32 ] || die "PROFILE_CLIENT_SECRET must be at least 32 characters"
create profile-client generic --from-literal=client-secret="$profile_secret"
orders_secret="${ORDERS_CLIENT_SECRET:-$(random_hex 32)}"
[ "${#orders_secret}" -ge 32 ] || die "ORDERS_CLIENT_SECRET must be at least 32 characters"
create orders-client generic --from-literal=client-secret="$orders_secret"
identity_secret="${IDENTITY_CLIENT_SECRET:-$(random_hex 32)}"
[ "${#identity_secret}" -ge 32 ] || die "IDENTITY_CLIENT_SECRET must be at least 32 characters"
create identity-client generic --from-literal=client-secret="$identity_secret"
notifications_secret="${NOTIFICATIONS_CLIENT_SECRET:-$(random_hex 32)}"
[ "${#notifications_secret}" -ge 32 ] || die "NOTIFICATIONS_CLIENT_SECRET must be at least 32 characters"
create notifications-client generic --from-literal=client-secret="$notifications_secret"

# --- Verification: the code HMAC key and the telephony providers' credentials ------------------------------
create verification-secrets generic \
  --from-literal=code-hash-key="$(random_hex 32)" \
  --from-literal=sms-primary-authorization="${TELEPHONY_SMS_PRIMARY_AUTHORIZATION:-}" \
  --from-literal=sms-secondary-authorization="${TELEPHONY_SMS_SECONDARY_AUTHORIZATION:-}" \
  --from-literal=call-primary-authorization="${TELEPHONY_CALL_PRIMARY_AUTHORIZATION:-}" \
  --from-literal=call-secondary-authorization="${TELEPHONY_CALL_SECONDARY_AUTHORIZATION:-}"

# --- Connection strings ------------------------------------------------------------------------------------
if [ "$mode" = dev ]; then
  pg_user=introserv
  if exists postgres-credentials; then
    pg_user="$(read_key postgres-credentials username)"
    pg_password="$(read_key postgres-credentials password)"
  else
    pg_password="$(random_hex)"
  fi
  create postgres-credentials generic --from-literal=username="$pg_user" --from-literal=password="$pg_password"

  if exists redis-credentials; then
    redis_password="$(read_key redis-credentials password)"
  else
    redis_password="$(random_hex)"
  fi
  create redis-credentials generic --from-literal=password="$redis_password"

  mq_user=introserv
  if exists rabbitmq-credentials; then
    mq_user="$(read_key rabbitmq-credentials username)"
    mq_password="$(read_key rabbitmq-credentials password)"
  else
    mq_password="$(random_hex)"
  fi
  create rabbitmq-credentials generic --from-literal=username="$mq_user" --from-literal=password="$mq_password"

  # The in-cluster user is PostgreSQL's superuser: the migrate step creates each database.
  for service in "${services[@]}"; do
    create "$service-db" generic \
      --from-literal=connection-string="Host=postgres;Port=5432;Database=introserv_${service};Username=${pg_user};Password=${pg_password}"
  done
  create introserv-redis generic --from-literal=connection-string="redis:6379,password=${redis_password},abortConnect=false"
  create introserv-rabbitmq generic --from-literal=connection-string="amqp://${mq_user}:${mq_password}@rabbitmq:5672/"
elif [ "${POSTGRES:-}" = cloudnative-pg ]; then
  # Each role's password is kept in the Secret the operator reads and in the connection string that uses it: the
  # service's as its runtime role, the migrate step's as the database's owner role.
  for service in "${services[@]}"; do
    if exists "$service-db-role"; then
      role_password="$(read_key "$service-db-role" password)"
    else
      role_password="$(random_hex)"
    fi
    if exists "$service-db-owner-role"; then
      owner_password="$(read_key "$service-db-owner-role" password)"
    else
      owner_password="$(random_hex)"
    fi
    create "$service-db-role" generic --type=kubernetes.io/basic-auth \
      --from-literal=username="$service" --from-literal=password="$role_password"
    create "$service-db-owner-role" generic --type=kubernetes.io/basic-auth \
      --from-literal=username="${service}_owner" --from-literal=password="$owner_password"
    create "$service-db" generic --from-literal=connection-string="Host=introserv-pg-rw;Port=5432;Database=introserv_${service};Username=${service};Password=${role_password};SSL Mode=Require;Maximum Pool Size=20"
    create "$service-db-migrate" generic --from-literal=connection-string="Host=introserv-pg-rw;Port=5432;Database=introserv_${service};Username=${service}_owner;Password=${owner_password};SSL Mode=Require;Maximum Pool Size=2"
  done
  require PG_BACKUP_ACCESS_KEY_ID
  require PG_BACKUP_SECRET_ACCESS_KEY
  create postgres-backup-s3 generic \
    --from-literal=ACCESS_KEY_ID="$PG_BACKUP_ACCESS_KEY_ID" --from-literal=ACCESS_SECRET_KEY="$PG_BACKUP_SECRET_ACCESS_KEY"
else
  for service in "${services[@]}"; do
    variable="$(printf '%sDB_CONNECTION_STRING' "$service" | tr '[:lower:]' '[:upper:]')"
    require "$variable"
    create "$service-db" generic --from-literal=connection-string="${!variable}"
  done
fi

if [ "$mode" = prod ] && [ "${REDIS:-}" = sentinel ]; then
  # The servers and Sentinels share one password; the services reach the primary through the Sentinels.
  if exists redis-credentials; then
    redis_password="$(read_key redis-credentials password)"
  else
    redis_password="$(random_hex)"
  fi
  create redis-credentials generic --from-literal=password="$redis_password"
  create introserv-redis generic --from-literal=connection-string="redis-sentinel:26379,serviceName=introserv,password=${redis_password},abortConnect=false"
elif [ "$mode" = prod ]; then
  require REDIS_CONNECTION_STRING
  create introserv-redis generic --from-literal=connection-string="$REDIS_CONNECTION_STRING"
fi

if [ "$mode" = prod ] && [ "${RABBITMQ:-}" = operator ]; then
  # The topology operator imports the user's credentials; the services connect as that user to its virtual host.
  if exists rabbitmq-user; then
    mq_password="$(read_key rabbitmq-user password)"
  else
    mq_password="$(random_hex)"
  fi
  create rabbitmq-user generic --from-literal=username=introserv --from-literal=password="$mq_password"
  create introserv-rabbitmq generic --from-literal=connection-string="amqp://introserv:${mq_password}@introserv-rabbitmq:5672/introserv"
elif [ "$mode" = prod ]; then
  require RABBITMQ_CONNECTION_STRING
  create introserv-rabbitmq generic --from-literal=connection-string="$RABBITMQ_CONNECTION_STRING"
fi

# --- Optional ----------------------------------------------------------------------------------------------
if [ -n "${STAFF_LOGIN:-}" ]; then
  [ -n "${STAFF_EMAIL:-}" ] && [ -n "${STAFF_PASSWORD:-}" ] || die "STAFF_LOGIN needs STAFF_EMAIL and STAFF_PASSWORD"
  create identity-bootstrap-staff generic \
    --from-literal=login="$STAFF_LOGIN" --from-literal=email="$STAFF_EMAIL" --from-literal=password="$STAFF_PASSWORD"
fi

if [ -n "${SMTP_HOST:-}" ]; then
  create notifications-smtp generic \
    --from-literal=host="$SMTP_HOST" --from-literal=port="${SMTP_PORT:-587}" \
    --from-literal=username="${SMTP_USERNAME:-}" --from-literal=password="${SMTP_PASSWORD:-}"
fi

if [ -n "${PAYMENTS_API_KEY:-}" ]; then
  [ "${#PAYMENTS_CALLBACK_SECRET}" -ge 16 ] || die "PAYMENTS_API_KEY needs PAYMENTS_CALLBACK_SECRET (16+ characters)"
  create orders-payments generic \
    --from-literal=api-key="$PAYMENTS_API_KEY" --from-literal=callback-secret="$PAYMENTS_CALLBACK_SECRET" \
    --from-literal=previous-callback-secret="${PAYMENTS_PREVIOUS_CALLBACK_SECRET:-}"
fi

invoice_link_key="${INVOICE_LINK_KEY:-$(random_hex 32)}"
[ "${#invoice_link_key}" -ge 32 ] || die "INVOICE_LINK_KEY must be at least 32 characters"
create orders-invoice-links generic \
  --from-literal=signing-key="$invoice_link_key" \
  --from-literal=previous-signing-key="${INVOICE_LINK_PREVIOUS_KEY:-}"

webhook_secret_key="${WEBHOOK_SECRET_KEY:-$(openssl rand -base64 32)}"
[ "$(printf '%s' "$webhook_secret_key" | base64 -d 2>/dev/null | wc -c)" -eq 32 ] \
  || die "WEBHOOK_SECRET_KEY must be base64 of 32 bytes (openssl rand -base64 32)"
create notifications-webhooks generic \
  --from-literal=secret-key="$webhook_secret_key" \
  --from-literal=previous-secret-key="${WEBHOOK_PREVIOUS_SECRET_KEY:-}"

if [ -n "${TLS_CERT_FILE:-}" ] && [ -n "${TLS_KEY_FILE:-}" ]; then
  tls_name=introserv-tls
  [ "$mode" = dev ] && tls_name=introserv-dev-tls
  create "$tls_name" tls --cert="$TLS_CERT_FILE" --key="$TLS_KEY_FILE"
fi

[ "$dry" = 1 ] || printf 'secrets: done in namespace %s\n' "$ns" >&2
