#!/usr/bin/env bats
# Journal upkeep: verify over sealed and open segments (edits, gaps,
# reorders, truncation, missing or torn segments), the checkpoint, seal
# --retain (never past a consumer's cursor) and anchors kept outside the
# host (journal head, a hash, a file, the broker's last anchor message).
load test_helper
load nats_helper
bats_require_minimum_version 1.5.0

teardown() { nats_stop; }

jdir() { echo "$ARMMS_HOME/tenants/${1:-acme}/journal"; }
nlines() { journal_lines "${1:-acme}" | wc -l; }

# n more master-data changes, one event each.
grow() {
    local i
    for i in $(seq 1 "$1"); do
        printf '%s\n' 'position_id,name' "P${2:-}$i,Post $i" |
            armms-import -q -t acme --format csv position
    done
}

# A tenant with several segments: init's rows, then one line per import.
segmented_tenant() {
    export ARMMS_JOURNAL_SEGMENT_BYTES=2000
    small_tenant acme
    grow "${1:-6}"
}

# The lines of every segment, sealed ones included, in order.
all_lines() {
    local f
    for f in $(ls "$(jdir)" | grep -E '^[0-9]{6}\.ndjson(\.gz)?$' | sort); do
        case $f in
        *.gz) zcat "$(jdir)/$f" ;;
        *) cat "$(jdir)/$f" ;;
        esac
    done
}

# Rewrite the plain segments from seq FROM on as an attacker would
# (tests/journal_rechain.py): that line edited, every line from it
# re-hashed and re-chained, the head made to match.
rechain() { python3 "$ARMMS_ROOT/tests/journal_rechain.py" "$(jdir)" "$1"; }

# gzip a plain segment as seal would, by hand (after editing it).
regzip() { gzip -nc "$1" >"${1%.ndjson}.ndjson.gz" && rm "$1"; }

@test "head prints the chain head as one NDJSON record: the last line's seq and hash" {
    small_tenant acme
    run --separate-stderr armms-journal -t acme head
    assert_success
    assert_equal "$stderr" ""
    assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" '["tenant_id","seq","hash","at"]'
    assert_equal "$(jq -r '[.tenant_id, .seq, .hash, .at] | join(" ")' <<<"$output")" \
        "acme $(journal_lines acme | tail -n 1 | jq -r '[.seq, .hash] | join(" ")') 2026-11-25T00:00:00Z"
    run --separate-stderr bash -c 'armms-journal -t acme head > /dev/full'
    assert_failure 74
}

@test "verify --anchor accepts the head as a file, SEQ:HASH, sha256:HEX and bare hex" {
    small_tenant acme
    armms-journal -t acme head >"$BATS_TEST_TMPDIR/anchor"
    local n seq hash
    n=$(nlines acme)
    grow 2
    seq=$(jq -r .seq "$BATS_TEST_TMPDIR/anchor")
    hash=$(jq -r .hash "$BATS_TEST_TMPDIR/anchor")
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/anchor"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n + 2)) events, chain intact; 1 anchor matches"
    for a in "$seq:$hash" "$seq:sha256:$hash" "sha256:$hash" "$hash" "$(tr a-f A-F <<<"$hash")"; do
        run --separate-stderr armms-journal -t acme verify --anchor "$a"
        assert_success
        [[ "$stderr" == *"chain intact; 1 anchor matches" ]] || fail "$a: $stderr"
    done
    # a file of many heads (one appended each night) checks them all
    armms-journal -t acme head >>"$BATS_TEST_TMPDIR/anchor"
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/anchor" --anchor "$seq:$hash"
    assert_success
    [[ "$stderr" == *"chain intact; 3 anchors match" ]] || fail "$stderr"
}

