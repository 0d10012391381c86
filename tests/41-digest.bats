#!/usr/bin/env bats
# Store digests (lib/store/digest.h): every store keeps a running digest of
# its audited tables, recorded in the journal with each change, so
# `armms-journal verify --stores` names a table whose rows were changed
# without an event - a direct sqlite3 edit behind the tools' back.
load test_helper
bats_require_minimum_version 1.5.0

tdir() { echo "$ARMMS_HOME/tenants/${1:-acme}"; }

# verify --stores as run --separate-stderr
verify_stores() { run --separate-stderr armms-journal -t acme verify --stores; }

# The first admin, three guards and their rest: users who take the roles a
# rate change passes through (request, verify, approve).
agency() {
    small_tenant acme
    armms-import -q -t acme user "$ARMMS_ROOT/samples/user.csv"
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
}

@test "a new tenant's stores match their digests, and the journal carries them on its events" {
    armms-init -q -t acme
    verify_stores
    assert_success
    assert_output ""
    [[ "$stderr" =~ ^"armms-journal: tenant acme: 170 events, chain intact; "[0-9]+" audited tables match their digests"$ ]] ||
        fail "$stderr"
    # the first admin's event records every iam table, seeded roles included
    assert_equal "$(journal_lines acme | head -n 1 | jq -r '.digest | keys | join(" ")')" \
        "audit change_request role role_scope route scope user user_role"
    assert_equal "$(journal_lines acme | head -n 1 | jq -r '.digest.role.rows')" 8
    # plain verify is unchanged
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 170 events, chain intact"
}

@test "the plain sqlite3 shell cannot write an audited table while its digest triggers stand" {
    armms-init -q -t acme
    run sqlite3 "$(tdir)/iam.db" "INSERT INTO user_role VALUES ('tk1', 'admin')"
    assert_failure
    assert_output --partial "no such function: armms_digest_add"
    assert_equal "$(sqlite3 "$(tdir)/iam.db" "select count(*) from user_role where user_id = 'tk1'")" 0
    verify_stores
    assert_success
}

@test "tk1 made an admin by a direct insert with the triggers dropped: verify --stores names iam.db user_role" {
    agency
    sqlite3 "$(tdir)/iam.db" "DROP TRIGGER armms_digest_user_role_i; INSERT INTO user_role VALUES ('tk1', 'admin')"
    # the chain alone still verifies: no line of the journal changed
    run --separate-stderr armms-journal -t acme verify
    assert_success
    verify_stores
    assert_failure 65
    assert_output ""
    assert_equal "$(grep -c 'table' <<<"$stderr")" 1
    [[ "$stderr" == "armms-journal: tenant acme: iam.db: table user_role: rows changed without an event ("*"); its digest triggers were dropped or altered" ]] ||
        fail "$stderr"
}

@test "a direct edit that runs the triggers (the function rebuilt by hand) still differs from the journal" {
    agency
    q acme iam "INSERT INTO user_role VALUES ('tk1', 'admin')"
    verify_stores
    assert_failure 65
    [[ "$stderr" =~ "iam.db: table user_role: rows changed without an event (10 rows, digest "[0-9a-f]{16}"...; the journal recorded 9 rows, "[0-9a-f]{16}"... at seq "[0-9]+")" ]] ||
        fail "$stderr"
}

