#!/usr/bin/env bash
# make demo: the sample agency's half-month, from master data through clock
# events to finalized timesheets and an approved, closed payrun, each step by
# the role that owns it: rate cards, finalization, the net floor policy, a
# waiver, a held item and the close through their approval routes, a
# timekeeper's correction, and a late event after finalization; then the
# month's second half as cron runs it, and what leaves the agency for the
# first half (payslips, register, bank files, the month's government files,
# the archive, under demo-home/out/), in a fresh ARMMS_HOME under
# ./demo-home (recreated each run).
set -eu
cd "$(dirname "$0")/.."
export PATH="$PWD/bin:$PATH"
export ARMMS_HOME="${DEMO_HOME:-$PWD/demo-home}"
export ARMMS_TENANT=demo ARMMS_USER=admin
PERIOD=${DEMO_PERIOD:-2026-11-A}
rm -rf "$ARMMS_HOME"
say() { printf '\n== %s\n' "$*"; }

say "create the tenant: the acting user (admin) becomes its first admin"
armms-init --tz Asia/Manila

say "users, one per role; then each role loads its own master data"
armms-import user samples/user.csv
armms-approve whoami --as hr1 | jq -c '{user_id, roles, scopes}'
for k in position shift detachment guard holiday; do
    armms-import --as hr1 "$k" "samples/$k.csv"
done
armms-import --as ops1 assignment samples/assignment.csv
armms-import --as pay1 obligation samples/obligation.csv
armms-import --as pay1 period --generate 2026

say "rate cards go through their route: finance requests, controller verifies, HR manager approves"
armms-approve routes | jq -r 'select(.approver_role) | "  \(.action): requested by \(.requester_role), verified by \(.verifier_role // "-"), approved by \(.approver_role)"'
rq=$(armms-import --as fin1 rate samples/rate.csv)
jq -c '{request_id, action, status, summary}' <<<"$rq"
id=$(jq -r .request_id <<<"$rq")
echo "rates in force before approval: $(sqlite3 "$ARMMS_HOME/tenants/demo/pay.db" 'select count(*) from rate')"
armms-approve --as fin1 approve "$id" || echo "(refused: nobody approves their own request)"
armms-approve --as ctl1 verify "$id" --note "matches the client contracts" | jq -c '{status, verified_by}'
armms-approve --as hrm1 approve "$id"
echo "rates in force after approval: $(sqlite3 "$ARMMS_HOME/tenants/demo/pay.db" 'select count(*) from rate')"

say "clock events for $PERIOD from the detachments' devices"
armms-sample events --period "$PERIOD" >"$ARMMS_HOME/events.ndjson"
echo "$(wc -l <"$ARMMS_HOME/events.ndjson") device lines (with double taps, replays, late arrivals)"
export ARMMS_USER=tk1 # the timekeeper runs the devices' feed and the hours
armms-ingest --rejects "$ARMMS_HOME/rejects.ndjson" "$ARMMS_HOME/events.ndjson" \
    >"$ARMMS_HOME/accepted.ndjson"

say "a device re-sends its log: nothing lands twice"
armms-ingest "$ARMMS_HOME/events.ndjson" | wc -l | sed 's/^/new events on the rerun: /'

say "what landed"
db="$ARMMS_HOME/tenants/demo/tk.db"
sqlite3 -column -header "$db" "
  SELECT type, count(*) AS events, count(DISTINCT guard_id) AS guards,
         min(ts) AS first_utc, max(ts) AS last_utc
  FROM clock_event GROUP BY type;"
echo
echo "by detachment (top 5):"
sqlite3 -column "$db" "SELECT detachment_id, count(*) FROM clock_event
  GROUP BY detachment_id ORDER BY 2 DESC LIMIT 5;"
echo
echo "one guard's punches (ts_local, from the accepted stream):"
jq -r 'select(.guard_id == "G00001") | "\(.ts_local)  \(.type)  \(.detachment_id)"' \
    "$ARMMS_HOME/accepted.ndjson" | head -6

say "timekeeping, as cron runs it: time logs, DTRs, timesheets for $PERIOD"
out=$ARMMS_HOME/out
mkdir -p "$out"
armms-timelog --period "$PERIOD" >"$out/timelogs.ndjson"
armms-dtr --period "$PERIOD" >"$out/dtr.ndjson"
armms-timesheet --period "$PERIOD" >"$out/timesheets.ndjson"

