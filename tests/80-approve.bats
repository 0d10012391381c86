#!/usr/bin/env bats
# Roles, scopes and approval routes (lib/iam/rbac.c, lib/iam/change.c,
# armms-approve): who may do what in a tenant, and maker-checker on the
# changes that need someone else's say. A routed change is not made by the
# tool asked for it: the tool stores a change request; the route's verifier
# verifies it, its approver approves it, and approving applies it. Nobody
# decides on their own request, a verifier does not also approve, a decided
# request stays decided, and a request over data that changed since is
# refused as STALE. Every step is journaled and kept in the audit trail.
#
# The agency every test starts from (built once, copied per test): the
# routes armms-init installs (no direct_routes), the eight sample users, one
# per role (ops1 ops, tk1 timekeeper, hr1 hr_officer, pay1 payroll_officer,
# ctl1 controller, hrm1 hr_manager, fin1 finance_officer, admin admin) and
# tester, the first admin; DAY 06:00-18:00 and NIGHT 18:00-06:00 at DET1
# and DET2; G1 on DAY and G3 on NIGHT at DET1 from 16 October 2026; one
# rate card, DET1/DAY/GUARD at 695.00 from 1 January 2026, applied through
# its route (fin1 requests, ctl1 verifies, hrm1 approves); a clean day for
# G1 and a clean night for G3 on 20 October, so the period 2026-10-B has
# two DRAFT timesheets with nothing blocking them.
load test_helper
bats_require_minimum_version 1.5.0

S="$ARMMS_ROOT/samples"
P=2026-10-B
USERS=(ops1 tk1 hr1 pay1 ctl1 hrm1 fin1 admin)
RATE_KEY=DET1/DAY/GUARD@2026-01-01
NEW_RATE_KEY=DET1/DAY/GUARD@2026-11-01

# CSV rows on stdin: as USER import KIND 'header' 'row'...
as_import() {
    local u=$1 k=$2
    shift 2
    printf '%s\n' "$@" | armms-import -q -t acme --as "$u" --format csv "$k"
}

# One ClockEvent line: punch EVENT_ID GUARD LOCAL_TS TYPE (at DET1).
punch() { tk_punch "$1" "$2" "$3" "$4" DET1; }

# The clock events of FILE through the whole chain as USER.
chain_as() {
    (
        set -o pipefail
        armms-ingest -q -t acme --as "$1" "$2" | armms-timelog -q -t acme --as "$1" |
            armms-dtr -q -t acme --as "$1" | armms-timesheet -q -t acme --as "$1" >/dev/null
    )
}

