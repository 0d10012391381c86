load test_helper
bats_require_minimum_version 1.5.0

# Held punches: a punch for a guard (or ZKTeco PIN) or detachment HR data
# does not know yet is kept in tk.db, journaled and counted, and recorded by
# the first ingest or timelog run after HR data has it. And what committed
# is what is reported: every committed clock event reaches armms-ingest's
# output, even after a crash between the commit and the output.

# One NDJSON punch on device D1: ev EVENT_ID GUARD TS [TYPE [DETACHMENT]]
ev() {
    local det=""
    [ -n "${5:-}" ] && det=",\"detachment_id\":\"$5\""
    printf '{"event_id":"%s","device_id":"D1","guard_id":"%s","ts":"%s","type":"%s"%s}\n' \
        "$1" "$2" "$3" "${4:-IN}" "$det"
}

punches() { q "$1" tk 'select count(*) from clock_event'; }
held_rows() { q "$1" tk 'select count(*) from clock_event_held'; }
events_of() { journal_lines "$1" | jq -r .event_type | grep -cx "$2" || true; }
rejects() { printf '%s\n' "$stderr" | grep '^{' || true; }
summary() { printf '%s\n' "$stderr" | tail -n1; }

import_g09999() {
    tk_import "$1" guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G09999,109999,Lim,Rosa,GUARD,SUN,ACTIVE'
}

# A, a punch for G09999 (not in HR data), Z.
three_punches() {
    {
        ev A G1 2026-11-03T05:52:13+08:00
        ev X G09999 2026-11-03T05:55:00+08:00
        ev Z G1 2026-11-03T18:02:00+08:00 OUT
    } >"$BATS_TEST_TMPDIR/in.ndjson"
}

@test "a punch for a guard not yet in HR data is held, journaled and counted, not lost" {
    small_tenant acme
    three_punches

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 65 # someone must add the guard before it can be paid
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" A,Z
    assert_equal "$(rejects)" ""
    assert_equal "$(summary)" "armms-ingest: 3 read, 2 accepted, 0 duplicates, 0 rejected, 1 held"
    assert_equal "$(q acme tk 'select reason, guard_id, event_id, device_id, ts, type, line from clock_event_held')" \
        "UNKNOWN_GUARD|G09999|X|D1|2026-11-02T21:55:00Z|IN|2"
    assert_equal "$(events_of acme ClockEventHeld)" 1
    assert_equal "$(journal_lines acme | jq -c 'select(.event_type == "ClockEventHeld") | .payload | [.kind, .reason, .guard_id, .ts_local]')" \
        '["HeldPunch","UNKNOWN_GUARD","G09999","2026-11-03T05:55:00+08:00"]'
    assert_equal "$(punches acme)" 2

    # Fed again, it is a duplicate of itself: never held twice.
    local before
    before=$(journal_lines acme | sha256sum)
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(summary)" "armms-ingest: 3 read, 0 accepted, 3 duplicates, 0 rejected"
    assert_equal "$(held_rows acme)" 1
    assert_equal "$(journal_lines acme | sha256sum)" "$before"
}

@test "armms-ingest --held lists each held punch with what it waits for" {
    small_tenant acme
    three_punches
    ev Y G1 2026-11-03T06:00:00+08:00 IN DET9 >>"$BATS_TEST_TMPDIR/in.ndjson"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in.ndjson" >/dev/null || true

    run --separate-stderr armms-ingest -t acme --held
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.kind, .reason, .guard_id, .event_id, .detachment_id // "-", .source, .line, .releasable] | @tsv' <<<"$output")" \
        "$(printf 'HeldPunch\tUNKNOWN_GUARD\tG09999\tX\t-\t%s\t2\tfalse\nHeldPunch\tUNKNOWN_DETACHMENT\tG1\tY\tDET9\t%s\t4\tfalse' \
            "$BATS_TEST_TMPDIR/in.ndjson" "$BATS_TEST_TMPDIR/in.ndjson")"
    assert_equal "$stderr" "armms-ingest: 2 held"
    # Only ids: nothing personal from HR data is in the report.
    import_g09999 acme
    run --separate-stderr armms-ingest -t acme --held
    assert_equal "$(jq -r '[.event_id, .releasable] | @tsv' <<<"$output" | paste -sd,)" "$(printf 'X\ttrue,Y\tfalse')"
    refute_output --partial Lim
    run armms-ingest -t acme --held "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 64
}