say "the half-month in hours"
echo "guards with a DTR: $(jq -r .guard_id "$out/dtr.ndjson" | sort -u | wc -l)"
echo "DTRs by status:"
jq -r .status "$out/dtr.ndjson" | sort | uniq -c | sort -rn
echo "anomalies by code (time logs, then DTRs):"
jq -r '.anomalies[]' "$out/timelogs.ndjson" | sort | uniq -c | sort -rn
jq -r '.anomalies[]' "$out/dtr.ndjson" | sort | uniq -c | sort -rn
jq -rs 'map(.totals) | reduce .[] as $t ({}; reduce ($t | keys[]) as $k (.; .[$k] += $t[$k]))
    | "hours: worked \(.worked / 60 | floor), regular \(.regular / 60 | floor), overtime \(.ot / 60 | floor), night differential \(.nd / 60 | floor) on regular hours and \(.nd_ot / 60 | floor) on overtime, late \(.late / 60 | floor), undertime \(.undertime / 60 | floor)"' \
    "$out/timesheets.ndjson"
echo "hours worked by day type (regular and overtime):"
jq -rs '[.[].minutes | to_entries[]] | group_by(.key)[]
    | {t: .[0].key, m: (map(.value.regular + .value.ot) | add)} | select(.m > 0)
    | "  \(.t): \(.m / 60 | floor) h"' "$out/timesheets.ndjson"

say "what blocks finalization"
armms-timesheet --validate --period "$PERIOD" >"$out/blockers.ndjson" || [ $? = 65 ]
jq -r .code "$out/blockers.ndjson" | sort | uniq -c

say "the timekeeper adds a forgotten OUT (a reason is required) and the chain follows"
b=$(jq -c 'select(.code == "INCOMPLETE_DTR" and (.anomalies | index("MISSING_OUT")))' \
    "$out/blockers.ndjson" | head -1)
g=$(jq -r .guard_id <<<"$b")
d=$(jq -r .date <<<"$b")
end=$(jq -r --arg g "$g" --arg d "$d" 'select(.guard_id == $g and .date == $d) | .shift_id' \
    "$out/dtr.ndjson")
[ "$end" = NIGHT ] && ts="$(date -d "$d + 1 day" +%F)T06:00:00+08:00" || ts="${d}T18:00:00+08:00"
armms-timelog adjust add --guard "$g" --ts "$ts" --type OUT \
    --reason "guard signed the logbook out; reader offline" |
    armms-dtr | tee "$out/fixed-dtr.ndjson" | armms-timesheet >"$out/fixed-ts.ndjson"
jq -r --arg d "$d" 'select(.date == $d)
    | "\(.guard_id) \(.date) \(.shift_id): \(.status), \(.minutes.worked) minutes worked"' \
    "$out/fixed-dtr.ndjson"

say "finalize $PERIOD: the timekeeper requests it, blocked timesheets are refused"
armms-timesheet --finalize --period "$PERIOD" --rejects "$out/refused.ndjson" \
    >"$out/finalize-request.ndjson" || [ $? = 65 ]
jq -c '{request_id, action, status, summary, approver_role}' "$out/finalize-request.ndjson"
echo "refused (blocked): $(wc -l <"$out/refused.ndjson")"

say "the HR manager approves: the timesheets are sealed for payroll"
armms-approve --as hrm1 list --actionable | jq -r '"  awaiting hrm1: \(.request_id) \(.summary)"'
armms-approve --as hrm1 approve "$(jq -r .request_id "$out/finalize-request.ndjson")" \
    --note "blocked posts to follow" >"$out/finalized.ndjson"
echo "sealed: $(wc -l <"$out/finalized.ndjson")"
jq -r 'select(.guard_id == "'"$g"'") | "\(.timesheet_id) \(.status) v\(.version) by \(.finalized_by) \(.checksum)"' \
    "$out/finalized.ndjson"

say "a late OUT after finalization: version 2, ADJUSTED, with the delta for payroll"
late=$(jq -c 'select(.status == "COMPLETE" and .minutes.undertime > 0 and .shift_id == "DAY")' \
    "$out/dtr.ndjson" | while read -r r; do
    id="$(jq -r '"\(.date[0:7])-\(if (.date[8:10] | tonumber) <= 15 then "A" else "B" end)/\(.guard_id)/\(.detachment_id)/\(.shift_id)"' <<<"$r")"
    grep -q "\"timesheet_id\":\"$id\"" "$out/finalized.ndjson" && { echo "$r"; break; }
done)
lg=$(jq -r .guard_id <<<"$late")
ld=$(jq -r .date <<<"$late")
ldet=$(jq -r .detachment_id <<<"$late")
printf '{"event_id":"LATE-1","device_id":"%s-1","guard_id":"%s","ts":"%sT18:00:40+08:00","type":"OUT","detachment_id":"%s"}\n' \
    "$ldet" "$lg" "$ld" "$ldet" >"$out/late.ndjson"