@test "the last 100 lines re-hashed pass plain verify; verify --anchor names the seq" {
    small_tenant acme
    local n
    n=$(nlines acme)
    armms-journal -t acme head >"$BATS_TEST_TMPDIR/anchor"
    rechain $((n - 99))
    assert_equal "$(journal_lines acme | grep -c '"actor":"mallor"')" 1
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact"

    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/anchor"
    assert_failure 65
    [[ "$stderr" == *"journal broken: segment 000001 line $n: seq $n hashes to "*", the anchor ($BATS_TEST_TMPDIR/anchor:1) says "*"(the chain was rewritten from seq $n on)"* ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor "$(jq -r '"\(.seq):\(.hash)"' "$BATS_TEST_TMPDIR/anchor")"
    assert_failure 65
    [[ "$stderr" == *"seq $n hashes to"* ]] || fail "$stderr"
    # an anchor taken before the rewrite point still matches
    run --separate-stderr armms-journal -t acme verify --anchor "$((n - 100)):$(journal_lines acme | sed -n "$((n - 100))p" | jq -r .hash)"
    assert_success
}

@test "the last lines deleted with the head and the outbox made to agree pass plain verify; verify --anchor does not" {
    small_tenant acme
    local n dir src id keep
    dir=$(jdir)
    n=$(nlines acme)
    armms-journal -t acme head >"$BATS_TEST_TMPDIR/anchor"
    # the last outbox row's lines go, the head with them, and the store's
    # outbox sequence is lowered so nothing is seen missing
    src=$(tail -n 1 "$dir/000001.ndjson" | jq -r .src)
    id=$(tail -n 1 "$dir/000001.ndjson" | jq -r .src_id)
    keep=$(jq -r --arg s "$src" --argjson i "$id" 'select(.src != $s or .src_id != $i) | .seq' "$dir/000001.ndjson" | tail -n 1)
    [ "$keep" -lt "$n" ]
    sed -i "$((keep + 1)),\$d" "$dir/000001.ndjson"
    rm "$dir/head"
    sqlite3 "$ARMMS_HOME/tenants/acme/$src.db" "UPDATE sqlite_sequence SET seq = $((id - 1)) WHERE name = 'outbox'"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $keep events, chain intact"

    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/anchor"
    assert_failure 65
    [[ "$stderr" == *"the anchor ($BATS_TEST_TMPDIR/anchor:1) names seq $n with hash "*"but the journal ends at seq $keep (seq $((keep + 1))..$n removed, or the tail rewritten)"* ]] || fail "$stderr"
    # and with the lines re-written past the anchor's seq, the hash differs
    grow 3
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/anchor"
    assert_failure 65
    [[ "$stderr" == *"seq $n hashes to "*"the anchor"*"rewritten from seq $n on"* ]] || fail "$stderr"
}

@test "a bad --anchor is refused: not a hash, an empty file, another tenant's head, a hash no line has" {
    small_tenant acme
    small_tenant bravo
    run --separate-stderr armms-journal -t acme verify --anchor nonsense
    assert_failure 64
    [[ "$stderr" == *"--anchor nonsense: no such file, and not a hash"* ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor 0:$(printf '%064d' 0)
    assert_failure 64
    run --separate-stderr armms-journal -t acme head --anchor 1:$(printf '%064d' 0)
    assert_failure 64
    [[ "$stderr" == *"--anchor is an option of verify only"* ]] || fail "$stderr"

    : >"$BATS_TEST_TMPDIR/empty"
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/empty"
    assert_failure 65
    [[ "$stderr" == *"holds no anchor"* ]] || fail "$stderr"
    echo '{"seq":"x","hash":"abc"}' >"$BATS_TEST_TMPDIR/bad"
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/bad"
    assert_failure 65
    [[ "$stderr" == *"$BATS_TEST_TMPDIR/bad:1: an anchor needs a seq from 1 and a hash of 64 hex digits"* ]] || fail "$stderr"

    armms-journal -t bravo head >"$BATS_TEST_TMPDIR/bravo"
    run --separate-stderr armms-journal -t acme verify --anchor "$BATS_TEST_TMPDIR/bravo"
    assert_failure 65
    [[ "$stderr" == *"journal broken: the anchor ($BATS_TEST_TMPDIR/bravo:1) is of tenant bravo, not acme"* ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor "sha256:$(printf '%064d' 7)"
    assert_failure 65
    [[ "$stderr" == *"no line of the journal (seq 1..$(nlines acme)) hashes to the anchor"* ]] || fail "$stderr"
}

@test "an edit inside a sealed segment names the segment and line" {
    segmented_tenant
    armms-journal -q -t acme seal
    local dir
    dir=$(jdir)
    assert_exists "$dir/000002.ndjson.gz"
    zcat "$dir/000002.ndjson.gz" >"$dir/000002.ndjson"
    rm "$dir/000002.ndjson.gz"
    sed -i '1s/"actor":"tester"/"actor":"mallor"/' "$dir/000002.ndjson"
    regzip "$dir/000002.ndjson"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"journal broken: segment 000002 line 1: seq $(($(zcat "$dir/000001.ndjson.gz" | wc -l) + 1)): hash does not match its content (edited)"* ]] || fail "$stderr"
}

@test "a torn or corrupt gzip of a sealed segment is named, with the lines before it verified" {
    segmented_tenant
    armms-journal -q -t acme seal
    local dir gz size before
    dir=$(jdir)
    gz=$dir/000001.ndjson.gz
    before=$(zcat "$gz" | wc -l)
    size=$(stat -c %s "$gz")
    truncate -s $((size / 2)) "$gz"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" =~ "journal broken: segment 000001 line "[0-9]+": the sealed segment's compressed data is torn or damaged after seq "[0-9]+ ]] || fail "$stderr"
    local verified
    verified=$(sed -E 's/.*\(([0-9]+) events verified before it\).*/\1/' <<<"$stderr")
    [ "$verified" -gt 0 ] && [ "$verified" -lt "$before" ] || fail "$stderr"

    # a flipped byte in the compressed data (past the header)
    rm -rf "$ARMMS_HOME/tenants/acme"
    segmented_tenant
    armms-journal -q -t acme seal
    printf '\xff\xff\xff\xff' | dd of="$gz" bs=1 seek=200 conv=notrunc status=none
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 "*"torn or damaged"* || "$stderr" == *"segment 000001 line"* ]] || fail "$stderr"
}

@test "a sealed segment cut short at a line is named as truncated, not as a gap in the next one" {
    segmented_tenant
    armms-journal -q -t acme seal
    local dir last
    dir=$(jdir)
    zcat "$dir/000002.ndjson.gz" >"$dir/000002.ndjson"
    rm "$dir/000002.ndjson.gz"
    last=$(tail -n 1 "$dir/000002.ndjson" | jq .seq)
    local k
    k=$(wc -l <"$dir/000002.ndjson")
    sed -i '$d' "$dir/000002.ndjson"
    regzip "$dir/000002.ndjson"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"journal broken: segment 000002 line $k: missing: the segment ends at seq $((last - 1)) but segment 000003 begins at seq $((last + 1)) (seq $last..$last gone: segment 000002 truncated)"* ]] || fail "$stderr"
}

@test "a whole segment missing from the middle is named" {
    segmented_tenant
    armms-journal -q -t acme seal
    local dir end1
    dir=$(jdir)
    end1=$(zcat "$dir/000001.ndjson.gz" | tail -n 1 | jq .seq)
    rm "$dir/000002.ndjson.gz"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"journal broken: segment 000002 is missing (after seq $end1, the end of segment 000001)"* ]] || fail "$stderr"
}

