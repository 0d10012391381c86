load test_helper
bats_require_minimum_version 1.5.0

# armms-ingest: clock events in, ClockEvent records out, each new punch
# stored once in tk.db and journaled as ClockEventRecorded.

# One NDJSON punch on device D1: ev EVENT_ID GUARD TS [TYPE [DETACHMENT]]
ev() {
    local det=""
    [ -n "${5:-}" ] && det=",\"detachment_id\":\"$5\""
    printf '{"event_id":"%s","device_id":"D1","guard_id":"%s","ts":"%s","type":"%s"%s}\n' \
        "$1" "$2" "$3" "${4:-IN}" "$det"
}

# The same without an event_id (the key is device, guard, ts, type).
ev_noid() {
    printf '{"device_id":"D1","guard_id":"%s","ts":"%s","type":"%s"}\n' "$1" "$2" "${3:-IN}"
}

punches() { q "$1" tk 'select count(*) from clock_event'; }
# sample_tenants G T...: tenants T... with the same generated master data
# of G guards (positions, shifts, detachments, guards, assignments).
sample_tenants() {
    local g=$1 md=$BATS_TEST_TMPDIR/md t k
    shift
    armms-sample masterdata --guards "$g" --out "$md" >/dev/null
    for t in "$@"; do
        armms-init -q -t "$t"
        for k in position shift detachment guard assignment; do
            armms-import -q -t "$t" "$k" "$md/$k.csv"
        done
    done
}
recorded() { journal_lines "$1" | jq -r .event_type | grep -cx ClockEventRecorded || true; }
journal_sum() { journal_lines "$1" | sha256sum; }
# Reject records among the stderr lines (the summary line is not JSON).
rejects() { printf '%s\n' "$stderr" | grep '^{' || true; }

# Good punch A, the bad lines of file $2, good punch Z; the bad lines must be
# rejected with code $1 (one Reject each, at its own line number), A and Z
# must land, and a rerun must change nothing.
check_rejected_between_good_punches() {
    local code=$1 bad=$2 in="$BATS_TEST_TMPDIR/in.ndjson"
    local nbad
    nbad=$(wc -l <"$bad")
    small_tenant acme
    {
        ev A G1 2026-11-03T05:52:13+08:00
        cat "$bad"
        ev Z G1 2026-11-03T18:02:00+08:00 OUT
    } >"$in"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" "A,Z"
    assert_equal "$(rejects | jq -c .kind | sort -u)" '"Reject"'
    assert_equal "$(rejects | jq -c .v | sort -u)" 1
    assert_equal "$(rejects | jq -r .code | sort -u)" "$code"
    assert_equal "$(rejects | jq -r .source | sort -u)" "$in"
    assert_equal "$(rejects | jq -r .line | paste -sd,)" "$(seq 2 $((nbad + 1)) | paste -sd,)"
    assert_equal "$(rejects | jq -r '.message | type == "string" and length > 0' | sort -u)" true
    assert_equal "$(rejects | jq -r '.input | type' | sort -u)" string
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: $((nbad + 2)) read, 2 accepted, 0 duplicates, $nbad rejected"
    assert_equal "$(punches acme)" 2
    assert_equal "$(recorded acme)" 2

    local before first_rejects
    before=$(journal_sum acme)
    first_rejects=$(rejects)
    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(rejects)" "$first_rejects"
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: $((nbad + 2)) read, 0 accepted, 2 duplicates, $nbad rejected"
    assert_equal "$(punches acme)" 2
    assert_equal "$(journal_sum acme)" "$before"
}

# --- the sample agency ---------------------------------------------------

@test "the sample agency's half-month of punches lands once, replays counted as duplicates" {
    sample_tenant acme
    armms-sample events --period 2026-11-A >"$BATS_TEST_TMPDIR/events.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/events.ndjson"
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-ingest: 29910 read, 29816 accepted, 94 duplicates, 0 rejected"
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.ndjson"
    assert_equal "${#lines[@]}" 29816
    run jq -s 'all(.[]; .kind == "ClockEvent" and .v == 1
                and (.clock_event_id | length) == 26
                and (.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
                and (.ts_local | endswith("+08:00")))' "$BATS_TEST_TMPDIR/out.ndjson"
    assert_output true
    # The first punch of the period, in UTC and in Manila time.
    run jq -c 'select(.event_id == "DET009-1-200001") | [.device_id, .guard_id, .ts, .ts_local, .type, .detachment_id]' \
        "$BATS_TEST_TMPDIR/out.ndjson"
    assert_output '["DET009-1","G00607","2026-10-31T21:35:04Z","2026-11-01T05:35:04+08:00","IN","DET009"]'

    assert_equal "$(punches acme)" 29816
    assert_equal "$(q acme tk 'select count(distinct clock_event_id) from clock_event')" 29816
    assert_equal "$(recorded acme)" 29816
    # What the journal says was recorded is exactly what stdout reported.
    run diff <(journal_lines acme | jq -c 'select(.event_type == "ClockEventRecorded") | .payload' | sort) \
        <(sort "$BATS_TEST_TMPDIR/out.ndjson")
    assert_success
    run armms-journal -t acme verify
    assert_success
}

@test "re-ingesting the same half-month adds no punch and no journal event" {
    sample_tenant acme
    armms-sample events --period 2026-11-A >"$BATS_TEST_TMPDIR/events.ndjson"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/events.ndjson" >/dev/null
    before=$(journal_sum acme)

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/events.ndjson"
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-ingest: 29910 read, 0 accepted, 29910 duplicates, 0 rejected"
    assert_equal "$output" ""
    assert_equal "$(punches acme)" 29816
    assert_equal "$(journal_sum acme)" "$before"
    run armms-journal -t acme verify
    assert_success
}

# --- the idempotency key -------------------------------------------------

@test "a punch replayed with the same device and event id is a duplicate" {
    small_tenant acme
    ev E1 G1 2026-11-03T05:52:13+08:00 IN DET1 >"$BATS_TEST_TMPDIR/p"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/p" >/dev/null
    before=$(journal_sum acme)

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-ingest: 1 read, 0 accepted, 1 duplicates, 0 rejected"
    assert_equal "$(punches acme)" 1
    assert_equal "$(journal_sum acme)" "$before"
}

@test "an event id the device reuses for another time or guard is a CONFLICT and the stored punch stays" {
    small_tenant acme
    ev E1 G1 2026-11-03T05:52:13+08:00 IN DET1 | armms-ingest -q -t acme >/dev/null
    stored=$(q acme tk 'select clock_event_id, guard_id, ts, type, detachment_id from clock_event')
    before=$(journal_sum acme)
    {
        ev E1 G1 2026-11-03T05:52:14+08:00 IN DET1
        ev E1 G2 2026-11-03T05:52:13+08:00 IN DET1
    } >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'CONFLICT\t1\nCONFLICT\t2')"
    assert_equal "$(rejects | jq -r .input | head -n1)" "$(head -n1 "$BATS_TEST_TMPDIR/p")"
    assert_equal "$(q acme tk 'select clock_event_id, guard_id, ts, type, detachment_id from clock_event')" "$stored"
    assert_equal "$(journal_sum acme)" "$before"
}

@test "without an event id the same instant written with another offset is a duplicate" {
    small_tenant acme
    ev_noid G1 2026-11-03T05:52:13+08:00 | armms-ingest -q -t acme >/dev/null
    before=$(journal_sum acme)

    run --separate-stderr armms-ingest -t acme < <(ev_noid G1 2026-11-02T21:52:13Z)
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-ingest: 1 read, 0 accepted, 1 duplicates, 0 rejected"
    assert_equal "$(q acme tk 'select ts, ts_offset from clock_event')" "2026-11-02T21:52:13Z|480"
    assert_equal "$(journal_sum acme)" "$before"
}

