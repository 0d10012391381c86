#!/usr/bin/env bats
# The payroll rules (lib/pay/rules.c, lib/pay/shipped.c, armms-deduct
# quote): armms-init loads the tables ARMMS ships - premiums, pay policy,
# minimum wages, deduction priority, the SSS, PhilHealth and Pag-IBIG
# schedules and the withholding tax table, each row citing its source -
# insert-only and journaled; armms-deduct quote prices a base by the
# tables in force on a date; a tenant loads its own table through its
# route (payroll officer requests, controller verifies, HR manager
# approves) and quotes use it from its valid_from.
load test_helper
bats_require_minimum_version 1.5.0

S="$ARMMS_ROOT/samples"

quote() { armms-deduct -q -t acme quote "$@"; }

# CSV rows on stdin: as USER import KIND 'header' 'row'...
as_import() {
    local u=$1 k=$2
    shift 2
    printf '%s\n' "$@" | armms-import -q -t acme --as "$u" --format csv "$k"
}

@test "a new tenant gets the shipped rules, each row with its source" {
    run --separate-stderr armms-init -t acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme created at $ARMMS_HOME/tenants/acme (tz Asia/Manila), first admin tester, 169 shipped payroll rules loaded"
    assert_equal "$(q acme pay "SELECT scheme || '=' || count(*) FROM contribution GROUP BY scheme ORDER BY 1" | paste -sd,)" \
        "hdmf=6,philhealth=3,sss=114"
    assert_equal "$(q acme pay 'SELECT count(*) FROM tax')" 6
    assert_equal "$(q acme pay 'SELECT count(*) FROM premium')" 8
    assert_equal "$(q acme pay 'SELECT count(*) FROM pay_policy')" 13
    assert_equal "$(q acme pay 'SELECT count(*) FROM deduction_priority')" 11
    assert_equal "$(q acme pay "SELECT region || ' ' || daily_rate || ' ' || valid_from FROM minimum_wage ORDER BY valid_from" | paste -sd,)" \
        "NCR 64500 2024-07-17,NCR 69500 2025-07-18"
    # every row cites a law, a circular or the tenant policy
    assert_equal "$(q acme pay "SELECT count(*) FROM contribution WHERE source NOT LIKE '%Circular%' AND source NOT LIKE 'RA %'")" 0
    assert_equal "$(q acme pay "SELECT count(*) FROM premium WHERE source NOT LIKE 'Labor Code%'")" 0
    # journaled like any import, by the user who ran armms-init
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "pay") | .event_type' | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd,)" \
        "ContributionScheduleUpdated=123,DeductionPriorityUpdated=11,MinimumWageUpdated=2,PayPolicyUpdated=13,PremiumUpdated=8,TaxTableUpdated=6"
    assert_equal "$(journal_lines acme | jq -r 'select(.src == "pay") | .actor' | sort -u)" tester
    # no change request: the installation's data, not a person's change
    assert_equal "$(q acme pay 'SELECT count(*) FROM change_request')" 0
}

@test "running armms-init again loads nothing and changes nothing" {
    armms-init -q -t acme
    local events sums
    events=$(journal_lines acme | wc -l)
    sums=$(q acme pay 'SELECT * FROM contribution UNION ALL SELECT * FROM tax ORDER BY 1' | sha256sum)
    run --separate-stderr armms-init -t acme
    assert_success
    assert_equal "$stderr" "armms-init: tenant acme is current at $ARMMS_HOME/tenants/acme (tz Asia/Manila)"
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    assert_equal "$(q acme pay 'SELECT * FROM contribution UNION ALL SELECT * FROM tax ORDER BY 1' | sha256sum)" "$sums"
}

@test "a shipped row a tenant already has is kept as the tenant has it" {
    armms-init -q -t acme
    direct_routes acme
    printf '%s\n' action premium.update | armms-import -q -t acme --format csv route
    q acme pay "DELETE FROM premium WHERE day_type = 'special'"
    as_import tester premium 'day_type,code,label,regular_bp,ot_bp,nd_bp,valid_from,source' \
        'special,SNW,Special non-working day,13000,16900,1000,2000-01-01,CBA art. 5'
    run armms-init -q -t acme
    assert_success
    assert_equal "$(q acme pay "SELECT code || ' ' || source FROM premium WHERE day_type = 'special'")" "SNW CBA art. 5"
}

