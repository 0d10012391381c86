load test_helper
bats_require_minimum_version 1.5.0

# armms-deduct: net pay from gross Paysheets. Figures by hand from the
# shipped rules (data/): SSS Circular 2024-006 (15% of the MSC, employee
# 5%, employer 10%, EC 10.00 below an MSC of 15,000.00, else 30.00, MPF
# above 20,000.00), PhilHealth Circular 2020-0005 (5% of the monthly basic
# salary, halved, the odd centavo to the employer), HDMF Circular 460 (2%
# each of at most 10,000.00), the RR 11-2018 semi-monthly tax table, and
# Wage Order NCR-26 (695.00 a day). Monthly equivalent: daily x 313 / 12.
#
# Roster (small_tenant): DAY 06:00-18:00; G1 rests on Sundays. A full day
# is 480 regular + 240 overtime minutes.

# small_tenant with DET1 in NCR at RATE a day (default 800.00), from 2026.
deduct_tenant() {
    small_tenant acme
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' \
        'DET2,Harbor Mall,Harbor Inc,NCR' | armms-import -q -t acme --format csv detachment
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        "DET1,DAY,GUARD,${1:-800.00},2026-01-01,"
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
}

day() {
    local g=$1 d=$2
    tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
    tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
}

# Work every day but Sunday from FROM to TO (dates of one month).
work() {
    local d
    for d in $(seq "$2" "$3"); do
        d=$(printf '%s-%02d' "$1" "$d")
        [ "$(date -d "$d" +%a)" = Sun ] || day G1 "$d"
    done
}

# Timekeeping, sealing and gross pay of PERIOD.
gross() {
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period "$1" --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >"$BATS_TEST_TMPDIR/gross"
}

# Deductions of a paysheet as "code status amount employer_share ec" rows.
deds() { jq -r '.deductions[] | [.code, .status, .amount, .employer_share // "", .ec // ""] | @tsv'; }
tsv() { printf '%s\t' "$@" | sed 's/\t$//'; }
sched() { q acme pay "select obligation_id, seq, period_id, amount, employer_share, status, coalesce(moved_from, '') from obligation_schedule order by 1, 2"; }
pay_policy() { q acme pay "update pay_policy set value = '$2' where key = '$1'"; }
# The payrun of PERIOD closed (its lifecycle is armms-payrun's, tested there).
close_run() {
    q acme pay "insert or replace into payrun(period_id, status, opened_by, opened_at) values ('$1', 'CLOSED', 'tester', '2026-11-01T00:00:00Z')"
}
# A loan: loan ID CODE INSTALLMENT INSTALLMENTS START [FREQUENCY]
loan() {
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        "$1,G1,loan,$2,Company loan,$3,$4,$5,${6:-each}"
}
events() { journal_lines acme | jq -r "select(.event_type == \"$1\") | .payload | $2"; }