build_agency() {
    armms-init -q -t acme
    armms-import -q -t acme user "$S/user.csv"
    as_import hr1 position 'position_id,name' 'GUARD,Security Guard'
    as_import hr1 shift 'shift_id,start,end' 'DAY,06:00,18:00' 'NIGHT,18:00,06:00'
    as_import hr1 detachment 'detachment_id,name,client' 'DET1,Tower One,Acme Corp' \
        'DET2,Harbor Mall,Harbor Inc'
    as_import hr1 guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE' 'G2,100002,Reyes,Ana,GUARD,SAT,ACTIVE' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE'
    as_import ops1 assignment 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    armms-import -q -t acme --as pay1 period --generate 2026
    local id
    id=$(as_import fin1 rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' | jq -r .request_id)
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null
    {
        punch G1-20-in G1 2026-10-20T05:55:00+08:00 IN
        punch G1-20-out G1 2026-10-20T18:00:00+08:00 OUT
        punch G3-20-in G3 2026-10-20T17:55:00+08:00 IN
        punch G3-20-out G3 2026-10-21T06:00:00+08:00 OUT
    } >"$ARMMS_HOME/events.ndjson"
    chain_as tk1 "$ARMMS_HOME/events.ndjson"
    rm "$ARMMS_HOME/events.ndjson"
    # the rest of the half-month: absent days
    armms-dtr -q -t acme --as tk1 --period $P </dev/null >/dev/null
    armms-timesheet -q -t acme --as tk1 --period $P </dev/null >/dev/null
}

setup_file() {
    export AGENCY="$BATS_FILE_TMPDIR/agency"
    mkdir -p "$AGENCY"
    ARMMS_HOME=$AGENCY ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z build_agency
}

# A fresh copy of the agency in this test's ARMMS_HOME.
agency() { cp -a "$AGENCY/." "$ARMMS_HOME/"; }

# Everything a tenant holds, as one checksum: every module's rows and the
# journal. Equal before and after means the run changed nothing.
state() {
    local t=${1:-acme} m
    {
        for m in hr tk pay iam; do sqlite3 "$ARMMS_HOME/tenants/$t/$m.db" .dump; done
        journal_lines "$t"
    } | sha256sum
}

# The master data and timekeeping a change request may touch, without the
# requests themselves, the audit trail and the journal.
data() {
    q acme hr 'SELECT * FROM guard ORDER BY 1'
    q acme pay 'SELECT detachment_id, shift_id, position_id, daily_rate, valid_from, valid_to FROM rate ORDER BY valid_from'
    q acme tk 'SELECT timesheet_id, version, status, checksum FROM timesheet ORDER BY 1, 2'
}

rate_rows() {
    q acme pay 'SELECT daily_rate, valid_from, coalesce(valid_to, "") FROM rate ORDER BY valid_from'
}

# A rate change as fin1 (a request); prints its id.
request_rate() { # PESOS VALID_FROM
    as_import fin1 rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        "DET1,DAY,GUARD,$1,$2," | jq -r .request_id
}

# G2's last name changed by hr1 (a request once guard.update is routed).
rename_g2() {
    as_import "${1:-hr1}" guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G2,100002,Reyes-Bautista,Ana,GUARD,SAT,ACTIVE'
}

request_status() { # ID -> STATUS|decided_by|note, from whichever store holds it
    local m
    for m in hr tk pay iam; do
        q acme "$m" "SELECT status || '|' || coalesce(decided_by, '') || '|' || coalesce(note, '') FROM change_request WHERE request_id = '$1'"
    done
}

journal_types() { journal_lines acme | jq -r .event_type; }

# --- who may do what ---------------------------------------------------------

# action (scope) | who may | what a permitted run does | command
# done: changes the tenant; request: stores a change request and nothing
# else; reads: changes nothing.
ACTIONS='position.update|hr1 admin|done|armms-import -t acme position D/position.csv
detachment.update|hr1 admin|done|armms-import -t acme detachment D/detachment.csv
shift.update|hr1 admin|done|armms-import -t acme shift D/shift.csv
guard.update|hr1 admin|done|armms-import -t acme guard D/guard.csv
holiday.update|hr1 admin|done|armms-import -t acme holiday D/holiday.csv
assignment.update|ops1 admin|done|armms-import -t acme assignment D/assignment.csv
rate.update|fin1 admin|request|armms-import -t acme rate D/rate.csv
period.update|pay1 admin|done|armms-import -t acme period --generate 2027
obligation.update|pay1 admin|done|armms-import -t acme obligation D/obligation.csv
user.update|admin|done|armms-import -t acme user D/user.csv
role.update|admin|done|armms-import -t acme role D/role.csv
route.update|admin|done|armms-import -t acme route D/route.csv
clock.ingest|ops1 tk1 admin|done|armms-ingest -t acme D/events.ndjson
timekeeping.run|ops1 tk1 admin|reads|armms-timelog -t acme --period 2026-10-B
timekeeping.run|ops1 tk1 admin|reads|armms-dtr -t acme --period 2026-10-B
timekeeping.run|ops1 tk1 admin|reads|armms-timesheet -t acme --period 2026-10-B
timelog.adjust|tk1 admin|done|armms-timelog -t acme adjust add --guard G1 --ts 2026-10-21T05:55:00+08:00 --type IN --reason forgot
timesheet.read|ops1 tk1 hr1 pay1 ctl1 hrm1 admin|reads|armms-timesheet -t acme --validate --period 2026-10-B
timesheet.finalize|tk1 admin|request|armms-timesheet -t acme --finalize --period 2026-10-B
journal.read|ctl1 hrm1 admin|reads|armms-journal -t acme cat
journal.read|ctl1 hrm1 admin|reads|armms-journal -t acme history G1
tenant.admin|admin|reads|armms-journal -t acme seal
approval.read|ops1 tk1 hr1 pay1 ctl1 hrm1 fin1 admin|reads|armms-approve -t acme list'

action_inputs() {
    local d=$1
    mkdir -p "$d"
    printf '%s\n' 'position_id,name' 'SUPERVISOR,Supervisor' >"$d/position.csv"
    printf '%s\n' 'detachment_id,name,client' 'DET3,Plaza Uno,Plaza Corp' >"$d/detachment.csv"
    printf '%s\n' 'shift_id,start,end' 'SWING,14:00,22:00' >"$d/shift.csv"
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Garcia,Lito,GUARD,WED,ACTIVE' >"$d/guard.csv"
    printf '%s\n' 'date,name,kind' '2026-12-08,Feast of the Immaculate Conception,special' >"$d/holiday.csv"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G2,DET2,DAY,2026-10-16,,regular,' >"$d/assignment.csv"
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,720.00,2026-11-01,' >"$d/rate.csv"
    printf '%s\n' 'obligation_id,guard_id,kind,code,label,installment,start_period' \
        'OBL1,G1,deduction,UNIFORM,Uniform,100.00,2026-11-A' >"$d/obligation.csv"
    printf '%s\n' 'user_id,name,roles' 'aud1,Internal Auditor,controller' >"$d/user.csv"
    printf '%s\n' 'role_id,name,scopes' 'auditor,Auditor,"approval.read,journal.read"' >"$d/role.csv"
    printf '%s\n' 'action,requester_role,verifier_role,approver_role' \
        'guard.update,hr_officer,,hr_manager' >"$d/route.csv"
    {
        punch G1-21-in G1 2026-10-21T05:55:00+08:00 IN
        punch G1-21-out G1 2026-10-21T18:00:00+08:00 OUT
    } >"$d/events.ndjson"
}

# The bytes of a tenant's stores and journal, as one checksum (cheaper than
# state, and stricter).
fingerprint() { cat "$ARMMS_HOME/tenants/acme/"*.db "$ARMMS_HOME/tenants/acme/journal/"* | sha256sum; }

@test "each role does exactly what its scopes allow, and a refusal names the scope and changes nothing" {
    agency
    local d=$BATS_TEST_TMPDIR/in pristine=$BATS_TEST_TMPDIR/pristine
    local base base_data scope who outcome cmd u cases=0 dirty=0
    action_inputs "$d"
    cp -a "$ARMMS_HOME" "$pristine"
    base=$(fingerprint)
    base_data=$(data)
    while IFS='|' read -r scope who outcome cmd; do
        cmd=${cmd//D\//$d/}
        for u in "${USERS[@]}"; do
            if [ "$dirty" = 1 ]; then
                rm -rf "$ARMMS_HOME"
                cp -a "$pristine" "$ARMMS_HOME"
                dirty=0
            fi
            # shellcheck disable=SC2086
            run --separate-stderr $cmd --as "$u" </dev/null
            cases=$((cases + 1))
            if [[ " $who " != *" $u "* ]]; then
                [ "$status" -eq 77 ] || fail "$u: $cmd: exit $status, not 77: $stderr"
                [[ "$stderr" == *"user '$u' of tenant acme may not"*"$scope"* ]] ||
                    fail "$u: $cmd: the refusal does not name $scope: $stderr"
                assert_equal "$output" ""
                [ "$(fingerprint)" = "$base" ] || fail "$u: $cmd: refused, yet the tenant changed"
                continue
            fi
            [ "$status" -eq 0 ] || fail "$u: $cmd: exit $status: $stderr"
            case $outcome in
            done)
                dirty=1
                [ "$(fingerprint)" != "$base" ] || fail "$u: $cmd: nothing landed"
                [ "$(journal_lines acme | tail -n 1 | jq -r .actor)" = "$u" ] ||
                    fail "$u: $cmd: the last event is not $u's"
                ;;
            request)
                dirty=1
                assert_equal "$(jq -r '[.kind, .action, .status, .requested_by] | join(" ")' <<<"$output")" \
                    "ChangeRequest $scope PENDING $u"
                [ "$(armms-approve -q -t acme --as hrm1 list | jq -r .request_id)" = \
                    "$(jq -r .request_id <<<"$output")" ] || fail "$u: $cmd: request not listed"
                [ "$(data)" = "$base_data" ] || fail "$u: $cmd: a request changed data"
                ;;
            reads)
                [ "$(fingerprint)" = "$base" ] || fail "$u: $cmd: a read changed the tenant"
                ;;
            esac
        done
    done <<<"$ACTIONS"
    assert_equal "$cases" $((23 * 8))
}

# --- maker-checker -------------------------------------------------------------

