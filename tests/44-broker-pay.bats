load test_helper
load nats_helper
bats_require_minimum_version 1.5.0

# Timekeeping on one host, payroll on another, through the broker: "host
# A" (ARMMS_HOME a/) ingests the clock events, builds the DTRs, seals the
# timesheets and publishes its journal to JetStream; "host B" (b/) has the
# same master data - guards, detachments, rate cards, periods, obligations
# - and no clock event or timekeeping row at all, and takes its snapshots
# with armms-pay --from. Its paysheets must be host A's, byte for byte.
#
# Roster (small_tenant): DAY 06:00-18:00; G1 rests on Sundays, G2 on
# Saturdays; a full day is 480 regular + 240 overtime minutes at 800.00 a
# day at DET1 (NCR), so 1,300.00; on a special day (All Saints', Sunday
# 1 November) 130% and 169%: 1,040.00 + 676.00 = 1,716.00.

teardown() { nats_stop; }

# on a|b CMD...: CMD with that host's ARMMS_HOME.
on() {
    local h=$1
    shift
    ARMMS_HOME="$BATS_TEST_TMPDIR/$h" "$@"
}

# The master data both hosts hold: the tenant, its detachments in NCR, the
# DET1 day card, the assignments, All Saints' Day, the 2026 periods, a loan
# of G1.
master() {
    small_tenant acme
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' \
        'DET2,Harbor Mall,Harbor Inc,NCR' | armms-import -q -t acme --format csv detachment
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    tk_holiday acme "2026-11-01,All Saints' Day,special"
    armms-import -q -t acme period --generate 2026
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        'L1,G1,loan,CALOAN,Company loan,500.00,4,2026-11-A,each'
}

# Punches of GUARD on every day of DATES but its rest day (host A's input).
work() {
    local g=$1 rest=$2 d
    shift 2
    for d in "$@"; do
        [ "$(date -d "$d" +%a)" = "$rest" ] && continue
        tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
        tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
    done
}

# Host A: the two guards' first half of November through timekeeping,
# sealed, and published to the broker.
host_a() {
    on a master
    work G1 Sun $(seq -f '2026-11-%02g' 1 15)
    work G2 Sat $(seq -f '2026-11-%02g' 1 15)
    on a tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
    on a armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    stream_create
    publish
}

# The stream, once (create reads no tenant), and host A's journal
# published from the publisher's cursor on.
stream_create() { armms-journal -q stream create --url "$NATS_URL"; }
publish() { on a armms-journal -q -t acme publish --url "$NATS_URL" --once; }

# Every stored paysheet of a host, and its inbox, for comparisons.
sheets() { on "$1" q acme pay 'select paysheet_id, version, status, gross, net, digest, computed_at, record from paysheet order by 1'; }
inbox() { on "$1" q acme pay 'select timesheet_id, version, checksum, guard_id, period_id, status, record from inbox order by 1, 2'; }

# Publish journal lines of FILE as they are, with the fixed headers, on
# armms.<tenant>.<event_type> (or SUBJECT): a publisher that is not
# armms-journal, for the messages armms-journal never sends.
raw_publish() { python3 "$BATS_TEST_DIRNAME/nats_pub.py" "$NATS_URL" publish "$@"; }

pay_b() { on b armms-pay -t acme --from "$NATS_URL" --period 2026-11-A "$@"; }

