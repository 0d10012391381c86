load test_helper
load report_helper
bats_require_minimum_version 1.5.0

# armms-report: the read-only reports. The tenant (tests/report_helper.bash)
# is built once; each test reads a copy. Figures by hand: a full DAY shift
# punched 05:55-18:00 is 8:00 regular + 4:00 overtime = 12:00 worked, and
# 1,300.00 at 800.00 a day.

setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/base" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    unset ARMMS_TENANT
    mkdir -p "$ARMMS_HOME"
    report_tenant
}

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home" ARMMS_USER=pay1 ARMMS_TENANT=acme
    export ARMMS_NOW=2026-11-25T00:00:00Z
    cp -a "$BATS_FILE_TMPDIR/base" "$ARMMS_HOME"
    cd "$BATS_TEST_TMPDIR"
}

rep() { armms-report -q "$@"; }
# The checksums of every file of the tenant (stores, journal, locks) but
# SQLite's -wal and -shm files, which a reader of a WAL store may create
# (empty) to read it; those must hold no change.
sums() { (cd "$ARMMS_HOME/tenants/acme" && find . -type f ! -name '*-shm' ! -name '*-wal' -print0 | sort -z | xargs -0 sha256sum); }

@test "a payroll officer reads the period's timesheets: days and hours per guard, latest version" {
    run --separate-stderr armms-report timesheets --period 2026-11-A --format ndjson
    assert_success
    # G1: 12 working days less the 3rd (no OUT) and the 10th (relieved): 10 x 12:00
    # G2: 13 working days less the 4th (punched at DET2): 12 x 12:00 less 20 late minutes
    assert_equal "$(jq -r '[.guard_id, .name, .status, .days_worked, .totals.worked, .totals.regular, .totals.ot, .totals.late] | @tsv' <<<"$output")" \
        "$(printf 'G1\tSantos, Juan\tFINALIZED\t10\t7200\t4800\t2400\t0\nG2\tReyes, Ana\tFINALIZED\t12\t8620\t5760\t2860\t20\nG3\tCruz, Ben\tFINALIZED\t1\t720\t480\t240\t0')"
    assert_equal "$stderr" "armms-report: tenant acme: timesheets of 2026-11-A: 3 shown"
    run rep timesheets --period 2026-11-A --guard G2 --format table
    assert_success
    assert_line --index 2 --regexp '^G2 +Reyes, Ana +DET1 +DAY +1 +FINALIZED +12 +1 +0 +143:40 +96:00 +47:40 '
}

@test "the detachment summary adds up its timesheets: heads, days, absences, reliefs, hours by day type" {
    run --separate-stderr rep detachment --period 2026-11-A --format ndjson
    assert_success
    assert_equal "$(jq -c '[.detachment_id, .name, .heads, .days_worked, .days_absent, .days_incomplete, .reliefs, .minutes, .totals.worked]' <<<"$output")" \
        '["DET1","Tower One",3,23,1,1,1,{"ordinary":16540},16540]'
    run rep detachment --period 2026-11-A --format table
    assert_line --index 2 --regexp '^DET1 +Tower One +3 +23 +1 +1 +1 +275:40 +275:40 +184:00 +91:40 '
}