@test "Pag-IBIG in the 1st-15th run on the monthly equivalent, SSS and PhilHealth in the 16th-end run on the month's base" {
    deduct_tenant
    work 2026-11 1 30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-A
    run --separate-stderr armms-deduct -t acme --period 2026-11-A
    assert_equal "$status" 0
    # 12 days of 1,300.00: gross 15,600.00. Pag-IBIG base 800.00 x 313 / 12
    # = 20,866.67, capped at 10,000.00: 200.00 each. Taxable 15,600.00 -
    # 200.00 = 15,400.00: 15% of 4,983.00 over 10,417.00 = 747.45.
    assert_equal "$(deds <<<"$output")" "$(printf '%s\n' "$(tsv TAX APPLIED 74745 '' '')" "$(tsv HDMF APPLIED 20000 20000 '')")"
    assert_equal "$(jq -c '[.stage, .gross, .taxable, .net, .version]' <<<"$output")" '["net",1560000,1540000,1465255,2]'
    assert_equal "$(jq -c '.deductions[1] | [.obligation_id, .base, .credit, .daily_rate]' <<<"$output")" '["HDMF/2026-11/G1",2086667,1000000,80000]'
    assert_equal "$stderr" "armms-deduct: 2026-11-A: 0 read, 0 rejected, 1 paysheets computed, 1 changed"
    close_run 2026-11-A

    armms-timesheet -q -t acme --finalize --period 2026-11-B --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" | armms-deduct -t acme >"$BATS_TEST_TMPDIR/net" 2>"$BATS_TEST_TMPDIR/err"
    # 13 days of 1,300.00: 16,900.00. The month: 15,600.00 + 16,900.00 =
    # 32,500.00, in [32,250, 32,750): MSC 32,500.00 (20,000.00 regular, 12,500.00
    # MPF): employee 5% = 1,625.00, employer 10% = 3,250.00, EC 30.00.
    # PhilHealth 5% of 20,866.67 = 1,043.33: employee 521.66, employer
    # 521.67. Taxable 16,900.00 - 1,625.00 - 521.66 = 14,753.34: 15% of
    # 4,336.34 = 650.45. Net 16,900.00 - 650.45 - 1,625.00 - 521.66 = 14,102.89.
    assert_equal "$(deds <"$BATS_TEST_TMPDIR/net")" "$(printf '%s\n' "$(tsv TAX APPLIED 65045 '' '')" \
        "$(tsv SSS APPLIED 162500 325000 3000)" "$(tsv PHILHEALTH APPLIED 52166 52167 '')")"
    assert_equal "$(jq -c '[.gross, .taxable, .net]' "$BATS_TEST_TMPDIR/net")" '[1690000,1475334,1410289]'
    assert_equal "$(jq -c '.deductions[1] | [.base, .credit, .credit_ss, .credit_mpf, .ee_mpf, .er_mpf, .month_base]' "$BATS_TEST_TMPDIR/net")" \
        '[3250000,3250000,2000000,1250000,62500,125000,[{"amount":1560000,"closed":true,"period":"2026-11-A","version":2},{"amount":1690000,"period":"2026-11-B"}]]'
    assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" "armms-deduct: 1 read, 0 rejected, 1 paysheets computed, 1 changed"
    # one row per contribution, in the run that takes it; the employer's
    # SSS share owed includes EC
    assert_equal "$(sched)" "$(printf '%s\n' 'HDMF/2026-11/G1|1|2026-11-A|20000|20000|APPLIED|' \
        'PHILHEALTH/2026-11/G1|1|2026-11-B|52166|52167|APPLIED|' 'SSS/2026-11/G1|1|2026-11-B|162500|328000|APPLIED|')"
    assert_equal "$(q acme pay "select kind, code, installment from obligation where obligation_id = 'SSS/2026-11/G1'")" "statutory|SSS|162500"
    assert_equal "$(events ContributionAssessed '[.obligation_id, .employee_share, .employer_share, .ec] | @tsv')" "$(printf '%s\n' \
        "$(tsv HDMF/2026-11/G1 20000 20000 0)" "$(tsv SSS/2026-11/G1 162500 325000 3000)" "$(tsv PHILHEALTH/2026-11/G1 52166 52167 0)")"
}

@test "the 16th-end run takes the 1st half's latest paysheet while its run is not closed, and says so" {
    deduct_tenant
    work 2026-11 1 30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-A
    armms-timesheet -q -t acme --finalize --period 2026-11-B --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    run --separate-stderr armms-deduct -t acme --period 2026-11-B --guard G1
    assert_equal "$status" 0
    assert_equal "$(jq -c '.deductions[] | select(.code == "SSS") | .month_base[0]' <<<"$output")" '{"amount":1560000,"closed":false,"period":"2026-11-A","version":1}'
    assert_equal "$(jq -r '.deductions[] | select(.code == "SSS") | .amount' <<<"$output")" 162500
}

@test "a minimum wage earner at 695.00 pays no tax; at 695.01 all of it is taxable" {
    deduct_tenant 695.00
    work 2026-11 1 15
    export ARMMS_NOW=2026-11-20T00:00:00Z
    gross 2026-11-A
    run --separate-stderr armms-deduct -t acme --period 2026-11-A
    assert_equal "$status" 0
    # 12 x 695.00 = 8,340.00 basic; 12 x 4 h x 108.59375 = 5,212.50 OT:
    # 13,552.50, all exempt (Wage Order NCR-26: 695.00 in NCR)
    assert_equal "$(jq -c '[.gross, .taxable, .net]' <<<"$output")" '[1355250,0,1335250]'
    assert_equal "$(jq -c '.deductions[0] | [.code, .amount, .base, .mwe, .minimum_wage]' <<<"$output")" '["TAX",0,0,true,69500]'

    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET1,DAY,GUARD,695.01,2026-01-01,'
    armms-pay -q -t acme --period 2026-11-A >/dev/null
    run --separate-stderr armms-deduct -t acme --period 2026-11-A
    # 8,340.12 + 5,212.58 (521,257.5 centavos, half away) = 13,552.70;
    # taxable 13,552.70 - 200.00 = 13,352.70: 15% of 2,935.70 = 440.36
    assert_equal "$(jq -c '[.gross, .taxable, .net]' <<<"$output")" '[1355270,1335270,1291234]'
    assert_equal "$(jq -c '.deductions[0] | [.code, .amount, .mwe]' <<<"$output")" '["TAX",44036,false]'
}

