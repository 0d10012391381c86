load test_helper
bats_require_minimum_version 1.5.0

# armms-timelog: each recorded clock event matched to the guard's assignment
# and shift instance (status VALID, INVALID or DUPLICATE, with anomaly
# codes), and the timekeeper's adjustments (add, void, move), journaled as
# TimeLogAdjusted.
#
# Roster used below (small_tenant): DAY 06:00-18:00, NIGHT 18:00-06:00, no
# break. Matching windows by default: an IN from 2 h before to 4 h after the
# shift start, an OUT from 6 h before to 4 h after the shift end.
# October 2026: the 20th is a Tuesday.

# G1 on DAY at DET1 and G3 on NIGHT at DET1, from 16 October 2026.
roster() {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
}

# The time log of one event: log EVENT_ID (from the chain's outputs).
log() {
    local id
    id=$(jq -r --arg e "$1" 'select(.event_id == $e) | .clock_event_id' "$BATS_TEST_TMPDIR/ce.ndjson")
    jq -c --arg id "$id" 'select(.time_log_id == $id)' "$BATS_TEST_TMPDIR/tl.ndjson"
}
log_id() { jq -r --arg e "$1" 'select(.event_id == $e) | .clock_event_id' "$BATS_TEST_TMPDIR/ce.ndjson"; }
adjusted() { journal_lines acme | jq -c 'select(.event_type == "TimeLogAdjusted")'; }

# --- matching ------------------------------------------------------------

@test "a day guard's IN before 06:00 is matched to that day's DAY shift at the guard's detachment" {
    roster
    tk_punch A G1 2026-10-20T05:52:13+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run log A
    # 05:52:13 lies in the IN window of 20 Oct's DAY instance [04:00, 10:00]
    assert_equal "$(jq -r '[.kind, .v, .source, .guard_id, .type, .detachment_id, .shift_id,
        .shift_date, .work_date, .status, (.anomalies | length), .needs_review] | @tsv' <<<"$output")" \
        "$(printf 'TimeLog\t1\tdevice\tG1\tIN\tDET1\tDAY\t2026-10-20\t2026-10-20\tVALID\t0\tfalse')"
    # stored in UTC, shown in Manila time (UTC+8)
    assert_equal "$(jq -r '.ts + " " + .ts_local' <<<"$output")" \
        "2026-10-19T21:52:13Z 2026-10-20T05:52:13+08:00"
    assert_equal "$(q acme tk 'select time_log_id, shift_id, shift_date, status, open from time_log')" \
        "$(log_id A)|DAY|2026-10-20|VALID|0"
}

@test "a night guard's OUT after midnight belongs to the shift that started the evening before" {
    roster
    {
        tk_punch A G3 2026-10-20T17:56:00+08:00 IN DET1
        tk_punch B G3 2026-10-21T06:03:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 06:03 on the 21st is 3 minutes after the end of 20 Oct's NIGHT (18:00-06:00)
    run log B
    assert_equal "$(jq -r '[.shift_id, .shift_date, .work_date, .status] | @tsv' <<<"$output")" \
        "$(printf 'NIGHT\t2026-10-20\t2026-10-20\tVALID')"
    assert_equal "$(q acme tk "select shift_date, work_date from time_log where time_log_id = '$(log_id B)'")" \
        "2026-10-20|2026-10-20"
}

@test "a second IN a few seconds later is a DUPLICATE double tap and the first IN counts, whatever the arrival order" {
    roster
    {
        # the later tap arrives first in the export
        tk_punch T2 G1 2026-10-20T06:20:04+08:00 IN DET1
        tk_punch T1 G1 2026-10-20T06:20:00+08:00 IN DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log T1 | jq -c '[.status, .anomalies, .needs_review]')" '["VALID",[],false]'
    assert_equal "$(log T2 | jq -c '[.status, .anomalies, .needs_review]')" '["DUPLICATE",["DUPLICATE_PUNCH"],false]'
    assert_equal "$(q acme tk 'select status, anomalies from time_log order by ts')" \
        "$(printf 'VALID|\nDUPLICATE|DUPLICATE_PUNCH')"
}

@test "of two OUTs the last one counts and the earlier is a DUPLICATE" {
    roster
    {
        tk_punch I G1 2026-10-20T05:58:00+08:00 IN DET1
        tk_punch O1 G1 2026-10-20T17:00:00+08:00 OUT DET1
        tk_punch O2 G1 2026-10-20T17:30:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log I | jq -r .status)" VALID
    assert_equal "$(log O1 | jq -c '[.status, .anomalies]')" '["DUPLICATE",["DUPLICATE_PUNCH"]]'
    assert_equal "$(log O2 | jq -c '[.status, .anomalies]')" '["VALID",[]]'
    assert_equal "$(q acme tk "select status from time_log where time_log_id = '$(log_id O2)'")" VALID
}

@test "an OUT with no IN stays VALID with OUT_WITHOUT_IN and needs review" {
    roster
    tk_punch O G1 2026-10-20T18:01:00+08:00 OUT DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log O | jq -c '[.status, .shift_id, .shift_date, .anomalies, .needs_review]')" \
        '["VALID","DAY","2026-10-20",["OUT_WITHOUT_IN"],true]'
    assert_equal "$(q acme tk 'select status, anomalies, open from time_log')" "VALID|OUT_WITHOUT_IN|1"
}