@test "without an event id a double tap 30 seconds later is a second punch" {
    small_tenant acme
    ev_noid G1 2026-11-03T05:52:13+08:00 | armms-ingest -q -t acme >/dev/null

    run --separate-stderr armms-ingest -t acme < <(ev_noid G1 2026-11-03T05:52:43+08:00)
    assert_equal "$status" 0
    assert_equal "$(jq -r .ts <<<"$output")" 2026-11-02T21:52:43Z
    assert_equal "$(q acme tk 'select ts from clock_event order by ts' | paste -sd,)" \
        "2026-11-02T21:52:13Z,2026-11-02T21:52:43Z"
    assert_equal "$(recorded acme)" 2
}

@test "ingest output fed back into ingest is all duplicates" {
    small_tenant acme
    { ev A G1 2026-11-03T05:52:13+08:00; ev_noid G2 2026-11-03T17:59:00+08:00 OUT; } |
        armms-ingest -q -t acme >"$BATS_TEST_TMPDIR/out"
    before=$(journal_sum acme)

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/out"
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-ingest: 2 read, 0 accepted, 2 duplicates, 0 rejected"
    assert_equal "$(punches acme)" 2
    assert_equal "$(journal_sum acme)" "$before"
}

# --- rejects ----------------------------------------------------------

@test "a line that is not JSON is rejected as PARSE and the punches around it land" {
    echo '{"event_id":"X","device_id":' >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches PARSE "$BATS_TEST_TMPDIR/bad"
    assert_equal "$(rejects | jq -r .input)" '{"event_id":"X","device_id":'
}

@test "a JSON array instead of a punch is rejected as NOT_OBJECT" {
    echo '["G1","2026-11-03T05:52:13+08:00","IN"]' >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches NOT_OBJECT "$BATS_TEST_TMPDIR/bad"
    assert_equal "$(rejects | jq -r .input)" '["G1","2026-11-03T05:52:13+08:00","IN"]'
}

@test "a line with bytes that are not UTF-8 is rejected as BAD_UTF8" {
    printf '{"event_id":"X\xff","device_id":"D1","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN"}\n' \
        >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches BAD_UTF8 "$BATS_TEST_TMPDIR/bad"
    # The Reject itself stays valid UTF-8: the bad byte becomes U+FFFD.
    assert_equal "$(rejects | jq -r '.input | startswith("{\"event_id\":\"X\ufffd\"")')" true
}

@test "a line over 1 MiB is rejected as TOO_LONG and the next line lands with its own line number" {
    small_tenant acme
    in=$BATS_TEST_TMPDIR/in.ndjson
    {
        ev A G1 2026-11-03T05:52:13+08:00
        printf '{"event_id":"%s"}\n' "$(head -c 1100000 /dev/zero | tr '\0' x)"
        ev B G1 2026-11-03T18:01:00+08:00 OUT
        echo '{"event_id":'
    } >"$in"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" "A,B"
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'TOO_LONG\t2\nPARSE\t4')"
    assert_equal "$(rejects | jq -r 'select(.code == "TOO_LONG") | (.input | length) <= 4096')" true
    assert_equal "$(q acme tk 'select event_id from clock_event order by event_id' | paste -sd,)" "A,B"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$output" ""
    assert_equal "$(punches acme)" 2
    assert_equal "$(recorded acme)" 2
}

@test "a punch without guard_id or without ts is rejected as MISSING_FIELD" {
    {
        echo '{"event_id":"X1","device_id":"D1","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        echo '{"event_id":"X2","device_id":"D1","guard_id":"G1","type":"IN"}'
    } >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches MISSING_FIELD "$BATS_TEST_TMPDIR/bad"
    assert_equal "$(rejects | jq -r .message | grep -c guard_id)" 1
    assert_equal "$(rejects | jq -r .message | grep -c 'ts ')" 1
}

@test "a LUNCH punch or a numeric guard id is rejected as BAD_FIELD" {
    {
        echo '{"event_id":"X1","device_id":"D1","guard_id":"G1","ts":"2026-11-03T12:00:00+08:00","type":"LUNCH"}'
        echo '{"event_id":"X2","device_id":"D1","guard_id":100001,"ts":"2026-11-03T12:00:00+08:00","type":"IN"}'
    } >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches BAD_FIELD "$BATS_TEST_TMPDIR/bad"
}

@test "a punch with a field ClockEvent does not have is rejected as UNKNOWN_FIELD" {
    echo '{"event_id":"X1","device_id":"D1","guard_id":"G1","ts":"2026-11-03T12:00:00+08:00","type":"IN","temp_c":36.5}' \
        >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches UNKNOWN_FIELD "$BATS_TEST_TMPDIR/bad"
    assert_equal "$(rejects | jq -r '.message | contains("temp_c")')" true
}

@test "a time without an offset or on February 30 is rejected as BAD_TS" {
    {
        ev X1 G1 2026-11-03T05:52:13
        ev X2 G1 2026-02-30T05:52:13+08:00
    } >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches BAD_TS "$BATS_TEST_TMPDIR/bad"
}

@test "a punch more than 24 hours after now is rejected as FUTURE_TS" {
    # ARMMS_NOW is 2026-11-25T00:00:00Z; exactly 24 h ahead still lands.
    ev X1 G1 2026-11-26T08:00:01+08:00 >"$BATS_TEST_TMPDIR/bad"
    check_rejected_between_good_punches FUTURE_TS "$BATS_TEST_TMPDIR/bad"

    run --separate-stderr armms-ingest -t acme < <(ev EDGE G1 2026-11-26T00:00:00Z)
    assert_equal "$status" 0
    assert_equal "$(q acme tk "select count(*) from clock_event where event_id = 'EDGE'")" 1
}

@test "--max-future 48 accepts a punch 25 hours ahead and still refuses one 49 hours ahead" {
    small_tenant acme
    {
        ev F25 G1 2026-11-26T01:00:00Z
        ev F49 G1 2026-11-27T01:00:00Z
    } >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme --max-future 48 "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 65
    assert_equal "$(jq -r .event_id <<<"$output")" F25
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'FUTURE_TS\t2')"
    assert_equal "$(q acme tk 'select event_id from clock_event')" F25
}

# Good punch A, punch X1 of file $2, good punch Z: X1 must be held (not
# recorded, not a Reject) with reason $1, and a rerun must change nothing
# (tests/33-held.bats: what becomes of it).
check_held_between_good_punches() {
    local reason=$1 in="$BATS_TEST_TMPDIR/in.ndjson"
    small_tenant acme
    { ev A G1 2026-11-03T05:52:13+08:00; cat "$2"; ev Z G1 2026-11-03T18:02:00+08:00 OUT; } >"$in"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" "A,Z"
    assert_equal "$(rejects)" ""
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: 3 read, 2 accepted, 0 duplicates, 0 rejected, 1 held"
    assert_equal "$(q acme tk 'select reason, event_id, line from clock_event_held')" "$reason|X1|2"
    assert_equal "$(punches acme)" 2
    assert_equal "$(recorded acme)" 2

    local before
    before=$(journal_sum acme)
    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: 3 read, 0 accepted, 3 duplicates, 0 rejected"
    assert_equal "$(punches acme)" 2
    assert_equal "$(journal_sum acme)" "$before"
}

@test "a punch by a guard not in the masterlist is held as UNKNOWN_GUARD, not recorded" {
    ev X1 G9 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/bad"
    check_held_between_good_punches UNKNOWN_GUARD "$BATS_TEST_TMPDIR/bad"
    assert_equal "$(q acme tk "select count(*) from clock_event where guard_id = 'G9'")" 0
}

@test "a punch at a detachment that does not exist is held as UNKNOWN_DETACHMENT, not recorded" {
    ev X1 G1 2026-11-03T05:52:13+08:00 IN DET9 >"$BATS_TEST_TMPDIR/bad"
    check_held_between_good_punches UNKNOWN_DETACHMENT "$BATS_TEST_TMPDIR/bad"
}