@test "a line deleted is a gap, two lines swapped a reorder, a line copied a repeat: each names where" {
    small_tenant acme
    local seg n
    seg=$(jdir)/000001.ndjson
    n=$(nlines acme)
    cp "$seg" "$BATS_TEST_TMPDIR/orig"

    sed -i '50d' "$seg"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line 50: seq 51 found where 50 was expected (seq 50..50 missing): seq 50 is nowhere after it (deleted)"* ]] || fail "$stderr"

    cp "$BATS_TEST_TMPDIR/orig" "$seg"
    sed -i -e '60{h;d}' -e '61G' "$seg"
    assert_equal "$(sed -n '60,61p' "$seg" | jq -r .seq | paste -sd,)" 61,60
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line 60: seq 61 found where 60 was expected (seq 60..60 missing): seq 60 is at segment 000001 line 61 (reordered)"* ]] || fail "$stderr"

    cp "$BATS_TEST_TMPDIR/orig" "$seg"
    sed -i '70p' "$seg"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line 71: seq 70 found after seq 70 (reordered or repeated)"* ]] || fail "$stderr"

    cp "$BATS_TEST_TMPDIR/orig" "$seg"
    run armms-journal -q -t acme verify
    assert_success
}

@test "checkpoint verifies the chain and records its last line atomically" {
    segmented_tenant
    local n last
    n=$(all_lines | wc -l)
    last=$(all_lines | tail -n 1)
    export ARMMS_NOW=2026-11-26T01:02:03Z
    run --separate-stderr armms-journal -t acme checkpoint
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: checkpoint at seq $n (segment $(cat "$(jdir)/head" | sed -E 's/.*seg=([0-9]+).*/\1/' | xargs printf '%06d')), $n events verified"
    local ck=$(jdir)/checkpoint
    assert_equal "$(jq -c 'keys_unsorted' "$ck")" '["tenant_id","segment","seq","hash","at","marks","digests"]'
    assert_equal "$(jq -r '[.tenant_id, .seq, .hash, .at] | join(" ")' "$ck")" \
        "acme $n $(jq -r .hash <<<"$last") 2026-11-26T01:02:03Z"
    assert_equal "$(jq -c .marks "$ck")" "$(printf '{"hr":%s,"tk":%s,"pay":%s,"iam":%s}' \
        "$(all_lines | jq -s '[.[] | select(.src == "hr") | .src_id] | max // 0')" \
        "$(all_lines | jq -s '[.[] | select(.src == "tk") | .src_id] | max // 0')" \
        "$(all_lines | jq -s '[.[] | select(.src == "pay") | .src_id] | max // 0')" \
        "$(all_lines | jq -s '[.[] | select(.src == "iam") | .src_id] | max // 0')")"
    # each audited table's last digest the journal recorded, with its seq
    assert_equal "$(jq -cS '.digests.iam.user' "$ck")" \
        "$(all_lines | jq -c 'select(.src == "iam" and .digest.user) | .digest.user + {seq}' | tail -n 1 | jq -cS .)"
    assert_not_exists "$(jdir)/checkpoint.lock"
    # the checkpoint is an anchor file as well
    run armms-journal -q -t acme verify --anchor "$ck"
    assert_success

    # verify --from-checkpoint reads only what follows it
    grow 2 Q
    run --separate-stderr armms-journal -t acme verify --from-checkpoint
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 2 events (seq $((n + 1)) on, from the checkpoint at seq $n), chain intact"
}