@test "a punch by a guard with no assignment is INVALID with NO_ASSIGNMENT" {
    roster
    # G2 has no assignment at all
    tk_punch A G2 2026-10-20T05:55:00+08:00 IN DET2 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log A | jq -c '[.status, .anomalies, .needs_review, .detachment_id, .shift_id, .shift_date, .work_date]')" \
        '["INVALID",["NO_ASSIGNMENT"],true,"DET2",null,null,"2026-10-20"]'
    assert_equal "$(q acme tk 'select status, anomalies, open, shift_id is null from time_log')" \
        "INVALID|NO_ASSIGNMENT|1|1"
    # an INVALID punch makes no DTR
    assert_equal "$(q acme tk 'select count(*) from dtr')" 0
}

@test "a punch outside every shift window is INVALID with OFF_SHIFT" {
    roster
    {
        # DAY's IN window is 04:00-10:00 and its OUT window 12:00-22:00
        tk_punch A G1 2026-10-20T03:59:00+08:00 IN DET1
        tk_punch B G1 2026-10-20T11:00:00+08:00 IN DET1
        tk_punch C G1 2026-10-20T22:01:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    local e
    for e in A B C; do
        assert_equal "$(log $e | jq -c '[.status, .anomalies, .needs_review, .shift_id, .detachment_id]')" \
            '["INVALID",["OFF_SHIFT"],true,null,"DET1"]'
    done
    assert_equal "$(q acme tk "select count(*) from time_log where status = 'INVALID' and anomalies = 'OFF_SHIFT'")" 3
}

@test "the matching windows come from the tenant's tenant.conf" {
    roster
    # IN at most 30 min early, at most 15 min late
    tk_policy acme in_before=30 in_after=15
    {
        tk_punch A G1 2026-10-20T05:29:00+08:00 IN DET1 # 31 min early: outside
        tk_punch B G1 2026-10-21T05:30:00+08:00 IN DET1 # 30 min early: the edge, inside
        tk_punch C G1 2026-10-22T06:16:00+08:00 IN DET1 # 16 min late: outside
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log A | jq -c '[.status, .anomalies]')" '["INVALID",["OFF_SHIFT"]]'
    assert_equal "$(log B | jq -c '[.status, .anomalies, .shift_date]')" '["VALID",[],"2026-10-21"]'
    assert_equal "$(log C | jq -c '[.status, .anomalies]')" '["INVALID",["OFF_SHIFT"]]'
}

@test "a punch at another detachment's device is INVALID with WRONG_DETACHMENT and keeps its shift instance" {
    roster
    tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET2 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log A | jq -c '[.status, .anomalies, .needs_review, .detachment_id, .device_detachment_id, .shift_id, .shift_date]')" \
        '["INVALID",["WRONG_DETACHMENT"],true,"DET1","DET2","DAY","2026-10-20"]'
    assert_equal "$(q acme tk 'select status, anomalies, open, detachment_id, device_detachment_id from time_log')" \
        "INVALID|WRONG_DETACHMENT|1|DET1|DET2"
}

@test "a punch from a device with no detachment matches the guard's own assignment" {
    roster
    tk_punch A G1 2026-10-20T05:55:00+08:00 IN >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(log A | jq -c '[.status, .anomalies, .detachment_id, .shift_id, .shift_date, has("device_detachment_id")]')" \
        '["VALID",[],"DET1","DAY","2026-10-20",false]'
}

