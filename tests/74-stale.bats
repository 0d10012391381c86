load test_helper
bats_require_minimum_version 1.5.0

# Corrections take effect: a timekeeper's adjustment or a master data change
# that is not piped on marks the DTRs and timesheets it leaves stale; the
# next run without a scope (what cron runs) brings exactly those current;
# --validate says what is stale and the command that fixes it, and each
# blocker names the adjustment it calls for.
#
# Roster: G1 on the DET1 day shift (06:00-18:00), G3 on the DET1 night
# shift, from 16 October 2026 (period 2026-10-B).

roster() {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
}

# G1 punches in on the 20th and forgets to punch out; G3 works the night of
# the 20th in full.
forgot_out() {
    {
        tk_punch G1-in G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch G3-in G3 2026-10-20T17:55:00+08:00 IN DET1
        tk_punch G3-out G3 2026-10-21T06:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
}

add_out() {
    armms-timelog -q -t acme adjust add --guard G1 --ts 2026-10-20T18:00:00+08:00 --type OUT \
        --reason "forgot to punch out; post commander confirmed" "$@"
}

# The rows of one guard in every derived table.
guard_rows() {
    q acme tk "select 'time_log', * from time_log where guard_id = '$1';
        select 'dtr', * from dtr where guard_id = '$1';
        select 'timesheet', * from timesheet where guard_id = '$1'" | LC_ALL=C sort
}

marks() { q acme tk "select stage, guard_id, date_from, date_to, reason from stale order by 1, 2, 3"; }

# The run cron makes: every stage without a scope, as one pipe.
due() {
    (
        set -o pipefail
        armms-timelog -q -t acme </dev/null | tee "$BATS_TEST_TMPDIR/due-tl.ndjson" |
            armms-dtr -q -t acme | tee "$BATS_TEST_TMPDIR/due-dtr.ndjson" |
            armms-timesheet -q -t acme >"$BATS_TEST_TMPDIR/due-ts.ndjson"
    )
}

@test "a forgotten OUT added and not piped on reaches the DTR and the timesheet at the next run without a scope" {
    roster
    forgot_out
    run --separate-stderr bash -c 'armms-timelog -t acme adjust add --guard G1 --ts 2026-10-20T18:00:00+08:00 \
        --type OUT --reason "forgot to punch out" >/dev/null'
    assert_success
    assert_equal "$stderr" "armms-timelog: add recorded; its DTR and timesheet are stale until the next run without a scope: armms-dtr -t acme | armms-timesheet -t acme"
    # the time log has it, the DTR not yet: it is marked stale
    assert_equal "$(q acme tk "select status from dtr where guard_id = 'G1'")" INCOMPLETE
    assert_equal "$(marks)" "dtr|G1|2026-10-20|2026-10-20|adjustment"

    run --separate-stderr armms-dtr -t acme </dev/null
    assert_success
    assert_equal "$(jq -c '[.guard_id, .date, .status, .minutes.worked]' <<<"$output")" '["G1","2026-10-20","COMPLETE",720]'
    assert_equal "$stderr" "armms-dtr: 0 read, 0 rejected, 1 DTRs recomputed, 1 changed"
    assert_equal "$(marks)" "timesheet|G1|2026-10-20|2026-10-20|dtr"

    run --separate-stderr armms-timesheet -t acme </dev/null
    assert_success
    assert_equal "$(jq -c '[.timesheet_id, .status, .days_worked, .days_incomplete]' <<<"$output")" \
        '["2026-10-B/G1/DET1/DAY","DRAFT",1,0]'
    assert_equal "$(marks)" ""
    assert_equal "$(q acme tk "select worked from dtr where guard_id = 'G1'")" 720
}

@test "--validate says what is stale and the command that brings it current, which does" {
    roster
    forgot_out
    add_out >/dev/null

    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_equal "$status" 65
    assert_equal "$(jq -r 'select(.code == "STALE") | [.guard_id, .stage, .date, .to, .reason, .fix] | @tsv' <<<"$output")" \
        "$(printf 'G1\tdtr\t2026-10-20\t2026-10-20\tadjustment\tarmms-dtr -t acme | armms-timesheet -t acme')"

    # the fix, as written, run the way cron runs it
    run bash -c "set -o pipefail; exec </dev/null >/dev/null; $(jq -r 'select(.code == "STALE") | .fix' <<<"$output")"
    assert_success
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timesheet: 2026-10-B: 0 blockers on 0 timesheets"
}

@test "a correction piped on clears its own marks as it flows" {
    roster
    forgot_out
    run bash -c 'set -o pipefail
        armms-timelog -q -t acme adjust add --guard G1 --ts 2026-10-20T18:00:00+08:00 --type OUT \
            --reason "forgot to punch out" | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null'
    assert_success
    assert_equal "$(marks)" ""
    assert_equal "$(q acme tk "select status from dtr where guard_id = 'G1'")" COMPLETE
}

@test "only the corrected guard's rows are rewritten, and a rerun changes nothing" {
    roster
    forgot_out
    local g3
    g3=$(guard_rows G3)
    add_out >/dev/null
    due
    assert_equal "$(guard_rows G3)" "$g3"
    # each stage wrote only the corrected guard's records
    assert_equal "$(jq -r .guard_id "$BATS_TEST_TMPDIR"/due-{dtr,ts}.ndjson | sort -u)" G1
    assert_equal "$(q acme tk "select timesheet_id, version from timesheet order by 1")" \
        "$(printf '%s\n' '2026-10-B/G1/DET1/DAY|1' '2026-10-B/G3/DET1/NIGHT|1')"

    local before
    before=$(tk_dump acme)
    run --separate-stderr due
    assert_success
    assert_equal "$(cat "$BATS_TEST_TMPDIR"/due-{tl,dtr,ts}.ndjson)" ""
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(marks)" ""
}

@test "an assignment moved to another detachment marks the guard's days and the next run brings them current" {
    roster
    # G1 works the 20th at DET2's device while still assigned to DET1
    {
        tk_punch G1-in G1 2026-10-20T05:55:00+08:00 IN DET2
        tk_punch G1-out G1 2026-10-20T18:00:00+08:00 OUT DET2
        tk_punch G3-in G3 2026-10-20T17:55:00+08:00 IN DET1
        tk_punch G3-out G3 2026-10-21T06:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(q acme tk "select distinct anomalies from time_log where guard_id = 'G1'")" WRONG_DETACHMENT
    local g3
    g3=$(guard_rows G3)

    # HR corrects the assignment: G1 has been posted at DET2 all along
    tk_assign acme 'G1,DET2,DAY,2026-10-16,,regular,'
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_equal "$status" 65
    assert_equal "$(jq -r 'select(.code == "STALE") | [.guard_id, .stage, .date, .to, .reason] | @tsv' <<<"$output" | sort -u)" \
        "$(printf 'G1\tdtr\t2026-10-20\t2026-10-20\tassignment\nG1\ttimelog\t2026-10-20\t2026-10-20\tassignment')"

    run due
    assert_success
    assert_equal "$(q acme tk "select distinct status || '|' || anomalies || '|' || detachment_id from time_log where guard_id = 'G1'")" "VALID||DET2"
    assert_equal "$(q acme tk "select detachment_id, status, worked from dtr where guard_id = 'G1'")" "DET2|COMPLETE|720"
    assert_equal "$(jq -r '[.timesheet_id, .status] | @tsv' "$BATS_TEST_TMPDIR/due-ts.ndjson" | sort)" \
        "$(printf '2026-10-B/G1/DET1/DAY\tREMOVED\n2026-10-B/G1/DET2/DAY\tDRAFT')"
    assert_equal "$(guard_rows G3)" "$g3"
    assert_equal "$(marks)" ""

    # read once: the same change does not mark again
    local before
    before=$(tk_dump acme)
    run due
    assert_success
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a holiday declared after the DTRs were made marks the guards who worked it" {
    roster
    forgot_out
    add_out | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    tk_holiday acme '2026-10-21,Local Day,special'
    run due
    assert_success
    # G3's night of the 20th runs into the 21st; G1 worked only the 20th
    # (its first 480 minutes are regular: 00:00-02:00 of them on the 21st)
    assert_equal "$(jq -r '[.guard_id, .date, .by_day_type.special.regular, .by_day_type.special.ot] | @tsv' "$BATS_TEST_TMPDIR/due-dtr.ndjson")" \
        "$(printf 'G3\t2026-10-20\t120\t240')"
    assert_equal "$(jq -r .timesheet_id "$BATS_TEST_TMPDIR/due-ts.ndjson")" 2026-10-B/G3/DET1/NIGHT
    assert_equal "$(marks)" ""
}

@test "a master data change that alters no derived row marks nothing" {
    roster
    forgot_out
    # a new detachment, a guard's name: nothing timekeeping derived reads
    tk_import acme detachment 'detachment_id,name,client' 'DET3,Airport,Sky Inc'
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G3,100003,Cruz,Benjamin,GUARD,MON,ACTIVE'
    local before
    before=$(tk_dump acme)
    run --separate-stderr due
    assert_success
    assert_equal "$(marks)" ""
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a correction to a finalized period becomes its ADJUSTED version at the next run" {
    roster
    forgot_out
    armms-timesheet -q -t acme --finalize --period 2026-10-B --override "closing on time" >/dev/null
    assert_equal "$(q acme tk "select status from timesheet where guard_id = 'G1'")" FINALIZED

    add_out >/dev/null
    # the sealed timesheet is not a draft: validate still lists the mark
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_equal "$status" 65
    assert_equal "$(jq -r 'select(.code == "STALE") | [.timesheet_id, .guard_id, .stage] | @tsv' <<<"$output")" \
        "$(printf '\tG1\tdtr')"

    run due
    assert_success
    assert_equal "$(jq -r '[.timesheet_id, .version, .status, .delta.totals.worked] | @tsv' "$BATS_TEST_TMPDIR/due-ts.ndjson")" \
        "$(printf '2026-10-B/G1/DET1/DAY\t2\tADJUSTED\t720')"
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "TimesheetAdjusted") | .aggregate_id')" \
        "2026-10-B/G1/DET1/DAY"
    assert_equal "$(marks)" ""
}

@test "each blocker names its fix: move for a punch at the wrong detachment, add for a missing OUT" {
    roster
    {
        tk_punch G1-in G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch G3-in G3 2026-10-20T17:55:00+08:00 IN DET2
        tk_punch G3-out G3 2026-10-21T06:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local id
    id=$(q acme tk "select time_log_id from time_log where guard_id = 'G3' and type = 'IN'")

    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_equal "$status" 65
    assert_equal "$(jq -r 'select(.guard_id == "G3" and .code == "NEEDS_REVIEW" and .time_log_id == "'"$id"'") | [(.anomalies | join(",")), .fix] | @tsv' <<<"$output")" \
        "$(printf 'WRONG_DETACHMENT\tarmms-timelog -t acme adjust move %s --shift NIGHT --date 2026-10-20 --detachment DET1 --reason TEXT' "$id")"
    assert_equal "$(jq -r 'select(.guard_id == "G1") | [.code, .fix] | @tsv' <<<"$output")" \
        "$(printf 'INCOMPLETE_DTR\tarmms-timelog -t acme adjust add --guard G1 --type OUT --ts TIME --shift DAY --date 2026-10-20 --detachment DET1 --reason TEXT')"

    # finalizing says the same in its Reject
    run --separate-stderr armms-timesheet -t acme --finalize --period 2026-10-B
    assert_equal "$status" 65
    assert_regex "$stderr" 'WRONG_DETACHMENT \(adjust move\)'
    assert_regex "$stderr" 'MISSING_OUT \(adjust add\)'

    # the move the blocker names clears it
    armms-timelog -q -t acme adjust move "$id" --shift NIGHT --date 2026-10-20 --detachment DET1 \
        --reason "tapped the DET2 reader on the way in" | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B --guard G3
    assert_success
}

@test "a run without a scope on a tenant with nothing stale recomputes nothing" {
    roster
    forgot_out
    local before
    before=$(tk_dump acme)
    # the first run without a scope takes the clock events recorded before
    # it, piped on or not: here they were, so nothing changes
    run --separate-stderr armms-timelog -t acme </dev/null
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, 3 time logs recomputed, 0 changed"
    assert_equal "$(tk_dump acme)" "$before"
    run --separate-stderr armms-timelog -t acme </dev/null
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, 0 time logs recomputed, 0 changed"
    assert_equal "$(tk_dump acme)" "$before"
}

@test "clock events ingested with their output thrown away reach the timesheets at the next run without a scope" {
    roster
    {
        tk_punch G1-in G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch G1-out G1 2026-10-20T18:00:00+08:00 OUT DET1
        tk_punch G3-in G3 2026-10-20T17:55:00+08:00 IN DET1
        tk_punch G3-out G3 2026-10-21T06:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >/dev/null
    assert_equal "$(q acme tk 'select count(*) from time_log')" 0
    due
    assert_equal "$(q acme tk "select guard_id || ' ' || date || ' ' || status from dtr order by 1")" \
        "$(printf '%s\n' 'G1 2026-10-20 COMPLETE' 'G3 2026-10-20 COMPLETE')"
    assert_equal "$(q acme tk "select count(*) from timesheet where period_id = '2026-10-B'")" 2
    # the same as the pipe would have made
    local cron
    cron=$(tk_dump acme)
    # a later event, thrown away too, is taken by the next run; a rerun changes nothing
    tk_punch G1-in2 G1 2026-10-22T05:58:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in2"
    tk_punch G1-out2 G1 2026-10-22T18:01:00+08:00 OUT DET1 >>"$BATS_TEST_TMPDIR/in2"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in2" >/dev/null
    due
    assert_equal "$(q acme tk "select status from dtr where guard_id = 'G1' and date = '2026-10-22'")" COMPLETE
    local after
    after=$(tk_dump acme)
    run --separate-stderr armms-timelog -t acme </dev/null
    assert_success
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, 0 time logs recomputed, 0 changed"
    assert_equal "$(tk_dump acme)" "$after"
    [ "$cron" != "$after" ]
}

@test "a scoped run clears the marks inside its scope only; a run without a scope carries the rest" {
    roster
    {
        tk_punch G1-in-20 G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch G1-in-22 G1 2026-10-22T05:55:00+08:00 IN DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    add_out >"$BATS_TEST_TMPDIR/adj20.ndjson"
    armms-timelog -q -t acme adjust add --guard G1 --ts 2026-10-22T18:00:00+08:00 --type OUT \
        --reason "forgot again" >/dev/null
    assert_equal "$(marks)" "$(printf '%s\n' 'dtr|G1|2026-10-20|2026-10-20|adjustment' 'dtr|G1|2026-10-22|2026-10-22|adjustment')"

    armms-dtr -q -t acme --from 2026-10-20 --to 2026-10-20 </dev/null >/dev/null
    assert_equal "$(q acme tk "select date, status from dtr where guard_id = 'G1' order by 1")" \
        "$(printf '%s\n' '2026-10-20|COMPLETE' '2026-10-22|INCOMPLETE')"
    assert_equal "$(q acme tk "select stage, date_from from stale where stage = 'dtr'")" "dtr|2026-10-22"

    # a stream run writes the records its input names and, at its end, the stale ones
    run --separate-stderr armms-dtr -t acme <"$BATS_TEST_TMPDIR/adj20.ndjson"
    assert_success
    assert_equal "$(jq -r '[.date, .status] | @tsv' <<<"$output")" \
        "$(printf '2026-10-20\tCOMPLETE\n2026-10-22\tCOMPLETE')"
    assert_equal "$(q acme tk "select count(*) from stale where stage = 'dtr'")" 0
}

@test "a shift whose hours change marks the guards assigned to it, and only their DTRs change" {
    roster
    forgot_out
    add_out | armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    local g3
    g3=$(guard_rows G3)
    # the day shift now starts and ends an hour later: G1 left an hour early
    tk_import acme shift 'shift_id,start,end' 'DAY,07:00,19:00'
    run due
    assert_success
    assert_equal "$(jq -c '[.guard_id, .date, .minutes.worked, .minutes.undertime]' "$BATS_TEST_TMPDIR/due-dtr.ndjson")" \
        '["G1","2026-10-20",660,60]'
    assert_equal "$(jq -r '[.timesheet_id, .totals.worked] | @tsv' "$BATS_TEST_TMPDIR/due-ts.ndjson")" \
        "$(printf '2026-10-B/G1/DET1/DAY\t660')"
    assert_equal "$(guard_rows G3)" "$g3"
    assert_equal "$(marks)" ""
}

@test "a report over stale rows says so on stderr and names the run that brings them current; a current one says nothing" {
    roster
    forgot_out
    add_out >/dev/null
    run --separate-stderr armms-report -t acme dtr --period 2026-10-B --format ndjson
    assert_success
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .status' <<<"$output")" INCOMPLETE
    [[ "$stderr" == *"stale: 1 dtr mark in 2026-10-B: the dtr rows under this report are not current; run armms-dtr -t acme"* ]]
    due
    run --separate-stderr armms-report -t acme dtr --period 2026-10-B --format ndjson
    assert_success
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .status' <<<"$output")" COMPLETE
    [[ "$stderr" != *stale* ]]
}
