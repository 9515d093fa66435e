#!/usr/bin/env bash
# Times list queries through the real server at 10,000 and 1,000,000 organizations, on SQLite
# and PostgreSQL: page 1 against page 5,000, newest first, filtered and sorted pages (a filter
# of one in seven, two filters, the owner, built-in attributes and a custom number field),
# search, one GET, and cursor pages 90 % deep (default order, newest first, the sync query),
# with the server's peak RSS during each scenario; and pages of the changes feed at the start,
# middle and end of a log of CHANGES entries (10,000,000 by default, seeded once per database).
# One connection at a time (wrk -c1), so the figures are per-request latency, not throughput.
#
#   bench/query-scale.sh                       # everything (about 15 minutes)
#   ROWS=10000 BACKENDS=sqlite bench/query-scale.sh
#   ROWS=1000000 ONLY='changes' bench/query-scale.sh   # the scenarios whose name matches
#   ORGBASE_BENCH_BIN=/tmp/old/orgbase OUT=/tmp/old.md bench/query-scale.sh   # another build
#
# Writes bench/results/query-scale.md. Needs the PostgreSQL server of ORGBASE_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres) for the PostgreSQL rows.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-"10000 1000000"}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DURATION=${DURATION:-8s}
PORT=${PORT:-18181}
PG_ADMIN=${ORGBASE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DATA=bench/.data
OUT=${OUT:-bench/results/query-scale.md}
CHANGES=${CHANGES:-10000000}
ONLY=${ONLY:-}

for tool in wrk sqlite3 psql curl; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk sqlite3 postgresql-client curl >/dev/null; break; }
done
# ORGBASE_BENCH_BIN runs another build (an A/B comparison) instead of building this tree.
BIN=${ORGBASE_BENCH_BIN:-target/release/orgbase}
[ -n "${ORGBASE_BENCH_BIN:-}" ] || cargo build --release --locked -q
mkdir -p "$DATA" bench/results

q() { printf '%s' "$1" | sed 's/\[/%5B/g; s/\]/%5D/g; s/ /%20/g; s/,/%2C/g'; }
SCENARIOS=(
  "page 1, default sort|/organizations?$(q 'page[size]=100')"
  "page 5,000, default sort|/organizations?$(q 'page[size]=100&page[number]=5000')"
  "page 1, sort -created_at|/organizations?$(q 'page[size]=100&sort=-created_at')"
  "filter country (1 in 7), default sort|/organizations?$(q 'filter[country]=country 3&page[size]=100')"
  "filter country (1 in 7), sort -company_size|/organizations?$(q 'filter[country]=country 3&sort=-company_size&page[size]=100')"
  "filter country and status, sort name|/organizations?$(q 'filter[country]=country 3&filter[status]=active&sort=name&page[size]=100')"
  "filter owner (1 in 10)|/organizations?$(q 'filter[owner]=00000000-0000-7000-a000-000000000001&page[size]=100')"
  "filter city, sort -company_size|/organizations?$(q 'filter[city]=city 17&sort=-company_size&page[size]=100')"
  "filter lists, sort name|/organizations?$(q 'filter[lists]=segment 3&sort=name&page[size]=100')"
  "filter created_at range, sort -created_at|/organizations?$(q 'filter[created_at][gte]=2016-01-01&filter[created_at][lt]=2016-02-01&sort=-created_at&page[size]=100')"
  "filter lists, sort name, page[total]=false|/organizations?$(q 'filter[lists]=segment 3&sort=name&page[size]=100&page[total]=false')"
  "sync: updated_at > date, sort updated_at|/organizations?$(q 'filter[updated_at][gt]=2015-01-08&sort=updated_at&page[size]=100')"
  "sync, page[total]=false|/organizations?$(q 'filter[updated_at][gt]=2015-01-08&sort=updated_at&page[size]=100&page[total]=false')"
  "filter[q] search|/organizations?$(q 'filter[q]=number 4242&page[size]=100')"
  "custom number: filter c_arr >= 990000 (1%), sort -c_arr|/organizations?$(q 'filter[c_arr][gte]=990000&sort=-c_arr&page[size]=100')"
  "custom number: range of 1%, sort c_arr|/organizations?$(q 'filter[c_arr][gte]=500000&filter[c_arr][lt]=510000&sort=c_arr&page[size]=100')"
  "custom number: filter c_arr >= 999000 (0.1%), sort -c_arr|/organizations?$(q 'filter[c_arr][gte]=999000&sort=-c_arr&page[size]=100')"
  "custom number: filter c_arr >= 100000 (81%), sort -c_arr, page[total]=false|/organizations?$(q 'filter[c_arr][gte]=100000&sort=-c_arr&page[size]=100&page[total]=false')"
  "custom number: sort -c_arr, no filter|/organizations?$(q 'sort=-c_arr&page[size]=100')"
  "GET one|/organizations/00000000-0000-7000-8000-000000000fff"
)

