#!/usr/bin/env bash
# make bench: ingest throughput and peak memory for 1,000,000 generated clock
# events, next to sqlite3 .import of the same events as CSV into an
# equivalent table (same columns, same idempotency key as a UNIQUE
# constraint); then the timekeeping chain (armms-timelog, armms-dtr,
# armms-timesheet) over one pay period for 1,200, 10,000 and 100,000 guards, the
# cost of one late event through the whole chain in each; then payroll
# (tests/bench-pay.sh) for 1,200 and 100,000 guards. Figures are printed,
# never asserted; each is printed next to its target and the ratio of the
# two, and the run ends with a table of them all (tests/bench_lib.bash).
# BENCH_SKIP_INGEST=1, BENCH_SKIP_TK=1 and BENCH_SKIP_PAY=1 leave out a
# part.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
N=${BENCH_EVENTS:-1000000}
GUARDS=${BENCH_GUARDS:-41000} # about 24 events a guard in a half-month
work=$(mktemp -d "${TMPDIR:-/tmp}/armms-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export ARMMS_HOME="$work/home" ARMMS_USER=bench ARMMS_NOW=2026-11-25T00:00:00Z
export BENCH_SUMMARY="$work/summary"
: >"$BENCH_SUMMARY"
. tests/bench_lib.bash

secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
now() { date +%s.%N; }
if [ "${BENCH_SKIP_INGEST:-0}" != 1 ]; then
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
figure "armms-ingest / sqlite3 .import, $lines events" "$(ratio_of "$t" "$ti")" x "<=" 1.5
figure "armms-ingest throughput" "$eps" "ev/s" ">=" 250000
figure "armms-ingest peak RSS" "$((rss / 1024))" MiB "<" 50
figure "armms-ingest peak RSS, all events / a tenth of them" "$(ratio_of "$rss" "$rss10")" x "<=" 1.5
fi

# --- timekeeping ------------------------------------------------------------
P=2026-11-A
timed() { # label cmd... -> prints label, seconds, peak RSS
    local label=$1 t0 t1
    shift
    t0=$(now)
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null || true
    t1=$(now)
    TIMED_S=$(secs "$t0" "$t1") TIMED_MIB=$(($(tail -1 "$work/rss") / 1024))
    printf '%-34s %7s s  peak RSS %4d MiB\n' "$label" "$TIMED_S" "$TIMED_MIB"
}

tk_tenant() { # tenant guards
    armms-sample masterdata --guards "$2" --out "$work/md-$1" >/dev/null
    armms-init -q -t "$1"
    for k in position shift detachment guard assignment; do
        armms-import -q -t "$1" "$k" "$work/md-$1/$k.csv"
    done
    armms-import -q -t "$1" holiday samples/holiday.csv
    armms-sample events --guards "$2" --period $P >"$work/ev-$1.ndjson"
    armms-ingest -q -t "$1" "$work/ev-$1.ndjson" >/dev/null
}

late_ms() { # tenant guard date -> median ms of 5 late OUTs through the whole chain
    local i t0 t1 ms=()
    for i in 1 2 3 4 5; do
        printf '{"event_id":"LATE-%s","device_id":"LATE","guard_id":"%s","ts":"%sT18:0%s:00+08:00","type":"OUT"}\n' \
            "$i" "$2" "$3" "$i" >"$work/late.ndjson"
        t0=$(date +%s%N)
        armms-ingest -q -t "$1" "$work/late.ndjson" | armms-timelog -q -t "$1" |
            armms-dtr -q -t "$1" | armms-timesheet -q -t "$1" >"$work/late.out"
        t1=$(date +%s%N)
        ms+=($(((t1 - t0) / 1000000)))
    done
    printf '%s\n' "${ms[@]}" | sort -n | sed -n 3p
}

tk_bench() { # tenant guards
    local t=$1 g=$2 ev lg ms
    echo
    echo "== timekeeping: $g guards x one period ($P)"
    tk_tenant "$t" "$g"
    ev=$(sqlite3 "$ARMMS_HOME/tenants/$t/tk.db" 'select count(*) from clock_event')
    cp -a "$ARMMS_HOME/tenants/$t" "$ARMMS_HOME/tenants/$t-pipe"
    echo "$ev clock events recorded"
    local t0 t1
    t0=$(now)
    local stage
    for stage in timelog dtr timesheet; do
        timed "armms-$stage --period (select)" armms-$stage -q -t "$t" --period $P
        printf -v "RSS_${stage}_$t" %s "$TIMED_MIB"
    done
    t1=$(now)
    local chain pipe
    chain=$(secs "$t0" "$t1")
    echo "chain as cron runs it (three select runs): $chain s"
    t0=$(now)
    armms-timelog -q -t "$t-pipe" --period $P | armms-dtr -q -t "$t-pipe" |
        armms-timesheet -q -t "$t-pipe" >/dev/null
    t1=$(now)
    pipe=$(secs "$t0" "$t1")
    echo "chain as one pipe (timelog --period | dtr | timesheet): $pipe s"
    echo "rows: $(sqlite3 "$ARMMS_HOME/tenants/$t/tk.db" "select (select count(*) from time_log) || ' time logs, ' || (select count(*) from dtr) || ' DTRs, ' || (select count(*) from timesheet) || ' timesheets'")"
    t0=$(now)
    armms-dtr -q -t "$t" --period $P --reprocess >/dev/null
    t1=$(now)
    echo "armms-dtr --reprocess with nothing changed: $(secs "$t0" "$t1") s"
    rm -rf "$ARMMS_HOME/tenants/$t-pipe"
    # a day guard who came in on the 10th gets a later OUT that day
    lg=$(grep -m1 '"ts":"2026-11-10T05:[0-9:]*+08:00","type":"IN"' "$work/ev-$t.ndjson" | jq -r .guard_id)
    ms=$(late_ms "$t" "$lg" 2026-11-10)
    echo "one late event, armms-ingest | armms-timelog | armms-dtr | armms-timesheet: ${ms} ms (median of 5)"
    printf -v "LATE_$t" %s "$ms"
    if [ "$g" -ge 100000 ]; then
        figure "timekeeping, $g guards, three select runs" "$chain" s "<" 30
        figure "timekeeping, $g guards, one pipe / the select runs" "$(ratio_of "$pipe" "$chain")" x "<=" 1.2
    fi
    figure "one late event through the chain, $g guards" "$ms" ms "<" 50
}

if [ "${BENCH_SKIP_TK:-0}" != 1 ]; then
    tk_bench tk1200 1200
    tk_bench tk10k 10000
    tk_bench tk100k "${BENCH_TK_GUARDS:-100000}"
    # Memory is to grow with what one transaction holds (2,000 guards'
    # records; a select run lists 8,000 guards at a time), not with the
    # tenant: 1,200 guards fit in less than one transaction, so flatness
    # shows between 10,000 guards and 100,000.
    for stage in timelog dtr timesheet; do
        small=RSS_${stage}_tk10k big=RSS_${stage}_tk100k
        figure "armms-$stage peak RSS, ${BENCH_TK_GUARDS:-100000} / 10000 guards" "$(ratio_of "${!big}" "${!small}")" x "<=" 1.5
    done
    figure "one late event, ${BENCH_TK_GUARDS:-100000} / 1200 guards" "$(ratio_of "$LATE_tk100k" "$LATE_tk1200")" x "<=" 1.5
fi

if [ "${BENCH_SKIP_PAY:-0}" != 1 ]; then
    echo
    BENCH_PAY_GUARDS=1200 BENCH_PAY_KEEP="$work/pay-1200" tests/bench-pay.sh
    echo
    BENCH_PAY_GUARDS="${BENCH_PAY_GUARDS:-100000}" BENCH_PAY_KEEP="$work/pay-${BENCH_PAY_GUARDS:-100000}" tests/bench-pay.sh
    for k in pay deduct late; do
        small=$(cat "$work/pay-1200.$k" 2>/dev/null || echo 0)
        big=$(cat "$work/pay-${BENCH_PAY_GUARDS:-100000}.$k" 2>/dev/null || echo 0)
        case $k in
        late) figure "one late TimesheetAdjusted, ${BENCH_PAY_GUARDS:-100000} / 1200 guards" "$(ratio_of "$big" "$small")" x "<=" 1.5 ;;
        *) figure "armms-$k peak RSS, ${BENCH_PAY_GUARDS:-100000} / 1200 guards" "$(ratio_of "$big" "$small")" x "<=" 1.5 ;;
        esac
    done
fi
bench_summary
