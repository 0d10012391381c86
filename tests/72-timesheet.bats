load test_helper
bats_require_minimum_version 1.5.0

# armms-timesheet: one timesheet per guard x detachment x shift x pay period,
# the sum of its DTRs by day type; --validate lists what blocks
# finalization, --finalize seals drafts (FINALIZED, checksummed, journaled
# as TimesheetFinalized), and a change under a sealed version writes the
# next one as ADJUSTED (journaled as TimesheetAdjusted).
#
# Roster (small_tenant): DAY 06:00-18:00 and NIGHT 18:00-06:00, no break.
# Period 2026-10-B is 16-31 October 2026.

P=2026-10-B

# G1 on DAY and G3 on NIGHT at DET1, from 16 October 2026.
roster() {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
}

# Punch pairs: day GUARD DATE IN_TIME [OUT_TIME [DETACHMENT]] (local times; an
# OUT earlier than the IN is on the next date). Appends to $BATS_TEST_TMPDIR/in.
day() {
    local g=$1 d=$2 tin=$3 tout=${4:-} det=${5:-DET1} dout=$2
    tk_punch "$g-$d-in" "$g" "${d}T${tin}+08:00" IN "$det" >>"$BATS_TEST_TMPDIR/in"
    if [ -n "$tout" ]; then
        [[ "$tout" < "$tin" ]] && dout=$(date -d "$d + 1 day" +%F)
        tk_punch "$g-$d-out" "$g" "${dout}T${tout}+08:00" OUT "$det" >>"$BATS_TEST_TMPDIR/in"
    fi
}

# Run the chain over the punches gathered so far, then start a new batch.
chain() {
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
}

# "sha256:" + SHA-256 of the record without its checksum, as `jq -cS` prints
# it, without the trailing newline.
expected_checksum() {
    printf 'sha256:%s' "$(printf '%s' "$(jq -cS 'del(.checksum)' <<<"$1")" | sha256sum | cut -d' ' -f1)"
}

finalized_events() { journal_lines acme | jq -c 'select(.event_type == "TimesheetFinalized")'; }

# A blocked G1 (20 Oct: IN only) and a clean G3 (a full night on 20 Oct).
one_blocked_one_clean() {
    roster
    day G1 2026-10-20 05:55:00
    day G3 2026-10-20 17:55:00 06:00:00
    chain
}

# --- drafts --------------------------------------------------------------

@test "a guard's DTRs of the half-month add up in one draft timesheet" {
    roster
    day G3 2026-10-20 17:55:00 06:01:00
    day G3 2026-10-21 18:20:00 06:00:00
    chain

    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/ts.ndjson")" 1
    run cat "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "$(jq -c '[.kind, .v, .timesheet_id, .guard_id, .detachment_id, .shift_id, .position_id, .period, .version, .status, .checksum]' <<<"$output")" \
        '["Timesheet",1,"2026-10-B/G3/DET1/NIGHT","G3","DET1","NIGHT","GUARD",{"id":"2026-10-B","from":"2026-10-16","to":"2026-10-31"},1,"DRAFT",null]'
    # 20 Oct: 720 worked = 480 + 240 ot; nd 240 (22-02), nd_ot 240 (02-06)
    # 21 Oct, in at 18:20 (late 20): 700 worked = 480 (18:20-02:20) + 220 ot (02:20-06:00);
    #        nd 260 (22:00-02:20), nd_ot 220 (02:20-06:00)
    # sum: regular 960, ot 460, nd 500, nd_ot 460, worked 1420, late 20
    assert_equal "$(jq -c .minutes.ordinary <<<"$output")" '{"regular":960,"ot":460,"nd":500,"nd_ot":460}'
    assert_equal "$(jq -c .totals <<<"$output")" \
        '{"worked":1420,"regular":960,"ot":460,"nd":500,"nd_ot":460,"late":20,"undertime":0}'
    assert_equal "$(jq -c '[.days_worked, .days_absent, .days_incomplete]' <<<"$output")" '[2,0,0]'
    # every other day type is there, at zero
    assert_equal "$(jq -c '[.minutes | to_entries[] | select(.key != "ordinary") | .value[]] | add' <<<"$output")" 0
    assert_equal "$(jq -r '.minutes | keys | length' <<<"$output")" 8
    assert_equal "$(q acme tk 'select timesheet_id, version, guard_id, detachment_id, shift_id, period_id, status, checksum is null from timesheet')" \
        "2026-10-B/G3/DET1/NIGHT|1|G3|DET1|NIGHT|2026-10-B|DRAFT|1"
}

