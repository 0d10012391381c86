load test_helper
bats_require_minimum_version 1.5.0

# Input people actually have, and Rejects that keep personal numbers to
# themselves: spreadsheet files with a byte-order mark, Windows-1252 text,
# a CSV file read as NDJSON, a --map that lands nothing; bank accounts,
# TIN, SSS, PhilHealth and Pag-IBIG numbers masked in every Reject, and a
# flood of Rejects capped on a terminal with the rest kept in a file.

HEADER=guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,bank_account,tin,sss_no,philhealth_no,hdmf_no,status

# One guard row with personal numbers that name the guard's number N:
# guard_row N [POSITION]
guard_row() {
    local n=$1 p=${2:-GUARD} k
    k=$(printf %02d "$n")
    printf 'G%s,1000%s,Santos,Juan,%s,SUN,BDO,5000000000%s,150-138-1%s-000,33-23606%s-0,01-3505863%s-7,1210-5079-20%s,ACTIVE\n' \
        "$k" "$k" "$p" "$k" "$k" "$k" "$k" "$k"
}

# Fails when text holds any personal number guard_row writes, unmasked.
refute_personal() {
    if grep -E '5000000000|150-138-1|33-23606|01-3505863|1210-5079-20' <<<"$1"; then
        fail "a personal number is shown unmasked"
    fi
}

# One NDJSON punch of guard G1 on device D1: ev EVENT_ID TS [TYPE]
ev() {
    printf '{"event_id":"%s","device_id":"D1","guard_id":"G1","ts":"%s","type":"%s"}\n' \
        "$1" "$2" "${3:-IN}"
}

rejects() { printf '%s\n' "$stderr" | grep '^{' || true; }
guards() { q acme hr 'select count(*) from guard'; }
punches() { q acme tk 'select count(*) from clock_event'; }

# Everything the tenant holds but its rejects files, as one checksum.
state() {
    local m
    {
        for m in hr tk pay iam; do sqlite3 "$ARMMS_HOME/tenants/acme/$m.db" .dump; done
        journal_lines acme
    } | sha256sum
}

# A command run on a terminal (script(1)): its screen, CRs dropped, in
# $output, its exit status in $status. No progress line (16-progress.bats
# tests it), however slow the machine.
on_tty() {
    ARMMS_PROGRESS_MS=600000 run script -qec "$*" /dev/null
    output=$(tr -d '\r' <<<"$output")
    mapfile -t lines <<<"$output"
}

BOM=$'\xef\xbb\xbf'

@test "a spreadsheet's CSV UTF-8 file with a byte-order mark imports as if it had none" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { printf '%s' "$BOM"; echo "$HEADER"; guard_row 10; guard_row 11; } >bom.csv
    run --separate-stderr armms-import -t acme guard bom.csv
    assert_success
    assert_equal "$stderr" "armms-import: guard: 2 read, 2 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert_equal "$(q acme hr "select guard_id, bank_account from guard where guard_id = 'G10'")" "G10|500000000010"
    # standard input with --format csv, and NDJSON, too
    { printf '%s' "$BOM"; echo "$HEADER"; guard_row 12; } | armms-import -q -t acme --format csv guard
    { printf '%s' "$BOM"; echo '{"guard_id":"G13","employee_no":"100013","last_name":"Lim","first_name":"Ed","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE"}'; } >bom.ndjson
    run --separate-stderr armms-import -t acme guard bom.ndjson
    assert_success
    assert_equal "$(guards)" 7
    before=$(state)
    run --separate-stderr armms-import -t acme guard bom.csv bom.ndjson
    assert_success
    assert_equal "$stderr" "armms-import: guard: 3 read, 0 inserted, 0 updated, 3 unchanged, 0 rejected"
    assert_equal "$(state)" "$before"
}

@test "armms-ingest reads NDJSON and CSV that begin with a byte-order mark, in each file given" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { printf '%s' "$BOM"; ev A 2026-11-03T05:52:00+08:00; } >a.ndjson
    { printf '%s' "$BOM"; ev B 2026-11-03T18:01:00+08:00 OUT; } >b.ndjson
    { printf '%s' "$BOM"; echo 'event_id,device_id,guard_id,ts,type'; echo 'C,D1,G1,2026-11-04T05:50:00+08:00,IN'; } >c.csv
    run --separate-stderr armms-ingest -t acme a.ndjson b.ndjson c.csv
    assert_success
    assert_equal "$stderr" "armms-ingest: 3 read, 3 accepted, 0 duplicates, 0 rejected"
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" "A,B,C"
    { printf '%s' "$BOM"; ev D 2026-11-04T18:00:00+08:00 OUT; } | armms-ingest -q -t acme >/dev/null
    assert_equal "$(punches)" 4
    before=$(state)
    run --separate-stderr armms-ingest -t acme a.ndjson b.ndjson c.csv
    assert_success
    assert_equal "$stderr" "armms-ingest: 3 read, 0 accepted, 3 duplicates, 0 rejected"
    assert_equal "$(state)" "$before"
}