time_chain() { armms-ingest -q "$1" | armms-timelog -q | armms-dtr -q | armms-timesheet -q; }
start=$(date +%s%N)
time_chain "$out/late.ndjson" >"$out/late-ts.ndjson"
echo "one late event through ingest | timelog | dtr | timesheet: $((($(date +%s%N) - start) / 1000000)) ms"
jq -r '"\(.timesheet_id) \(.status) v\(.version): worked \(.totals.worked) minutes"' "$out/late-ts.ndjson"
armms-journal --as ctl1 cat --type TimesheetAdjusted | jq -c '.payload | {timesheet_id, version, delta}'

say "the audit trail of that timesheet: who did what, and through which request"
armms-journal --as ctl1 history "$(jq -r .timesheet_id "$out/late-ts.ndjson")" |
    jq -r '"  \(.at) \(.actor) \(.event_type)\(if .request_id then " (request \(.request_id))" else "" end)"'

say "payroll: the agency keeps a take-home floor of 3,500.00 a half-month (pay policy, through its route)"
export ARMMS_USER=pay1 # the payroll officer
printf '%s\n' 'key,value,valid_from,source' \
    'net_floor,3500.00,2026-11-01,agency policy memo 2026-14 (deductions deferred below it)' \
    >"$out/floor.csv"
rq=$(armms-import pay_policy "$out/floor.csv")
armms-approve -q --as ctl1 verify "$(jq -r .request_id <<<"$rq")" >/dev/null
armms-approve -q --as hrm1 approve "$(jq -r .request_id <<<"$rq")"
echo "net floor from 2026-11-01: $(sqlite3 "$ARMMS_HOME/tenants/demo/pay.db" "select value from pay_policy where key = 'net_floor' order by valid_from desc limit 1")"

say "the payroll officer opens the $PERIOD payrun and computes it: pay and deduct in one call"
armms-payrun -q open "$PERIOD" >/dev/null
armms-payrun compute "$PERIOD" >"$out/paysheets.ndjson"
echo "paysheets: $(wc -l <"$out/paysheets.ndjson") guards (several timesheets of one guard make one paysheet)"
low=$(jq -r 'select(any(.deductions[]; .status == "DEFERRED" and .kind == "loan")) | .guard_id' \
    "$out/paysheets.ndjson" | head -1)
echo "deferred by the floor: $(jq -s '[.[].deductions[] | select(.status == "DEFERRED")] | length' "$out/paysheets.ndjson") deductions of $(jq -s '[.[] | select(any(.deductions[]; .status == "DEFERRED"))] | length' "$out/paysheets.ndjson") low earners; one of them, $low:"
armms-payrun show "$PERIOD" --guard "$low" --format table | sed 's/^/  /'

say "a guard in hospital: the payroll officer waives this half's cash advance, carried to the next period"
rq=$(armms-deduct waive OBL0043 --period "$PERIOD" --carry --reason "guard hospitalised; memo HR-2026-311")
jq -c '{request_id, action, status, summary}' <<<"$rq"
armms-approve -q --as ctl1 verify "$(jq -r .request_id <<<"$rq")" --note "hospital certificate seen" >/dev/null
armms-approve -q --as hrm1 approve "$(jq -r .request_id <<<"$rq")" >/dev/null
armms-deduct obligations --guard G00853 --format table | sed 's/^/  /'

say "the controller asks for one item to be held; the timekeeper clears it; the HR manager approves the run"
armms-payrun -q compute "$PERIOD" >/dev/null
hg=$(jq -r 'select(any(.lines[]; .code == "OT")) | .guard_id' "$out/paysheets.ndjson" | sed -n 7p)
rq=$(armms-payrun -q --as ctl1 reject "$PERIOD" --guard "$hg" --item OT \
    --reason "overtime at this post needs the client's sign-off")
armms-approve -q --as hrm1 approve "$(jq -r .request_id <<<"$rq")"
armms-payrun --as ctl1 holds "$PERIOD" | jq -r '"  held: \(.paysheet_id) \(.item) for the \(.owner_role): \(.reason)"'
armms-payrun --as hrm1 approve "$PERIOD"
armms-payrun --as tk1 resolve "$(armms-payrun --as tk1 holds "$PERIOD" | jq -r .hold_id)" \
    --note "client signed the overtime sheet"
armms-payrun --as hrm1 approve "$PERIOD"

say "close: the payroll officer requests it, the controller verifies, the HR manager approves"
rq=$(armms-payrun -q close "$PERIOD")
armms-approve -q --as ctl1 verify "$(jq -r .request_id <<<"$rq")" --note "register tallies with the bank totals" >/dev/null
armms-approve -q --as hrm1 approve "$(jq -r .request_id <<<"$rq")" >/dev/null
armms-payrun --as ctl1 status "$PERIOD" --format table | sed 's/^/  /'