@test "nobody verifies or approves their own request, and whoever verified one does not also approve it" {
    agency
    # a supervisor holding both checker roles; a timekeeper who is also an HR manager
    as_import admin user 'user_id,name,roles' 'sup1,Lourdes Aquino,"controller,hr_manager"' \
        'tk2,Noel Bautista,"timekeeper,hr_manager"'
    local before id fid
    before=$(data)
    id=$(request_rate 720.00 2026-11-01)

    run --separate-stderr armms-approve -t acme --as fin1 verify "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'fin1' of tenant acme may not verify their own change request $id"
    run --separate-stderr armms-approve -t acme --as fin1 approve "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'fin1' of tenant acme may not approve their own change request $id"
    run --separate-stderr armms-approve -t acme --as fin1 reject "$id" --reason "changed my mind"
    assert_failure 77
    assert_equal "$(request_status "$id")" "PENDING||"

    armms-approve -q -t acme --as sup1 verify "$id" >/dev/null
    run --separate-stderr armms-approve -t acme --as sup1 approve "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'sup1' of tenant acme may not approve change request $id they verified"
    assert_equal "$(request_status "$id")" "VERIFIED||"
    assert_equal "$(q acme pay "SELECT verified_by FROM change_request WHERE request_id = '$id'")" sup1
    # an admin holds every scope, not the HR manager's role
    run --separate-stderr armms-approve -t acme --as admin approve "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'admin' of tenant acme may not approve rate.update (its route is approved by hr_manager)"

    run --separate-stderr armms-timesheet -t acme --as tk2 --finalize --period $P
    assert_success
    fid=$(jq -r .request_id <<<"$output")
    run --separate-stderr armms-approve -t acme --as tk2 approve "$fid"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'tk2' of tenant acme may not approve their own change request $fid"
    assert_equal "$(request_status "$fid")" "PENDING||"
    # tk2 may decide sup1's verified rate change, not their own finalization
    assert_equal "$(armms-approve -q -t acme --as tk2 list --actionable | jq -r .request_id)" "$id"

    # nothing changed, and no step was journaled but the requests and the verification
    assert_equal "$(data)" "$before"
    assert_equal "$(journal_lines acme | jq -r --arg a "$id" --arg b "$fid" 'select(.aggregate_id == ($a, $b)) | .event_type + " " + .actor')" \
        "$(printf '%s\n' 'ApprovalRequested fin1' 'ApprovalVerified sup1' 'ApprovalRequested tk2')"
    assert_equal "$(journal_types | grep -c -e RateCardUpdated -e TimesheetFinalized)" 1 # the agency's card
}

@test "a rejected rate change leaves the rate card as it was and goes back to fin1 with the reason" {
    agency
    local before id
    before=$(data)
    id=$(request_rate 720.00 2026-11-01)

    run --separate-stderr armms-approve -t acme --as ctl1 reject "$id"
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: a rejection needs --reason: it goes back to the requester"
    run --separate-stderr armms-approve -t acme --as ctl1 reject "$id" --reason ''
    assert_failure 64
    assert_equal "$(request_status "$id")" "PENDING||"

    run --separate-stderr armms-approve -t acme --as ctl1 reject "$id" --reason "the client has not signed the new rate"
    assert_success
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id rejected by ctl1"
    assert_equal "$(jq -r '[.status, .decided_by, .note] | join("|")' <<<"$output")" \
        "REJECTED|ctl1|the client has not signed the new rate"
    assert_equal "$(data)" "$before"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"

    # fin1 sees it among their own, decided, with the reason (after the
    # agency's own rate card, approved)
    assert_equal "$(armms-approve -q -t acme --as fin1 list --mine)" ""
    run --separate-stderr armms-approve -t acme --as fin1 list --mine --all
    assert_success
    assert_equal "$(jq -r .status <<<"$output")" "$(printf '%s\n' APPROVED REJECTED)"
    assert_equal "$(tail -n 1 <<<"$output" | jq -r '[.request_id, .action, .status, .requested_by, .decided_by, .note] | join("|")')" \
        "$id|rate.update|REJECTED|fin1|ctl1|the client has not signed the new rate"
    assert_equal "$(armms-approve -q -t acme --as fin1 list --status REJECTED | jq -r .request_id)" "$id"
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '[.event_type, .actor, .aggregate_id, .payload.note] | join("|")')" \
        "ApprovalRejected|ctl1|$id|the client has not signed the new rate"

    # decided once: no second decision of any kind
    local events
    events=$(journal_lines acme | wc -l)
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id is REJECTED already"
    run --separate-stderr armms-approve -t acme --as ctl1 verify "$id"
    assert_failure 65
    run --separate-stderr armms-approve -t acme --as ctl1 reject "$id" --reason "again"
    assert_failure 65
    run --separate-stderr armms-approve -t acme --as fin1 withdraw "$id"
    assert_failure 65
    assert_equal "$(request_status "$id")" "REJECTED|ctl1|the client has not signed the new rate"
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    assert_equal "$(data)" "$before"
}

# --- stale requests ------------------------------------------------------------

@test "a rate change approved after another one landed on the same card is refused as stale" {
    agency
    local a b
    a=$(request_rate 720.00 2026-11-01)
    b=$(request_rate 750.00 2026-11-01)
    armms-approve -q -t acme --as ctl1 verify "$a" >/dev/null
    armms-approve -q -t acme --as ctl1 verify "$b" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$b"
    assert_equal "$(rate_rows)" "$(printf '%s\n' '69500|2026-01-01|2026-10-31' '75000|2026-11-01|')"

    run --separate-stderr armms-approve -t acme --as hrm1 approve "$a"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $a is stale: the data it changes has changed since it was requested; it is now STALE, request the change again"
    assert_equal "$output" ""
    # the card is as b left it, and a is STALE for good
    assert_equal "$(rate_rows)" "$(printf '%s\n' '69500|2026-01-01|2026-10-31' '75000|2026-11-01|')"
    assert_equal "$(request_status "$a")" "STALE|hrm1|the data it changes has changed since it was requested"
    assert_equal "$(request_status "$b")" "APPROVED|hrm1|"
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '[.event_type, .actor, .aggregate_id] | join(" ")')" \
        "ApprovalStale hrm1 $a"
    assert_equal "$(q acme pay "SELECT count(*) FROM audit WHERE request_id = '$a'")" 0
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$a"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $a is STALE already"
    assert_equal "$(armms-approve -q -t acme --as fin1 list --mine --all | jq -r 'select(.request_id == "'"$a"'") | .status')" STALE
}

@test "a finalization approved after a late punch changed a draft is refused as stale, and nothing is sealed" {
    agency
    local id
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    # G1's 21 October arrives after the request
    {
        punch G1-21-in G1 2026-10-21T05:55:00+08:00 IN
        punch G1-21-out G1 2026-10-21T18:00:00+08:00 OUT
    } >"$BATS_TEST_TMPDIR/late"
    chain_as ops1 "$BATS_TEST_TMPDIR/late"
    local drafts
    drafts=$(q acme tk 'SELECT timesheet_id, version, status, record FROM timesheet ORDER BY 1')

    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$output" ""
    [[ "$stderr" == *"change request $id is stale"* ]] || fail "$stderr"
    assert_equal "$(q acme tk 'SELECT timesheet_id, version, status, record FROM timesheet ORDER BY 1')" "$drafts"
    assert_equal "$(request_status "$id")" "STALE|hrm1|the data it changes has changed since it was requested"
    assert_equal "$(journal_types | grep -c TimesheetFinalized)" 0

    # asked again, it finalizes what the drafts hold now: two days for G1
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_success
    assert_equal "$(jq -r 'select(.guard_id == "G1") | [.status, .days_worked, .totals.worked] | join(" ")' <<<"$output")" \
        "FINALIZED 2 1440"
    assert_equal "$(q acme tk 'SELECT group_concat(status) FROM timesheet')" "FINALIZED,FINALIZED"
}

