load test_helper
bats_require_minimum_version 1.5.0

# armms-payrun: a period's payrun from open to close, through the routes
# armms-init installs (payroll officer computes, HR manager approves the
# paysheets, controller requests rejections, the close goes payroll officer
# -> controller -> HR manager). Figures by hand from the shipped rules:
# 800.00 a day, a full DAY shift = 480 regular + 240 overtime minutes =
# 800.00 + 500.00 = 1,300.00.

# Two guards at DET1 (NCR), every day but their rest day, 1-15 November
# 2026; the users of each role; the routes as armms-init installs them.
run_tenant() {
    small_tenant acme
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' \
        'DET2,Harbor Mall,Harbor Inc,NCR' | armms-import -q -t acme --format csv detachment
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'ctl1,Controller,controller' 'hrm1,HR Manager,hr_manager' 'tk1,Timekeeper,timekeeper'
    tk_import acme route 'action,requester_role,verifier_role,approver_role' \
        'payrun.close,payroll_officer,controller,hr_manager' 'paysheet.reject,controller,,hr_manager'
    armms-import -q -t acme period --generate 2026
    local d g
    for g in G1 G2; do
        for d in $(seq -f '2026-11-%02g' 1 15); do
            [ "$g" = G1 ] && [ "$(date -d "$d" +%a)" = Sun ] && continue
            [ "$g" = G2 ] && [ "$(date -d "$d" +%a)" = Sat ] && continue
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
        done
    done
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
}

pr() { armms-payrun -t acme "$@"; }
status_of() { pr --as pay1 status 2026-11-A --format ndjson | jq -r "$1"; }
events() { journal_lines acme | jq -r "select(.event_type == \"$1\") | .payload | $2"; }
count_events() { journal_lines acme | wc -l; }
# The request id of a ChangeRequest on stdin.
rid() { jq -r .request_id; }

@test "open: a defined period gets one OPEN run; opening it again does nothing; an undefined one is refused" {
    run_tenant
    run --separate-stderr pr --as pay1 open 2026-11-A
    assert_success
    assert_equal "$(jq -c '[.kind, .status, .period.id, .opened_by]' <<<"$output")" '["Payrun","OPEN","2026-11-A","pay1"]'
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A opened"
    n=$(count_events)
    run --separate-stderr pr --as pay1 open 2026-11-A
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A was open already"
    assert_equal "$(count_events)" "$n"
    assert_equal "$(events PayrunOpened .period)" 2026-11-A
    run --separate-stderr pr --as pay1 open 2027-01-A
    assert_equal "$status" 65
    [[ "$stderr" == *"no pay period 2027-01-A"* ]]
    run pr --as pay1 open 2026-13-A
    assert_equal "$status" 64
    run pr --as ctl1 open 2026-11-B
    assert_equal "$status" 77
}

@test "compute: snapshots from the journal, pay and deduct in one call; the totals are the paysheets' own; a rerun changes nothing" {
    run_tenant
    run pr --as pay1 compute 2026-11-A
    assert_equal "$status" 65 # not open yet
    pr -q --as pay1 open 2026-11-A
    run --separate-stderr pr --as pay1 compute 2026-11-A
    assert_success
    assert_equal "$(jq -r '[.paysheet_id, .stage] | @tsv' <<<"$output")" "$(printf '2026-11-A/G1\tnet\n2026-11-A/G2\tnet')"
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A computed: 2 paysheets priced (2 changed), 2 netted (2 changed), 0 rejected"
    # G1 rests on Sundays (1, 8, 15 November): 12 days; G2 on Saturdays (7, 14): 13 days
    assert_equal "$(jq -c '[.gross]' <<<"$output" | paste -sd' ')" '[1560000] [1690000]'
    assert_equal "$(status_of '[.status, .counts.paysheets, .counts.computed, .totals.gross] | @tsv')" "$(printf 'COMPUTED\t2\t2\t3250000')"
    # the run's totals are sums of what its paysheets hold
    assert_equal "$(status_of .totals.net)" "$(jq -s 'map(.net) | add' <<<"$output")"
    assert_equal "$(status_of .totals.tax)" "$(jq -s '[.[].deductions[] | select(.kind == "tax") | .amount] | add' <<<"$output")"
    assert_equal "$(status_of '[.totals.hdmf.ee, .totals.hdmf.er] | @tsv')" "$(printf '40000\t40000')"
    n=$(count_events)
    before=$(q acme pay 'select paysheet_id, version, digest from paysheet order by 1')
    run --separate-stderr pr --as pay1 compute 2026-11-A
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A computed: 2 paysheets priced (0 changed), 2 netted (0 changed), 0 rejected"
    assert_equal "$(q acme pay 'select paysheet_id, version, digest from paysheet order by 1')" "$before"
    assert_equal "$(count_events)" "$n"
}