@test "exceptions list each anomaly with the fix it calls for: move a punch at the wrong detachment, add a missing OUT" {
    run --separate-stderr rep exceptions --from 2026-11-01 --to 2026-11-15 --format ndjson
    assert_success
    assert_equal "$(jq -r '[.date, .guard_id, .code, .minutes // ""] | @tsv' <<<"$output")" \
        "$(printf '2026-11-03\tG1\tMISSING_OUT\t\n2026-11-04\tG2\tABSENT\t\n2026-11-04\tG2\tWRONG_DETACHMENT\t\n2026-11-04\tG2\tWRONG_DETACHMENT\t\n2026-11-05\tG2\tLATE\t20')"
    assert_equal "$(jq -r 'select(.code == "MISSING_OUT") | .fix' <<<"$output")" \
        "armms-timelog adjust add --guard G1 --type OUT --ts TS --shift DAY --date 2026-11-03 --reason TEXT"
    id=$(q acme tk "select time_log_id from time_log where guard_id = 'G2' and type = 'IN' and work_date = '2026-11-04'")
    assert_equal "$(jq -r "select(.time_log_id == \"$id\") | .fix" <<<"$output")" \
        "armms-timelog adjust move $id --shift DAY --date 2026-11-04 --detachment DET1 --reason TEXT"
    # one date, one guard
    run rep exceptions --date 2026-11-05 --format ndjson
    assert_equal "$(jq -r .code <<<"$output")" LATE
    run rep exceptions --period 2026-11-A --guard G1 --format ndjson
    assert_equal "$(jq -r .code <<<"$output")" MISSING_OUT
}

@test "DTRs of a date show in and out in local time and the reliever with whom he relieves" {
    run --separate-stderr rep dtr --date 2026-11-10 --format ndjson
    assert_success
    assert_equal "$(jq -r '[.guard_id, .in, .out, .status, .minutes.worked, .relieves_guard_id // ""] | @tsv' <<<"$output")" \
        "$(printf 'G2\t05:55\t18:00\tCOMPLETE\t720\t\nG3\t05:55\t18:00\tCOMPLETE\t720\tG1')"
    run rep dtr --date 2026-11-10 --format table
    assert_line --index 0 --regexp '^Date +Guard +Name +Detachment +Shift +Day type +In +Out +Status +Worked'
    assert_line --index 3 --regexp '^2026-11-10 +G3 +Cruz, Ben +DET1 +DAY +ordinary +05:55 +18:00 +COMPLETE +12:00 '
    assert_line --index 5 --regexp '^TOTAL +24:00 +16:00 +8:00 '
}

@test "a guard's period: every DTR with a totals row, then the timesheet" {
    run --separate-stderr rep guard G1 --period 2026-11-A --format table
    assert_success
    assert_line --index 0 'G1  Santos, Juan  2026-11-A (2026-11-01 to 2026-11-15)'
    assert_line --regexp '^2026-11-03 +G1 +Santos, Juan +DET1 +DAY +ordinary +05:55 +INCOMPLETE +0:00 '
    assert_line --regexp '^TOTAL +120:00 +80:00 +40:00 '
    assert_line --regexp '^G1 +Santos, Juan +DET1 +DAY +1 +FINALIZED +10 +0 +1 +120:00 '
    run rep guard G1 --period 2026-11-A --format ndjson
    assert_equal "$(jq -r .kind <<<"$output" | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd' ')" "DTRReport=11 TimesheetReport=1"
}

@test "the roster of a date: who is posted, the reliever and whom he relieves, open posts" {
    run --separate-stderr rep roster --date 2026-11-10 --format ndjson
    assert_success
    assert_equal "$(jq -r '[.guard_id, .assignment_kind, .relieves_guard_id // "", .relieved_by // "", .post] | @tsv' <<<"$output")" \
        "$(printf 'G1\tregular\t\tG3\tRELIEVED\nG2\tregular\t\t\tPOSTED\nG3\treliever\tG1\t\tRELIEVER')"
    # Sunday the 8th G1 rests and nobody relieves him: his post is open
    run rep roster --date 2026-11-08 --format ndjson
    assert_equal "$(jq -r '[.guard_id, .post] | @tsv' <<<"$output" | paste -sd' ')" "$(printf 'G1\tOPEN G2\tPOSTED')"
}