P2=${PERIOD%-A}-B
if [ "$P2" != "$PERIOD" ]; then
    say "the month's second half ($P2), as cron runs it: clock events to a closed payrun"
    export ARMMS_USER=tk1
    armms-sample events --period "$P2" >"$ARMMS_HOME/events-b.ndjson"
    armms-ingest -q --rejects "$out/rejects-b.ndjson" "$ARMMS_HOME/events-b.ndjson" >/dev/null
    for stage in timelog dtr timesheet; do
        armms-$stage -q --period "$P2" >/dev/null
    done
    armms-timesheet -q --finalize --period "$P2" --rejects "$out/refused-b.ndjson" \
        >"$out/finalize-b.ndjson" || [ $? = 65 ]
    armms-approve -q --as hrm1 approve "$(jq -r .request_id "$out/finalize-b.ndjson")" >/dev/null
    export ARMMS_USER=pay1
    armms-payrun -q open "$P2" >/dev/null
    armms-payrun -q compute "$P2" >/dev/null
    armms-payrun -q --as hrm1 approve "$P2"
    rq=$(armms-payrun -q close "$P2")
    armms-approve -q --as ctl1 verify "$(jq -r .request_id <<<"$rq")" >/dev/null
    armms-approve -q --as hrm1 approve "$(jq -r .request_id <<<"$rq")" >/dev/null
    armms-payrun --as ctl1 status "$P2" --format table | sed 's/^/  /'
fi

say "what leaves the agency: payslips, bank files, the register, the government files, the archive"
export ARMMS_USER=pay1
files=$out/$PERIOD
mkdir -p "$files/payslips" "$files/bank" "$files/remit"
# rc65 CMD...: run CMD; exit 65 (a listed guard, a half not yet paid) is
# shown and not fatal, anything else stops the demo
rc65() { "$@" || { rc=$?; [ "$rc" = 65 ] || exit "$rc"; echo "  (exit 65: see the lines above)"; }; }
printf 'agency_name=Bantay Security Agency, Inc.\n' >>"$ARMMS_HOME/tenants/demo/tenant.conf"
armms-payslip "$PERIOD" -o "$files/payslips/payslips.txt"
armms-payslip "$PERIOD" --format pdf --combined -o "$files/payslips/payslips.pdf"
armms-payslip -q "$PERIOD" --format pdf --guard G00853 --guard "$low" -o "$files/payslips"
echo "the payslip of $low (text):"
armms-payslip "$PERIOD" --guard "$low" | sed 's/^/  /'
armms-register "$PERIOD" -o "$files/register.csv"
armms-register "$PERIOD" --format xlsx -o "$files/register.xlsx"
rc65 armms-bank "$PERIOD" --profile generic-csv -o "$files/bank/all-banks.csv" >"$out/bank-exceptions.ndjson"
echo "  guards not in the file: $(jq -r .code "$out/bank-exceptions.ndjson" | sort | uniq -c | xargs)"
rc65 armms-bank "$PERIOD" --profile bpi -o "$files/bank/bpi.txt" --set company_code=BSA01 \
    --set company_account=0123456789 --set branch_code=012 --set batch_no=01 >/dev/null
rc65 armms-bank "$PERIOD" --profile bdo -o "$files/bank/bdo.xlsx" --set company_code=BSA \
    --set batch_no=01 >/dev/null
month=${PERIOD%-?}
echo "the month's government files ($month, both halves approved)"
rc65 armms-remit sss "$month" -o "$files/remit/R3-${month/-/}.txt" \
    --employer-sss 0312345678 --employer-name "BANTAY SECURITY AGENCY INC"
for k in hdmf hdmf-loan philhealth bir-1601c; do
    rc65 armms-remit -q "$k" "$month" -o "$files/remit/$k-$month.csv"
done
armms-archive create "$PERIOD" "$files" -o "$out/payrun-$PERIOD.tar.gz"
armms-archive --as ctl1 verify "$out/payrun-$PERIOD.tar.gz" "$PERIOD"
echo "files handed to the bank and the agencies, and the archive that proves them:"
(cd "$out" && find "$PERIOD" -type f | sort | sed 's/^/  /' && echo "  payrun-$PERIOD.tar.gz")

say "the journal"
export ARMMS_USER=admin
armms-journal verify
armms-journal cat | jq -r .event_type | sort | uniq -c | sort -rn

echo
echo "data: $ARMMS_HOME/tenants/demo  (try: ARMMS_HOME=$ARMMS_HOME armms journal -t demo cat | jq .)"