@test "payroll on host B from the broker computes host A's paysheets, gross and net, with no timekeeping data of its own" {
    nats_start
    host_a
    on a armms-pay -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/a.gross"
    on a armms-deduct -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/a.net"
    on b master
    assert_equal "$(on b q acme tk 'select count(*) from clock_event')" 0
    run --separate-stderr pay_b
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 2 read, 2 landed, 0 rejected, 2 paysheets computed, 2 changed"
    assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/a.gross")"
    # G1: 1-15 November less Sundays 1, 8, 15 = 12 days x 1,300.00; G2 less
    # Saturdays 7, 14 = 13 days, 12 x 1,300.00 + All Saints' 1,716.00
    assert_equal "$(jq -r '[.paysheet_id, .gross] | @tsv' <<<"$output" | paste -sd' ')" \
        "$(printf '2026-11-A/G1\t1560000 2026-11-A/G2\t1731600')"
    run --separate-stderr on b armms-deduct -t acme --period 2026-11-A
    assert_success
    assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/a.net")"
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .deductions[] | select(.code == "CALOAN") | .amount' <<<"$output")" 50000
    assert_equal "$(on a q acme pay "select count(*) from paysheet where net is not null")" 2
    assert_equal "$(sheets b)" "$(sheets a)"
    assert_equal "$(inbox b)" "$(inbox a)"
    # host B's timekeeping store is as empty as it was; its journal holds
    # its own events only, none of host A's
    assert_equal "$(on b q acme tk 'select (select count(*) from clock_event) + (select count(*) from timesheet)')" 0
    assert_equal "$(on b journal_lines acme | jq -r 'select(.event_type == "TimesheetFinalized")' | wc -l)" 0
    # the durable consumers are per tenant and event type, all acknowledged
    assert_equal "$(curl -sf "$NATS_MON/jsz?consumers=true" | jq -r '[.account_details[].stream_detail[].consumer_detail[] | [.name, .num_ack_pending, .num_pending] | @tsv] | sort | join(" ")')" \
        "$(printf 'pay-acme-TimesheetAdjusted\t0\t0 pay-acme-TimesheetFinalized\t0\t0')"
}

# The journal line of host A's event of TYPE for GUARD (the last one).
line_of() { on a journal_lines acme | grep "\"event_type\":\"$1\"" | grep "\"guard_id\":\"$2\"" | tail -1; }
forge() { python3 "$BATS_TEST_DIRNAME/nats_pub.py" - forge "$@"; }

@test "a batch killed after payroll's commit and before its ack comes again; the inbox takes it as duplicates and nothing changes" {
    nats_start
    host_a
    on a armms-pay -q -t acme --period 2026-11-A >/dev/null
    on b master
    make -s -C "$ARMMS_ROOT" tests/fault/fault.so
    # killed right after the inbox's commit reached the disk, before the
    # ack: the WAL's first sync is its header's (synchronous=FULL), its
    # second the commit of the batch, the run's first transaction
    run on b env ARMMS_FAULT=sync:2:after ARMMS_FAULT_PATH="$BATS_TEST_TMPDIR/b/tenants/acme/pay.db-wal" \
        ARMMS_FAULT_LOG="$BATS_TEST_TMPDIR/fault.log" ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$ARMMS_ROOT/tests/fault/fault.so" \
        armms-pay -q -t acme --from "$NATS_URL" --period 2026-11-A --ack-wait 1
    assert_equal "$status" 137
    assert_file_exists "$BATS_TEST_TMPDIR/fault.log"
    assert_equal "$(on b q acme pay 'select count(*) from inbox')" 2
    assert_equal "$(on b q acme pay 'select count(*) from paysheet')" 0
    assert_equal "$(curl -sf "$NATS_MON/jsz?consumers=true" | jq '[.account_details[].stream_detail[].consumer_detail[].num_ack_pending] | add')" 2
    # past the ack wait the broker delivers the batch again (three times the
    # ack wait: 1.5 s was once too little on a loaded machine)
    sleep 3
    run --separate-stderr pay_b --ack-wait 1
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 2 read, 0 landed, 0 rejected, 2 paysheets computed, 2 changed"
    assert_equal "$(sheets b)" "$(sheets a)"
    assert_equal "$(curl -sf "$NATS_MON/jsz?consumers=true" | jq '[.account_details[].stream_detail[].consumer_detail[] | .num_ack_pending + .num_pending] | add')" 0
}

