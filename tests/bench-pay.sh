#!/usr/bin/env bash
# Pay benchmark: armms-pay over one period for BENCH_PAY_GUARDS guards (select
# mode: the journal through payroll's cursor, then every guard), its rerun,
# and one late TimesheetAdjusted through armms-pay, whole-process. Figures
# are printed, never asserted. The premium rules and pay policy are the
# defaults armms-init loads.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
G=${BENCH_PAY_GUARDS:-5000}
P=2026-11-A
work=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/armms-paybench.XXXXXX")}
[ -n "${BENCH_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
export ARMMS_HOME="$work/home" ARMMS_USER=bench ARMMS_NOW=2026-11-25T00:00:00Z
t=pay
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
now() { date +%s.%N; }
timed() { # label cmd...
    local label=$1 t0 t1
    shift
    t0=$(now)
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out" 2>"$work/err" || true
    t1=$(now)
    printf '%-44s %7s s  peak RSS %4d MiB  (%s)\n' "$label" "$(secs "$t0" "$t1")" \
        $(($(tail -1 "$work/rss") / 1024)) "$(grep -v '^{' "$work/err" | tail -1)"
}

if [ ! -d "$ARMMS_HOME/tenants/$t" ]; then
    armms-sample masterdata --guards "$G" --out "$work/md" >/dev/null
    armms-init -q -t $t
    printf '%s\n' action rate.update timesheet.finalize | armms-import -q -t $t --format csv route
    for k in position shift detachment guard assignment rate; do
        armms-import -q -t $t "$k" "$work/md/$k.csv"
    done
    armms-import -q -t $t holiday samples/holiday.csv
    armms-sample events --guards "$G" --period $P >"$work/ev.ndjson"
    armms-ingest -q -t $t "$work/ev.ndjson" | armms-timelog -q -t $t | armms-dtr -q -t $t |
        armms-timesheet -q -t $t >/dev/null || true
    armms-timesheet -q -t $t --finalize --period $P --override bench >/dev/null || true
    cp -a "$ARMMS_HOME/tenants/$t" "$work/pristine"
fi
echo "== pay: $G guards x one period ($P)"
echo "$(sqlite3 "$ARMMS_HOME/tenants/$t/tk.db" "select count(*) from timesheet where status <> 'DRAFT'") sealed timesheets"
timed "armms-pay --period (journal pull + price)" armms-pay -t $t --period $P
timed "armms-pay --period again (nothing new)" armms-pay -t $t --period $P
echo "paysheets: $(sqlite3 "$ARMMS_HOME/tenants/$t/pay.db" 'select count(*) || " rows, gross " || sum(gross) from paysheet')"

# a missing OUT that arrives late (a day guard's INCOMPLETE DTR), through
# the chain to a TimesheetAdjusted, then that record alone through
# armms-pay, whole-process (median of 5 guards)
ms=()
i=0
for gd in $(sqlite3 "$ARMMS_HOME/tenants/$t/tk.db" "select guard_id || ':' || date from dtr
        where status = 'INCOMPLETE' and time_in is not null and time_out is null and shift_id = 'DAY'
        order by guard_id limit 5"); do
    i=$((i + 1))
    printf '{"event_id":"LATE-%s","device_id":"LATE","guard_id":"%s","ts":"%sT18:00:00+08:00","type":"OUT"}\n' \
        "$i" "${gd%%:*}" "${gd#*:}" >"$work/late.ndjson"
    armms-ingest -q -t $t "$work/late.ndjson" | armms-timelog -q -t $t | armms-dtr -q -t $t |
        armms-timesheet -q -t $t >"$work/adj.ndjson" || true
    t0=$(date +%s%N)
    armms-pay -t $t "$work/adj.ndjson" >"$work/late.out" 2>"$work/late.err"
    t1=$(date +%s%N)
    ms+=($(((t1 - t0) / 1000000)))
    echo "  $(jq -r '"\(.timesheet_id) \(.status) v\(.version)"' "$work/adj.ndjson") -> $(cat "$work/late.err") (paysheet v$(jq -r .version "$work/late.out"))"
done
echo "one late TimesheetAdjusted through armms-pay: $(printf '%s\n' "${ms[@]}" | sort -n | sed -n 3p) ms (median of 5: ${ms[*]})"