@test "five days worked: the net floor defers the loan and the contributions, and the next period takes two" {
    deduct_tenant
    work 2026-11 16 20
    work 2026-12 1 15
    loan L1 COMPANY_LOAN 2000.00 3 2026-11-B
    pay_policy net_floor 6200.00
    export ARMMS_NOW=2026-12-20T00:00:00Z
    gross 2026-11-B
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$status" 0
    # gross 5 x 1,300.00 = 6,500.00; SSS on 6,500.00 (MSC 6,500.00) 325.00,
    # PhilHealth 521.66, Pag-IBIG 200.00 (no paysheet in the 1st half, so
    # this run takes it), loan 2,000.00: net 3,453.34 < 6,200.00. Deferred
    # from the lowest priority: the loan (5,453.34), Pag-IBIG (5,653.34),
    # PhilHealth (6,175.00), SSS (6,500.00).
    assert_equal "$(deds <<<"$output")" "$(printf '%s\n' "$(tsv TAX APPLIED 0 '' '')" "$(tsv SSS DEFERRED 32500 65000 1000)" \
        "$(tsv PHILHEALTH DEFERRED 52166 52167 '')" "$(tsv HDMF DEFERRED 20000 20000 '')" "$(tsv COMPANY_LOAN DEFERRED 200000 '' '')")"
    assert_equal "$(jq -r '.deductions[] | select(.code == "HDMF") | .catch_up' <<<"$output")" true
    assert_equal "$(jq -c '[.gross, .net]' <<<"$output")" '[650000,650000]'
    assert_equal "$(jq -c '[.deductions[] | select(.waiver) | .waiver | [.reason, .policy, .to_period]] | unique' <<<"$output")" '[["NET_FLOOR","carry","2026-12-A"]]'
    assert_equal "$(sched)" "$(printf '%s\n' 'HDMF/2026-11/G1|1|2026-11-B|20000|20000|DEFERRED|' 'HDMF/2026-11/G1|2|2026-12-A|20000|20000|DUE|1' \
        'L1|1|2026-11-B|200000|0|DEFERRED|' 'L1|2|2026-12-A|200000|0|DUE|' 'L1|3|2026-12-B|200000|0|DUE|' \
        'L1|4|2026-12-A|200000|0|DUE|1' 'PHILHEALTH/2026-11/G1|1|2026-11-B|52166|52167|DEFERRED|' 'PHILHEALTH/2026-11/G1|2|2026-12-A|52166|52167|DUE|1' \
        'SSS/2026-11/G1|1|2026-11-B|32500|66000|DEFERRED|' 'SSS/2026-11/G1|2|2026-12-A|32500|66000|DUE|1')"
    assert_equal "$(q acme pay "select obligation_id, period_id, amount, employer_share, reason, policy, to_period from waiver order by 1")" "$(printf '%s\n' \
        'HDMF/2026-11/G1|2026-11-B|20000|20000|NET_FLOOR|carry|2026-12-A' 'L1|2026-11-B|200000|0|NET_FLOOR|carry|2026-12-A' 'PHILHEALTH/2026-11/G1|2026-11-B|52166|52167|NET_FLOOR|carry|2026-12-A' \
        'SSS/2026-11/G1|2026-11-B|32500|66000|NET_FLOOR|carry|2026-12-A')"
    assert_equal "$(events ObligationDeferred '.obligation_id' | sort | tr '\n' ' ')" "HDMF/2026-11/G1 L1 PHILHEALTH/2026-11/G1 SSS/2026-11/G1 "

    # a rerun is a no-op: no rows, no events, no new version
    local before rows
    before=$(journal_lines acme | wc -l)
    rows=$(sched)
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-deduct: 2026-11-B: 0 read, 0 rejected, 1 paysheets computed, 0 changed"
    assert_equal "$(sched)" "$rows"
    assert_equal "$(journal_lines acme | wc -l)" "$before"
    assert_equal "$(jq -r .version <<<"$output")" 2

    # the next period takes two installments of the loan, November's
    # contributions and December's Pag-IBIG: 13 days, 16,900.00; taxable
    # 16,900.00 - 325.00 - 521.66 - 200.00 - 200.00 = 15,653.34: tax 15% of
    # 5,236.34 = 785.45; net 16,900.00 - 785.45 - 325.00 - 521.66 - 400.00
    # - 4,000.00 = 10,867.89
    pay_policy net_floor 0
    armms-timesheet -q -t acme --finalize --period 2026-12-A --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    run --separate-stderr armms-deduct -t acme --period 2026-12-A
    assert_equal "$(jq -r '.deductions[] | [.code, .obligation_id, .seq // "", .status, .amount] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "$(tsv TAX '' '' APPLIED 78545)" "$(tsv SSS SSS/2026-11/G1 2 APPLIED 32500)" "$(tsv PHILHEALTH PHILHEALTH/2026-11/G1 2 APPLIED 52166)" \
        "$(tsv HDMF HDMF/2026-11/G1 2 APPLIED 20000)" "$(tsv HDMF HDMF/2026-12/G1 1 APPLIED 20000)" \
        "$(tsv COMPANY_LOAN L1 2 APPLIED 200000)" "$(tsv COMPANY_LOAN L1 4 APPLIED 200000)")"
    assert_equal "$(jq -c '[.gross, .taxable, .net]' <<<"$output")" '[1690000,1565334,1086789]'
}

