load test_helper
bats_require_minimum_version 1.5.0

# armms-payslip: payslips of an approved payrun, as text and PDF. Figures by
# hand from the shipped rules (data/): 800.00 a day at DET1 (NCR); a full
# DAY shift is 480 regular + 240 overtime minutes = 800.00 + 500.00.
#
# The run of 2026-11-A: Peñafiel, Niño José (G1) rests on Sundays (1, 8, 15
# November): 12 days = 96:00 basic (9,600.00) and 48:00 overtime at 125%
# (6,000.00), gross 15,600.00. Pag-IBIG (HDMF Circular 460) 2% of at most
# 10,000.00 = 200.00 each. Tax (RR 11-2018 semi-monthly table, 2023 on):
# 15,600.00 - 200.00 = 15,400.00, 15% over 10,417.00 = 747.45. His cash
# advance (500.00 x 2 from 2026-11-A) is waived in 2026-11-A and carried to
# 2026-11-B. Net 15,600.00 - 747.45 - 200.00 = 14,652.55.
#
# After the close, his Sunday 8 November arrives: 2026-11-B carries it as
# adjustment lines of 2026-11-A, 8:00 at 130% = 1,040.00 and 4:00 at 169% =
# 676.00, gross 1,716.00. The month's SSS (Circular 2024-006) on
# 15,600.00 + 1,716.00 = 17,316.00, a credit of 17,500.00: 875.00 employee,
# 1,750.00 employer, EC 30.00; PhilHealth (Circular 2020-0005) 5% of
# 800.00 x 313 / 12 = 20,866.67, halved: 521.66 and 521.67. The net floor
# defers both installments of the loan to 2026-12-A. Net 1,716.00 - 875.00
# - 521.66 = 319.34.

slip_tenant() {
    small_tenant acme
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' \
        'DET2,Harbor Mall,Harbor Inc,NCR' | armms-import -q -t acme --format csv detachment
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G1,100001,Peñafiel,Niño José,GUARD,SUN,ACTIVE' | armms-import -q -t acme --format csv guard
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'tk1,Timekeeper,timekeeper'
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        'L1,G1,loan,CASH_ADVANCE,Cash advance,500.00,2,2026-11-A,each'
    tk_policy acme 'agency_name=Bantay Seguridad ng Pilipinas, Inc.'
    armms-import -q -t acme period --generate 2026
    local d g
    for g in G1 G2; do
        for d in $(seq -f '2026-11-%02g' 1 15); do
            [ "$g" = G1 ] && [ "$(date -d "$d" +%a)" = Sun ] && continue
            [ "$g" = G2 ] && [ "$(date -d "$d" +%a)" = Sat ] && continue
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
        done
    done
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-deduct -q -t acme waive L1 --period 2026-11-A --reason "guard hospitalised" --carry >/dev/null
    armms-payrun -q -t acme open 2026-11-A >/dev/null
    armms-payrun -q -t acme compute 2026-11-A >/dev/null
    export ARMMS_NOW=2026-11-20T09:30:00Z
    armms-payrun -q -t acme approve 2026-11-A
    export ARMMS_NOW=2026-11-20T10:00:00Z
    armms-payrun -q -t acme close 2026-11-A >/dev/null
    # the late Sunday, after the close
    tk_punch G1-late-in G1 2026-11-08T05:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/late"
    tk_punch G1-late-out G1 2026-11-08T18:00:00+08:00 OUT DET1 >>"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/late"
    export ARMMS_NOW=2026-12-03T00:00:00Z
    armms-payrun -q -t acme open 2026-11-B >/dev/null
    armms-payrun -q -t acme compute 2026-11-B >/dev/null
}

approve_b() {
    export ARMMS_NOW=2026-12-03T08:00:00Z
    armms-payrun -q -t acme approve 2026-11-B
}

slip() { armms-payslip -t acme "$@"; }

