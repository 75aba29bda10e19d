# Settings of the demo stack; `make demo` sources this file. In another
# terminal, `source demo/env.sh` lets bin/starter talk to the running demo.
export DEMO_ECFORCE_PASSWORD=demo-password
export DEMO_LOGILESS_CLIENT_SECRET=demo-client-secret
# The last part of the demo shop's webhook URL (webhooks.secret).
export DEMO_WEBHOOK_SECRET=demo-webhook-secret-0123456789abcdef
export CONNECTOR_TEMPORAL_ADDRESS=127.0.0.1:${TEMPORAL_PORT:-7233}
# The shops file is demo/shops.yaml with this run's sandbox addresses
# (ECFORCE_ADDR, LOGILESS_ADDR); demo/run.sh writes it when it starts.
export CONNECTOR_SHOPS_FILE=.state/demo/shops.yaml
export CONNECTOR_STATE_DIR=.state/demo
export CONNECTOR_WEB_UI_URL=http://localhost:${UI_PORT:-8233}
export CONNECTOR_METRICS_ADDRESS=${CONNECTOR_METRICS_ADDRESS-127.0.0.1:9464}
# The ecforce webhook receiver of the worker; the sandbox posts its
# webhooks there.
export CONNECTOR_WEBHOOK_ADDRESS=${CONNECTOR_WEBHOOK_ADDRESS-127.0.0.1:18088}