@test "--rejects FILE collects the Reject records and leaves only the summary on stderr" {
    small_tenant acme
    {
        ev A G1 2026-11-03T05:52:13+08:00
        ev X G1 2026-11-03T05:52:13+08:00 LUNCH
    } >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme --rejects "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-ingest: 2 read, 1 accepted, 0 duplicates, 1 rejected"
    assert_equal "$(jq -r .event_id <<<"$output")" A
    assert_equal "$(jq -c '[.kind, .v, .code, .source, .line]' "$BATS_TEST_TMPDIR/rej")" \
        "[\"Reject\",1,\"BAD_FIELD\",\"$BATS_TEST_TMPDIR/p\",2]"
    assert_equal "$(punches acme)" 1

    # A rerun appends its Reject to the same file and lands nothing new.
    run --separate-stderr armms-ingest -t acme --rejects "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/p"
    assert_equal "$(jq -r .code "$BATS_TEST_TMPDIR/rej" | paste -sd,)" BAD_FIELD,BAD_FIELD
    assert_equal "$(punches acme)" 1
}

@test "a Reject that cannot be written is an output error, not a silent loss" {
    small_tenant acme
    { ev A G1 2026-11-03T05:52:13+08:00; ev X G1 2026-11-03T05:52:13+08:00 LUNCH; } >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme --rejects /dev/full "$BATS_TEST_TMPDIR/p"
    assert_equal "$(punches acme)" 1
    assert_equal "$status" 74
    assert_equal "$(printf '%s\n' "$stderr" | grep -c 'write error')" 1
}

# --- formats ----------------------------------------------------------

@test "the CSV export of the half-month lands the same punches as the NDJSON export" {
    sample_tenant a
    sample_tenant b
    armms-sample events --format csv >"$BATS_TEST_TMPDIR/events.csv"
    assert_equal "$(head -n1 "$BATS_TEST_TMPDIR/events.csv")" \
        "event_id,device_id,guard_id,ts,type,detachment_id"

    run --separate-stderr armms-ingest -t a --format csv "$BATS_TEST_TMPDIR/events.csv"
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-ingest: 29910 read, 29816 accepted, 94 duplicates, 0 rejected"
    armms-sample events | armms-ingest -q -t b >/dev/null

    assert_equal "$(punches a)" "$(punches b)"
    sql='select dedupe_key, device_id, event_id, guard_id, ts, ts_offset, type, detachment_id
         from clock_event order by dedupe_key'
    run diff <(q a tk "$sql") <(q b tk "$sql")
    assert_success
    assert_equal "$(recorded a)" 29816
}

@test "a bad CSV row is rejected with its row number and the other rows land" {
    small_tenant acme
    printf '%s\n' 'event_id,device_id,guard_id,ts,type,detachment_id' \
        'C1,D1,G1,2026-11-03T05:52:13+08:00,IN,' \
        'C2,D1,G1,2026-11-03T05:52:13+08:00,LUNCH,DET1' \
        'C3,D1,G2,2026-11-03T18:00:00+08:00,IN,DET2' >"$BATS_TEST_TMPDIR/p.csv"

    run --separate-stderr armms-ingest -t acme --format csv "$BATS_TEST_TMPDIR/p.csv"
    assert_equal "$status" 65
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" C1,C3
    assert_equal "$(rejects | jq -r '[.code, .line, .input] | @tsv')" \
        "$(printf 'BAD_FIELD\t3\tC2,D1,G1,2026-11-03T05:52:13+08:00,LUNCH,DET1')"
    # An empty CSV field is an absent detachment, not an empty id.
    assert_equal "$(q acme tk "select event_id, quote(detachment_id) from clock_event order by event_id")" \
        "$(printf 'C1|NULL\nC3|'"'"'DET2'"'")"
}

@test "a ZKTeco USB attendance log lands check-in, check-out and overtime punches in Manila time" {
    small_tenant acme
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
        100001 '2026-11-05 05:50:01' 7 0 1 0 \
        100001 '2026-11-05 18:02:30' 7 1 1 0 \
        100002 '2026-11-05 18:00:00' 7 4 1 0 \
        100002 '2026-11-06 06:00:00' 7 5 1 0 >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.guard_id, .ts, .ts_local, .type, .device_id] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "G1	2026-11-04T21:50:01Z	2026-11-05T05:50:01+08:00	IN	7" \
        "G1	2026-11-05T10:02:30Z	2026-11-05T18:02:30+08:00	OUT	7" \
        "G2	2026-11-05T10:00:00Z	2026-11-05T18:00:00+08:00	IN	7" \
        "G2	2026-11-05T22:00:00Z	2026-11-06T06:00:00+08:00	OUT	7")"
    assert_equal "$(q acme tk 'select guard_id, ts, type from clock_event order by ts' | paste -sd,)" \
        "G1|2026-11-04T21:50:01Z|IN,G2|2026-11-05T10:00:00Z|IN,G1|2026-11-05T10:02:30Z|OUT,G2|2026-11-05T22:00:00Z|OUT"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$stderr" "armms-ingest: 4 read, 0 accepted, 4 duplicates, 0 rejected"
    assert_equal "$(punches acme)" 4
    assert_equal "$(recorded acme)" 4
}

@test "ZKTeco break punches are rejected, unknown PINs held, and the good lines land" {
    small_tenant acme
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
        100001 '2026-11-05 05:50:01' 7 0 1 0 \
        100003 '2026-11-05 12:00:00' 7 2 1 0 \
        100003 '2026-11-05 13:00:00' 7 3 1 0 \
        999999 '2026-11-05 05:55:00' 7 0 1 0 \
        100002 '2026-11-05 05:56:00' 7 0 1 0 >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 65
    assert_equal "$(jq -r .guard_id <<<"$output" | paste -sd,)" G1,G2
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf '%s\n' \
        "UNSUPPORTED_PUNCH	2" "UNSUPPORTED_PUNCH	3")"
    assert_equal "$(q acme tk 'select reason, pin, line from clock_event_held')" "UNKNOWN_GUARD|999999|4"
    assert_equal "$(q acme tk 'select guard_id from clock_event order by guard_id' | paste -sd,)" G1,G2
}

@test "--tz UTC reads the ZKTeco device clock as UTC instead of Manila time" {
    small_tenant acme
    printf '100001\t2026-11-05 05:50:01\t7\t0\t1\t0\n' >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk --tz UTC "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 0
    assert_equal "$(jq -r .ts <<<"$output")" 2026-11-05T05:50:01Z
    assert_equal "$(q acme tk 'select ts from clock_event')" 2026-11-05T05:50:01Z
}

@test "--device replaces the ZKTeco log's machine number" {
    small_tenant acme
    printf '100001\t2026-11-05 05:50:01\t7\t0\t1\t0\n' >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk --device DET1-1 "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 0
    assert_equal "$(jq -r .device_id <<<"$output")" DET1-1
    assert_equal "$(q acme tk 'select device_id from clock_event')" DET1-1
}

@test "a ZKTeco push log without --device is a usage error and lands nothing" {
    small_tenant acme
    printf '100001\t2026-11-05 05:50:01\t0\t1\t0\n' >"$BATS_TEST_TMPDIR/attlog"

    run --separate-stderr armms-ingest -t acme --format zk-push "$BATS_TEST_TMPDIR/attlog"
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_equal "$(printf '%s\n' "$stderr" | grep -c -- '--device')" 1
    assert_equal "$(punches acme)" 0
}

@test "a ZKTeco push log with --device D9 lands its punches on device D9" {
    small_tenant acme
    printf '%s\t%s\t%s\t%s\t%s\n' \
        100001 '2026-11-05 05:50:01' 0 1 0 \
        100001 '2026-11-05 18:01:00' 1 1 0 >"$BATS_TEST_TMPDIR/attlog"

    run --separate-stderr armms-ingest -t acme --format zk-push --device D9 "$BATS_TEST_TMPDIR/attlog"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.device_id, .guard_id, .ts, .type] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "D9	G1	2026-11-04T21:50:01Z	IN" "D9	G1	2026-11-05T10:01:00Z	OUT")"
    assert_equal "$(q acme tk 'select distinct device_id from clock_event')" D9
    assert_equal "$(punches acme)" 2
}

