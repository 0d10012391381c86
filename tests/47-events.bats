load test_helper
bats_require_minimum_version 1.5.0

# The event catalogue: every journal line a realistic flow writes matches
# the schema of its event type (schemas/events/<event-type-kebab>.schema.json,
# the envelope with that payload), and every event type the sources name
# has a schema, so a new event without one fails here. schemas/README.md
# indexes them; armms(7) EVENTS lists them.

SCHEMAS="$ARMMS_ROOT/schemas"

# PascalCase -> kebab-case: TimeLogCreated -> time-log-created,
# DTRUpdated -> dtr-updated.
kebab() { sed -E 's/([A-Z]+)([A-Z][a-z])/\1-\2/g; s/([a-z0-9])([A-Z])/\1-\2/g' <<<"$1" | tr 'A-Z' 'a-z'; }

# Every PascalCase string literal in lib/ and src/ that is not the kind of
# a record (a schema's "kind" const: ClockEvent, TimeLog...) nor a word of
# a message: the event types the tools can journal. A record kind that is
# also an event (TimesheetFinalized) has an event schema and stays.
source_event_types() {
    local kinds k
    kinds=$(jq -r '.properties.kind.const? // empty' "$SCHEMAS"/*.schema.json | sort -u |
        while read -r k; do [ -f "$SCHEMAS/events/$(kebab "$k").schema.json" ] || echo "$k"; done)
    grep -rhoE '"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*"' "$ARMMS_ROOT/lib" "$ARMMS_ROOT/src" \
        --include='*.c' --include='*.h' | tr -d '"' | grep '[a-z]' | sort -u |
        grep -vxF -f <(printf '%s\n' $kinds "${NOT_EVENTS[@]}")
}
# Literals that are neither an event type nor a record kind with a schema:
# words of messages, a file's magic, the kinds of the lines of a payrun
# archive's manifest and of armms-archive list (armms-archive(1)).
NOT_EVENTS=(PhilHealth DTRs TZif PayrunArchive PayrunArchiveManifest ArchiveFile ArchivedPaysheet)

# Validate each line of the NDJSON file $1 against the schema of its
# event_type; an event type without a schema is an error.
validate_journal() {
    python3 - "$SCHEMAS" "$1" <<'EOF'
import json, os, sys
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
root, path = sys.argv[1], sys.argv[2]
reg = Registry()
for d in (root, os.path.join(root, "events")):
    for f in sorted(os.listdir(d)):
        if f.endswith(".schema.json"):
            s = json.load(open(os.path.join(d, f), encoding="utf-8"))
            reg = reg.with_resource(s["$id"], Resource.from_contents(s))
def kebab(t):
    import re
    t = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", t)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", t).lower()
bad = 0
seen = {}
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    ev = json.loads(line)
    t = ev.get("event_type")
    f = os.path.join(root, "events", kebab(t) + ".schema.json")
    if not os.path.exists(f):
        print(f"line {n}: {t}: no schema {os.path.relpath(f, root)}")
        bad += 1
        continue
    v = Draft202012Validator(json.load(open(f, encoding="utf-8")), registry=reg)
    seen[t] = seen.get(t, 0) + 1
    for e in v.iter_errors(ev):
        bad += 1
        print(f"line {n}: {t}: {'/'.join(map(str, e.absolute_path)) or '(event)'}: {e.message}"[:400])
for t in sorted(seen):
    print(f"ok {t} {seen[t]}")
sys.exit(1 if bad else 0)
EOF
}

# Half a month of a small agency (1-15 November 2026), through every tool
# that journals, so that every event type occurs: master data (a rate
# closed by a later version, a reliever, leave), punches (one for a guard
# HR has not added yet, held and then released; a second IN that changes
# the day's logs), corrections (a forgotten OUT added, a double punch
# voided), the finalized timesheets and punches after the seal (adjusted
# timesheets), a waiver, the payrun from open to close (a cash advance the
# net cannot pay deferred, then taken back when a late day raises the pay;
# a rejected item held and resolved; requests rejected, withdrawn, verified
# and approved), the next period's run rejected whole, a stale request, a
# store migrated again, the archive.
flow() {
    small_tenant acme
    tk_policy acme journal_derived=1 # TimeLogCreated, TimeLogUpdated, DTRUpdated
    local d=$BATS_TEST_TMPDIR g day req
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,780.00,2026-01-01,'
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-10-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,' \
        'G3,DET1,DAY,2026-11-04,2026-11-04,reliever,G1'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'ctl1,Controller,controller' 'hrm1,HR Manager,hr_manager' 'tk1,Timekeeper,timekeeper' \
        'fin1,Finance Officer,finance_officer'
    tk_import acme role 'role_id,name,scopes' 'auditor,Auditor,journal.read'
    tk_import acme route 'action,requester_role,verifier_role,approver_role' \
        'payrun.close,payroll_officer,controller,hr_manager' 'paysheet.reject,controller,,hr_manager'
    tk_holiday acme '2026-11-30,Bonifacio Day,regular'
    armms-import -q -t acme period --generate 2026
    tk_import acme leave 'guard_id,date,code,reason' 'G2,2026-11-05,SIL,family matter'
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        'L1,G1,loan,COMPANY_LOAN,Company loan,1000.00,3,2026-11-A,each' \
        'L2,G2,loan,CASH_ADVANCE,Cash advance,16000.00,1,2026-11-A,each'
    for g in G1 G2; do
        for day in $(seq -f '2026-11-%02g' 1 15); do
            [ "$g" = G1 ] && [ "$(date -d "$day" +%a)" = Sun ] && continue
            [ "$g" = G2 ] && [ "$(date -d "$day" +%a)" = Sat ] && continue
            [ "$g" = G2 ] && [ "$day" = 2026-11-05 ] && continue
            tk_punch "$g-$day-in" "$g" "${day}T05:55:00+08:00" IN DET1 >>"$d/in"
            [ "$g" = G1 ] && [ "$day" = 2026-11-10 ] && continue # forgot to punch out
            tk_punch "$g-$day-out" "$g" "${day}T18:00:00+08:00" OUT DET1 >>"$d/in"
        done
    done
    tk_punch G4-in G4 2026-11-06T05:55:00+08:00 IN DET1 >>"$d/in" # not in HR data yet
    armms-ingest -q -t acme "$d/in" >"$d/ce" || [ $? = 65 ]
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Rosa,GUARD,SUN,ACTIVE'
    armms-ingest -q -t acme "$d/in" >>"$d/ce"
    armms-timelog -q -t acme <"$d/ce" | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    # a second IN from another device minutes later: G2's logs of the day change
    tk_punch G2-dup G2 2026-11-03T06:01:00+08:00 IN DET1 >"$d/dup"
    tk_chain acme "$d/dup"
    armms-timelog adjust void -q -t acme "$(jq -r .time_log_id "$d/tl.ndjson" | head -n 1)" \
        --reason "same guard punched twice" | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    armms-timelog adjust add -q -t acme --guard G1 --ts 2026-11-10T18:00:00+08:00 --type OUT \
        --reason "forgot to punch out; post commander confirmed" | armms-dtr -q -t acme |
        armms-timesheet -q -t acme >/dev/null
    # the scheduled days nobody punched: G2's leave day
    armms-dtr -q -t acme --period 2026-11-A >/dev/null
    armms-timesheet -q -t acme --period 2026-11-A >/dev/null
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    # G1 worked his rest day, Sunday 8 November; the device sent it late,
    tk_punch G1-late-in G1 2026-11-08T05:55:00+08:00 IN DET1 >"$d/late"
    tk_punch G1-late-out G1 2026-11-08T18:00:00+08:00 OUT DET1 >>"$d/late"
    tk_chain acme "$d/late"
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-deduct -q -t acme waive L1 --period 2026-11-A --reason "hospital bills" --respread 3 >/dev/null
    armms-payrun -q -t acme --as pay1 open 2026-11-A >/dev/null
    armms-payrun -q -t acme --as pay1 compute 2026-11-A >/dev/null
    # G2's net cannot pay his cash advance: deferred. Then G2, on leave on 5
    # November, turns out to have worked his rest day, Saturday 7 November:
    # computed again, the advance fits and its deferral is taken back
    tk_punch G2-late-in G2 2026-11-07T05:55:00+08:00 IN DET1 >"$d/late2"
    tk_punch G2-late-out G2 2026-11-07T18:00:00+08:00 OUT DET1 >>"$d/late2"
    tk_chain acme "$d/late2"
    armms-payrun -q -t acme --as pay1 compute 2026-11-A >/dev/null
    req=$(armms-payrun -q -t acme --as ctl1 reject 2026-11-A --guard G1 --item OT --reason "OT not authorised")
    armms-approve -q -t acme --as hrm1 approve "$(jq -r .request_id <<<"$req")"
    # a request the approver rejects, one its requester withdraws
    req=$(armms-payrun -q -t acme --as ctl1 reject 2026-11-A --guard G2 --item HDMF --reason "wrong base")
    armms-approve -q -t acme --as hrm1 reject "$(jq -r .request_id <<<"$req")" --reason "the base is right" >/dev/null
    req=$(armms-payrun -q -t acme --as ctl1 reject 2026-11-A --guard G2 --reason "rates under review")
    armms-approve -q -t acme --as ctl1 withdraw "$(jq -r .request_id <<<"$req")" >/dev/null
    armms-payrun -q -t acme --as hrm1 approve 2026-11-A
    armms-payrun -q -t acme --as tk1 resolve "$(armms-payrun -t acme --as ctl1 holds 2026-11-A | jq -r .hold_id)" --note "OT confirmed"
    armms-payrun -q -t acme --as hrm1 approve 2026-11-A
    req=$(armms-payrun -q -t acme --as pay1 close 2026-11-A)
    armms-approve -q -t acme --as ctl1 verify "$(jq -r .request_id <<<"$req")" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$(jq -r .request_id <<<"$req")" >/dev/null
    # the next period prices G1's late rest day as adjustment lines; its
    # run is rejected whole, through the route
    armms-payrun -q -t acme --as pay1 open 2026-11-B >/dev/null
    armms-payrun -q -t acme --as pay1 compute 2026-11-B >/dev/null
    req=$(armms-payrun -q -t acme --as ctl1 reject 2026-11-B --reason "rates under review")
    armms-approve -q -t acme --as hrm1 approve "$(jq -r .request_id <<<"$req")" >/dev/null
    # two requests for the same rate card: the second approved is stale
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'rate.update,finance_officer,,hr_manager'
    local a b
    a=$(printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET2,DAY,GUARD,720.00,2026-12-01,' |
        armms-import -q -t acme --as fin1 --format csv rate | jq -r .request_id)
    b=$(printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET2,DAY,GUARD,750.00,2026-12-01,' |
        armms-import -q -t acme --as fin1 --format csv rate | jq -r .request_id)
    armms-approve -q -t acme --as hrm1 approve "$b" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$a" >/dev/null 2>&1 || [ $? = 65 ]
    # a store migrated again: its digests recorded on a StoreDigest
    sqlite3 "$ARMMS_HOME/tenants/acme/hr.db" "PRAGMA user_version = $(($(sqlite3 "$ARMMS_HOME/tenants/acme/hr.db" 'PRAGMA user_version') - 1))"
    armms-init -q -t acme
    mkdir -p "$d/out"
    printf 'Payslip 2026-11-A\n' >"$d/out/G1.txt"
    armms-archive -q -t acme --as pay1 create 2026-11-A "$d/out" -o "$d/a.tar.gz"
}

@test "every journal line of the flow matches its event type's schema, and the flow journals every type" {
    flow
    journal_lines acme >"$BATS_TEST_TMPDIR/journal.ndjson"
    run validate_journal "$BATS_TEST_TMPDIR/journal.ndjson"
    echo "$output"
    assert_success
    # and the flow journals every type there is a schema of
    missing=""
    for f in "$SCHEMAS"/events/*.schema.json; do
        t=$(jq -r '.properties.event_type.const' "$f")
        grep -qx "ok $t [0-9]*" <<<"$output" || missing+=" $t"
    done
    assert_equal "$missing" ""
    # an adjusted timesheet's before has the leave days of the sealed
    # version it adjusts (not stray memory: the schema caps them at 16)
    local j=$BATS_TEST_TMPDIR/journal.ndjson sealed before
    sealed=$(jq -r 'select(.event_type == "TimesheetFinalized") | [.payload.timesheet_id, .payload.days_leave // 0] | @tsv' "$j")
    before=$(jq -r 'select(.event_type == "TimesheetAdjusted") | [.payload.timesheet_id, .payload.before.days_leave // 0] | @tsv' "$j")
    assert_equal "$(cut -f1 <<<"$before" | sort -u | paste -sd' ')" "2026-11-A/G1/DET1/DAY 2026-11-A/G2/DET1/DAY"
    assert_equal "$(sort -u <<<"$before")" "$(grep -F -f <(cut -f1 <<<"$before") <<<"$sealed" | sort -u)"
}

@test "every event type the sources can journal has a schema, and every schema an event type the sources name" {
    run source_event_types
    assert_success
    types=$output
    # the extraction finds them: one of each layer that journals
    for t in GuardUpserted ClockEventRecorded DTRUpdated TimesheetFinalized PaysheetComputed \
        PayrunClosed PayrunArchived ApprovalGranted StoreDigest; do
        grep -qx "$t" <<<"$types" || fail "$t not found in the sources"
    done
    missing=""
    for t in $types; do
        [ -f "$SCHEMAS/events/$(kebab "$t").schema.json" ] || missing+=" $t"
    done
    assert_equal "$missing" ""
    # and no schema of an event the tools no longer journal
    stale=""
    for f in "$SCHEMAS"/events/*.schema.json; do
        t=$(jq -r '.properties.event_type.const' "$f")
        [ "$(kebab "$t").schema.json" = "$(basename "$f")" ] || stale+=" $f(misnamed)"
        grep -qx "$t" <<<"$types" || stale+=" $t"
    done
    assert_equal "$stale" ""
}

@test "the index lists every event schema, with its aggregate and module" {
    for f in "$SCHEMAS"/events/*.schema.json; do
        t=$(jq -r '.properties.event_type.const' "$f")
        agg=$(jq -r '.properties.aggregate_type.const' "$f")
        grep -qE "^\| \`$t\` \| \`$agg\` \|.*\`events/$(basename "$f")\`" "$SCHEMAS/README.md" ||
            fail "schemas/README.md has no row for $t ($agg, events/$(basename "$f"))"
        grep -q "^\.It Li $t\$" "$ARMMS_ROOT/man/armms.7" || fail "armms(7) does not list $t"
    done
}

@test "a new event type without a schema fails the check" {
    mkdir -p "$BATS_TEST_TMPDIR/src/lib" "$BATS_TEST_TMPDIR/src/src"
    printf 'int f(store_t *s) { return store_emit(s, "GuardPromoted", "guard", "G1", "{}", 2, 0); }\n' \
        >"$BATS_TEST_TMPDIR/src/lib/x.c"
    ARMMS_ROOT="$BATS_TEST_TMPDIR/src" run source_event_types
    assert_output GuardPromoted
    [ ! -f "$SCHEMAS/events/$(kebab GuardPromoted).schema.json" ]
}
