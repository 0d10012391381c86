load test_helper
bats_require_minimum_version 1.5.0

# armms-remit: the government files of November 2026 from its two approved
# runs. Two guards at DET1 (NCR), 800.00 a day on 12-hour DAY shifts
# (800.00 regular + 500.00 overtime = 1,300.00 a day), no holidays loaded:
#   G1 Santos, Juan  rests on Sundays:   A 12 days = 15,600.00, B 13 days = 16,900.00
#   G2 Reyes, Ana    rests on Saturdays: A 13 days = 16,900.00, B 13 days = 16,900.00
# G1 pays a Pag-IBIG loan (200.00 each period) and an SSS loan (100.00);
# G2's SSS number "12-345" is not the 10 digits SSS prints.

build_month() {
    small_tenant acme
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' |
        armms-import -q -t acme --format csv detachment
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,tin,sss_no,philhealth_no,hdmf_no,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,123-456-789-000,34-1234567-8,01-234567890-1,1210-1234-5678,ACTIVE' \
        'G2,100002,Reyes,Ana,GUARD,SAT,987-654-321,12-345,02-345678901-2,1211-2345-6789,ACTIVE' |
        armms-import -q -t acme --format csv guard
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'hrm1,HR Manager,hr_manager' 'tk1,Timekeeper,timekeeper'
    tk_import acme obligation \
        'obligation_id,guard_id,kind,code,label,principal,installment,installments,start_period,frequency,taxable,status' \
        'OBL1,G1,loan,HDMF_LOAN,Pag-IBIG multi-purpose loan,2400.00,200.00,12,2026-11-A,each,,ACTIVE' \
        'OBL2,G1,loan,SSS_LOAN,SSS salary loan,2400.00,100.00,24,2026-11-A,each,,ACTIVE'
    armms-import -q -t acme period --generate 2026
    local d g
    for g in G1 G2; do
        for d in $(seq -f '2026-11-%02g' 1 30); do
            [ "$g" = G1 ] && [ "$(date -d "$d" +%a)" = Sun ] && continue
            [ "$g" = G2 ] && [ "$(date -d "$d" +%a)" = Sat ] && continue
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_FILE_TMPDIR/in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_FILE_TMPDIR/in"
        done
    done
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR tk_chain acme "$BATS_FILE_TMPDIR/in"
    local h
    for h in A B; do
        armms-timesheet -q -t acme --finalize --period 2026-11-$h --override test >/dev/null
        armms-payrun -q -t acme --as pay1 open 2026-11-$h
        armms-payrun -q -t acme --as pay1 compute 2026-11-$h >/dev/null
    done
    armms-payrun -q -t acme --as hrm1 approve 2026-11-A
}

# One tenant built for the file: "half" has 2026-11-B computed, not
# approved; "month" has both halves approved.
setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/half" ARMMS_USER=tester ARMMS_NOW=2026-12-02T00:00:00Z
    mkdir -p "$ARMMS_HOME"
    build_month
    cp -a "$BATS_FILE_TMPDIR/half" "$BATS_FILE_TMPDIR/month"
    ARMMS_HOME="$BATS_FILE_TMPDIR/month" armms-payrun -q -t acme --as hrm1 approve 2026-11-B
}

use() {
    rm -rf "$ARMMS_HOME"
    cp -a "$BATS_FILE_TMPDIR/$1" "$ARMMS_HOME"
    export ARMMS_NOW=2026-12-02T00:00:00Z
}

rm_() { armms-remit -t acme --as pay1 "$@"; }
r3() {
    rm_ sss 2026-11 -o "$1" --employer-sss 03-9123456-7 --employer-name 'Acme Security Agency Inc.'
}
# field F of guard G's record among NDJSON lines on stdin
of() { jq -r "select(.guard_id == \"$1\") | $2"; }