@test "a guard without a rate card is a Reject; the others are paid and the status names the blocker" {
    run_tenant
    tk_assign acme 'G3,DET2,DAY,2026-10-16,,regular,'
    for d in 2026-11-03 2026-11-04; do
        tk_punch "G3-$d-in" G3 "${d}T05:55:00+08:00" IN DET2 >>"$BATS_TEST_TMPDIR/in"
        tk_punch "G3-$d-out" G3 "${d}T18:00:00+08:00" OUT DET2 >>"$BATS_TEST_TMPDIR/in"
    done
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    pr -q --as pay1 open 2026-11-A
    run --separate-stderr pr --as pay1 compute 2026-11-A
    assert_equal "$status" 65
    assert_equal "$(jq -r .paysheet_id <<<"$output" | paste -sd' ')" "2026-11-A/G1 2026-11-A/G2"
    assert_equal "$(grep '^{' <<<"$stderr" | jq -r .code)" NO_RATE
    assert_equal "$(status_of '[.counts.unpriced, (.blockers | map(.code) | join(","))] | @tsv')" "$(printf '1\tUNPRICED,UNAPPROVED')"
}

@test "approve needs payrun.approve: the HR manager approves; the payroll officer who computed may not" {
    run_tenant
    pr -q --as pay1 open 2026-11-A
    run pr --as hrm1 approve 2026-11-A
    assert_equal "$status" 65 # open, not computed
    pr -q --as pay1 compute 2026-11-A >/dev/null
    run --separate-stderr pr --as pay1 approve 2026-11-A
    assert_equal "$status" 77
    run --separate-stderr pr --as hrm1 approve 2026-11-A --guard G1
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A: 1 paysheets approved, 0 held; run COMPUTED"
    run --separate-stderr pr --as hrm1 approve 2026-11-A
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A: 1 paysheets approved, 0 held; run APPROVED"
    assert_equal "$(q acme pay "select group_concat(status) from paysheet")" "APPROVED,APPROVED"
    assert_equal "$(events PaysheetApproved .paysheet_id | paste -sd' ')" "2026-11-A/G1 2026-11-A/G2"
    assert_equal "$(events PayrunApproved .status)" APPROVED
}

@test "a rejected item holds that paysheet for its owner role while the rest is approved; the run closes once it is resolved" {
    run_tenant
    pr -q --as pay1 open 2026-11-A
    pr -q --as pay1 compute 2026-11-A >/dev/null
    # the controller requests it, the HR manager approves; nothing is held before
    req=$(pr -q --as ctl1 reject 2026-11-A --guard G1 --item OT --reason "OT not authorised by the client")
    assert_equal "$(jq -r .status <<<"$req")" PENDING
    assert_equal "$(q acme pay "select count(*) from paysheet_hold")" 0
    run pr --as pay1 reject 2026-11-A --guard G1 --reason x
    assert_equal "$status" 77 # the route's requester is the controller
    armms-approve -q -t acme --as hrm1 approve "$(rid <<<"$req")"
    assert_equal "$(pr --as ctl1 holds 2026-11-A | jq -r '[.paysheet_id, .item, .owner_role, .status] | @tsv')" \
        "$(printf '2026-11-A/G1\tOT\ttimekeeper\tOPEN')"
    # a deduction belongs to the payroll officer
    req=$(pr -q --as ctl1 reject 2026-11-A --guard G2 --item HDMF --reason "wrong base")
    armms-approve -q -t acme --as hrm1 approve "$(rid <<<"$req")"
    assert_equal "$(pr --as ctl1 holds 2026-11-A | jq -r .owner_role | paste -sd' ')" "timekeeper payroll_officer"
    # an item the paysheet does not have, a guard without a paysheet: refused, nothing held
    run --separate-stderr pr --as ctl1 reject 2026-11-A --guard G1 --item NOPE --reason x
    assert_equal "$status" 65
    [[ "$stderr" == *"has no line or deduction NOPE"* ]]
    run --separate-stderr pr --as ctl1 reject 2026-11-A --guard G9 --reason x
    assert_equal "$status" 65
    [[ "$stderr" == *"no paysheet 2026-11-A/G9"* ]]
    assert_equal "$(q acme pay "select count(*) from change_request where status = 'PENDING'")" 0
    run --separate-stderr pr --as hrm1 approve 2026-11-A
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A: 0 paysheets approved, 2 held; run COMPUTED"
    assert_equal "$(q acme pay "select group_concat(status) from paysheet")" "REJECTED,REJECTED"
    # the close is refused while anything is held
    run --separate-stderr pr --as pay1 close 2026-11-A
    assert_equal "$status" 65
    [[ "$stderr" == *"only an approved run closes"* ]]
    # only the owner role resolves
    # the timekeeper, who may not read paysheets, sees the holds that are his
    assert_equal "$(pr --as tk1 holds 2026-11-A | jq -r '[.paysheet_id, .item] | @tsv')" "$(printf '2026-11-A/G1\tOT')"
    h1=$(pr --as ctl1 holds 2026-11-A | jq -r 'select(.owner_role == "timekeeper") | .hold_id')
    h2=$(pr --as ctl1 holds 2026-11-A | jq -r 'select(.owner_role == "payroll_officer") | .hold_id')
    run --separate-stderr pr --as pay1 resolve "$h1"
    assert_equal "$status" 77
    [[ "$stderr" == *"it is the timekeeper's"* ]]
    pr -q --as tk1 resolve "$h1" --note "OT confirmed"
    pr -q --as pay1 resolve "$h2" --note "base checked"
    run pr --as pay1 resolve "$h2"
    assert_equal "$status" 65 # resolved already
    run --separate-stderr pr --as pay1 resolve 01NOSUCHHOLD0000000000000
    assert_equal "$status" 65
    [[ "$stderr" == *"no hold 01NOSUCHHOLD"* ]]
    assert_equal "$(pr --as ctl1 holds 2026-11-A | wc -l)" 0
    assert_equal "$(pr --as ctl1 holds 2026-11-A --all | jq -r .status | paste -sd' ')" "RESOLVED RESOLVED"
    pr -q --as hrm1 approve 2026-11-A
    assert_equal "$(status_of .status)" APPROVED
    # the close takes its route: payroll officer, controller, HR manager
    req=$(pr -q --as pay1 close 2026-11-A)
    assert_equal "$(status_of .status)" APPROVED
    armms-approve -q -t acme --as ctl1 verify "$(rid <<<"$req")"
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$(rid <<<"$req")"
    assert_success
    assert_equal "$(jq -r '[.kind, .status, .totals.gross] | @tsv' <<<"$output")" "$(printf 'Payrun\tCLOSED\t3250000')"
    assert_equal "$(q acme pay "select status from period where period_id = '2026-11-A'")" CLOSED
    assert_equal "$(events PayrunClosed '[.status, .totals.gross] | @tsv')" "$(printf 'CLOSED\t3250000')"
    assert_equal "$(events PaysheetHeld .owner_role | paste -sd' ')" "timekeeper payroll_officer"
    assert_equal "$(events PaysheetHoldResolved .note | paste -sd'|')" "OT confirmed|base checked"
}

