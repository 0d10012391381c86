#!/usr/bin/env bats
# armms-journal publish and stream: the journal delivered at least once to a
# real NATS JetStream (nats-server -js on loopback, started per test), the
# cursor moving only over what the broker acknowledged, replays dropped by
# the message id, and --exec for any other sink.
load test_helper
load nats_helper

# A publisher left in the background by a failed test is stopped too, or
# bats would wait for it.
teardown() {
    [ -z "${PUB_PID:-}" ] || kill "$PUB_PID" 2>/dev/null || true
    nats_stop
}

jdir() { echo "$ARMMS_HOME/tenants/${1:-acme}/journal"; }
nlines() { journal_lines "${1:-acme}" | wc -l; }
cursor() { cat "$(jdir "${1:-acme}")/cursors/${2:-publish}" 2>/dev/null || echo 0; }
cursor_at() { [ "$(cursor acme)" = "$1" ]; }
cursor_at_least() { [ "$(cursor acme)" -ge "$1" ]; }

add_position() {
    printf '%s\n' 'position_id,name' "${2:-SUPERVISOR},${3:-Supervisor}" |
        armms-import -q -t "${1:-acme}" --format csv position
}

# The messages of stream ARMMS on subjects matching a jq test of .key.
subject_msgs() {
    armms-journal stream info --url "$NATS_URL" |
        jq --arg p "$1" '[.subject_messages | to_entries[] | select(.key | test($p)) | .value] | add // 0'
}