@test "a Windows-1252 file is rejected where it is not UTF-8, with the iconv hint once, and lands once converted" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G20,100020,Peña,Jose,GUARD,SUN,ACTIVE' 'G21,100021,Cruz,Ben,GUARD,SUN,ACTIVE' \
        'G22,100022,Ibañez,Ana,GUARD,SUN,ACTIVE' | iconv -f UTF-8 -t WINDOWS-1252 >w.csv
    run --separate-stderr armms-import -t acme guard w.csv
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv' | paste -sd,)" "$(printf 'BAD_UTF8\t2,BAD_UTF8\t4')"
    assert_equal "$(rejects | grep -c 'iconv -f WINDOWS-1252 -t UTF-8')" 1
    assert_equal "$(q acme hr "select guard_id from guard where guard_id in ('G20', 'G21', 'G22')" | paste -sd,)" G21
    iconv -f WINDOWS-1252 -t UTF-8 w.csv >u.csv
    run --separate-stderr armms-import -t acme guard u.csv
    assert_success
    assert_equal "$(q acme hr "select last_name from guard where guard_id = 'G20'")" "Peña"
    before=$(state)
    armms-import -q -t acme guard u.csv
    assert_equal "$(state)" "$before"

    # clock events too: one hint for the input, each bad line its Reject
    { ev A 2026-11-03T05:52:00+08:00; printf '{"event_id":"B\xf1","device_id":"D1","guard_id":"G1","ts":"2026-11-03T18:00:00+08:00","type":"OUT"}\n';
      printf '{"event_id":"C\xf1","device_id":"D1","guard_id":"G1","ts":"2026-11-04T06:00:00+08:00","type":"IN"}\n'; ev Z 2026-11-04T18:00:00+08:00 OUT; } >w.ndjson
    run --separate-stderr armms-ingest -t acme w.ndjson
    assert_failure 65
    assert_equal "$(rejects | jq -r .code | paste -sd,)" BAD_UTF8,BAD_UTF8
    assert_equal "$(rejects | grep -c 'iconv -f WINDOWS-1252 -t UTF-8')" 1
    assert_equal "$(jq -r .event_id <<<"$output" | paste -sd,)" A,Z
}

@test "a UTF-16 file is refused whole with the iconv command that converts it" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    ev A 2026-11-03T05:52:00+08:00 | iconv -f UTF-8 -t UTF-16 >u16.ndjson
    run --separate-stderr armms-ingest -t acme u16.ndjson
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_UTF8\t1')"
    [[ "$(rejects | jq -r .message)" == *"iconv -f UTF-16 -t UTF-8"* ]]
    assert_equal "$(punches)" 0
}

@test "a file that is only a UTF-16 byte-order mark is refused the same way, with no input, and again on a rerun" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '\xff\xfe' >bom.ndjson
    for run in 1 2; do
        run --separate-stderr armms-ingest -t acme bom.ndjson
        assert_failure 65
        assert_equal "$(rejects | jq -c '[.code, .line, .input]')" '["BAD_UTF8",1,null]'
        [[ "$(rejects | jq -r .message)" == *"iconv -f UTF-16 -t UTF-8"* ]]
        assert_equal "$(punches)" 0
    done
}

@test "a guard CSV read as NDJSON is one Reject that says to use --format csv, and nothing lands" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { echo "$HEADER"; for n in 30 31 32 33 34; do guard_row $n; done; } >guards.csv
    before=$(state)
    run --separate-stderr armms-import -t acme guard <guards.csv
    assert_failure 65
    assert_equal "$(rejects | wc -l)" 1
    assert_equal "$(rejects | jq -r '[.code, .line, .input] | @tsv')" "$(printf 'PARSE\t1\t%s' "$HEADER")"
    [[ "$(rejects | jq -r .message)" == *"looks like CSV"*"use --format csv"* ]]
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-import: guard: 1 read, 0 inserted, 0 updated, 0 unchanged, 1 rejected"
    refute_personal "$stderr"
    assert_equal "$(state)" "$before"
    # said so the same way to armms-ingest, and a rerun says it again
    printf '%s\n' 'event_id,device_id,guard_id,ts,type' 'A,D1,G1,2026-11-03T05:52:00+08:00,IN' \
        'B,D1,G1,2026-11-03T18:00:00+08:00,OUT' >punches.csv
    run --separate-stderr armms-ingest -t acme <punches.csv
    assert_failure 65
    assert_equal "$(rejects | wc -l)" 1
    [[ "$(rejects | jq -r .message)" == *"looks like CSV"*"use --format csv"* ]]
    assert_equal "$(punches)" 0
    run --separate-stderr armms-ingest -t acme --format csv <punches.csv
    assert_success
    assert_equal "$(punches)" 2
}