@test "checkpoint refuses a broken chain and leaves the old checkpoint" {
    segmented_tenant
    armms-journal -q -t acme checkpoint
    local before
    before=$(cat "$(jdir)/checkpoint")
    grow 1 Q
    sed -i '1s/"actor":"tester"/"actor":"mallor"/' "$(jdir)/000001.ndjson"
    run --separate-stderr armms-journal -t acme checkpoint
    assert_failure 65
    [[ "$stderr" == *"journal broken: segment 000001 line 1: seq 1: hash does not match its content (edited)"*"no checkpoint written"* ]] || fail "$stderr"
    assert_equal "$(cat "$(jdir)/checkpoint")" "$before"
    # --from-checkpoint does not read what is before it
    run --separate-stderr armms-journal -t acme verify --from-checkpoint
    assert_success
}

@test "verify --from-checkpoint without a checkpoint, or with a damaged one, says so" {
    small_tenant acme
    run --separate-stderr armms-journal -t acme verify --from-checkpoint
    assert_failure 65
    [[ "$stderr" == *"there is no checkpoint to start from (armms-journal checkpoint)"* ]] || fail "$stderr"
    echo '{"seq":1}' >"$(jdir)/checkpoint"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 70
    [[ "$stderr" == *"the journal checkpoint is damaged"* ]] || fail "$stderr"
}

@test "a re-chained journal under a checkpoint is caught by the checkpoint's line" {
    small_tenant acme
    armms-journal -q -t acme checkpoint
    local n
    n=$(nlines acme)
    rechain 10
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000001 line $n: seq $n hashes to "*"the checkpoint says "*"(rewritten before the checkpoint)"* ]] || fail "$stderr"
}

@test "seal --retain removes nothing without a checkpoint, and says what holds it" {
    segmented_tenant
    local segs
    segs=$(ls "$(jdir)" | grep -cE '^[0-9]{6}\.ndjson$')
    run --separate-stderr armms-journal -t acme seal --retain 0
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((segs - 1)) segments sealed, none removed; segment 000001 (to seq $(zcat "$(jdir)/000001.ndjson.gz" | tail -n 1 | jq .seq)) is kept: there is no checkpoint (armms-journal checkpoint)"
    assert_exists "$(jdir)/000001.ndjson.gz"
    run --separate-stderr armms-journal -t acme seal --retain -1
    assert_failure 64
    run --separate-stderr armms-journal -t acme verify --retain 1
    assert_failure 64
}