@test "the payslip names the agency, the period and the guard as written, ñ and all" {
    slip_tenant
    run --separate-stderr slip 2026-11-A --guard G1
    assert_success
    assert_line --index 0 --regexp '^Bantay Seguridad ng Pilipinas, Inc\. +PAYSLIP$'
    assert_line --index 1 --regexp '^Period 2026-11-A, 2026-11-01 to 2026-11-15 +Pay date 2026-11-20$'
    assert_line --regexp '^Name +Peñafiel, Niño José +Employee no\. +100001$'
    assert_line --regexp '^Position +Security Guard +Guard id +G1$'
    assert_line --regexp '^Detachment +Tower One$'
    assert_equal "$stderr" "armms-payslip: 2026-11-A: 1 payslip written (text)"
    # no line is wider than 80 characters
    assert_equal "$(LC_ALL=C.UTF-8 awk 'length > 80' <<<"$output")" ""
}

@test "earnings show hours as h:mm, the daily rate and the multiplier; a waived loan shows where it went" {
    slip_tenant
    run --separate-stderr slip 2026-11-A --guard G1
    assert_success
    assert_line --regexp '^Basic pay +11/02-11/14 +96:00 +800\.00 +100% +9,600\.00$'
    assert_line --regexp '^Overtime +11/02-11/14 +48:00 +800\.00 +125% +6,000\.00$'
    assert_line --regexp '^ +Gross pay +15,600\.00$'
    assert_line --regexp '^Withholding tax +747\.45$'
    assert_line --regexp '^Pag-IBIG contribution 2026-11 +200\.00 +200\.00$'
    assert_line --regexp '^Cash advance +500\.00 +WAIVED to 2026-11-B$'
    # the waived installment is not taken
    assert_line --regexp '^Total deductions +947\.45 +200\.00$'
    # the loan is still owed whole: the waiver moved it, it forgave nothing
    assert_line --regexp '^Cash advance \(L1\) +1,000\.00$'
    assert_line --regexp '^NET PAY +14,652\.55$'
    assert_equal "$(q acme pay "select net from paysheet where paysheet_id = '2026-11-A/G1'")" 1465255
}

@test "a late change after the close is an adjustment line naming the period it corrects; deferred items say where they went" {
    slip_tenant
    approve_b
    run --separate-stderr slip 2026-11-B --guard G1
    assert_success
    assert_line --regexp '^Rest day \(corrects 2026-11-A\) +11/08 +8:00 +800\.00 +130% +1,040\.00$'
    # a label too long for its column has a line of its own, the figures below
    assert_line 'Rest day, overtime (corrects 2026-11-A)'
    assert_line --regexp '^ {32}11/08 +4:00 +800\.00 +169% +676\.00$'
    assert_line --regexp '^ +Gross pay +1,716\.00$'
    assert_line --regexp '^SSS contribution 2026-11 +875\.00 +1,750\.00$'
    assert_line --regexp "^  Employees' Compensation +30\.00$"
    assert_line --regexp '^PhilHealth premium 2026-11 +521\.66 +521\.67$'
    assert_equal "$(grep -cE '^Cash advance +500\.00 +DEFERRED to 2026-12-A$' <<<"$output")" 2
    assert_line --regexp '^Total deductions +1,396\.66 +2,301\.67$'
    assert_line --regexp '^Cash advance \(L1\) +1,000\.00$'
    assert_line --regexp '^NET PAY +319\.34$'
}

@test "year to date adds up the guard's approved paysheets of the year, this period included" {
    slip_tenant
    run slip 2026-11-A --guard G1
    assert_line 'YEAR TO DATE 2026, 2026-01-A to 2026-11-A (1 paysheet)'
    assert_line --regexp '^Gross pay +15,600\.00 +SSS +0\.00$'
    assert_line --regexp '^Withholding tax +747\.45 +PhilHealth +0\.00$'
    assert_line --regexp '^Contributions +200\.00 +Pag-IBIG +200\.00$'
    approve_b
    run slip 2026-11-B --guard G1
    # 15,600.00 + 1,716.00; tax 747.45 + 0.00; 875.00 + 521.66 + 200.00
    assert_line 'YEAR TO DATE 2026, 2026-01-A to 2026-11-B (2 paysheets)'
    assert_line --regexp '^Gross pay +17,316\.00 +SSS +875\.00$'
    assert_line --regexp '^Withholding tax +747\.45 +PhilHealth +521\.66$'
    assert_line --regexp '^Contributions +1,596\.66 +Pag-IBIG +200\.00$'
    # the earlier period's payslip is not changed by the later one
    run slip 2026-11-A --guard G1
    assert_line --regexp '^Gross pay +15,600\.00 +SSS +0\.00$'
}