@test "pending change requests, obligations with balances, paysheet and payrun summaries" {
    run --separate-stderr rep changes --format ndjson
    assert_success
    assert_equal "$(jq -r '[.action, .status, .module, .approver_role] | @tsv' <<<"$output")" "$(printf 'rate.update\tPENDING\tpay\thr_manager')"
    run rep obligations --format ndjson
    assert_equal "$(jq -r '[.obligation_id, .applied, .balance, .next_period] | @tsv' <<<"$output")" \
        "$(printf 'OBL1\t25000\t75000\t2026-11-B\nOBL2\t0\t10000\t2026-11-B')"
    run rep obligations --format table
    assert_line --regexp '^TOTAL +250\.00 +850\.00 +0\.00 +0\.00'
    run rep paysheets 2026-11-A --format ndjson
    assert_equal "$(jq -r '[.guard_id, .gross, .status] | @tsv' <<<"$output" | head -1)" "$(printf 'G1\t1300000\tCOMPUTED')"
    # the sums are the paysheets' own: gross - deducted = net for each
    assert_equal "$(jq -s 'map(select(.gross - .deducted != .net)) | length' <<<"$output")" 0
    run rep payrun 2026-11-A --format ndjson
    assert_equal "$(jq -r '[.status, .counts.paysheets, .totals.gross] | @tsv' <<<"$output")" "$(printf 'COMPUTED\t3\t2985833')"
    run --separate-stderr armms-report payrun 2026-12-A
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-report: tenant acme: no payrun for 2026-12-A"
}

@test "every report reads only: no store, journal or lock file changes, even under a home nobody may write" {
    before=$(sums)
    chmod -R a-w "$ARMMS_HOME"
    for args in "exceptions --period 2026-11-A" "dtr --period 2026-11-A" "guard G1 --period 2026-11-A" \
        "timesheets --period 2026-11-A" "detachment --period 2026-11-A" "timekeeping --period 2026-11-A" \
        "roster --date 2026-11-10" "changes" "obligations" "paysheets 2026-11-A" "payrun 2026-11-A"; do
        for f in ndjson csv table; do
            run --separate-stderr rep $args --format $f
            assert_success
        done
        rep $args --format xlsx >out.xlsx
    done
    chmod -R u+w "$ARMMS_HOME"
    assert_equal "$(sums)" "$before"
    assert_equal "$(find "$ARMMS_HOME/tenants/acme" -name '*-wal' -size +0 | wc -l)" 0
}

@test "CSV opens in a spreadsheet: ISO dates, h:mm, a byte-order mark on request, no formula" {
    run rep dtr --date 2026-11-10 --format csv
    assert_success
    assert_line --index 0 'date,guard_id,name,detachment_id,shift_id,day_type,time_in,time_out,status,minutes_worked,minutes_regular,minutes_ot,minutes_nd,minutes_nd_ot,minutes_late,minutes_undertime,relieves_guard_id'
    assert_line --index 2 '2026-11-10,G3,"Cruz, Ben",DET1,DAY,ordinary,2026-11-09T21:55:00Z,2026-11-10T10:00:00Z,COMPLETE,12:00,8:00,4:00,0:00,0:00,0:00,0:00,G1'
    rep timesheets --period 2026-11-A --format csv --bom >ts.csv
    assert_equal "$(head -c 3 ts.csv | od -An -tx1 | tr -d ' ')" efbbbf
    run rep obligations --format csv
    assert_line --partial "OBL2,deduction,UNIFORM,'=1+1 Uniform,"
    run rep dtr --date 2026-11-10 --bom
    assert_equal "$status" 64
}

@test "XLSX: a workbook with real date cells, hours as durations and text that is never a formula" {
    rep dtr --date 2026-11-10 --format xlsx >dtr.xlsx
    unzip -p dtr.xlsx xl/worksheets/sheet1.xml >sheet.xml
    serial=$(( ($(date -ud 2026-11-10 +%s) - $(date -ud 1899-12-30 +%s)) / 86400 ))
    grep -q "<c r=\"A2\" s=\"[0-9]*\"><v>$serial</v></c>" sheet.xml
    # 12:00 worked is half a day
    grep -q '<v>0.5</v>' sheet.xml
    unzip -p dtr.xlsx xl/sharedStrings.xml | grep -q 'Cruz, Ben'
    unzip -p dtr.xlsx xl/workbook.xml | grep -q 'name="dtr"'
    rep obligations --format xlsx >obl.xlsx
    unzip -p obl.xlsx xl/sharedStrings.xml | grep -q "'=1+1 Uniform"
    ! unzip -p obl.xlsx xl/worksheets/sheet1.xml | grep -q '<f>'
    # the same report of the same store is the same workbook
    rep dtr --date 2026-11-10 --format xlsx >again.xlsx
    cmp dtr.xlsx again.xlsx
}

