#!/usr/bin/env bash
# Bulk writes: one `POST /operations` of 1,000 organization creates, against a table that
# already holds SIZE organizations (default 100,000), on SQLite and PostgreSQL. Each request
# creates 1,000 new names; the figure is curl's total time per request (the whole
# transaction: 1,000 inserts with their memberships and change entries, and the answer).
#
#   bench/atomic.sh                                  # both backends, 100,000 organizations
#   SIZE=10000 RUNS=3 BACKENDS=sqlite bench/atomic.sh
#
# Writes bench/results/atomic.md and prints its table. Targets: ≤ 200 ms on SQLite and
# ≤ 400 ms on PostgreSQL at 100,000 organizations (p50 of RUNS requests).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-100000}
RUNS=${RUNS:-9}
OPERATIONS=${OPERATIONS:-1000}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN=${ORGBASE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=orgbase_bench_atomic
PG_OPTIONS=${ORGBASE_BENCH_POSTGRES_OPTIONS-sslmode=disable}
PORT=18082
DATA=bench/.data
OUT=bench/results/atomic.md
mkdir -p "$DATA"

cargo build --release --locked -q -p orgbase
BIN=${ORGBASE_BENCH_BIN:-target/release/orgbase}

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap stop_server EXIT

seed_file() {
  local file="$DATA/seed-$SIZE.csv"
  [ -s "$file" ] || bench/seed/organizations-csv.sh "$SIZE" > "$file"
  echo "$file"
}

database_url() {
  case $1 in
    sqlite) rm -f "$DATA/atomic.db"*; echo "sqlite://$DATA/atomic.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
      echo "${PG_ADMIN%/*}/$PG_DB${PG_OPTIONS:+?$PG_OPTIONS}" ;;
  esac
}

# The body of request RUN: OPERATIONS creates of names no other request uses, each with the
# attributes a CRM push carries.
body() { # RUN FILE
  python3 - "$1" "$OPERATIONS" > "$2" <<'PY'
import json, sys
run, count = sys.argv[1], int(sys.argv[2])
ops = [{"op": "add", "data": {"type": "organizations", "attributes": {
    "name": f"Pushed {run}-{i}", "website": f"https://p{run}-{i}.example", "city": "Wavre",
    "country": "Belgium", "industry": "Software", "company_size": i, "lists": ["pushed"]}}}
    for i in range(count)]
print(json.dumps({"atomic:operations": ops}))
PY
}

rows=()
for backend in $BACKENDS; do
  url=$(database_url "$backend")
  "$BIN" migrate --database-url "$url" >/dev/null 2>&1
  "$BIN" users create --name Bench --email bench@bench.example --role admin --database-url "$url" >/dev/null 2>&1
  key=$("$BIN" keys create --user bench@bench.example --database-url "$url" 2>/dev/null)
  "$BIN" import "$(seed_file)" --owner bench@bench.example --database-url "$url" >/dev/null 2>&1
  "$BIN" serve --database-url "$url" --bind "127.0.0.1:$PORT" 2>"$DATA/atomic-server-$backend.log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" -o /dev/null && break; sleep 0.1; done
  times=()
  for run in $(seq 1 "$RUNS"); do
    body "$backend$run" "$DATA/atomic-body.json"
    read -r status seconds < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
      -H "Authorization: Token $key" \
      -H 'Content-Type: application/vnd.api+json; ext="https://jsonapi.org/ext/atomic"' \
      --data-binary "@$DATA/atomic-body.json" "http://127.0.0.1:$PORT/operations")
    [ "$status" = 200 ] || { echo "request $run answered $status" >&2; exit 1; }
    times+=("$(awk -v s="$seconds" 'BEGIN { printf "%.0f", s * 1000 }')")
  done
  stop_server
  read -r p50 best worst < <(printf '%s\n' "${times[@]}" | sort -n |
    awk '{ t[NR] = $1 } END { printf "%d %d %d\n", t[int((NR + 1) / 2)], t[1], t[NR] }')
  row="| $backend | $SIZE | $OPERATIONS | $RUNS | $p50 | $best | $worst |"
  rows+=("$row"); echo "$row"
done

{
  echo "# Atomic operations: $OPERATIONS creates in one request"
  echo
  echo "\`bench/atomic.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores; each request creates $OPERATIONS new organizations"
  echo "in one transaction against a table seeded with $SIZE. Milliseconds per request (curl's total)."
  echo
  echo "| backend | organizations before | operations | requests | p50 ms | best ms | worst ms |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
} > "$OUT"
