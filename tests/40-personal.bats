#!/usr/bin/env bats
# The journal's views for people mask personal numbers (bank account, TIN,
# SSS, PhilHealth, Pag-IBIG, e-mail) as every tool shows them; a consumer
# reading through a pipe gets the journal's bytes, whose hashes it checks.
load test_helper

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    mkdir -p "$ARMMS_HOME"
    small_tenant acme
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,bank_account,tin,sss_no,status' \
        'G9,100009,Bautista,Lea,GUARD,SUN,BPI,0123456789,123-456-789-000,34-1234567-8,ACTIVE' |
        armms-import -q -t acme --format csv guard
}

@test "armms-journal history masks the personal numbers of the before and after it shows" {
    run --separate-stderr armms-journal -t acme history G9
    assert_success
    refute_output --partial 0123456789
    refute_output --partial 123-456-789-000
    refute_output --partial 34-1234567-8
    assert_equal "$(jq -r .after.bank_account <<<"$output")" "****6789"
    assert_equal "$(jq -r .after.last_name <<<"$output")" Bautista
}

@test "armms-journal cat on a terminal masks personal numbers; to a pipe it writes the journal's own lines" {
    run script -qec "armms-journal -t acme cat --type GuardUpserted --aggregate G9" /dev/null
    assert_success
    refute_output --partial 0123456789
    assert_output --partial '"bank_account":"****6789"'
    # a consumer gets the bytes as journaled: the same line, hash and all
    run armms-journal -q -t acme cat --type GuardUpserted --aggregate G9
    assert_success
    assert_output --partial '"bank_account":"0123456789"'
    assert_equal "$output" "$(journal_lines acme | grep '"aggregate_id":"G9"' | grep GuardUpserted)"
}