@test "a reliever's punches match the reliever assignment and name the guard relieved" {
    roster
    tk_assign acme 'G2,DET1,DAY,2026-10-20,2026-10-20,reliever,G1'
    {
        tk_punch A G2 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch B G2 2026-10-20T18:02:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    local e
    for e in A B; do
        assert_equal "$(log $e | jq -c '[.status, .detachment_id, .shift_id, .shift_date, .relieves_guard_id]')" \
            '["VALID","DET1","DAY","2026-10-20","G1"]'
    done
    assert_equal "$(q acme tk "select distinct relieves_guard_id from time_log where guard_id = 'G2'")" G1
}

# --- adjustments ---------------------------------------------------------

@test "a timekeeper adds a forgotten OUT and the DTR and timesheet become complete" {
    roster
    tk_punch I G1 2026-10-20T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(jq -c '[.status, .anomalies]' "$BATS_TEST_TMPDIR/dtr.ndjson")" '["INCOMPLETE",["MISSING_OUT"]]'

    run --separate-stderr bash -c 'set -o pipefail
        armms-timelog adjust add -t acme --guard G1 --ts 2026-10-20T18:00:00+08:00 --type OUT \
            --reason "guard forgot to punch out; post commander confirmed" |
        tee "$BATS_TEST_TMPDIR/adj.ndjson" | armms-dtr -q -t acme | tee "$BATS_TEST_TMPDIR/dtr2.ndjson" |
        armms-timesheet -q -t acme'
    assert_equal "$status" 0

    local id
    id=$(journal_lines acme | jq -r 'select(.event_type == "TimeLogAdjusted") | .payload.adjustment_id')
    assert_equal "${#id}" 26
    # the added punch is a time log of its own, placed on 20 Oct's DAY shift
    assert_equal "$(jq -c --arg id "$id" 'select(.time_log_id == $id) |
        [.source, .ts, .type, .detachment_id, .shift_id, .shift_date, .status, .anomalies, .needs_review, .adjustment_id == $id]' \
        "$BATS_TEST_TMPDIR/adj.ndjson")" \
        '["adjustment","2026-10-20T10:00:00Z","OUT","DET1","DAY","2026-10-20","VALID",[],false,true]'
    # IN 05:55 (no credit before 06:00) to OUT 18:00: 720 worked = 480 regular + 240 ot
    assert_equal "$(jq -c 'select(.date == "2026-10-20") | [.status, .anomalies, .time_out, .minutes.worked, .minutes.regular, .minutes.ot]' \
        "$BATS_TEST_TMPDIR/dtr2.ndjson")" '["COMPLETE",[],"2026-10-20T18:00:00+08:00",720,480,240]'
    assert_equal "$(jq -c '[.timesheet_id, .status, .days_worked, .days_incomplete, .totals.worked]' <<<"$output")" \
        '["2026-10-B/G1/DET1/DAY","DRAFT",1,0,720]'
    assert_equal "$(q acme tk "select status, worked from dtr where guard_id = 'G1' and date = '2026-10-20'")" "COMPLETE|720"
    assert_equal "$(q acme tk 'select action, guard_id, ts, type, reason, actor from time_log_adjustment')" \
        "add|G1|2026-10-20T10:00:00Z|OUT|guard forgot to punch out; post commander confirmed|tester"
    # nothing left to block the half-month
    run --separate-stderr armms-timesheet -t acme --validate --period 2026-10-B
    assert_equal "$status" 0
    assert_equal "$output" ""
}

@test "an added punch is journaled as TimeLogAdjusted with the actor and the time log after" {
    roster
    run --separate-stderr armms-timelog adjust add -t acme --guard G1 --ts 2026-10-20T05:58:00+08:00 \
        --type IN --reason "biometric reader down"
    assert_equal "$status" 0

    run armms-journal -t acme cat --type TimeLogAdjusted
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -r '[.event_type, .aggregate_type, .actor, .payload.action, .payload.guard_id, .payload.reason] | @tsv' <<<"$output")" \
        "$(printf 'TimeLogAdjusted\ttime_log\ttester\tadd\tG1\tbiometric reader down')"
    # an add has no time log before it; after: 05:58 Manila = 21:58 UTC the day before
    assert_equal "$(jq -c '.payload | [.before, .after.ts, .after.type, .after.status, .after.shift_id, .after.source,
        .after.time_log_id == .time_log_id]' <<<"$output")" \
        '[null,"2026-10-19T21:58:00Z","IN","VALID","DAY","adjustment",true]'
    assert_equal "$(jq -r '.aggregate_id == .payload.time_log_id' <<<"$output")" true
}

@test "the journal names the timekeeper given with --as" {
    roster
    printf '%s\n' '{"user_id":"ana.timekeeper","name":"Ana Timekeeper","roles":"timekeeper"}' |
        armms-import -q -t acme user
    armms-timelog adjust add -t acme --as ana.timekeeper --guard G1 --ts 2026-10-20T05:58:00+08:00 \
        --type IN --reason "biometric reader down" >/dev/null

    assert_equal "$(armms-journal -t acme cat --type TimeLogAdjusted | jq -r .actor)" ana.timekeeper
    assert_equal "$(q acme tk 'select actor from time_log_adjustment')" ana.timekeeper
}