# --- --map ------------------------------------------------------------

@test "a vendor payload lands through a --map program" {
    small_tenant acme
    echo '{"emp":"G1","when":"2026-11-03T05:52:13+08:00","dir":"in","dev":"X1"}' >"$BATS_TEST_TMPDIR/v"

    run --separate-stderr armms-ingest -t acme \
        --map '{guard_id:.emp, ts:.when, type:(.dir|ascii_upcase), device_id:.dev}' "$BATS_TEST_TMPDIR/v"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.device_id, .guard_id, .ts, .type] | @tsv' <<<"$output")" \
        "$(printf 'X1\tG1\t2026-11-02T21:52:13Z\tIN')"
    assert_equal "$(q acme tk 'select device_id, guard_id, ts, type from clock_event')" \
        "X1|G1|2026-11-02T21:52:13Z|IN"
}

@test "a --map that fails on one record rejects that line only as MAP_ERROR" {
    small_tenant acme
    printf '%s\n' '{"emp":"G1","when":"2026-11-03T05:52:13+08:00","dir":"in","dev":"X1"}' \
        '{"emp":"G2","when":"2026-11-03T05:52:13+08:00","dir":7,"dev":"X1"}' \
        '{"emp":"G3","when":"2026-11-03T05:53:00+08:00","dir":"out","dev":"X1"}' >"$BATS_TEST_TMPDIR/v"

    run --separate-stderr armms-ingest -t acme \
        --map '{guard_id:.emp, ts:.when, type:(.dir|ascii_upcase), device_id:.dev}' "$BATS_TEST_TMPDIR/v"
    assert_equal "$status" 65
    assert_equal "$(jq -r .guard_id <<<"$output" | paste -sd,)" G1,G3
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'MAP_ERROR\t2')"
    assert_equal "$(rejects | jq -r .input)" "$(sed -n 2p "$BATS_TEST_TMPDIR/v")"
    assert_equal "$(q acme tk 'select guard_id from clock_event order by guard_id' | paste -sd,)" G1,G3
}

@test "a --map that emits nothing for a record rejects it as MAP_EMPTY" {
    small_tenant acme
    echo '{"emp":"G1"}' >"$BATS_TEST_TMPDIR/v"

    run --separate-stderr armms-ingest -t acme --map empty "$BATS_TEST_TMPDIR/v"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'MAP_EMPTY\t1')"
    run --separate-stderr armms-ingest -t acme --map 'select(false)' "$BATS_TEST_TMPDIR/v"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'MAP_EMPTY\t1')"
    assert_equal "$output" ""
    assert_equal "$(punches acme)" 0
}

@test "a --map that emits two punches from one record lands both" {
    small_tenant acme
    echo '{"dev":"X2","emp":"G2","punches":[{"t":"2026-11-03T06:00:00+08:00","d":"IN"},{"t":"2026-11-03T18:00:00+08:00","d":"OUT"}]}' \
        >"$BATS_TEST_TMPDIR/v"

    run --separate-stderr armms-ingest -t acme \
        --map '. as $r | .punches[] | {device_id:$r.dev, guard_id:$r.emp, ts:.t, type:.d}' "$BATS_TEST_TMPDIR/v"
    assert_equal "$status" 0
    assert_equal "$(jq -r .type <<<"$output" | paste -sd,)" IN,OUT
    assert_equal "$(q acme tk 'select type, ts from clock_event order by ts' | paste -sd,)" \
        "IN|2026-11-02T22:00:00Z,OUT|2026-11-03T10:00:00Z"
    assert_equal "$(recorded acme)" 2
}

@test "a --map that does not compile is a usage error before anything is read" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme --map '{guard_id:' "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_equal "$(printf '%s\n' "$stderr" | grep -c 'armms-ingest: tenant acme: --map does not compile')" 1
    assert_equal "$(punches acme)" 0
}

# --- usage and I/O ----------------------------------------------------

@test "--help prints the usage on stdout and touches no tenant" {
    run --separate-stderr armms-ingest --help
    assert_equal "$status" 0
    assert_equal "$stderr" ""
    assert_line --index 0 --partial 'usage: armms-ingest'
    assert_output --partial '--max-future H'
    assert_equal "$(ls -A "$ARMMS_HOME")" ""
}

@test "an unknown option or format is a usage error and lands nothing" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t acme --bogus "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 64
    assert_equal "$output" ""
    run --separate-stderr armms-ingest -t acme --format xml "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 64
    assert_equal "$(printf '%s\n' "$stderr" | grep -c "unknown format 'xml'")" 1
    assert_equal "$(punches acme)" 0
}

@test "a missing input file exits 66 and the punches read before it stay recorded" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/a.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/a.ndjson" "$BATS_TEST_TMPDIR/nope.ndjson"
    assert_equal "$status" 66
    assert_equal "$(printf '%s\n' "$stderr" | grep -c "cannot open $BATS_TEST_TMPDIR/nope.ndjson")" 1
    assert_equal "$(jq -r .event_id <<<"$output")" A
    assert_equal "$(punches acme)" 1
    run armms-journal -t acme verify
    assert_success
}

@test "a missing input file among several does not keep the other files from landing" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/a.ndjson"
    ev B G2 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/b.ndjson"

    run --separate-stderr armms-ingest -t acme \
        "$BATS_TEST_TMPDIR/a.ndjson" "$BATS_TEST_TMPDIR/nope.ndjson" "$BATS_TEST_TMPDIR/b.ndjson"
    assert_equal "$status" 66
    assert_equal "$(q acme tk 'select event_id from clock_event order by event_id' | paste -sd,)" A,B
}

@test "a write error on standard output exits 74 and the rerun writes the committed punch, a duplicate" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr bash -c 'armms-ingest -t acme "$1" >/dev/full' _ "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 74
    assert_equal "$(printf '%s\n' "$stderr" | grep -c 'armms-ingest: tenant acme: write error on standard output')" 1
    # The batch was committed before it was reported: nothing is lost.
    assert_equal "$(punches acme)" 1
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$stderr" "armms-ingest: 1 read, 0 accepted, 1 duplicates, 0 rejected, 1 replayed"
    assert_equal "$(jq -r .event_id <<<"$output")" A
}

@test "a batch of a run still alive is written by that run alone; a dead run's is replayed by the next" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"
    ev B G2 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/q"
    # a run killed right after its commit, before it wrote the punch
    run --separate-stderr env ARMMS_TEST_CRASH_AFTER_COMMIT=1 armms-ingest -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$output" ""
    assert_equal "$(punches acme)" 1
    local lock
    lock=$(ls "$ARMMS_HOME/tenants/acme"/ingest-*.lock)
    assert_equal "$(q acme tk 'select owner from clock_event_unsent')" "$(basename "$lock" .lock | sed 's/^ingest-//')"
    # while something holds that run's lock, it counts as alive: not replayed
    flock -o "$lock" sleep 30 &
    local holder=$!
    sleep 0.3
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/q"
    assert_equal "$stderr" "armms-ingest: 1 read, 1 accepted, 0 duplicates, 0 rejected"
    assert_equal "$(jq -r .event_id <<<"$output")" B
    kill "$holder"
    wait "$holder" || true
    # dead: the next run writes its batch, and its lock file goes
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/q"
    assert_equal "$stderr" "armms-ingest: 1 read, 0 accepted, 1 duplicates, 0 rejected, 1 replayed"
    assert_equal "$(jq -r .event_id <<<"$output")" A
    assert_equal "$(ls "$ARMMS_HOME/tenants/acme" | grep -c '^ingest-.*\.lock$')" 0
    assert_equal "$(q acme tk 'select count(*) from clock_event_unsent')" 0
}

