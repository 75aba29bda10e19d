#!/usr/bin/env bash
# make demo: a real Temporal dev server with its Web UI, the sandbox ecforce
# and LOGILESS APIs seeded with sample orders, the worker, and a first order
# import. Ctrl-C stops everything this script started.
#
# It never destroys a running demo's state: it first checks that no demo
# runs (every port it would use is free and no other run.sh holds the lock)
# and only then moves the previous run's logs to .state/demo-logs/<time>/
# and starts afresh in .state/demo. `demo/run.sh --check` only checks (make
# demo runs it before it builds anything); `demo/run.sh --prepare` does the
# checks, keeps the logs, writes the shops file and exits (the tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."

prepare_only=false check_only=false
case "${1:-}" in
  "") ;;
  --prepare) prepare_only=true ;;
  --check) check_only=true ;;
  *) echo "usage: demo/run.sh [--check|--prepare]" >&2; exit 2 ;;
esac

STATE=.state/demo
LOGS=.state/demo-logs
KEEP_LOG_RUNS=${KEEP_LOG_RUNS:-10}

TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${UI_PORT:-8233}
ECFORCE_ADDR=${ECFORCE_ADDR:-127.0.0.1:18081}
LOGILESS_ADDR=${LOGILESS_ADDR:-127.0.0.1:18082}
export TEMPORAL_PORT UI_PORT ECFORCE_ADDR LOGILESS_ADDR

# Credentials of the sandbox (real shops put theirs in env vars or files)
# and the connector's settings. Sourcing it only sets variables.
source demo/env.sh

# 1. Is a demo (or anything else) already running? Checked before anything
# is written, so a second `make demo` leaves the running one's tokens,
# watermark and logs alone.
for addr in "127.0.0.1:$TEMPORAL_PORT" "127.0.0.1:$UI_PORT" "$ECFORCE_ADDR" "$LOGILESS_ADDR" ${CONNECTOR_METRICS_ADDRESS:+"$CONNECTOR_METRICS_ADDRESS"} ${CONNECTOR_WEBHOOK_ADDRESS:+"$CONNECTOR_WEBHOOK_ADDRESS"}; do
  if (exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null; then
    echo "demo: $addr is already in use (another demo or Temporal server?); nothing was changed. Stop it, or choose other ports with TEMPORAL_PORT, UI_PORT, ECFORCE_ADDR, LOGILESS_ADDR, CONNECTOR_METRICS_ADDRESS, CONNECTOR_WEBHOOK_ADDRESS" >&2
    exit 1
  fi
done
# Two demos starting at the same moment both see free ports; the lock lets
# only one of them on (flock is missing on some systems: then ports only).
lock_taken() {
  echo "demo: another demo/run.sh is starting or running (it holds .state/demo.lock); nothing was changed" >&2
  exit 1
}
if command -v flock >/dev/null 2>&1; then
  if $check_only; then
    if [ -e .state/demo.lock ] && ! flock -n .state/demo.lock true; then lock_taken; fi
  elif ! $prepare_only; then
    mkdir -p .state
    exec 9>>.state/demo.lock
    flock -n 9 || lock_taken
  fi
fi
if $check_only; then exit 0; fi

# 2. Keep the previous run's logs, then start from a fresh state: the
# sandbox starts empty, so old tokens and watermarks would not match it.
if compgen -G "$STATE/*.log" >/dev/null; then
  # Named by the time in JST (TZ=JST-9 needs no zone database).
  base="$LOGS/$(TZ=JST-9 date +%Y%m%d-%H%M%S)JST"
  kept=$base n=1
  while [ -e "$kept" ]; do n=$((n + 1)); kept="$base-$n"; done
  mkdir -p "$kept"
  mv "$STATE"/*.log "$kept"/
  echo "kept the previous demo's logs in $kept/"
  # Only the newest KEEP_LOG_RUNS runs' logs stay.
  ls -1dt "$LOGS"/*/ | awk -v keep="$KEEP_LOG_RUNS" 'NR > keep' | while read -r old; do rm -rf "$old"; done
fi
rm -rf "$STATE" && mkdir -p "$STATE"

# 3. The shops file the worker and the starter use: demo/shops.yaml with the
# sandbox addresses of this run (ECFORCE_ADDR, LOGILESS_ADDR) and the
# mapping table of demo/.
sed -e "s#http://127.0.0.1:18081#http://$ECFORCE_ADDR#g" \
    -e "s#http://127.0.0.1:18082#http://$LOGILESS_ADDR#g" \
    -e "s#^\( *mapping_file:\) *mapping.csv#\1 ../../demo/mapping.csv#" \
    demo/shops.yaml >"$CONNECTOR_SHOPS_FILE"

if $prepare_only; then
  echo "demo: prepared $STATE (shops file $CONNECTOR_SHOPS_FILE); not starting anything (--prepare)"
  exit 0
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo; echo "stopping the demo..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for_port() { # host:port name
  for _ in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "$2 did not start listening on $1; see $STATE/*.log" >&2
  exit 1
}

