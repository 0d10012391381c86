load test_helper
bats_require_minimum_version 1.5.0

# armms-notify: when a payrun closes, each guard with an e-mail address gets
# their payslip PDF by mail. The mail goes through msmtp (the sendmail
# interface) to a real SMTP server on loopback (tests/smtp_sink.py, aiosmtpd),
# which saves every message it accepts as $MAIL/N.eml with its envelope in
# $MAIL/N.env; the tests read what arrived.
#
# The run of 2026-11-A at DET1, 800.00 a day (NCR): Santos, Juan (G1) and
# Cruz, Ben (G3) have addresses, Reyes, Ana (G2) has none. Each works the 13
# days of 1-15 November that are not a rest day (G1 rests on Sundays, G3 on
# Mondays): one DAY shift, 480 regular + 240 overtime minutes.

FROM=payroll@bantay.example

# The tenant is made once for the file (a closed run takes a while) and
# copied for each test.
setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/base" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR
    small_tenant acme
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,' \
        'G3,DET1,DAY,2026-10-16,,regular,'
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,email' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,juan.santos@example.com' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE,ben.cruz@example.com'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'tk1,Timekeeper,timekeeper'
    armms-import -q -t acme period --generate 2026
    local d g rest
    for g in G1:Sun G2:Sat G3:Mon; do
        rest=${g#*:} g=${g%:*}
        for d in $(seq -f '2026-11-%02g' 1 15); do
            [ "$(date -d "$d" +%a)" = "$rest" ] && continue
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_FILE_TMPDIR/in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_FILE_TMPDIR/in"
        done
    done
    tk_chain acme "$BATS_FILE_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-payrun -q -t acme open 2026-11-A >/dev/null
    armms-payrun -q -t acme compute 2026-11-A >/dev/null
    armms-payrun -q -t acme approve 2026-11-A
    export ARMMS_NOW=2026-11-20T10:00:00Z
    armms-payrun -q -t acme close 2026-11-A >/dev/null
}

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home" ARMMS_USER=tester ARMMS_NOW=2026-11-21T00:00:00Z
    unset ARMMS_TENANT
    cp -a "$BATS_FILE_TMPDIR/base" "$ARMMS_HOME"
    MAIL=$BATS_TEST_TMPDIR/mail
    SINK_PID=
}

teardown() { sink_stop; }

# sink_start [--reject ADDR]...: the SMTP server on a free port (the same
# port again after a sink_stop), ARMMS_SENDMAIL set to msmtp for it.
sink_start() {
    local port=${SINK_PORT:-0}
    rm -f "$BATS_TEST_TMPDIR/port"
    /usr/bin/python3 "$ARMMS_ROOT/tests/smtp_sink.py" "$MAIL" "$BATS_TEST_TMPDIR/port" \
        --port "$port" "$@" 3>&- &
    SINK_PID=$!
    local i
    for i in $(seq 1 100); do
        [ -s "$BATS_TEST_TMPDIR/port" ] && break
        sleep 0.1
    done
    SINK_PORT=$(cat "$BATS_TEST_TMPDIR/port")
    export ARMMS_SENDMAIL="msmtp --host=127.0.0.1 --port=$SINK_PORT --from=$FROM -t"
}

sink_stop() {
    [ -n "${SINK_PID:-}" ] || return 0
    kill "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null || true
    SINK_PID=
}