@test "a run not yet approved gives no payslips, nor a period without a run" {
    slip_tenant
    run --separate-stderr slip 2026-11-B
    assert_equal "$status" 65
    assert_output ""
    assert_equal "$stderr" "armms-payslip: tenant acme: the payrun of 2026-11-B is COMPUTED: payslips come from an approved run only (armms-payrun approve 2026-11-B)"
    run --separate-stderr slip 2026-12-A
    assert_equal "$status" 65
    [[ "$stderr" == *"no payrun for 2026-12-A"* ]]
    run slip 2026-13-A
    assert_equal "$status" 64
    approve_b
    run slip 2026-11-B
    assert_success
}

@test "every guard of the run by default, in order; a guard without an approved paysheet is a Reject and the others still print" {
    slip_tenant
    run --separate-stderr slip 2026-11-A
    assert_success
    assert_equal "$(grep -c PAYSLIP <<<"$output")" 2
    assert_equal "$(grep -E '^Name' <<<"$output" | sed -E 's/^Name +//; s/ {2,}Employee no\. +/ /')" "$(printf '%s\n' 'Peñafiel, Niño José 100001' 'Reyes, Ana 100002')"
    assert_equal "$(grep -c $'\f' <<<"$output")" 1
    run --separate-stderr slip 2026-11-A --guard G3 --guard G2
    assert_equal "$status" 65
    assert_equal "$(grep -c PAYSLIP <<<"$output")" 1
    assert_equal "$(grep '^{' <<<"$stderr" | jq -r '[.code, .input] | @tsv')" "$(printf 'NO_PAYSHEET\tG3')"
    [[ "$stderr" == *"armms-payslip: 2026-11-A: 1 payslip written (text); 1 guard rejected"* ]]
}

@test "the PDF is the same bytes every time, dated from the payrun, and its text has the name and the net" {
    slip_tenant
    run --separate-stderr slip 2026-11-A --format pdf -o "$BATS_TEST_TMPDIR/one"
    assert_success
    assert_equal "$stderr" "armms-payslip: 2026-11-A: 2 payslips written (pdf in $BATS_TEST_TMPDIR/one)"
    assert_equal "$(cd "$BATS_TEST_TMPDIR/one" && ls)" "$(printf '%s\n' 2026-11-A-G1.pdf 2026-11-A-G2.pdf)"
    export ARMMS_NOW=2027-01-15T00:00:00Z
    slip -q 2026-11-A --format pdf -o "$BATS_TEST_TMPDIR/two"
    cmp "$BATS_TEST_TMPDIR/one/2026-11-A-G1.pdf" "$BATS_TEST_TMPDIR/two/2026-11-A-G1.pdf"
    cmp "$BATS_TEST_TMPDIR/one/2026-11-A-G2.pdf" "$BATS_TEST_TMPDIR/two/2026-11-A-G2.pdf"
    f=$BATS_TEST_TMPDIR/one/2026-11-A-G1.pdf
    txt=$(pdftotext -layout "$f" - 2>/dev/null)
    [[ "$txt" == *"Peñafiel, Niño José"* ]]
    [[ "$txt" == *"Bantay Seguridad ng Pilipinas, Inc."* ]]
    [[ "$txt" =~ NET\ PAY\ +14,652\.55 ]]
    [[ "$txt" =~ WAIVED\ to\ 2026-11-B ]]
    # the dates are the payrun's approval, not the clock's
    assert_equal "$(pdfinfo -isodates "$f" 2>/dev/null | sed -n 's/^CreationDate: *//p')" 2026-11-20T09:30:00Z
    assert_equal "$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Page size: *//p')" "595.276 x 841.89 pts (A4)"
    # no /ID: nothing random in the file
    run grep -ac '/ID ' "$f"
    assert_output 0
}