@test "a batch whose commit fails is handed back to the broker at once: the next run lands it without waiting for the ack wait" {
    nats_start
    host_a
    on a armms-pay -q -t acme --period 2026-11-A >/dev/null
    on b master
    make -s -C "$ARMMS_ROOT" tests/fault/fault.so
    # the batch's commit fails (its WAL sync: the second, as above)
    run --separate-stderr on b env ARMMS_FAULT=sync:2:fail ARMMS_FAULT_PATH="$BATS_TEST_TMPDIR/b/tenants/acme/pay.db-wal" \
        ARMMS_FAULT_LOG="$BATS_TEST_TMPDIR/fault.log" ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD="$ARMMS_ROOT/tests/fault/fault.so" \
        armms-pay -t acme --from "$NATS_URL" --period 2026-11-A
    assert_equal "$status" 74
    assert_equal "$(tail -1 <<<"$stderr")" "armms-pay: tenant acme: pay.db: commit: disk I/O error"
    assert_file_exists "$BATS_TEST_TMPDIR/fault.log"
    assert_equal "$(on b q acme pay 'select count(*) from inbox')" 0
    assert_equal "$(on b q acme pay 'select count(*) from paysheet')" 0
    # negatively acknowledged: delivered again now, not in 60 seconds
    run --separate-stderr pay_b
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 2 read, 2 landed, 0 rejected, 2 paysheets computed, 2 changed"
    assert_equal "$(sheets b)" "$(sheets a)"
}

@test "the same events published twice, and read again by a new durable consumer, change nothing" {
    nats_start
    host_a
    on b master
    pay_b -q >/dev/null
    local before n
    before=$(sheets b)
    n=$(nats_msgs ARMMS)
    # published again from the start, by a second publisher of host A and
    # by another client: the stream's duplicate window drops them all
    on a armms-journal -q -t acme publish --url "$NATS_URL" --once --name again
    assert_equal "$(cat "$BATS_TEST_TMPDIR/a/tenants/acme/journal/cursors/publish-again")" \
        "$(cat "$BATS_TEST_TMPDIR/a/tenants/acme/journal/cursors/publish")"
    on a journal_lines acme >"$BATS_TEST_TMPDIR/j"
    raw_publish "$BATS_TEST_TMPDIR/j"
    assert_equal "$(nats_msgs ARMMS)" "$n"
    run --separate-stderr pay_b
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 0 read, 0 landed, 0 rejected, 2 paysheets computed, 0 changed"
    # a consumer of its own is delivered everything again: all duplicates
    run --separate-stderr pay_b --durable pay-acme-again
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 2 read, 0 landed, 0 rejected, 2 paysheets computed, 0 changed"
    assert_equal "$(sheets b)" "$before"
    assert_equal "$(on b q acme pay 'select count(*) from inbox')" 2
    # the ack wait asked for is set on the durables that exist
    pay_b -q --ack-wait 5 >/dev/null
    assert_equal "$(curl -sf "$NATS_MON/jsz?consumers=true&config=true" | jq -r '[.account_details[].stream_detail[].consumer_detail[] | select(.name | startswith("pay-acme-Timesheet")) | .config.ack_wait] | unique | join(" ")')" 5000000000
}