# Wait up to 20 s for a command to succeed.
wait_for() {
    local i
    for i in $(seq 1 200); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

stream_ready() {
    nats_start
    armms-journal -q stream create --url "$NATS_URL"
}

@test "publish --once sends every event of a small tenant on its subject, with its id, seq and hash" {
    small_tenant acme
    stream_ready
    local n
    n=$(nlines acme)
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_output ""
    assert_equal "$stderr" "armms-journal: tenant acme: published $n events to the broker in 1 batch (0 already held), cursor publish at seq $n of $n"
    assert_equal "$(cursor acme)" "$n"
    # the events and one anchor, nothing else
    assert_equal "$(nats_msgs ARMMS)" "$((n + 1))"
    assert_equal "$(subject_msgs '^armms[.]acme[.][A-Za-z]+$' | tr -d ' ')" "$((n + 1))"
    # every message as the broker holds it: subject armms.acme.<event_type>,
    # Nats-Msg-Id = event_id, Armms-Seq = seq, Armms-Hash = hash, data = the line
    run --separate-stderr armms-journal -t acme stream get "1..$n" --url "$NATS_URL"
    assert_success
    assert_equal "$(jq -r .data <<<"$output")" "$(journal_lines acme)"
    assert_equal "$(jq -s --slurpfile j <(journal_lines acme) '
        [range(0; length) as $i | .[$i] as $m | $j[$i] as $e |
         $m.subject == ("armms.acme." + $e.event_type) and
         $m.headers["Nats-Msg-Id"] == $e.event_id and
         $m.headers["Armms-Seq"] == ($e.seq | tostring) and
         $m.headers["Armms-Hash"] == $e.hash] | all and length == ($j | length)' <<<"$output")" true
}

@test "after each batch the anchor carries the chain head the batch ended at" {
    small_tenant acme
    stream_ready
    local n head
    n=$(nlines acme)
    run armms-journal -q -t acme publish --once --batch 100 --url "$NATS_URL"
    assert_success
    # batches of 100: anchors at 100, 200, ... and at the head
    local anchors
    anchors=$(armms-journal -t acme stream get "1..$((n + 10))" --url "$NATS_URL" 2>/dev/null |
        jq -c 'select(.subject == "armms.acme.anchor") | [.headers["Nats-Msg-Id"], (.data | fromjson | .seq)]')
    assert_equal "$(jq -r '.[1]' <<<"$anchors" | tr '\n' ' ')" "$(seq 100 100 $((n - 1)) | tr '\n' ' ')$n "
    assert_equal "$(jq -r '.[0]' <<<"$anchors" | tail -n 1)" "anchor-acme-$n"
    head=$(armms-journal -t acme stream get "1..$((n + 10))" --url "$NATS_URL" 2>/dev/null |
        jq -c 'select(.subject == "armms.acme.anchor") | .data | fromjson | [.tenant_id, .seq, .hash, (.at | test("^[0-9-]{10}T[0-9:]{8}Z$"))]' | tail -n 1)
    assert_equal "$head" "$(journal_lines acme | tail -n 1 | jq -c '[.tenant_id, .seq, .hash, true]')"
}

@test "a rerun publishes nothing new, and a replay after the cursor is reset is dropped by the message id" {
    small_tenant acme
    stream_ready
    local n
    n=$(nlines acme)
    armms-journal -q -t acme publish --once --url "$NATS_URL"
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: published nothing, cursor publish at seq $n of $n"
    assert_equal "$(nats_msgs ARMMS)" "$((n + 1))"
    # the cursor lost: everything goes again, the broker keeps one of each
    rm "$(jdir acme)/cursors/publish"
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: published $n events to the broker in 1 batch ($n already held), cursor publish at seq $n of $n"
    assert_equal "$(nats_msgs ARMMS)" "$((n + 1))"
    # a new event goes, and only it (and its anchor)
    add_position acme
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: published 1 events to the broker in 1 batch (0 already held), cursor publish at seq $((n + 1)) of $((n + 1))"
    assert_equal "$(nats_msgs ARMMS)" "$((n + 3))"
}

@test "a cursor past the journal's head is refused, not trusted" {
    small_tenant acme
    local n
    n=$(nlines acme)
    mkdir -p "$(jdir acme)/cursors"
    echo $((n + 5)) >"$(jdir acme)/cursors/publish"
    run --separate-stderr armms-journal -t acme publish --once --exec 'cat >/dev/null'
    assert_failure 70
    assert_equal "$stderr" "armms-journal: tenant acme: cursor publish is at seq $((n + 5)), past the journal's head $n; set it to the last seq this journal delivered"
    assert_equal "$(cursor acme)" "$((n + 5))"
}

@test "a named publisher keeps its own cursor" {
    small_tenant acme
    stream_ready
    local n
    n=$(nlines acme)
    armms-journal -q -t acme publish --once --url "$NATS_URL"
    run --separate-stderr armms-journal -t acme publish --once --name dr --exec 'cat >/dev/null'
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: published $n events to the command in 1 batch, cursor publish-dr at seq $n of $n"
    assert_equal "$(cursor acme publish-dr)" "$n"
    assert_equal "$(cursor acme publish)" "$n"
    run --separate-stderr armms-journal -t acme publish --once --name 'Bad.Name' --url "$NATS_URL"
    assert_failure 64
}

@test "two hosts' tenants publish into one stream, each on its own subjects, anchors apart" {
    stream_ready
    local a b na nb
    a=$BATS_TEST_TMPDIR/host-a b=$BATS_TEST_TMPDIR/host-b
    ARMMS_HOME=$a small_tenant north
    ARMMS_HOME=$b small_tenant south
    na=$(ARMMS_HOME=$a nlines north) nb=$(ARMMS_HOME=$b nlines south)
    [ "$na" = "$nb" ] # the same seqs: the anchors' ids must still differ
    ARMMS_HOME=$a run armms-journal -q -t north publish --once --url "$NATS_URL"
    assert_success
    ARMMS_HOME=$b run armms-journal -q -t south publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$(nats_msgs ARMMS)" "$((na + nb + 2))"
    assert_equal "$(subject_msgs '^armms[.]north[.]')" "$((na + 1))"
    assert_equal "$(subject_msgs '^armms[.]south[.]')" "$((nb + 1))"
    assert_equal "$(subject_msgs '^armms[.]north[.]anchor$')" 1
    assert_equal "$(subject_msgs '^armms[.]south[.]anchor$')" 1
    # a tenant reads its own messages from the stream, never the other's
    ARMMS_HOME=$b run --separate-stderr armms-journal -t south stream get 1 --url "$NATS_URL"
    assert_failure 77
    assert_equal "$stderr" "armms-journal: tenant south: message 1 of stream ARMMS is another tenant's (subject armms.north.UserUpserted)"
    ARMMS_HOME=$b run --separate-stderr armms-journal -t south stream get "1..$((na + nb + 2))" --url "$NATS_URL"
    assert_success
    assert_equal "$(jq -r .subject <<<"$output" | grep -vc '^armms[.]south[.]')" 0
    assert_equal "$(wc -l <<<"$output")" "$((nb + 1))"
    assert_equal "$stderr" "armms-journal: tenant south: $((nb + 1)) messages of stream ARMMS printed ($((na + 1)) of other tenants skipped, 0 absent)"
}

@test "with the broker down --once exits 69 naming the URL, the cursor unchanged; back up, all is delivered" {
    small_tenant acme
    stream_ready
    local n
    n=$(nlines acme)
    nats_stop
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_failure 69
    assert_equal "$stderr" "armms-journal: tenant acme: broker $NATS_URL: cannot connect: unreachable; cursor publish stays at seq 0 of $n"
    assert_file_not_exist "$(jdir acme)/cursors/publish"
    nats_start
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$(cursor acme)" "$n"
    assert_equal "$(nats_msgs ARMMS)" "$((n + 1))"
}

@test "a stream that does not take the subject is named, and nothing moves" {
    small_tenant acme
    nats_start
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_failure 69
    assert_equal "$stderr" "armms-journal: tenant acme: broker $NATS_URL: event not stored: no stream takes the subject (armms-journal stream create makes it); cursor publish stays at seq 0 of $(nlines acme)"
    assert_file_not_exist "$(jdir acme)/cursors/publish"
    run --separate-stderr armms-journal stream info --url "$NATS_URL"
    assert_failure 78
    assert_equal "$stderr" "armms-journal: broker $NATS_URL: no stream ARMMS (armms-journal stream create makes it)"
}

@test "a publisher killed with -9 mid-batch loses nothing: the rerun leaves every event in the stream once" {
    sample_tenant acme
    stream_ready
    local n
    n=$(nlines acme)
    [ "$n" -gt 2000 ]
    # SIGKILL while seq 1000 is being sent: batches of 256 acknowledged
    # before it, part of the fourth in flight, unacknowledged
    ARMMS_PUBLISH_KILL_AT=1000 run armms-journal -t acme publish --once --batch 256 --url "$NATS_URL"
    assert_failure 137
    assert_equal "$(cursor acme)" 768
    local held
    held=$(subject_msgs '^armms[.]acme[.][A-Za-z]+$')
    [ "$held" -ge 771 ] # 768 events and 3 anchors, and what was in flight
    run --separate-stderr armms-journal -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$(cursor acme)" "$n"
    # every event once: as many events as the journal holds, each seq once
    assert_equal "$(subject_msgs '^armms[.]acme[.](?!anchor$)[A-Za-z]+$')" "$n"
    local last
    last=$(armms-journal stream info --url "$NATS_URL" | jq .last_seq)
    assert_equal "$(armms-journal -t acme stream get "1..$last" --url "$NATS_URL" 2>/dev/null |
        jq -r 'select(.subject != "armms.acme.anchor") | .headers["Armms-Seq"]' | sort -n | uniq | wc -l)" "$n"
    assert_equal "$(armms-journal -t acme stream get "1..$last" --url "$NATS_URL" 2>/dev/null |
        jq -r 'select(.subject != "armms.acme.anchor") | .headers["Nats-Msg-Id"]' | sort | uniq -d)" ""
}