@test "once HR data has the guard, the next ingest | timelog run records the held punch and makes its time log" {
    small_tenant acme
    three_punches
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in.ndjson" >/dev/null || true
    import_g09999 acme

    run --separate-stderr bash -c 'armms-ingest -t acme </dev/null | armms-timelog -t acme'
    assert_equal "$status" 0
    # when armms-timelog opens first it releases the punch itself and, having
    # read no record, also takes G1's punches ingested to nowhere (tk/stale.h)
    assert_equal "$(jq -r 'select(.guard_id == "G09999") | [.kind, .guard_id, .status] | @tsv' <<<"$output")" "$(printf 'TimeLog\tG09999\tINVALID')"
    assert_equal "$(jq -r .guard_id <<<"$output" | grep -v '^G09999$' | sort -u)" "$(jq -r .guard_id <<<"$output" | grep -q G1 && echo G1)"
    # Whichever of the two opens first releases it; the other sees it done.
    assert_equal "$(printf '%s\n' "$stderr" | grep -c 'released')" 1
    assert_equal "$(q acme tk "select event_id, ts, type from clock_event where guard_id = 'G09999'")" \
        "X|2026-11-02T21:55:00Z|IN"
    assert_equal "$(held_rows acme)" 0
    assert_equal "$(q acme tk "select count(*) from time_log where guard_id = 'G09999'")" 1
    assert_equal "$(events_of acme ClockEventRecorded)" 3
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "ClockEventReleased") | .payload.outcome')" recorded

    # G1's punches were ingested to nowhere: a run without input takes them
    # (tk/stale.h), and after it a rerun changes nothing.
    run --separate-stderr bash -c 'armms-ingest -t acme </dev/null | armms-timelog -q -t acme'
    assert_equal "$status" 0
    assert_equal "$(q acme tk "select count(*) from time_log where guard_id = 'G1'")" 2
    local before
    before=$(tk_dump acme; journal_lines acme | sha256sum)
    run --separate-stderr bash -c 'armms-ingest -t acme </dev/null | armms-timelog -q -t acme'
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(tk_dump acme; journal_lines acme | sha256sum)" "$before"
}

@test "a held punch is released before the run's own input, which still lands" {
    small_tenant acme
    three_punches
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in.ndjson" >/dev/null || true
    import_g09999 acme
    {
        ev B G2 2026-11-04T05:50:00+08:00
        ev X G09999 2026-11-03T05:55:00+08:00
    } >"$BATS_TEST_TMPDIR/more.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/more.ndjson"
    assert_equal "$status" 0
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" X,B
    assert_equal "$(summary)" "armms-ingest: 2 read, 1 accepted, 1 duplicates, 0 rejected, 1 released"
    assert_equal "$(punches acme)" 4
    assert_equal "$(held_rows acme)" 0
}