@test "the tenant may be named before the adjust verb, as with every other tool" {
    roster
    run --separate-stderr armms-timelog -t acme adjust add --guard G1 --ts 2026-10-20T05:58:00+08:00 \
        --type IN --reason "biometric reader down"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.source, .status, .shift_date] | @tsv' <<<"$output")" \
        "$(printf 'adjustment\tVALID\t2026-10-20')"
    assert_equal "$(q acme tk 'select action, reason from time_log_adjustment')" "add|biometric reader down"
}

@test "a voided punch is INVALID with VOIDED and the next IN takes its place" {
    roster
    {
        # a supervisor's test tap at 05:55, then the guard's real IN at 07:30
        tk_punch X G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch I G1 2026-10-20T07:30:00+08:00 IN DET1
        tk_punch O G1 2026-10-20T18:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(log I | jq -r .status)" DUPLICATE
    local tap
    tap=$(log_id X)

    run --separate-stderr bash -c "set -o pipefail
        armms-timelog adjust void $tap -t acme --reason 'test tap by the supervisor' |
        tee \"\$BATS_TEST_TMPDIR/adj.ndjson\" | armms-dtr -q -t acme"
    assert_equal "$status" 0
    assert_equal "$(jq -c --arg id "$tap" 'select(.time_log_id == $id) | [.source, .status, .anomalies, .needs_review, (.adjustment_id | length)]' \
        "$BATS_TEST_TMPDIR/adj.ndjson")" '["device","INVALID",["VOIDED"],false,26]'
    assert_equal "$(jq -c --arg id "$(log_id I)" 'select(.time_log_id == $id) | [.status, .anomalies]' \
        "$BATS_TEST_TMPDIR/adj.ndjson")" '["VALID",[]]'
    # IN 07:30: late 90 (07:30 - 06:00); worked 07:30-18:00 = 630 = 480 regular + 150 ot
    assert_equal "$(jq -c '[.status, .time_in, .minutes.late, .minutes.worked, .minutes.regular, .minutes.ot]' <<<"$output")" \
        '["COMPLETE","2026-10-20T07:30:00+08:00",90,630,480,150]'
    assert_equal "$(q acme tk "select status, anomalies from time_log where time_log_id = '$tap'")" "INVALID|VOIDED"
    assert_equal "$(q acme tk "select action, target_id, reason from time_log_adjustment")" \
        "void|$tap|test tap by the supervisor"
    # the journal keeps the time log before and after
    assert_equal "$(adjusted | jq -c '.payload | [.action, .time_log_id, .before.status, .before.anomalies, .after.status, .after.anomalies]')" \
        "[\"void\",\"$tap\",\"VALID\",[],\"INVALID\",[\"VOIDED\"]]"
}

@test "a punch moved to the shift it belongs to is placed there and the DTR follows" {
    roster
    {
        # G3 came in at 15:30 for the 18:00 NIGHT shift: 2.5 h early, outside the 2 h window
        tk_punch I G3 2026-10-20T15:30:00+08:00 IN DET1
        tk_punch O G3 2026-10-21T06:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(log I | jq -c '[.status, .anomalies, .shift_id]')" '["INVALID",["OFF_SHIFT"],null]'
    assert_equal "$(log O | jq -c '[.status, .anomalies]')" '["VALID",["OUT_WITHOUT_IN"]]'
    local in_id
    in_id=$(log_id I)

    run --separate-stderr bash -c "set -o pipefail
        armms-timelog adjust move $in_id -t acme --shift NIGHT --date 2026-10-20 --reason 'came early for a turnover' |
        tee \"\$BATS_TEST_TMPDIR/adj.ndjson\" | armms-dtr -q -t acme"
    assert_equal "$status" 0
    assert_equal "$(jq -c --arg id "$in_id" 'select(.time_log_id == $id) | [.status, .anomalies, .needs_review, .detachment_id, .shift_id, .shift_date]' \
        "$BATS_TEST_TMPDIR/adj.ndjson")" '["VALID",[],false,"DET1","NIGHT","2026-10-20"]'
    assert_equal "$(jq -c --arg id "$(log_id O)" 'select(.time_log_id == $id) | [.status, .anomalies, .needs_review]' \
        "$BATS_TEST_TMPDIR/adj.ndjson")" '["VALID",[],false]'
    # credited from 18:00 (no credit before start): 720 worked, 480 regular (18-02),
    # 240 ot (02-06), nd 240 (22-02), nd_ot 240 (02-06)
    assert_equal "$(jq -c 'select(.date == "2026-10-20") | [.status, .minutes.worked, .minutes.regular, .minutes.ot, .minutes.nd, .minutes.nd_ot]' <<<"$output")" \
        '["COMPLETE",720,480,240,240,240]'
    assert_equal "$(q acme tk "select shift_id, shift_date, status, open from time_log where time_log_id = '$in_id'")" \
        "NIGHT|2026-10-20|VALID|0"
    assert_equal "$(adjusted | jq -c '.payload | [.action, .before.shift_id, .before.anomalies, .after.shift_id, .after.shift_date, .after.status]')" \
        '["move",null,["OFF_SHIFT"],"NIGHT","2026-10-20","VALID"]'
}

@test "a timekeeper may place an added punch on a shift instance outside its window" {
    roster
    # the guard reported at 11:00, an hour past DAY's IN window (04:00-10:00)
    run --separate-stderr armms-timelog adjust add -t acme --guard G1 --ts 2026-10-20T11:00:00+08:00 \
        --type IN --shift DAY --date 2026-10-20 --reason "reported late after a hospital visit"
    assert_equal "$status" 0
    assert_equal "$(jq -c '[.source, .status, .anomalies, .detachment_id, .shift_id, .shift_date]' <<<"$output")" \
        '["adjustment","VALID",[],"DET1","DAY","2026-10-20"]'
    assert_equal "$(q acme tk 'select action, shift_id, shift_date, detachment_id from time_log_adjustment')" \
        "add|DAY|2026-10-20|DET1"
}

@test "the latest adjustment of a time log wins: a void undone by a move" {
    roster
    {
        tk_punch I G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch O G1 2026-10-20T18:00:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local in_id
    in_id=$(log_id I)
    armms-timelog adjust void "$in_id" -t acme --reason "thought it was a test tap" >/dev/null
    assert_equal "$(q acme tk "select status, anomalies from time_log where time_log_id = '$in_id'")" "INVALID|VOIDED"

    armms-timelog adjust move "$in_id" -t acme --shift DAY --date 2026-10-20 --reason "it was the guard's real IN" |
        armms-dtr -q -t acme >"$BATS_TEST_TMPDIR/dtr2.ndjson"
    assert_equal "$(q acme tk "select status, anomalies, shift_date from time_log where time_log_id = '$in_id'")" "VALID||2026-10-20"
    # IN 05:55 to OUT 18:00 again: 720 = 480 + 240
    assert_equal "$(jq -c '[.status, .minutes.worked]' "$BATS_TEST_TMPDIR/dtr2.ndjson")" '["COMPLETE",720]'
    assert_equal "$(q acme tk 'select action from time_log_adjustment order by adjustment_id' | paste -sd,)" "void,move"
}

@test "a punch cannot be moved to a shift more than a day away, and nothing is recorded" {
    roster
    tk_punch I G1 2026-10-20T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before journal
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)

    run --separate-stderr armms-timelog adjust move "$(log_id I)" -t acme --shift DAY --date 2026-10-22 --reason "wrong day"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_regex "$stderr" '^armms-timelog: .*more than a day'
    run --separate-stderr armms-timelog adjust void 01ZZZZZZZZZZZZZZZZZZZZZZZZ -t acme --reason "no such punch"
    assert_equal "$status" 65
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"
}

@test "an adjustment without a reason is a usage error and records nothing" {
    roster
    tk_punch I G1 2026-10-20T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before journal
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)

    run --separate-stderr armms-timelog adjust add -t acme --guard G1 --ts 2026-10-20T18:00:00+08:00 --type OUT
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_regex "$stderr" '^armms-timelog: .*--reason'
    run --separate-stderr armms-timelog adjust void "$(log_id I)" -t acme
    assert_equal "$status" 64
    run --separate-stderr armms-timelog adjust void "$(log_id I)" -t acme --reason ''
    assert_equal "$status" 64

    assert_equal "$(q acme tk 'select count(*) from time_log_adjustment')" 0
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"
}

# --- bad input and reruns ------------------------------------------------

@test "a ClockEvent that armms-ingest never recorded is rejected NOT_RECORDED while good ones land" {
    roster
    tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1 | armms-ingest -q -t acme >"$BATS_TEST_TMPDIR/ce.ndjson"
    {
        jq -c 'del(.clock_event_id)' "$BATS_TEST_TMPDIR/ce.ndjson"
        jq -c '.clock_event_id = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"' "$BATS_TEST_TMPDIR/ce.ndjson"
        cat "$BATS_TEST_TMPDIR/ce.ndjson"
    } >"$BATS_TEST_TMPDIR/mixed"

    run --separate-stderr armms-timelog -t acme "$BATS_TEST_TMPDIR/mixed"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.kind, .code, .line, .source] | @tsv')" \
        "$(printf 'Reject\tNOT_RECORDED\t1\t%s\nReject\tNOT_RECORDED\t2\t%s' "$BATS_TEST_TMPDIR/mixed" "$BATS_TEST_TMPDIR/mixed")"
    assert_equal "$(tk_rejects | jq -r .input | head -n1)" "$(head -n1 "$BATS_TEST_TMPDIR/mixed")"
    assert_equal "$(jq -r '[.time_log_id, .status] | @tsv' <<<"$output")" \
        "$(printf '%s\tVALID' "$(jq -r .clock_event_id "$BATS_TEST_TMPDIR/ce.ndjson")")"
    assert_equal "$(q acme tk 'select count(*) from time_log')" 1
}

