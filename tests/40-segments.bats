#!/usr/bin/env bats
# A consumer's run starts reading at the segment that holds what is new
# (journal_each_after), sealed segments included: what it is given must be
# exactly the events after its cursor, wherever the segments break.
load test_helper

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    export ARMMS_JOURNAL_SEGMENT_BYTES=8192
    mkdir -p "$ARMMS_HOME"
    small_tenant acme
    local i
    {
        echo 'date,name,kind'
        for i in $(seq 1 40); do printf '2027-%02d-%02d,Day %d,special\n' $((i % 12 + 1)) $((i % 28 + 1)) "$i"; done
    } | armms-import -q -t acme --format csv holiday
    armms-journal -q -t acme seal
}

@test "cat --since N gives exactly the events after N, from any segment, sealed or open" {
    ls "$ARMMS_HOME/tenants/acme/journal/"*.ndjson.gz >/dev/null
    [ "$(ls "$ARMMS_HOME/tenants/acme/journal/" | grep -c '^[0-9]*\.ndjson')" -gt 5 ]
    all=$(armms-journal -q -t acme cat)
    last=$(tail -n 1 <<<"$all" | jq .seq)
    for n in 0 1 2 17 $((last / 3)) $((last / 2)) $((last - 1)) "$last" $((last + 5)); do
        assert_equal "$(armms-journal -q -t acme cat --since "$n" | jq -c .seq)" \
            "$(jq -c --argjson n "$n" 'select(.seq > $n) | .seq' <<<"$all")"
    done
}

@test "a consumer cursor in a late segment is given what came after it, once" {
    armms-journal -q -t acme cat --consumer c1 >/dev/null
    tk_import acme holiday 'date,name,kind' '2028-01-02,Late day,special'
    run armms-journal -q -t acme cat --consumer c1
    assert_success
    assert_output --partial '"name":"Late day"'
    [ "$(wc -l <<<"$output")" -ge 1 ]
    run armms-journal -q -t acme cat --consumer c1
    assert_output ""
}
