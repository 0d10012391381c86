load test_helper
bats_require_minimum_version 1.5.0

# Roles limited to detachments (lib/iam/rbac.h): a user record that lists
# detachments holds its roles only there. ops1 plans DET1's roster and
# tk1 keeps DET1's time, nothing of DET2's; ops0 and tk0 are limited
# nowhere and behave as every other test's users do. A refusal is exit 77
# and names the detachment.

limited_tenant() {
    small_tenant acme
    tk_import acme user 'user_id,name,roles,detachments' \
        'ops1,Ops One,ops,DET1' 'tk1,Time One,timekeeper,DET1' 'hrm1,HR One,hr_manager,DET1' \
        'ctl1,Controller One,controller,DET1'
    tk_import acme user 'user_id,name,roles' 'ops0,Ops Zero,ops' 'tk0,Time Zero,timekeeper' \
        'hrm0,HR Zero,hr_manager' 'ctl0,Controller Zero,controller'
}

ASSIGN='guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id'

# --- the grant -----------------------------------------------------------

@test "a user's detachments are imported, audited and journaled like the roles" {
    limited_tenant
    assert_equal "$(q acme iam "select user_id, roles, detachments from user where user_id in ('ops0', 'ops1') order by 1")" \
        "$(printf 'ops0|ops|\nops1|ops|DET1')"
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "UserUpserted" and .aggregate_id == "ops1") | .payload.record.detachments')" DET1
    assert_equal "$(q acme iam "select actor, event_type, json_extract(payload, '$.record.detachments') from audit where aggregate_id = 'ops1'")" \
        'tester|UserUpserted|DET1'
    # a change of the list is in the user's history, before and after
    tk_import acme user 'user_id,name,roles,detachments' 'ops1,Ops One,ops,DET1;DET2'
    run --separate-stderr armms-journal -t acme history ops1
    assert_success
    assert_equal "$(jq -r '[.actor, .before.detachments // "-", .after.detachments] | @tsv' <<<"$output")" \
        "$(printf -- 'tester\t-\tDET1\ntester\tDET1\tDET1,DET2')"
    run armms-approve -t acme --as ops1 whoami
    assert_success
    assert_equal "$(jq -c .detachments <<<"$output")" '["DET1","DET2"]'
    run armms-approve -t acme --as ops0 whoami
    assert_equal "$(jq -c .detachments <<<"$output")" null
}

@test "a user's detachments must exist: a bad one is a Reject, the good records land" {
    limited_tenant
    run --separate-stderr armms-import -t acme --format csv user <<<"$(printf '%s\n' 'user_id,name,roles,detachments' \
        'ops7,Ops Seven,ops,DET7' 'ops2,Ops Two,ops,DET2')"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.code, .message] | @tsv')" \
        "$(printf "BAD_FIELD\tdetachments: unknown detachment 'DET7'")"
    assert_equal "$(q acme iam "select detachments from user where user_id = 'ops2'")" DET2
    run armms-import -q -t acme --format csv user <<<"$(printf '%s\n' 'user_id,name,roles,detachments' 'ops2,Ops Two,ops,DET2')"
    assert_success
}

@test "a role granted for a client holds at every detachment of the client, a new one too" {
    limited_tenant
    tk_import acme user 'user_id,name,roles,clients' 'ops3,Ops Three,ops,Harbor Inc' 'ops4,Ops Four,ops, Harbor Inc ; Acme Corp'
    assert_equal "$(q acme iam "select user_id, clients from user where clients is not null order by 1")" \
        "$(printf 'ops3|Harbor Inc\nops4|Acme Corp;Harbor Inc')"
    run --separate-stderr armms-import -t acme --as ops3 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" \
        'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,')"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r .message)" "user 'ops3' may assignment.update only at DET2: not at DET1"
    # a detachment the client opens later is his at once
    tk_import acme detachment 'detachment_id,name,client' 'DET3,Harbor Annex,Harbor Inc'
    run armms-import -q -t acme --as ops3 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G3,DET3,NIGHT,2026-10-16,,regular,')"
    assert_success
    run armms-approve -t acme --as ops3 whoami
    assert_equal "$(jq -c .detachments <<<"$output")" '["DET2","DET3"]'
    run armms-import -q -t acme --as ops4 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G1,DET1,DAY,2026-10-16,,regular,')"
    assert_success
    # a client the tenant has no detachment of is a Reject
    run --separate-stderr armms-import -t acme --format csv user <<<"$(printf '%s\n' 'user_id,name,roles,clients' 'ops5,Ops Five,ops,Harbour Inc')"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r .message)" "clients: unknown client 'Harbour Inc'"
}