@test "DTR records fed to armms-timelog are rejected as BAD_KIND" {
    roster
    tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before
    before=$(tk_dump acme)

    run --separate-stderr armms-timelog -t acme "$BATS_TEST_TMPDIR/dtr.ndjson"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_KIND\t1')"
    assert_regex "$(tk_rejects | jq -r .message)" 'ClockEvent'
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a malformed line is rejected and the events around it still land" {
    roster
    {
        tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch B G1 2026-10-20T18:00:00+08:00 OUT DET1
    } | armms-ingest -q -t acme >"$BATS_TEST_TMPDIR/ce.ndjson"
    {
        head -n1 "$BATS_TEST_TMPDIR/ce.ndjson"
        echo '{"kind":"ClockEvent","v":1,'
        tail -n1 "$BATS_TEST_TMPDIR/ce.ndjson"
    } >"$BATS_TEST_TMPDIR/mixed"

    run --separate-stderr armms-timelog -t acme <"$BATS_TEST_TMPDIR/mixed"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.kind, .line, .input] | @tsv')" \
        "$(printf 'Reject\t2\t{"kind":"ClockEvent","v":1,')"
    assert_equal "$(tk_rejects | jq -r '.code | length > 0')" true
    assert_equal "$(jq -r .type <<<"$output" | paste -sd,)" "IN,OUT"
    assert_equal "$(q acme tk "select count(*) from time_log where status = 'VALID'")" 2
}