@test "kill -9 from outside, whenever it lands, loses nothing either" {
    sample_tenant acme
    stream_ready
    local n pid
    n=$(nlines acme)
    armms-journal -q -t acme publish --batch 32 --url "$NATS_URL" &
    pid=$! PUB_PID=$!
    wait_for cursor_at_least 1
    kill -9 "$pid"
    wait "$pid" || true
    [ "$(cursor acme)" -lt "$n" ] || skip "the publisher finished before the kill"
    run armms-journal -q -t acme publish --once --url "$NATS_URL"
    assert_success
    assert_equal "$(cursor acme)" "$n"
    assert_equal "$(subject_msgs '^armms[.]acme[.](?!anchor$)[A-Za-z]+$')" "$n"
}

@test "follow mode keeps delivering across a broker restart and an outage, and stops on TERM" {
    small_tenant acme
    stream_ready
    local n pid
    n=$(nlines acme)
    ARMMS_PUBLISH_POLL_MS=100 armms-journal -t acme publish --url "$NATS_URL" 2>"$BATS_TEST_TMPDIR/follow.err" &
    pid=$! PUB_PID=$!
    wait_for cursor_at "$n"
    # the broker restarts under the running publisher
    nats_restart
    add_position acme SUPERVISOR Supervisor
    wait_for cursor_at "$((n + 1))"
    # a longer outage: events made while it lasts go once it is back
    nats_stop
    add_position acme HEADGUARD "Head Guard"
    sleep 1
    assert_equal "$(cursor acme)" "$((n + 1))"
    nats_start
    wait_for cursor_at "$((n + 2))"
    kill -TERM "$pid"
    wait "$pid"
    assert_equal "$(nats_msgs ARMMS)" "$((n + 2 + 3))"
    assert_equal "$(subject_msgs '^armms[.]acme[.](?!anchor$)[A-Za-z]+$')" "$((n + 2))"
    run cat "$BATS_TEST_TMPDIR/follow.err"
    assert_line --partial "broker $NATS_URL: cannot connect: unreachable; cursor publish at seq $((n + 1)) of $((n + 2)); trying again"
    assert_line "armms-journal: tenant acme: delivering again; cursor publish at seq $((n + 2))"
    assert_line --regexp "^armms-journal: tenant acme: published $((n + 2)) events to the broker in [0-9]+ batch(es)? \\([0-9]+ already held\\) across outages, cursor publish at seq $((n + 2)) of $((n + 2))\$"
}