@test "armms-timelog alone releases a held punch and makes its time log" {
    small_tenant acme
    three_punches
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in.ndjson" >/dev/null || true
    import_g09999 acme

    run --separate-stderr armms-timelog -t acme </dev/null
    assert_equal "$status" 0
    # the released punch, and G1's two, ingested to nowhere before (tk/stale.h)
    assert_equal "$(jq -r '[.guard_id, .ts] | @tsv' <<<"$output")" "$(printf '%s\n' 'G09999	2026-11-02T21:55:00Z' 'G1	2026-11-02T21:52:13Z' 'G1	2026-11-03T10:02:00Z')"
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, 3 time logs recomputed, 3 changed, 1 held punches released"
    assert_equal "$(held_rows acme)" 0
    assert_equal "$(q acme tk "select count(*) from time_log where guard_id = 'G09999'")" 1

    local before
    before=$(tk_dump acme; journal_lines acme | sha256sum)
    run --separate-stderr armms-timelog -t acme </dev/null
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, 0 time logs recomputed, 0 changed"
    run --separate-stderr armms-ingest -t acme </dev/null
    assert_equal "$output" ""
    assert_equal "$(tk_dump acme; journal_lines acme | sha256sum)" "$before"
}

@test "a ZKTeco punch whose PIN is no guard's employee number is held until HR data has it" {
    small_tenant acme
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
        100001 '2026-11-05 05:50:01' 7 0 1 0 \
        109999 '2026-11-05 05:55:00' 7 0 1 0 >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 65
    assert_equal "$(jq -r .guard_id <<<"$output")" G1
    assert_equal "$(rejects)" ""
    assert_equal "$(summary)" "armms-ingest: 2 read, 1 accepted, 0 duplicates, 0 rejected, 1 held"
    assert_equal "$(q acme tk 'select reason, quote(guard_id), pin, device_id, ts, ts_offset from clock_event_held')" \
        "UNKNOWN_GUARD|NULL|109999|7|2026-11-04T21:55:00Z|480"
    run --separate-stderr armms-ingest -t acme --held
    assert_equal "$(jq -r '[.reason, .pin, .ts_local] | @tsv' <<<"$output")" \
        "$(printf 'UNKNOWN_GUARD\t109999\t2026-11-05T05:55:00+08:00')"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 0
    assert_equal "$(summary)" "armms-ingest: 2 read, 0 accepted, 2 duplicates, 0 rejected"
    assert_equal "$(held_rows acme)" 1

    import_g09999 acme # employee_no 109999
    run --separate-stderr armms-ingest -t acme </dev/null
    assert_equal "$(jq -r '[.guard_id, .device_id, .ts_local, .type] | @tsv' <<<"$output")" \
        "$(printf 'G09999\t7\t2026-11-05T05:55:00+08:00\tIN')"
    assert_equal "$(held_rows acme)" 0
    # The log fed again is all duplicates now: the released punch has the
    # key a ZKTeco line of G09999 would have had.
    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$(summary)" "armms-ingest: 2 read, 0 accepted, 2 duplicates, 0 rejected"
    assert_equal "$(punches acme)" 2
}

@test "a punch at a detachment not yet in HR data is held and released once the detachment is imported" {
    small_tenant acme
    ev Y G1 2026-11-03T06:00:00+08:00 IN DET9 >"$BATS_TEST_TMPDIR/in.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(summary)" "armms-ingest: 1 read, 0 accepted, 0 duplicates, 0 rejected, 1 held"
    assert_equal "$(q acme tk 'select reason, detachment_id from clock_event_held')" "UNKNOWN_DETACHMENT|DET9"

    tk_import acme detachment 'detachment_id,name,client' 'DET9,Depot Nine,Acme Corp'
    run --separate-stderr armms-ingest -t acme </dev/null
    assert_equal "$(jq -r '[.event_id, .detachment_id] | @tsv' <<<"$output")" "$(printf 'Y\tDET9')"
    assert_equal "$(held_rows acme)" 0
    assert_equal "$(q acme tk "select guard_id, detachment_id from clock_event")" "G1|DET9"
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$(summary)" "armms-ingest: 1 read, 0 accepted, 1 duplicates, 0 rejected"
}

