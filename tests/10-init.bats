#!/usr/bin/env bats
# armms-init: create a tenant (directories, four module stores, tenant.conf,
# journal), keep it current, list tenants, and refuse what is not a tenant.
load test_helper
bats_require_minimum_version 1.5.0

tdir() { echo "$ARMMS_HOME/tenants/$1"; }

# Checksums of everything a tenant holds (stores, settings, journal).
tenant_sums() {
    (cd "$(tdir "$1")" && sha256sum *.db tenant.conf journal/*.ndjson journal/head)
}

@test "a new tenant gets a private directory, four module stores and Manila time" {
    run --separate-stderr armms-init -t acme
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-init: tenant acme created at $(tdir acme) (tz Asia/Manila), first admin tester, 169 shipped payroll rules loaded"

    local d
    d=$(tdir acme)
    assert_equal "$(stat -c %a "$d")" 700
    assert_equal "$(stat -c %a "$d/journal")" 700
    local m
    for m in hr tk pay iam; do
        assert_file_exists "$d/$m.db"
        assert_equal "$(stat -c %a "$d/$m.db")" 600
        # every store is an ARMMS store ("ARMM") at a real schema version
        assert_equal "$(q acme "$m" 'PRAGMA application_id')" 1095912781
        [ "$(q acme "$m" 'PRAGMA user_version')" -ge 1 ]
    done
    assert_equal "$(stat -c %a "$d/tenant.conf")" 600
    run grep -x 'tz=Asia/Manila' "$d/tenant.conf"
    assert_success
    # the module tables are where the design puts them
    assert_equal "$(q acme hr "SELECT count(*) FROM sqlite_master WHERE name IN ('guard','detachment','assignment')")" 3
    assert_equal "$(q acme pay "SELECT count(*) FROM sqlite_master WHERE name IN ('rate','period','obligation_schedule')")" 3
    assert_equal "$(q acme tk "SELECT count(*) FROM sqlite_master WHERE name='clock_event'")" 1
    assert_equal "$(q acme iam "SELECT count(*) FROM sqlite_master WHERE name IN ('user','role','role_scope','user_role','route','scope')")" 6
    # what happened: the acting user became the first admin, and the
    # shipped payroll rules and leave codes were loaded (81-rules.bats, 75-leave.bats)
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "iam") | [.event_type, .payload.record.user_id, .payload.record.roles] | join(" ")')" \
        "UserUpserted tester admin"
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "hr") | .event_type' | sort | uniq -c | awk '{print $1, $2}')" "6 LeaveCodeUpserted"
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "pay") | .actor' | sort | uniq -c | awk '{print $1, $2}')" "163 tester"
    assert_equal "$(q acme iam "SELECT user_id || ':' || role_id FROM user_role")" tester:admin
}

@test "running armms-init again on a current tenant says so and changes nothing" {
    small_tenant acme
    local before guards events
    before=$(tenant_sums acme)
    guards=$(q acme hr 'SELECT count(*) FROM guard')
    events=$(journal_lines acme | wc -l)

    run --separate-stderr armms-init -t acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme is current at $(tdir acme) (tz Asia/Manila)"

    assert_equal "$(tenant_sums acme)" "$before"
    assert_equal "$(q acme hr 'SELECT count(*) FROM guard')" "$guards"
    assert_equal "$guards" 3
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    run armms-journal -q -t acme verify
    assert_success
}

@test "armms-init --list prints every tenant, sorted, one per line" {
    armms-init -q -t zeta
    armms-init -q -t acme
    armms-init -q -t m-1
    run --separate-stderr armms-init --list
    assert_success
    assert_equal "$output" "$(printf '%s\n' acme m-1 zeta)"
    assert_equal "$stderr" ""
}

@test "armms-init --list on an empty home lists nothing and succeeds" {
    run --separate-stderr armms-init --list
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" ""
}

@test "a tenant id with a path in it is refused before anything is created" {
    run --separate-stderr armms-init -t ../x
    assert_failure 64
    assert_output ""
    [[ "$stderr" == *"invalid tenant id '../x'"* ]]
    assert_not_exists "$ARMMS_HOME/x"
    assert_not_exists "$ARMMS_HOME/tenants/x"
    run armms-init --list
    assert_output ""
}

@test "an upper-case tenant id is refused" {
    run --separate-stderr armms-init -t A
    assert_failure 64
    [[ "$stderr" == *"invalid tenant id 'A'"* ]]
    assert_not_exists "$ARMMS_HOME/tenants/A"
}

@test "an empty tenant id is refused" {
    run --separate-stderr armms-init -t ''
    assert_failure 64
    [[ "$stderr" == "armms-init: "*tenant* ]]
    run armms-init --list
    assert_output ""
}

@test "a tenant id of 64 characters is refused, one of 63 is accepted" {
    local id63 id64
    id63=$(printf 'a%.0s' {1..63})
    id64="${id63}b"
    run --separate-stderr armms-init -t "$id64"
    assert_failure 64
    [[ "$stderr" == *"invalid tenant id '$id64'"* ]]
    assert_not_exists "$ARMMS_HOME/tenants/$id64"

    run --separate-stderr armms-init -t "$id63"
    assert_success
    assert_dir_exists "$ARMMS_HOME/tenants/$id63"
    run armms-init --list
    assert_output "$id63"
}

@test "armms-init with no tenant at all is a usage error" {
    run --separate-stderr armms-init
    assert_failure 64
    [[ "$stderr" == *"-t TENANT"*"ARMMS_TENANT"* ]]
    run armms-init --list
    assert_output ""
}

@test "ARMMS_TENANT chooses the tenant when -t is not given" {
    ARMMS_TENANT=viaenv run --separate-stderr armms-init
    assert_success
    assert_equal "$stderr" "armms-init: tenant viaenv created at $(tdir viaenv) (tz Asia/Manila), first admin tester, 169 shipped payroll rules loaded"
    assert_file_exists "$(tdir viaenv)/hr.db"
    run armms-init --list
    assert_output viaenv
}

@test "--tz sets the tenant's business time zone in tenant.conf" {
    run --separate-stderr armms-init -t tokyo --tz Asia/Tokyo
    assert_success
    [[ "$stderr" == *"(tz Asia/Tokyo), first admin tester, 169 shipped payroll rules loaded" ]]
    run grep -x 'tz=Asia/Tokyo' "$(tdir tokyo)/tenant.conf"
    assert_success
}

@test "an unknown time zone is refused and no tenant is left behind" {
    run --separate-stderr armms-init -t newt --tz Nowhere/Land
    assert_failure 64
    [[ "$stderr" == *"unknown time zone 'Nowhere/Land'"* ]]
    assert_not_exists "$(tdir newt)"
    run armms-init --list
    assert_output ""
}

@test "a zone directory such as Asia is not a time zone" {
    run --separate-stderr armms-init -t asia --tz Asia
    assert_failure 64
    [[ "$stderr" == *"unknown time zone 'Asia'"* ]]
    assert_not_exists "$(tdir asia)"
}

@test "an unknown time zone is refused for an existing tenant too, and its zone is kept" {
    armms-init -q -t acme
    run --separate-stderr armms-init -t acme --tz Nowhere/Land
    assert_failure 64
    [[ "$stderr" == *"unknown time zone 'Nowhere/Land'"* ]]
    run grep -x 'tz=Asia/Manila' "$(tdir acme)/tenant.conf"
    assert_success
}

@test "a tool run on a tenant that does not exist exits 78 and names armms-init" {
    printf '%s\n' 'position_id,name' 'GUARD,Security Guard' >"$BATS_TEST_TMPDIR/p.csv"
    run --separate-stderr armms-import -t ghost position "$BATS_TEST_TMPDIR/p.csv"
    assert_failure 78
    [[ "$stderr" == *"tenant ghost does not exist"*"armms-init"* ]]

    run --separate-stderr armms-journal -t ghost verify
    assert_failure 78
    [[ "$stderr" == *"tenant ghost does not exist"*"armms-init"* ]]
    assert_not_exists "$(tdir ghost)"
}

@test "a store written by a newer ARMMS is refused with exit 78 and left as it is" {
    small_tenant acme
    sqlite3 "$(tdir acme)/hr.db" 'PRAGMA user_version=99'
    local events
    events=$(journal_lines acme | wc -l)

    run --separate-stderr armms-import -t acme --format csv position < <(printf '%s\n' 'position_id,name' 'SUPERVISOR,Supervisor')
    assert_failure 78
    [[ "$stderr" == *"hr.db"*"newer"* ]]
    assert_equal "$(q acme hr "SELECT count(*) FROM position WHERE position_id='SUPERVISOR'")" 0

    # armms-init migrates forward only: it must not touch a newer store either
    run --separate-stderr armms-init -t acme
    assert_failure 78
    [[ "$stderr" == *"hr.db"*"newer"* ]]
    assert_equal "$(q acme hr 'PRAGMA user_version')" 99
    assert_equal "$(journal_lines acme | wc -l)" "$events"
}

@test "a store of an older schema stops every tool with one line naming the migration, no summary" {
    armms-init -q -t acme
    local v
    v=$(q acme tk 'PRAGMA user_version')
    sqlite3 "$(tdir acme)/tk.db" "PRAGMA user_version=$((v - 1))"
    v=$(q acme pay 'PRAGMA user_version')
    sqlite3 "$(tdir acme)/pay.db" "PRAGMA user_version=$((v - 1))"
    local cmd
    for cmd in "armms-timelog --period 2026-11-A" "armms-dtr --period 2026-11-A" \
        "armms-timesheet --period 2026-11-A" "armms-pay --period 2026-11-A" \
        "armms-deduct --period 2026-11-A" "armms-ingest /dev/null" "armms-payrun status 2026-11-A"; do
        run --separate-stderr $cmd -t acme </dev/null
        assert_failure 78
        assert_equal "$(wc -l <<<"$stderr")" 1
        [[ "$stderr" == *"older than this ARMMS"*"run armms-init -t acme to migrate" ]] || fail "$cmd: $stderr"
    done
}

@test "armms-init --help prints the usage on stdout and exits 0" {
    run --separate-stderr armms-init --help
    assert_success
    assert_line --index 0 --partial 'usage: armms-init'
    assert_output --partial '--tz ZONE'
    assert_output --partial '--list'
    assert_equal "$stderr" ""
    run armms-init -h
    assert_success
    assert_line --index 0 --partial 'usage: armms-init'
}

@test "armms-init --version prints its name and version" {
    run --separate-stderr armms-init --version
    assert_success
    assert_output --regexp '^armms-init [0-9]+\.[0-9]+\.[0-9]+$'
    assert_equal "$stderr" ""
}

@test "an unknown option is a usage error that points at --help" {
    run --separate-stderr armms-init -t acme --frobnicate
    assert_failure 64
    assert_output ""
    [[ "$stderr" == *"--frobnicate"* ]]
    [[ "$stderr" == *"armms-init --help"* ]]
    assert_not_exists "$(tdir acme)"
}

@test "armms-init --list onto a full disk fails with a write error" {
    armms-init -q -t acme
    run --separate-stderr bash -c 'armms-init --list > /dev/full'
    assert_failure 74
    [[ "$stderr" == *"armms-init: write error"* ]]
}

@test "armms-init --help onto a full disk fails instead of pretending to succeed" {
    run --separate-stderr bash -c 'armms-init --help > /dev/full'
    assert_failure 74
    [[ "$stderr" == *"write error"* ]]
}

@test "a first admin whose id cannot be a user id is refused before anything is created" {
    run --separate-stderr armms-init -t acme --as "ana reyes"
    assert_equal "$status" 64
    [[ "$stderr" == *"'ana reyes' cannot be a user id"* ]] || fail "$stderr"
    assert_not_exist "$(tdir acme)"
}

@test "armms-init on a tenant with users makes nobody an admin: it needs an admin itself" {
    armms-init -q -t acme
    printf '%s\n' 'user_id,name,roles' 'bob,Bob Cruz,ops' | armms-import -q -t acme --format csv user
    # an admin lost to a hand edit of the store is not replaced by whoever comes
    q acme iam "UPDATE user SET status = 'DISABLED' WHERE user_id = 'tester'"
    run --separate-stderr armms-init -t acme --as eve
    assert_equal "$status" 77
    run --separate-stderr armms-init -t acme --as bob
    assert_equal "$status" 77
    [[ "$stderr" == *"needs scope tenant.admin"* ]] || fail "$stderr"
    assert_equal "$(q acme iam 'SELECT group_concat(user_id) FROM (SELECT user_id FROM user ORDER BY 1)')" bob,tester
}