@test "--exec: a failing command leaves the cursor, a succeeding one gets the journal lines and moves it" {
    small_tenant acme
    local n out
    n=$(nlines acme)
    out=$BATS_TEST_TMPDIR/sink.ndjson
    run --separate-stderr armms-journal -t acme publish --once --exec "cat >>'$out'; exit 3"
    assert_failure 69
    assert_equal "$stderr" "armms-journal: tenant acme: the command exited 3; cursor publish stays at seq 0 of $n"
    assert_file_not_exist "$(jdir acme)/cursors/publish"
    : >"$out"
    # a command that stops reading has not taken the batch
    run --separate-stderr armms-journal -t acme publish --once --exec "head -c 10 >/dev/null"
    assert_failure 69
    assert_file_not_exist "$(jdir acme)/cursors/publish"
    run --separate-stderr armms-journal -t acme publish --once --batch 50 --exec "cat >>'$out'"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: published $n events to the command in $(((n + 49) / 50)) batches, cursor publish at seq $n of $n"
    assert_equal "$(cursor acme)" "$n"
    cmp "$out" <(journal_lines acme)
    # the next run passes on only what is new
    add_position acme
    armms-journal -q -t acme publish --once --exec "cat >>'$out'"
    cmp "$out" <(journal_lines acme)
}

@test "--exec in follow mode retries a failing command with backoff until it succeeds" {
    small_tenant acme
    local n pid flag=$BATS_TEST_TMPDIR/ok out=$BATS_TEST_TMPDIR/sink.ndjson
    n=$(nlines acme)
    ARMMS_PUBLISH_POLL_MS=100 armms-journal -t acme publish --exec "test -e '$flag' && cat >>'$out'" \
        2>"$BATS_TEST_TMPDIR/follow.err" &
    pid=$! PUB_PID=$!
    sleep 1
    assert_equal "$(cursor acme)" 0
    touch "$flag"
    wait_for cursor_at "$n"
    kill -TERM "$pid"
    wait "$pid"
    cmp "$out" <(journal_lines acme)
    grep -q "the command exited 1; cursor publish at seq 0 of $n; trying again" "$BATS_TEST_TMPDIR/follow.err"
}