# --- assignments: stream (armms-import) and request ----------------------

@test "an ops officer limited to DET1 plans DET1's roster; DET2's rows are refused, 77 names DET2" {
    limited_tenant
    run --separate-stderr armms-import -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" \
        'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,')"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r '[.code, .line, .message] | @tsv')" \
        "$(printf "NOT_PERMITTED\t3\tuser 'ops1' may assignment.update only at DET1: not at DET2")"
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" \
        "armms-import: user 'ops1' of tenant acme may assignment.update only at DET1: not at DET2 (1 records refused)"
    # the rows at DET1 landed
    assert_equal "$(q acme hr 'select guard_id, detachment_id from assignment order by 1')" \
        "$(printf 'G1|DET1\nG3|DET1')"
    # a rerun of DET1's rows changes nothing and is allowed
    run armms-import -q -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G1,DET1,DAY,2026-10-16,,regular,')"
    assert_success
}

@test "a limited ops officer may not take a guard off another detachment by assigning him to his own" {
    limited_tenant
    tk_assign acme 'G2,DET2,DAY,2026-10-16,,regular,'
    run --separate-stderr armms-import -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET1,DAY,2026-11-01,,regular,')"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r .message)" "user 'ops1' may assignment.update only at DET1: not at DET2"
    assert_equal "$(q acme hr 'select guard_id, detachment_id, valid_to is null from assignment')" 'G2|DET2|1'
    # an unlimited ops officer may transfer him
    run armms-import -q -t acme --as ops0 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET1,DAY,2026-11-01,,regular,')"
    assert_success
}

@test "a limited ops officer's reliever at another detachment is refused, at his own allowed" {
    limited_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,'
    run --separate-stderr armms-import -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" \
        'G3,DET2,DAY,2026-10-20,2026-10-21,reliever,G2' 'G3,DET1,DAY,2026-10-22,2026-10-23,reliever,G1')"
    assert_equal "$status" 77
    assert_equal "$(q acme hr "select detachment_id, relieves_guard_id from assignment where kind = 'reliever'")" 'DET1|G1'
}

@test "a limited ops officer's change request for another detachment is refused when it is made" {
    limited_tenant
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'assignment.update,ops,,hr_manager'
    run --separate-stderr armms-import -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET2,DAY,2026-10-16,,regular,')"
    assert_equal "$status" 77
    assert_equal "$output" ""
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" \
        "armms-import: user 'ops1' of tenant acme may assignment.update only at DET1: not at DET2 (1 records refused)"
    assert_equal "$(q acme hr 'select count(*) from change_request')" 0
    # at his own detachment the request is made
    run --separate-stderr armms-import -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G1,DET1,DAY,2026-10-16,,regular,')"
    assert_success
    assert_equal "$(jq -r .kind <<<"$output")" ChangeRequest
}