@test "a tenant locked past --wait is busy (75) and one never created is missing (78)" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"
    (echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'COMMIT;') | sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" &
    holder=$!
    sleep 0.3

    run --separate-stderr armms-ingest -t acme --wait 1 "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 75
    assert_equal "$output" ""
    wait "$holder"
    assert_equal "$(punches acme)" 0

    run --separate-stderr armms-ingest -t nosuch "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 78
    assert_not_exist "$ARMMS_HOME/tenants/nosuch"
}

@test "an event with an unfinished token after it, or a vertical tab or form feed around it, is PARSE as libjq says" {
    # yajl, the quick reader, takes \v and \f for whitespace and an
    # unfinished token after the record for input still to come; JSON and
    # libjq do not, so such a line is libjq's to refuse
    small_tenant acme
    {
        ev A G1 2026-11-03T05:52:13+08:00 | tr -d '\n'
        printf '"}\n'
        ev B G1 2026-11-03T18:01:00+08:00 OUT | tr -d '\n'
        printf '\v\n\f'
        ev C G1 2026-11-04T05:50:00+08:00
        ev D G1 2026-11-04T18:02:00+08:00 OUT
    } >"$BATS_TEST_TMPDIR/p"
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.line, .code] | @tsv' | paste -sd,)" "$(printf '1\tPARSE,2\tPARSE,3\tPARSE')"
    assert_equal "$(jq -r .event_id <<<"$output")" D
    assert_equal "$(punches acme)" 1
    # the timekeeping stages read the same way
    run --separate-stderr armms-timelog -t acme "$BATS_TEST_TMPDIR/p"
    assert_equal "$(rejects | jq -r 'select(.code == "PARSE") | .line' | paste -sd,)" "1,2,3"
}

@test "a run waiting on a tenant another writer holds goes on once it is let go, within --wait" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"
    (echo 'BEGIN IMMEDIATE;'; sleep 1.5; echo 'COMMIT;') | sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" &
    holder=$!
    sleep 0.3

    run --separate-stderr armms-ingest -t acme --wait 20 "$BATS_TEST_TMPDIR/p"
    wait "$holder"
    assert_success
    assert_equal "$(jq -r .guard_id <<<"$output")" G1
    assert_equal "$(punches acme)" 1
}

# --- crash safety and concurrency --------------------------------------

@test "an ingest killed mid-run loses nothing and the rerun records each punch exactly once" {
    sample_tenants 8000 big ref
    in=$BATS_TEST_TMPDIR/events.ndjson
    armms-sample events --guards 8000 >"$in"

    # The reference: one clean run into another tenant.
    armms-ingest -q -t ref --batch 5000 "$in" >/dev/null
    distinct=$(punches ref)
    assert_equal "$(q ref tk 'select count(distinct dedupe_key) from clock_event')" "$distinct"

    armms-ingest -q -t big --batch 5000 "$in" >"$BATS_TEST_TMPDIR/killed.out" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/killed.out" ] && break; sleep 0.05; done
    sleep 0.5
    kill -9 "$pid"
    rc=0
    wait "$pid" || rc=$?
    assert_equal "$rc" 137
    landed=$(punches big)
    [ "$landed" -gt 0 ] && [ "$landed" -lt "$distinct" ] # it really died mid-run

    # The rerun records exactly the punches the killed run had not
    # committed, and writes them after any it committed but never wrote.
    q big tk 'select clock_event_id from clock_event' | sort >"$BATS_TEST_TMPDIR/before"
    rc=0
    armms-ingest -q -t big --batch 5000 "$in" >"$BATS_TEST_TMPDIR/rerun.out" || rc=$?
    assert_equal "$rc" 0
    jq -r .clock_event_id "$BATS_TEST_TMPDIR/rerun.out" | sort >"$BATS_TEST_TMPDIR/rerun.ids"
    assert_equal "$(comm -13 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/rerun.ids" | wc -l)" "$((distinct - landed))"
    assert_equal "$(punches big)" "$distinct"
    assert_equal "$(q big tk 'select count(distinct dedupe_key) from clock_event')" "$distinct"
    # Every punch the killed run reported is stored, under the id it reported.
    jq -rR 'fromjson? | .clock_event_id' "$BATS_TEST_TMPDIR/killed.out" | sort >"$BATS_TEST_TMPDIR/reported"
    [ -s "$BATS_TEST_TMPDIR/reported" ]
    q big tk 'select clock_event_id from clock_event' | sort >"$BATS_TEST_TMPDIR/stored"
    assert_equal "$(comm -23 "$BATS_TEST_TMPDIR/reported" "$BATS_TEST_TMPDIR/stored" | wc -l)" 0
    # ...and every stored punch was written by one run or the other.
    assert_equal "$(sort -u "$BATS_TEST_TMPDIR/reported" "$BATS_TEST_TMPDIR/rerun.ids" | comm -13 - "$BATS_TEST_TMPDIR/stored" | wc -l)" 0
    run armms-journal -t big verify
    assert_success
    assert_equal "$(recorded big)" "$distinct"
}

@test "two ingests of different halves running at once land every punch with a gap-free journal" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/events.ndjson"
    cd "$BATS_TEST_TMPDIR"
    split -n l/2 events.ndjson half.

    armms-ingest -q -t acme --batch 500 half.aa >o1 2>e1 &
    p1=$!
    armms-ingest -q -t acme --batch 500 half.ab >o2 2>e2 &
    p2=$!
    rc1=0 rc2=0
    wait "$p1" || rc1=$?
    wait "$p2" || rc2=$?
    assert_equal "$rc1 $rc2" "0 0"
    assert_equal "$(cat e1 e2)" ""

    assert_equal "$(punches acme)" "$(($(wc -l <o1) + $(wc -l <o2)))"
    assert_equal "$(punches acme)" 29816
    assert_equal "$(recorded acme)" 29816
    assert_equal "$(journal_lines acme | jq -s 'map(.seq) == [range(1; length + 1)]')" true
    run armms-journal -t acme verify
    assert_success
}

# --- tenants ------------------------------------------------------------

@test "punches ingested for one agency never show up in another's" {
    small_tenant a
    small_tenant b
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t a "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 0
    assert_equal "$(punches a)" 1
    assert_equal "$(punches b)" 0
    assert_equal "$(recorded a)" 1
    assert_equal "$(recorded b)" 0
}

@test "-t chooses the tenant even when ARMMS_TENANT names another" {
    small_tenant a
    small_tenant b
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    ARMMS_TENANT=b run --separate-stderr armms-ingest -t a "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 0
    assert_equal "$(punches a)" 1
    assert_equal "$(punches b)" 0
    assert_equal "$(journal_lines a | jq -r 'select(.event_type == "ClockEventRecorded") | .tenant_id')" a

    ARMMS_TENANT=b run --separate-stderr armms-ingest "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 0
    assert_equal "$(punches b)" 1
}

@test "a tenant id that walks out of ARMMS_HOME is a usage error" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/p"

    run --separate-stderr armms-ingest -t ../x "$BATS_TEST_TMPDIR/p"
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_equal "$(printf '%s\n' "$stderr" | grep -c "invalid tenant id '../x'")" 1
    assert_not_exist "$ARMMS_HOME/x"
    assert_equal "$(punches acme)" 0
}

# --- streaming -------------------------------------------------------

@test "a trickling feed records and reports each punch before the next one arrives" {
    small_tenant acme
    (
        ev A G1 2026-11-03T05:52:13+08:00
        sleep 2
        ev B G2 2026-11-03T05:53:00+08:00
    ) | armms-ingest -q -t acme >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    pid=$!
    for _ in $(seq 30); do [ -s "$BATS_TEST_TMPDIR/out" ] && break; sleep 0.05; done

    # Mid-stream: A is reported, committed and journaled; B has not come yet.
    assert_equal "$(jq -r .event_id "$BATS_TEST_TMPDIR/out")" A
    assert_equal "$(q acme tk 'select event_id from clock_event')" A
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "ClockEventRecorded") | .payload.event_id')" A

    wait "$pid"
    assert_equal "$(jq -r .event_id "$BATS_TEST_TMPDIR/out" | paste -sd,)" A,B
    assert_equal "$(punches acme)" 2
}