# --- tenants -------------------------------------------------------------------

@test "a user of one tenant is nobody in another: users, roles and requests are per tenant" {
    agency
    armms-init -q -t beta
    printf '%s\n' 'user_id,name,roles' 'hrm1,Eduardo Salazar,ops' | armms-import -q -t beta --format csv user
    local id acme beta
    id=$(request_rate 720.00 2026-11-01)
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    acme=$(state acme)
    beta=$(state beta)

    run --separate-stderr armms-approve -t beta --as fin1 list
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'fin1' is not a user of tenant beta (--as USER, ARMMS_USER; an admin adds users with armms-import user)"
    run --separate-stderr armms-import -t beta --as hr1 guard "$ARMMS_ROOT/samples/guard.csv"
    assert_failure 77
    [[ "$stderr" == *"user 'hr1' is not a user of tenant beta"* ]] || fail "$stderr"
    # hrm1 of beta is an ops user there, and acme's requests are not beta's
    assert_equal "$(armms-approve -q -t beta --as hrm1 whoami | jq -c '[.tenant_id, .roles]')" '["beta",["ops"]]'
    assert_equal "$(armms-approve -q -t acme --as hrm1 whoami | jq -c '[.tenant_id, .roles]')" '["acme",["hr_manager"]]'
    run --separate-stderr armms-approve -t beta --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant beta has no change request $id (armms-approve list shows them)"
    assert_equal "$(armms-approve -q -t beta --as hrm1 list --all)" ""

    assert_equal "$(state acme)" "$acme"
    assert_equal "$(state beta)" "$beta"
    assert_equal "$(request_status "$id")" "VERIFIED||"
}

# --- the audit trail -----------------------------------------------------------

@test "the history of a renamed guard shows who changed the name, from what to what" {
    agency
    rename_g2 hr1
    assert_equal "$(q acme hr "SELECT last_name FROM guard WHERE guard_id = 'G2'")" Reyes-Bautista

    run --separate-stderr armms-journal -t acme --as ctl1 history G2
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 2 changes to G2"
    assert_equal "$(jq -r '[.kind, .event_type, .actor, .module, .aggregate_type, .payload.op, (.before.last_name // "-"), .after.last_name, (.request_id // "-")] | join(" ")' <<<"$output")" \
        "$(printf '%s\n' 'AuditEntry GuardUpserted hr1 hr guard insert - Reyes -' \
            'AuditEntry GuardUpserted hr1 hr guard update Reyes Reyes-Bautista -')"
    # the same two rows in hr.db's audit table, written with the change
    assert_equal "$(q acme hr "SELECT actor, event_type, json_extract(payload, '$.before.last_name'), json_extract(payload, '$.record.last_name'), request_id IS NULL FROM audit WHERE aggregate_id = 'G2' ORDER BY seq")" \
        "$(printf '%s\n' 'hr1|GuardUpserted||Reyes|1' 'hr1|GuardUpserted|Reyes|Reyes-Bautista|1')"
}

@test "the history of a rate card applied through its route shows the request, the verification, the change by hrm1 and the grant" {
    agency
    local id
    id=$(request_rate 720.00 2026-11-01)
    armms-approve -q -t acme --as ctl1 verify "$id" --note "matches the client letter" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$id" --note "approved for November" >/dev/null

    run --separate-stderr armms-journal -t acme --as hrm1 history "$NEW_RATE_KEY"
    assert_success
    assert_equal "$(jq -r '[.event_type, .actor, .module, (.request_id // "-"), (.payload.note // "-")] | join("|")' <<<"$output")" \
        "$(printf '%s\n' "ApprovalRequested|fin1|pay|-|-" "ApprovalVerified|ctl1|pay|-|matches the client letter" \
            "RateCardUpdated|hrm1|pay|$id|-" "ApprovalGranted|hrm1|pay|$id|approved for November")"
    assert_equal "$(jq -c 'select(.event_type == "RateCardUpdated") | [.before, .after.daily_rate, .after.valid_from, .after.valid_to]' <<<"$output")" \
        '[null,72000,"2026-11-01",null]'
    assert_equal "$(jq -c 'select(.event_type == "ApprovalRequested") | .payload | [.action, .requested_by, .verifier_role, .approver_role, .targets]' <<<"$output")" \
        "[\"rate.update\",\"fin1\",\"controller\",\"hr_manager\",[\"DET1/DAY/GUARD@2026-01-01\",\"$NEW_RATE_KEY\"]]"
    # the history of the request itself: its three steps
    assert_equal "$(armms-journal -q -t acme --as hrm1 history "$id" | jq -r '.event_type + " " + .actor')" \
        "$(printf '%s\n' 'ApprovalRequested fin1' 'ApprovalVerified ctl1' 'ApprovalGranted hrm1')"
    # pay.db's audit table: the change carries the request that applied it
    # (the card it closes, then the new card, then the grant)
    assert_equal "$(q acme pay "SELECT actor || ' ' || event_type || ' ' || aggregate_id FROM audit WHERE request_id = '$id' ORDER BY seq")" \
        "$(printf '%s\n' 'hrm1 RateCardUpdated DET1/DAY/GUARD@2026-01-01' "hrm1 RateCardUpdated $NEW_RATE_KEY" "hrm1 ApprovalGranted $id")"
    assert_equal "$(q acme pay "SELECT requested_by, verified_by, decided_by, status FROM change_request WHERE request_id = '$id'")" \
        "fin1|ctl1|hrm1|APPROVED"
}

