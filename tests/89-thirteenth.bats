load test_helper
bats_require_minimum_version 1.5.0

# 13th-month pay (PD 851) and final pay (DOLE Labor Advisory 06-2020) as
# runs of armms-payrun: 2026-13M and FINAL-DATE. Both read what the year's
# paysheets hold and never price time again, so the year is set up here
# as stored paysheets (the records armms-pay and armms-deduct write, as
# the payrun approved them); 84-payrun.bats tests how they come to be.
# Figures by hand, in pesos; the program works in centavos.

# A paysheet row of PERIOD for GUARD with STATUS and the LINES (JSON).
sheet() {
    local period=$1 guard=$2 status=$3 lines=$4 from to
    from=$(q acme pay "select from_date from period where period_id = '$period'")
    to=$(q acme pay "select to_date from period where period_id = '$period'")
    local rec
    rec=$(jq -cn --arg p "$period" --arg g "$guard" --arg f "$from" --arg t "$to" --arg s "$status" \
        --argjson l "$lines" '{kind:"Paysheet",v:1,paysheet_id:($p+"/"+$g),guard_id:$g,
        period:{id:$p,from:$f,to:$t},version:1,stage:"net",lines:$l,gross:([$l[].amount]|add),
        deductions:[],taxable:0,net:([$l[].amount]|add),sources:[],status:$s,
        computed_at:"2026-11-20T00:00:00Z"}')
    q acme pay "insert or replace into paysheet(paysheet_id, guard_id, period_id, version, status,
        gross, net, record, digest, computed_at) values ('$period/$guard', '$guard', '$period', 1,
        '$status', json_extract('$rec', '\$.gross'), json_extract('$rec', '\$.net'), '$rec',
        'fixture', '2026-11-20T00:00:00Z')"
}
# Lines: basic CODE AMOUNT_CENTAVOS [extra JSON fields]
basic() { jq -cn --arg c "$1" --argjson a "$2" --argjson x "${3:-{\}}" \
    '{code:$c,label:$c,kind:"earning",taxable:true,from:"2026-01-01",to:"2026-01-01",
      minutes:6240,daily_rate:80000,multiplier:10000,amount:$a,basic:true} + $x'; }
line() { jq -cn --arg c "$1" --arg k "$2" --argjson t "$3" --argjson a "$4" \
    '{code:$c,label:$c,kind:$k,taxable:$t,from:"2026-01-01",to:"2026-01-01",amount:$a}'; }
lines() { jq -cs . <<<"$(printf '%s\n' "$@")"; }

# G1 hired 1 October 2026: three approved half-months of 13 days at
# 800.00 (10,400.00 basic) with 4 OT hours a day (13 x 500.00 = 6,500.00).
# G2 all year... but only 2026-11-A approved here: basic 10,400.00, an
# unworked regular holiday 800.00 (basic), an adjustment taking back one
# day of 2026-10-B (-800.00, basic) and 500.00 OT; its 2026-11-B paysheet
# is only COMPUTED. G3: 120,000.00 basic in 2026-06-A and a non-taxable
# bonus of 80,000.00 in 2026-06-B.
year_tenant() {
    small_tenant acme
    armms-import -q -t acme period --generate 2026
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,2026-10-01'
    local p
    for p in 2026-10-A 2026-10-B 2026-11-A; do
        sheet $p G1 APPROVED "$(lines "$(basic BASIC 1040000)" "$(line OT earning true 650000)")"
    done
    sheet 2026-11-A G2 APPROVED "$(lines "$(basic BASIC 1040000)" "$(basic RH_UNWORKED 80000)" \
        "$(basic BASIC -80000 '{"kind":"adjustment","adjusts_period":"2026-10-B"}')" \
        "$(line OT earning true 50000)")"
    sheet 2026-11-B G2 COMPUTED "$(lines "$(basic BASIC 1040000)")"
    sheet 2026-06-A G3 APPROVED "$(lines "$(basic BASIC 12000000)")"
    sheet 2026-06-B G3 APPROVED "$(lines "$(line BONUS bonus false 8000000)")"
}

# Pay policy rows of this file, without the route's approvals.
policy() {
    printf '%s\n' action pay_policy.update | armms-import -q -t acme --format csv route
    tk_import acme pay_policy 'key,value,valid_from,valid_to,source' "$@"
}

pr() { armms-payrun -t acme "$@"; }
of() { jq -r "select(.guard_id == \"$1\") | $2" <<<"$output"; }