@test "quote sss prints the 2025 schedule's MSC, MPF split and EC as NDJSON in centavos" {
    armms-init -q -t acme
    run --separate-stderr quote sss 20250 --on 2025-03-31
    assert_success
    assert_equal "$(jq -c '[.kind, .scheme, .on, .base, .credit, .credit_ss, .credit_mpf, .ee, .er, .ee_mpf, .er_mpf, .ec]' <<<"$output")" \
        '["ContributionQuote","sss","2025-03-31",2025000,2050000,2000000,50000,102500,205000,2500,5000,3000]'
    assert_equal "$(jq -r .source <<<"$output")" "SSS Circular 2024-006 (RA 11199; 2025 schedule: 15%, MSC 5,000-35,000)"
    # one centavo below the bracket: MSC 20,000, no MPF part
    assert_equal "$(quote sss 20249.99 --on 2025-03-31 | jq -c '[.credit, .credit_mpf, .ee, .er, .ec]')" '[2000000,0,100000,200000,3000]'
    # the EC edge at MSC 15,000
    assert_equal "$(quote sss 14749.99 --on 2025-03-31 | jq -c '[.credit, .ec]')" '[1450000,1000]'
    assert_equal "$(quote sss 14750 --on 2025-03-31 | jq -c '[.credit, .ec]')" '[1500000,3000]'
    # floor and ceiling
    assert_equal "$(quote sss 1000 --on 2025-03-31 | jq -c '[.credit, .ee, .er]')" '[500000,25000,50000]'
    assert_equal "$(quote sss 100000 --on 2025-03-31 | jq -c '[.credit, .credit_mpf, .ee, .er]')" '[3500000,1500000,175000,350000]'
}

@test "quote sss on a 2024 date uses the 2023-2024 schedule" {
    armms-init -q -t acme
    assert_equal "$(quote sss 20250 --on 2024-12-31 | jq -c '[.credit, .ee, .er, .ee_mpf, .er_mpf, .ec]')" '[2050000,92250,194750,2250,4750,3000]'
    assert_equal "$(quote sss 1000 --on 2024-12-31 | jq -c '[.credit, .ee, .er]')" '[400000,18000,38000]'
    assert_equal "$(quote sss 100000 --on 2024-12-31 | jq -c '[.credit, .credit_mpf]')" '[3000000,1000000]'
    assert_equal "$(quote sss 1000 --on 2025-01-01 | jq -c .credit)" 500000
}

@test "quote philhealth, hdmf and tax" {
    armms-init -q -t acme
    # 18,127.92 (695.00 x 313 / 12) x 5% = 906.40, halved
    assert_equal "$(quote philhealth 18127.92 --on 2026-11-30 | jq -c '[.credit, .ee, .er]')" '[1812792,45320,45320]'
    # 10,000.20 x 5% = 500.01: the odd centavo is the employer's
    assert_equal "$(quote philhealth 10000.20 --on 2026-11-30 | jq -c '[.ee, .er]')" '[25000,25001]'
    assert_equal "$(quote philhealth 8000 --on 2026-11-30 | jq -c '[.credit, .ee]')" '[1000000,25000]'
    assert_equal "$(quote philhealth 250000 --on 2026-11-30 | jq -c '[.credit, .ee]')" '[10000000,250000]'
    assert_equal "$(quote hdmf 1500 --on 2026-11-30 | jq -c '[.ee, .er]')" '[1500,3000]'
    assert_equal "$(quote hdmf 1500.01 --on 2026-11-30 | jq -c '[.ee, .er]')" '[3000,3000]'
    assert_equal "$(quote hdmf 18127.92 --on 2026-11-30 | jq -c '[.credit, .ee, .er]')" '[1000000,20000,20000]'
    # before HDMF Circular 460 the fund salary was capped at 5,000
    assert_equal "$(quote hdmf 18127.92 --on 2024-01-31 | jq -c '[.credit, .ee]')" '[500000,10000]'
    run --separate-stderr quote tax 20000 --on 2026-11-30
    assert_success
    assert_equal "$(jq -c '[.kind, .frequency, .taxable, .tax]' <<<"$output")" '["TaxQuote","semi_monthly",2000000,160410]'
    assert_equal "$(quote tax 10417 --on 2026-11-30 | jq .tax)" 0
    assert_equal "$(quote tax 16666.99 --on 2026-11-30 | jq .tax)" 93750
    assert_equal "$(quote tax 33333 --on 2026-11-30 | jq .tax)" 427070
}