notify() { armms-notify -t acme --from "$FROM" "$@"; }
# The header lines of a saved message (SMTP carries CRLF line ends).
headers() { tr -d '\r' <"$1" | sed '/^$/q'; }
arrived() { ls "$MAIL"/*.eml 2>/dev/null | wc -l; }
# The recipients of every message that arrived, one a line, sorted.
recipients() { cat "$MAIL"/*.env 2>/dev/null | grep -v "^$FROM\$" | sort; }
msgs() { q acme notify "select guard_id, status, attempts from message order by message_id"; }

# The text of the PDF attached to message FILE (decoded by Python's email
# parser, read by pdftotext).
attachment_text() {
    /usr/bin/python3 - "$1" "$BATS_TEST_TMPDIR/att.pdf" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
parts = [p for p in m.iter_attachments() if p.get_content_type() == "application/pdf"]
assert len(parts) == 1, "one PDF attachment"
open(sys.argv[2], "wb").write(parts[0].get_content())
PY
    pdftotext -layout "$BATS_TEST_TMPDIR/att.pdf" - 2>/dev/null
}

# Every record on stdin has the fields its schema requires and no other
# (as tests/91-report.bats checks the reports').
conforms() {
    jq -s --slurpfile s "$ARMMS_ROOT/schemas/$1" \
        '($s[0].properties | keys) as $p | ($s[0].required) as $r | length > 0 and
         all(.[]; (keys - $p | length == 0) and ($r - keys | length == 0) and .kind == $s[0].properties.kind.const)'
}

# A guard's net pay as the payslip shows it ("12,345.67").
net_of() {
    q acme pay "select net from paysheet where guard_id = '$1' and period_id = '2026-11-A'
                order by version desc limit 1" |
        awk '{ c = $1 % 100; p = int($1 / 100); s = "";
               while (p >= 1000) { s = sprintf(",%03d", p % 1000) s; p = int(p / 1000) }
               printf "%d%s.%02d\n", p, s, c }'
}

@test "each guard with an address gets one message, To them, with their payslip PDF; the guard without one is counted, not an error" {
    sink_start
    events=$(journal_lines acme | wc -l)
    run --separate-stderr notify
    assert_success
    [[ "$stderr" == *"1 payrun closed (0 seen before), 2 queued; 2 sent, 0 to retry, 0 dead; 1 guard without an e-mail address: G2"* ]]
    printed=$output said=$stderr
    assert_equal "$(arrived)" 2
    assert_equal "$(recipients)" "$(printf '%s\n' ben.cruz@example.com juan.santos@example.com)"
    # the messages: one per guard, each To its guard, the PDF that guard's payslip
    local f g1 g3
    for f in "$MAIL"/*.eml; do
        headers "$f" | grep -qx 'To: juan.santos@example.com' && g1=$f
        headers "$f" | grep -qx 'To: ben.cruz@example.com' && g3=$f
        headers "$f" | grep -qx "From: $FROM"
        headers "$f" | grep -q '^Content-Type: multipart/mixed; boundary='
    done
    [ -n "$g1" ] && [ -n "$g3" ]
    run attachment_text "$g1"
    assert_output --partial "Santos, Juan"
    assert_output --partial "$(net_of G1)"
    refute_output --partial "Cruz"
    run attachment_text "$g3"
    assert_output --partial "Cruz, Ben"
    assert_output --partial "$(net_of G3)"
    # the same bytes as armms-payslip writes
    armms-payslip -q -t acme 2026-11-A --guard G3 --format pdf >"$BATS_TEST_TMPDIR/g3.pdf"
    attachment_text "$g3" >/dev/null
    cmp "$BATS_TEST_TMPDIR/att.pdf" "$BATS_TEST_TMPDIR/g3.pdf"
    # what it printed: records with the address masked, never whole
    assert_equal "$(jq -r '"\(.guard_id) \(.status) \(.email)"' <<<"$printed" | sort)" \
        "$(printf '%s\n' 'G1 SENT j***@example.com' 'G2 null null' 'G3 SENT b***@example.com')"
    [[ "$printed$said" != *juan.santos* && "$printed$said" != *ben.cruz* ]]
    assert_equal "$(jq -r 'select(.kind == "NotifySkipped") | "\(.guard_id) \(.reason)"' <<<"$printed")" \
        "G2 NO_EMAIL"
    assert_equal "$(jq -c 'select(.kind == "NotifyMessage")' <<<"$printed" | conforms notify-message.schema.json)" true
    assert_equal "$(jq -c 'select(.kind == "NotifySkipped")' <<<"$printed" | conforms notify-skipped.schema.json)" true
    assert_equal "$(armms-notify -t acme list --skipped | jq -c 'select(.kind == "NotifyMessage")' | conforms notify-message.schema.json)" true
    # its state is its own store; the tenant's journal gets no event
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|SENT|1')"
    assert_equal "$(q acme notify "select guard_id, reason from skipped")" "G2|NO_EMAIL"
    assert_equal "$(q acme notify "select count(*) from consumed where consumer = 'notify'")" 1
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    assert_equal "$(cat "$ARMMS_HOME/tenants/acme/journal/cursors/notify")" "$events"
    assert_equal "$(stat -c %a "$ARMMS_HOME/tenants/acme/notify.db")" 600
    run armms-journal -t acme verify --stores
    assert_success
}

@test "a rerun, and the same PayrunClosed event fed again on stdin, send nothing a second time" {
    sink_start
    notify -q >/dev/null
    assert_equal "$(arrived)" 2
    run --separate-stderr notify
    assert_success
    [[ "$stderr" == *"0 events read, 0 payruns closed (0 seen before), 0 queued; 0 sent"* ]]
    # the journal read again from the start: the event is consumed already
    rm "$ARMMS_HOME/tenants/acme/journal/cursors/notify"
    run --separate-stderr notify
    assert_success
    [[ "$stderr" == *"0 payruns closed (1 seen before), 0 queued; 0 sent"* ]]
    # the event as a broker would deliver it
    journal_lines acme | grep '"event_type":"PayrunClosed"' >"$BATS_TEST_TMPDIR/ev"
    run --separate-stderr notify - <"$BATS_TEST_TMPDIR/ev"
    assert_success
    [[ "$stderr" == *"1 event read, 0 payruns closed (1 seen before)"* ]]
    assert_equal "$(arrived)" 2
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|SENT|1')"
}

@test "with the SMTP server down the messages wait as RETRY and the run exits 69; once it is up they arrive once" {
    sink_start
    sink_stop # the port is known, nothing listens on it
    run --separate-stderr notify
    assert_failure 69
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|RETRY|1' 'G3|RETRY|1')"
    assert_equal "$(q acme notify "select distinct next_at from message")" 2026-11-21T00:05:00Z
    [[ "$stderr" == *"(2026-11-A/G1 to j***@example.com): RETRY at 2026-11-21T00:05:00Z: the mail program exited 75: msmtp: cannot connect to 127.0.0.1"* ]]
    [[ "$stderr" == *"0 sent, 2 to retry, 0 dead"* ]]
    [[ "$stderr" != *juan.santos* && "$output" != *juan.santos* ]]
    # not yet due: nothing is tried
    run --separate-stderr notify
    assert_success
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|RETRY|1' 'G3|RETRY|1')"
    # the server is back, the retry is due
    sink_start
    ARMMS_NOW=2026-11-21T00:06:00Z run --separate-stderr notify
    assert_success
    [[ "$stderr" == *"2 sent, 0 to retry"* ]]
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|2' 'G3|SENT|2')"
    ARMMS_NOW=2026-11-22T00:00:00Z notify -q >/dev/null
    assert_equal "$(arrived)" 2
    assert_equal "$(recipients)" "$(printf '%s\n' ben.cruz@example.com juan.santos@example.com)"
}

@test "an address the server refuses is tried --attempts times with a doubling wait, then DEAD, listed by dead; retry sends it to the corrected address" {
    sink_start --reject ben.cruz@example.com
    run --separate-stderr notify --attempts 3 --backoff 60
    assert_failure 69
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|RETRY|1')"
    [[ "$stderr" == *"(2026-11-A/G3 to b***@example.com): RETRY at 2026-11-21T00:01:00Z: the mail program exited 65: msmtp: recipient address b***@example.com not accepted by the server"* ]]
    ARMMS_NOW=2026-11-21T00:01:00Z run --separate-stderr notify --attempts 3 --backoff 60
    assert_failure 69
    assert_equal "$(q acme notify "select status, attempts, next_at from message where guard_id = 'G3'")" \
        "RETRY|2|2026-11-21T00:03:00Z"
    ARMMS_NOW=2026-11-21T00:03:00Z run --separate-stderr notify --attempts 3 --backoff 60
    assert_failure 69
    [[ "$stderr" == *"0 sent, 0 to retry, 1 dead"* ]]
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|DEAD|3')"
    # a DEAD message is not tried again by itself
    ARMMS_NOW=2026-11-23T00:00:00Z run --separate-stderr notify --attempts 3
    assert_success
    run --separate-stderr armms-notify -t acme dead
    assert_success
    assert_equal "$(jq -r '"\(.kind) \(.guard_id) \(.status) \(.attempts) \(.email)"' <<<"$output")" \
        "NotifyMessage G3 DEAD 3 b***@example.com"
    [[ "$(jq -r .last_error <<<"$output")" == *"550 5.1.1 <b***@example.com>: mailbox unavailable"* ]]
    [[ "$output" != *ben.cruz* ]]
    id=$(jq -r .message_id <<<"$output")
    # HR corrects the address; retry sends to it, and only it
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,email' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE,ben@example.com'
    ARMMS_NOW=2026-11-23T01:00:00Z run --separate-stderr notify retry "$id"
    assert_success
    assert_equal "$(jq -r '"\(.status) \(.email)"' <<<"$output")" "SENT b***@example.com"
    assert_equal "$(arrived)" 2
    assert_equal "$(recipients)" "$(printf '%s\n' ben@example.com juan.santos@example.com)"
    # a sent message is never sent again, not even by retry
    run --separate-stderr notify retry "$id"
    assert_failure 65
    [[ "$stderr" == *"was sent at 2026-11-23T01:00:00Z"* ]]
    run --separate-stderr notify retry 99
    assert_failure 65
    assert_equal "$(arrived)" 2
}

@test "a run killed after the mail program took a message never sends it again: it is DEAD as interrupted, for a person to check" {
    sink_start
    # the mail program delivers, then the run dies before it records SENT
    ARMMS_SENDMAIL="$ARMMS_SENDMAIL && kill -9 \$PPID" run notify -q
    assert_equal "$status" 137
    assert_equal "$(arrived)" 1
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENDING|1' 'G3|PENDING|0')"
    run --separate-stderr notify
    assert_failure 69
    [[ "$stderr" == *"1 message interrupted by an earlier run made DEAD (see armms-notify dead)"* ]]
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|DEAD|1' 'G3|SENT|1')"
    assert_equal "$(arrived)" 2
    assert_equal "$(recipients)" "$(printf '%s\n' ben.cruz@example.com juan.santos@example.com)"
    run armms-notify -t acme dead
    [[ "$(jq -r .last_error <<<"$output")" == *"interrupted"*"may have been delivered"* ]]
    # every try of a message carries the same Message-ID, for a mail system to drop repeats
    assert_equal "$(cat "$MAIL"/*.eml | tr -d '\r' | grep -c '^Message-ID: <armms\.[0-9A-Z]*\.[12]@bantay\.example>$')" 2
}

@test "--dry-run writes the messages to a directory and changes nothing" {
    run --separate-stderr notify --dry-run "$BATS_TEST_TMPDIR/out"
    assert_success
    [[ "$stderr" == *"dry run: "*"2 queued; 2 written"* ]]
    assert_equal "$(ls "$BATS_TEST_TMPDIR/out")" "$(printf '%s\n' 2026-11-A-G1.eml 2026-11-A-G3.eml)"
    grep -q '^To: juan.santos@example.com$' "$BATS_TEST_TMPDIR/out/2026-11-A-G1.eml"
    run attachment_text "$BATS_TEST_TMPDIR/out/2026-11-A-G1.eml"
    assert_output --partial "$(net_of G1)"
    assert_file_not_exists "$ARMMS_HOME/tenants/acme/notify.db"
    assert_file_not_exists "$ARMMS_HOME/tenants/acme/journal/cursors/notify"
    # the subject names the agency, RFC 2047-encoded when it is not ASCII
    tk_policy acme 'agency_name=Seguridad Peñafiel, Inc.'
    run --separate-stderr notify --dry-run "$BATS_TEST_TMPDIR/out3" --subject 'Payslip {period}: {name} ({guard}), {agency}'
    assert_success
    run /usr/bin/python3 -c 'import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m["Subject"])' "$BATS_TEST_TMPDIR/out3/2026-11-A-G3.eml"
    assert_output "Payslip 2026-11-A: Cruz, Ben (G3), Seguridad Peñafiel, Inc."
    grep -q '^Subject: =?UTF-8?B?' "$BATS_TEST_TMPDIR/out3/2026-11-A-G3.eml"
    # then the real run sends both
    sink_start
    notify -q >/dev/null
    assert_equal "$(arrived)" 2
    # a dry run after it has nothing left to write
    run --separate-stderr notify --dry-run "$BATS_TEST_TMPDIR/out2"
    assert_success
    [[ "$stderr" == *"0 written"* ]]
}

@test "a bad event on stdin is a Reject and exits 65; the good event after it is taken" {
    sink_start
    journal_lines acme | grep '"event_type":"PayrunClosed"' >"$BATS_TEST_TMPDIR/good"
    {
        echo 'not json'
        sed 's/"tenant_id":"acme"/"tenant_id":"other"/' "$BATS_TEST_TMPDIR/good"
        sed 's/"period":"2026-11-A"/"period":"2026-12-A"/; s/"event_id":"[^"]*"/"event_id":"01JX0000000000000000000000"/' "$BATS_TEST_TMPDIR/good"
        journal_lines acme | grep '"event_type":"PayrunOpened"'
        cat "$BATS_TEST_TMPDIR/good"
    } >"$BATS_TEST_TMPDIR/in"
    run --separate-stderr notify - <"$BATS_TEST_TMPDIR/in"
    assert_failure 65
    assert_equal "$(tk_rejects | jq -r '"\(.line) \(.code)"')" \
        "$(printf '%s\n' '1 PARSE' '2 WRONG_TENANT' '3 NOT_CLOSED')"
    assert_equal "$(arrived)" 2
    # the journal's cursor is another way in: untouched by stdin
    assert_file_not_exists "$ARMMS_HOME/tenants/acme/journal/cursors/notify"
    run --separate-stderr notify - <"$BATS_TEST_TMPDIR/in"
    assert_failure 65
    assert_equal "$(arrived)" 2
}

@test "the guard's e-mail address is checked on import, masked in its Reject, and the good records still land" {
    run --separate-stderr tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,email' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,juan.new@example.com' \
        'G2,100002,Reyes,Ana,GUARD,SAT,ACTIVE,ana.reyes@localhost' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE,"ben@example.com Bcc: x@evil.example"'
    assert_failure 65
    assert_equal "$(tk_rejects | jq -r '"\(.line) \(.code) \(.masked)"')" \
        "$(printf '%s\n' '3 BAD_FIELD true' '4 BAD_FIELD true')"
    [[ "$stderr" != *ana.reyes* && "$stderr" != *x@evil* ]]
    assert_equal "$(q acme hr "select guard_id, coalesce(email, '-') from guard order by 1")" \
        "$(printf '%s\n' 'G1|juan.new@example.com' 'G2|-' 'G3|ben.cruz@example.com')"
}

@test "notify needs the payroll officer's read scope: a timekeeper is refused with 77" {
    run --separate-stderr notify --as tk1
    assert_failure 77
    [[ "$stderr" == *"paysheet.read"* ]]
    run --separate-stderr armms-notify -t acme --as pay1 --dry-run "$BATS_TEST_TMPDIR/out"
    assert_failure 64 # no From: address
    tk_policy acme "notify_from=$FROM"
    run --separate-stderr armms-notify -t acme --as pay1 --dry-run "$BATS_TEST_TMPDIR/out"
    assert_success
}

@test "armms-init --export carries notify.db: the tenant restored on another host sends nothing a second time" {
    sink_start
    notify -q >/dev/null
    assert_equal "$(arrived)" 2
    run --separate-stderr armms-init --export acme "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    tar -tzf "$BATS_TEST_TMPDIR/acme.tar.gz" | grep -qx notify.db
    export ARMMS_HOME="$BATS_TEST_TMPDIR/host-b"
    run --separate-stderr armms-init --restore "$BATS_TEST_TMPDIR/acme.tar.gz"
    assert_success
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|SENT|1')"
    # even read from the journal's start, the close is one it has consumed
    rm "$ARMMS_HOME/tenants/acme/journal/cursors/notify"
    run --separate-stderr notify
    assert_success
    [[ "$stderr" == *"0 payruns closed (1 seen before), 0 queued; 0 sent"* ]]
    assert_equal "$(arrived)" 2
}

@test "one run delivers at a time: a second waits --wait, then exits 75 naming the holder; a dead holder's lease is taken over" {
    sink_start
    armms-notify -t acme list >/dev/null # makes notify.db
    sleep 60 &
    local holder=$!
    q acme notify "insert into lease values (1, $holder, '$(hostname)', '2026-11-21T00:00:00Z')"
    run --separate-stderr notify --wait 1
    assert_failure 75
    [[ "$stderr" == *"another armms-notify is delivering (process $holder on $(hostname) since 2026-11-21T00:00:00Z)"* ]]
    assert_equal "$(arrived)" 0
    kill "$holder"
    wait "$holder" 2>/dev/null || true
    run --separate-stderr notify
    assert_success
    assert_equal "$(arrived)" 2
    assert_equal "$(q acme notify "select count(*) from lease")" 0
}

@test "--follow delivers a close as it comes and stops on SIGTERM with the exit code of what it did" {
    sink_start
    armms-notify -t acme --from "$FROM" --follow --interval 1 -q >"$BATS_TEST_TMPDIR/out" 2>&1 &
    local pid=$! i
    for i in $(seq 1 100); do
        [ "$(arrived)" = 2 ] && break
        sleep 0.1
    done
    assert_equal "$(arrived)" 2
    kill -TERM "$pid"
    local st=0
    wait "$pid" || st=$?
    assert_equal "$st" 0
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|SENT|1')"
}

@test "a close in the journal that pay.db does not hold closed is a Reject, passed: the events after it still flow" {
    sink_start
    # pay.db set back behind the tools' back (a store restored from an older copy)
    q acme pay "update payrun set status = 'APPROVED' where period_id = '2026-11-A'"
    run --separate-stderr notify
    assert_failure 65
    assert_equal "$(tk_rejects | jq -r '"\(.source) \(.code)"')" "journal NOT_CLOSED"
    assert_equal "$(tk_rejects | jq -r .line)" "$(journal_lines acme | grep '"PayrunClosed"' | jq .seq)"
    assert_equal "$(arrived)" 0
    # the cursor passed it
    assert_equal "$(cat "$ARMMS_HOME/tenants/acme/journal/cursors/notify")" "$(journal_lines acme | wc -l)"
    run --separate-stderr notify
    assert_success
}

@test "a host without a mail program stops the run with 69 and counts no try: nothing is dead-lettered for it" {
    ARMMS_SENDMAIL=/nonexistent/sendmail run --separate-stderr notify
    assert_failure 69
    [[ "$stderr" == *"the mail program cannot be run ("*"/nonexistent/sendmail: not found): install one that provides /usr/sbin/sendmail (Debian msmtp-mta) or set ARMMS_SENDMAIL"* ]] || fail "$stderr"
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|PENDING|0' 'G3|PENDING|0')"
    sink_start
    notify -q >/dev/null
    assert_equal "$(arrived)" 2
    assert_equal "$(msgs)" "$(printf '%s\n' 'G1|SENT|1' 'G3|SENT|1')"
}