@test "13th month: a guard hired in October gets 1/12 of the basic pay he earned, OT left out" {
    year_tenant
    pr -q open 2026-13M
    run --separate-stderr pr compute 2026-13M
    assert_success
    # 3 x 10,400.00 = 31,200.00 basic; / 12 = 2,600.00
    assert_equal "$(of G1 '[.paysheet_id, .gross, .net, .taxable] | @tsv')" "$(printf '2026-13M/G1\t260000\t260000\t0')"
    assert_equal "$(of G1 '[.thirteenth.basic, .thirteenth.paysheets] | @tsv')" "$(printf '3120000\t3')"
    assert_equal "$(of G1 '.lines | map([.code, .kind, .taxable] | join(":")) | join(" ")')" "THIRTEENTH:bonus:false"
    assert_equal "$(of G1 '.period | [.id, .from, .to] | @tsv')" "$(printf '2026-13M\t2026-01-01\t2026-12-31')"
}

@test "13th month: adjustments count, unworked holiday pay counts by default, an unapproved paysheet does not" {
    year_tenant
    pr -q open 2026-13M
    run --separate-stderr pr compute 2026-13M
    assert_success
    # 10,400.00 + 800.00 (holiday) - 800.00 (adjustment) = 10,400.00 / 12 = 866.666... -> 866.67
    assert_equal "$(of G2 '[.thirteenth.basic, .gross, .thirteenth.unworked_holiday] | @tsv')" "$(printf '1040000\t86667\tinclude')"
}

@test "13th month: a tenant whose policy excludes unworked holiday pay leaves it out of the base" {
    year_tenant
    policy 'thirteenth_unworked_holiday,exclude,2026-01-01,,tenant policy'
    pr -q open 2026-13M
    run --separate-stderr pr compute 2026-13M
    assert_success
    # 10,400.00 - 800.00 = 9,600.00 / 12 = 800.00
    assert_equal "$(of G2 '[.thirteenth.basic, .gross, .thirteenth.unworked_holiday] | @tsv')" "$(printf '960000\t80000\texclude')"
}

@test "13th month: exempt up to 90,000.00 with other benefits; one centavo over is taxable, one under is not" {
    year_tenant
    pr -q open 2026-13M
    # 120,000.00 / 12 = 10,000.00; with the 80,000.00 bonus exactly at the ceiling
    run --separate-stderr pr compute 2026-13M
    assert_equal "$(of G3 '[.gross, .taxable, .thirteenth.exempt, .thirteenth.other_benefits, .thirteenth.ceiling] | @tsv')" \
        "$(printf '1000000\t0\t1000000\t8000000\t9000000')"
    sheet 2026-06-B G3 APPROVED "$(lines "$(line BONUS bonus false 8000001)")"
    run --separate-stderr pr compute 2026-13M
    assert_equal "$(of G3 '[.gross, .taxable, .thirteenth.exempt] | @tsv')" "$(printf '1000000\t1\t999999')"
    assert_equal "$(of G3 '.lines | map([.code, .taxable, .amount] | join(":")) | join(" ")')" \
        "THIRTEENTH:false:999999 THIRTEENTH_TAXABLE:true:1"
    sheet 2026-06-B G3 APPROVED "$(lines "$(line BONUS bonus false 7999999)")"
    run --separate-stderr pr compute 2026-13M
    assert_equal "$(of G3 '[.gross, .taxable, .thirteenth.exempt] | @tsv')" "$(printf '1000000\t0\t1000000')"
}

@test "13th month: a rerun is a no-op; the run is approved and closed like any other, and is late after 24 December" {
    year_tenant
    pr -q open 2026-13M
    pr -q compute 2026-13M >/dev/null
    n=$(journal_lines acme | wc -l)
    run --separate-stderr pr compute 2026-13M
    assert_success
    assert_equal "$stderr" "armms-payrun: payrun 2026-13M computed: 3 paysheets (0 changed)"
    assert_equal "$(journal_lines acme | wc -l)" "$n"
    pr -q approve 2026-13M
    run --separate-stderr pr status 2026-13M --format ndjson
    assert_equal "$(jq -r '[.status, .counts.approved, .totals.net] | @tsv' <<<"$output")" "$(printf 'APPROVED\t3\t1346667')"
    assert_equal "$stderr" ""
    ARMMS_NOW=2026-12-25T00:00:00Z run --separate-stderr pr status 2026-13M --format ndjson
    [[ "$stderr" == *"warning: 2026-13M was due by 2026-12-24"* ]]
    pr -q close 2026-13M >/dev/null
    assert_equal "$(q acme pay "select r.status || ' ' || kind from payrun r join period using (period_id) where period_id = '2026-13M'")" "CLOSED thirteenth"
    run pr compute 2026-13M
    assert_equal "$status" 65
}

