# A real NATS server with JetStream for the broker tests, on loopback only,
# on a free port, its store in the test's temporary directory. Load after
# test_helper: `load nats_helper`, then nats_start in the test (or setup)
# and nats_stop in teardown. nats_restart stops it and starts it again on
# the same ports with the same store, for the outage tests.
#
#   NATS_URL       nats://127.0.0.1:PORT, set by nats_start
#   NATS_MON       http://127.0.0.1:MPORT, the monitoring endpoint (curl
#                  "$NATS_MON/jsz?streams=true" for the streams' counts)

nats_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

nats_start() {
    command -v nats-server >/dev/null || skip "nats-server is not installed (make deps)"
    NATS_DIR=${NATS_DIR:-$BATS_TEST_TMPDIR/nats}
    mkdir -p "$NATS_DIR/store"
    NATS_PORT=${NATS_PORT:-$(nats_free_port)}
    NATS_MPORT=${NATS_MPORT:-$(nats_free_port)}
    export NATS_URL="nats://127.0.0.1:$NATS_PORT"
    export NATS_MON="http://127.0.0.1:$NATS_MPORT"
    nats-server -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MPORT" -js -sd "$NATS_DIR/store" \
        -l "$NATS_DIR/server.log" -P "$NATS_DIR/server.pid" &
    NATS_PID=$!
    local i
    for i in $(seq 1 100); do
        curl -sf "$NATS_MON/healthz?js-enabled-only=true" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "nats-server did not start on $NATS_URL:" >&2
    cat "$NATS_DIR/server.log" >&2
    return 1
}

nats_stop() {
    [ -n "${NATS_PID:-}" ] || return 0
    kill "$NATS_PID" 2>/dev/null
    wait "$NATS_PID" 2>/dev/null || true
    NATS_PID=
}

nats_restart() {
    nats_stop
    nats_start
}

# The number of messages a stream holds: nats_msgs STREAM
nats_msgs() {
    curl -sf "$NATS_MON/jsz?streams=true" |
        jq -r --arg s "$1" '[.account_details[]?.stream_detail[]? | select(.name == $s) | .state.messages] | first // 0'
}