@test "seal --retain never drops what a consumer cursor has not passed, and names that cursor" {
    segmented_tenant 8
    local dir n pub pay
    dir=$(jdir)
    n=$(all_lines | wc -l)
    armms-journal -q -t acme checkpoint
    armms-journal -q -t acme seal
    assert_exists "$dir/000009.ndjson.gz"
    last() { zcat "$dir/$1.ndjson.gz" | tail -n 1 | jq .seq; }
    # the publisher has taken events up to one short of segment 5's end,
    # payroll up to one short of segment 8's
    pub=$(($(last 000005) - 1))
    pay=$(($(last 000008) - 1))
    mkdir -p "$dir/cursors"
    echo "$pub" >"$dir/cursors/publish"
    echo "$pay" >"$dir/cursors/pay"
    run --separate-stderr armms-journal -t acme seal --retain 0
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 0 segments sealed, 4 removed (000001..000004); segment 000005 (to seq $((pub + 1))) is kept: consumer cursor publish is at seq $pub"
    assert_not_exists "$dir/000004.ndjson.gz"
    assert_exists "$dir/000005.ndjson.gz"
    # every event after the publisher's cursor is still there
    assert_equal "$(all_lines | jq -s '[.[].seq] | min <= '"$((pub + 1))"' and max == '"$n")" true

    # once it has published everything, payroll's cursor holds what is left
    echo "$n" >"$dir/cursors/publish"
    run --separate-stderr armms-journal -t acme seal --retain 0
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: 0 segments sealed, 3 removed (000005..000007); segment 000008 (to seq $((pay + 1))) is kept: consumer cursor pay is at seq $pay"
    # a damaged cursor stops retention altogether
    echo junk >"$dir/cursors/pay"
    run --separate-stderr armms-journal -t acme seal --retain 0
    assert_failure 70
    [[ "$stderr" == *"cursor pay is damaged"* ]] || fail "$stderr"
    assert_exists "$dir/000008.ndjson.gz"
    echo "$n" >"$dir/cursors/pay"
    run --separate-stderr armms-journal -t acme seal --retain 2
    assert_success
    assert_equal "$(ls "$dir" | grep -cE '^[0-9]{6}\.ndjson\.gz$')" 2
    run armms-journal -q -t acme verify
    assert_success
}

@test "after retention verify starts from the checkpoint, and a writer, cat and a new head go on" {
    segmented_tenant 8
    local dir n
    dir=$(jdir)
    n=$(all_lines | wc -l)
    armms-journal -q -t acme checkpoint
    armms-journal -q -t acme seal --retain 2
    assert_not_exists "$dir/000001.ndjson.gz"
    local first
    first=$(all_lines | head -n 1 | jq .seq)
    [ "$first" -gt 1 ]
    run --separate-stderr armms-journal -t acme verify
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $((n - first + 1)) events (seq $first on, from the checkpoint at seq $n), chain intact"

    grow 2 Q
    rm "$dir/head" # a lost head is rebuilt, the marks of removed rows from the checkpoint
    grow 1 R
    run --separate-stderr armms-journal -t acme verify
    assert_success
    [[ "$stderr" == *"$((n - first + 4)) events (seq $first on, from the checkpoint at seq $n), chain intact" ]] || fail "$stderr"
    assert_equal "$(armms-journal -t acme cat | jq -r .seq | head -n 1)" "$first"
    # an anchor in the removed segments cannot be checked; the checkpoint's own seq can
    run --separate-stderr armms-journal -t acme verify --anchor "1:$(printf '%064d' 0)"
    assert_failure 65
    [[ "$stderr" == *"names seq 1, before seq $first where the walk began (segments removed, or --from-checkpoint): it cannot be checked"* ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor "$dir/checkpoint"
    assert_success
    # the stores' digests recorded in the removed segments came with the checkpoint
    run --separate-stderr armms-journal -t acme verify --stores
    assert_success
    [[ "$stderr" == *"chain intact; "*" audited tables match their digests" ]] || fail "$stderr"
    # and a change behind the tools' back is still caught
    sq "$ARMMS_HOME/tenants/acme/iam.db" "UPDATE user SET name = 'Mallory' WHERE user_id = 'tester'"
    run --separate-stderr armms-journal -t acme verify --stores
    assert_failure 65
    [[ "$stderr" == *"iam.db: table user: rows changed without an event"* ]] || fail "$stderr"
}

@test "early segments gone and no checkpoint: verify says so" {
    segmented_tenant
    armms-journal -q -t acme seal
    rm "$(jdir)/000001.ndjson.gz" "$(jdir)/000002.ndjson.gz"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"journal broken: the journal begins at segment 000003: segments 000001..000002 are gone and there is no checkpoint to start from"* ]] || fail "$stderr"
}

