#!/usr/bin/env bash
# The benchmark suite: orgbase on SQLite and PostgreSQL, seeded through `orgbase import`, driven
# by wrk on loopback, every figure also given as a share of the ceiling (a bare actix-web
# handler answering a fixed document of the same size, bench/ceiling) measured in the same run.
#
#   bench/run.sh                          # both backends, 10,000 and 1,000,000 organizations
#   SIZES=10000 BACKENDS=sqlite DURATION=5 bench/run.sh     # a quick look
#   ORGBASE_BENCH_BIN=/tmp/old/orgbase SCENARIOS="get_one list" bench/run.sh   # another build
#
# Writes bench/results/run.md (the table, machine, commands) and bench/results/raw/ (wrk's
# own output), and puts the table into bench/README.md. Needs wrk (installed from Debian's
# packages if missing) and, for PostgreSQL, a server at ORGBASE_BENCH_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) that may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}         # seconds per scenario
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
SIZES=${SIZES:-"10000 1000000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
PG_ADMIN=${ORGBASE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=orgbase_bench_run
# The server sits on this machine, where a deployment would use the local socket; over TCP,
# libpq takes the TLS that Debian's PostgreSQL offers, which cost GET one about a fifth.
PG_OPTIONS=${ORGBASE_BENCH_POSTGRES_OPTIONS-sslmode=disable}
PORT=18080
CEILING_PORT=18081
DATA=bench/.data
RAW=bench/results/raw
OUT=bench/results/run.md
SCENARIOS=${SCENARIOS:-"healthz get_one list oldest_first newest_first include create patch mixed"}

need() { # COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need wrk wrk
need psql postgresql-client
need curl curl

# ORGBASE_BENCH_BIN measures another build (an A/B run against a commit built elsewhere).
if [ -n "${ORGBASE_BENCH_BIN:-}" ]; then
  cargo build --release --locked -q -p orgbase-bench-ceiling
  BIN=$ORGBASE_BENCH_BIN
else
  cargo build --release --locked -q -p orgbase -p orgbase-bench-ceiling
  BIN=target/release/orgbase
fi
CEILING_BIN=target/release/orgbase-bench-ceiling
mkdir -p "$DATA" "$RAW"
rm -f "$RAW"/*.txt

SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap stop_server EXIT

wait_listening() { # PORT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$1/healthz" -o /dev/null && return 0; sleep 0.1; done
  curl -s "http://127.0.0.1:$1/" -o /dev/null && return 0
  echo "nothing listens on $1" >&2; return 1
}

# The CSV `orgbase import` seeds from: every attribute a list filters or sorts by.
seed_file() { # ROWS
  local file="$DATA/seed-$1.csv"
  [ -s "$file" ] || bench/seed/organizations-csv.sh "$1" > "$file"
  echo "$file"
}

database_url() { # BACKEND
  case $1 in
    sqlite) rm -f "$DATA/run.db"*; echo "sqlite://$DATA/run.db" ;;
    postgres)
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
      echo "${PG_ADMIN%/*}/$PG_DB${PG_OPTIONS:+?$PG_OPTIONS}" ;;
  esac
}

# Peak RSS since the last reset, in MiB; the reset makes each scenario's peak its own.
peak_rss() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
reset_peak_rss() { echo 5 > "/proc/$1/clear_refs" 2>/dev/null || true; }

# One wrk run; prints "req/s p50_ms p99_ms non2xx" and keeps wrk's output in $RAW.
drive() { # NAME SCRIPT PORT
  local raw="$RAW/$1.txt"
  wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "bench/wrk/$2.lua" \
    "http://127.0.0.1:$3" > "$raw"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $5 }
    /Socket errors:/ { gsub(",", ""); failed = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, non2xx + failed }' "$raw"
}

rows_md=()
row() { rows_md+=("| $* |"); echo "| $* |"; }

for backend in $BACKENDS; do
  for size in $SIZES; do
    label="$backend-$size"
    url=$(database_url "$backend")
    file=$(seed_file "$size")
    "$BIN" migrate --database-url "$url" >/dev/null
    "$BIN" users create --name Bench --email bench@bench.example --role admin --database-url "$url" >/dev/null
    key=$("$BIN" keys create --user bench@bench.example --database-url "$url")
    seeding=$("$BIN" import "$file" --owner bench@bench.example --database-url "$url" 2>/dev/null | tail -n 1)
    echo "$label: $seeding"

    "$BIN" serve --database-url "$url" --bind "127.0.0.1:$PORT" 2>"$DATA/server-$label.log" &
    SERVER_PID=$!
    wait_listening "$PORT"
    ids="$DATA/ids-$label.txt"
    curl -sfg -H "Authorization: Token $key" \
      "http://127.0.0.1:$PORT/organizations?page[size]=1000&page[number]=3&fields[organizations]=" |
      python3 -c 'import json, sys; print("\n".join(r["id"] for r in json.load(sys.stdin)["data"]))' > "$ids"
    export BENCH_KEY=$key BENCH_IDS=$ids
    body="$DATA/ceiling-body.json"
    curl -sf -H "Authorization: Token $key" "http://127.0.0.1:$PORT/organizations/$(head -n 1 "$ids")" > "$body"

    # The ceiling, in this run and just before the figures it divides.
    "$CEILING_BIN" "127.0.0.1:$CEILING_PORT" "$body" 2>/dev/null &
    ceiling_pid=$!
    sleep 0.5
    reset_peak_rss "$ceiling_pid"
    read -r c_rps c_p50 c_p99 c_bad < <(drive "$label-ceiling" ceiling "$CEILING_PORT")
    c_rss=$(peak_rss "$ceiling_pid")
    kill "$ceiling_pid"; wait "$ceiling_pid" 2>/dev/null || true
    row "$backend | $size | ceiling ($(wc -c < "$body") B) | $c_rps | 1.00 | $c_p50 | $c_p99 | $c_bad | $c_rss"

    for scenario in $SCENARIOS; do
      reset_peak_rss "$SERVER_PID"
      read -r rps p50 p99 bad < <(drive "$label-$scenario" "$scenario" "$PORT")
      # Requests wrk gave up on still run in the server: let them finish before the next
      # scenario, or its first requests would queue behind them.
      [ "$bad" -gt 0 ] && sleep 20
      ratio=$(awk -v a="$rps" -v b="$c_rps" 'BEGIN { printf "%.2f", a / b }')
      row "$backend | $size | $scenario | $rps | $ratio | $p50 | $p99 | $bad | $(peak_rss "$SERVER_PID")"
    done
    stop_server
  done
done
[ "${BACKENDS#*postgres}" != "$BACKENDS" ] && psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null

table=$(
  echo "| backend | organizations | scenario | requests/s | × ceiling | p50 ms | p99 ms | non-2xx | peak RSS MiB |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows_md[@]}"
)
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
{
  echo "# bench/run.sh, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $memory; $(uname -sr). wrk and the server share the machine."
  echo "Each scenario: \`wrk -t $THREADS -c $CONNECTIONS -d ${DURATION}s --latency\` on loopback, one run."
  echo "Peak RSS is the server's (VmHWM, reset before each scenario); the ceiling row's is the ceiling server's."
  echo "Raw wrk output: bench/results/raw/."
  echo
  echo "$table"
} > "$OUT"

# The table also goes into bench/README.md, between its markers.
python3 - "$OUT" <<'PY'
import pathlib, sys
readme = pathlib.Path("bench/README.md")
text = readme.read_text()
start, end = "<!-- run.sh results: start -->", "<!-- run.sh results: end -->"
if start in text and end in text:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    title, results = pathlib.Path(sys.argv[1]).read_text().split("\n", 1)
    results = "Run of " + title.rsplit(", ", 1)[-1] + ". " + results.strip()
    readme.write_text(head + start + "\n" + results.strip() + "\n" + end + tail)
PY
echo "wrote $OUT"