@test "--map on no input warns and exits 66; a map that makes nothing of the input warns and exits 65" {
    small_tenant acme
    map='{guard_id:.emp, ts:.when, type:(.dir|ascii_upcase), device_id:.dev}'
    run --separate-stderr armms-ingest -t acme --map "$map" </dev/null
    assert_failure 66
    [[ "$stderr" == *"armms-ingest: --map read no input records"* ]]
    printf '%s\n' '{"emp":"G1","when":"2026-11-03T05:52:00+08:00","dir":"in","dev":"V1"}' \
        '{"emp":"G1","when":"2026-11-03T18:00:00+08:00","dir":"out","dev":"V1"}' >"$BATS_TEST_TMPDIR/v"
    run --separate-stderr armms-ingest -t acme --map 'select(.kind == "punch")' "$BATS_TEST_TMPDIR/v"
    assert_failure 65
    [[ "$stderr" == *"armms-ingest: --map made no clock event of the 2 records read"* ]]
    assert_equal "$(rejects | jq -r .code | paste -sd,)" MAP_EMPTY,MAP_EMPTY
    assert_equal "$(punches)" 0
    # the right map lands both, and a rerun is duplicates only
    run --separate-stderr armms-ingest -t acme --map "$map" "$BATS_TEST_TMPDIR/v"
    assert_success
    assert_equal "$(punches)" 2
    before=$(state)
    run --separate-stderr armms-ingest -t acme --map "$map" "$BATS_TEST_TMPDIR/v"
    assert_success
    assert_equal "$stderr" "armms-ingest: 2 read, 0 accepted, 2 duplicates, 0 rejected"
    assert_equal "$(state)" "$before"
}

@test "a guard Reject masks bank account, TIN, SSS, PhilHealth and Pag-IBIG numbers and is not fed back" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { echo "$HEADER"; guard_row 40; guard_row 41 CHIEF; guard_row 42; } >g.csv
    jq -nc '{guard_id:"G43",employee_no:"100043",last_name:"Lim",first_name:"Ed",position_id:"CHIEF",
        rest_days:"SUN",bank_code:"BDO",bank_account:"500000000043",tin:"150-138-143-000",
        sss_no:"33-2360643-0",philhealth_no:"01-350586343-7",hdmf_no:"1210-5079-2043",status:"ACTIVE"}' >g.ndjson
    # an NDJSON line that is not JSON, and a TIN with spaces
    echo '{"guard_id":"G44","bank_account":"500000000044","tin":"150-138-144-000"' >>g.ndjson
    jq -nc '{guard_id:"G45",employee_no:"100045",last_name:"Go",first_name:"Al",position_id:"GUARD",
        rest_days:"SUN",tin:"150 138 145 000",status:"ACTIVE"}' >>g.ndjson
    run --separate-stderr armms-import -t acme guard g.csv g.ndjson
    assert_failure 65
    refute_personal "$stderr"
    [[ "$stderr" != *"150 138"* ]] || fail "the TIN is echoed"
    [[ "$stderr" == *"tin '****' contains a space"* ]]
    assert_equal "$(rejects | jq -r '[.code, .line, .masked] | @tsv' | paste -sd,)" \
        "$(printf 'UNKNOWN_REF\t3\ttrue,UNKNOWN_REF\t1\ttrue,PARSE\t2\ttrue,BAD_FIELD\t3\ttrue')"
    assert_equal "$(rejects | jq -r 'select(.format == "csv") | .input')" \
        "G41,100041,Santos,Juan,CHIEF,SUN,BDO,****0041,****-000,****41-0,****41-7,****2041,ACTIVE"
    assert_equal "$(rejects | jq -r 'select(.line == 1) | .input | fromjson | [.bank_account, .tin, .sss_no, .philhealth_no, .hdmf_no, .last_name] | @tsv')" \
        "$(printf '****0043\t****-000\t****43-0\t****43-7\t****2043\tLim')"
    assert_equal "$(rejects | jq -r 'select(.code == "PARSE") | .input')" \
        '{"guard_id":"G44","bank_account":"****0044","tin":"****-000"'
    # the good guards land, with their numbers whole in the store
    assert_equal "$(q acme hr "select guard_id, bank_account from guard where guard_id in ('G40','G42') order by 1" | paste -sd,)" \
        "G40|500000000040,G42|500000000042"

    # fed back, a masked Reject is refused again (its numbers are gone), and nothing lands
    rejects >r.ndjson
    printf '%s\n' 'position_id,name' 'CHIEF,Chief' | armms-import -q -t acme --format csv position
    before=$(state)
    run --separate-stderr armms-import -t acme guard r.ndjson
    assert_failure 65
    refute_personal "$stderr"
    assert_equal "$(rejects | wc -l)" 4
    [[ "$(rejects | jq -r .message | head -n1)" == *"personal numbers are masked: import the record from its source again"* ]]
    assert_equal "$(rejects | jq -r 'select(.code != "PARSE") | .masked' | sort -u)" true
    assert_equal "$(state)" "$before"
    # from the source they land
    armms-import -q -t acme guard g.csv || true
    assert_equal "$(q acme hr "select bank_account from guard where guard_id = 'G41'")" 500000000041
}

