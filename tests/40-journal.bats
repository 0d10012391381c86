#!/usr/bin/env bats
# armms-journal: the tenant's append-only, SHA-256-chained event journal —
# verify, sync (heal a crashed run's outbox), cat (filters, consumer
# cursors) and seal (gzip closed segments).
load test_helper
bats_require_minimum_version 1.5.0

jdir() { echo "$ARMMS_HOME/tenants/${1:-acme}/journal"; }
nlines() { journal_lines "${1:-acme}" | wc -l; }

# One more master-data change, so the journal grows by one event.
add_position() {
    printf '%s\n' 'position_id,name' "${2:-SUPERVISOR},${3:-Supervisor}" |
        armms-import -q -t "${1:-acme}" --format csv position
}

@test "after the sample imports verify counts every event and finds the chain intact" {
    sample_tenant acme
    local n
    n=$(nlines acme)
    [ "$n" -gt 2900 ]
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_output ""
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"
}

@test "a new tenant's journal holds its first admin and the shipped rules, and verifies" {
    armms-init -q -t acme
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 170 events, chain intact"
    assert_equal "$(journal_lines acme | head -n 1 | jq -r '[.event_type, .aggregate_id, .actor] | join(" ")')" \
        "UserUpserted tester tester"
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "pay") | .actor' | sort | uniq -c | awk '{print $1, $2}')" "163 tester"
}

@test "every event has the next seq, links to the previous hash and hashes its own bytes" {
    sample_tenant acme
    local n
    n=$(nlines acme)
    # seq 1..N with no gap, in file order
    assert_equal "$(journal_lines acme | jq -s '[.[].seq] == [range(1; length + 1)]')" true
    assert_equal "$(journal_lines acme | jq -s 'length')" "$n"
    # each prev is the hash before it; the first links to 64 zeros
    assert_equal "$(journal_lines acme | jq -s '.[0].prev == ("0" * 64) and
        ([range(1; length) as $i | .[$i].prev == .[$i - 1].hash] | all)')" true
    # envelope fields the design fixes are on every line
    assert_equal "$(journal_lines acme | jq -s 'map(has("event_id") and has("event_type") and
        has("version") and .tenant_id == "acme" and has("aggregate_type") and
        has("aggregate_id") and .occurred_at == "2026-11-25T00:00:00Z" and .actor == "tester" and
        has("payload")) | all')" true
    # event ids are unique ULIDs
    assert_equal "$(journal_lines acme | jq -r .event_id | sort -u | grep -cE '^[0-9A-HJKMNP-TV-Z]{26}$')" "$n"
    # hash = SHA-256 of the line's bytes before ,"hash":
    run python3 -c '
import hashlib, sys
bad = 0
for raw in sys.stdin.buffer:
    line = raw.rstrip(b"\n")
    i = line.rindex(b",\"hash\":\"")
    if hashlib.sha256(line[:i]).hexdigest().encode() != line[i + 9:i + 73]:
        bad += 1
print(bad)' < <(journal_lines acme)
    assert_success
    assert_output 0
}

@test "editing one byte of an old event's payload is caught and the seq is named" {
    small_tenant acme
    add_position acme
    local n k seg
    n=$(nlines acme)
    k=$((n / 2))
    seg=$(jdir)/000001.ndjson
    assert_equal "$(sed -n "${k}p" "$seg" | jq -r .payload.op)" insert
    sed -i "${k}s/\"op\":\"insert\"/\"op\":\"insers\"/" "$seg"
    assert_equal "$(sed -n "${k}p" "$seg" | jq -r .payload.op)" insers

    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    assert_output ""
    [[ "$stderr" == *"journal broken"*"seq $k"* ]] || fail "$stderr"
    [[ "$stderr" == *"$((k - 1)) events verified"* ]] || fail "$stderr"
}

@test "cutting the last event off the journal is reported as truncation" {
    small_tenant acme
    local n
    n=$(nlines acme)
    sed -i '$d' "$(jdir)/000001.ndjson"
    assert_equal "$(nlines acme)" $((n - 1))

    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"truncated"* ]] || fail "$stderr"
    [[ "$stderr" == *"seq $((n - 1))"* ]] || fail "$stderr"
}