@test "segments removed past the checkpoint, or a forged checkpoint, are caught" {
    segmented_tenant 8
    local dir
    dir=$(jdir)
    armms-journal -q -t acme seal
    # a checkpoint written early, then segments removed by hand past it
    local ck3
    ck3=$(zcat "$dir/000002.ndjson.gz" | tail -n 1)
    printf '{"tenant_id":"acme","segment":2,"seq":%s,"hash":"%s","at":"x","marks":{"hr":0,"tk":0,"pay":0,"iam":0}}\n' \
        "$(jq .seq <<<"$ck3")" "$(jq -r .hash <<<"$ck3")" >"$dir/checkpoint"
    rm "$dir/000001.ndjson.gz" "$dir/000002.ndjson.gz"
    run --separate-stderr armms-journal -t acme verify
    assert_success
    rm "$dir/000003.ndjson.gz"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000004 line 1: seq "*" found where $(($(jq .seq <<<"$ck3") + 1)) was expected"* ]] || fail "$stderr"
    # the first kept line's prev must be the checkpoint's hash
    rm -rf "$ARMMS_HOME/tenants/acme"
    segmented_tenant 8
    armms-journal -q -t acme seal
    ck3=$(zcat "$dir/000002.ndjson.gz" | tail -n 1)
    printf '{"tenant_id":"acme","segment":2,"seq":%s,"hash":"%064d","at":"x","marks":{"hr":0,"tk":0,"pay":0,"iam":0}}\n' \
        "$(jq .seq <<<"$ck3")" 1 >"$dir/checkpoint"
    rm "$dir/000001.ndjson.gz" "$dir/000002.ndjson.gz"
    run --separate-stderr armms-journal -t acme verify
    assert_failure 65
    [[ "$stderr" == *"segment 000003 line 1: seq $(($(jq .seq <<<"$ck3") + 1)): prev is not the checkpoint's hash"* ]] || fail "$stderr"
}

@test "verify --anchor nats://... checks the last anchor the publisher left on the stream" {
    small_tenant acme
    small_tenant bravo
    nats_start
    armms-journal -q -t acme stream create --url "$NATS_URL"
    armms-journal -q -t acme publish --once --url "$NATS_URL"
    local n
    n=$(nlines acme)
    run --separate-stderr armms-journal -t acme verify --anchor "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-journal: tenant acme: $n events, chain intact; 1 anchor matches"
    run --separate-stderr armms-journal -t acme verify --anchor "$NATS_URL/ARMMS"
    assert_success

    # the tail re-written after publishing: only the anchor sees it
    rechain $((n - 99))
    run armms-journal -q -t acme verify
    assert_success
    run --separate-stderr armms-journal -t acme verify --anchor "$NATS_URL"
    assert_failure 65
    [[ "$stderr" == *"seq $n hashes to "*", the anchor ($NATS_URL:1) says "*"(the chain was rewritten from seq $n on)"* ]] || fail "$stderr"

    # a tenant that never published, another stream, no broker
    run --separate-stderr armms-journal -t bravo verify --anchor "$NATS_URL"
    assert_failure 66
    [[ "$stderr" == *"stream ARMMS holds no anchor on armms.bravo.anchor"* ]] || fail "$stderr"
    run --separate-stderr armms-journal -t acme verify --anchor "$NATS_URL/NOSUCH"
    assert_failure 78
    nats_stop
    run --separate-stderr armms-journal -t acme verify --anchor "$NATS_URL"
    assert_failure 69
}