@test "a limited approver may not approve, nor reject, a change to another detachment; 77 names it" {
    limited_tenant
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'assignment.update,ops,,hr_manager'
    id=$(armms-import -q -t acme --as ops0 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET2,DAY,2026-10-16,,regular,')" | jq -r .request_id)
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-approve: user 'hrm1' of tenant acme may approve assignment.update only at DET1: change request $id is also for DET2"
    run --separate-stderr armms-approve -t acme --as hrm1 reject "$id" --reason no
    assert_equal "$status" 77
    assert_equal "$(q acme hr 'select count(*) from assignment')" 0
    run armms-approve -q -t acme --as hrm0 approve "$id"
    assert_success
    assert_equal "$(q acme hr 'select guard_id, detachment_id from assignment')" 'G2|DET2'
}

@test "a limited approver approves a change to their own detachment" {
    limited_tenant
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'assignment.update,ops,,hr_manager'
    id=$(armms-import -q -t acme --as ops1 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G1,DET1,DAY,2026-10-16,,regular,')" | jq -r .request_id)
    run armms-approve -q -t acme --as hrm1 approve "$id"
    assert_success
    assert_equal "$(q acme hr 'select guard_id, detachment_id from assignment')" 'G1|DET1'
}

@test "a limited verifier may not verify a change to another detachment" {
    limited_tenant
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'assignment.update,ops,controller,hr_manager'
    id=$(armms-import -q -t acme --as ops0 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET2,DAY,2026-10-16,,regular,')" | jq -r .request_id)
    run --separate-stderr armms-approve -t acme --as ctl1 verify "$id"
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-approve: user 'ctl1' of tenant acme may verify assignment.update only at DET1: change request $id is also for DET2"
    armms-approve -q -t acme --as ctl0 verify "$id" >/dev/null
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_equal "$status" 77
    run armms-approve -q -t acme --as hrm0 approve "$id"
    assert_success
}

# --- punches and time logs: stream, select, adjust -----------------------

# G1 on DAY at DET1, G2 on DAY at DET2; one day's punches of both, recorded
# by the device feed's (unlimited) user, in $BATS_TEST_TMPDIR/ce.ndjson.
punched() {
    limited_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,'
    {
        tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch B G1 2026-10-20T18:02:00+08:00 OUT DET1
        tk_punch C G2 2026-10-20T05:58:00+08:00 IN DET2
        tk_punch D G2 2026-10-20T18:01:00+08:00 OUT DET2
    } >"$BATS_TEST_TMPDIR/in"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/ce.ndjson"
}

@test "armms-ingest by a limited timekeeper records his detachment's punches; another's, or none named, is refused" {
    limited_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,'
    {
        tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch C G2 2026-10-20T05:58:00+08:00 IN DET2
        tk_punch E G1 2026-10-20T06:10:00+08:00 IN
    } >"$BATS_TEST_TMPDIR/in"
    run --separate-stderr armms-ingest -t acme --as tk1 "$BATS_TEST_TMPDIR/in"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r '[.code, .line, .message] | @tsv')" \
        "$(printf "NOT_PERMITTED\t2\tuser 'tk1' may clock.ingest only at DET1: not at DET2\nNOT_PERMITTED\t3\tuser 'tk1' may clock.ingest only at DET1: the event names no detachment")"
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" \
        "armms-ingest: user 'tk1' of tenant acme may clock.ingest only at DET1: not at DET2, no detachment (2 records refused)"
    assert_equal "$(q acme tk 'select guard_id, detachment_id from clock_event')" 'G1|DET1'
    # the device feed's account (unlimited) records them all
    run armms-ingest -q -t acme --as tk0 "$BATS_TEST_TMPDIR/in"
    assert_success
    assert_equal "$(q acme tk 'select count(*) from clock_event')" 3
}

@test "stream: a limited timekeeper's armms-timelog refuses another detachment's clock events, 77 names it" {
    punched
    run --separate-stderr armms-timelog -t acme --as tk1 "$BATS_TEST_TMPDIR/ce.ndjson"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r '[.code, .line, .message] | @tsv')" \
        "$(printf "NOT_PERMITTED\t3\tuser 'tk1' may timekeeping.run only at DET1: not at DET2\nNOT_PERMITTED\t4\tuser 'tk1' may timekeeping.run only at DET1: not at DET2")"
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" \
        "armms-timelog: user 'tk1' of tenant acme may timekeeping.run only at DET1: not at DET2 (2 records refused)"
    # DET1's punches became time logs and went on; DET2's did not
    assert_equal "$(jq -r '[.guard_id, .detachment_id] | @tsv' <<<"$output" | sort -u)" "$(printf 'G1\tDET1')"
    assert_equal "$(q acme tk 'select guard_id, count(*) from time_log group by 1')" 'G1|2'
    # an unlimited timekeeper's run of the same stream is as before
    run armms-timelog -q -t acme --as tk0 "$BATS_TEST_TMPDIR/ce.ndjson"
    assert_success
    assert_equal "$(q acme tk 'select guard_id, count(*) from time_log group by 1')" "$(printf 'G1|2\nG2|2')"
}

@test "stream: a clock event naming no detachment is judged by its guard's assignments" {
    punched
    {
        tk_punch H G1 2026-10-22T05:50:00+08:00 IN
        tk_punch I G2 2026-10-22T05:51:00+08:00 IN
    } >"$BATS_TEST_TMPDIR/bare"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/bare" >"$BATS_TEST_TMPDIR/bare.ndjson"
    run --separate-stderr armms-timelog -t acme --as tk1 "$BATS_TEST_TMPDIR/bare.ndjson"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r '[.line, .message] | @tsv')" \
        "$(printf "2\tuser 'tk1' may timekeeping.run only at DET1: not at DET2")"
    assert_equal "$(jq -r .guard_id <<<"$output" | sort -u)" G1
}