@test "a payslip is the same before and after its run closes" {
    slip_tenant
    approve_b
    slip -q 2026-11-B --format pdf -o "$BATS_TEST_TMPDIR/approved"
    slip -q 2026-11-B >"$BATS_TEST_TMPDIR/approved.txt"
    export ARMMS_NOW=2026-12-04T00:00:00Z
    armms-payrun -q -t acme close 2026-11-B >/dev/null
    assert_equal "$(q acme pay "select status from payrun where period_id = '2026-11-B'")" CLOSED
    slip -q 2026-11-B --format pdf -o "$BATS_TEST_TMPDIR/closed"
    slip -q 2026-11-B >"$BATS_TEST_TMPDIR/closed.txt"
    cmp "$BATS_TEST_TMPDIR/approved/2026-11-B-G1.pdf" "$BATS_TEST_TMPDIR/closed/2026-11-B-G1.pdf"
    cmp "$BATS_TEST_TMPDIR/approved.txt" "$BATS_TEST_TMPDIR/closed.txt"
    [[ "$(pdftotext "$BATS_TEST_TMPDIR/closed/2026-11-B-G1.pdf" - 2>/dev/null)" == *"payrun approved 2026-12-03T08:00:00Z"* ]]
}

@test "one combined PDF for the run, on letter paper when asked" {
    slip_tenant
    run --separate-stderr slip 2026-11-A --format pdf --combined --paper letter -o "$BATS_TEST_TMPDIR/run.pdf"
    assert_success
    assert_equal "$(pdfinfo "$BATS_TEST_TMPDIR/run.pdf" 2>/dev/null | sed -n 's/^Pages: *//p')" 2
    assert_equal "$(pdfinfo "$BATS_TEST_TMPDIR/run.pdf" 2>/dev/null | sed -n 's/^Page size: *//p')" "612 x 792 pts (letter)"
    [[ "$(pdftotext "$BATS_TEST_TMPDIR/run.pdf" - 2>/dev/null)" == *"Reyes, Ana"* ]]
    # to a pipe, the same document
    slip -q 2026-11-A --format pdf --paper letter | cmp - "$BATS_TEST_TMPDIR/run.pdf"
    assert_file_not_exist "$BATS_TEST_TMPDIR/run.pdf.tmp"*
    run slip 2026-11-A --combined
    assert_equal "$status" 64
}

@test "text goes to one file, or a file per guard into a directory that exists" {
    slip_tenant
    mkdir "$BATS_TEST_TMPDIR/txt"
    run --separate-stderr slip 2026-11-A -o "$BATS_TEST_TMPDIR/txt"
    assert_success
    assert_equal "$(cd "$BATS_TEST_TMPDIR/txt" && ls)" "$(printf '%s\n' 2026-11-A-G1.txt 2026-11-A-G2.txt)"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/txt/2026-11-A-G1.txt")" "$(slip -q 2026-11-A --guard G1)"
    slip -q 2026-11-A -o "$BATS_TEST_TMPDIR/all.txt"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/all.txt")" "$(slip -q 2026-11-A)"
    # a PDF per guard needs a directory, not a file
    run --separate-stderr slip 2026-11-A --format pdf -o "$BATS_TEST_TMPDIR/all.txt"
    assert_equal "$status" 73
    [[ "$stderr" == *"--combined -o FILE"* ]]
}

@test "reading payslips needs paysheet.read: the timekeeper is refused" {
    slip_tenant
    run --separate-stderr slip --as tk1 2026-11-A
    assert_equal "$status" 77
    assert_output ""
    [[ "$stderr" == *"paysheet.read"* ]]
    run slip --as pay1 2026-11-A --guard G1
    assert_success
}

@test "a full disk is an output error, 74, for text and PDF alike" {
    slip_tenant
    run --separate-stderr bash -c 'armms-payslip -t acme 2026-11-A >/dev/full'
    assert_equal "$status" 74
    run --separate-stderr bash -c 'armms-payslip -t acme 2026-11-A --format pdf >/dev/full'
    assert_equal "$status" 74
    run --separate-stderr armms-payslip -t acme 2026-11-A --format pdf --combined -o /dev/full
    assert_equal "$status" 74
}