@test "a recompute that no longer needs a deferral takes it back" {
    deduct_tenant
    work 2026-11 16 20
    loan L1 COMPANY_LOAN 2000.00 3 2026-11-B
    pay_policy net_floor 5000.00
    export ARMMS_NOW=2026-12-20T00:00:00Z
    gross 2026-11-B
    armms-deduct -q -t acme --period 2026-11-B >/dev/null
    # 3,453.34 < 5,000.00: only the loan goes (5,453.34)
    assert_equal "$(q acme pay "select obligation_id, seq, status from obligation_schedule where period_id = '2026-11-B' order by 1")" \
        "$(printf '%s\n' 'HDMF/2026-11/G1|1|APPLIED' 'L1|1|DEFERRED' 'PHILHEALTH/2026-11/G1|1|APPLIED' 'SSS/2026-11/G1|1|APPLIED')"
    pay_policy net_floor 0
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$(jq -r '.deductions[] | select(.code == "COMPANY_LOAN") | .status' <<<"$output")" APPLIED
    assert_equal "$(jq -r .net <<<"$output")" 345334
    assert_equal "$(q acme pay "select seq, period_id, status from obligation_schedule where obligation_id = 'L1' order by seq")" \
        "$(printf '%s\n' '1|2026-11-B|APPLIED' '2|2026-12-A|DUE' '3|2026-12-B|DUE')"
    assert_equal "$(q acme pay 'select count(*) from waiver')" 0
    assert_equal "$(events ObligationDeferralUndone '[.obligation_id, .period, .amount] | @tsv')" "$(tsv L1 2026-11-B 200000)"
}

@test "an allowance due in the period is a line of gross, taxable as its obligation says" {
    deduct_tenant
    work 2026-11 1 15
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,start_period,frequency,taxable' \
        'RICE,G1,allowance,RICE,Rice subsidy,1000.00,2026-11-A,A,false'
    export ARMMS_NOW=2026-11-20T00:00:00Z
    gross 2026-11-A
    run --separate-stderr armms-deduct -t acme --period 2026-11-A
    # 15,600.00 + 1,000.00 = 16,600.00; the allowance is not taxable: tax
    # stays 747.45 on 15,400.00
    assert_equal "$(jq -c '.lines[2] | [.code, .kind, .taxable, .amount, .obligation_id]' <<<"$output")" '["RICE","allowance",false,100000,"RICE"]'
    assert_equal "$(jq -c '[.gross, .taxable, .net, ([.lines[].amount] | add)]' <<<"$output")" '[1660000,1540000,1565255,1660000]'
}