echo "starting the Temporal dev server (Web UI http://localhost:$UI_PORT)..."
bin/temporal server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$UI_PORT" \
  --log-level warn \
  --search-attribute ConnectorShop=Keyword \
  --search-attribute ConnectorOrderNumber=Keyword \
  --search-attribute ConnectorFlow=Keyword \
  --search-attribute ConnectorOutcome=Keyword \
  >"$STATE/temporal.log" 2>&1 &
pids+=($!)

echo "starting the sandbox APIs (ecforce http://$ECFORCE_ADDR, LOGILESS http://$LOGILESS_ADDR)..."
bin/sandbox -ecforce-addr "$ECFORCE_ADDR" -logiless-addr "$LOGILESS_ADDR" \
  -ecforce-email api@demo.example -ecforce-password "$DEMO_ECFORCE_PASSWORD" \
  -logiless-client-id demo-client -logiless-client-secret "$DEMO_LOGILESS_CLIENT_SECRET" \
  -logiless-redirect-uri http://localhost/callback \
  -seed-demo ${SANDBOX_FLAGS:--simulate -simulate-interval 20s} >"$STATE/sandbox.log" 2>&1 &
pids+=($!)

wait_for_port "127.0.0.1:$TEMPORAL_PORT" "Temporal"
wait_for_port "$ECFORCE_ADDR" "sandbox ecforce"
wait_for_port "$LOGILESS_ADDR" "sandbox LOGILESS"

echo "adding an order with an SKU the mapping table lacks (it waits blocked in the Web UI with a clear reason)..."
curl -fsS -X POST "http://$ECFORCE_ADDR/_sandbox/orders" -H 'Content-Type: application/json' \
  -d '{"items":[{"sku":"GIFT-WRAP","name":"ギフトラッピング","price":330,"quantity":1}],"shipping_carrier_id":1}' >/dev/null

echo "authorizing the connector at the sandbox LOGILESS (one-time OAuth code exchange)..."
code=$(curl -fsS -X POST "http://$LOGILESS_ADDR/_sandbox/authorization_code" | sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')
bin/starter logiless-auth --shop demo --code "$code"

echo "starting the worker..."
bin/worker >"$STATE/worker.log" 2>&1 &
pids+=($!)
wait_for_port "127.0.0.1:$UI_PORT" "Temporal Web UI"

echo "running an order import..."
bin/starter import-orders --shop demo --wait

echo "running a stock sync..."
bin/starter reconcile-stock --shop demo

echo "applying the Temporal Schedules of every shop and flow..."
bin/starter schedules apply

if [ -n "$CONNECTOR_WEBHOOK_ADDRESS" ]; then
  # ecforce's Webhook 管理, as a shop sets it up: one webhook per event,
  # each with the template of docs/webhooks.md. New orders now reach
  # LOGILESS in seconds; the schedules stay as the safety net.
  echo "registering the sandbox ecforce's webhooks (order_complete, order_canceled) to the worker..."
  hook="http://$CONNECTOR_WEBHOOK_ADDRESS/hooks/ecforce/demo/$DEMO_WEBHOOK_SECRET"
  tmpl='{\"order_id\":\"{{ order.id }}\",\"order_number\":\"{{ order.number }}\",\"state\":\"{{ order.state }}\"}'
  curl -fsS -X POST "http://$ECFORCE_ADDR/_sandbox/webhooks" -H 'Content-Type: application/json' \
    -d "[{\"event\":\"order_complete\",\"url\":\"$hook\",\"template\":\"$tmpl\"},{\"event\":\"order_canceled\",\"url\":\"$hook\",\"template\":\"$tmpl\"}]" >/dev/null
fi

# What another shell needs to reach this demo: env.sh with its ports.
envcmd="source demo/env.sh"
ports="TEMPORAL_PORT=$TEMPORAL_PORT UI_PORT=$UI_PORT CONNECTOR_METRICS_ADDRESS=$CONNECTOR_METRICS_ADDRESS CONNECTOR_WEBHOOK_ADDRESS=$CONNECTOR_WEBHOOK_ADDRESS"
if [ "$ports" != "TEMPORAL_PORT=7233 UI_PORT=8233 CONNECTOR_METRICS_ADDRESS=127.0.0.1:9464 CONNECTOR_WEBHOOK_ADDRESS=127.0.0.1:18088" ]; then
  envcmd="export $ports; $envcmd"
fi

cat <<MSG

The demo is running. The sandbox simulates a shop: new orders arrive, the
warehouse ships them, stock moves; the schedules import, notify and sync by
themselves every minute or two.
  Temporal Web UI:  http://localhost:$UI_PORT  (search: ConnectorShop="demo"; schedules under "Schedules")
  metrics:          http://$CONNECTOR_METRICS_ADDRESS/metrics
  webhooks:         the sandbox posts order_complete / order_canceled to the worker (curl -s http://$ECFORCE_ADDR/_sandbox/webhooks)
  in another shell: $envcmd; bin/starter status --shop demo
  sandbox state:    curl -s http://$ECFORCE_ADDR/_sandbox/state ; curl -s http://$LOGILESS_ADDR/_sandbox/state
  logs:             $STATE/*.log  (earlier runs' logs: $LOGS/)
Try: bin/starter import-orders --shop demo --wait   (after $envcmd; a second run creates nothing new)
Press Ctrl-C to stop everything.
MSG
wait