@test "a guard's bank account changed directly in hr.db is named, the account never shown" {
    agency
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,bank_account,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,BDO,500000000001,ACTIVE' | armms-import -q -t acme --format csv guard
    verify_stores
    assert_success
    q acme hr "UPDATE guard SET bank_account = '999999999999' WHERE guard_id = 'G1'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"hr.db: table guard: rows changed without an event (3 rows, digest "* ]] || fail "$stderr"
    refute [ "$(grep -c 'table' <<<"$stderr")" -ne 1 ]
    [[ "$stderr" != *999999999999* && "$stderr" != *500000000001* ]] || fail "an account is shown: $stderr"
}

@test "a deleted row is named, and so is a store_digest row set to match the rows" {
    agency
    sqlite3 "$(tdir)/hr.db" "DROP TRIGGER armms_digest_assignment_d; DELETE FROM assignment WHERE guard_id = 'G3'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"hr.db: table assignment: rows changed without an event (1 row, digest "*"the store's running digest counts 2 rows"* ]] ||
        fail "$stderr"
    # the running digest recomputed to match the rows: the journal still differs
    q acme hr "UPDATE store_digest SET rows = (SELECT count(*) FROM assignment),
        sum = (SELECT armms_digest_of(assignment_id, guard_id, detachment_id, shift_id, valid_from,
            valid_to, kind, relieves_guard_id) FROM assignment) WHERE tbl = 'assignment'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"hr.db: table assignment: rows changed without an event (1 row, digest "*"the journal recorded 2 rows"*"; its digest triggers were dropped or altered" ]] ||
        fail "$stderr"
    # a table's digest row removed is named too
    q acme pay "DELETE FROM store_digest WHERE tbl = 'rate'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"pay.db: table rate: rows changed without an event (its digest was removed from store_digest"* ]] ||
        fail "$stderr"
}

@test "ordinary changes through the tools keep every store intact: imports, an approved change, an adjustment" {
    agency
    # a rate change through request -> verify -> approve
    local id
    printf '%s\n' 'action,requester_role,verifier_role,approver_role' 'rate.update,finance_officer,controller,hr_manager' |
        armms-import -q -t acme --format csv route
    id=$(printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET1,DAY,GUARD,695.00,2026-01-01,' |
        armms-import -q -t acme --as fin1 --format csv rate | jq -r .request_id)
    [ -n "$id" ]
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null
    assert_equal "$(q acme pay 'select daily_rate from rate')" 69500
    # a timekeeper's adjustment
    tk_punch I G1 2026-10-20T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    armms-timelog adjust add -q -t acme --as tk1 --guard G1 --ts 2026-10-20T18:00:00+08:00 --type OUT \
        --reason "guard forgot to punch out" >/dev/null
    assert_equal "$(q acme tk 'select count(*) from time_log_adjustment')" 1
    verify_stores
    assert_success
    # a store's first change records every table of it, later ones only
    # the tables they changed, on the last event of their transaction
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "TimeLogAdjusted") | .digest | keys | join(" ")')" \
        "audit change_request time_log_adjustment"
    assert_equal "$(journal_lines acme | jq -r 'select(.aggregate_type == "assignment") | .digest | keys? | join(" ")')" \
        "assignment audit"
    # clock events are not audited state: their commits carry no digest
    assert_equal "$(journal_lines acme | jq -c 'select(.event_type == "ClockEventRecorded") | .digest' | sort -u)" null
}

@test "a rerun of an import changes nothing and keeps the stores intact" {
    agency
    local before
    before=$(journal_lines acme | sha256sum)
    armms-import -q -t acme user "$ARMMS_ROOT/samples/user.csv"
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    assert_equal "$(journal_lines acme | sha256sum)" "$before"
    verify_stores
    assert_success
}

@test "a store migrated from before the digests journals them once and verifies intact" {
    agency
    local m v before
    # each store as an ARMMS without digests left it
    for m in hr tk pay iam; do
        v=$(q acme "$m" 'PRAGMA user_version')
        sqlite3 "$(tdir)/$m.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master
            WHERE type = 'trigger' AND name LIKE 'armms_digest_%'" | sqlite3 "$(tdir)/$m.db"
        sqlite3 "$(tdir)/$m.db" "DROP TABLE store_digest; DELETE FROM store_meta WHERE key = 'digest_unrecorded';
            PRAGMA user_version = $((v - 1))"
    done
    before=$(journal_lines acme | wc -l)
    run --separate-stderr armms-init -t acme
    assert_success
    assert_equal "$(journal_lines acme | wc -l)" $((before + 4))
    assert_equal "$(journal_lines acme | tail -n 4 | jq -r '[.event_type, .aggregate_id, .payload.reason] | join(" ")')" \
        "$(printf 'StoreDigest %s migrated\n' hr tk pay iam)"
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '.digest.user.rows')" 9
    verify_stores
    assert_success
    # and armms-init again is a no-op
    armms-init -q -t acme
    assert_equal "$(journal_lines acme | wc -l)" $((before + 4))
    # a later direct edit is named as before
    q acme iam "UPDATE user SET status = 'DISABLED' WHERE user_id = 'tk1'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"iam.db: table user: rows changed without an event"* ]] || fail "$stderr"
}

