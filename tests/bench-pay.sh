#!/usr/bin/env bash
# Pay benchmark (make bench runs it for 1,200 and 100,000 guards): over one
# period for BENCH_PAY_GUARDS guards, armms-pay (select mode: the journal
# through payroll's cursor, then every guard) and armms-deduct, each run
# again with nothing new; the same as one armms-payrun compute on a copy of
# the tenant; and one late TimesheetAdjusted through armms-pay |
# armms-deduct, whole-process. Figures are printed, never asserted. The
# rules are the ones armms-init ships; BENCH_WORK keeps the tenant.
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
G=${BENCH_PAY_GUARDS:-5000}
P=2026-11-A
work=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/armms-paybench.XXXXXX")}
[ -n "${BENCH_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
export ARMMS_HOME="$work/home" ARMMS_USER=bench ARMMS_NOW=2026-11-25T00:00:00Z
t=pay
. tests/bench_lib.bash
secs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.2f", e - s }'; }
now() { date +%s.%N; }
timed() { # label cmd...
    local label=$1 t0 t1
    shift
    t0=$(now)
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/out" 2>"$work/err" || true
    t1=$(now)
    TIMED_MIB=$(($(tail -1 "$work/rss") / 1024))
    printf '%-44s %7s s  peak RSS %4d MiB  (%s)\n' "$label" "$(secs "$t0" "$t1")" \
        "$TIMED_MIB" "$(grep -v '^{' "$work/err" | tail -1)"
}
keep() { # name value: for make bench's comparison of two runs
    [ -z "${BENCH_PAY_KEEP:-}" ] || echo "$2" >"$BENCH_PAY_KEEP.$1"
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
    armms-import -q -t $t period --generate 2026
    armms-ingest -q -t $t "$work/ev.ndjson" >/dev/null || true
    for stage in timelog dtr timesheet; do
        armms-$stage -q -t $t --period $P >/dev/null || true
    done
    armms-timesheet -q -t $t --finalize --period $P --override bench >/dev/null || true
    cp -a "$ARMMS_HOME/tenants/$t" "$work/pristine"
fi
echo "== pay: $G guards x one period ($P)"
echo "$(sqlite3 "$ARMMS_HOME/tenants/$t/tk.db" "select count(*) from timesheet where status <> 'DRAFT'") sealed timesheets"
cp -a "$ARMMS_HOME/tenants/$t" "$ARMMS_HOME/tenants/$t-run"
t0=$(now)
timed "armms-pay --period (journal pull + price)" armms-pay -t $t --period $P
keep pay "$TIMED_MIB"
timed "armms-deduct --period (net)" armms-deduct -t $t --period $P
keep deduct "$TIMED_MIB"
t1=$(now)
pd=$(secs "$t0" "$t1")
echo "pay + deduct: $pd s"
[ "$G" -lt 100000 ] || figure "pay + deduct, $G guards x one period" "$pd" s "<" 20
timed "armms-pay --period again (nothing new)" armms-pay -t $t --period $P
timed "armms-deduct --period again (nothing new)" armms-deduct -t $t --period $P
echo "paysheets: $(sqlite3 "$ARMMS_HOME/tenants/$t/pay.db" 'select count(*) || " rows, gross " || sum(gross) || ", net " || sum(net) from paysheet')"
armms-payrun -q -t $t-run open $P >/dev/null
timed "armms-payrun compute (pay and deduct in one call)" armms-payrun -t $t-run compute $P

# what leaves the agency, from the approved run
armms-payrun -q -t $t-run approve $P >/dev/null
o=$work/files
rm -rf "$o" && mkdir -p "$o/pdf"
t0=$(now)
timed "armms-register (CSV)" armms-register -t $t-run $P -o "$o/register.csv"
timed "armms-bank --profile generic-csv" armms-bank -t $t-run $P --profile generic-csv -o "$o/bank.csv"
t1=$(now)
echo "bank file and register: $(secs "$t0" "$t1") s"
[ "$G" -lt 100000 ] || figure "armms-register + armms-bank, $G guards" "$(secs "$t0" "$t1")" s "<" 10
timed "armms-register --format xlsx" armms-register -t $t-run $P --format xlsx -o "$o/register.xlsx"
sheets=$(sqlite3 "$ARMMS_HOME/tenants/$t-run/pay.db" "select count(*) from paysheet where period_id = '$P'")
if [ "$sheets" -le "${BENCH_PDF_MAX:-5000}" ]; then
    for how in combined each; do
        t0=$(now)
        if [ $how = combined ]; then
            timed "armms-payslip --format pdf --combined" armms-payslip -t $t-run $P --format pdf --combined -o "$o/all.pdf"
        else
            timed "armms-payslip --format pdf (a file per guard)" armms-payslip -t $t-run $P --format pdf -o "$o/pdf"
        fi
        t1=$(now)
        echo "  PDF payslips, $how: $(awk -v n="$sheets" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", n / (e - s) }') a second ($sheets guards)"
    done
fi
rm -rf "$ARMMS_HOME/tenants/$t-run" "$o"

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
    armms-pay -q -t $t "$work/adj.ndjson" 2>"$work/late.err" | armms-deduct -t $t >"$work/late.out" 2>>"$work/late.err"
    t1=$(date +%s%N)
    ms+=($(((t1 - t0) / 1000000)))
    echo "  $(jq -r '"\(.timesheet_id) \(.status) v\(.version)"' "$work/adj.ndjson") -> paysheet v$(jq -r .version "$work/late.out"), net $(jq -r .net "$work/late.out") ($(tail -1 "$work/late.err"))"
done
med=$(printf '%s\n' "${ms[@]}" | sort -n | sed -n 3p)
echo "one late TimesheetAdjusted through armms-pay | armms-deduct: $med ms (median of 5: ${ms[*]})"
keep late "$med"
figure "one late TimesheetAdjusted through pay | deduct, $G guards" "$med" ms "<" 50