@test "the history of a timesheet finalized through a request shows tk1's request and hrm1's seal" {
    agency
    local id ts=2026-10-B/G1/DET1/DAY
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null

    run --separate-stderr armms-journal -t acme --as ctl1 history "$ts"
    assert_success
    assert_equal "$(jq -r '[.event_type, .actor, .module, (.request_id // "-")] | join(" ")' <<<"$output")" \
        "$(printf '%s\n' "ApprovalRequested tk1 tk -" "TimesheetFinalized hrm1 tk $id" "ApprovalGranted hrm1 tk $id")"
    assert_equal "$(jq -c 'select(.event_type == "TimesheetFinalized") | [.after.timesheet_id, .after.status, .after.finalized_by, .after.request_id, .after.totals.worked]' <<<"$output")" \
        "[\"$ts\",\"FINALIZED\",\"hrm1\",\"$id\",720]"
    assert_equal "$(q acme tk "SELECT actor || ' ' || event_type || ' ' || aggregate_id FROM audit WHERE request_id = '$id' ORDER BY seq")" \
        "$(printf '%s\n' "hrm1 TimesheetFinalized $ts" "hrm1 TimesheetFinalized 2026-10-B/G3/DET1/NIGHT" "hrm1 ApprovalGranted $id")"
}

# --- the demo's routes ---------------------------------------------------------

@test "tk1 asks to finalize the half-month, nothing is sealed until hrm1 approves, then both timesheets are" {
    agency
    local before id
    before=$(data)
    run --separate-stderr armms-timesheet -t acme --as tk1 --finalize --period $P
    assert_success
    assert_equal "$(wc -l <<<"$output")" 1
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(jq -r '[.kind, .action, .status, .module, .changes, .requested_by, .approver_role, (.verifier_role // "-"), .summary] | join("|")' <<<"$output")" \
        "ChangeRequest|timesheet.finalize|PENDING|tk|2|tk1|hr_manager|-|finalize 2026-10-B: 2 timesheets (0 blocked)"
    assert_equal "$stderr" "$(printf '%s\n' 'armms-timesheet: 2026-10-B: 2 to finalize once approved, 0 blocked (0 blockers)' \
        'armms-timesheet: timesheet.finalize needs approval by hr_manager: change request written to standard output; nothing changes until it is approved (armms-approve)')"
    assert_equal "$(data)" "$before"
    assert_equal "$(q acme tk 'SELECT group_concat(status) FROM timesheet')" "DRAFT,DRAFT"
    assert_equal "$(journal_types | grep -c TimesheetFinalized)" 0
    # hrm1 has it to decide, ctl1 does not; show lists both timesheets it seals
    assert_equal "$(armms-approve -q -t acme --as hrm1 list --actionable | jq -r .request_id)" "$id"
    assert_equal "$(armms-approve -q -t acme --as ctl1 list --actionable)" ""
    assert_equal "$(armms-approve -q -t acme --as hrm1 show "$id" | jq -c '[.effect, [.preview[] | .event_type + " " + .aggregate_id]]')" \
        '[{"period":"2026-10-B"},["TimesheetFinalized 2026-10-B/G1/DET1/DAY","TimesheetFinalized 2026-10-B/G3/DET1/NIGHT"]]'

    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id" --note "checked against the logbook"
    assert_success
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id approved and applied by hrm1"
    assert_equal "$(jq -r '[.kind, .timesheet_id, .status, .finalized_by, .request_id] | join(" ")' <<<"$output")" \
        "$(printf '%s\n' "TimesheetFinalized 2026-10-B/G1/DET1/DAY FINALIZED hrm1 $id" \
            "TimesheetFinalized 2026-10-B/G3/DET1/NIGHT FINALIZED hrm1 $id")"
    assert_equal "$(q acme tk "SELECT timesheet_id, version, status, json_extract(record, '$.request_id'), checksum LIKE 'sha256:%' FROM timesheet ORDER BY 1")" \
        "$(printf '%s\n' "2026-10-B/G1/DET1/DAY|1|FINALIZED|$id|1" "2026-10-B/G3/DET1/NIGHT|1|FINALIZED|$id|1")"
    assert_equal "$(request_status "$id")" "APPROVED|hrm1|checked against the logbook"
    assert_equal "$(journal_lines acme | tail -n 4 | jq -r '.event_type + " " + .actor')" \
        "$(printf '%s\n' 'ApprovalRequested tk1' 'TimesheetFinalized hrm1' 'TimesheetFinalized hrm1' 'ApprovalGranted hrm1')"
    assert_equal "$(armms-approve -q -t acme --as hrm1 list)" ""
}

@test "fin1's rate change needs ctl1's verification before hrm1 may approve it" {
    agency
    local id
    run --separate-stderr armms-import -t acme --as fin1 --format csv rate < <(printf '%s\n' \
        'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET1,DAY,GUARD,720.00,2026-11-01,')
    assert_success
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(jq -r '[.action, .status, .verifier_role, .approver_role, .summary] | join("|")' <<<"$output")" \
        "rate.update|PENDING|controller|hr_manager|rate: 1 records (1 new, 0 changed, 0 unchanged)"
    assert_equal "$(tail -n 1 <<<"$stderr")" \
        "armms-import: rate.update needs verification by controller, then approval by hr_manager: change request written to standard output; nothing changes until it is approved (armms-approve)"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"

    # approving first is refused, by anyone; hrm1 does not have it to decide yet
    assert_equal "$(armms-approve -q -t acme --as hrm1 list --actionable)" ""
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id awaits verification by controller before it can be approved"
    run --separate-stderr armms-approve -t acme --as ctl1 approve "$id"
    assert_failure 65
    run --separate-stderr armms-approve -t acme --as hrm1 verify "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'hrm1' of tenant acme may not verify rate.update (its route is verified by controller)"
    assert_equal "$(request_status "$id")" "PENDING||"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"

    run --separate-stderr armms-approve -t acme --as ctl1 verify "$id"
    assert_success
    assert_equal "$(jq -r '[.status, .verified_by, (.decided_by // "-")] | join(" ")' <<<"$output")" "VERIFIED ctl1 -"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"
    run --separate-stderr armms-approve -t acme --as ctl1 verify "$id"
    assert_failure 65
    assert_equal "$(armms-approve -q -t acme --as hrm1 list --actionable | jq -r .request_id)" "$id"
    run --separate-stderr armms-approve -t acme --as ctl1 approve "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'ctl1' of tenant acme may not approve rate.update (its route is approved by hr_manager)"

    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_success
    assert_equal "$(rate_rows)" "$(printf '%s\n' '69500|2026-01-01|2026-10-31' '72000|2026-11-01|')"
    assert_equal "$(request_status "$id")" "APPROVED|hrm1|"
    # the January card's close and the November card, in the grant's transaction
    assert_equal "$(journal_lines acme | tail -n 5 | jq -r '.event_type + " " + .actor + " " + (.payload.op // "-")')" \
        "$(printf '%s\n' 'ApprovalRequested fin1 -' 'ApprovalVerified ctl1 -' 'RateCardUpdated hrm1 close' \
            'RateCardUpdated hrm1 insert' 'ApprovalGranted hrm1 -')"
    assert_equal "$(journal_lines acme | tail -n 3 | jq -r .src_id | sort -u | wc -l)" 1
}