@test "a draft follows its DTRs: a later night recomputes it in place" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    chain
    assert_equal "$(jq -r .totals.worked "$BATS_TEST_TMPDIR/ts.ndjson")" 720
    day G3 2026-10-22 17:55:00 06:00:00
    chain

    # 720 + 720 = 1440, still version 1, still a draft
    assert_equal "$(jq -c '[.version, .status, .days_worked, .totals.worked, .totals.nd, .totals.nd_ot]' "$BATS_TEST_TMPDIR/ts.ndjson")" \
        '[1,"DRAFT",2,1440,480,480]'
    assert_equal "$(q acme tk 'select version, status from timesheet')" "1|DRAFT"
}

@test "a guard moved to another detachment mid-period gets one timesheet per detachment" {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,2026-10-20,regular,' 'G1,DET2,DAY,2026-10-21,,regular,'
    day G1 2026-10-20 05:55:00 18:02:00 DET1
    day G1 2026-10-21 06:20:00 18:00:00 DET2
    chain

    # DET1, 20 Oct: 720 = 480 + 240; DET2, 21 Oct from 06:20: 700 = 480 + 220, late 20
    assert_equal "$(jq -r '[.timesheet_id, .detachment_id, .days_worked, .totals.worked, .totals.regular, .totals.ot, .totals.late] | @tsv' \
        "$BATS_TEST_TMPDIR/ts.ndjson" | sort)" \
        "$(printf '2026-10-B/G1/DET1/DAY\tDET1\t1\t720\t480\t240\t0\n2026-10-B/G1/DET2/DAY\tDET2\t1\t700\t480\t220\t20')"
    assert_equal "$(q acme tk "select detachment_id, status from timesheet where guard_id = 'G1' order by 1")" \
        "$(printf 'DET1|DRAFT\nDET2|DRAFT')"
}

@test "the 31 October night shift stays in the October B timesheet, holiday minutes and all" {
    small_tenant acme
    # All Saints' Day, Sunday 1 November 2026: special non-working
    tk_holiday acme '2026-11-01,All Saints Day,special'
    tk_assign acme 'G3,DET1,NIGHT,2026-10-16,2026-10-31,regular,'
    day G3 2026-10-31 17:55:00 06:00:00
    chain

    run cat "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "$(jq -c '[.timesheet_id, .period]' <<<"$output")" \
        '["2026-10-B/G3/DET1/NIGHT",{"id":"2026-10-B","from":"2026-10-16","to":"2026-10-31"}]'
    # 31 Oct 18:00-24:00: 360 regular, nd 120 (22-24)
    assert_equal "$(jq -c .minutes.ordinary <<<"$output")" '{"regular":360,"ot":0,"nd":120,"nd_ot":0}'
    # 1 Nov 00:00-02:00: 120 regular (nd); 02:00-06:00: 240 ot (nd_ot)
    assert_equal "$(jq -c .minutes.special <<<"$output")" '{"regular":120,"ot":240,"nd":120,"nd_ot":240}'
    assert_equal "$(q acme tk 'select period_id from timesheet')" 2026-10-B
    # November's first half has nothing of it
    run --separate-stderr armms-timesheet -t acme --period 2026-11-A
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(q acme tk "select count(*) from timesheet where period_id = '2026-11-A'")" 0
}

@test "the half-month in select mode counts the scheduled nights not worked as absent" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    day G3 2026-10-21 17:55:00 06:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >/dev/null

    armms-timelog -q -t acme --period $P >"$BATS_TEST_TMPDIR/tl.ndjson"
    armms-dtr -q -t acme --period $P >"$BATS_TEST_TMPDIR/dtr.ndjson"
    run --separate-stderr armms-timesheet -t acme --period $P
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 2
    # G1 has no punch: all of 16-31 Oct absent except Sundays 18 and 25: 16 - 2 = 14
    assert_equal "$(jq -c 'select(.guard_id == "G1") | [.timesheet_id, .days_worked, .days_absent, .totals.worked]' <<<"$output")" \
        '["2026-10-B/G1/DET1/DAY",0,14,0]'
    # G3 rests on Mondays (19 and 26 Oct): 14 scheduled nights, 2 worked, 12 absent;
    # 2 x (720 worked = 480 + 240 ot, nd 240, nd_ot 240)
    assert_equal "$(jq -c 'select(.guard_id == "G3") | [.timesheet_id, .days_worked, .days_absent, .days_incomplete, .totals.worked, .totals.regular, .totals.ot, .totals.nd, .totals.nd_ot]' <<<"$output")" \
        '["2026-10-B/G3/DET1/NIGHT",2,12,0,1440,960,480,480,480]'
    assert_equal "$(q acme tk "select guard_id, status, count(*) from dtr group by 1, 2 order by 1, 2")" \
        "$(printf 'G1|ABSENT|14\nG3|ABSENT|12\nG3|COMPLETE|2')"
    assert_equal "$(q acme tk 'select count(*) from timesheet')" 2
}