@test "a held punch whose event id the device later used for another punch is a CONFLICT when released" {
    small_tenant acme
    ev X G09999 2026-11-03T05:55:00+08:00 >"$BATS_TEST_TMPDIR/a.ndjson"
    ev X G1 2026-11-03T07:00:00+08:00 >"$BATS_TEST_TMPDIR/b.ndjson"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/a.ndjson" || true
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/b.ndjson" >/dev/null
    import_g09999 acme

    run --separate-stderr armms-ingest -t acme </dev/null
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'CONFLICT\t1')"
    assert_equal "$(held_rows acme)" 0
    assert_equal "$(q acme tk 'select guard_id from clock_event')" G1
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "ClockEventReleased") | [.payload.outcome, .payload.code] | @tsv')" \
        "$(printf 'rejected\tCONFLICT')"
}

# --- what is committed is what is reported ------------------------------

@test "after a crash between a batch's commit and its output, the next run writes that batch before its own" {
    small_tenant acme
    local i
    for i in 1 2 3 4 5 6 7 8 9; do
        ev "E$i" G1 "2026-11-03T0$i:00:00+08:00"
    done >"$BATS_TEST_TMPDIR/in.ndjson"

    # The test hook ends the run at once after its 2nd commit.
    run --separate-stderr env ARMMS_TEST_CRASH_AFTER_COMMIT=2 \
        armms-ingest -t acme --batch 3 "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 70
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" E1,E2,E3
    assert_equal "$(punches acme)" 6
    local first=$output

    run --separate-stderr armms-ingest -t acme --batch 3 "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 0
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" E4,E5,E6,E7,E8,E9
    assert_equal "$(summary)" "armms-ingest: 9 read, 3 accepted, 6 duplicates, 0 rejected, 3 replayed"
    # Every stored event was written by one run or the other, as recorded.
    assert_equal "$( (printf '%s\n' "$first"; printf '%s\n' "$output") | jq -c . | sort)" \
        "$(journal_lines acme | jq -c 'select(.event_type == "ClockEventRecorded") | .payload' | sort)"
    assert_equal "$(q acme tk 'select count(*) from clock_event_unsent')" 0

    run --separate-stderr armms-ingest -t acme --batch 3 "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$output" ""
    assert_equal "$(summary)" "armms-ingest: 9 read, 0 accepted, 9 duplicates, 0 rejected"
}

@test "events committed while the journal is locked past --wait are still written and counted, and journaled next run" {
    small_tenant acme
    local fifo=$BATS_TEST_TMPDIR/feed lock=$ARMMS_HOME/tenants/acme/journal/LOCK
    mkfifo "$fifo"
    armms-ingest -t acme --wait 1 "$fifo" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    local pid=$!
    exec 7>"$fifo"  # returns once armms-ingest has opened its input
    exec 8>>"$lock" # hold the journal lock, as a long append would
    flock 8
    local three
    three=$(ev A G1 2026-11-03T05:52:13+08:00; ev B G2 2026-11-03T05:53:00+08:00; ev C G3 2026-11-03T05:54:00+08:00)
    printf '%s' "$three"$'\n' >&7 # one write: the three arrive together
    exec 7>&-
    local rc=0
    wait "$pid" || rc=$?
    exec 8>&-
    assert_equal "$rc" 75
    assert_equal "$(jq -r .event_id "$BATS_TEST_TMPDIR/out" | paste -sd,)" A,B,C
    assert_equal "$(tail -n1 "$BATS_TEST_TMPDIR/err")" "armms-ingest: tenant acme: journal busy (lock held past --wait)"
    grep -qx 'armms-ingest: 3 read, 3 accepted, 0 duplicates, 0 rejected' "$BATS_TEST_TMPDIR/err"
    assert_equal "$(punches acme)" 3
    assert_equal "$(events_of acme ClockEventRecorded)" 0

    # The next run journals them and has nothing more to write.
    run --separate-stderr armms-ingest -t acme </dev/null
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(events_of acme ClockEventRecorded)" 3
    run armms-journal -t acme verify
    assert_success
}