@test "a tenant whose first segments were removed moves to another host with its checkpoint" {
    segmented_tenant 8
    armms-journal -q -t acme checkpoint
    armms-journal -q -t acme seal --retain 1
    assert_not_exists "$(jdir)/000001.ndjson.gz"
    armms-init -q --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_equal "$(tar xzf "$BATS_TEST_TMPDIR/acme.tar.gz" -O manifest.json | jq -r '.files[].path' | grep -c '^journal/checkpoint$')" 1
    export ARMMS_HOME="$BATS_TEST_TMPDIR/b"
    mkdir -p "$ARMMS_HOME"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    run --separate-stderr armms-journal -t acme verify
    assert_success
    [[ "$stderr" == *"from the checkpoint at seq"*"chain intact" ]] || fail "$stderr"
    assert_equal "$(cat "$(jdir)/checkpoint")" "$(tar xzf "$BATS_TEST_TMPDIR/acme.tar.gz" -O journal/checkpoint)"
}

# Run under the fault-injection shim (tests/fault/README), counting only
# calls on the journal's files.
faulty() {
    local spec=$1
    shift
    rm -f "$BATS_TEST_TMPDIR/fired"
    ARMMS_FAULT=$spec ARMMS_FAULT_PATH="$(jdir)" ARMMS_FAULT_LOG="$BATS_TEST_TMPDIR/fired" \
        ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$ARMMS_ROOT/tests/fault/fault.so" "$@"
}
fired() { [ -s "$BATS_TEST_TMPDIR/fired" ]; }

@test "checkpoint and seal --retain killed at any write, sync or rename leave a journal that verifies, and a rerun finishes" {
    [ -f "$ARMMS_ROOT/tests/fault/fault.so" ] || make -s -C "$ARMMS_ROOT" tests/fault/fault.so
    segmented_tenant 8
    armms-journal -q -t acme checkpoint
    cp -a "$ARMMS_HOME" "$BATS_TEST_TMPDIR/home0"
    local n spec kind ran=0
    n=$(all_lines | wc -l)
    for kind in write:crash fsync:after fsync:crash rename:crash rename:fail; do
        for k in 1 2 3 5 8; do
            spec=${kind%%:*}:$k:${kind#*:}
            rm -rf "$ARMMS_HOME" && cp -a "$BATS_TEST_TMPDIR/home0" "$ARMMS_HOME"
            grow 1 F # one more event, so the checkpoint moves
            run faulty "$spec" armms-journal -q -t acme checkpoint
            if fired; then
                ran=$((ran + 1))
                [ "$status" != 0 ] || fail "$spec: checkpoint exited 0 after a fault"
                # the old checkpoint or the new one, never a torn one
                run --separate-stderr armms-journal -t acme verify
                [ "$status" = 0 ] || fail "$spec: verify after checkpoint: $stderr"
                jq -e '.seq == '"$n"' or .seq == '"$((n + 1))"'' "$(jdir)/checkpoint" >/dev/null ||
                    fail "$spec: checkpoint $(cat "$(jdir)/checkpoint")"
            fi
            armms-journal -q -t acme checkpoint
            run faulty "$spec" armms-journal -q -t acme seal --retain 2
            if fired; then
                ran=$((ran + 1))
                [ "$status" != 0 ] || fail "$spec: seal exited 0 after a fault"
                run --separate-stderr armms-journal -t acme verify
                [ "$status" = 0 ] || fail "$spec: verify after a killed seal: $stderr"
            fi
            run --separate-stderr armms-journal -t acme seal --retain 2
            [ "$status" = 0 ] || fail "$spec: seal rerun: $stderr"
            run --separate-stderr armms-journal -t acme verify --stores
            [ "$status" = 0 ] || fail "$spec: verify after the rerun: $stderr"
            [ "$(ls "$(jdir)" | grep -cE '^[0-9]{6}\.ndjson\.gz$')" = 2 ] || fail "$spec: $(ls "$(jdir)")"
            [ "$(all_lines | tail -n 1 | jq .seq)" = $((n + 1)) ] || fail "$spec: lines lost"
        done
    done
    [ "$ran" -ge 15 ] || fail "only $ran faults fired"
}