@test "quote as a table shows pesos with the source" {
    armms-init -q -t acme
    run quote sss 20250 --on 2025-03-31 --format table
    assert_success
    assert_line --index 0 "SSS contribution on 2025-03-31 (SSS Circular 2024-006 (RA 11199; 2025 schedule: 15%, MSC 5,000-35,000))"
    assert_line --index 2 "  monthly salary credit     20,500.00  (regular 20,000.00, MPF 500.00)"
    assert_line --index 3 "  employee share             1,025.00  (MPF 25.00)"
    assert_line --index 5 "  EC (employer)                 30.00"
}

@test "quote before any table is in force is 65 and says which table and date" {
    armms-init -q -t acme
    run --separate-stderr quote sss 20000 --on 2022-12-31
    assert_failure 65
    assert_output ""
    assert_equal "$stderr" "armms-deduct: tenant acme: no sss table in force on 2022-12-31 (NO_RULE: armms-import contribution)"
    run --separate-stderr quote tax 20000 --on 2022-12-31
    assert_failure 65
    assert_equal "$stderr" "armms-deduct: tenant acme: no tax table in force on 2022-12-31 (NO_RULE: armms-import tax)"
}

@test "quote needs a read scope, a known scheme and an amount" {
    armms-init -q -t acme
    armms-import -q -t acme user "$S/user.csv"
    run --separate-stderr armms-deduct -t acme --as tk1 quote sss 20000
    assert_failure 77
    assert_equal "$stderr" "armms-deduct: user 'tk1' of tenant acme may not paysheet.read (needs scope paysheet.read, held by controller, finance_officer, hr_manager, payroll_officer)"
    run --separate-stderr armms-deduct -q -t acme --as ctl1 quote sss 20000 --on 2025-06-01
    assert_success
    run --separate-stderr armms-deduct -t acme quote gsis 20000
    assert_failure 64
    [[ "$stderr" == *"unknown scheme 'gsis'"* ]]
    run --separate-stderr armms-deduct -t acme quote sss
    assert_failure 64
    run --separate-stderr armms-deduct -t acme quote sss 12.345
    assert_failure 64
    run --separate-stderr armms-deduct -t acme quote sss 20000 extra
    assert_failure 64
}

@test "a tenant's own table goes through its route and applies from its valid_from" {
    armms-init -q -t acme
    armms-import -q -t acme user "$S/user.csv"
    # a new schedule: the 2025 brackets end, a tenant's 2027 table takes over
    {
        echo 'scheme,base_from,credit,ee_bp,er_bp,ec,mpf_above,split,valid_from,valid_to,source'
        q acme pay "SELECT printf('sss,%d.%02d,%d.%02d,500,1000,%d.%02d,20000.00,shares,2025-01-01,2026-12-31,%s',
            base_from / 100, base_from % 100, credit / 100, credit % 100, ec / 100, ec % 100, source)
            FROM contribution WHERE scheme = 'sss' AND valid_from = '2025-01-01'" | sed 's/,SSS Circular 2024-006 (\(.*\))$/,"SSS Circular 2024-006 (\1)"/'
        echo 'sss,0.00,6000.00,550,1050,10.00,20000.00,shares,2027-01-01,,SSS Circular 2026-999 (test)'
        echo 'sss,6250.00,6500.00,550,1050,10.00,20000.00,shares,2027-01-01,,SSS Circular 2026-999 (test)'
    } >"$BATS_TEST_TMPDIR/sss.csv"
    run --separate-stderr armms-import -t acme --as pay1 contribution "$BATS_TEST_TMPDIR/sss.csv"
    assert_success
    local id
    id=$(jq -r .request_id <<<"$output")
    assert_equal "$(jq -r .status <<<"$output")" PENDING
    # nothing applies before approval
    assert_equal "$(quote sss 7000 --on 2027-01-15 2>/dev/null | jq -c .credit)" 700000
    run armms-approve -q -t acme --as hrm1 approve "$id"
    assert_failure
    armms-approve -q -t acme --as ctl1 verify "$id" >/dev/null
    armms-approve -q -t acme --as hrm1 approve "$id" >/dev/null
    assert_equal "$(quote sss 7000 --on 2026-12-31 | jq -c '[.credit, .ee]')" '[700000,35000]'
    assert_equal "$(quote sss 7000 --on 2027-01-01 | jq -c '[.credit, .ee, .er, .ec, .source]')" \
        '[650000,35750,68250,1000,"SSS Circular 2026-999 (test)"]'
    assert_equal "$(quote sss 6249.99 --on 2027-01-01 | jq -c .credit)" 600000
}