@test "a select-mode timesheet run in a pipe waits for its upstream and writes each timesheet once" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >/dev/null

    # an upstream that takes its time (as a long period does) before it ends
    run --separate-stderr bash -c 'set -o pipefail
        armms-timelog -q -t acme --period 2026-10-B | armms-dtr -q -t acme --period 2026-10-B |
            { cat; sleep 0.5; } | armms-timesheet -q -t acme --period 2026-10-B'
    assert_equal "$status" 0
    assert_equal "$(jq -r .timesheet_id <<<"$output" | sort)" \
        "$(printf '2026-10-B/G1/DET1/DAY\n2026-10-B/G3/DET1/NIGHT')"
    # G3: 14 scheduled nights (Mondays 19 and 26 off), 1 worked, 13 absent
    assert_equal "$(jq -c 'select(.guard_id == "G3") | [.days_worked, .days_absent, .totals.worked]' <<<"$output")" '[1,13,720]'
}

@test "a reliever's day goes on the reliever's timesheet and the guard relieved is counted absent" {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    tk_assign acme 'G2,DET1,DAY,2026-10-20,2026-10-20,reliever,G1'
    day G2 2026-10-20 05:55:00 18:02:00
    chain
    assert_equal "$(jq -c '[.timesheet_id, .days_worked, .totals.worked]' "$BATS_TEST_TMPDIR/ts.ndjson")" \
        '["2026-10-B/G2/DET1/DAY",1,720]'

    run --separate-stderr bash -c 'set -o pipefail
        armms-dtr -q -t acme --period 2026-10-B | armms-timesheet -q -t acme'
    assert_equal "$status" 0
    # G1: 16 days less Sundays 18 and 25 = 14 scheduled, none worked
    assert_equal "$(jq -c 'select(.guard_id == "G1") | [.timesheet_id, .days_worked, .days_absent, .totals.worked]' <<<"$output")" \
        '["2026-10-B/G1/DET1/DAY",0,14,0]'
    assert_equal "$(q acme tk "select timesheet_id, status from timesheet order by 1")" \
        "$(printf '2026-10-B/G1/DET1/DAY|DRAFT\n2026-10-B/G2/DET1/DAY|DRAFT')"
}

# --- validation ----------------------------------------------------------

@test "--validate lists an INCOMPLETE DTR and the punches that need review as Blockers and exits 65" {
    roster
    day G1 2026-10-20 05:55:00                 # no OUT
    day G1 2026-10-21 05:55:00 18:00:00 DET2   # both at the wrong detachment
    day G2 2026-10-20 05:55:00 "" DET2         # G2 has no assignment
    day G3 2026-10-20 17:55:00 06:00:00        # clean
    chain
    local before
    before=$(tk_dump acme)

    run --separate-stderr armms-timesheet -t acme --validate --period $P
    assert_equal "$status" 65
    assert_equal "$(jq -r '.kind' <<<"$output" | sort -u)" Blocker
    assert_equal "$(jq -r '[.timesheet_id // "-", .guard_id, .period, .code, .date, (.anomalies | join(","))] | @tsv' <<<"$output")" \
        "$(printf '%s\n' \
            "2026-10-B/G1/DET1/DAY	G1	2026-10-B	INCOMPLETE_DTR	2026-10-20	MISSING_OUT" \
            "2026-10-B/G1/DET1/DAY	G1	2026-10-B	NEEDS_REVIEW	2026-10-21	WRONG_DETACHMENT" \
            "2026-10-B/G1/DET1/DAY	G1	2026-10-B	NEEDS_REVIEW	2026-10-21	WRONG_DETACHMENT" \
            "-	G2	2026-10-B	NEEDS_REVIEW	2026-10-20	NO_ASSIGNMENT")"
    # the review blockers name the time logs to fix
    assert_equal "$(jq -r 'select(.code == "NEEDS_REVIEW") | .time_log_id' <<<"$output" | sort)" \
        "$(q acme tk 'select time_log_id from time_log where open = 1 order by 1')"
    assert_equal "$stderr" "armms-timesheet: 2026-10-B: 4 blockers on 1 timesheets"
    # validating changes nothing
    assert_equal "$(tk_dump acme)" "$before"
}

@test "--validate of a clean period prints nothing and exits 0" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    day G3 2026-10-20 17:55:00 06:00:00
    chain

    run --separate-stderr armms-timesheet -t acme --validate --period $P
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timesheet: 2026-10-B: 0 blockers on 0 timesheets"
    assert_equal "$(q acme tk "select count(*) from timesheet where status = 'DRAFT'")" 2
}

