#!/usr/bin/env bash
# make bench: ingest throughput and peak memory for 1,000,000 generated clock
# events, next to sqlite3 .import of the same events as CSV into an
# equivalent table (same columns, same idempotency key as a UNIQUE
# constraint). Figures are printed, never asserted.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
N=${BENCH_EVENTS:-1000000}
GUARDS=${BENCH_GUARDS:-41000} # about 24 events a guard in a half-month
work=$(mktemp -d "${TMPDIR:-/tmp}/armms-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ARMMS_HOME="$work/home" ARMMS_USER=bench ARMMS_NOW=2026-11-25T00:00:00Z

secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
now() { date +%s.%N; }
echo "== ingest: $N events, $GUARDS guards (2 cores; figures, not assertions)"
armms-sample masterdata --guards "$GUARDS" --out "$work/md" >/dev/null
armms-init -q -t bench
for k in position shift detachment guard assignment; do
    armms-import -q -t bench "$k" "$work/md/$k.csv"
done
armms-sample events --guards "$GUARDS" --max "$N" >"$work/events.ndjson"
armms-sample events --guards "$GUARDS" --max "$N" --format csv >"$work/events.csv"
lines=$(wc -l <"$work/events.ndjson")

run_ingest() { # tenant file -> "rss_kib seconds"
    local t0 t1
    t0=$(now)
    /usr/bin/time -f '%M' -o "$work/rss" armms-ingest -q -t "$1" "$2" >/dev/null 2>"$work/err" || true
    t1=$(now)
    echo "$(tail -1 "$work/rss") $(secs "$t0" "$t1")"
}
read -r rss t <<<"$(run_ingest bench "$work/events.ndjson")"
rows=$(sqlite3 "$ARMMS_HOME/tenants/bench/tk.db" 'select count(*) from clock_event')
eps=$(awk -v n="$lines" -v t="$t" 'BEGIN { printf "%.0f", n / t }')
echo "armms-ingest      $lines lines -> $rows events in ${t} s = $eps events/s, peak RSS $((rss / 1024)) MiB"

# Memory must not grow with input size: a tenth of the input, same tenant kind.
armms-init -q -t small
for k in position shift detachment guard assignment; do
    armms-import -q -t small "$k" "$work/md/$k.csv"
done
head -n $((N / 10)) "$work/events.ndjson" >"$work/tenth.ndjson"
read -r rss10 t10 <<<"$(run_ingest small "$work/tenth.ndjson")"
echo "armms-ingest      $((N / 10)) lines in ${t10} s, peak RSS $((rss10 / 1024)) MiB (RSS flat in input size: $((rss10 / 1024)) vs $((rss / 1024)) MiB)"

# Rerun: every event is a duplicate.
read -r rssr tr <<<"$(run_ingest bench "$work/events.ndjson")"
echo "armms-ingest      rerun of the same $lines lines (all duplicates) in ${tr} s"

# sqlite3 .import into an equivalent table.
sqlite3 "$work/import.db" "PRAGMA journal_mode=WAL;
CREATE TABLE clock_event(event_id TEXT, device_id TEXT NOT NULL, guard_id TEXT NOT NULL,
  ts TEXT NOT NULL, type TEXT NOT NULL CHECK (type IN ('IN','OUT')), detachment_id TEXT,
  UNIQUE (device_id, event_id)) STRICT;" >/dev/null
t0=$(now)
sqlite3 "$work/import.db" ".import --csv --skip 1 $work/events.csv clock_event" 2>/dev/null || true
t1=$(now)
ti=$(secs "$t0" "$t1")
irows=$(sqlite3 "$work/import.db" 'select count(*) from clock_event')
echo "sqlite3 .import   $irows rows in ${ti} s = $(awk -v n="$irows" -v t="$ti" 'BEGIN { printf "%.0f", n / t }') rows/s"
echo "ratio             armms-ingest / sqlite3 .import = $(awk -v a="$t" -v b="$ti" 'BEGIN { printf "%.2f", a / b }')x"
echo "journal           $(du -sh "$ARMMS_HOME/tenants/bench/journal" | cut -f1) for $rows events; tk.db $(du -sh "$ARMMS_HOME/tenants/bench/tk.db" | cut -f1)"
echo "targets (issue #2): >= 250000 events/s, <= 1.5x sqlite3 .import, RSS flat and < 50 MiB"