@test "stream: a limited timekeeper's armms-dtr refuses another detachment's time logs" {
    punched
    armms-timelog -q -t acme "$BATS_TEST_TMPDIR/ce.ndjson" >"$BATS_TEST_TMPDIR/tl.ndjson"
    run --separate-stderr armms-dtr -t acme --as tk1 "$BATS_TEST_TMPDIR/tl.ndjson"
    assert_equal "$status" 77
    assert_equal "$(tk_rejects | jq -r .code | sort -u)" NOT_PERMITTED
    assert_equal "$(jq -r '[.guard_id, .detachment_id] | @tsv' <<<"$output" | sort -u)" "$(printf 'G1\tDET1')"
}

@test "select: a limited timekeeper recomputes and sees only his detachments' guards; --guard elsewhere is 77" {
    punched
    armms-timelog -q -t acme "$BATS_TEST_TMPDIR/ce.ndjson" >/dev/null
    run --separate-stderr armms-timelog -t acme --as tk1 --from 2026-10-20 --to 2026-10-20 </dev/null
    assert_success
    assert_equal "$(jq -r '[.guard_id, .detachment_id] | @tsv' <<<"$output" | sort -u)" "$(printf 'G1\tDET1')"
    run --separate-stderr armms-timelog -t acme --as tk1 --from 2026-10-20 --to 2026-10-20 --guard G2 </dev/null
    assert_equal "$status" 77
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" \
        "armms-timelog: user 'tk1' of tenant acme may timekeeping.run only at DET1: not at DET2, guard G2's from 2026-10-20 to 2026-10-20"
    assert_equal "$output" ""
    run --separate-stderr armms-dtr -t acme --as ops1 --from 2026-10-20 --to 2026-10-20 --guard G2 </dev/null
    assert_equal "$status" 77
    # unlimited: both guards, as ever
    run --separate-stderr armms-timelog -t acme --as tk0 --from 2026-10-20 --to 2026-10-20 </dev/null
    assert_success
    assert_equal "$(jq -r .guard_id <<<"$output" | sort -u | tr '\n' ' ')" "G1 G2 "
}

@test "a limited timekeeper's run without a scope leaves the tenant's clock cursor where it is" {
    punched
    run armms-timelog -q -t acme --as tk1 </dev/null
    assert_success
    assert_equal "$(q acme tk "select count(*) from stale_source where source = 'clock'")" 0
    # the cron run still takes every event
    armms-timelog -q -t acme </dev/null >/dev/null
    assert_equal "$(q acme tk 'select count(*) from time_log')" 4
}