# --- finalization --------------------------------------------------------

@test "--finalize refuses a blocked timesheet with a BLOCKED Reject and seals the others" {
    one_blocked_one_clean

    run --separate-stderr armms-timesheet -t acme --finalize --period $P
    assert_equal "$status" 65
    assert_equal "$(jq -c '[.kind, .timesheet_id, .status, .version, .finalized_by]' <<<"$output")" \
        '["TimesheetFinalized","2026-10-B/G3/DET1/NIGHT","FINALIZED",1,"tester"]'
    assert_equal "$(tk_rejects | jq -r '[.kind, .code, .input] | @tsv')" \
        "$(printf 'Reject\tBLOCKED\t2026-10-B/G1/DET1/DAY')"
    assert_regex "$(tk_rejects | jq -r .message)" 'INCOMPLETE_DTR 2026-10-20'
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-timesheet: 2026-10-B: 1 finalized, 1 blocked (1 blockers)"
    assert_equal "$(q acme tk 'select guard_id, version, status from timesheet order by guard_id')" \
        "$(printf 'G1|1|DRAFT\nG3|1|FINALIZED')"
    assert_equal "$(finalized_events | jq -r .aggregate_id)" "2026-10-B/G3/DET1/NIGHT"
}

@test "a punch at the wrong detachment blocks finalization until the timekeeper places it" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    # on the 21st the DET1 reader was down: IN at DET2's device, OUT back at DET1
    tk_punch W G1 2026-10-21T05:50:00+08:00 IN DET2 >>"$BATS_TEST_TMPDIR/in"
    tk_punch X G1 2026-10-21T18:00:00+08:00 OUT DET1 >>"$BATS_TEST_TMPDIR/in"
    chain
    local w
    w=$(jq -r 'select(.event_id == "W") | .clock_event_id' "$BATS_TEST_TMPDIR/ce.ndjson")
    assert_equal "$(jq -c --arg id "$w" 'select(.time_log_id == $id) | [.status, .anomalies, .needs_review]' "$BATS_TEST_TMPDIR/tl.ndjson")" \
        '["INVALID",["WRONG_DETACHMENT"],true]'

    run --separate-stderr armms-timesheet -t acme --finalize --period $P
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(tk_rejects | jq -r .code)" BLOCKED
    assert_regex "$(tk_rejects | jq -r .message)" 'WRONG_DETACHMENT'
    assert_equal "$(q acme tk 'select status from timesheet')" DRAFT

    armms-timelog adjust move "$w" -t acme --shift DAY --date 2026-10-21 \
        --reason "DET1 reader down; guard punched in at DET2" |
        armms-dtr -q -t acme | armms-timesheet -q -t acme >/dev/null
    run --separate-stderr armms-timesheet -t acme --finalize --period $P
    assert_equal "$status" 0
    # 20 Oct and 21 Oct, each 06:00-18:00: 2 x 720 = 1440 worked
    assert_equal "$(jq -c '[.status, .days_worked, .days_incomplete, .totals.worked]' <<<"$output")" '["FINALIZED",2,0,1440]'
}

@test "--override finalizes a blocked timesheet and records the reason" {
    one_blocked_one_clean

    run --separate-stderr armms-timesheet -t acme --finalize --period $P \
        --override "post commander confirmed the 12-hour duty"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.timesheet_id, .status, .override_reason // "-"] | @tsv' <<<"$output" | sort)" \
        "$(printf '%s\n' "2026-10-B/G1/DET1/DAY	FINALIZED	post commander confirmed the 12-hour duty" \
            "2026-10-B/G3/DET1/NIGHT	FINALIZED	-")"
    # the blocked day is still incomplete: G1 has no worked minutes
    assert_equal "$(jq -c 'select(.guard_id == "G1") | [.days_incomplete, .totals.worked]' <<<"$output")" '[1,0]'
    assert_equal "$(q acme tk "select status from timesheet where guard_id = 'G1'")" FINALIZED
    assert_equal "$(q acme tk "select json_extract(record, '\$.override_reason') from timesheet where guard_id = 'G1'")" \
        "post commander confirmed the 12-hour duty"
    assert_equal "$(finalized_events | jq -r 'select(.aggregate_id == "2026-10-B/G1/DET1/DAY") | .payload.override_reason')" \
        "post commander confirmed the 12-hour duty"
}