@test "a file ending in .csv is read as CSV without --format" {
    small_tenant acme
    printf '%s\n' 'event_id,device_id,guard_id,ts,type,detachment_id' \
        '1,D1,G1,2026-11-03T05:52:13+08:00,IN,DET1' '2,D1,G1,2026-11-03T18:01:00+08:00,OUT,DET1' \
        >"$BATS_TEST_TMPDIR/gate.csv"
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/gate.csv"
    assert_success
    assert_equal "$(jq -r .type <<<"$output" | paste -sd' ')" "IN OUT"
    assert_equal "$(q acme tk 'SELECT count(*) FROM clock_event')" 2
}

@test "a long run shows progress on a terminal and never in a pipe" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    ARMMS_PROGRESS_MS=0 script -qc "armms-ingest -t acme --batch 10000 $BATS_TEST_TMPDIR/ev >/dev/null" /dev/null >"$BATS_TEST_TMPDIR/tty"
    assert [ "$(tr '\r' '\n' <"$BATS_TEST_TMPDIR/tty" | sed 's/^\x1b\[K//' | grep -c '^armms-ingest: 10000 read')" -ge 1 ]
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/ev"
    assert_equal "$stderr" "armms-ingest: 29910 read, 0 accepted, 29910 duplicates, 0 rejected"
}

@test "a CSV row with the wrong number of fields is rejected and the punches around it land" {
    small_tenant acme
    printf '%s\n' 'event_id,device_id,guard_id,ts,type,detachment_id' \
        '1,D1,G1,2026-11-03T05:52:13+08:00,IN,DET1' '2,D1,G1,2026-11-03T18:01:00+08:00' \
        '3,D1,G2,2026-11-03T05:50:00+08:00,IN,DET1' >"$BATS_TEST_TMPDIR/gate.csv"
    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/gate.csv"
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_FIELD\t3')"
    assert_equal "$(punches acme)" 2
}

@test "a --map that emits something other than an object is a MAP_ERROR for that line" {
    small_tenant acme
    printf '%s\n' '{"emp":"G1","when":"2026-11-03T05:52:13+08:00"}' '{"emp":"G2","when":"2026-11-03T05:53:13+08:00"}' >"$BATS_TEST_TMPDIR/v"
    run --separate-stderr armms-ingest -t acme \
        --map 'if .emp == "G1" then "G1" else {guard_id:.emp, ts:.when, type:"IN", device_id:"V"} end' "$BATS_TEST_TMPDIR/v"
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'MAP_ERROR\t1')"
    assert_equal "$(q acme tk 'select guard_id from clock_event')" G2
}

# --- bad CSV costs only itself ------------------------------------------

# A CSV export: the header, then one row per punch C1..Cn of guard G1.
csv_punches() {
    local i
    for i in $(seq "$1" "$2"); do
        printf 'C%d,D1,G1,2026-11-03T%02d:%02d:00+08:00,IN,DET1\n' "$i" $((i / 60 % 24)) $((i % 60))
    done
}

@test "a stray quote in one CSV row costs only that row: the 1,000 punches after it land" {
    small_tenant acme
    in=$BATS_TEST_TMPDIR/p.csv
    {
        echo 'event_id,device_id,guard_id,ts,type,detachment_id'
        echo 'X0,D1,G1,2026-11-03T05:52:13+08:00,IN,"DET001-1'
        csv_punches 1 1000
    } >"$in"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: 1001 read, 1000 accepted, 0 duplicates, 1 rejected"
    assert_equal "$(rejects | jq -r '[.code, .line, .input] | @tsv')" \
        "$(printf 'PARSE\t2\tX0,D1,G1,2026-11-03T05:52:13+08:00,IN,"DET001-1')"
    assert_equal "$(punches acme)" 1000
    assert_equal "$(q acme tk "select count(*) from clock_event where event_id like 'C%'")" 1000
    assert_equal "$(recorded acme)" 1000

    before=$(journal_sum acme)
    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-ingest: 1001 read, 0 accepted, 1000 duplicates, 1 rejected"
    assert_equal "$(journal_sum acme)" "$before"
}

@test "a stray quote near the end of a CSV file costs its row and the rows after it still land" {
    small_tenant acme
    in=$BATS_TEST_TMPDIR/p.csv
    {
        echo 'event_id,device_id,guard_id,ts,type,detachment_id'
        csv_punches 1 3
        echo 'X0,D1,"G1,2026-11-03T05:52:13+08:00,IN,DET1'
        csv_punches 4 5
        # a quoted field over two lines is one record, not a stray quote (and
        # refused as a whole, since no id may hold a newline)
        printf 'C6,D1,G1,2026-11-03T07:00:00+08:00,IN,"DET\n1"\n'
        echo 'X7,D1,G1,2026-11-03T05:52:13+08:00,"IN,DET1'
    } >"$in"

    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'PARSE\t5\nBAD_FIELD\t8\nPARSE\t10')"
    assert_equal "$(q acme tk 'select event_id from clock_event order by event_id' | paste -sd,)" "C1,C2,C3,C4,C5"
}

@test "a 100 MB CSV field is a TOO_LONG Reject read in bounded memory and the rows around it land" {
    small_tenant acme
    in=$BATS_TEST_TMPDIR/p.csv
    {
        echo 'event_id,device_id,guard_id,ts,type,detachment_id'
        csv_punches 1 1
        printf 'X1,D1,G1,2026-11-03T05:52:13+08:00,IN,"'
        head -c 100000000 /dev/zero | tr '\0' x
        printf '"\n'
        # a field over the 64 KiB field limit inside a line under 1 MiB
        printf 'X2,D1,G1,2026-11-03T05:52:13+08:00,IN,%s\n' "$(head -c 70000 /dev/zero | tr '\0' y)"
        csv_punches 2 2
    } >"$in"

    # (a sanitizer build keeps freed blocks in quarantine, which is not the
    # tool's memory: without it the figure is the tool's own)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 \
        run --separate-stderr /usr/bin/time -f 'peak %M KiB' armms-ingest -t acme "$in"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'TOO_LONG\t3\nTOO_LONG\t4')"
    assert_equal "$(q acme tk 'select event_id from clock_event order by event_id' | paste -sd,)" "C1,C2"
    peak=$(printf '%s\n' "$stderr" | sed -n 's/^peak \([0-9]*\) KiB$/\1/p')
    [ "$peak" -lt 65536 ] || fail "peak memory $peak KiB for a 100 MB field"
}

@test "a Reject keeps the whole record it refused, well past 4 KiB" {
    small_tenant acme
    long=$(head -c 20000 /dev/zero | tr '\0' n)
    printf '{"event_id":"A","device_id":"D1","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN","note":"%s"}\n' "$long" >"$BATS_TEST_TMPDIR/in.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r .code)" UNKNOWN_FIELD
    assert_equal "$(rejects | jq -r .input)" "$(cat "$BATS_TEST_TMPDIR/in.ndjson")"
    assert_equal "$(rejects | jq -r 'has("truncated")')" false
}

# --- rejects fed back ---------------------------------------------------