@test "adjust: a limited timekeeper's add, void or move at another detachment is refused, 77 names it" {
    punched
    armms-timelog -q -t acme "$BATS_TEST_TMPDIR/ce.ndjson" >"$BATS_TEST_TMPDIR/tl.ndjson"
    before=$(tk_dump acme)
    run --separate-stderr armms-timelog adjust add -t acme --as tk1 --guard G2 --ts 2026-10-21T05:59:00+08:00 \
        --type IN --reason 'reader down'
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-timelog: user 'tk1' of tenant acme may timelog.adjust only at DET1: not at DET2"
    run --separate-stderr armms-timelog adjust add -t acme --as tk1 --guard G1 --ts 2026-10-21T05:59:00+08:00 \
        --type IN --detachment DET2 --reason 'reader down'
    assert_equal "$status" 77
    c=$(jq -r 'select(.guard_id == "G2" and .type == "IN") | .time_log_id' "$BATS_TEST_TMPDIR/tl.ndjson")
    run --separate-stderr armms-timelog adjust void "$c" -t acme --as tk1 --reason 'test tap'
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-timelog: user 'tk1' of tenant acme may timelog.adjust only at DET1: not at DET2"
    a=$(jq -r 'select(.guard_id == "G1" and .type == "IN") | .time_log_id' "$BATS_TEST_TMPDIR/tl.ndjson")
    run --separate-stderr armms-timelog adjust move "$a" -t acme --as tk1 --shift DAY --date 2026-10-20 \
        --detachment DET2 --reason 'wrong post'
    assert_equal "$status" 77
    assert_equal "$(tk_dump acme)" "$before"
    # at his own detachment it is done
    run --separate-stderr armms-timelog adjust add -t acme --as tk1 --guard G1 --ts 2026-10-21T05:59:00+08:00 \
        --type IN --reason 'reader down'
    assert_success
    assert_equal "$(jq -r '[.guard_id, .detachment_id, .source] | @tsv' <<<"$output" | sort -u)" \
        "$(printf 'G1\tDET1\tadjustment')"
    # and an unlimited one adjusts anywhere
    run armms-timelog adjust void "$c" -q -t acme --as tk0 --reason 'test tap'
    assert_success
}

@test "adjust by request: a limited approver may not approve another detachment's correction" {
    punched
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'timelog.adjust,timekeeper,,hr_manager'
    run --separate-stderr armms-timelog adjust add -t acme --as tk1 --guard G2 --ts 2026-10-21T05:59:00+08:00 \
        --type IN --reason 'reader down'
    assert_equal "$status" 77
    assert_equal "$output" ""
    id=$(armms-timelog adjust add -q -t acme --as tk0 --guard G2 --ts 2026-10-21T05:59:00+08:00 \
        --type IN --reason 'reader down' | jq -r .request_id)
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-approve: user 'hrm1' of tenant acme may approve timelog.adjust only at DET1: change request $id is also for DET2"
    assert_equal "$(q acme tk 'select count(*) from time_log_adjustment')" 0
    run armms-approve -q -t acme --as hrm0 approve "$id"
    assert_success
    assert_equal "$(q acme tk 'select count(*) from time_log_adjustment')" 1
}

# --- reports and the list of requests ------------------------------------

