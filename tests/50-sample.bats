load test_helper

@test "the committed sample files are what the generator makes for 1,200 guards" {
    armms-sample masterdata --out "$BATS_TEST_TMPDIR/md"
    local k
    for k in position shift detachment guard assignment rate obligation user; do
        cmp "$BATS_TEST_TMPDIR/md/$k.csv" "$ARMMS_ROOT/samples/$k.csv" || fail "$k.csv differs"
    done
}

@test "the same seed gives the same events, another seed other events" {
    armms-sample events --guards 200 >"$BATS_TEST_TMPDIR/a"
    armms-sample events --guards 200 >"$BATS_TEST_TMPDIR/b"
    armms-sample events --guards 200 --seed 2 >"$BATS_TEST_TMPDIR/c"
    cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    ! cmp -s "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
    assert [ "$(wc -l <"$BATS_TEST_TMPDIR/a")" -gt 4000 ]
}

@test "every punch names a guard and detachment of the generated master data and lands with no rejects" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    assert_equal "$(jq -r .guard_id "$BATS_TEST_TMPDIR/ev" | sort -u | grep -vxFf <(cut -d, -f1 "$ARMMS_ROOT/samples/guard.csv") | wc -l)" 0
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/ev"
    assert_success
    assert_equal "$stderr" "armms-ingest: 29910 read, 29816 accepted, 94 duplicates, 0 rejected"
}

@test "a half-month has day and night punches, late arrivals last and night OUTs on the next morning" {
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    # NIGHT shift OUTs near 06:00 local on the day after the IN
    assert [ "$(jq -r 'select(.type == "OUT") | .ts[11:13]' "$BATS_TEST_TMPDIR/ev" | grep -c '^0[56]$')" -gt 5000 ]
    # all but the late arrivals at the end are in time order
    local sorted
    sorted=$(head -n 29000 "$BATS_TEST_TMPDIR/ev" | jq -r .ts | sort -c 2>&1 && echo sorted)
    assert_equal "$sorted" sorted
}

@test "events as CSV carry the ClockEvent header and --max stops after N events" {
    run armms-sample events --format csv --max 10
    assert_success
    assert_equal "${lines[0]}" "event_id,device_id,guard_id,ts,type,detachment_id"
    assert_equal "${#lines[@]}" 11
}

@test "a period before 2026 or a bad option is a usage error" {
    run armms-sample events --period 2025-12-B
    assert_failure 64
    run --separate-stderr armms-sample events --bogus
    assert_failure 64
    [[ "$stderr" == "armms-sample: "* ]] || fail "$stderr"
}

@test "armms-sample --help prints usage on stdout; a full disk is an output error" {
    run --separate-stderr armms-sample --help
    assert_success
    assert_output --partial "usage: armms-sample masterdata"
    run --separate-stderr bash -c 'armms-sample events --guards 50 > /dev/full'
    assert_failure 74
    [[ "$stderr" == *"write error"* ]] || fail "$stderr"
}

@test "the armms front end runs a tool by its verb" {
    run armms sample --version
    assert_success
    assert_output --partial "armms-sample"
    run armms nope
    assert_failure 64
}