@test "the R3 file: a 48-column header, 110-column details and a 98-column trailer of CR LF lines" {
    use month
    run --separate-stderr r3 "$BATS_TEST_TMPDIR/r3.txt"
    assert_equal "$status" 65 # G2 is listed, see below
    f=$BATS_TEST_TMPDIR/r3.txt
    assert_equal "$(wc -l <"$f")" 3
    assert_equal "$(grep -c $'\r$' "$f")" 3
    assert_equal "$(tr -d '\r' <"$f" | awk '{ print substr($0, 1, 2), length($0) }' | paste -sd' ')" \
        "00 48 20 110 99 98"
    # header: name in 30, applicable month MMYYYY, employer number in 10 digits
    assert_equal "$(head -1 "$f" | tr -d '\r')" "00Acme Security Agency Inc.     1120260391234567"
    # detail: names 15 + 15 + 1, SS number, SS in November's slot (the
    # quarter's 2nd month), three unused slots, EC in November's slot, N
    d=$(sed -n 2p "$f" | tr -d '\r')
    assert_equal "${d:2:15}|${d:17:15}|${d:32:1}|${d:33:10}" "Santos         |Juan           | |3412345678"
    assert_equal "${d:43:8}|${d:51:8}|${d:59:8}" "    0.00| 3000.00|    0.00"
    assert_equal "${d:67:18}" "  0.00  0.00  0.00"
    assert_equal "${d:85:6}|${d:91:6}|${d:97:6}|${d:103:7}" "  0.00| 30.00|  0.00|      N"
}

@test "the R3 trailer totals are the sums of its detail records, month by month" {
    use month
    run --separate-stderr r3 "$BATS_TEST_TMPDIR/r3.txt"
    f=$BATS_TEST_TMPDIR/r3.txt
    sum() { tr -d '\r' <"$f" | awk -v s="$1" -v w="$2" '/^20/ { t += substr($0, s + 1, w) } END { printf "%.2f", t }'; }
    t=$(tail -1 "$f" | tr -d '\r')
    assert_equal "$(sum 43 8)|$(sum 51 8)|$(sum 59 8)" "$(echo ${t:2:12})|$(echo ${t:14:12})|$(echo ${t:26:12})"
    assert_equal "$(sum 85 6)|$(sum 91 6)|$(sum 97 6)" "$(echo ${t:68:10})|$(echo ${t:78:10})|$(echo ${t:88:10})"
    assert_equal "$(echo ${t:14:12}) $(echo ${t:78:10})" "3000.00 30.00"
    [[ "$stderr" == *"R3 2026-11: 1 records, regular SS 3000.00, EC 30.00 (trailer); MPF 1875.00 reported apart; 1 listed, not in the file"* ]]
}

@test "a guard whose SSS number is not 10 digits is listed, masked, and kept out of the R3 file; exit 65" {
    use month
    run --separate-stderr r3 "$BATS_TEST_TMPDIR/r3.txt"
    assert_equal "$status" 65
    [[ "$stderr" == *"guard G2: SSS number '****-345' not 10 digits: not in the R3 file"* ]]
    [[ "$stderr" != *"12-345"* ]]
    run grep -c Reyes "$BATS_TEST_TMPDIR/r3.txt"
    assert_output 0
    # the records on stdout list both, G2 marked
    run --separate-stderr rm_ sss 2026-11 --format ndjson
    assert_equal "$status" 65
    assert_equal "$(of G2 '[.id_ok, .id_problem, .sss_no] | @tsv' <<<"$output")" "$(printf 'false\tnot 10 digits\t****-345')"
    assert_equal "$(of G1 '.sss_no' <<<"$output")" "****5678"
}