@test "a rejects file fed back lands the punches of every format once their time has come" {
    # An unknown guard is held, not rejected (33-held.bats); a punch dated
    # ahead of the clock (FUTURE_TS) is the Reject that becomes good later.
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    ev A G1 2026-12-03T05:52:13+08:00 >a.ndjson
    printf '%s\n' 'event_id,device_id,guard_id,ts,type,detachment_id' \
        'C1,D1,G1,2026-12-03T06:00:00+08:00,IN,DET1' 'C2,D1,G1,2026-11-03T06:00:00+08:00,IN,DET1' >p.csv
    printf '100001\t2026-12-05 05:55:00\t7\t0\t1\t0\n' >1_attlog.dat
    printf '100001\t2026-12-05 18:01:00\t1\t1\t0\n' >attlog
    echo '{"emp":"G1","when":"2026-12-04T06:00:00+08:00","dir":"in"}' >vendor
    armms-ingest -q -t acme --rejects r.ndjson a.ndjson p.csv >/dev/null || true
    armms-ingest -q -t acme --rejects r.ndjson --format zk --tz UTC --device DZ 1_attlog.dat >/dev/null || true
    armms-ingest -q -t acme --rejects r.ndjson --format zk-push --device D9 attlog >/dev/null || true
    armms-ingest -q -t acme --rejects r.ndjson --device DV \
        --map '{guard_id:.emp, ts:.when, type:(.dir|ascii_upcase)}' vendor >/dev/null || true
    assert_equal "$(jq -r '[.code, .format] | @tsv' r.ndjson)" "$(printf '%s\n' \
        'FUTURE_TS	ndjson' 'FUTURE_TS	csv' 'FUTURE_TS	zk' 'FUTURE_TS	zk-push' 'FUTURE_TS	ndjson')"
    assert_equal "$(jq -r 'select(.format == "csv") | .header' r.ndjson)" 'event_id,device_id,guard_id,ts,type,detachment_id'
    assert_equal "$(jq -r 'select(.format == "zk") | [.device, .zone] | @tsv' r.ndjson)" "$(printf 'DZ\tUTC')"
    assert_equal "$(jq -r 'select(.format == "zk-push") | [.device, .zone] | @tsv' r.ndjson)" "$(printf 'D9\tAsia/Manila')"
    assert_equal "$(jq -r 'select(.map) | .device' r.ndjson)" DV
    assert_equal "$(punches acme)" 1

    export ARMMS_NOW=2026-12-20T00:00:00Z
    run --separate-stderr armms-ingest -t acme r.ndjson
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-ingest: 5 read, 5 accepted, 0 duplicates, 0 rejected"
    assert_equal "$(q acme tk "select device_id, ts, type, coalesce(event_id, '-') from clock_event where ts >= '2026-12' order by ts")" "$(printf '%s\n' \
        'D1|2026-12-02T21:52:13Z|IN|A' 'D1|2026-12-02T22:00:00Z|IN|C1' 'DV|2026-12-03T22:00:00Z|IN|-' \
        'DZ|2026-12-05T05:55:00Z|IN|-' 'D9|2026-12-05T10:01:00Z|OUT|-')"
    assert_equal "$(recorded acme)" 6

    before=$(journal_sum acme)
    run --separate-stderr armms-ingest -t acme r.ndjson
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-ingest: 5 read, 0 accepted, 5 duplicates, 0 rejected"
    assert_equal "$(journal_sum acme)" "$before"
}

@test "a Reject fed back too early is rejected again with its record and origin, and lands when fed back later" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'event_id,device_id,guard_id,ts,type,detachment_id' 'C1,D1,G1,2026-12-03T06:00:00+08:00,IN,DET1' >p.csv
    printf '100001\t2026-12-05 05:55:00\t7\t0\t1\t0\n' >1_attlog.dat
    armms-ingest -q -t acme --rejects r1.ndjson p.csv >/dev/null || true
    armms-ingest -q -t acme --rejects r1.ndjson --format zk --tz UTC 1_attlog.dat >/dev/null || true

    run --separate-stderr armms-ingest -t acme --rejects r2.ndjson r1.ndjson
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-ingest: 2 read, 0 accepted, 0 duplicates, 2 rejected"
    keep='[.code, .source, .line, .input, .format, .header, .device, .zone] | tostring'
    assert_equal "$(jq -r "$keep" r2.ndjson)" "$(jq -r "$keep" r1.ndjson)"
    assert_equal "$(punches acme)" 0

    export ARMMS_NOW=2026-12-20T00:00:00Z
    run --separate-stderr armms-ingest -t acme r2.ndjson
    assert_equal "$status" 0
    assert_equal "$(q acme tk 'select device_id, ts from clock_event order by ts' | paste -sd,)" \
        "D1|2026-12-02T22:00:00Z,7|2026-12-05T05:55:00Z"
}

@test "a Reject of a line over 1 MiB is not fed back as a record" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '{"event_id":"%s"}\n' "$(head -c 1100000 /dev/zero | tr '\0' x)" >big.ndjson
    armms-ingest -q -t acme --rejects r.ndjson big.ndjson || true

    run --separate-stderr armms-ingest -t acme r.ndjson
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'TOO_LONG\t1')"
    assert_equal "$(rejects | jq -r .message)" "fed back, but its input was not kept whole: line is longer than 1048576 bytes"
    assert_equal "$(punches acme)" 0
}

# --- small items ----------------------------------------------------------

@test "a ZKTeco time that is not two digits each for hours, minutes and seconds is rejected as BAD_TS" {
    small_tenant acme
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' \
        100001 '2026-11-05 -1:-1:-1' 7 0 1 0 \
        100001 '2026-11-05 +9:+9:+9' 7 0 1 0 \
        100001 '2026-11-05 09:+5:00' 7 0 1 0 \
        100001 '2026-11-05 9:05:000' 7 0 1 0 \
        100001 '2026-11-05 09:05:00' 7 0 1 0 >"$BATS_TEST_TMPDIR/1_attlog.dat"

    run --separate-stderr armms-ingest -t acme --format zk "$BATS_TEST_TMPDIR/1_attlog.dat"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_TS\t%s\n' 1 2 3 4)"
    assert_equal "$(q acme tk 'select ts from clock_event')" 2026-11-05T01:05:00Z
}

@test "an offset outside -12:00..+14:00 is rejected as BAD_TS and the edges themselves land" {
    small_tenant acme
    {
        ev A G1 2026-11-03T05:52:13-12:00
        ev B G1 2026-11-03T05:52:13-12:01
        ev C G1 2026-11-03T05:52:13-14:00
        ev D G1 2026-11-03T05:52:13+14:00
        ev E G1 2026-11-03T05:52:13+14:01
    } >"$BATS_TEST_TMPDIR/in.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_TS\t%s\n' 2 3 5)"
    assert_equal "$(q acme tk 'select event_id from clock_event order by event_id' | paste -sd,)" A,D
}