@test "13th month from a half-month the engine priced, approved and closed: 1/12 of its regular-hours pay" {
    # two guards at 800.00 a day, DAY shifts (8 regular + 4 OT hours) on
    # 1-15 November 2026 but their rest day: G1 12 days, G2 13 days
    small_tenant acme
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
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
    pr -q open 2026-11-A
    pr -q compute 2026-11-A >/dev/null
    # not approved yet: nothing to pay a 13th month on
    pr -q open 2026-13M
    run --separate-stderr pr compute 2026-13M
    assert_success
    assert_equal "$output" ""
    pr -q approve 2026-11-A
    pr -q close 2026-11-A >/dev/null
    run --separate-stderr pr compute 2026-13M
    assert_success
    # G1: 12 x 800.00 = 9,600.00 basic / 12 = 800.00 (OT 12 x 500.00 left out)
    # G2: 13 x 800.00 = 10,400.00 / 12 = 866.67
    assert_equal "$(jq -r '[.guard_id, .thirteenth.basic, .net] | @tsv' <<<"$output")" \
        "$(printf 'G1\t960000\t80000\nG2\t1040000\t86667')"
    assert_equal "$stderr" "armms-payrun: payrun 2026-13M computed: 2 paysheets (2 changed)"
    # its own payslips, register and bank file, like any approved run
    pr -q approve 2026-13M
    run --separate-stderr armms-payslip -t acme 2026-13M --guard G2
    assert_success
    [[ "$output" == *"Period 2026-13M, 2026-01-01 to 2026-12-31"*"Pay date 2026-12-24"* ]]
    [[ "$output" =~ NET\ PAY\ +866\.67 ]]
    cd "$BATS_TEST_TMPDIR"
    armms-register -q -t acme 2026-13M -o reg.csv
    assert_equal "$(cut -d, -f1,8-9 reg.csv | tail -n +2)" "$(printf 'G1,800.00,800.00\nG2,866.67,866.67')"
    run --separate-stderr armms-bank -t acme 2026-13M --profile generic-csv -o bank.csv
    [[ "$stderr" == *"reconciles"* ]]
    # and the year's BIR figures count it: non-taxable benefits up to the ceiling
    run --separate-stderr armms-remit -t acme 2316 2026 --guard G2
    assert_equal "$status" 65 # G2 has no TIN on file: listed, and said so
    assert_equal "$(jq -r '[.paysheets, .benefits, .gross - .nontaxable == .taxable] | @tsv' <<<"$output")" "$(printf '2\t86667\ttrue')"
}

# G2 separated on 15 November 2026 with 3 unused SIL days; a cash bond of
# 100.00 a half-month collected three times (10-A, 10-B, 11-A); a loan of
# 500.00 a half-month with four installments still due (11-B, 12-A, 12-B,
# 2027-01-A); a net floor of 2,000.00.
final_tenant() {
    year_tenant
    armms-import -q -t acme period --generate 2027
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on,sil_days' \
        'G2,100002,Reyes,Ana,GUARD,SAT,SEPARATED,2025-01-10,2026-11-15,3'
    policy 'net_floor,2000.00,2026-01-01,,tenant policy'
    q acme pay "delete from paysheet where paysheet_id = '2026-11-B/G2';
        insert into obligation values ('CB-G2', 'G2', 'deduction', 'CASH_BOND', 'Cash bond', 30000, 10000, 3, '2026-10-A', 'each', 0, 'ACTIVE'),
          ('L-G2', 'G2', 'loan', 'COMPANY_LOAN', 'Company loan', 250000, 50000, 5, '2026-11-A', 'each', 0, 'ACTIVE');
        insert into obligation_schedule(obligation_id, seq, period_id, amount, status) values
          ('CB-G2', 1, '2026-10-A', 10000, 'APPLIED'), ('CB-G2', 2, '2026-10-B', 10000, 'APPLIED'),
          ('CB-G2', 3, '2026-11-A', 10000, 'APPLIED'),
          ('L-G2', 1, '2026-11-A', 50000, 'APPLIED'), ('L-G2', 2, '2026-11-B', 50000, 'DUE'),
          ('L-G2', 3, '2026-12-A', 50000, 'DUE'), ('L-G2', 4, '2026-12-B', 50000, 'DUE'),
          ('L-G2', 5, '2027-01-A', 50000, 'DUE');"
}