@test "a flood of Rejects on a terminal shows 20 and one line naming the file that holds them all" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { echo "$HEADER"; guard_row 4; for n in $(seq 50 79); do guard_row "$n" CHIEF; done; guard_row 5; } >flood.csv
    on_tty armms-import -t acme guard flood.csv
    assert_equal "$status" 65
    refute_personal "$output"
    assert_equal "$(grep -c '^{"kind":"Reject"' <<<"$output")" 20
    file=$(ls "$ARMMS_HOME"/tenants/acme/rejects/armms-import-*.ndjson)
    assert_line "armms-import: 10 more Rejects not shown; all 30 are in $file"
    assert_line "armms-import: guard: 32 read, 2 inserted, 0 updated, 0 unchanged, 30 rejected"
    # the file holds all 30 in full, masked, private to the tenant's owner
    assert_equal "$(jq -r .line "$file" | paste -sd,)" "$(seq 3 32 | paste -sd,)"
    assert_equal "$(jq -r .masked "$file" | sort -u)" true
    refute_personal "$(cat "$file")"
    assert_equal "$(stat -c %a "$file")" 600
    assert_equal "$(grep '^{' <<<"$output")" "$(head -n 20 "$file")"
    assert_equal "$(q acme hr "select guard_id from guard where guard_id in ('G04','G05') order by 1" | paste -sd,)" G04,G05
    # a rerun changes nothing in the tenant's data, and a few Rejects are all shown
    before=$(state)
    on_tty armms-import -t acme guard flood.csv
    assert_equal "$status" 65
    assert_equal "$(state)" "$before"
    { echo "$HEADER"; guard_row 50 CHIEF; guard_row 51 CHIEF; } >few.csv
    n=$(ls "$ARMMS_HOME"/tenants/acme/rejects | wc -l)
    on_tty armms-import -t acme guard few.csv
    assert_equal "$(grep -c '^{"kind":"Reject"' <<<"$output")" 2
    refute_line --partial "more Rejects not shown"
    assert_equal "$(ls "$ARMMS_HOME"/tenants/acme/rejects | wc -l)" "$n"
}

@test "--rejects FILE gets every Reject in full and masked, and the terminal only the summary" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { echo "$HEADER"; for n in $(seq 50 79); do guard_row "$n" CHIEF; done; guard_row 6; } >flood.csv
    on_tty armms-import -t acme --rejects r.ndjson guard flood.csv
    assert_equal "$status" 65
    assert_equal "$output" "armms-import: guard: 31 read, 1 inserted, 0 updated, 0 unchanged, 30 rejected"
    assert_equal "$(wc -l <r.ndjson)" 30
    assert_equal "$(jq -r '[.code, .masked, .import] | @tsv' r.ndjson | sort -u)" "$(printf 'UNKNOWN_REF\ttrue\tguard')"
    refute_personal "$(cat r.ndjson)"
    assert_file_not_exists "$ARMMS_HOME/tenants/acme/rejects"
}

@test "not on a terminal every Reject goes to stderr as designed, masked" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    { echo "$HEADER"; for n in $(seq 50 79); do guard_row "$n" CHIEF; done; } >flood.csv
    run --separate-stderr armms-import -t acme guard flood.csv
    assert_failure 65
    assert_equal "$(rejects | wc -l)" 30
    assert_equal "$(rejects | jq -r .masked | sort -u)" true
    refute_personal "$stderr"
    assert_file_not_exists "$ARMMS_HOME/tenants/acme/rejects"
}