@test "regular SS and MPF split by hand: MSC 32,500 is 20,000 regular and 12,500 MPF" {
    use month
    run --separate-stderr rm_ sss 2026-11 --format ndjson
    # G1: 15,600 + 16,900 = 32,500 of compensation, MSC 32,500 (SSS Circular
    # 2024-006): employee 5% = 1,625.00 (SS 1,000.00 + MPF 625.00),
    # employer 10% = 3,250.00 (SS 2,000.00 + MPF 1,250.00), EC 30.00
    assert_equal "$(of G1 '[.credit, .credit_ss, .credit_mpf, .ss_ee, .mpf_ee, .ss_er, .mpf_er, .ec, .total] | @tsv' <<<"$output")" \
        "$(printf '3250000\t2000000\t1250000\t100000\t62500\t200000\t125000\t3000\t490500')"
    # G2: 33,800 -> MSC 34,000: MPF 14,000; employee 1,700.00 (1,000 + 700)
    assert_equal "$(of G2 '[.credit_mpf, .ss_ee, .mpf_ee, .ss_er, .mpf_er] | @tsv' <<<"$output")" \
        "$(printf '1400000\t100000\t70000\t200000\t140000')"
    # never recomputed: the same as the B paysheet's SSS deduction
    assert_equal "$(q acme pay "select json_extract(d.value, '\$.amount') || ' ' || json_extract(d.value, '\$.ee_mpf') from paysheet, json_each(record, '\$.deductions') d where paysheet_id = '2026-11-B/G1' and json_extract(d.value, '\$.code') = 'SSS'")" "162500 62500"
}

@test "Pag-IBIG and PhilHealth shares by hand, with the MID and PIN in full in the files only" {
    use month
    # Pag-IBIG (A run): base 800 x 313 / 12 = 20,866.67, capped at 10,000: 2% + 2% = 200.00 each
    run --separate-stderr rm_ hdmf 2026-11 --format ndjson
    assert_success
    assert_equal "$(of G1 '[.ee, .er, .total, .hdmf_no] | @tsv' <<<"$output")" "$(printf '20000\t20000\t40000\t****5678')"
    [[ "$stderr" == *"hdmf 2026-11: 2 contributions, employee 400.00, employer 400.00; 0 with a bad MID"* ]]
    # PhilHealth (B run): 5% of 20,866.67 = 1,043.33; the odd centavo to the employer
    run --separate-stderr rm_ philhealth 2026-11 --format ndjson
    assert_equal "$(of G1 '[.base, .ee, .er, .total] | @tsv' <<<"$output")" "$(printf '2086667\t52166\t52167\t104333')"
    rm_ -q hdmf 2026-11 -o "$BATS_TEST_TMPDIR/hdmf.csv"
    rm_ -q philhealth 2026-11 -o "$BATS_TEST_TMPDIR/ph.csv"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/hdmf.csv")" "$(printf '%s\n' \
        pagibig_mid,employee_no,last_name,first_name,period,ee_share,er_share,total \
        121123456789,100002,Reyes,Ana,2026-11,200.00,200.00,400.00 \
        121012345678,100001,Santos,Juan,2026-11,200.00,200.00,400.00)"
    assert_equal "$(sed -n 3p "$BATS_TEST_TMPDIR/ph.csv")" "012345678901,100001,Santos,Juan,2026-11,20866.67,521.66,521.67,1043.33"
}

@test "the Pag-IBIG loan list holds the HDMF loans only: 200.00 in each half" {
    use month
    run --separate-stderr rm_ hdmf-loan 2026-11 --format ndjson
    assert_success
    assert_equal "$output" "$(rm_ -q hdmf-loan 2026-11 --format ndjson)"
    assert_equal "$(jq -r '[.guard_id, .obligation_id, .code, .amount] | @tsv' <<<"$output")" "$(printf 'G1\tOBL1\tHDMF_LOAN\t40000')"
    [[ "$stderr" == *"hdmf-loan 2026-11: 1 loan payments, 400.00"* ]]
}