@test "--stores is an option of verify only" {
    armms-init -q -t acme
    run --separate-stderr armms-journal -t acme cat --stores
    assert_failure 64
    assert_equal "$output" ""
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: --stores is an option of verify only"
    run --separate-stderr armms-journal --help
    assert_output --partial "verify [--stores]"
}

@test "a change made behind the tools' back before a migration stays visible after it" {
    agency
    # an honest migration of a store that has digests verifies intact
    local h
    h=$(q acme hr 'PRAGMA user_version')
    sqlite3 "$(tdir)/hr.db" "PRAGMA user_version = $((h - 1))"
    armms-init -q -t acme
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '[.event_type, .aggregate_id, .payload.before.guard.rows] | join(" ")')" \
        "StoreDigest hr 3"
    verify_stores
    assert_success
    q acme iam "INSERT INTO user_role VALUES ('tk1', 'admin')"
    # the newest iam migration run again (the digests' migration is
    # idempotent): armms-init records the rows it found, which are not the
    # ones the journal recorded
    local v
    v=$(q acme iam 'PRAGMA user_version')
    sqlite3 "$(tdir)/iam.db" "PRAGMA user_version = $((v - 1))"
    armms-init -q -t acme
    assert_equal "$(q acme iam 'PRAGMA user_version')" "$v"
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '[.event_type, .payload.reason, .payload.before.user_role.rows, .digest.user_role.rows] | join(" ")')" \
        "StoreDigest migrated 10 10"
    verify_stores
    assert_failure 65
    assert_equal "$(grep -c 'table' <<<"$stderr")" 1
    [[ "$stderr" =~ "iam.db: table user_role: rows changed without an event before the migration at seq "[0-9]+" (it found 10 rows, not the 9 rows the journal had recorded)"$ ]] ||
        fail "$stderr"
}

@test "a change committed but not yet journaled is compared with its outbox row: behind is 75, an edit still 65" {
    agency
    [ -f "$ARMMS_ROOT/tests/fault/fault.so" ] || make -s -C "$ARMMS_ROOT" tests/fault/fault.so
    # the import commits, then fails its first write to the journal
    printf '%s\n' 'position_id,name' 'SUPERVISOR,Supervisor' >"$BATS_TEST_TMPDIR/pos.csv"
    run env ARMMS_FAULT=write:1:fail ARMMS_FAULT_PATH="$(tdir)/journal" \
        ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$ARMMS_ROOT/tests/fault/fault.so" \
        armms-import -q -t acme --format csv position "$BATS_TEST_TMPDIR/pos.csv"
    assert_failure 74
    assert_equal "$(sqlite3 "$(tdir)/hr.db" 'select count(*) from outbox')" 1
    verify_stores
    assert_failure 75
    [[ "$stderr" == *"journal behind: 1 committed changes not yet journaled (hr.db 1)"* ]] || fail "$stderr"
    [[ "$stderr" != *"table"* ]] || fail "$stderr"
    # an edit behind the tools' back meanwhile is named against the outbox
    q acme hr "UPDATE position SET name = 'Boss' WHERE position_id = 'SUPERVISOR'"
    verify_stores
    assert_failure 65
    [[ "$stderr" == *"hr.db: table position: rows changed without an event (2 rows, digest "*"; its outbox recorded 2 rows, "* ]] ||
        fail "$stderr"
    q acme hr "UPDATE position SET name = 'Supervisor' WHERE position_id = 'SUPERVISOR'"
    armms-journal -q -t acme sync
    verify_stores
    assert_success
}