@test "a torn last line left by a crash is cut away by the next import and the chain verifies" {
    small_tenant acme
    local n seg
    n=$(nlines acme)
    seg=$(jdir)/000001.ndjson
    printf '{"seq":%d,"event_id":"01KTORN0000000000000000000","event_type":"Guard' $((n + 1)) >>"$seg"

    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"torn"* ]] || fail "$stderr"

    run --separate-stderr armms-import -t acme --format csv position < <(printf '%s\n' 'position_id,name' 'SUPERVISOR,Supervisor')
    assert_success
    assert_equal "$(q acme hr "SELECT name FROM position WHERE position_id='SUPERVISOR'")" Supervisor

    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 1)) events, chain intact"
    run grep -c 01KTORN "$seg"
    assert_output 0
    assert_equal "$(tail -c 1 "$seg" | od -An -c | tr -d ' ')" '\n'
    assert_equal "$(tail -n 1 "$seg" | jq -r '[.seq, .event_type, .aggregate_id] | join(" ")')" \
        "$((n + 1)) PositionUpserted SUPERVISOR"
}

@test "cat --type GuardUpserted prints only guard events, in seq order" {
    small_tenant acme
    run --separate-stderr armms-journal -t acme cat --type GuardUpserted
    assert_success
    assert_equal "$(jq -r '.event_type' <<<"$output" | sort -u)" GuardUpserted
    assert_equal "$(jq -r '.aggregate_id' <<<"$output" | paste -sd,)" "G1,G2,G3"
    assert_equal "$(jq -s '[.[].seq] | . == sort' <<<"$output")" true
    assert_equal "$(grep -c . <<<"$output")" "$(q acme hr 'SELECT count(*) FROM guard')"
}

@test "cat --aggregate G00001 shows one guard's history" {
    sample_tenant acme
    local row
    row=$(grep '^G00001,' "$ARMMS_ROOT/samples/guard.csv")
    printf '%s\n' "$(head -n 1 "$ARMMS_ROOT/samples/guard.csv")" "${row/,Evangelista,/,Evangelista-Cruz,}" |
        armms-import -q -t acme --format csv guard
    run --separate-stderr armms-journal -t acme cat --aggregate G00001
    assert_success
    assert_equal "$(jq -r '[.aggregate_id, .event_type, .payload.op, .payload.record.last_name] | join(" ")' <<<"$output")" \
        "$(printf '%s\n' 'G00001 GuardUpserted insert Evangelista' 'G00001 GuardUpserted update Evangelista-Cruz')"
}

@test "cat --since N prints only the events after seq N" {
    small_tenant acme
    local n
    n=$(nlines acme)
    run --separate-stderr armms-journal -t acme cat --since 5
    assert_success
    assert_equal "$(jq -r .seq <<<"$output" | paste -sd,)" "$(seq 6 "$n" | paste -sd,)"
    run --separate-stderr armms-journal -t acme cat --since "$n"
    assert_success
    assert_output ""
}

@test "a consumer gets every event once, then nothing, then only what is new" {
    small_tenant acme
    local n
    n=$(nlines acme)
    run --separate-stderr armms-journal -t acme cat --consumer pub
    assert_success
    assert_equal "$(jq -r .seq <<<"$output" | paste -sd,)" "$(seq 1 "$n" | paste -sd,)"
    assert_equal "$(cat "$(jdir)/cursors/pub")" "$n"

    run --separate-stderr armms-journal -t acme cat --consumer pub
    assert_success
    assert_output ""
    assert_equal "$(cat "$(jdir)/cursors/pub")" "$n"

    add_position acme
    run --separate-stderr armms-journal -t acme cat --consumer pub
    assert_success
    assert_equal "$(jq -r '[.seq, .event_type, .aggregate_id] | join(" ")' <<<"$output")" \
        "$((n + 1)) PositionUpserted SUPERVISOR"
    assert_equal "$(cat "$(jdir)/cursors/pub")" $((n + 1))
    # another consumer has its own cursor
    run --separate-stderr armms-journal -t acme cat --consumer audit
    assert_success
    assert_equal "$(grep -c . <<<"$output")" $((n + 1))
}