# --- waivers ---------------------------------------------------------------

@test "respread: the installment becomes N more at the end, the last taking the remainder; the sum owed is the same" {
    deduct_tenant
    loan L1 COMPANY_LOAN 1000.00 3 2026-11-A
    run --separate-stderr armms-deduct -t acme waive L1 --period 2026-11-A --reason "hospital bills" --respread 3
    assert_equal "$status" 0
    # 1,000.00 / 3 = 333.33, 333.33, 333.34 after the last row (2026-12-A)
    assert_equal "$(sched)" "$(printf '%s\n' 'L1|1|2026-11-A|100000|0|WAIVED|' 'L1|2|2026-11-B|100000|0|DUE|' 'L1|3|2026-12-A|100000|0|DUE|' \
        'L1|4|2026-12-B|33333|0|DUE|1' 'L1|5|2027-01-A|33333|0|DUE|1' 'L1|6|2027-01-B|33334|0|DUE|1')"
    assert_equal "$(q acme pay "select sum(amount) from obligation_schedule where status in ('DUE','APPLIED')")" 300000
    assert_equal "$(jq -c '[.kind, .obligation_id, .period, .policy, .installments, .amount, .reason]' <<<"$output")" '["Waiver","L1","2026-11-A","respread",3,100000,"hospital bills"]'
    assert_equal "$(q acme pay 'select obligation_id, period_id, amount, reason, policy, installments, actor from waiver')" 'L1|2026-11-A|100000|hospital bills|respread|3|tester'
    assert_equal "$(events ObligationWaived '[(.before | length), (.after | length), .after[0].status] | @tsv')" "$(tsv 3 6 WAIVED)"
}

@test "move: the installment goes to the named period, never to an earlier one" {
    deduct_tenant
    loan L1 COMPANY_LOAN 1000.00 2 2026-11-A
    run --separate-stderr armms-deduct -t acme waive L1 --period 2026-11-B --reason "leave without pay" --move 2027-02-B
    assert_equal "$status" 0
    assert_equal "$(sched)" "$(printf '%s\n' 'L1|1|2026-11-A|100000|0|DUE|' 'L1|2|2026-11-B|100000|0|WAIVED|' 'L1|3|2027-02-B|100000|0|DUE|2')"
    run --separate-stderr armms-deduct -t acme waive L1 --period 2026-11-A --reason x --move 2026-10-B
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-deduct: tenant acme: move to 2026-10-B: not later than 2026-11-A"
    run --separate-stderr armms-deduct -t acme waive L1 --period 2026-11-B --reason again --carry
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-deduct: tenant acme: L1 has no DUE or APPLIED installment in 2026-11-B"
}

@test "a waiver is not applied before its route approves it" {
    deduct_tenant
    loan L1 COMPANY_LOAN 1000.00 2 2026-11-A
    printf '%s\n' action,requester_role,verifier_role,approver_role obligation.waive,payroll_officer,controller,hr_manager |
        armms-import -q -t acme --format csv route
    printf '%s\n' user_id,name,roles 'po1,Pay Officer,payroll_officer' 'ctl1,Controller,controller' 'hrm1,HR Manager,hr_manager' |
        armms-import -q -t acme --format csv user
    local rows
    rows=$(sched)
    run --separate-stderr armms-deduct -t acme --as po1 waive L1 --period 2026-11-A --reason "typhoon" --carry
    assert_equal "$status" 0
    local id
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(jq -r '[.kind, .action, .status] | @tsv' <<<"$output")" "$(tsv ChangeRequest obligation.waive PENDING)"
    # nothing changed yet
    assert_equal "$(sched)" "$rows"
    assert_equal "$(q acme pay 'select count(*) from waiver')" 0
    assert_equal "$(events ObligationWaived .obligation_id)" ""
    # the controller verifies, the HR manager approves: now it applies
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    assert_equal "$(sched)" "$rows"
    run --separate-stderr armms-approve -t acme --as hrm1 approve "$id"
    assert_equal "$status" 0
    assert_equal "$(sched)" "$(printf '%s\n' 'L1|1|2026-11-A|100000|0|WAIVED|' 'L1|2|2026-11-B|100000|0|DUE|' 'L1|3|2026-11-B|100000|0|DUE|1')"
    assert_equal "$(q acme pay 'select obligation_id, reason, policy, to_period, request_id from waiver')" "L1|typhoon|carry|2026-11-B|$id"
    assert_equal "$(events ObligationWaived '[.obligation_id, .request_id] | @tsv')" "$(tsv L1 "$id")"
    # a payroll officer cannot waive without the route: a controller may not even ask
    run --separate-stderr armms-deduct -t acme --as ctl1 waive L1 --period 2026-11-B --reason x --carry
    assert_equal "$status" 77
}