@test "a finalized timesheet carries the sha256 of its canonical JSON and goes to the journal as sealed" {
    roster
    day G1 2026-10-20 06:20:00 17:30:00
    day G3 2026-10-20 17:55:00 06:00:00
    chain

    run --separate-stderr armms-timesheet -t acme --finalize --period $P
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 2
    local rec
    for rec in "${lines[@]}"; do
        assert_regex "$(jq -r .checksum <<<"$rec")" '^sha256:[0-9a-f]{64}$'
        assert_equal "$(jq -r .checksum <<<"$rec")" "$(expected_checksum "$rec")"
        # written in canonical form: sorted keys, compact
        assert_equal "$rec" "$(jq -cS . <<<"$rec")"
        assert_equal "$(jq -r '[.kind, .status, .version, .finalized_at, .finalized_by] | @tsv' <<<"$rec")" \
            "$(printf 'TimesheetFinalized\tFINALIZED\t1\t2026-11-25T00:00:00Z\ttester')"
    done
    # G1: 06:20-17:30 = 670 = 480 + 190 ot, late 20, undertime 30
    assert_equal "$(jq -c 'select(.guard_id == "G1") | .totals' <<<"$output")" \
        '{"late":20,"nd":0,"nd_ot":0,"ot":190,"regular":480,"undertime":30,"worked":670}'
    # the store holds exactly what was written, and its checksum
    assert_equal "$(q acme tk "select record from timesheet order by timesheet_id")" "$output"
    assert_equal "$(q acme tk "select checksum from timesheet order by timesheet_id")" "$(jq -r .checksum <<<"$output")"
    # and the journal carries the sealed records as TimesheetFinalized payloads
    run armms-journal -t acme cat --type TimesheetFinalized
    assert_equal "$(jq -c .payload <<<"$output" | sort)" "$(q acme tk 'select record from timesheet' | sort)"
    assert_equal "$(jq -r '[.aggregate_type, .actor] | @tsv' <<<"$output" | sort -u)" "$(printf 'timesheet\ttester')"
}

@test "finalizing the period twice finalizes nothing new" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    chain
    armms-timesheet -q -t acme --finalize --period $P >/dev/null
    local before journal
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)

    run --separate-stderr armms-timesheet -t acme --finalize --period $P
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timesheet: 2026-10-B: 0 finalized, 0 blocked (0 blockers)"
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"
    assert_equal "$(finalized_events | wc -l)" 1
}

@test "--finalize --guard seals only that guard's timesheets" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    day G3 2026-10-20 17:55:00 06:00:00
    chain

    run --separate-stderr armms-timesheet -t acme --finalize --period $P --guard G3
    assert_equal "$status" 0
    assert_equal "$(jq -r .timesheet_id <<<"$output")" "2026-10-B/G3/DET1/NIGHT"
    assert_equal "$(q acme tk 'select guard_id, status from timesheet order by guard_id')" \
        "$(printf 'G1|DRAFT\nG3|FINALIZED')"
}

# --- after finalization --------------------------------------------------

@test "a late night after finalization writes an ADJUSTED version 2 and leaves version 1 as it was" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    chain
    local v1 v1sum
    v1=$(armms-timesheet -q -t acme --finalize --period $P)
    v1sum=$(jq -r .checksum <<<"$v1")
    local v1row
    v1row=$(q acme tk 'select * from timesheet where version = 1')

    # the night of the 22nd reaches the office after the cut-off
    day G3 2026-10-22 17:55:00 06:00:00
    chain

    run cat "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -c '[.kind, .timesheet_id, .version, .status, .adjusts, .adjusted_by]' <<<"$output")" \
        "[\"TimesheetFinalized\",\"2026-10-B/G3/DET1/NIGHT\",2,\"ADJUSTED\",{\"checksum\":\"$v1sum\",\"version\":1},\"tester\"]"
    # one more night: 720 worked = 480 + 240 ot, nd 240, nd_ot 240
    assert_equal "$(jq -c .delta <<<"$output")" \
        '{"days_absent":0,"days_incomplete":0,"days_worked":1,"minutes":{"ordinary":{"nd":240,"nd_ot":240,"ot":240,"regular":480}},"totals":{"late":0,"nd":240,"nd_ot":240,"ot":240,"regular":480,"undertime":0,"worked":720}}'
    # 720 + 720 = 1440 in all
    assert_equal "$(jq -c '[.days_worked, .totals.worked, .minutes.ordinary]' <<<"$output")" \
        '[2,1440,{"nd":480,"nd_ot":480,"ot":480,"regular":960}]'
    assert_equal "$(jq -r .checksum <<<"$output")" "$(expected_checksum "$output")"
    local v2sum
    v2sum=$(jq -r .checksum <<<"$output")

    # version 1 is untouched in the store
    assert_equal "$(q acme tk 'select * from timesheet where version = 1')" "$v1row"
    assert_equal "$(q acme tk 'select record from timesheet where version = 1')" "$v1"
    assert_equal "$(q acme tk 'select version, status from timesheet order by version')" \
        "$(printf '1|FINALIZED\n2|ADJUSTED')"

    # the journal has the change, before and after
    run armms-journal -t acme cat --type TimesheetAdjusted
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -c '[.aggregate_id, .payload.version,
        .payload.before.version, .payload.before.checksum, .payload.before.totals.worked, .payload.before.days_worked,
        .payload.after.version, .payload.after.checksum, .payload.after.totals.worked, .payload.after.days_worked,
        .payload.delta.totals.worked, .payload.delta.days_worked]' <<<"$output")" \
        "[\"2026-10-B/G3/DET1/NIGHT\",2,1,\"$v1sum\",720,1,2,\"$v2sum\",1440,2,720,1]"

    # the same late DTRs again: no version 3
    local before
    before=$(tk_dump acme)
    run --separate-stderr armms-timesheet -t acme "$BATS_TEST_TMPDIR/dtr.ndjson"
    assert_equal "$status" 0
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(q acme tk 'select max(version) from timesheet')" 2
    assert_equal "$(journal_lines acme | jq -r .event_type | grep -cx TimesheetAdjusted)" 1
}