@test "reports: a limited user sees his detachments' rows only; naming another detachment is 77" {
    punched
    {
        tk_punch F G1 2026-10-21T06:30:00+08:00 IN DET1
        tk_punch G G2 2026-10-21T06:40:00+08:00 IN DET2
    } >"$BATS_TEST_TMPDIR/late"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/late" >>"$BATS_TEST_TMPDIR/ce.ndjson"
    armms-timelog -q -t acme "$BATS_TEST_TMPDIR/ce.ndjson" | armms-dtr -q -t acme >/dev/null
    for who in tk1 ops1; do
        run --separate-stderr armms-report -t acme --as $who dtr --from 2026-10-20 --to 2026-10-21 --format ndjson
        assert_success
        assert_equal "$(jq -r '[.guard_id, .detachment_id] | @tsv' <<<"$output" | sort -u)" "$(printf 'G1\tDET1')"
        run --separate-stderr armms-report -t acme --as $who roster --date 2026-10-20 --format ndjson
        assert_equal "$(jq -r '[.guard_id, .detachment_id] | @tsv' <<<"$output")" "$(printf 'G1\tDET1')"
        run --separate-stderr armms-report -t acme --as $who exceptions --date 2026-10-21 --format ndjson
        assert_equal "$(jq -r .detachment_id <<<"$output" | sort -u)" DET1
    done
    run --separate-stderr armms-report -t acme --as tk1 detachment --period 2026-10-B --detachment DET2
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-report: user 'tk1' of tenant acme may timesheet.read only at DET1: not at DET2"
    run --separate-stderr armms-report -t acme --as tk1 timesheets --period 2026-10-B --detachment DET1
    assert_success
    # another detachment's guard, by name
    run --separate-stderr armms-report -t acme --as tk1 guard G2 --period 2026-10-B
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-report: user 'tk1' of tenant acme may timesheet.read only at DET1: not at DET2, guard G2's"
    run --separate-stderr armms-report -t acme --as tk1 timesheets --period 2026-10-B --guard G2
    assert_equal "$status" 77
    run --separate-stderr armms-report -t acme --as tk1 guard G1 --period 2026-10-B
    assert_success
    # unlimited: both detachments, as ever
    run --separate-stderr armms-report -t acme --as tk0 dtr --from 2026-10-20 --to 2026-10-21 --format ndjson
    assert_equal "$(jq -r .detachment_id <<<"$output" | sort -u | tr '\n' ' ')" "DET1 DET2 "
}

@test "a limited approver's list of change requests holds his detachments' only, and show refuses the others" {
    limited_tenant
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'assignment.update,ops,,hr_manager'
    other=$(armms-import -q -t acme --as ops0 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G2,DET2,DAY,2026-10-16,,regular,')" | jq -r .request_id)
    mine=$(armms-import -q -t acme --as ops0 --format csv assignment <<<"$(printf '%s\n' "$ASSIGN" 'G1,DET1,DAY,2026-10-16,,regular,')" | jq -r .request_id)
    run armms-approve -q -t acme --as hrm1 list
    assert_success
    assert_equal "$(jq -r .request_id <<<"$output")" "$mine"
    run armms-approve -q -t acme --as hrm0 list
    assert_equal "$(jq -r .request_id <<<"$output" | wc -l)" 2
    # nor may he read the other one in full
    run --separate-stderr armms-approve -t acme --as hrm1 show "$other"
    assert_equal "$status" 77
    assert_equal "$stderr" "armms-approve: user 'hrm1' of tenant acme may read assignment.update only at DET1: change request $other is also for DET2"
    run armms-approve -q -t acme --as hrm1 show "$mine"
    assert_success
}

@test "timesheets: a limited timekeeper finalizes his detachment's drafts only; --guard elsewhere is 77" {
    punched
    armms-import -q -t acme period --generate 2026
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(q acme tk "select guard_id, status from timesheet order by 1")" "$(printf 'G1|DRAFT\nG2|DRAFT')"
    run --separate-stderr armms-timesheet -t acme --as tk1 --finalize --period 2026-10-B --guard G2 --override 'month end'
    assert_equal "$status" 77
    run --separate-stderr armms-timesheet -t acme --as tk1 --finalize --period 2026-10-B --override 'month end'
    assert_success
    assert_equal "$(jq -r '[.guard_id, .status] | @tsv' <<<"$output")" "$(printf 'G1\tFINALIZED')"
    assert_equal "$(q acme tk "select guard_id, status from timesheet where version = (select max(version) from timesheet t where t.timesheet_id = timesheet.timesheet_id) order by 1")" \
        "$(printf 'G1|FINALIZED\nG2|DRAFT')"
    run armms-timesheet -q -t acme --as tk0 --finalize --period 2026-10-B --override 'month end'
    assert_success
    assert_equal "$(jq -r .guard_id <<<"$output")" G2
}