@test "waiving an installment applied in a closed run is refused; a contribution not yet computed cannot be waived" {
    deduct_tenant
    work 2026-11 1 15
    loan L1 COMPANY_LOAN 1000.00 2 2026-11-A
    export ARMMS_NOW=2026-11-20T00:00:00Z
    gross 2026-11-A
    armms-deduct -q -t acme --period 2026-11-A >/dev/null
    close_run 2026-11-A
    run --separate-stderr armms-deduct -t acme waive L1 --period 2026-11-A --reason late --carry
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-deduct: tenant acme: L1 installment 1 was applied in the closed payrun of 2026-11-A"
    run --separate-stderr armms-deduct -t acme waive SSS/2026-12/G1 --period 2026-12-B --reason x --carry
    assert_equal "$status" 65
    assert_equal "$stderr" "armms-deduct: tenant acme: SSS/2026-12/G1 is not computed yet: run armms-deduct for 2026-12-B first, then waive it"
    run --separate-stderr armms-deduct -t acme waive NOPE --period 2026-12-B --reason x --carry
    assert_equal "$stderr" "armms-deduct: tenant acme: no obligation NOPE"
    # a closed run's paysheets are final
    run --separate-stderr armms-deduct -t acme --period 2026-11-A
    assert_equal "$status" 65
    assert_equal "$(tail -1 <<<"$stderr")" "armms-deduct: tenant acme: the payrun of 2026-11-A is closed: its paysheets are final"
    assert_equal "$output" ""
}

@test "a guard's obligations and their schedules as NDJSON" {
    deduct_tenant
    loan L1 COMPANY_LOAN 1000.00 2 2026-11-A
    armms-deduct -q -t acme waive L1 --period 2026-11-A --reason x --carry >/dev/null
    run --separate-stderr armms-deduct -t acme obligations --guard G1
    assert_equal "$status" 0
    assert_equal "$(jq -c '[.kind, .obligation_id, .obligation_kind, .code, .installment, .owed, [.schedule[] | [.seq, .period, .amount, .status, .moved_from]]]' <<<"$output")" \
        '["Obligation","L1","loan","COMPANY_LOAN",100000,200000,[[1,"2026-11-A",100000,"WAIVED",null],[2,"2026-11-B",100000,"DUE",null],[3,"2026-11-B",100000,"DUE",1]]]'
}

@test "a waived contribution is carried with its employer share, and the computed paysheet shows the waiver at once" {
    deduct_tenant
    work 2026-11 16 30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-B
    armms-deduct -q -t acme --period 2026-11-B >"$BATS_TEST_TMPDIR/net"
    # 13 days: 16,900.00, MSC 17,000.00: employee 850.00, employer 1,700.00, EC 30.00
    assert_equal "$(deds <"$BATS_TEST_TMPDIR/net" | grep SSS)" "$(tsv SSS APPLIED 85000 170000 3000)"
    run --separate-stderr armms-deduct -t acme waive SSS/2026-11/G1 --period 2026-11-B --reason "payroll error" --carry
    assert_equal "$status" 0
    assert_equal "$(jq -s -c '[.[] | .kind]' <<<"$output")" '["Waiver","Paysheet"]'
    assert_equal "$(jq -s -c '.[1].deductions[] | select(.code == "SSS") | [.status, .amount, .employer_share, .ec, .waiver.reason, .waiver.policy, .waiver.to_period]' <<<"$output")" \
        '["WAIVED",85000,170000,3000,"payroll error","carry","2026-12-A"]'
    # net rises by the waived share: 16,900.00 - tax - PhilHealth 521.66
    local before after
    before=$(jq .net "$BATS_TEST_TMPDIR/net")
    after=$(jq -s '.[1].net' <<<"$output")
    # taxable rises by 850.00 too: tax 15% of it = 127.50 more
    assert_equal "$((after - before))" "$((85000 - 12750))"
    assert_equal "$(sched | grep SSS)" "$(printf '%s\n' 'SSS/2026-11/G1|1|2026-11-B|85000|173000|WAIVED|' 'SSS/2026-11/G1|2|2026-12-A|85000|173000|DUE|1')"
    # a rerun keeps the officer's waiver
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$stderr" "armms-deduct: 2026-11-B: 0 read, 0 rejected, 1 paysheets computed, 0 changed"
}