@test "rejecting the whole run holds every paysheet for the payroll officer" {
    run_tenant
    direct_routes acme
    pr -q --as tester open 2026-11-A
    pr -q --as tester compute 2026-11-A >/dev/null
    pr -q --as tester reject 2026-11-A --reason "rates of DET1 under review"
    assert_equal "$(q acme pay "select group_concat(status) from paysheet")" "REJECTED,REJECTED"
    assert_equal "$(events PayrunRejected '[.paysheet_id, .owner_role] | @tsv')" "$(printf '2026-11-A\tpayroll_officer')"
    run pr --as tester approve 2026-11-A
    assert_success
    assert_equal "$(status_of '[.status, .counts.held] | @tsv')" "$(printf 'COMPUTED\t2')"
    pr -q --as pay1 resolve "$(pr --as tester holds 2026-11-A | jq -r .hold_id)"
    assert_equal "$(q acme pay "select group_concat(status) from paysheet")" "COMPUTED,COMPUTED"
}

@test "a closed run is locked: nothing of it is computed again, and a late adjustment lands in the next period" {
    run_tenant
    direct_routes acme
    pr -q --as tester open 2026-11-A
    pr -q --as tester compute 2026-11-A >/dev/null
    pr -q --as tester approve 2026-11-A
    pr -q --as tester close 2026-11-A >/dev/null
    assert_equal "$(status_of .status)" CLOSED
    closed=$(q acme pay "select paysheet_id, version, digest, status from paysheet order by 1")
    run --separate-stderr pr --as tester compute 2026-11-A
    assert_equal "$status" 65
    [[ "$stderr" == *"closed"* ]]
    run pr --as tester open 2026-11-A
    assert_equal "$status" 65
    # G1 worked his rest day, Sunday 8 November, and the device sent it only
    # after the run closed: 480 minutes at 130% = 1,040.00 and 240 at 169%
    # = 676.00
    tk_punch "G1-late-in" G1 "2026-11-08T05:55:00+08:00" IN DET1 >"$BATS_TEST_TMPDIR/late"
    tk_punch "G1-late-out" G1 "2026-11-08T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/late"
    assert_equal "$(jq -r '[.status, .version] | @tsv' "$BATS_TEST_TMPDIR/ts.ndjson")" "$(printf 'ADJUSTED\t2')"
    pr -q --as tester open 2026-11-B
    run --separate-stderr pr --as tester compute 2026-11-B
    assert_success
    assert_equal "$(q acme pay "select paysheet_id, version, digest, status from paysheet where period_id = '2026-11-A' order by 1")" "$closed"
    assert_equal "$(jq -c 'select(.guard_id == "G1") | .lines[] | select(.kind == "adjustment") | [.code, .minutes, .amount, .adjusts_period]' <<<"$output")" \
        "$(printf '%s\n' '["RD",480,104000,"2026-11-A"]' '["RD_OT",240,67600,"2026-11-A"]')"
    # a rerun carries nothing twice
    run pr -q --as tester compute 2026-11-B
    assert_equal "$(jq -c 'select(.guard_id == "G1") | [.lines[] | select(.kind == "adjustment")] | length' <<<"$output")" 2
}