# --- bad input and reruns ------------------------------------------------

@test "TimeLog records fed to armms-timesheet are rejected as BAD_KIND" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    chain
    local before
    before=$(tk_dump acme)

    run --separate-stderr armms-timesheet -t acme "$BATS_TEST_TMPDIR/tl.ndjson"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_KIND\t1\nBAD_KIND\t2')"
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a DTR without a date, or of an unknown guard, is rejected while good ones land" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" | armms-timelog -q -t acme |
        armms-dtr -q -t acme >"$BATS_TEST_TMPDIR/dtr.ndjson"
    {
        jq -c 'del(.date)' "$BATS_TEST_TMPDIR/dtr.ndjson"
        jq -c '.guard_id = "G9"' "$BATS_TEST_TMPDIR/dtr.ndjson"
        echo 'not json'
        cat "$BATS_TEST_TMPDIR/dtr.ndjson"
    } >"$BATS_TEST_TMPDIR/mixed"

    run --separate-stderr armms-timesheet -t acme "$BATS_TEST_TMPDIR/mixed"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv' | head -n2)" "$(printf 'MISSING_FIELD\t1\nUNKNOWN_GUARD\t2')"
    assert_equal "$(tk_rejects | jq -r .line | paste -sd,)" "1,2,3"
    assert_equal "$(jq -c '[.timesheet_id, .totals.worked]' <<<"$output")" '["2026-10-B/G3/DET1/NIGHT",720]'
    assert_equal "$(q acme tk 'select count(*) from timesheet')" 1
}

@test "misused options are usage errors that touch nothing" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    chain
    local before
    before=$(tk_dump acme)

    run --separate-stderr armms-timesheet -t acme --guard G3
    assert_equal "$status" 64
    assert_regex "$stderr" '^armms-timesheet: --guard needs'
    run --separate-stderr armms-timesheet -t acme --validate
    assert_equal "$status" 64
    run --separate-stderr armms-timesheet -t acme --finalize
    assert_equal "$status" 64
    run --separate-stderr armms-timesheet -t acme --period $P --override "no finalize"
    assert_equal "$status" 64
    run --separate-stderr armms-timesheet -t acme --finalize --period $P --override ""
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(q acme tk 'select status from timesheet')" DRAFT
}

@test "the same DTRs run again change no timesheet" {
    roster
    day G1 2026-10-20 05:55:00
    day G3 2026-10-20 17:55:00 06:00:00
    day G3 2026-10-21 17:55:00 06:00:00
    chain
    local before journal first
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)
    first=$(cat "$BATS_TEST_TMPDIR/ts.ndjson")

    run --separate-stderr armms-timesheet -t acme "$BATS_TEST_TMPDIR/dtr.ndjson"
    assert_equal "$status" 0
    assert_equal "$output" "$first"
    assert_equal "$stderr" "armms-timesheet: 3 read, 0 rejected, 2 timesheets recomputed, 0 changed"
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"

    run --separate-stderr armms-timesheet -t acme --period $P --reprocess
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(tk_dump acme)" "$before"
}

# --- per-day lines and holiday facts ---------------------------------------