psql_or_sqlite() { # backend url sql → the one value
  if [ "$1" = sqlite ]; then sqlite3 "${2#sqlite://}" "$3"; else psql "$2" -tAc "$3"; fi
}

to_ms() { # wrk latency like 812.00us, 1.23ms, 2.01s → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

# A database is reused only while its migrations and seed are unchanged: named by their hash.
schema_hash() { cat migrations/"$1"/*/up.sql bench/seed/"$1".sql | sha256sum | cut -c1-10; }

prepare() { # backend rows → database URL, seeded
  local backend=$1 rows=$2 hash
  hash=$(schema_hash "$backend")
  if [ "$backend" = sqlite ]; then
    local file="$DATA/orgs-$rows-$hash.db"
    if [ ! -f "$file.seeded" ]; then
      rm -f "$file" "$file-wal" "$file-shm"
      "$BIN" migrate --database-url "sqlite://$file" 2>/dev/null
      sed "s/:ROWS:/$rows/" bench/seed/sqlite.sql | sqlite3 -bail "$file" >/dev/null
      [ "$(sqlite3 "$file" 'SELECT count(*) FROM organizations')" = "$rows" ] || { echo "seeding $file failed" >&2; exit 1; }
      touch "$file.seeded"
    fi
    echo "sqlite://$file"
  else
    local db="orgbase_bench_${rows}_$hash"
    local url="${PG_ADMIN%/*}/$db"
    if [ "$(psql "$url" -tAc "SELECT count(*) FROM organizations" 2>/dev/null)" != "$rows" ]; then
      for stale in $(psql "$PG_ADMIN" -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'orgbase_bench_${rows}_%'"); do
        psql "$PG_ADMIN" -qc "DROP DATABASE $stale WITH (FORCE)" >/dev/null
      done
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
      "$BIN" migrate --database-url "$url" 2>/dev/null
      sed "s/:ROWS:/$rows/" bench/seed/postgres.sql | psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null
      [ "$(psql "$url" -tAc 'SELECT count(*) FROM organizations')" = "$rows" ] || { echo "seeding $db failed" >&2; exit 1; }
    fi
    echo "$url"
  fi
}

# Appends CHANGES synthetic entries after the log's last sequence, once per database: the
# feed's cost must not grow with the log.
seed_changes() { # backend url
  local backend=$1 url=$2
  if [ "$backend" = sqlite ]; then
    local file=${url#sqlite://}
    [ -f "$file.changes-$CHANGES" ] && return
    sqlite3 -bail "$file" >/dev/null <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CHANGES)
INSERT INTO changes (id, sequence, operation, resource_type, resource_id, changed_at, actor_id, diff)
SELECT (SELECT last_sequence FROM change_log) + i, (SELECT last_sequence FROM change_log) + i, 'update', 'organizations',
       printf('00000000-0000-7000-8000-%012x', i % 1000000), strftime('%Y-%m-%d %H:%M:%f', 'now'), NULL,
       '{"city":{"from":"city 1","to":"city 2"}}'
FROM n;
UPDATE change_log SET last_sequence = (SELECT max(sequence) FROM changes);
ANALYZE changes;
SQL
    touch "$file.changes-$CHANGES"
  else
    [ "$(psql "$url" -tAc "SELECT count(*) >= $CHANGES FROM changes")" = t ] && return
    psql -q -v ON_ERROR_STOP=1 "$url" >/dev/null <<SQL
INSERT INTO changes (sequence, operation, resource_type, resource_id, changed_at, actor_id, diff)
SELECT (SELECT last_sequence FROM change_log) + i, 'update', 'organizations',
       '00000000-0000-7000-8000-' || lpad(to_hex(i % 1000000), 12, '0'), now() AT TIME ZONE 'UTC', NULL,
       '{"city":{"from":"city 1","to":"city 2"}}'
FROM generate_series(1, $CHANGES) AS i;
UPDATE change_log SET last_sequence = (SELECT max(sequence) FROM changes);
VACUUM ANALYZE changes;
SQL
  fi
}

# The cursor of feed position SEQUENCE for /changes without filters (as crates/orgbase-http/src/cursor.rs makes it).
change_cursor() {
  python3 -c 'import base64,hashlib,json,sys
scope = base64.urlsafe_b64encode(hashlib.sha256(b"/changes").digest()[:9]).decode().rstrip("=")
doc = json.dumps({"s": scope, "v": [int(sys.argv[1])], "i": "00000000-0000-0000-0000-000000000000"})
print(base64.urlsafe_b64encode(doc.encode()).decode().rstrip("="))' "$1"
}

{
  echo "# List query latency at scale"
  echo
  echo "Generated by \`bench/query-scale.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m));"
  echo "one connection (\`wrk -t1 -c1 -d$DURATION --latency\`), release build, server and client on one machine."
  echo
  echo "| backend | rows | scenario | p50 ms | p99 ms | req/s | non-2xx | peak RSS MiB |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
} > "$OUT"

for backend in $BACKENDS; do
  for rows in $ROWS; do
    url=$(prepare "$backend" "$rows")
    seed_changes "$backend" "$url"
    # The seed's admin (who owns one organization in ten) gets a key for this run.
    KEY=$("$BIN" keys create --user bench@bench.example --name query-scale --database-url "$url" 2>/dev/null)
    RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" --database-url "$url" 2>"$DATA/server.log" &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
    # Cursor pages 90 % deep: each cursor is that record's, read once by number.
    depth=$((rows * 9 / 10))
    deep() { # query key-attributes [depth] → the query with page[after] at that depth
      local cursor
      cursor=$(python3 bench/deep_cursor.py "http://127.0.0.1:$PORT" "$KEY" /organizations "$1" "${3:-$depth}" "$2")
      printf '/organizations?%s%s&%s' "${1:+$(q "$1")&}" "$(q 'page[size]=100')" "$(q 'page[after]')=$cursor"
    }
    CURSOR_SCENARIOS=(
      "cursor page $depth deep, default sort|$(deep '' created_at)"
      "cursor page $depth deep, sort -created_at|$(deep 'sort=-created_at' created_at)"
      "sync by cursor: updated_at > date, sort updated_at,id, $depth deep|$(deep 'filter[updated_at][gt]=2015-01-08&sort=updated_at,id' updated_at,id)"
      "sync by cursor, page[total]=true, $depth deep|$(deep 'filter[updated_at][gt]=2015-01-08&sort=updated_at,id&page[total]=true' updated_at,id)"
      "custom number: sort -c_arr, cursor page $depth deep (the last holders, then the others)|$(deep 'sort=-c_arr' c_arr)"
      "custom number: sort -c_arr, cursor page $((rows * 37 / 40)) deep (among those without a value)|$(deep 'sort=-c_arr' c_arr $((rows * 37 / 40)))"
    )
    first_change=$(psql_or_sqlite "$backend" "$url" 'SELECT min(sequence) FROM changes')
    last_change=$(psql_or_sqlite "$backend" "$url" 'SELECT max(sequence) FROM changes')
    at() { echo $((first_change + (last_change - first_change) * $1 / 100)); }
    CHANGE_SCENARIOS=(
      "changes: page of 100 after the first entry|/changes?$(q 'page[size]=100')&$(q 'page[after]')=$(change_cursor "$first_change")"
      "changes: page of 100, 50 % deep|/changes?$(q 'page[size]=100')&$(q 'page[after]')=$(change_cursor "$(at 50)")"
      "changes: page of 100, 90 % deep|/changes?$(q 'page[size]=100')&$(q 'page[after]')=$(change_cursor "$(at 90)")"
      "changes: one organization's history (10 of the entries)|/organizations/00000000-0000-7000-8000-000000000fff/changes?$(q 'page[size]=100&page[number]=1&page[total]=false')"
    )
    for scenario in "${SCENARIOS[@]}" "${CURSOR_SCENARIOS[@]}" "${CHANGE_SCENARIOS[@]}"; do
      name=${scenario%%|*} path=${scenario#*|}
      [ -z "$ONLY" ] || [[ "$name" == *$ONLY* ]] || continue
      curl -fs -o /dev/null -H "Authorization: Token $KEY" "http://127.0.0.1:$PORT$path" || true # warm caches: p99 is about steady state
      echo 5 > "/proc/$server/clear_refs" 2>/dev/null || true # peak RSS from here on
      report=$(wrk -t1 -c1 -d"$DURATION" --latency -H "Authorization: Token $KEY" "http://127.0.0.1:$PORT$path")
      p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$report")")
      p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$report")")
      rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$report")
      bad=$(awk '/Non-2xx/ {print $5}' <<<"$report"); bad=${bad:-0}
      rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")
      printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$rows" "$name" "$p50" "$p99" "$rps" "$bad" "$rss" | tee -a "$OUT"
      [ "$bad" = 0 ] || echo "WARNING: $bad non-2xx answers for $path" >&2
    done
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
echo "wrote $OUT"
