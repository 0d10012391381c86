load test_helper
bats_require_minimum_version 1.5.0

# Tenants spread over hosts (armms-hosts(7)): one tenant processed on one
# host at a time. armms-init --claim T writes tenants/T/host (the host,
# since when, by whom); while it names another host every tool that opens
# T exits 75 naming the holder; --release removes it; a tenant without it
# is open to any host. ARMMS_HOSTNAME stands for the host name here: two
# values are two hosts sharing one ARMMS_HOME (a network file system).

host_a() { export ARMMS_HOSTNAME=host-a; }
host_b() { export ARMMS_HOSTNAME=host-b; }
holder() { sed -n "s/^$1=//p" "$ARMMS_HOME/tenants/acme/host"; }
held_msg="tenant acme is held by host host-a since 2026-11-25T00:00:00Z (claimed by tester), not by this host (host-b): run its tools there, or armms-init --release acme there first"

@test "a tenant nobody claimed is open to every host, as before" {
    host_a
    small_tenant acme
    [ ! -e "$ARMMS_HOME/tenants/acme/host" ]
    host_b
    run --separate-stderr armms-journal -t acme verify
    assert_success
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Rosa,GUARD,SUN,ACTIVE'
}

@test "claimed by one host, the tenant is refused on the other with 75 naming the holder; released, the other claims it" {
    host_a
    small_tenant acme
    run --separate-stderr armms-init --claim acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme claimed for host host-a: tools on other hosts exit 75"
    assert_equal "$(holder host) $(holder since) $(holder by)" "host-a 2026-11-25T00:00:00Z tester"
    assert_equal "$(stat -c %a "$ARMMS_HOME/tenants/acme/host")" 600
    # the holder goes on working (migrating it too); claiming again changes nothing
    run --separate-stderr armms-journal -t acme verify
    assert_success
    run --separate-stderr armms-init -t acme
    assert_success
    before=$(cat "$ARMMS_HOME/tenants/acme/host")
    ARMMS_NOW=2026-11-26T00:00:00Z run --separate-stderr armms-init --claim acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme is held by host host-a already (since 2026-11-25T00:00:00Z)"
    assert_equal "$(cat "$ARMMS_HOME/tenants/acme/host")" "$before"

    # host B: every tool that opens the tenant, reading or writing, is refused
    host_b
    n=$(journal_lines acme | wc -l)
    for cmd in "armms-journal -t acme verify" "armms-report -t acme exceptions --from 2026-11-01 --to 2026-11-01" \
        "armms-import -t acme --format csv position" "armms-payrun -t acme status 2026-11-A" \
        "armms-init -t acme" "armms-init --export acme $BATS_TEST_TMPDIR/x.tar.gz" "armms-init --claim acme" \
        "armms-init --release acme"; do
        run --separate-stderr $cmd </dev/null
        [ "$status" = 75 ] || fail "$cmd: $status $stderr"
        assert_equal "$stderr" "${cmd%% *}: $held_msg"
    done
    [ ! -e "$BATS_TEST_TMPDIR/x.tar.gz" ]
    assert_equal "$(journal_lines acme | wc -l)" "$n"
    assert_equal "$(holder host)" host-a

    # A releases; B claims; now A is the one refused
    host_a
    run --separate-stderr armms-init --release acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme released by host host-a: any host may open it"
    [ ! -e "$ARMMS_HOME/tenants/acme/host" ]
    run --separate-stderr armms-init --release acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme was held by no host: any host may open it"
    host_b
    export ARMMS_NOW=2026-11-27T00:00:00Z
    armms-init -q --claim acme
    assert_equal "$(holder host) $(holder since)" "host-b 2026-11-27T00:00:00Z"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    host_a
    run --separate-stderr armms-journal -t acme verify
    assert_equal "$status" 75
    assert_equal "$stderr" "armms-journal: tenant acme is held by host host-b since 2026-11-27T00:00:00Z (claimed by tester), not by this host (host-a): run its tools there, or armms-init --release acme there first"
}

@test "--force takes over the claim of a host that is gone, and releases one" {
    host_a
    small_tenant acme
    armms-init -q --claim acme
    host_b
    run --separate-stderr armms-init --claim acme --force
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme claimed for host host-b, taken from host host-a (--force)"
    assert_equal "$(holder host)" host-b
    host_a
    run --separate-stderr armms-init --release acme --force
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme released from host host-b (--force): any host may open it"
    [ ! -e "$ARMMS_HOME/tenants/acme/host" ]
}

@test "only a tenant admin claims or releases; usage errors are 64" {
    host_a
    small_tenant acme
    tk_import acme user 'user_id,name,roles' 'tk1,Timekeeper,timekeeper'
    run --separate-stderr armms-init --claim acme --as tk1
    assert_equal "$status" 77
    [ ! -e "$ARMMS_HOME/tenants/acme/host" ]
    run armms-init --claim acme --release acme
    assert_equal "$status" 64
    run armms-init --claim acme extra
    assert_equal "$status" 64
    run armms-init -t other --claim acme
    assert_equal "$status" 64
    run armms-init -t acme --force
    assert_equal "$status" 64
    run --separate-stderr armms-init --claim nosuch
    assert_equal "$status" 78
}

@test "a damaged host file is an error naming the way out, not an open tenant" {
    host_a
    small_tenant acme
    printf 'since=2026-11-25T00:00:00Z\n' >"$ARMMS_HOME/tenants/acme/host"
    run --separate-stderr armms-journal -t acme verify
    assert_equal "$status" 78
    assert_equal "$stderr" "armms-journal: tenant acme: its host file names no host; armms-init --claim acme --force on the host that processes it writes it again"
    run --separate-stderr armms-init --claim acme --force
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme claimed for host host-a (--force: its host file named no host)"
    assert_equal "$(holder host)" host-a
    run armms-journal -t acme verify
    assert_success
}

@test "exported on host A and restored on host B, the tenant is claimed for B" {
    host_a
    export ARMMS_HOME="$BATS_TEST_TMPDIR/a"
    small_tenant acme
    armms-init -q --claim acme
    armms-init -q --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    # the archive carries no claim: it is the restoring host's to make
    ! tar -tzf "$BATS_TEST_TMPDIR/acme.tar.gz" | grep -q 'host$'
    # A keeps its claim: the export is a copy taken while tools run
    assert_equal "$(holder host)" host-a
    host_b
    export ARMMS_HOME="$BATS_TEST_TMPDIR/b" ARMMS_NOW=2026-11-26T00:00:00Z
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    [[ "$stderr" == *"; claimed for host host-b" ]] || fail "$stderr"
    assert_equal "$(holder host) $(holder since) $(holder by)" "host-b 2026-11-26T00:00:00Z tester"
    run armms-journal -t acme verify
    assert_success
    # on a home both hosts share, A is now kept off B's copy
    host_a
    run --separate-stderr armms-journal -t acme verify
    assert_equal "$status" 75
}