@test "1601-C: total compensation, non-taxable, taxable and tax are the sums of the month's paysheets" {
    use month
    run --separate-stderr rm_ bir-1601c 2026-11 --format ndjson
    assert_success
    sheets() { q acme pay "select sum($1) from paysheet where period_id like '2026-11-%'"; }
    assert_equal "$(jq -r .gross <<<"$output")" "$(sheets gross)"
    assert_equal "$(jq -r .gross <<<"$output")" 6630000 # 15,600 + 16,900 + 16,900 + 16,900
    assert_equal "$(jq -r .taxable <<<"$output")" "$(sheets "json_extract(record, '\$.taxable')")"
    assert_equal "$(jq -r .tax <<<"$output")" "$(q acme pay "select sum(json_extract(d.value, '\$.amount')) from paysheet, json_each(record, '\$.deductions') d where period_id like '2026-11-%' and json_extract(d.value, '\$.kind') = 'tax'")"
    # non-taxable: the employee shares, SSS 1,625.00 + 1,700.00, PhilHealth
    # 521.66 x 2, Pag-IBIG 200.00 x 2 = 4,768.32
    assert_equal "$(jq -r '[.contributions, .nontaxable, .gross - .taxable, .other_nontaxable] | @tsv' <<<"$output")" \
        "$(printf '476832\t476832\t476832\t0')"
    assert_equal "$(jq -c .periods <<<"$output")" '["2026-11-A","2026-11-B"]'
    rm_ -q bir-1601c 2026-11 -o "$BATS_TEST_TMPDIR/1601c.csv"
    assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/1601c.csv" | cut -d, -f1-4,11-)" "2026-11,2,0,66300.00,4768.32,61531.68,2981.20"
}