@test "a message whose snapshot checksum is wrong is a Reject and the others land; one re-chained with another content is a CONFLICT; an edited line is BAD_HASH" {
    nats_start
    host_a
    on b master
    local g1 n
    g1=$(line_of TimesheetFinalized G1)
    # unchanged and sealed again, the forger's canonical JSON is the journal's
    assert_equal "$(forge --seal pass <<<"$g1")" "$g1"
    # a later copy of G1's snapshot with a checksum that is not its own, a
    # second with other minutes sealed as if it were the same version, and
    # a third edited after it was journaled
    forge --new-id "p['checksum'] = 'sha256:' + '0' * 64" <<<"$g1" >"$BATS_TEST_TMPDIR/bad"
    forge --new-id --seal "p['days'][1]['minutes']['regular'] = 1" <<<"$g1" >>"$BATS_TEST_TMPDIR/bad"
    forge --new-id --keep-hash "p['guard_id'] = 'G2'" <<<"$g1" >>"$BATS_TEST_TMPDIR/bad"
    raw_publish "$BATS_TEST_TMPDIR/bad"
    # one message a batch: each refused one is a transaction of its own
    run --separate-stderr pay_b --batch 1
    assert_equal "$status" 65
    assert_equal "$(grep '^{' <<<"$stderr" | jq -r '[.code, .source, .line] | @tsv')" \
        "$(printf '%s\n' "BAD_CHECKSUM	armms.acme.TimesheetFinalized	$(jq .seq <<<"$g1")" \
            "CONFLICT	armms.acme.TimesheetFinalized	$(jq .seq <<<"$g1")" \
            "BAD_HASH	armms.acme.TimesheetFinalized	$(jq .seq <<<"$g1")")"
    assert_equal "$(grep -v '^{' <<<"$stderr")" "armms-pay: 2026-11-A: 5 read, 2 landed, 3 rejected, 2 paysheets computed, 2 changed"
    assert_equal "$(on b q acme pay 'select guard_id, version from inbox order by 1' | paste -sd' ')" "G1|1 G2|1"
    assert_equal "$(jq -r '[.paysheet_id, .gross] | @tsv' <<<"$output" | paste -sd' ')" \
        "$(printf '2026-11-A/G1\t1560000 2026-11-A/G2\t1731600')"
    # the refused messages were acknowledged with their batch: a rerun reads nothing
    run --separate-stderr pay_b
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 0 read, 0 landed, 0 rejected, 2 paysheets computed, 0 changed"
}

@test "a broker that cannot be reached is exit 69 and nothing changes" {
    nats_start
    host_a
    on b master
    nats_stop
    local before jb
    before=$(on b q acme pay '.dump')
    jb=$(on b journal_lines acme | wc -l)
    run --separate-stderr pay_b
    assert_equal "$status" 69
    assert_equal "$(tail -1 <<<"$stderr")" "armms-pay: tenant acme: broker $NATS_URL: cannot connect: unreachable"
    assert_equal "$(on b q acme pay '.dump')" "$before"
    assert_equal "$(on b journal_lines acme | wc -l)" "$jb"
    # the broker back: the run goes through
    nats_start
    run --separate-stderr pay_b
    assert_success
    assert_equal "$(on b q acme pay 'select count(*) from paysheet')" 2
}

@test "a TimesheetAdjusted published later reaches host B and prices that guard again, as host A does" {
    nats_start
    host_a
    on a armms-pay -q -t acme --period 2026-11-A >/dev/null
    on b master
    pay_b -q >/dev/null
    # a late punch pair: G2 worked Saturday 7 November, its rest day
    work G2 Sun 2026-11-07
    on a tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(on a journal_lines acme | grep -c '"event_type":"TimesheetAdjusted"')" 1
    publish
    run --separate-stderr on a armms-pay -t acme --period 2026-11-A
    assert_equal "$stderr" "armms-pay: 2026-11-A: 1 read, 1 landed, 0 rejected, 2 paysheets computed, 1 changed"
    run --separate-stderr pay_b
    assert_success
    assert_equal "$stderr" "armms-pay: 2026-11-A: 1 read, 1 landed, 0 rejected, 2 paysheets computed, 1 changed"
    assert_equal "$(jq -r 'select(.guard_id == "G2") | [.version, (.sources | map(.version) | join(","))] | @tsv' <<<"$output")" "$(printf '2\t2')"
    assert_equal "$(sheets b)" "$(sheets a)"
    assert_equal "$(on b q acme pay "select version, status from inbox where guard_id = 'G2' order by 1" | paste -sd' ')" "1|FINALIZED 2|ADJUSTED"
}