@test "--guard without a period or dates is a usage error" {
    roster
    run --separate-stderr armms-timelog -t acme --guard G1
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_regex "$stderr" '^armms-timelog: --guard needs'
    run --separate-stderr armms-timelog -t acme --period 2026-10-C
    assert_equal "$status" 64
    assert_equal "$(q acme tk 'select count(*) from time_log')" 0
}

@test "the same clock events run again change no time log and journal nothing" {
    roster
    {
        tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET1
        tk_punch B G1 2026-10-20T05:55:03+08:00 IN DET1
        tk_punch C G1 2026-10-20T18:00:00+08:00 OUT DET1
        tk_punch D G2 2026-10-20T05:55:00+08:00 IN DET2
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before journal first
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)
    first=$(cat "$BATS_TEST_TMPDIR/tl.ndjson")

    run --separate-stderr armms-timelog -t acme "$BATS_TEST_TMPDIR/ce.ndjson"
    assert_equal "$status" 0
    # the same records again (stream mode writes what it recomputed) ...
    assert_equal "$output" "$first"
    assert_equal "$stderr" "armms-timelog: 4 read, 0 rejected, 4 time logs recomputed, 0 changed"
    # ... and nothing changed in the store or the journal
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"

    # select mode over the half-month agrees with stream mode
    run --separate-stderr armms-timelog -t acme --period 2026-10-B --reprocess
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(tk_dump acme)" "$before"
}

@test "an added punch may name its type in lower case, as devices do" {
    roster
    run --separate-stderr armms-timelog adjust add -t acme --guard G1 --ts 2026-10-20T05:58:00+08:00 \
        --type in --reason "reader down at the gate"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.type, .status, .shift_id] | @tsv' <<<"$output")" "$(printf 'IN\tVALID\tDAY')"
    assert_equal "$(q acme tk 'select type from time_log_adjustment')" IN
}

@test "an unknown adjust action is 64 before any tenant or user is looked at" {
    local try="Try 'armms-timelog --help' for more information."
    run --separate-stderr armms-timelog adjust frob --reason x
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-timelog: unknown adjust action 'frob'" "$try")"
    run --separate-stderr armms-timelog -t nosuch adjust frob --reason x
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-timelog: unknown adjust action 'frob'" "$try")"
    armms-init -q -t acme
    run --separate-stderr armms-timelog -t acme --as nobody adjust frob --reason x
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-timelog: unknown adjust action 'frob'"
    run --separate-stderr armms-timelog -t acme --as nobody adjust --reason x
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-timelog: missing adjust action (add, void or move)"
    run --separate-stderr armms-timelog -t acme --as nobody adjust move --reason x
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-timelog: move needs a TIME_LOG_ID"
    run --separate-stderr armms-timelog --help
    assert_success
    assert_line --regexp '^       armms-timelog adjust add '
    assert_line --regexp '^       armms-timelog adjust void TIME_LOG_ID '
    assert_line --regexp '^       armms-timelog adjust move TIME_LOG_ID '
}

