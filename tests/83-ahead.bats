#!/usr/bin/env bats
# armms-pay over a long period checks the snapshots it pulls and prices
# the guards ahead on threads of their own (lib/core/ahead.h): the
# records, the inbox, the stored paysheets and the events must be what one
# thread makes, byte for byte. ARMMS_PAY_SERIAL=1 is the one thread. 600
# guards: past the 512 a run needs before it prices ahead.
load test_helper

setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/base" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    mkdir -p "$ARMMS_HOME"
    local md="$BATS_FILE_TMPDIR/md" t=big k
    armms-sample masterdata --guards 600 --out "$md" >/dev/null
    armms-init -q -t $t
    direct_routes $t
    for k in position shift detachment guard assignment rate; do
        armms-import -q -t $t "$k" "$md/$k.csv"
    done
    armms-import -q -t $t holiday "$ARMMS_ROOT/samples/holiday.csv"
    armms-import -q -t $t period --generate 2026
    # a loan no half-month can pay: the net floor defers it (a waiver
    # written in the netting), and a guard with no rate card (a Reject)
    local g1 g2
    g1=$(sed -n 2p "$md/guard.csv" | cut -d, -f1)
    g2=$(sed -n 3p "$md/guard.csv" | cut -d, -f1)
    printf '%s\n' 'obligation_id,guard_id,kind,code,label,principal,installment,installments,start_period,frequency,taxable,status' \
        "OBIG,$g1,loan,COMPANY_LOAN,Company loan,90000.00,30000.00,3,2026-11-A,each,,ACTIVE" |
        armms-import -q -t $t --format csv obligation
    armms-sample events --guards 600 --period 2026-11-A >"$BATS_FILE_TMPDIR/ev.ndjson"
    armms-ingest -q -t $t "$BATS_FILE_TMPDIR/ev.ndjson" >/dev/null || true
    for k in timelog dtr timesheet; do
        armms-$k -q -t $t --period 2026-11-A >/dev/null || true
    done
    armms-timesheet -q -t $t --finalize --period 2026-11-A --override test >/dev/null || true
    echo "$g1" >"$BATS_FILE_TMPDIR/g1"
    echo "$g2" >"$BATS_FILE_TMPDIR/g2"
}

# Run CMD... in a copy of the tenant ($1: a name for the copy), once with
# the thread and once without; each run's stdout, rejects and exit status
# land in $BATS_TEST_TMPDIR/NAME.{par,one}.
both() {
    local name=$1 m
    shift
    for m in par one; do
        export ARMMS_HOME="$BATS_TEST_TMPDIR/$name.$m"
        [ -d "$ARMMS_HOME" ] || cp -a "$BATS_FILE_TMPDIR/base" "$ARMMS_HOME"
        local rc=0
        if [ $m = one ]; then
            ARMMS_PAY_SERIAL=1 "$@" >"$BATS_TEST_TMPDIR/$name.$m.out" 2>"$BATS_TEST_TMPDIR/$name.$m.err" || rc=$?
        else
            "$@" >"$BATS_TEST_TMPDIR/$name.$m.out" 2>"$BATS_TEST_TMPDIR/$name.$m.err" || rc=$?
        fi
        echo $rc >"$BATS_TEST_TMPDIR/$name.$m.rc"
    done
}

# What a store holds that the two runs must share: every paysheet row but
# its time, and the journal's events without their ids and times; the ids
# a waiver takes are new ULIDs each run, so they are named by their order.
stored() {
    sqlite3 "$ARMMS_HOME/tenants/big/pay.db" \
        "SELECT paysheet_id, version, status, gross, net, gross_digest FROM paysheet ORDER BY 1"
    sqlite3 "$ARMMS_HOME/tenants/big/pay.db" "SELECT record FROM paysheet ORDER BY paysheet_id" |
        jq -c 'walk(if type == "object" then del(.waiver_id, .computed_at) else . end)'
    sqlite3 "$ARMMS_HOME/tenants/big/pay.db" \
        "SELECT obligation_id, seq, period_id, amount, status FROM obligation_schedule ORDER BY 1, 2" 2>/dev/null
    journal_lines big | jq -c 'select(.src == "pay") | [.event_type, .aggregate_id, .payload] |
        walk(if type == "object" then del(.waiver_id, .computed_at, .digest) else . end)'
}