@test "armms-payrun compute --from takes the snapshots from the broker: host B's run is host A's" {
    nats_start
    host_a
    on a armms-payrun -q -t acme open 2026-11-A >/dev/null
    on a armms-payrun -q -t acme compute 2026-11-A >"$BATS_TEST_TMPDIR/a.net"
    on b master
    on b armms-payrun -q -t acme open 2026-11-A >/dev/null
    run --separate-stderr on b armms-payrun -t acme compute 2026-11-A --from "$NATS_URL"
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-11-A computed: 2 paysheets priced (2 changed), 2 netted (2 changed), 0 rejected"
    assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/a.net")"
    assert_equal "$(sheets b)" "$(sheets a)"
    assert_equal "$(on b armms-payrun -t acme status 2026-11-A --format ndjson | jq -c '[.status, .totals.net]')" \
        "$(on a armms-payrun -t acme status 2026-11-A --format ndjson | jq -c '[.status, .totals.net]')"
    # payroll's own journal cursor is not read (nor moved) with --from
    assert_file_not_exists "$BATS_TEST_TMPDIR/b/tenants/acme/journal/cursors/pay"
}

@test "no stream on the broker, or a durable that is another consumer's, is exit 78 and nothing lands" {
    nats_start
    on b master
    run --separate-stderr pay_b
    assert_equal "$status" 78
    assert_regex "$(tail -1 <<<"$stderr")" "^armms-pay: tenant acme: broker $NATS_URL: cannot read durable consumer pay-acme-TimesheetFinalized on stream ARMMS: .*stream not found"
    host_a
    # a consumer of the stream by that name, of every subject
    python3 "$BATS_TEST_DIRNAME/nats_pub.py" "$NATS_URL" request '$JS.API.CONSUMER.DURABLE.CREATE.ARMMS.other-TimesheetFinalized' \
        '{"stream_name":"ARMMS","config":{"durable_name":"other-TimesheetFinalized","ack_policy":"explicit","deliver_policy":"all"}}' >/dev/null
    run --separate-stderr pay_b --durable other
    assert_equal "$status" 78
    assert_equal "$(tail -1 <<<"$stderr")" "armms-pay: tenant acme: broker $NATS_URL: durable consumer other-TimesheetFinalized on stream ARMMS takes every subject, not armms.acme.TimesheetFinalized: it is another consumer's (name another durable)"
    assert_equal "$(on b q acme pay 'select count(*) from inbox')" 0
}

@test "usage: --from goes with select mode and names a nats:// URL; the broker options need --from" {
    run --separate-stderr armms-pay -t acme --from "nats://127.0.0.1:4222"
    assert_equal "$status" 64
    assert_equal "$(head -1 <<<"$stderr")" "armms-pay: --from goes with --period (select mode)"
    run --separate-stderr armms-pay -t acme --period 2026-11-A --from "http://127.0.0.1:4222"
    assert_equal "$status" 64
    assert_equal "$(head -1 <<<"$stderr")" "armms-pay: --from: 'http://127.0.0.1:4222' is not a nats:// or tls:// URL"
    run --separate-stderr armms-pay -t acme --period 2026-11-A --durable x
    assert_equal "$status" 64
    assert_equal "$(head -1 <<<"$stderr")" "armms-pay: --stream, --durable, --ack-wait and --batch go with --from"
    run --separate-stderr armms-pay -t acme --period 2026-11-A --from "nats://127.0.0.1:4222" --durable 'a.b'
    assert_equal "$status" 64
    run --separate-stderr armms-payrun -t acme status 2026-11-A --from "nats://127.0.0.1:4222"
    assert_equal "$status" 64
    assert_equal "$(head -1 <<<"$stderr")" "armms-payrun: --from goes with compute of a half-month period (13th month and final pay read stored paysheets)"
}