@test "a store from before clock_event_guard is migrated with its clock events filed by guard, and they are matched as before" {
    roster
    {
        tk_punch A G1 2026-10-20T05:52:13+08:00 IN DET1
        tk_punch B G3 2026-10-20T17:56:00+08:00 IN DET1
    } | armms-ingest -q -t acme >/dev/null
    # tk.db as an ARMMS of schema 11 left it: guards' events were an index
    sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" "DROP TABLE clock_event_guard;
        CREATE INDEX clock_event_guard_ts ON clock_event(guard_id, ts); PRAGMA user_version = 11"
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_failure 78
    armms-init -q -t acme
    assert_equal "$(q acme tk "select count(*) from sqlite_master where name = 'clock_event_guard_ts'")" 0
    assert_equal "$(q acme tk 'select g.guard_id, g.ts from clock_event_guard g join clock_event c on c.rowid = g.ce
        where c.guard_id = g.guard_id and c.ts = g.ts order by 1')" \
        "$(printf '%s\n' 'G1|2026-10-19T21:52:13Z' 'G3|2026-10-20T09:56:00Z')"
    # an event ingested after the migration is filed too, in the same batch
    tk_punch C G1 2026-10-20T18:02:00+08:00 OUT DET1 | armms-ingest -q -t acme >/dev/null
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_success
    assert_equal "$(jq -r '[.guard_id, .type, .shift_id, .status] | @tsv' <<<"$output" | sort)" \
        "$(printf '%s\n' 'G1	IN	DAY	VALID' 'G1	OUT	DAY	VALID' 'G3	IN	NIGHT	VALID')"
}

@test "a store from before its status checks were written without IN lists keeps its rows and rowids, and refuses what it refused" {
    roster
    {
        tk_punch A G1 2026-10-20T05:52:13+08:00 IN DET1
        tk_punch B G1 2026-10-20T18:01:00+08:00 OUT DET1
        tk_punch C G3 2026-10-20T17:56:00+08:00 IN DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    # a late OUT through armms-timelog alone leaves a stale mark for armms-dtr
    tk_punch D G3 2026-10-21T06:03:00+08:00 OUT DET1 | armms-ingest -q -t acme | armms-timelog -q -t acme >/dev/null
    [ "$(q acme tk 'select count(*) from stale')" -gt 0 ]
    [ "$(q acme tk 'select count(*) from timesheet')" -gt 0 ]
    before=$(tk_dump acme; q acme tk 'select rowid, * from stale; select rowid, timesheet_id, version from timesheet')
    # tk.db as an ARMMS of schema 13 left it: the same tables, checked by IN lists
    tk_schema13 acme
    assert_equal "$(q acme tk "select count(*) from sqlite_schema where sql like '%IN (''VALID''%'
        or sql like '%IN (''COMPLETE''%' or sql like '%IN (''DRAFT''%' or sql like '%IN (''timelog''%'")" 4
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_failure 78
    armms-init -q -t acme
    assert_equal "$(q acme tk "select count(*) from sqlite_schema where sql like '%IN (''VALID''%'
        or sql like '%IN (''COMPLETE''%' or sql like '%IN (''DRAFT''%' or sql like '%IN (''timelog''%'")" 0
    assert_equal "$(tk_dump acme; q acme tk 'select rowid, * from stale; select rowid, timesheet_id, version from timesheet')" "$before"
    assert_equal "$(q acme tk "select name from sqlite_schema where type = 'index' and tbl_name in
        ('time_log', 'dtr', 'timesheet', 'stale') order by 1" | tr '\n' ' ')" \
        "sqlite_autoindex_timesheet_1 stale_guard time_log_open timesheet_guard timesheet_period "
    # each status the tables refused is refused still, and no write builds a table of them
    local bad=(
        "insert into time_log(guard_id, ts, time_log_id, source, type, work_date, status, anomalies, open)
         values ('G1', '2026-10-01T00:00:00Z', 'X', 'device', 'IN', '2026-10-01', 'LATE', '', 0)"
        "insert into dtr(guard_id, date, shift_id, detachment_id, day_type, status, anomalies, worked,
         regular, ot, nd, nd_ot, late, undertime, buckets)
         values ('G1', '2026-10-01', 'DAY', 'DET1', 'REGULAR', 'PRESENT', '', 0, 0, 0, 0, 0, 0, 0, '{}')"
        "insert into timesheet(timesheet_id, version, guard_id, detachment_id, shift_id, period_id, status,
         record, minutes) values ('X', 1, 'G1', 'DET1', 'DAY', '2026-10-B', 'SEALED', '{}', '{}')"
        "insert into stale(stage, guard_id, date_from, date_to, reason, marked_at)
         values ('pay', 'G1', '2026-10-01', '2026-10-01', 'x', '2026-10-01T00:00:00Z')"
    )
    local sql
    for sql in "${bad[@]}"; do
        run sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" "$sql"
        assert_failure
        assert_output --partial 'CHECK constraint failed'
        run sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" "explain $sql"
        refute_output --partial OpenEphemeral
    done
    # and the chain goes on from the migrated rows as before
    armms-dtr -q -t acme </dev/null | armms-timesheet -q -t acme >/dev/null
    assert_equal "$(q acme tk 'select count(*) from stale')" 0
    assert_equal "$(q acme tk "select status, time_in, time_out from dtr where guard_id = 'G3'")" \
        'COMPLETE|2026-10-20T09:56:00Z|2026-10-20T22:03:00Z'
}