@test "the HR manager may reject a rate change before the controller verifies it; the controller not after" {
    agency
    local a b
    a=$(request_rate 720.00 2026-11-01)
    b=$(request_rate 750.00 2026-11-01)
    # the approver says no at once: nothing for ctl1 to verify any more
    run --separate-stderr armms-approve -t acme --as hrm1 reject "$a" --reason "no client letter"
    assert_success
    assert_equal "$(request_status "$a")" "REJECTED|hrm1|no client letter"
    run --separate-stderr armms-approve -t acme --as ctl1 verify "$a"
    assert_failure 65

    # once ctl1 verified b, it is hrm1's to decide, not ctl1's
    armms-approve -q -t acme --as ctl1 verify "$b" >/dev/null
    run --separate-stderr armms-approve -t acme --as ctl1 reject "$b" --reason "on second thought"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'ctl1' of tenant acme may not reject change request $b they verified (it is for hr_manager to decide now)"
    assert_equal "$(request_status "$b")" "VERIFIED||"
    # someone on neither side of the route may not reject at all
    run --separate-stderr armms-approve -t acme --as pay1 reject "$b" --reason "not my call"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'pay1' of tenant acme may not reject rate.update (its route: verified by controller, approved by hr_manager)"
    run --separate-stderr armms-approve -t acme --as hrm1 reject "$b" --reason "too high"
    assert_success
    assert_equal "$(request_status "$b")" "REJECTED|hrm1|too high"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "ApprovalRejected") | .actor + " " + .payload.note')" \
        "$(printf '%s\n' 'hrm1 no client letter' 'hrm1 too high')"
}

# --- routes and roles the tenant edits -----------------------------------------

@test "an admin routes guard changes through the HR manager, and hr1's next guard import waits for approval" {
    agency
    run --separate-stderr armms-import -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'guard.update,hr_officer,,hr_manager')
    assert_success
    assert_equal "$(armms-approve -q -t acme --as hr1 routes | jq -c 'select(.action == "guard.update")')" \
        '{"kind":"Route","v":1,"action":"guard.update","requester_role":"hr_officer","verifier_role":null,"approver_role":"hr_manager"}'
    # the route change is itself audited, with before and after
    assert_equal "$(armms-journal -q -t acme --as hrm1 history guard.update | jq -c '[.event_type, .actor, .before.approver_role, .after.approver_role]')" \
        '["RouteUpserted","admin",null,"hr_manager"]'

    run --separate-stderr rename_g2 hr1
    assert_success
    local id
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(jq -r '[.action, .module, .status, .requested_by, .summary] | join("|")' <<<"$output")" \
        "guard.update|hr|PENDING|hr1|guard: 1 records (0 new, 1 changed, 0 unchanged)"
    assert_equal "$(q acme hr "SELECT last_name FROM guard WHERE guard_id = 'G2'")" Reyes
    assert_equal "$(armms-approve -q -t acme --as hrm1 show "$id" | jq -c '.preview[0].payload | [.before.last_name, .record.last_name]')" \
        '["Reyes","Reyes-Bautista"]'

    armms-approve -q -t acme --as hrm1 approve "$id"
    assert_equal "$(q acme hr "SELECT last_name FROM guard WHERE guard_id = 'G2'")" Reyes-Bautista
    assert_equal "$(armms-journal -q -t acme --as hrm1 history G2 | jq -r '[.event_type, .actor, (.request_id // "-")] | join(" ")' | tail -n 3)" \
        "$(printf '%s\n' 'ApprovalRequested hr1 -' "GuardUpserted hrm1 $id" "ApprovalGranted hrm1 $id")"
}

@test "only an admin changes routes and roles" {
    agency
    local routes roles
    routes=$(armms-approve -q -t acme --as hrm1 routes)
    roles=$(armms-approve -q -t acme --as hrm1 roles)
    run --separate-stderr armms-import -t acme --as hr1 --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'guard.update,hr_officer,,')
    assert_failure 77
    assert_equal "$stderr" "armms-import: user 'hr1' of tenant acme may not route.update (needs scope route.update, held by admin)"
    run --separate-stderr armms-import -t acme --as hrm1 --format csv role < <(printf '%s\n' \
        'role_id,name,scopes' 'hr_manager,HR manager,"approval.read,rate.update"')
    assert_failure 77
    assert_equal "$stderr" "armms-import: user 'hrm1' of tenant acme may not role.update (needs scope role.update, held by admin)"
    run --separate-stderr armms-import -t acme --as hrm1 --format csv user < <(printf '%s\n' \
        'user_id,name,roles' 'hrm1,Eduardo Salazar,"hr_manager,finance_officer"')
    assert_failure 77
    assert_equal "$(armms-approve -q -t acme --as hrm1 routes)" "$routes"
    assert_equal "$(armms-approve -q -t acme --as hrm1 roles)" "$roles"
    assert_equal "$(armms-approve -q -t acme --as hrm1 whoami | jq -c .roles)" '["hr_manager"]'
}

@test "a role given a new scope lets its users act, though a route that names another requester still holds" {
    agency
    run --separate-stderr armms-journal -t acme --as ops1 cat
    assert_failure 77
    armms-import -q -t acme --as admin role < <(printf '%s\n' \
        '{"role_id":"ops","name":"Operations","scopes":"approval.read,assignment.update,clock.ingest,journal.read,timekeeping.run,timesheet.read"}')
    assert_equal "$(armms-approve -q -t acme --as ops1 whoami | jq -c .scopes)" \
        '["approval.read","assignment.update","clock.ingest","journal.read","timekeeping.run","timesheet.read"]'
    run --separate-stderr armms-journal -t acme --as ops1 cat
    assert_success
    assert_equal "$output" "$(journal_lines acme)"

    # guard.update's route is requested by hr_officer: the scope alone is not enough
    armms-import -q -t acme --as admin role < <(printf '%s\n' \
        '{"role_id":"hr_manager","name":"HR manager","scopes":"approval.read,guard.update,journal.read,paysheet.read,paysheet.reject,timesheet.read"}')
    local before
    before=$(state)
    run --separate-stderr rename_g2 hrm1
    assert_failure 77
    assert_equal "$stderr" "armms-import: user 'hrm1' of tenant acme may not request guard.update (its route is requested by hr_officer)"
    assert_equal "$(state)" "$before"
}