@test "an old bracket left open makes the table in force no table (BAD_RULE)" {
    armms-init -q -t acme
    direct_routes acme
    printf '%s\n' action contribution.update | armms-import -q -t acme --format csv route
    printf '%s\n' 'scheme,base_from,credit,ee_bp,er_bp,valid_from,source' \
        'sss,0.00,6000.00,550,1050,2027-01-01,SSS Circular 2026-999 (test)' |
        armms-import -q -t acme --format csv contribution
    # the 2025 row from 0.00 closed the day before; the one from 5,250 did not
    assert_equal "$(q acme pay "SELECT valid_to FROM contribution WHERE scheme='sss' AND base_from=0 AND valid_from='2025-01-01'")" 2026-12-31
    run --separate-stderr quote sss 20000 --on 2027-01-01
    assert_failure 65
    assert_equal "$stderr" "armms-deduct: tenant acme: the sss table in force on 2027-01-01 is not a table: the credit of the bracket from 5250.00 does not rise above the one before it (a bracket of an older schedule left without valid_to?) (BAD_RULE: armms-import contribution)"
}

@test "bad rule rows are Rejects with exit 65 and the good rows land" {
    armms-init -q -t acme
    direct_routes acme
    printf '%s\n' action premium.update pay_policy.update tax.update minimum_wage.update |
        armms-import -q -t acme --format csv route
    run --separate-stderr armms-import -t acme --format csv pay_policy <<'CSV'
key,value,valid_from,valid_to,source
net_floor,500.00,2027-01-01,,agency memo 2026-12
net_floor,30%,2028-01-01,,agency memo 2027-12
net_floor,lots,2029-01-01,,agency memo
hdmf_run,C,2027-01-01,,agency memo
bonus_rate,5,2027-01-01,,agency memo
days_per_year,393.5,2027-01-01,,DOLE Advisory 001-10
sss_run,A,2027-01-01,,
CSV
    assert_failure 65
    assert_equal "$(tk_rejects | jq -r .code | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd,)" "BAD_FIELD=3,MISSING_FIELD=1"
    assert_equal "$(tk_rejects | jq -r 'select(.line == 4) | .message')" \
        "pay policy net_floor must be 0, an amount in pesos (500.00) or a share of gross (30%), not 'lots'"
    assert_equal "$(q acme pay "SELECT value || '@' || valid_from FROM pay_policy WHERE key IN ('net_floor','days_per_year') AND valid_from > '2026' ORDER BY key, valid_from" | paste -sd,)" \
        "393.5@2027-01-01,500.00@2027-01-01,30%@2028-01-01"
    # the shipped default closed the day before the tenant's own
    assert_equal "$(q acme pay "SELECT valid_to FROM pay_policy WHERE key = 'net_floor' AND valid_from = '2000-01-01'")" 2026-12-31
    run --separate-stderr armms-import -t acme --format csv premium <<'CSV'
day_type,code,label,regular_bp,ot_bp,nd_bp,valid_from,source
holiday,HD,Holiday,20000,26000,1000,2027-01-01,x
regular_holiday,RH,Regular holiday,-1,26000,1000,2027-01-01,x
CSV
    assert_failure 65
    assert_equal "$(tk_rejects | jq -r .code | paste -sd,)" "BAD_FIELD,BAD_FIELD"
    run --separate-stderr armms-import -t acme --format csv tax <<'CSV'
base_from,fixed,rate_bp,valid_from,source
-1.00,0,0,2027-01-01,x
0.00,0,10001,2027-01-01,x
CSV
    assert_failure 65
    assert_equal "$(q acme pay "SELECT count(*) FROM tax")" 6
}