@test "final pay: pro-rated 13th month, SIL cash value, the cash bond refunded, the loan settled down to the net floor" {
    final_tenant
    run --separate-stderr pr final G2 --on 2026-11-15
    assert_success
    assert_equal "$stderr" "armms-payrun: final pay of G2 computed in FINAL-2026-11-15 (changed)"
    assert_equal "$(jq -r '[.paysheet_id, .period.from, .period.to] | @tsv' <<<"$output")" "$(printf 'FINAL-2026-11-15/G2\t2026-01-01\t2026-11-15')"
    # the last salary is 2026-11-A's own paysheet, paid in its run
    assert_equal "$(jq -r '.final.last_salary | [.paysheet_id, .status, .net] | @tsv' <<<"$output")" "$(printf '2026-11-A/G2\tAPPROVED\t1090000')"
    # 13th: 10,400.00 / 12 = 866.67; SIL: 3 x 800.00 = 2,400.00; bond 3 x 100.00 = 300.00
    assert_equal "$(jq -r '.lines | map([.code, .amount] | join(":")) | join(" ")' <<<"$output")" \
        "THIRTEENTH:86667 SIL_CASH:240000 CASH_BOND_REFUND:30000"
    # gross 3,566.67; installments of 500.00 while the net stays >= 2,000.00:
    # 3,066.67, 2,566.67, 2,066.67; the fourth would leave 1,566.67
    assert_equal "$(jq -r '[.gross, .net, .final.net_floor] | @tsv' <<<"$output")" "$(printf '356667\t206667\t200000')"
    assert_equal "$(jq -r '.deductions | map([.obligation_id, .seq, .amount, .status] | join(":")) | join(" ")' <<<"$output")" \
        "L-G2:2:50000:APPLIED L-G2:3:50000:APPLIED L-G2:4:50000:APPLIED"
    assert_equal "$(jq -r '.final.owed | map([.obligation_id, .seq, .period, .amount] | join(":")) | join(" ")' <<<"$output")" \
        "L-G2:5:2027-01-A:50000"
    assert_equal "$(q acme pay "select group_concat(seq || ':' || period_id || ':' || status, ' ') from obligation_schedule where obligation_id = 'L-G2'")" \
        "1:2026-11-A:APPLIED 2:FINAL-2026-11-15:APPLIED 3:FINAL-2026-11-15:APPLIED 4:FINAL-2026-11-15:APPLIED 5:2027-01-A:DUE"
    # a rerun changes nothing
    n=$(journal_lines acme | wc -l)
    run --separate-stderr pr final G2 --on 2026-11-15
    assert_success
    assert_equal "$stderr" "armms-payrun: final pay of G2 computed in FINAL-2026-11-15 (unchanged)"
    assert_equal "$(jq -r .net <<<"$output")" 206667
    assert_equal "$(journal_lines acme | wc -l)" "$n"
    # approved and closed through the same verbs; the 13M run then has
    # nothing more for G2 (no paysheet), and G1 and G3 as before
    pr -q approve FINAL-2026-11-15
    pr -q close FINAL-2026-11-15 >/dev/null
    assert_equal "$(q acme pay "select r.status || ' ' || kind from payrun r join period using (period_id) where period_id = 'FINAL-2026-11-15'")" "CLOSED final"
    pr -q open 2026-13M
    run --separate-stderr pr compute 2026-13M
    assert_equal "$(jq -r .paysheet_id <<<"$output" | paste -sd' ')" "2026-13M/G1 2026-13M/G3"
    # the final pay named on its own payslip: show reads it like any paysheet
    run --separate-stderr pr show FINAL-2026-11-15 --guard G2 --format ndjson
    assert_success
    assert_equal "$(jq -r .net <<<"$output")" 206667
}

@test "final pay: a guard who is not separated on that date is refused, and a bad date is a usage error" {
    final_tenant
    run --separate-stderr pr final G1 --on 2026-11-15
    assert_equal "$status" 65
    [[ "$stderr" == *"guard G1 is not separated on 2026-11-15"* ]]
    run pr final G2
    assert_equal "$status" 64
    run pr final G2 --on 2026-11-31
    assert_equal "$status" 64
    run pr open 2026-14M
    assert_equal "$status" 64
}

@test "guard master: a separation date needs status SEPARATED" {
    small_tenant acme
    run --separate-stderr tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,separated_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,2026-11-15'
    assert_equal "$status" 65
    [[ "$stderr" == *"separated_on goes with status SEPARATED"* ]]
}