@test "a finalized day guard's timesheet lists each DTR as a day line with its minutes" {
    roster
    day G1 2026-10-21 05:55:00 18:00:00
    day G1 2026-10-20 06:20:00 17:30:00
    chain

    run --separate-stderr armms-timesheet -t acme --finalize --period $P --guard G1
    assert_equal "$status" 0
    # in date order; 20 Oct: 06:20-17:30 = 670 = 480 + 190 ot, late 20, undertime 30
    assert_equal "$(jq -c '.days[]' <<<"$output")" "$(printf '%s\n' \
        '{"date":"2026-10-20","day_type":"ordinary","minutes":{"ordinary":{"nd":0,"nd_ot":0,"ot":190,"regular":480}},"status":"COMPLETE","totals":{"late":20,"nd":0,"nd_ot":0,"ot":190,"regular":480,"undertime":30,"worked":670}}' \
        '{"date":"2026-10-21","day_type":"ordinary","minutes":{"ordinary":{"nd":0,"nd_ot":0,"ot":240,"regular":480}},"status":"COMPLETE","totals":{"late":0,"nd":0,"nd_ot":0,"ot":240,"regular":480,"undertime":0,"worked":720}}')"
    # no holiday in October's second half
    assert_equal "$(jq -c .unworked_holidays <<<"$output")" '[]'
    # the checksum covers the day lines
    assert_equal "$(jq -r .checksum <<<"$output")" "$(expected_checksum "$output")"
}

@test "the Christmas Eve night shift splits its day line into special and regular-holiday minutes" {
    export ARMMS_NOW=2027-01-05T00:00:00Z
    small_tenant acme
    tk_holiday acme '2026-12-24,Christmas Eve,special' '2026-12-25,Christmas Day,regular'
    tk_assign acme 'G3,DET1,NIGHT,2026-12-16,,regular,'
    day G3 2026-12-24 17:55:00 06:00:00
    chain

    run --separate-stderr armms-timesheet -t acme --finalize --period 2026-12-B
    assert_equal "$status" 0
    # 24 Dec 18:00-24:00: 360 regular, nd 120 (22-24), special;
    # 25 Dec 00:00-02:00: 120 regular (nd), 02:00-06:00: 240 ot (nd_ot), regular holiday
    assert_equal "$(jq -c '.days[]' <<<"$output")" \
        '{"date":"2026-12-24","day_type":"special","minutes":{"regular_holiday":{"nd":120,"nd_ot":240,"ot":240,"regular":120},"special":{"nd":120,"nd_ot":0,"ot":0,"regular":360}},"status":"COMPLETE","totals":{"late":0,"nd":240,"nd_ot":240,"ot":240,"regular":480,"undertime":0,"worked":720}}'
    # the night of the 25th was scheduled and not worked: the holiday's facts,
    # the 24th being its last scheduled workday, worked
    assert_equal "$(jq -c '.unworked_holidays' <<<"$output")" \
        '[{"date":"2026-12-25","day_type":"regular_holiday","last_scheduled":{"date":"2026-12-24","present":true,"status":"COMPLETE"},"scheduled":true,"status":null}]'
}

# New Year's Day 2027, a Friday, opens period 2027-01-A: the guard's last
# scheduled workday before it, Thursday 31 December, is in the period before.
new_year() {
    export ARMMS_NOW=2027-01-20T00:00:00Z
    small_tenant acme
    tk_holiday acme '2026-12-31,Last Day of the Year,special' "2027-01-01,New Year's Day,regular"
    tk_assign acme 'G1,DET1,DAY,2026-12-16,,regular,'
}

@test "an unworked New Year's Day after a worked 31 December carries the facts of an eligible holiday" {
    new_year
    day G1 2026-12-31 05:55:00 18:00:00
    day G1 2027-01-02 05:55:00 18:00:00
    chain

    run --separate-stderr armms-timesheet -t acme --finalize --period 2027-01-A
    assert_equal "$status" 0
    assert_equal "$(jq -c '[.days[] | [.date, .status]]' <<<"$output")" '[["2027-01-02","COMPLETE"]]'
    assert_equal "$(jq -c '.unworked_holidays' <<<"$output")" \
        '[{"date":"2027-01-01","day_type":"regular_holiday","last_scheduled":{"date":"2026-12-31","present":true,"status":"COMPLETE"},"scheduled":true,"status":null}]'
    assert_equal "$(jq -r .checksum <<<"$output")" "$(expected_checksum "$output")"
}

@test "an unworked New Year's Day after an absent 31 December carries the facts of an ineligible holiday" {
    new_year
    day G1 2027-01-02 05:55:00 18:00:00
    chain
    # nothing is known of 31 December yet
    assert_equal "$(q acme tk "select count(*) from dtr where date = '2026-12-31'")" 0

    # December's DTRs, absences and all, reach the January timesheet too
    armms-dtr -q -t acme --period 2026-12-B | armms-timesheet -q -t acme >/dev/null
    assert_equal "$(q acme tk "select status from dtr where date = '2026-12-31'")" ABSENT

    run --separate-stderr armms-timesheet -t acme --finalize --period 2027-01-A
    assert_equal "$status" 0
    assert_equal "$(jq -c '.unworked_holidays' <<<"$output")" \
        '[{"date":"2027-01-01","day_type":"regular_holiday","last_scheduled":{"date":"2026-12-31","present":false,"status":"ABSENT"},"scheduled":true,"status":null}]'
}