@test "an open-ended deduction is taken every period; deferred by the floor it gets rows, and a rerun changes nothing" {
    deduct_tenant
    work 2026-11 16 17
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,start_period,frequency' \
        'DUES,G1,deduction,UNION_DUES,Union dues,100.00,2026-11-A,each'
    pay_policy net_floor 2100.00
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-B
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$status" 0
    # 2 days: 2,600.00; SSS on 2,600.00 (MSC 5,000.00) 250.00, PhilHealth
    # 521.66, Pag-IBIG 200.00, dues 100.00: net 1,528.34 < 2,100.00.
    # UNION_DUES ranks as OTHER, last: 1,628.34; then Pag-IBIG: 1,828.34;
    # then PhilHealth: 2,350.00
    assert_equal "$(deds <<<"$output")" "$(printf '%s\n' "$(tsv TAX APPLIED 0 '' '')" "$(tsv SSS APPLIED 25000 50000 1000)" \
        "$(tsv PHILHEALTH DEFERRED 52166 52167 '')" "$(tsv HDMF DEFERRED 20000 20000 '')" "$(tsv UNION_DUES DEFERRED 10000 '' '')")"
    assert_equal "$(jq -r .net <<<"$output")" 235000
    assert_equal "$(q acme pay "select seq, period_id, amount, status, coalesce(moved_from, '') from obligation_schedule where obligation_id = 'DUES' order by seq")" \
        "$(printf '%s\n' '1|2026-11-B|10000|DEFERRED|' '2|2026-12-A|10000|DUE|1')"
    local before rows
    before=$(journal_lines acme | wc -l)
    rows=$(sched)
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$stderr" "armms-deduct: 2026-11-B: 0 read, 0 rejected, 1 paysheets computed, 0 changed"
    assert_equal "$(sched)" "$rows"
    assert_equal "$(journal_lines acme | wc -l)" "$before"
}

@test "stream mode: a record that is not a Paysheet is a Reject, the others go on, exit 65" {
    deduct_tenant
    work 2026-11 1 15
    export ARMMS_NOW=2026-11-20T00:00:00Z
    gross 2026-11-A
    { echo '{"kind":"DTR","guard_id":"G1"}'; cat "$BATS_TEST_TMPDIR/gross"; echo '{"kind":"Paysheet","guard_id":"G9","period":{"id":"2026-11-A"}}'; } >"$BATS_TEST_TMPDIR/mixed"
    run --separate-stderr armms-deduct -t acme "$BATS_TEST_TMPDIR/mixed"
    assert_equal "$status" 65
    assert_equal "$(jq -r '[.paysheet_id, .stage, .net] | @tsv' <<<"$output")" "$(tsv 2026-11-A/G1 net 1465255)"
    assert_equal "$(grep Reject <<<"$stderr" | jq -r '[.code, .line] | @tsv')" "$(printf '%s\n' "$(tsv BAD_KIND 1)" "$(tsv NOT_FOUND 3)")"
    assert_equal "$(tail -1 <<<"$stderr")" "armms-deduct: 3 read, 2 rejected, 1 paysheets computed, 1 changed"
}