@test "no report shows a bank account or a TIN, in any format" {
    for f in ndjson csv table; do
        for args in "timesheets --period 2026-11-A" "guard G1 --period 2026-11-A" "roster --date 2026-11-10" \
            "paysheets 2026-11-A" "exceptions --period 2026-11-A"; do
            out=$(rep $args --format $f 2>&1)
            [[ "$out" != *0123456789* && "$out" != *123-456-789* ]]
        done
    done
}

@test "read scopes: a payroll officer reads timesheets, a finance officer may not (77); a timekeeper may not read paysheets" {
    run rep --as pay1 timesheets --period 2026-11-A --format ndjson
    assert_success
    run --separate-stderr rep --as fin1 timesheets --period 2026-11-A
    assert_equal "$status" 77
    [[ "$stderr" == *timesheet.read* ]]
    run rep --as fin1 paysheets 2026-11-A --format ndjson
    assert_success
    run rep --as tk1 paysheets 2026-11-A
    assert_equal "$status" 77
    run rep --as tk1 changes --format ndjson
    assert_success
    run rep --as nobody dtr --date 2026-11-10
    assert_equal "$status" 77
}

@test "usage: an unknown report, missing dates, a bad period or format is 64; output errors are 74" {
    run --separate-stderr rep weekly
    assert_equal "$status" 64
    [[ "$stderr" == *"unknown report 'weekly'"* ]]
    run --separate-stderr rep exceptions
    assert_equal "$status" 64
    [[ "$stderr" == *"exceptions needs one of --from D --to D, --date D or --period P"* ]]
    run rep exceptions --from 2026-11-01
    assert_equal "$status" 64
    run rep timesheets --period 2026-11-C
    assert_equal "$status" 64
    run rep timesheets
    assert_equal "$status" 64
    run rep dtr --date 2026-11-10 --format pdf
    assert_equal "$status" 64
    run rep dtr --date 2026-11-10 --format html
    assert_equal "$status" 64
    run rep roster --date 2026-02-30
    assert_equal "$status" 64
    run bash -c 'armms-report timesheets --period 2026-11-A --format ndjson >/dev/full'
    assert_equal "$status" 74
    run rep timesheets --period 2026-11-A -t nope
    assert_equal "$status" 78
}

# Headless Chromium (Debian chromium), or a clean skip when it cannot run.
browser() { timeout 90 chromium --headless --no-sandbox --disable-gpu --no-first-run "$@" 2>/dev/null; }
need_browser() {
    command -v chromium >/dev/null || skip "chromium is not installed (make deps)"
    browser --dump-dom about:blank | grep -q '<body' || skip "chromium cannot run here"
}

@test "the review pages are one self-contained file each: inline CSS and SVG, nothing fetched" {
    rep timekeeping --period 2026-11-A --format html >tk.html
    rep payrun 2026-11-A --format html >pr.html
    for f in tk.html pr.html; do
        head -c 15 $f | grep -q '<!DOCTYPE html>'
        grep -q '<style>' $f
        ! grep -Eq '<script|<link|<img|src=|href=|@import|url\(' $f
        [ "$(grep -o 'http[s]*://[^"]*' $f | sort -u)" = "http://www.w3.org/2000/svg" ]
    done
}