# Two punches a day from 20 to 25 October at DET1: G1's IN at 05:55 (ids
# I20..) and, ids O20.., the second guard's punch at the time and of the
# type given: six_days GUARD HH:MM TYPE.
six_days() {
    local i
    for i in 20 21 22 23 24 25; do
        tk_punch "I$i" G1 "2026-10-${i}T05:55:00+08:00" IN DET1
        tk_punch "O$i" "$1" "2026-10-${i}T$2:00+08:00" "$3" DET1
    done
}

@test "a run killed after some batches leaves its clock events unfiled; armms-timelog files them first and matches them as a whole run's" {
    roster
    local p=$BATS_TEST_TMPDIR/p
    six_days G1 18:02 OUT >"$p"
    cp -a "$ARMMS_HOME" "$BATS_TEST_TMPDIR/home0"
    # batches of 4, killed after the second commit: 8 punches in, none filed
    run --separate-stderr env ARMMS_TEST_CRASH_AFTER_COMMIT=2 armms-ingest -q -t acme --batch 4 "$p"
    assert_failure
    assert_equal "$(q acme tk 'select count(*) from clock_event')" 8
    assert_equal "$(q acme tk 'select count(*) from clock_event_guard')" 0
    assert_equal "$(q acme tk 'select upto < (select max(rowid) from clock_event) from clock_event_filed')" 1
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_success
    local crashed=$output
    assert_equal "$(q acme tk 'select count(*) from clock_event_guard')" 8
    assert_equal "$(q acme tk 'select upto = (select max(rowid) from clock_event) from clock_event_filed')" 1
    # the same 8 punches ingested whole (filed at the run's end)
    rm -rf "$ARMMS_HOME" && cp -a "$BATS_TEST_TMPDIR/home0" "$ARMMS_HOME"
    head -n 8 "$p" | armms-ingest -q -t acme --batch 4 >/dev/null
    assert_equal "$(q acme tk 'select count(*) from clock_event_guard')" 8
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_success
    local strip='del(.time_log_id, .clock_event_id)'
    assert_equal "$(jq -c "$strip" <<<"$crashed")" "$(jq -c "$strip" <<<"$output")"
    assert_equal "$(jq -r '[.type, .status] | @tsv' <<<"$output" | sort | uniq -c | awk '{print $1, $2, $3}')" \
        "$(printf '%s\n' '4 IN VALID' '4 OUT VALID')"
}

@test "a run of many batches has every clock event filed by guard when it ends" {
    roster
    local p=$BATS_TEST_TMPDIR/p
    six_days G3 17:56 IN >"$p"
    armms-ingest -q -t acme --batch 4 "$p" >/dev/null
    assert_equal "$(q acme tk 'select count(*) from clock_event_guard')" 12
    assert_equal "$(q acme tk 'select upto = (select max(rowid) from clock_event) from clock_event_filed')" 1
    # in guard order, each under its own guard and time
    assert_equal "$(q acme tk 'select count(*) from clock_event_guard g join clock_event c on c.rowid = g.ce
        where c.guard_id = g.guard_id and c.ts = g.ts')" 12
    run --separate-stderr armms-timelog -q -t acme --period 2026-10-B
    assert_success
    assert_equal "$(wc -l <<<"$output")" 12
}