@test "a Paysheet that came before its pay is a NOT_FOUND Reject; fed back once priced, it is taken to net, and again changes nothing" {
    deduct_tenant
    work 2026-11 1 15
    export ARMMS_NOW=2026-11-20T00:00:00Z
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >"$BATS_TEST_TMPDIR/snap"
    echo '{"kind":"Paysheet","v":1,"guard_id":"G1","period":{"id":"2026-11-A"}}' >"$BATS_TEST_TMPDIR/early"
    run --separate-stderr armms-deduct -t acme --rejects "$BATS_TEST_TMPDIR/rej" "$BATS_TEST_TMPDIR/early"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(jq -r .code "$BATS_TEST_TMPDIR/rej")" NOT_FOUND
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    run --separate-stderr armms-deduct -t acme "$BATS_TEST_TMPDIR/rej"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.paysheet_id, .stage, .net] | @tsv' <<<"$output")" "$(tsv 2026-11-A/G1 net 1465255)"
    assert_equal "$(tail -1 <<<"$stderr")" "armms-deduct: 1 read, 0 rejected, 1 paysheets computed, 1 changed"
    run --separate-stderr armms-deduct -t acme "$BATS_TEST_TMPDIR/rej"
    assert_equal "$status" 0
    assert_equal "$(tail -1 <<<"$stderr")" "armms-deduct: 1 read, 0 rejected, 1 paysheets computed, 0 changed"
}

@test "a 1st-half paysheet through the stream takes the month's 16th-end run along, its SSS base having changed" {
    deduct_tenant
    work 2026-11 1 30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-A
    armms-timesheet -q -t acme --finalize --period 2026-11-B --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    armms-deduct -q -t acme --period 2026-11-A >/dev/null
    armms-deduct -q -t acme --period 2026-11-B >/dev/null
    # a taxable reward of 1,000.00 in the first half: the month is 33,500.00,
    # MSC 33,500.00, employee 1,675.00
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency,taxable' \
        'AWARD,G1,reward,PERFECT_ATTENDANCE,Perfect attendance,1000.00,1,2026-11-A,A,true'
    run --separate-stderr armms-deduct -t acme < <(armms-pay -q -t acme --period 2026-11-A)
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.paysheet_id, .gross] | @tsv' <<<"$output")" "$(printf '%s\n' "$(tsv 2026-11-A/G1 1660000)" "$(tsv 2026-11-B/G1 1690000)")"
    assert_equal "$(jq -c 'select(.period.id == "2026-11-B") | .deductions[] | select(.code == "SSS") | [.amount, .base, .month_base[0].amount]' <<<"$output")" '[167500,3350000,1660000]'
    assert_equal "$(tail -1 <<<"$stderr")" "armms-deduct: 1 read, 0 rejected, 2 paysheets computed, 2 changed"
}

@test "a paysheet without facts beside its record (one stored before them), or with facts not laid out so, is read from its record: the same net pay" {
    deduct_tenant
    loan L1 CL 500.00 4 2026-11-A
    tk_import acme obligation 'obligation_id,guard_id,kind,code,label,installment,start_period,frequency,taxable' \
        'POST,G1,reward,POST,Post reward,1000.00,2026-11-A,A,true'
    work 2026-11 1 30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    gross 2026-11-A
    armms-timesheet -q -t acme --finalize --period 2026-11-B --override test >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    assert_equal "$(q acme pay "select count(*) from paysheet where facts like 'L	earning	1	1	%'")" 2
    db=$ARMMS_HOME/tenants/acme/pay.db
    cp "$db" "$BATS_TEST_TMPDIR/before.db"
    net() {
        armms-deduct -q -t acme --period 2026-11-A >/dev/null
        armms-deduct -q -t acme --period 2026-11-B >/dev/null
        q acme pay "select paysheet_id, version, net, digest, record from paysheet order by 1"
        sched
    }
    with=$(net)
    # the net rows carry facts too: the 16th-end run read the 1st half's
    assert_equal "$(q acme pay "select count(*) from paysheet where facts like '%L	reward	1	0	100000	0	0%'")" 1
    cp "$BATS_TEST_TMPDIR/before.db" "$db"
    rm -f "$db-wal" "$db-shm"
    q acme pay "update paysheet set facts = NULL"
    without=$(net)
    assert_equal "$without" "$with"
    # facts not laid out as netting writes them are not trusted: the record is read
    cp "$BATS_TEST_TMPDIR/before.db" "$db"
    rm -f "$db-wal" "$db-shm"
    q acme pay "update paysheet set facts = 'L	earning	1	x' || char(10)"
    assert_equal "$(net)" "$with"
    # and a rerun from the net rows changes nothing
    run --separate-stderr armms-deduct -t acme --period 2026-11-B
    assert_equal "$stderr" "armms-deduct: 2026-11-B: 0 read, 0 rejected, 1 paysheets computed, 0 changed"
}