@test "a browser renders the timekeeping review: hours per detachment, anomalies by code, absences" {
    need_browser
    rep timekeeping --period 2026-11-A --format html >tk.html
    browser --dump-dom "file://$PWD/tk.html" >dom.html
    grep -q '<h1>Timekeeping review</h1>' dom.html
    # one bar for DET1, 275:40 worked, all of it on ordinary days
    grep -q '<svg id="hours-chart"' dom.html
    grep -q '<title>DET1: 275:40</title>' dom.html
    # anomalies by code, most first
    assert_equal "$(grep -o '<td>[A-Z_]*</td><td class="n">[0-9]*</td>' dom.html | sed 's/<[^>]*>/ /g' | tr -s ' ' | paste -sd,)" \
        " WRONG_DETACHMENT 2 , ABSENT 1 , LATE 1 , MISSING_OUT 1 , TOTAL 5 "
    grep -q '<td>2026-11-04</td><td>G2</td><td>Reyes, Ana</td>' dom.html
    browser --window-size=1000,1400 --screenshot="$PWD/tk.png" "file://$PWD/tk.html" >/dev/null
    [ "$(head -c 8 tk.png | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
    [ "$(stat -c %s tk.png)" -gt 10000 ]
}

@test "a browser renders the payrun review: totals, the net pay histogram, deferrals and changes" {
    need_browser
    rep payrun 2026-11-A --format html >pr.html
    browser --dump-dom "file://$PWD/pr.html" >dom.html
    grep -q '<h1>Payrun review 2026-11-A</h1>' dom.html
    grep -q '<td>Net pay</td><td class="n">27,909.68</td>' dom.html
    # nets 850.00, 12,442.55 and 14,617.13 in ten columns of 1,377.00 from 850
    assert_equal "$(grep -c '<rect class="bin"' dom.html)" 10
    assert_equal "$(grep -o '<title>[0-9,]*: 1</title>' dom.html | paste -sd' ')" \
        "<title>850: 1</title> <title>11,866: 1</title> <title>13,243: 1</title>"
    grep -q 'nothing deferred' dom.html
    grep -q 'no paysheets of these guards in the previous period' dom.html
}

# Every record on stdin has the fields its schema requires and no other.
conforms() {
    jq -s --slurpfile s "$ARMMS_ROOT/schemas/$1" \
        '($s[0].properties | keys) as $p | ($s[0].required) as $r | length > 0 and
         all(.[]; (keys - $p | length == 0) and ($r - keys | length == 0) and .kind == $s[0].properties.kind.const)'
}

@test "each report's records follow their schemas" {
    assert_equal "$(rep exceptions --period 2026-11-A --format ndjson | conforms exception.schema.json)" true
    assert_equal "$(rep dtr --period 2026-11-A --format ndjson | conforms dtr-report.schema.json)" true
    assert_equal "$(rep timesheets --period 2026-11-A --format ndjson | conforms timesheet-report.schema.json)" true
    assert_equal "$(rep detachment --period 2026-11-A --format ndjson | conforms detachment-summary.schema.json)" true
    assert_equal "$(rep roster --date 2026-11-10 --format ndjson | conforms roster-entry.schema.json)" true
    assert_equal "$(rep obligations --format ndjson | conforms obligation-balance.schema.json)" true
    assert_equal "$(rep paysheets 2026-11-A --format ndjson | conforms paysheet-summary.schema.json)" true
    assert_equal "$(rep changes --format ndjson | conforms change-request.schema.json)" true
}

@test "a guard or detachment the tenant does not have is an error naming the nearest, not an empty report" {
    run --separate-stderr armms-report timesheets --period 2026-11-A --guard G4
    assert_failure 65
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-report: tenant acme has no guard G4; did you mean 'G1', 'G2' or 'G3'?"
    run --separate-stderr armms-report detachment --period 2026-11-A --detachment DET9
    assert_failure 65
    assert_equal "$stderr" "armms-report: tenant acme has no detachment DET9; did you mean 'DET1' or 'DET2'?"
    run --separate-stderr armms-report obligations --guard nobody
    assert_failure 65
    assert_equal "$stderr" "armms-report: tenant acme has no guard nobody"
    # the guard who is there, with nothing to show, is an empty report
    run --separate-stderr armms-report timesheets --period 2026-12-A --guard G1 --format ndjson
    assert_success
    assert_equal "$output" ""
}