@test "armms-pay pulls and prices a long period on threads: the same records, inbox, paysheets and events as on one" {
    both pay armms-pay -t big --period 2026-11-A
    assert_equal "$(cat "$BATS_TEST_TMPDIR/pay.par.rc")" "$(cat "$BATS_TEST_TMPDIR/pay.one.rc")"
    run wc -l <"$BATS_TEST_TMPDIR/pay.par.out"
    [ "$output" -gt 500 ]
    cmp "$BATS_TEST_TMPDIR/pay.par.out" "$BATS_TEST_TMPDIR/pay.one.out"
    grep -v '^{' "$BATS_TEST_TMPDIR/pay.par.err" >"$BATS_TEST_TMPDIR/a"
    grep -v '^{' "$BATS_TEST_TMPDIR/pay.one.err" >"$BATS_TEST_TMPDIR/b"
    cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    ARMMS_HOME="$BATS_TEST_TMPDIR/pay.par" stored >"$BATS_TEST_TMPDIR/a"
    ARMMS_HOME="$BATS_TEST_TMPDIR/pay.one" stored >"$BATS_TEST_TMPDIR/b"
    cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    # the inbox: the same rows, landed in the same order
    for m in par one; do
        sqlite3 "$BATS_TEST_TMPDIR/pay.$m/tenants/big/pay.db" \
            "SELECT rowid, timesheet_id, version, checksum, journal_seq, record FROM inbox ORDER BY rowid" >"$BATS_TEST_TMPDIR/inbox.$m"
    done
    [ "$(wc -l <"$BATS_TEST_TMPDIR/inbox.par")" -gt 500 ]
    cmp "$BATS_TEST_TMPDIR/inbox.par" "$BATS_TEST_TMPDIR/inbox.one"
}

@test "the paysheets priced on threads net to what one thread's do, the floor's deferral included" {
    both net armms-pay -q -t big --period 2026-11-A
    both net armms-deduct -t big --period 2026-11-A
    assert_equal "$(cat "$BATS_TEST_TMPDIR/net.par.rc")" "$(cat "$BATS_TEST_TMPDIR/net.one.rc")"
    cmp <(jq -c 'walk(if type == "object" then del(.waiver_id) else . end)' "$BATS_TEST_TMPDIR/net.par.out") \
        <(jq -c 'walk(if type == "object" then del(.waiver_id) else . end)' "$BATS_TEST_TMPDIR/net.one.out")
    # the loan was deferred by the floor, in both
    g1=$(cat "$BATS_FILE_TMPDIR/g1")
    run jq -r --arg g "$g1" 'select(.guard_id == $g) | .deductions[] | select(.code == "COMPANY_LOAN") | .status + " " + .waiver.reason' \
        "$BATS_TEST_TMPDIR/net.par.out"
    assert_output "DEFERRED NET_FLOOR"
    ARMMS_HOME="$BATS_TEST_TMPDIR/net.par" stored >"$BATS_TEST_TMPDIR/a"
    ARMMS_HOME="$BATS_TEST_TMPDIR/net.one" stored >"$BATS_TEST_TMPDIR/b"
    cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    # and a rerun on either changes nothing
    export ARMMS_HOME="$BATS_TEST_TMPDIR/net.par"
    run --separate-stderr armms-deduct -t big --period 2026-11-A
    [[ "$stderr" == *" 0 changed"* ]]
}

@test "armms-payrun compute on two threads gives the run's totals one thread gives" {
    for m in par one; do
        export ARMMS_HOME="$BATS_TEST_TMPDIR/run.$m"
        cp -a "$BATS_FILE_TMPDIR/base" "$ARMMS_HOME"
        armms-payrun -q -t big open 2026-11-A
        if [ $m = one ]; then
            ARMMS_PAY_SERIAL=1 armms-payrun -q -t big compute 2026-11-A >/dev/null || true
        else
            armms-payrun -q -t big compute 2026-11-A >/dev/null || true
        fi
        armms-payrun -t big status 2026-11-A --format ndjson | jq -c 'del(.computed_at, .updated_at)' >"$BATS_TEST_TMPDIR/run.$m.totals"
    done
    cmp "$BATS_TEST_TMPDIR/run.par.totals" "$BATS_TEST_TMPDIR/run.one.totals"
    run jq -r '.totals.gross > 0' "$BATS_TEST_TMPDIR/run.par.totals"
    assert_output true
}

@test "a snapshot the checkers refuse in the middle of a batch is the same Reject, and the rest land the same" {
    for m in par one; do
        cp -a "$BATS_FILE_TMPDIR/base" "$BATS_TEST_TMPDIR/bad.$m"
        # the 100th sealed snapshot's days_worked edited behind the chain:
        # its checksum no longer holds
        f=$(grep -l '"event_type":"TimesheetFinalized"' "$BATS_TEST_TMPDIR/bad.$m/tenants/big/journal/"*.ndjson | head -n 1)
        n=$(grep -n '"event_type":"TimesheetFinalized"' "$f" | sed -n 100p | cut -d: -f1)
        sed -i "${n}s/\"days_worked\":\([0-9]*\)/\"days_worked\":99/" "$f"
    done
    both bad armms-pay -t big --period 2026-11-A
    assert_equal "$(cat "$BATS_TEST_TMPDIR/bad.par.rc")" 65
    assert_equal "$(cat "$BATS_TEST_TMPDIR/bad.one.rc")" 65
    run jq -r 'select(.kind == "Reject") | .code' < <(grep "^{" "$BATS_TEST_TMPDIR/bad.par.err")
    assert_output BAD_CHECKSUM
    cmp <(grep '^{' "$BATS_TEST_TMPDIR/bad.par.err") <(grep '^{' "$BATS_TEST_TMPDIR/bad.one.err")
    cmp "$BATS_TEST_TMPDIR/bad.par.out" "$BATS_TEST_TMPDIR/bad.one.out"
    run grep -v '^{' "$BATS_TEST_TMPDIR/bad.par.err"
    assert_output --partial "1 rejected"
}