@test "a disabled user is refused everything, even the approval the route gives their role" {
    agency
    local id fid before
    id=$(request_rate 720.00 2026-11-01)
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    armms-import -q -t acme --as admin --format csv user < <(printf '%s\n' 'user_id,name,roles,status' \
        'hr1,Ma. Theresa Lacson,hr_officer,DISABLED' 'hrm1,Eduardo Salazar,hr_manager,DISABLED')
    assert_equal "$(q acme iam "SELECT group_concat(user_id || ':' || status) FROM user WHERE user_id IN ('hr1', 'hrm1')")" \
        "hr1:DISABLED,hrm1:DISABLED"
    before=$(state)

    run --separate-stderr rename_g2 hr1
    assert_failure 77
    assert_equal "$stderr" "armms-import: user 'hr1' of tenant acme is disabled"
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 77
    assert_equal "$stderr" "armms-approve: user 'hrm1' of tenant acme is disabled"
    run --separate-stderr armms-approve -t acme --as hrm1 list
    assert_failure 77
    run --separate-stderr armms-journal -t acme --as hrm1 cat
    assert_failure 77
    assert_equal "$(armms-approve -q -t acme --as hrm1 whoami | jq -r .status)" DISABLED
    assert_equal "$(state)" "$before"
    assert_equal "$(request_status "$id")" "VERIFIED||"
}

@test "a requester withdraws their own request; nobody else can, and a withdrawn request is never applied" {
    agency
    local id before u
    before=$(data)
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    for u in hrm1 admin ops1; do
        run --separate-stderr armms-approve -t acme --as "$u" withdraw "$id"
        assert_failure 77
        assert_equal "$stderr" "armms-approve: user '$u' of tenant acme may not withdraw tk1's change request $id"
    done
    assert_equal "$(request_status "$id")" "PENDING||"

    run --separate-stderr armms-approve -t acme --as tk1 withdraw "$id"
    assert_success
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id withdrawn by tk1"
    assert_equal "$(request_status "$id")" "WITHDRAWN|tk1|"
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '.event_type + " " + .actor')" "ApprovalWithdrawn tk1"

    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id is WITHDRAWN already"
    assert_equal "$(data)" "$before"
    assert_equal "$(armms-approve -q -t acme --as hrm1 list)" ""
}

@test "a request keeps the route it was made under when an admin changes the route afterwards" {
    agency
    local id
    id=$(request_rate 720.00 2026-11-01)
    armms-import -q -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'rate.update,finance_officer,,hr_manager')
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id awaits verification by controller before it can be approved"
    assert_equal "$(rate_rows)" "69500|2026-01-01|"
    # a request made now takes the new route: no verification
    local id2
    id2=$(request_rate 730.00 2026-12-01)
    assert_equal "$(armms-approve -q -t acme --as hrm1 show "$id2" | jq -c '[.verifier_role, .approver_role]')" '[null,"hr_manager"]'
    armms-approve -q -t acme --as hrm1 approve "$id2"
    assert_equal "$(rate_rows)" "$(printf '%s\n' '69500|2026-01-01|2026-11-30' '73000|2026-12-01|')"
}

@test "a routed import that would change nothing makes no request" {
    agency
    armms-import -q -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'guard.update,hr_officer,,hr_manager')
    local before
    before=$(state)
    run --separate-stderr armms-import -t acme --as hr1 --format csv guard < <(printf '%s\n' \
        'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' 'G2,100002,Reyes,Ana,GUARD,SAT,ACTIVE')
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" "$(printf '%s\n' 'armms-import: guard: 1 read, 0 inserted, 0 updated, 1 unchanged, 0 rejected (requested, not applied)' \
        'armms-import: guard.update needs approval by hr_manager, but nothing would change: no request made')"
    assert_equal "$(state)" "$before"
}

# --- misuse --------------------------------------------------------------------

@test "an unknown request id is refused with 65, an unknown command or option with 64, and nothing changes" {
    agency
    local before id=01AAAAAAAAAAAAAAAAAAAAAAAA
    before=$(state)
    for cmd in show verify approve withdraw; do
        run --separate-stderr armms-approve -t acme --as hrm1 "$cmd" "$id"
        assert_failure 65
        assert_equal "$stderr" "armms-approve: tenant acme has no change request $id (armms-approve list shows them)"
    done
    run --separate-stderr armms-approve -t acme --as hrm1 reject "$id" --reason "no such thing"
    assert_failure 65

    run --separate-stderr armms-approve -t acme --as hrm1 sign "$id"
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: unknown command 'sign'"
    run --separate-stderr armms-approve -t acme --as hrm1 list --urgent
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: unrecognized option '--urgent'"
    run --separate-stderr armms-approve -t acme --as hrm1
    assert_failure 64
    run --separate-stderr armms-approve -t acme --as hrm1 approve
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: approve needs a change request id"
    run --separate-stderr armms-approve -t acme --as hrm1 list --status DONE
    assert_failure 64
    run --separate-stderr armms-approve -t acme --as hrm1 list --all --status APPROVED
    assert_failure 64
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id" --reason "why not"
    assert_failure 64
    run --separate-stderr armms-approve -t acme --as hrm1 reject "$id" --note "hmm" --reason "no"
    assert_failure 64
    run --separate-stderr armms-approve -t acme --as hrm1 show "$id" extra
    assert_failure 64
    run armms-approve --help
    assert_success
    [[ "$output" == usage:* ]] || fail "$output"
    assert_equal "$(state)" "$before"
}

@test "a finalization needs no verification, and a route with a verifier but no approver is refused" {
    agency
    local id before
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    run --separate-stderr armms-approve -t acme --as ctl1 verify "$id"
    assert_failure 65
    assert_equal "$stderr" "armms-approve: tenant acme: change request $id needs no verification (route timesheet.finalize: approved by hr_manager)"
    assert_equal "$(request_status "$id")" "PENDING||"

    before=$(armms-approve -q -t acme --as admin routes)
    run --separate-stderr armms-import -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'guard.update,hr_officer,controller,')
    assert_failure 65
    [[ "$stderr" == *'"code":"MISSING_FIELD","message":"a route with a verifier_role needs an approver_role"'* ]] || fail "$stderr"
    # and a route naming a role the tenant does not have
    run --separate-stderr armms-import -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'guard.update,hr_officer,,board')
    assert_failure 65
    assert_equal "$(armms-approve -q -t acme --as admin routes)" "$before"
}

# --- holes: these show behaviour that lets a change past its checker ------------

@test "the history of the rate card a new rate closes shows its end date set, with before and after" {
    agency
    local id
    id=$(request_rate 720.00 2026-11-01)
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null
    assert_equal "$(rate_rows)" "$(printf '%s\n' '69500|2026-01-01|2026-10-31' '72000|2026-11-01|')"

    # the January card changed (valid_to 2026-10-31): its history should say so
    run --separate-stderr armms-journal -t acme --as hrm1 history "$RATE_KEY"
    assert_success
    assert_equal "$(jq -c 'select(.after.valid_to == "2026-10-31") | [.actor, .before.valid_to, .after.valid_to, .request_id]' <<<"$output")" \
        "[\"hrm1\",null,\"2026-10-31\",\"$id\"]"
}