@test "a timesheet's day lines add up to its minutes by day type and its totals" {
    small_tenant acme
    tk_holiday acme '2026-11-01,All Saints Day,special'
    tk_assign acme 'G3,DET1,NIGHT,2026-10-16,2026-10-31,regular,'
    day G3 2026-10-20 17:55:00 06:01:00
    day G3 2026-10-21 18:20:00 06:00:00
    day G3 2026-10-22 17:55:00
    day G3 2026-10-31 17:55:00 06:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >/dev/null
    armms-timelog -q -t acme --period $P >/dev/null
    armms-dtr -q -t acme --period $P | armms-timesheet -q -t acme >/dev/null

    run --separate-stderr armms-timesheet -t acme --finalize --period $P --override "22 Oct confirmed absent"
    assert_equal "$status" 0
    # one line per DTR: 14 scheduled nights (Mondays 19 and 26 off), 3 worked, 1 incomplete, 10 absent
    assert_equal "$(jq -c '[(.days | length), ([.days[] | select(.status == "ABSENT")] | length), .days_absent,
        ([.days[] | select(.status == "INCOMPLETE")] | length), .days_incomplete]' <<<"$output")" '[14,10,10,1,1]'
    assert_equal "$(jq -c '[.days[].date] == ([.days[].date] | sort)' <<<"$output")" true
    assert_equal "$(jq -cS 'reduce .days[].totals as $d ({}; reduce ($d | keys[]) as $k (.; .[$k] += $d[$k]))' <<<"$output")" \
        "$(jq -cS .totals <<<"$output")"
    assert_equal "$(jq -cS 'reduce (.days[].minutes | to_entries[]) as $e ({};
        reduce ($e.value | keys[]) as $b (.; .[$e.key][$b] += $e.value[$b]))' <<<"$output")" \
        "$(jq -cS '.minutes | with_entries(select(.value | add > 0))' <<<"$output")"
    # the 31 October night has its All Saints' Day minutes on its day line
    assert_equal "$(jq -c '.days[] | select(.date == "2026-10-31") | .minutes | keys' <<<"$output")" '["ordinary","special"]'
}

@test "finalizing again, or the same DTRs of both periods again, seals nothing new over the holiday facts" {
    new_year
    day G1 2026-12-31 05:55:00 18:00:00
    day G1 2027-01-02 05:55:00 18:00:00
    chain
    armms-timesheet -q -t acme --finalize --period 2026-12-B >/dev/null
    armms-timesheet -q -t acme --finalize --period 2027-01-A >/dev/null
    local before journal
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)

    run --separate-stderr armms-timesheet -t acme --finalize --period 2027-01-A
    assert_equal "$status" 0
    assert_equal "$output" ""
    run --separate-stderr armms-timesheet -t acme "$BATS_TEST_TMPDIR/dtr.ndjson"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.version, .status] | @tsv' <<<"$output" | sort -u)" "$(printf '1\tFINALIZED')"
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"
    assert_equal "$(finalized_events | wc -l)" 2
}

@test "a late 31 December punch adjusts the sealed January timesheet's holiday facts alone" {
    new_year
    day G1 2027-01-02 05:55:00 18:00:00
    chain
    local v1
    v1=$(armms-timesheet -q -t acme --finalize --period 2027-01-A)
    assert_equal "$(jq -c '.unworked_holidays[0].last_scheduled' <<<"$v1")" \
        '{"date":"2026-12-31","present":false,"status":null}'

    day G1 2026-12-31 05:55:00 18:00:00
    chain
    run jq -c 'select(.timesheet_id == "2027-01-A/G1/DET1/DAY")' "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "$(jq -c '[.version, .status, .adjusts.version, .delta.totals.worked, .delta.days_worked]' <<<"$output")" \
        '[2,"ADJUSTED",1,0,0]'
    assert_equal "$(jq -c '.unworked_holidays[0].last_scheduled' <<<"$output")" \
        '{"date":"2026-12-31","present":true,"status":"COMPLETE"}'
    run armms-journal -t acme cat --type TimesheetAdjusted
    assert_equal "$(jq -c '.payload.after.unworked_holidays[0].last_scheduled.present' <<<"$output")" true
}