@test "a consumer whose output cannot be written keeps its cursor" {
    small_tenant acme
    local n
    n=$(nlines acme)
    run --separate-stderr bash -c 'armms-journal -t acme cat --consumer pub > /dev/full'
    assert_failure 74
    [[ "$stderr" == *"write error"* ]] || fail "$stderr"
    assert_not_exists "$(jdir)/cursors/pub"
    run --separate-stderr armms-journal -t acme cat --consumer pub
    assert_success
    assert_equal "$(grep -c . <<<"$output")" "$n"
}

@test "sync journals an outbox row a crashed run left behind, exactly once" {
    small_tenant acme
    local n
    n=$(nlines acme)
    sqlite3 "$ARMMS_HOME/tenants/acme/hr.db" "INSERT INTO outbox(events, body) VALUES(1, '{\"event_id\":\"01KTEST00000000000000000000\",\"event_type\":\"GuardUpserted\",\"version\":1,\"tenant_id\":\"acme\",\"aggregate_type\":\"guard\",\"aggregate_id\":\"G1\",\"occurred_at\":\"2026-11-25T00:00:00Z\",\"actor\":\"tester\",\"payload\":{}}
')"
    run --separate-stderr armms-journal -t acme sync
    assert_success
    [[ "$stderr" =~ "tenant acme: 1 event"s?" appended, journal at seq $((n + 1))" ]] || fail "$stderr"
    assert_equal "$(nlines acme)" $((n + 1))
    assert_equal "$(journal_lines acme | tail -n 1 | jq -r '[.seq, .event_id, .event_type, .aggregate_id, .src] | join(" ")')" \
        "$((n + 1)) 01KTEST00000000000000000000 GuardUpserted G1 hr"
    assert_equal "$(q acme hr 'SELECT count(*) FROM outbox')" 0
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 1)) events, chain intact"

    run --separate-stderr armms-journal -t acme sync
    assert_success
    [[ "$stderr" =~ "tenant acme: 0 events appended, journal at seq $((n + 1))" ]] || fail "$stderr"
    assert_equal "$(nlines acme)" $((n + 1))
    assert_equal "$(journal_lines acme | grep -c 01KTEST00000000000000000000)" 1
}

@test "any tool heals a crashed run's outbox before its own change" {
    small_tenant acme
    local n
    n=$(nlines acme)
    sqlite3 "$ARMMS_HOME/tenants/acme/hr.db" "INSERT INTO outbox(events, body) VALUES(1, '{\"event_id\":\"01KTEST00000000000000000000\",\"event_type\":\"GuardUpserted\",\"version\":1,\"tenant_id\":\"acme\",\"aggregate_type\":\"guard\",\"aggregate_id\":\"G1\",\"occurred_at\":\"2026-11-25T00:00:00Z\",\"actor\":\"tester\",\"payload\":{}}')"
    add_position acme
    assert_equal "$(journal_lines acme | tail -n 2 | jq -r '[.seq, .event_type] | join(" ")')" \
        "$(printf '%s\n' "$((n + 1)) GuardUpserted" "$((n + 2)) PositionUpserted")"
    run armms-journal -q -t acme verify
    assert_success
}