@test "with adjustments routed to the HR manager, a correction after finalization waits for approval" {
    agency
    local id
    id=$(armms-timesheet -q -t acme --as tk1 --finalize --period $P | jq -r .request_id)
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null
    # A late correction writes an ADJUSTED version with the delta for payroll
    # (armms-timesheet(1)); a tenant that wants every correction seen first
    # routes timelog.adjust.
    printf '%s\n' 'action,requester_role,verifier_role,approver_role' \
        'timelog.adjust,timekeeper,,hr_manager' | armms-import -q -t acme --as admin --format csv route
    local before
    before=$(q acme tk 'SELECT timesheet_id, version, status FROM timesheet ORDER BY 1, 2')
    run --separate-stderr armms-timelog -t acme --as tk1 adjust add --guard G1 \
        --ts 2026-10-22T05:55:00+08:00 --type IN --reason "forgot to punch"
    assert_success
    assert_equal "$(jq -r '[.kind, .action, .status, .approver_role] | join(" ")' <<<"$output")" \
        "ChangeRequest timelog.adjust PENDING hr_manager"
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(q acme tk 'SELECT count(*) FROM time_log_adjustment')" 0
    assert_equal "$(q acme tk 'SELECT timesheet_id, version, status FROM timesheet ORDER BY 1, 2')" "$before"
    # approved, the adjustment lands and flows down the chain as any other
    run --separate-stderr bash -c "set -o pipefail
        armms-approve -q -t acme --as hrm1 approve $id | armms-dtr -q -t acme --as tk1 |
            armms-timesheet -q -t acme --as tk1"
    assert_success
    assert_equal "$(q acme tk "SELECT action || ' ' || actor FROM time_log_adjustment")" "add hrm1"
    assert_equal "$(q acme tk "SELECT request_id FROM audit WHERE event_type = 'TimeLogAdjusted'")" "$id"
}

@test "an approved correction matches a clock event still past the filing mark, as one filed" {
    agency
    printf '%s\n' 'action,requester_role,verifier_role,approver_role' \
        'timelog.adjust,timekeeper,,hr_manager' | armms-import -q -t acme --as admin --format csv route
    punch G1-22-out G1 2026-10-22T18:00:00+08:00 OUT >"$BATS_TEST_TMPDIR/out"
    armms-ingest -q -t acme --as tk1 "$BATS_TEST_TMPDIR/out" >/dev/null
    # as a run killed before it filed, or one still under way, leaves it
    sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" "DELETE FROM clock_event_guard WHERE ce = (SELECT max(rowid) FROM clock_event);
        UPDATE clock_event_filed SET upto = (SELECT max(rowid) FROM clock_event) - 1"
    run --separate-stderr armms-timelog -t acme --as tk1 adjust add --guard G1 \
        --ts 2026-10-22T05:55:00+08:00 --type IN --reason "forgot to punch"
    assert_success
    local id
    id=$(jq -r .request_id <<<"$output")
    run --separate-stderr armms-approve -q -t acme --as hrm1 approve "$id"
    assert_success
    # the added IN and the device's OUT make one VALID DAY shift
    assert_equal "$(q acme tk "SELECT source, type, status, shift_id FROM time_log
        WHERE guard_id = 'G1' AND work_date = '2026-10-22' ORDER BY ts")" \
        "$(printf '%s\n' 'adjustment|IN|VALID|DAY' 'device|OUT|VALID|DAY')"
}

@test "a tenant whose admins are all disabled is not handed to whoever runs armms-init next" {
    agency
    # disabling the last admins is refused, or allowed: either way ops1 gains nothing
    run --separate-stderr armms-import -t acme --as admin --format csv user < <(printf '%s\n' \
        'user_id,name,roles,status' 'tester,tester,admin,DISABLED' 'admin,Jerome Caballero,admin,DISABLED')
    run --separate-stderr armms-init -t acme --as ops1
    assert_failure 77
    assert_equal "$(armms-approve -q -t acme --as ops1 whoami | jq -c .roles)" '["ops"]'
    assert_equal "$(q acme iam "SELECT roles FROM user WHERE user_id = 'ops1'")" ops
}

@test "a route the tenant puts on an action no tool routes is refused, not silently ignored" {
    agency
    local before
    before=$(q acme tk 'SELECT count(*) FROM clock_event')
    run --separate-stderr armms-import -t acme --as admin --format csv route < <(printf '%s\n' \
        'action,requester_role,verifier_role,approver_role' 'clock.ingest,timekeeper,,hr_manager')
    if [ "$status" -eq 0 ]; then
        # accepted: then tk1's punches must wait for hrm1
        {
            punch G1-21-in G1 2026-10-21T05:55:00+08:00 IN
            punch G1-21-out G1 2026-10-21T18:00:00+08:00 OUT
        } >"$BATS_TEST_TMPDIR/punches"
        armms-ingest -q -t acme --as tk1 "$BATS_TEST_TMPDIR/punches" >/dev/null
        assert_equal "$(q acme tk 'SELECT count(*) FROM clock_event')" "$before"
    else
        assert_failure 65
        assert_equal "$(armms-approve -q -t acme --as admin routes | jq -r 'select(.action == "clock.ingest")')" ""
    fi
}

@test "an unknown verb is 64 before any tenant or user is looked at" {
    local try="Try 'armms-approve --help' for more information."
    run --separate-stderr armms-approve sign
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-approve: unknown command 'sign'" "$try")"
    run --separate-stderr armms-approve -t nosuch sign
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-approve: unknown command 'sign'" "$try")"
    assert_not_exists "$ARMMS_HOME/tenants"
    armms-init -q -t acme
    run --separate-stderr armms-approve -t acme --as nobody sign
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: unknown command 'sign'"
    run --separate-stderr armms-approve -t acme --as nobody show
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-approve: show needs a change request id"
    run --separate-stderr armms-approve -t acme --as nobody
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" \
        "armms-approve: missing command (list, show, verify, approve, reject, withdraw, routes, roles or whoami)"
    # a known verb does reach the user check
    run --separate-stderr armms-approve -t acme --as nobody list
    assert_failure 77
}

@test "every verb of armms-approve is in --help, and output onto a full disk is 74" {
    run --separate-stderr armms-approve --help
    assert_success
    local v
    for v in list show verify approve reject withdraw routes roles whoami; do
        assert_line --regexp "^       armms-approve \[-t TENANT\] $v|^usage: armms-approve \[-t TENANT\] $v"
        assert_line --regexp "^  $v "
    done
    armms-init -q -t acme
    run --separate-stderr bash -c 'armms-approve -t acme whoami > /dev/full'
    assert_failure 74
    assert_equal "$stderr" "armms-approve: tenant acme: write error on standard output: No space left on device"
}
