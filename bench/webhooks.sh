#!/usr/bin/env bash
# Webhook deliveries: how fast one webhook delivers change log entries to a receiver that
# answers at once, on SQLite and PostgreSQL. The changes are written by atomic operations
# (1,000 creates a request) as fast as the server takes them, while the webhook delivers; the
# figure is deliveries per second from the first delivery to the last.
#
#   bench/webhooks.sh                     # 5,000 changes, both backends
#   CHANGES=2000 BACKENDS=sqlite bench/webhooks.sh
#
# Writes bench/results/webhooks.md and prints its table. Target: ≥ 500 deliveries/s on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."

CHANGES=${CHANGES:-5000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN=${ORGBASE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=orgbase_bench_webhooks
PORT=18083
RECEIVER_PORT=18084
DATA=bench/.data
OUT=bench/results/webhooks.md
KEY=ob_bench_webhooks_key
mkdir -p "$DATA" bench/results

cargo build --release --locked -q -p orgbase
BIN=${ORGBASE_BENCH_BIN:-target/release/orgbase}

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# The receiver: answers 204 at once and writes how many it got, and when the first and the
# last came, to a file.
cat > "$DATA/receiver.py" <<'PY'
import http.server, sys, time
count, first = 0, None
out = sys.argv[2]
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count, first
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
        now = time.time()
        first = first or now
        count += 1
        with open(out, "w") as f: f.write(f"{count} {first} {now}\n")
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
PY

database_url() {
  case $1 in
    sqlite) rm -f "$DATA/webhooks.db"*; echo "sqlite://$DATA/webhooks.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
      echo "${PG_ADMIN%/*}/$PG_DB?sslmode=disable" ;;
  esac
}

ops_body() { # RUN COUNT FILE
  python3 - "$1" "$2" > "$3" <<'PY'
import json, sys
run, count = sys.argv[1], int(sys.argv[2])
ops = [{"op": "add", "data": {"type": "organizations", "attributes": {"name": f"Hooked {run}-{i}"}}}
       for i in range(count)]
print(json.dumps({"atomic:operations": ops}))
PY
}

rows=()
for backend in $BACKENDS; do
  url=$(database_url "$backend")
  rm -f "$DATA/received.txt"
  python3 "$DATA/receiver.py" "$RECEIVER_PORT" "$DATA/received.txt" & PIDS+=($!)
  ORGBASE_BOOTSTRAP_KEY=$KEY ORGBASE_WEBHOOKS_ALLOW_PRIVATE=true RUST_LOG=warn \
    "$BIN" serve --database-url "$url" --bind "127.0.0.1:$PORT" 2> "$DATA/webhooks-server-$backend.log" & PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
  H="Authorization: Token $KEY"
  curl -sf -X POST -H "$H" -H 'Content-Type: application/vnd.api+json' "http://127.0.0.1:$PORT/webhooks" \
    -d "{\"data\": {\"type\": \"webhooks\", \"attributes\": {\"url\": \"http://127.0.0.1:$RECEIVER_PORT/hook\", \"events\": [\"organizations.created\"]}}}" >/dev/null
  started=$(date +%s.%N)
  for run in $(seq 1 $((CHANGES / 1000))); do
    ops_body "$run" 1000 "$DATA/webhooks-ops.json"
    curl -sf -o /dev/null -X POST -H "$H" -H 'Content-Type: application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"' \
      "http://127.0.0.1:$PORT/operations" --data-binary "@$DATA/webhooks-ops.json"
  done
  written=$(date +%s.%N)
  deadline=$(( $(date +%s) + 300 ))
  while :; do
    got=$(cut -d' ' -f1 "$DATA/received.txt" 2>/dev/null || echo 0)
    [ "${got:-0}" -ge "$CHANGES" ] && break
    [ "$(date +%s)" -gt "$deadline" ] && { echo "only $got of $CHANGES delivered in 300 s" >&2; break; }
    sleep 0.2
  done
  read -r count first last < "$DATA/received.txt"
  rate=$(python3 -c "print(round($count / max($last - $first, 1e-9)))")
  write_rate=$(python3 -c "print(round($CHANGES / max($written - $started, 1e-9)))")
  lag=$(python3 -c "print(round(max($last - $written, 0), 1))")
  rows+=("| $backend | $CHANGES | $count | $write_rate | $rate | $lag |")
  cleanup; PIDS=(); sleep 0.5
done

{
  echo "# Webhook deliveries: one webhook draining $CHANGES changes"
  echo
  echo "\`bench/webhooks.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores. The changes are written by atomic operations"
  echo "(1,000 creates a request) while the webhook delivers; the receiver (Python, on loopback) answers 204 at once."
  echo
  echo "| backend | changes | delivered | written per s | delivered per s | s after the last write |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} > "$OUT"
cat "$OUT"