@test "a recompute that changes an approved run's paysheet takes the run back to COMPUTED" {
    run_tenant
    direct_routes acme
    pr -q --as tester open 2026-11-A
    pr -q --as tester compute 2026-11-A >/dev/null
    pr -q --as tester approve 2026-11-A
    assert_equal "$(status_of .status)" APPROVED
    tk_punch "G2-late-in" G2 "2026-11-07T05:55:00+08:00" IN DET1 >"$BATS_TEST_TMPDIR/late"
    tk_punch "G2-late-out" G2 "2026-11-07T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/late"
    pr -q --as tester compute 2026-11-A >/dev/null
    assert_equal "$(status_of '[.status, .counts.computed, .counts.approved] | @tsv')" "$(printf 'COMPUTED\t1\t1')"
}

@test "one payrun command per period at a time: a held lock is 75 past --wait" {
    run_tenant
    pr -q --as pay1 open 2026-11-A
    flock "$ARMMS_HOME/tenants/acme/payrun-2026-11-A.lock" sleep 3 &
    sleep 0.3
    run --separate-stderr pr --as pay1 --wait 0 compute 2026-11-A
    assert_equal "$status" 75
    [[ "$stderr" == *"payrun of 2026-11-A is busy"* ]]
    wait
    run pr --as pay1 compute 2026-11-A
    assert_success
}

@test "show and status read what is stored: a table with names and h:mm, NDJSON, CSV; a read scope is enough" {
    run_tenant
    pr -q --as pay1 open 2026-11-A
    pr -q --as pay1 compute 2026-11-A >/dev/null
    run pr --as ctl1 show 2026-11-A --guard G1 --format ndjson
    assert_success
    assert_equal "$(jq -c '[.paysheet_id, .gross, .net]' <<<"$output")" "$(q acme pay "select json_array(paysheet_id, gross, net) from paysheet where guard_id = 'G1'")"
    run pr --as ctl1 show 2026-11-A --guard G1 --format table
    assert_success
    assert_line --partial "Guard     G1  Santos, Juan"
    assert_line --regexp '^BASIC +Basic pay +2026-11-02–14 +96:00 +800.00 +100% +9,600.00$'
    assert_line --regexp '^OT +Overtime +2026-11-02–14 +48:00 +800.00 +125% +6,000.00$'
    run pr --as ctl1 status 2026-11-A --format csv
    assert_success
    assert_line "totals.gross,32500.00"
    run pr --as ctl1 show 2026-11-A --guard G9
    assert_equal "$status" 65
    run pr --as ctl1 show 2026-11-A
    assert_equal "$status" 64
    run pr --as tk1 status 2026-11-A
    assert_equal "$status" 77
}

@test "closing carries a deduction nobody was paid for to the next period, so nothing owed is stranded in a closed run" {
    run_tenant
    direct_routes acme
    # G3 has no timesheet in 2026-11-A: no paysheet takes his installment
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        'L3,G3,loan,COMPANY_LOAN,Company loan,500.00,2,2026-11-A,each' \
        'L1,G1,loan,COMPANY_LOAN,Company loan,500.00,2,2026-11-A,each'
    pr -q --as tester open 2026-11-A
    pr -q --as tester compute 2026-11-A >/dev/null
    pr -q --as tester approve 2026-11-A
    run --separate-stderr pr --as tester close 2026-11-A
    assert_success
    assert_equal "$(q acme pay "select obligation_id, seq, period_id, amount, status, coalesce(moved_from, '') from obligation_schedule where obligation_id like 'L%' order by 1, 2")" \
        "$(printf '%s\n' 'L1|1|2026-11-A|50000|APPLIED|' 'L1|2|2026-11-B|50000|DUE|' \
            'L3|1|2026-11-A|50000|DEFERRED|' 'L3|2|2026-11-B|50000|DUE|' 'L3|3|2026-11-B|50000|DUE|1')"
    assert_equal "$(events ObligationDeferred '[.obligation_id, .reason] | @tsv')" "$(printf 'L3\tNOT_PAID')"
    assert_equal "$(events PayrunClosed .carried)" 1
}
