#!/usr/bin/env bats
# armms-register: the payroll register of an approved run, read from its
# approved paysheets only (the run of tests/out_helper.bash).

load test_helper
load out_helper

@test "the register has every earning and deduction column, employer shares and a TOTAL row in XLSX only" {
    run --separate-stderr armms-register 2026-11-A
    assert_success
    assert_equal "$(head -1 <<<"$output")" \
        "guard_id,employee_no,last_name,first_name,position_id,bank_code,BASIC,OT,GROSS,SSS,PHILHEALTH,HDMF,TAX,UNIFORM,DEDUCTIONS,NET,SSS_ER,SSS_EC,PHILHEALTH_ER,HDMF_ER"
    # G6: 1,300.00 gross less HDMF 200.00 and the uniform 1,100.00 = 0.00
    assert_equal "$(grep '^G6,' <<<"$output")" \
        "G6,100006,Lim,Rosa,GUARD,BPI,800.00,500.00,1300.00,0.00,0.00,200.00,0.00,1100.00,1300.00,0.00,0.00,0.00,0.00,200.00"
    # data rows only: seven guards, by guard_id
    assert_equal "$(tail -n +2 <<<"$output" | cut -d, -f1 | paste -sd' ')" "G1 G2 G3 G4 G5 G6 G7"
    assert_equal "$stderr" "armms-register: register 2026-11-A (CLOSED): 7 guards, gross 44,200.00, deductions 4,191.55, net 40,008.45, employer shares 1,400.00"
    armms-register -q 2026-11-A --format xlsx -o r.xlsx
    unzip -o -q r.xlsx -d r
    grep -q '>TOTAL<' r/xl/sharedStrings.xml
    # row 9 (under the title row and seven guards) holds the net total in column V (NET)
    assert_equal "$(grep -o '<c r="P9"[^>]*><v>[^<]*' r/xl/worksheets/sheet1.xml | sed 's/.*<v>//')" 40008.45
}

@test "every register row adds up: its earnings are its gross, its deductions their total, gross less deductions its net" {
    run --separate-stderr armms-register 2026-11-A
    assert_success
    # columns 7.. : earnings up to GROSS, deductions up to DEDUCTIONS, NET
    local bad
    bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { e = 0; for (i = 7; i < c["GROSS"]; i++) e += $i * 100
          d = 0; for (i = c["GROSS"] + 1; i < c["DEDUCTIONS"]; i++) d += $i * 100
          if (sprintf("%.0f", e) != sprintf("%.0f", $c["GROSS"] * 100) ||
              sprintf("%.0f", d) != sprintf("%.0f", $c["DEDUCTIONS"] * 100) ||
              sprintf("%.0f", ($c["GROSS"] - $c["DEDUCTIONS"]) * 100) != sprintf("%.0f", $c["NET"] * 100))
              print $1 }' <<<"$output")
    assert_equal "$bad" ""
    # and the column totals are the summary's
    assert_equal "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { g += $c["GROSS"] * 100; n += $c["NET"] * 100 } END { printf "%.0f %.0f", g, n }' <<<"$output")" "4420000 4000845"
}

@test "the register's NET column is what the run's paysheets say each guard takes home" {
    run --separate-stderr armms-register 2026-11-A
    assert_success
    assert_equal "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { printf "%s %.0f\n", $1, $c["NET"] * 100 }' <<<"$output")" \
        "$(q acme pay "select guard_id || ' ' || net from paysheet where period_id = '2026-11-A' order by guard_id")"
}