@test "an id with a NUL or another control character is rejected, never stored cut short" {
    small_tenant acme
    {
        echo '{"event_id":"A","device_id":"D1","guard_id":"G1\u0000x","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        echo '{"event_id":"B\u0000x","device_id":"D1","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        echo '{"event_id":"C","device_id":"D1\u0000","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        echo '{"event_id":"D","device_id":"D1","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN","detachment_id":"DET1\u0000x"}'
        echo '{"event_id":"E\u007f","device_id":"D1","guard_id":"G1","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        echo '{"event_id":"F","device_id":"D1","guard_id":"G1\u001b","ts":"2026-11-03T05:52:13+08:00","type":"IN"}'
        ev Z G1 2026-11-03T18:00:00+08:00 OUT
    } >"$BATS_TEST_TMPDIR/in.ndjson"

    run --separate-stderr armms-ingest -t acme "$BATS_TEST_TMPDIR/in.ndjson"
    assert_equal "$status" 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_FIELD\t%s\n' 1 2 3 4 5 6)"
    assert_equal "$(q acme tk 'select event_id from clock_event' | paste -sd,)" Z
}

@test "a --map that uses import or include is a usage error and lands nothing" {
    small_tenant acme
    ev A G1 2026-11-03T05:52:13+08:00 >"$BATS_TEST_TMPDIR/in.ndjson"
    for m in 'import "vendor" as v; .' '# a comment first
include "vendor"; .' 'import "x" as $x {search: "/etc"}; .'; do
        run --separate-stderr armms-ingest -t acme --map "$m" "$BATS_TEST_TMPDIR/in.ndjson"
        assert_equal "$status" 64
        assert_equal "$output" ""
        [[ "$stderr" == *"--map may not use i"* ]] || fail "unclear message: $stderr"
    done
    assert_equal "$(punches acme)" 0
}

@test "a plain ClockEvent line and the same line through --map . get the same Rejects and land the same events" {
    # A line of plain members (strings, numbers, booleans, nulls, no
    # backslash) is checked from its members without a jq value; --map
    # always goes through libjq's object. Both must say the same of each.
    small_tenant acme
    small_tenant beta
    local d='"device_id":"D1","guard_id":"G1"' in="$BATS_TEST_TMPDIR/in.ndjson"
    {
        ev A G1 2026-11-03T05:52:13+08:00
        printf '{"event_id":"B",%s,"ts":"2026-11-03T06:00:00+08:00","type":"IN","note":"x"}\n' "$d"
        printf '{"event_id":"C",%s,"ts":"2026-11-03T06:01:00+08:00","type":"IN","v":2}\n' "$d"
        printf '{"event_id":"D",%s,"ts":"2026-11-03T06:02:00+08:00","type":"IN","v":"1"}\n' "$d"
        printf '{"event_id":"E",%s,"ts":"2026-11-03T06:03:00+08:00","type":"IN","kind":"TimeLog"}\n' "$d"
        printf '{"event_id":"F","device_id":"D1","guard_id":42,"ts":"2026-11-03T06:04:00+08:00","type":"IN"}\n'
        printf '{"event_id":"G","device_id":null,"guard_id":"G1","ts":"2026-11-03T06:05:00+08:00","type":"IN"}\n'
        printf '{"event_id":"H",%s,"ts":"yesterday","type":"IN"}\n' "$d"
        printf '{"event_id":"I",%s,"ts":"2026-11-03T06:06:00+08:00","type":"LUNCH"}\n' "$d"
        printf '{"event_id":"J","device_id":"D1","guard_id":{"id":"G1"},"ts":"2026-11-03T06:07:00+08:00","type":"IN"}\n'
        printf '{"event_id":"K",%s,"ts":"2026-11-03T06:08:00+08:00","type":"IN","v":true}\n' "$d"
        printf '{"event_id":"L",%s,"ts":"2026-11-03T06:09:00+08:00","type":"in","v":1.0,"kind":"ClockEvent","detachment_id":null}\n' "$d"
        printf '{"event_id":"M","event_id":"N",%s,"ts":"2026-11-03T06:10:00+08:00","type":"OUT"}\n' "$d"
        printf '{"event_id":"O\\u0031",%s,"ts":"2026-11-03T06:11:00+08:00","type":"OUT"}\n' "$d"
        printf '{"event_id":"P",%s,"ts":"2026-11-03T06:12:00+08:00","type":"IN","detachment_id":"NOSUCH"}\n' "$d"
        printf '[1,2]\n'
        ev Z G1 2026-11-03T18:02:00+08:00 OUT
    } >"$in"
    run --separate-stderr armms-ingest -t acme "$in"
    assert_equal "$status" 65
    local plain mapped
    plain=$(rejects | jq -c '[.line, .code, .message]')
    local out_plain=$output
    run --separate-stderr armms-ingest -t beta --map . "$in"
    assert_equal "$status" 65
    mapped=$(rejects | jq -c '[.line, .code, .message]')
    assert_equal "$plain" "$mapped"
    assert_equal "$(jq -r .event_id <<<"$out_plain" | paste -sd,)" A,L,N,O1,Z
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" A,L,N,O1,Z
    assert_equal "$(jq -r '.[1]' <<<"$plain" | paste -sd,)" \
        UNKNOWN_FIELD,BAD_FIELD,BAD_FIELD,BAD_FIELD,BAD_FIELD,MISSING_FIELD,BAD_TS,BAD_FIELD,BAD_FIELD,BAD_FIELD,NOT_OBJECT
    # P is held (its detachment may come), on both paths
    assert_equal "$(q acme tk 'select count(*) from clock_event_held')" 1
    assert_equal "$(q beta tk 'select count(*) from clock_event_held')" 1
    # each run's events are the other's duplicates
    run --separate-stderr armms-ingest -t beta "$in"
    assert_equal "$(jq -r '.[1]' <<<"$(rejects | jq -c '[.line, .code, .message]')" | paste -sd,)" \
        "$(jq -r '.[1]' <<<"$plain" | paste -sd,)"
    assert_equal "$output" ""
    assert_equal "$(q beta tk 'select count(*) from clock_event')" 5
}

# The writer thread (ingest_commit.c) journals and writes a batch while
# the run stores the next; ARMMS_INGEST_SERIAL=1 does it all on one thread.
@test "a run of many batches through the writer thread and on one thread: the same records, journal and store" {
    local in=$BATS_TEST_TMPDIR/ev.ndjson t
    sample_tenants 300 one two
    armms-sample events --guards 300 --max 3000 >"$in"
    # a duplicate and a bad line in the middle, so batches differ in what they land
    { head -n 1500 "$in"; sed -n 10p "$in"; echo '{"device_id":"D","guard_id":"G00001","type":"IN"}'; tail -n +1501 "$in"; } >"$in.2"
    run --separate-stderr env ARMMS_INGEST_SERIAL=1 armms-ingest -t one --batch 250 "$in.2"
    assert_equal "$status" 65
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/one.out"
    local sum1=${stderr##*$'\n'}
    # each record is on the output only once it is in the journal: the
    # first record of each batch is looked for there as it is read
    run --separate-stderr bash -c 'set -o pipefail
        armms-ingest -t two --batch 250 "$1" | while IFS= read -r l; do
            n=$((n + 1))
            if [ $((n % 250)) = 1 ]; then
                id=$(jq -r .clock_event_id <<<"$l")
                grep -qF "\"clock_event_id\":\"$id\"" "$ARMMS_HOME"/tenants/two/journal/*.ndjson ||
                    echo "record $n on the output before the journal: $id" >&2
            fi
            printf "%s\n" "$l"
        done' _ "$in.2"
    assert_equal "$status" 65
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/two.out"
    assert_equal "$(grep -c 'before the journal' <<<"$stderr")" 0
    assert_equal "${stderr##*$'\n'}" "$sum1"
    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/two.out")" "$(punches one)"
    # the records, but for the ids each run drew, in the same order
    assert_equal "$(jq -c 'del(.clock_event_id)' "$BATS_TEST_TMPDIR/two.out")" \
        "$(jq -c 'del(.clock_event_id)' "$BATS_TEST_TMPDIR/one.out")"
    for t in one two; do
        # what was written is what was journaled, in order
        assert_equal "$(journal_lines "$t" | jq -c 'select(.event_type == "ClockEventRecorded") | .payload')" \
            "$(cat "$BATS_TEST_TMPDIR/$t.out")"
        assert_equal "$(q "$t" tk 'select count(*) from outbox')" 0
        assert_equal "$(q "$t" tk 'select count(*) from clock_event_unsent')" 0
        run --separate-stderr armms-journal -t "$t" verify
        assert_success
    done
    # the same lines, each from the same outbox row at the same place
    local drop='select(.event_type == "ClockEventRecorded") | del(.event_id, .tenant_id, .aggregate_id, .payload.clock_event_id, .prev, .hash)'
    assert_equal "$(journal_lines two | jq -c "$drop")" "$(journal_lines one | jq -c "$drop")"
    assert_equal "$(q two tk 'select device_id, event_id, guard_id, ts, type from clock_event order by rowid')" \
        "$(q one tk 'select device_id, event_id, guard_id, ts, type from clock_event order by rowid')"
    # a rerun lands nothing and writes nothing
    run --separate-stderr armms-ingest -t two --batch 250 "$in.2"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(punches two)" "$(punches one)"
}
