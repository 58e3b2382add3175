# Shared by the benchmark scripts (sourced, not run): starting and stopping the whole stack with the AppHost.
# The caller sets ROOT, WORK (a temporary directory) and GATEWAY, and calls stop_stack from its EXIT trap.
APPHOST_PID=""

# Refuses to run when something already answers on the gateway's port: another stack (a './dev run') would be
# measured instead, with its own settings.
require_free_gateway() {
  if curl -sf "$GATEWAY/health" >/dev/null 2>&1; then
    echo "something already answers on $GATEWAY (a './dev run'?): stop it first" >&2
    exit 1
  fi
}

# start_stack [dashboard=0]: the Release build of the stack, with the caller's environment (settings as
# Section__Key=value) passed on to every service; returns once the gateway is healthy (it starts only after every
# service is), or exits with the end of the AppHost's log.
start_stack() {
  local dashboard="${1:-0}"
  if [ "$dashboard" = 1 ]; then
    dotnet run -c Release --no-build --project "$ROOT/AppHost" --launch-profile http >"$WORK/apphost.log" 2>&1 &
  else
    # Without the dashboard: no development telemetry export competing for the CPU.
    INTROSERV_NO_DASHBOARD=1 dotnet run -c Release --no-build --project "$ROOT/AppHost" --launch-profile http \
      >"$WORK/apphost.log" 2>&1 &
  fi
  APPHOST_PID=$!
  for _ in $(seq 1 120); do
    curl -sf "$GATEWAY/health" >/dev/null 2>&1 && return 0
    sleep 2
  done
  echo "the stack did not start; log: $WORK/apphost.log" >&2
  tail -20 "$WORK/apphost.log" >&2
  exit 1
}

stop_stack() {
  if [ -n "$APPHOST_PID" ]; then
    # 'dotnet run' does not pass the signal on: stop the AppHost it started (by id), then it.
    for child in $(pgrep -P "$APPHOST_PID" || true); do kill "$child" 2>/dev/null || true; done
    kill "$APPHOST_PID" 2>/dev/null || true
    wait "$APPHOST_PID" 2>/dev/null || true
    APPHOST_PID=""
  fi
}