@test "guard master: a bad hiring date, SIL days out of range, a separation before hiring are Rejects; the good guard lands" {
    small_tenant acme
    local rows=('guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on,sil_days'
        'G7,100007,Uno,Ana,GUARD,SUN,ACTIVE,2026-13-01,,'
        'G8,100008,Dos,Ben,GUARD,SUN,ACTIVE,2026-01-01,,-3'
        'G9,100009,Tres,Cora,GUARD,SUN,SEPARATED,2026-05-01,2026-04-01,2'
        'G6,100006,Seis,Dan,GUARD,SUN,SEPARATED,2026-01-05,2026-11-15,5')
    run --separate-stderr tk_import acme guard "${rows[@]}"
    assert_equal "$status" 65
    assert_equal "$(printf '%s\n' "$stderr" | grep '^{' | jq -r '[.line, .code] | @tsv' | paste -sd' ')" \
        "$(printf '2\tBAD_FIELD 3\tBAD_FIELD 4\tBAD_FIELD')"
    assert_equal "$(q acme hr "select hired_on || ' ' || separated_on || ' ' || sil_days from guard where guard_id = 'G6'")" \
        "2026-01-05 2026-11-15 5"
    # the same file again: the same Rejects, nothing else changes
    local before
    before=$(q acme hr 'select count(*) from guard')
    run --separate-stderr tk_import acme guard "${rows[@]}"
    assert_equal "$status" 65
    assert_equal "$(q acme hr 'select count(*) from guard')" "$before"
}

@test "final pay after the 13th-month run closed: only the basic earned since is paid as 13th month" {
    year_tenant
    pr -q open 2026-13M
    pr -q compute 2026-13M >/dev/null
    pr -q approve 2026-13M
    pr -q close 2026-13M >/dev/null
    # G1 (paid 2,600.00 in 2026-13M) works 16-28 December and leaves; no SIL recorded
    sheet 2026-12-B G1 COMPUTED "$(lines "$(basic BASIC 1040000)")"
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,SEPARATED,2026-10-01,2026-12-28'
    run --separate-stderr pr final G1 --on 2026-12-28
    assert_success
    # 4 x 10,400.00 = 41,600.00 / 12 = 3,466.67, less 2,600.00 paid = 866.67
    assert_equal "$(jq -r '[.thirteenth.basic, .thirteenth.paid] | @tsv' <<<"$(jq .final <<<"$output")")" "$(printf '4160000\t260000')"
    assert_equal "$(jq -r '[.gross, .net, (.lines | map(.code) | join(" ")), (.final | has("sil"))] | @tsv' <<<"$output")" \
        "$(printf '86667\t86667\tTHIRTEENTH\tfalse')"
    assert_equal "$(jq -r '.final.last_salary | [.paysheet_id, .status] | @tsv' <<<"$output")" "$(printf '2026-12-B/G1\tCOMPUTED')"
    # its pay date is 30 days after the separation
    assert_equal "$(q acme pay "select pay_date from period where period_id = 'FINAL-2026-12-28'")" 2027-01-27
}

@test "final pay computed again on less pay: installments it no longer covers are owed again, due after the separation" {
    final_tenant
    pr -q final G2 --on 2026-11-15 >/dev/null
    # the SIL days were recorded by mistake (the guard used them all: 0,
    # not empty, which would count them from the leave kept): without them
    # the gross is 866.67 + 300.00 = 1,166.67, under the 2,000.00 floor
    # before any loan
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on,sil_days' \
        'G2,100002,Reyes,Ana,GUARD,SAT,SEPARATED,2025-01-10,2026-11-15,0'
    run --separate-stderr pr final G2 --on 2026-11-15
    assert_success
    assert_equal "$(jq -r '[.gross, .net, (.deductions | length)] | @tsv' <<<"$output")" "$(printf '116667\t116667\t0')"
    assert_equal "$(jq -r '.final.owed | map([.seq, .period] | join(":")) | join(" ")' <<<"$output")" \
        "2:2026-11-B 3:2026-11-B 4:2026-11-B 5:2027-01-A"
    assert_equal "$(q acme pay "select group_concat(seq || ':' || period_id || ':' || status, ' ') from obligation_schedule where obligation_id = 'L-G2'")" \
        "1:2026-11-A:APPLIED 2:2026-11-B:DUE 3:2026-11-B:DUE 4:2026-11-B:DUE 5:2027-01-A:DUE"
}