@test "seal gzips the closed segments and verify and cat still read every event" {
    export ARMMS_JOURNAL_SEGMENT_BYTES=2000
    small_tenant acme
    add_position acme
    add_position acme HEADGUARD "Head Guard"
    local dir n before
    dir=$(jdir)
    n=$(cat "$dir"/*.ndjson | wc -l)
    before=$(cat "$dir"/*.ndjson | sha256sum)
    local segs
    segs=$(ls "$dir" | grep -c '\.ndjson$')
    [ "$segs" -ge 3 ] || fail "only $segs segments"

    run --separate-stderr armms-journal -t acme seal
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((segs - 1)) segments sealed"
    assert_equal "$(ls "$dir" | grep -c '\.ndjson\.gz$')" $((segs - 1))
    assert_equal "$(ls "$dir" | grep '\.ndjson$')" "$(printf '%06d.ndjson' "$segs")"
    # the sealed segments hold exactly the bytes they held before
    assert_equal "$( (zcat "$dir"/*.ndjson.gz; cat "$dir"/*.ndjson) | sha256sum)" "$before"

    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"
    run --separate-stderr armms-journal -t acme cat
    assert_success
    assert_equal "$(jq -r .seq <<<"$output" | paste -sd,)" "$(seq 1 "$n" | paste -sd,)"

    # the journal goes on after sealing
    add_position acme GUARD2 "Lady Guard"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 1)) events, chain intact"
    assert_equal "$(armms-journal -t acme cat --since "$n" | jq -r .aggregate_id)" GUARD2
}

@test "a recreated tk.db is refused as not the store this journal was written from" {
    small_tenant acme
    local n head
    n=$(nlines acme)
    head=$(cat "$(jdir)/head")
    rm -f "$ARMMS_HOME/tenants/acme/tk.db"*

    run --separate-stderr armms-init -t acme
    assert_failure 78
    [[ "$stderr" == *"tk.db is not the store this journal was written from"* ]] || fail "$stderr"

    run --separate-stderr armms-journal -t acme sync
    assert_failure 78
    [[ "$stderr" == *"tk.db is not the store this journal was written from"* ]] || fail "$stderr"
    assert_equal "$(nlines acme)" "$n"
    assert_equal "$(cat "$(jdir)/head")" "$head"
}

@test "two tenants never see each other's events" {
    small_tenant acme
    small_tenant bravo
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Ed,GUARD,SUN,ACTIVE' | armms-import -q -t bravo --format csv guard
    assert_not_equal "$(jdir acme)" "$(jdir bravo)"
    assert_equal "$(journal_lines acme | jq -r .tenant_id | sort -u)" acme
    assert_equal "$(journal_lines bravo | jq -r .tenant_id | sort -u)" bravo
    assert_equal "$(journal_lines bravo | wc -l)" $(($(nlines acme) + 1))
    # each tenant's chain starts at seq 1 of its own
    assert_equal "$(journal_lines acme | head -n 1 | jq .seq)" 1
    assert_equal "$(journal_lines bravo | head -n 1 | jq .seq)" 1
    run --separate-stderr armms-journal -t acme cat --aggregate G4
    assert_success
    assert_output ""
    run --separate-stderr armms-journal -t bravo cat --aggregate G4
    assert_equal "$(jq -r .tenant_id <<<"$output")" bravo
    assert_equal "$(q acme hr "SELECT count(*) FROM guard WHERE guard_id='G4'")" 0
    run armms-journal -q -t acme verify
    assert_success
    run armms-journal -q -t bravo verify
    assert_success
}

@test "armms-journal --help prints the usage on stdout" {
    run --separate-stderr armms-journal --help
    assert_success
    assert_line --index 0 --partial 'usage: armms-journal'
    assert_output --partial '--consumer NAME'
    assert_equal "$stderr" ""
}

@test "armms-journal with an unknown command is a usage error" {
    armms-init -q -t acme
    run --separate-stderr armms-journal -t acme rewind
    assert_failure 64
    assert_output ""
    [[ "$stderr" == *"unknown command 'rewind'"* ]] || fail "$stderr"
}

@test "a consumer name that could be a path, or a bad --since, is a usage error" {
    small_tenant acme
    run --separate-stderr armms-journal -t acme cat --consumer ../x
    assert_failure 64
    [[ "$stderr" == *"invalid consumer name"* ]] || fail "$stderr"
    assert_not_exists "$ARMMS_HOME/tenants/acme/journal/x"
    run --separate-stderr armms-journal -t acme cat --since -1
    assert_failure 64
    run --separate-stderr armms-journal -t acme cat --since ten
    assert_failure 64
    assert_equal "$output" ""
}

@test "a damaged consumer cursor is reported, not silently reset" {
    small_tenant acme
    armms-journal -t acme cat --consumer pub >/dev/null
    echo garbage >"$ARMMS_HOME/tenants/acme/journal/cursors/pub"
    run --separate-stderr armms-journal -t acme cat --consumer pub
    assert_failure 70
    [[ "$stderr" == *"cursor pub is damaged"* ]] || fail "$stderr"
    assert_equal "$output" ""
}

@test "an unknown verb is 64 before any tenant or user is looked at" {
    local try="Try 'armms-journal --help' for more information."
    run --separate-stderr armms-journal rewind
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-journal: unknown command 'rewind'" "$try")"
    run --separate-stderr armms-journal -t nosuch rewind
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-journal: unknown command 'rewind'" "$try")"
    armms-init -q -t acme
    run --separate-stderr armms-journal -t acme --as nobody rewind
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-journal: unknown command 'rewind'" "$try")"
    run --separate-stderr armms-journal -t acme --as nobody history
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: history needs the id of a record"
    run --separate-stderr armms-journal -t acme --as nobody verify extra
    assert_failure 64
    run --separate-stderr armms-journal -t acme --as nobody
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" \
        "armms-journal: missing command (verify, sync, cat, history, seal, checkpoint, head, publish or stream)"
    # a known verb does reach the user check
    run --separate-stderr armms-journal -t acme --as nobody verify
    assert_failure 77
}

@test "a head that never heard of a segment roll: the next segment's lines are read in, never appended after" {
    export ARMMS_JOURNAL_SEGMENT_BYTES=2000
    small_tenant acme
    local dir old n
    dir=$(jdir)
    n=$(nlines acme)
    # a crash after the roll's lines were fsynced but before the head moved
    old=$(cat "$dir/head")
    add_position acme SUPERVISOR Supervisor
    local segs
    segs=$(ls "$dir" | grep -c '\.ndjson$')
    printf '%s\n' "$old" >"$dir/head"
    add_position acme HEADGUARD "Head Guard"

    assert_equal "$(ls "$dir" | grep -c '\.ndjson$')" "$segs"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 2)) events, chain intact"
    assert_equal "$(journal_lines acme | jq -r 'select(.event_type == "PositionUpserted") | .aggregate_id' | sort | uniq -c | awk '{print $1, $2}' | paste -sd,)" \
        "1 GUARD,1 HEADGUARD,1 SUPERVISOR"
    assert_equal "$(journal_lines acme | jq -s '[.[].seq] == [range(1; length + 1)]')" true
}

@test "verify names the segment and line of the first bad line" {
    export ARMMS_JOURNAL_SEGMENT_BYTES=2000
    small_tenant acme
    local seg2
    seg2=$(jdir)/000002.ndjson
    assert_exists "$seg2"
    sed -i '2s/"actor":"tester"/"actor":"mallory"/' "$seg2"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000002 line 2: seq "*"hash does not match its content (edited)"* ]] || fail "$stderr"
}

@test "verify checks the head against the last line: a head whose hash was replaced is caught" {
    small_tenant acme
    local head
    head=$(jdir)/head
    sed -i -E 's/hash=[0-9a-f]{64}/hash=1111111111111111111111111111111111111111111111111111111111111111/' "$head"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"the head records seq $(nlines acme) with hash 111111111111..."*"(head or line replaced)"* ]] || fail "$stderr"
}

@test "verify is not intact while a committed change waits in an outbox; sync heals it" {
    small_tenant acme
    local n
    n=$(nlines acme)
    sqlite3 "$ARMMS_HOME/tenants/acme/tk.db" "INSERT INTO outbox(events, body) VALUES(1, '{\"event_id\":\"01KTEST00000000000000000001\",\"event_type\":\"ClockEventRecorded\",\"version\":1,\"tenant_id\":\"acme\",\"aggregate_type\":\"clock_event\",\"aggregate_id\":\"X\",\"occurred_at\":\"2026-11-25T00:00:00Z\",\"actor\":\"tester\",\"payload\":{}}')"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 75
    assert_equal "$stderr" "armms-journal: tenant acme: journal behind: 1 committed changes not yet journaled (tk.db 1); run armms-journal sync ($n events verified)"
    run --separate-stderr armms-journal -t acme sync
    assert_success
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 1)) events, chain intact"
    assert_equal "$(q acme tk 'SELECT count(*) FROM outbox')" 0
}

@test "a last line deleted together with the head is caught, and that store's writers refuse to hide it" {
    small_tenant acme
    local n dir
    dir=$(jdir)
    n=$(nlines acme)
    assert_equal "$(tail -n 1 "$dir/000001.ndjson" | jq -r .aggregate_id)" G3
    sed -i '$d' "$dir/000001.ndjson"
    rm "$dir/head"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"journal broken: it lacks hr outbox rows "*"which hr.db journaled and pruned"* ]] || fail "$stderr"
    run --separate-stderr armms-import -t acme --format csv position < <(printf '%s\n' 'position_id,name' 'SUPERVISOR,Supervisor')
    assert_failure 70
    [[ "$stderr" == *"the journal lacks hr outbox rows"* ]] || fail "$stderr"
    assert_equal "$(q acme hr "SELECT count(*) FROM position WHERE position_id='SUPERVISOR'")" 0
    run grep -c SUPERVISOR "$dir/000001.ndjson"
    assert_output 0
    run armms-journal -q -t acme verify
    assert_failure 65
}

# Journal format 2: clock events after the first of an append are written
# as short lines (armms-journal(1), JOURNAL FORMAT), and every reader sees
# the full envelope.

# punches_in N [FROM]: N punches on device D1, event ids E<FROM>.., a
# minute apart, by G1, G2 and G3 in turn.
punches_in() {
    local i from=${2:-1}
    for i in $(seq "$from" $((from + $1 - 1))); do
        printf '{"event_id":"E%d","device_id":"D1","guard_id":"G%d","ts":"2026-11-01T%02d:%02d:00Z","type":"IN"}\n' \
            "$i" $((i % 3 + 1)) $((i / 60)) $((i % 60))
    done
}
short_re='^{"seq":[0-9]*,"src_id":'
# bad_hashes: how many lines on stdin do not hash to their own hash
bad_hashes() {
    python3 -c '
import hashlib, sys
bad = 0
for raw in sys.stdin.buffer:
    line = raw.rstrip(b"\n")
    i = line.rindex(b",\"hash\":\"")
    bad += hashlib.sha256(line[:i]).hexdigest().encode() != line[i + 9:i + 73]
print(bad)'
}

@test "clock events after the first of an append are short lines on disk; cat gives every line in full" {
    small_tenant acme
    punches_in 20 >"$BATS_TEST_TMPDIR/ev.ndjson"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev.ndjson" >/dev/null
    local seg n full short
    seg=$(jdir)/000001.ndjson
    n=$(wc -l <"$seg")
    assert_equal "$(grep -c '"event_type":"ClockEventRecorded"' "$seg")" 1
    assert_equal "$(grep -c "$short_re" "$seg")" 19
    # a short line names no tenant, type, aggregate or prev, and holds its
    # clock_event_id once
    assert_equal "$(grep "$short_re" "$seg" | grep -c -e tenant_id -e '"prev"' -e ClockEventRecorded -e aggregate_id)" 0
    assert_equal "$(grep "$short_re" "$seg" | grep -o '01[0-9A-Z]\{24\}' | wc -l)" 19
    full=$(grep '"event_type":"ClockEventRecorded"' "$seg" | wc -c)
    short=$(grep -m 1 "$short_re" "$seg" | wc -c)
    [ $((short * 10)) -lt $((full * 6)) ] || fail "a short line of $short bytes against $full"

    run --separate-stderr armms-journal -t acme cat
    assert_success
    # the tests' own reading of the format (tests/journal_format.py) agrees
    assert_equal "$output" "$(journal_lines acme)"
    assert_equal "$(grep -c "$short_re" <<<"$output")" 0
    assert_equal "$(bad_hashes <<<"$output")" 0
    assert_equal "$(jq -s '[.[].seq] == [range(1; length + 1)] and
        ([range(1; length) as $i | .[$i].prev == .[$i - 1].hash] | all)' <<<"$output")" true
    # each clock event's envelope as format 1 wrote it
    assert_equal "$(jq -c 'select(.event_type == "ClockEventRecorded") |
        [.version, .tenant_id, .aggregate_type, .src, .actor, .event_id == .aggregate_id,
         .event_id == .payload.clock_event_id, .occurred_at == .payload.received_at] ' <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" \
        '20 [1,"acme","clock_event","tk","tester",true,true,true]'
    assert_equal "$(jq -r 'select(.event_type == "ClockEventRecorded") | .payload.event_id' <<<"$output" | paste -sd,)" \
        "$(seq -f 'E%g' 1 20 | paste -sd,)"

    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"
    run --separate-stderr armms-journal -t acme cat --type ClockEventRecorded --since $((n - 2))
    assert_success
    assert_equal "$(jq -r .payload.event_id <<<"$output" | paste -sd,)" E19,E20
}

@test "a journal written in format 1 goes on in format 2; verify, cat and seal read both" {
    export ARMMS_JOURNAL_SEGMENT_BYTES=6000
    small_tenant acme
    punches_in 12 >"$BATS_TEST_TMPDIR/a.ndjson"
    punches_in 24 13 >"$BATS_TEST_TMPDIR/b.ndjson"
    local dir old n
    dir=$(jdir)
    ARMMS_JOURNAL_FORMAT=1 armms-ingest -q -t acme --batch 4 "$BATS_TEST_TMPDIR/a.ndjson" >/dev/null
    old=$(cat "$dir"/*.ndjson)
    assert_equal "$(grep -c "$short_re" <<<"$old")" 0
    assert_equal "$(grep -c ClockEventRecorded <<<"$old")" 12
    armms-ingest -q -t acme --batch 4 "$BATS_TEST_TMPDIR/b.ndjson" >/dev/null
    # the old lines are as they were; each batch of the new run is one
    # full line and three short ones; every segment opens with a full line
    assert_equal "$(cat "$dir"/*.ndjson | head -n "$(wc -l <<<"$old")")" "$old"
    assert_equal "$(cat "$dir"/*.ndjson | grep -c "$short_re")" 18
    local s segs=0
    for s in "$dir"/*.ndjson; do
        segs=$((segs + 1))
        head -n 1 "$s" | grep -q "$short_re" && fail "$s opens with a short line"
    done
    [ "$segs" -ge 3 ] || fail "only $segs segments"
    n=$(cat "$dir"/*.ndjson | wc -l)

    local jl
    jl=$(armms-journal -t acme cat)
    assert_equal "$jl" "$(journal_lines acme)"
    assert_equal "$(head -n "$(wc -l <<<"$old")" <<<"$jl")" "$old"
    assert_equal "$(bad_hashes <<<"$jl")" 0
    assert_equal "$(jq -r 'select(.event_type == "ClockEventRecorded") | .payload.event_id' <<<"$jl" | paste -sd,)" \
        "$(seq -f 'E%g' 1 36 | paste -sd,)"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"

    run --separate-stderr armms-journal -t acme seal
    assert_success
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"
    assert_equal "$(armms-journal -t acme cat)" "$jl"
}

@test "an edited short line is caught as an edit; a line removed before short lines as a gap" {
    small_tenant acme
    punches_in 10 >"$BATS_TEST_TMPDIR/ev.ndjson"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev.ndjson" >/dev/null
    local seg k seq n
    seg=$(jdir)/000001.ndjson
    cp "$seg" "$BATS_TEST_TMPDIR/seg"
    n=$(wc -l <"$seg")
    # the fourth short line: its guard changed
    k=$(grep -n "$short_re" "$seg" | sed -n 4p | cut -d: -f1)
    seq=$(sed -n "${k}p" "$seg" | jq .seq)
    sed -i "${k}s/\"guard_id\":\"G[0-9]\"/\"guard_id\":\"G9\"/" "$seg"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    assert_equal "$stderr" "armms-journal: tenant acme: journal broken: segment 000001 line $k: seq $seq: hash does not match its content (edited) ($((seq - 1)) events verified before it)"

    # the full line that opens the run of short lines, removed
    cp "$BATS_TEST_TMPDIR/seg" "$seg"
    k=$(grep -n ClockEventRecorded "$seg" | cut -d: -f1)
    seq=$(sed -n "${k}p" "$seg" | jq .seq)
    sed -i "${k}d" "$seg"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line $k: seq $((seq + 1)) found where $seq was expected"*"deleted"* ]] || fail "$stderr"

    # a short line moved up, before the one it followed
    cp "$BATS_TEST_TMPDIR/seg" "$seg"
    sed -i "$((n - 1)){h;d};${n}G" "$seg"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line $((n - 1)): seq $n found where $((n - 1)) was expected"*"reordered"* ]] || fail "$stderr"
}