@test "stream create is one idempotent command; a changed setting updates the stream" {
    nats_start
    run --separate-stderr armms-journal stream create --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: stream ARMMS created on $NATS_URL: subjects armms.>, file storage, limits retention, duplicate window 2h, max age none"
    run --separate-stderr armms-journal stream create --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: stream ARMMS unchanged on $NATS_URL: subjects armms.>, file storage, limits retention, duplicate window 2h, max age none"
    run --separate-stderr armms-journal stream create --dup-window 30m --max-age 400d --url "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: stream ARMMS updated on $NATS_URL: subjects armms.>, file storage, limits retention, duplicate window 30m, max age 400d"
    run --separate-stderr armms-journal stream info --url "$NATS_URL"
    assert_success
    assert_equal "$(jq -c '[.kind, .stream, .subjects, .storage, .retention, .dup_window_s, .max_age_s, .messages]' <<<"$output")" \
        '["Stream","ARMMS",["armms.>"],"file","limits",1800,34560000,0]'
    # the URL may come from the environment
    ARMMS_NATS_URL=$NATS_URL run --separate-stderr armms-journal -q stream create --dup-window 30m --max-age 400d
    assert_success
    assert_equal "$stderr" ""
}

@test "bad URLs, missing brokers and misplaced options are usage errors before any tenant is read" {
    local try="Try 'armms-journal --help' for more information."
    run --separate-stderr armms-journal -t nosuch publish --url http://localhost:4222
    assert_failure 64
    assert_equal "$stderr" "$(printf '%s\n' "armms-journal: --url: 'http://localhost:4222' is not a nats:// or tls:// URL" "$try")"
    run --separate-stderr armms-journal -t nosuch publish --url nats://localhost:99999
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: --url: the URL's port is not a number from 1 to 65535"
    run --separate-stderr armms-journal -t nosuch publish --url nats://
    assert_failure 64
    unset ARMMS_NATS_URL
    run --separate-stderr armms-journal -t nosuch publish
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: publish needs the broker: --url URL or ARMMS_NATS_URL (or --exec CMD)"
    ARMMS_NATS_URL=localhost:4222 run --separate-stderr armms-journal -t nosuch publish
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: ARMMS_NATS_URL: 'localhost:4222' is not a nats:// or tls:// URL"
    run --separate-stderr armms-journal -t nosuch publish --once --follow --url nats://127.0.0.1:4222
    assert_failure 64
    run --separate-stderr armms-journal -t nosuch publish --exec cat --url nats://127.0.0.1:4222
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: --exec and --url exclude each other"
    run --separate-stderr armms-journal -t nosuch publish --batch 0 --exec cat
    assert_failure 64
    run --separate-stderr armms-journal -t nosuch verify --once
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: --once is an option of publish only"
    run --separate-stderr armms-journal stream info --dup-window 2h --url nats://127.0.0.1:4222
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: --dup-window is an option of stream create only"
    run --separate-stderr armms-journal stream create --dup-window soon --url nats://127.0.0.1:4222
    assert_failure 64
    run --separate-stderr armms-journal stream delete --url nats://127.0.0.1:4222
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: unknown stream command 'delete'"
    run --separate-stderr armms-journal -t nosuch stream get soon --url nats://127.0.0.1:4222
    assert_failure 64
    assert_equal "$(head -n 1 <<<"$stderr")" "armms-journal: 'soon' is not a stream sequence (SEQ or FROM..TO)"
}

@test "publishing needs journal.read, as reading the journal does; the password never shows" {
    small_tenant acme
    run --separate-stderr armms-journal -t acme --as nobody publish --once --exec cat
    assert_failure 77
    assert_output ""
    assert_file_not_exist "$(jdir acme)/cursors/publish"
    nats_start
    nats_stop
    run --separate-stderr armms-journal -t acme publish --once --url "nats://armms:s3cret@127.0.0.1:$NATS_PORT"
    assert_failure 69
    assert_equal "$stderr" "armms-journal: tenant acme: broker nats://armms:***@127.0.0.1:$NATS_PORT: cannot connect: unreachable; cursor publish stays at seq 0 of $(nlines acme)"
}

@test "a second publisher on the same cursor waits, then is refused with 75" {
    small_tenant acme
    local pid flag=$BATS_TEST_TMPDIR/go
    armms-journal -q -t acme publish --once --exec "while ! test -e '$flag'; do sleep 0.05; done; cat >/dev/null" &
    pid=$! PUB_PID=$!
    sleep 0.5
    run --separate-stderr armms-journal -t acme --wait 0 publish --once --exec 'cat >/dev/null'
    assert_failure 75
    assert_equal "$stderr" "armms-journal: tenant acme: publisher publish is already running (lock held past --wait)"
    touch "$flag"
    wait "$pid"
    assert_equal "$(cursor acme)" "$(nlines acme)"
}