@test "the month's remittance lists reconcile with the register of its two halves, share by share" {
    use month
    # the register's columns over both halves, in centavos
    local reg="" h
    for h in A B; do
        armms-register -q -t acme --as pay1 2026-11-$h -o "$BATS_TEST_TMPDIR/reg-$h.csv"
    done
    reg=$(awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { for (k in want) t[k] += $c[k] * 100 }
        BEGIN { split("SSS SSS_ER SSS_EC PHILHEALTH PHILHEALTH_ER HDMF HDMF_ER", w, " "); for (i in w) want[w[i]] = 1 }
        END { printf "%.0f %.0f %.0f %.0f %.0f %.0f %.0f", t["SSS"], t["SSS_ER"], t["SSS_EC"], t["PHILHEALTH"], t["PHILHEALTH_ER"], t["HDMF"], t["HDMF_ER"] }' \
        "$BATS_TEST_TMPDIR/reg-A.csv" "$BATS_TEST_TMPDIR/reg-B.csv")
    local sss ph hd
    sss=$(rm_ sss 2026-11 --format ndjson 2>/dev/null | jq -rs '"\(map(.ee) | add) \(map(.er) | add) \(map(.ec) | add)"')
    ph=$(rm_ philhealth 2026-11 --format ndjson | jq -rs '"\(map(.ee) | add) \(map(.er) | add)"')
    hd=$(rm_ hdmf 2026-11 --format ndjson | jq -rs '"\(map(.ee) | add) \(map(.er) | add)"')
    assert_equal "$reg" "$sss $ph $hd"
    assert_equal "${reg%% *}" 332500 # SSS 1,625.00 + 1,700.00: not a sum of nothing
}

@test "a month with a half not yet approved writes nothing and exits 65; --partial writes the approved half" {
    use half
    run --separate-stderr r3 "$BATS_TEST_TMPDIR/r3.txt"
    assert_equal "$status" 65
    [[ "$stderr" == *"2026-11 is not approved in full: 2026-11-B (COMPUTED)"* ]]
    [[ "$stderr" == *"nothing written (--partial writes what is approved)"* ]]
    assert_file_not_exist "$BATS_TEST_TMPDIR/r3.txt"
    run --separate-stderr rm_ hdmf 2026-11 --format ndjson
    assert_equal "$status" 65
    assert_output ""
    # with --partial: the A half's Pag-IBIG; SSS is taken in B, so none yet
    run --separate-stderr rm_ hdmf 2026-11 --partial --format ndjson
    assert_equal "$status" 65
    assert_equal "$(jq -r .guard_id <<<"$output" | paste -sd' ')" "G2 G1"
    run --separate-stderr rm_ sss 2026-11 --partial --format ndjson
    assert_output ""
    run --separate-stderr rm_ bir-1601c 2026-11 --partial --format ndjson
    assert_equal "$(jq -c '[.periods, .gross]' <<<"$output")" '[["2026-11-A"],3250000]'
}

@test "the alphalist and 2316 figures of the year are the sums of the guard's approved paysheets" {
    use month
    run --separate-stderr rm_ 2316 2026 --guard G1 --format ndjson
    assert_success
    assert_equal "$(jq -r '[.guard_id, .tin, .schedule, .gross, .paysheets] | @tsv' <<<"$output")" "$(printf 'G1\t****9000\tnon-MWE\t3250000\t2')"
    assert_equal "$(jq -r .tax <<<"$output")" "$(q acme pay "select sum(json_extract(d.value, '\$.amount')) from paysheet, json_each(record, '\$.deductions') d where guard_id = 'G1' and json_extract(d.value, '\$.kind') = 'tax'")"
    rm_ -q alphalist 2026 -o "$BATS_TEST_TMPDIR/al.csv"
    assert_equal "$(head -1 "$BATS_TEST_TMPDIR/al.csv" | cut -d, -f1-7)" "schedule,tin,employee_no,last_name,first_name,year,gross_compensation"
    assert_equal "$(cut -d, -f1-7 "$BATS_TEST_TMPDIR/al.csv" | tail -2)" "$(printf '%s\n' \
        non-MWE,987654321,100002,Reyes,Ana,2026,33800.00 non-MWE,123456789000,100001,Santos,Juan,2026,32500.00)"
}

@test "a text cell that a spreadsheet would read as a formula gets a leading apostrophe" {
    use month
    sq "$ARMMS_HOME/tenants/acme/hr.db" "update guard set last_name = '=HYPERLINK(\"x\")', first_name = '@Ana' where guard_id = 'G2'"
    rm_ -q hdmf 2026-11 -o "$BATS_TEST_TMPDIR/hdmf.csv"
    assert_equal "$(grep 100002 "$BATS_TEST_TMPDIR/hdmf.csv")" "121123456789,100002,\"'=HYPERLINK(\"\"x\"\")\",'@Ana,2026-11,200.00,200.00,400.00"
}

@test "the same approved month gives byte-identical files" {
    use month
    r3 "$BATS_TEST_TMPDIR/a.txt" 2>/dev/null || true
    r3 "$BATS_TEST_TMPDIR/b.txt" 2>/dev/null || true
    cmp "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt"
    rm_ -q alphalist 2026 -o "$BATS_TEST_TMPDIR/a.csv" || true
    rm_ -q alphalist 2026 -o "$BATS_TEST_TMPDIR/b.csv" || true
    cmp "$BATS_TEST_TMPDIR/a.csv" "$BATS_TEST_TMPDIR/b.csv"
    assert_file_not_exist "$BATS_TEST_TMPDIR/a.csv.tmp"
}

@test "a timekeeper without paysheet.read is refused with 77; a bad month is 64" {
    use month
    run --separate-stderr armms-remit -t acme --as tk1 hdmf 2026-11
    assert_equal "$status" 77
    assert_output ""
    run armms-remit -t acme --as pay1 hdmf 2026-13
    assert_equal "$status" 64
    run armms-remit -t acme --as pay1 alphalist 2026-11
    assert_equal "$status" 64
    run armms-remit -t acme --as pay1 sss 2026-11 -o x.txt
    assert_equal "$status" 64 # the R3 header needs the employer
}

@test "output that cannot be written is 74: stdout on /dev/full, -o /dev/full" {
    use month
    run bash -c 'armms-remit -q -t acme --as pay1 hdmf 2026-11 --format ndjson >/dev/full'
    assert_equal "$status" 74
    run bash -c 'armms-remit -q -t acme --as pay1 hdmf 2026-11 -o /dev/full'
    assert_equal "$status" 74
    run bash -c 'armms-remit -q -t acme --as pay1 sss 2026-11 -o /dev/full --employer-sss 0391234567 --employer-name Acme'
    assert_equal "$status" 74
}
