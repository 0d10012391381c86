load test_helper
bats_require_minimum_version 1.5.0

# Leave and absence: the leave codes (armms-init ships SIL, 5 days a year
# with pay, Labor Code art. 95, and unpaid SICK, VACATION, EMERGENCY,
# SUSPENSION and AWOL), the days a timekeeper records (armms-import leave),
# the DTR they make LEAVE, the sealed snapshot that carries them, the
# paysheet line of paid leave, holiday eligibility, final pay's unused SIL.
#
# Roster (small_tenant): DAY 06:00-18:00, no break; G1 rests on Sundays,
# G2 on Saturdays; 800.00 a day, so a leave day is 800.00. October 2026:
# Monday 19, Tuesday 20, Wednesday 21, Thursday 22.

leave_tenant() {
    small_tenant acme
    armms-import -q -t acme period --generate 2026
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,' 'DET2,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,'
}

# Leave rows: leave ROW... (guard_id,date,code,reason)
leave() { tk_import acme leave 'guard_id,date,code,reason' "$@"; }

# A full day shift: dayshift GUARD DATE [DETACHMENT]
dayshift() {
    local det=${3:-DET1}
    tk_punch "$1-$2-in" "$1" "${2}T05:55:00+08:00" IN "$det" >>"$BATS_TEST_TMPDIR/in"
    tk_punch "$1-$2-out" "$1" "${2}T18:00:00+08:00" OUT "$det" >>"$BATS_TEST_TMPDIR/in"
}
# The punches through the chain, then the DTRs and timesheets of PERIOD
# (the scheduled days nobody punched: ABSENT or LEAVE).
chain() {
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
    armms-dtr -q -t acme --period "${1:-2026-10-B}" >/dev/null
    armms-timesheet -q -t acme --period "${1:-2026-10-B}" >/dev/null
}
seal() { armms-timesheet -q -t acme --finalize --period "$1" --override "test" "${@:2}"; }
tsv() { printf '%s\t' "$@" | sed 's/\t$//'; }
dtr_row() { q acme tk "select status, coalesce(leave_code, '-'), coalesce(leave_paid, '-') from dtr where guard_id = '$1' and date = '$2'"; }
leave_dump() { q acme hr 'select * from leave order by 1, 2, 3'; }
# Every record on stdin has the fields its schema requires and no other.
conforms() {
    jq -s --slurpfile s "$ARMMS_ROOT/schemas/$1" \
        '($s[0].properties | keys) as $p | ($s[0].required) as $r | length > 0 and
         all(.[]; (keys - $p | length == 0) and ($r - keys | length == 0))'
}

@test "armms-init ships the leave codes: SIL paid, 5 days a year; the others unpaid and uncapped" {
    armms-init -q -t acme
    assert_equal "$(q acme hr 'select code, paid, coalesce(annual_days, "-") from leave_code order by code')" \
        "$(printf '%s\n' 'AWOL|0|-' 'EMERGENCY|0|-' 'SICK|0|-' 'SIL|1|5' 'SUSPENSION|0|-' 'VACATION|0|-')"
    [[ "$(q acme hr "select note from leave_code where code = 'SIL'")" == *"Labor Code art. 95"* ]]
    # the route: the timekeeper records leave at once
    assert_equal "$(q acme iam "select requester_role, coalesce(approver_role, '-') from route where action = 'leave.record'")" 'timekeeper|-'
    [[ ",$(q acme iam "select scopes from role where role_id = 'timekeeper'")," == *",leave.record,"* ]]
    # a tenant's own code: paid sick leave of 10 days; a bad code is a Reject
    run --separate-stderr tk_import acme leave_code 'code,name,paid,annual_days' \
        'SICK,Sick leave,true,10' 'sick-1,Bad,true,' 'LONGER_THAN_SIXTEEN,Bad,false,'
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r .code | sort | uniq -c | awk '{print $1, $2}')" '2 BAD_FIELD'
    assert_equal "$(q acme hr "select paid, annual_days from leave_code where code = 'SICK'")" '1|10'
}

@test "leave import: good rows land, each bad one is a clear Reject, and a rerun changes nothing" {
    leave_tenant
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE,2026-11-01'
    printf '%s\n' 'guard_id,date,code,reason' 'G1,2026-10-20,SIL,family' 'G1,2026-10-21,SICK,flu' \
        'G9,2026-10-20,SIL,nobody' 'G1,2026-10-22,NOPE,no such code' 'G1,2026-10-20,SICK,second code' \
        'G3,2026-10-20,VACATION,before hiring' 'G1,2026-13-01,SIL,bad date' 'G2,2026-10-23,AWOL,' \
        >"$BATS_TEST_TMPDIR/leave.csv"
    run --separate-stderr armms-import -t acme leave "$BATS_TEST_TMPDIR/leave.csv"
    assert_equal "$status" 65
    assert_equal "${stderr##*$'\n'}" "armms-import: leave: 8 read, 3 inserted, 0 updated, 0 unchanged, 5 rejected"
    assert_equal "$(tk_rejects | jq -r '[.line, .code] | @tsv')" "$(printf '%s\n' "$(tsv 4 UNKNOWN_REF)" \
        "$(tsv 5 UNKNOWN_REF)" "$(tsv 6 OVERLAP)" "$(tsv 7 OUTSIDE_EMPLOYMENT)" "$(tsv 8 BAD_FIELD)")"
    [[ "$(tk_rejects | jq -r 'select(.line == 6) | .message')" == *"already has leave SIL on 2026-10-20"* ]]
    [[ "$(tk_rejects | jq -r 'select(.line == 7) | .message')" == *"before guard G3 was hired (2026-11-01)"* ]]
    assert_equal "$(leave_dump)" "$(printf '%s\n' 'G1|2026-10-20|SIL|family|RECORDED' 'G1|2026-10-21|SICK|flu|RECORDED' 'G2|2026-10-23|AWOL||RECORDED')"
    local before
    before=$(leave_dump)
    run --separate-stderr armms-import -t acme leave "$BATS_TEST_TMPDIR/leave.csv"
    assert_equal "${stderr##*$'\n'}" "armms-import: leave: 8 read, 0 inserted, 0 updated, 3 unchanged, 5 rejected"
    assert_equal "$(leave_dump)" "$before"
    # NDJSON too; a cancelled day frees the date for another code
    printf '%s\n' '{"guard_id":"G1","date":"2026-10-20","code":"SIL","status":"CANCELLED"}' \
        '{"guard_id":"G1","date":"2026-10-20","code":"EMERGENCY","reason":"fire"}' |
        armms-import -q -t acme leave
    assert_equal "$(q acme hr "select code, status from leave where guard_id = 'G1' and date = '2026-10-20' order by code")" \
        "$(printf '%s\n' 'EMERGENCY|RECORDED' 'SIL|CANCELLED')"
}

@test "a day the guard worked (a COMPLETE DTR) is refused as leave; the other days land" {
    leave_tenant
    dayshift G1 2026-10-19
    chain
    run --separate-stderr leave 'G1,2026-10-19,SIL,' 'G1,2026-10-20,SIL,'
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r .code)" WORKED
    [[ "$(tk_rejects | jq -r .message)" == *"worked on 2026-10-19"*"armms-timelog adjust"* ]]
    assert_equal "$(q acme hr 'select date from leave')" 2026-10-20
}

@test "SIL beyond the year's 5 days is an OVER_BALANCE Reject naming the balance; the next year has its own" {
    leave_tenant
    leave 'G1,2026-03-02,SIL,' 'G1,2026-03-03,SIL,' 'G1,2026-03-04,SIL,' 'G1,2026-03-05,SIL,'
    run --separate-stderr leave 'G1,2026-03-06,SIL,' 'G1,2026-03-07,SIL,' 'G1,2027-01-04,SIL,'
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.line, .code] | @tsv')" "$(tsv 3 OVER_BALANCE)"
    [[ "$(tk_rejects | jq -r .message)" == *"5 days of SIL a year and 5 recorded in 2026: balance 0"* ]]
    assert_equal "$(q acme hr "select substr(date, 1, 4), count(*) from leave group by 1")" "$(printf '%s\n' '2026|5' '2027|1')"
    # unpaid codes have no cap
    leave 'G1,2026-04-06,AWOL,' 'G1,2026-04-07,AWOL,' 'G1,2026-04-08,AWOL,' 'G1,2026-04-09,AWOL,' \
        'G1,2026-04-10,AWOL,' 'G1,2026-04-11,AWOL,'
    assert_equal "$(q acme hr "select count(*) from leave where code = 'AWOL'")" 6
}

@test "a leave day recorded after the DTR marks it stale; the next run makes it LEAVE with its code, a cancel ABSENT again" {
    leave_tenant
    dayshift G1 2026-10-19
    chain
    assert_equal "$(dtr_row G1 2026-10-20)" 'ABSENT|-|-'
    leave 'G1,2026-10-20,SIL,family' 'G1,2026-10-21,AWOL,'
    run --separate-stderr armms-dtr -t acme
    assert_success
    assert_equal "$(jq -c 'select(.date == "2026-10-20") | [.status, .leave]' <<<"$output")" \
        '["LEAVE",{"code":"SIL","name":"Service incentive leave","paid":true}]'
    assert_equal "$(dtr_row G1 2026-10-20)" 'LEAVE|SIL|1'
    assert_equal "$(dtr_row G1 2026-10-21)" 'LEAVE|AWOL|0'
    assert_equal "$(dtr_row G1 2026-10-19)" 'COMPLETE|-|-'
    # nothing changed: a rerun writes nothing
    local before
    before=$(q acme tk 'select * from dtr order by 1, 2')
    armms-dtr -q -t acme --period 2026-10-B >/dev/null
    assert_equal "$(q acme tk 'select * from dtr order by 1, 2')" "$before"
    # a leave day on a rest day (Sunday 25) makes no DTR
    leave 'G1,2026-10-25,SICK,'
    armms-dtr -q -t acme >/dev/null
    assert_equal "$(q acme tk "select count(*) from dtr where guard_id = 'G1' and date = '2026-10-25'")" 0
    # cancelled: ABSENT again
    printf '%s\n' '{"guard_id":"G1","date":"2026-10-21","code":"AWOL","status":"CANCELLED"}' | armms-import -q -t acme leave
    armms-dtr -q -t acme >/dev/null
    assert_equal "$(dtr_row G1 2026-10-21)" 'ABSENT|-|-'
}

@test "the sealed snapshot carries the leave; paid leave is a LEAVE_SIL line at the daily rate, unpaid leave nothing" {
    leave_tenant
    leave 'G1,2026-10-20,SIL,' 'G1,2026-10-21,SIL,' 'G1,2026-10-22,AWOL,'
    dayshift G1 2026-10-19
    chain
    seal 2026-10-B --guard G1 >"$BATS_TEST_TMPDIR/snap"
    assert_equal "$(jq -c '[.days[] | select(.leave) | [.date, .status, .leave.code, .leave.paid]]' "$BATS_TEST_TMPDIR/snap")" \
        '[["2026-10-20","LEAVE","SIL",true],["2026-10-21","LEAVE","SIL",true],["2026-10-22","LEAVE","AWOL",false]]'
    # 16-31 Oct less Sundays 18 and 25: 14 scheduled days, 1 worked, 3 on leave, 10 absent
    assert_equal "$(jq -r '[.days_worked, .days_absent, .days_incomplete, .days_leave] | @tsv' "$BATS_TEST_TMPDIR/snap")" "$(tsv 1 10 0 3)"
    # the snapshot's fields, its day lines' and their leave's are the schema's
    assert_equal "$(conforms timesheet-finalized.schema.json <"$BATS_TEST_TMPDIR/snap")" true
    assert_equal "$(jq --slurpfile s "$ARMMS_ROOT/schemas/timesheet-finalized.schema.json" \
        '($s[0]."$defs".day.properties) as $d | all(.days[]; (keys - ($d | keys) | length == 0)
         and ((.leave // {}) | keys - ($d.leave.properties | keys) | length == 0))
         and all(.days[]; .status as $st | $d.status.enum | index($st))' "$BATS_TEST_TMPDIR/snap")" true
    assert_equal "$(q acme tk "select count(*) from dtr where status = 'LEAVE'")" 3
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_success
    # BASIC 800.00 and OT 4 h x 125.00 = 500.00 on the 19th; SIL 2 days x
    # 800.00 = 1,600.00 (960 minutes at 100%, rounded once); AWOL unpaid
    assert_equal "$(jq -r '.lines[] | [.code, .from, .to, .minutes, .daily_rate, .multiplier, .amount, .basic] | @tsv' <<<"$output")" \
        "$(printf '%s\n' "$(tsv BASIC 2026-10-19 2026-10-19 480 80000 10000 80000 true)" \
            "$(tsv OT 2026-10-19 2026-10-19 240 80000 12500 50000 '')" \
            "$(tsv LEAVE_SIL 2026-10-20 2026-10-21 960 80000 10000 160000 true)")"
    assert_equal "$(jq -r '[.lines[] | select(.code == "LEAVE_SIL") | .label][0]' <<<"$output")" 'Paid leave: Service incentive leave'
    assert_equal "$(jq -r .gross <<<"$output")" 290000
    # the text-built paysheet and the stored one are the same bytes: a rerun changes nothing
    local before
    before=$(q acme pay 'select digest, record from paysheet')
    armms-pay -q -t acme --period 2026-10-B >/dev/null
    assert_equal "$(q acme pay 'select digest, record from paysheet')" "$before"
    assert_equal "$(q acme pay "select json_extract(record, '\$.gross') from paysheet")" 290000
}

@test "an unworked regular holiday is paid after paid leave on the last scheduled day, not after unpaid leave" {
    export ARMMS_NOW=2026-12-05T00:00:00Z
    leave_tenant
    tk_holiday acme '2026-11-30,Bonifacio Day,regular'
    # Monday 30 Nov: G1's last scheduled day is Saturday 28 (SIL), G2's
    # Sunday 29 (AWOL); both worked Friday 27
    leave 'G1,2026-11-28,SIL,' 'G2,2026-11-29,AWOL,'
    dayshift G1 2026-11-27
    dayshift G2 2026-11-27 DET2
    chain 2026-11-B
    seal 2026-11-B >"$BATS_TEST_TMPDIR/snap"
    assert_equal "$(jq -c 'select(.guard_id == "G1") | .unworked_holidays[0].last_scheduled' "$BATS_TEST_TMPDIR/snap")" \
        '{"date":"2026-11-28","leave":{"code":"SIL","name":"Service incentive leave","paid":true},"present":false,"status":"LEAVE"}'
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_success
    # G1: 27 Nov 800.00 + 500.00, SIL 28 Nov 800.00, the holiday 800.00
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .lines[] | [.code, .from, .amount] | @tsv' <<<"$output")" \
        "$(printf '%s\n' "$(tsv BASIC 2026-11-27 80000)" "$(tsv OT 2026-11-27 50000)" \
            "$(tsv RH_UNWORKED 2026-11-30 80000)" "$(tsv LEAVE_SIL 2026-11-28 80000)")"
    # G2: AWOL on its last scheduled day: no holiday pay
    assert_equal "$(jq -r 'select(.guard_id == "G2") | [.lines[].code] | join(",")' <<<"$output")" "BASIC,OT"
}

@test "final pay: unused SIL is 5 days less the SIL taken in the year's snapshots; sil_days overrides" {
    leave_tenant
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,2025-01-10'
    leave 'G1,2026-10-20,SIL,' 'G1,2026-10-21,SIL,'
    dayshift G1 2026-10-19
    chain
    seal 2026-10-B --guard G1 | armms-pay -q -t acme >/dev/null
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,SEPARATED,2025-01-10,2026-11-15'
    run --separate-stderr armms-payrun -t acme final G1 --on 2026-11-15
    assert_success
    # 5 - 2 = 3 days x 800.00 (2026-10-B's basic daily rate) = 2,400.00
    assert_equal "$(jq -c '.final.sil' <<<"$output")" '{"daily_rate":80000,"days":3,"entitled":5,"taken":2,"year":2026}'
    assert_equal "$(jq -r '.lines[] | select(.code == "SIL_CASH") | .amount' <<<"$output")" 240000
    # a guard's recorded sil_days stays the override
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on,sil_days' \
        'G1,100001,Santos,Juan,GUARD,SUN,SEPARATED,2025-01-10,2026-11-15,1'
    run --separate-stderr armms-payrun -t acme final G1 --on 2026-11-15
    assert_success
    assert_equal "$(jq -c '.final.sil' <<<"$output")" '{"daily_rate":80000,"days":1}'
    assert_equal "$(jq -r '.lines[] | select(.code == "SIL_CASH") | .amount' <<<"$output")" 80000
}

@test "final pay: a guard not yet a year in service has no SIL from the leave kept" {
    leave_tenant
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,2026-01-10'
    dayshift G1 2026-10-19
    chain
    seal 2026-10-B --guard G1 | armms-pay -q -t acme >/dev/null
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on,separated_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,SEPARATED,2026-01-10,2026-11-15'
    run --separate-stderr armms-payrun -t acme final G1 --on 2026-11-15
    assert_success
    assert_equal "$(jq -r '[(.final | has("sil")), ([.lines[].code] | index("SIL_CASH"))] | @tsv' <<<"$output")" "$(tsv false '')"
}

@test "armms-report leave: per guard and code the days a year, taken and the balance; table, NDJSON, CSV; read-only" {
    leave_tenant
    tk_import acme guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,hired_on' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE,2025-01-10'
    leave 'G1,2026-10-20,SIL,' 'G1,2026-10-21,SIL,' 'G1,2026-10-22,AWOL,' 'G2,2026-10-20,SIL,' 'G1,2027-01-04,SIL,'
    printf '%s\n' '{"guard_id":"G2","date":"2026-10-20","code":"SIL","status":"CANCELLED"}' | armms-import -q -t acme leave
    local before
    before=$(sha256sum "$ARMMS_HOME/tenants/acme/"*.db)
    run --separate-stderr armms-report -t acme leave --year 2026
    assert_success
    assert_equal "$(jq -r '[.guard_id, .code, .paid, .entitled, .taken, .balance, .eligible_from] | @tsv' <<<"$output")" \
        "$(printf '%s\n' "$(tsv G1 AWOL false '' 1 '' 2026-01-10)" "$(tsv G1 SIL true 5 2 3 2026-01-10)" \
            "$(tsv G2 SIL true 5 0 5 '')" "$(tsv G3 SIL true 5 0 5 '')")"
    assert_equal "$(jq -r '[.kind, .v, .year, .name] | @tsv' <<<"${output%%$'\n'*}")" "$(tsv LeaveBalance 1 2026 'Santos, Juan')"
    assert_equal "$stderr" "armms-report: tenant acme: leave of 2026: 4 shown"
    assert_equal "$(conforms leave-balance.schema.json <<<"$output")" true
    run armms-report -q -t acme leave --year 2026 --guard G1 --format csv
    assert_equal "$output" "$(printf '%s\n' 'guard_id,name,year,code,leave,paid,entitled,taken,balance,eligible_from' \
        'G1,"Santos, Juan",2026,AWOL,Absence without leave,false,,1,,2026-01-10' \
        'G1,"Santos, Juan",2026,SIL,Service incentive leave,true,5,2,3,2026-01-10')"
    run armms-report -q -t acme leave --year 2026 --guard G1 --format table
    [[ "$output" == *"Santos, Juan"*"SIL"*"Service incentive leave"* ]]
    assert_equal "$(sha256sum "$ARMMS_HOME/tenants/acme/"*.db)" "$before"
    run armms-report -t acme leave
    assert_failure 64
    [[ "$output" == *"leave needs --year YYYY"* ]]
    run armms-report -t acme leave --year 26
    assert_failure 64
    run armms-report -t acme obligations --year 2026
    assert_failure 64
    [[ "$output" == *"--year goes with leave"* ]]
}

@test "leave.record: a timekeeper records leave at once; a payroll officer may not; a tenant can route it to an approver" {
    leave_tenant
    tk_import acme user 'user_id,name,roles' 'tk1,Tina Keeper,timekeeper' 'po1,Paul Officer,payroll_officer' 'hr1,Hana Officer,hr_officer'
    run --separate-stderr armms-import --as po1 -t acme --format csv leave <<<$'guard_id,date,code\nG1,2026-10-20,SIL'
    assert_equal "$status" 77
    [[ "$stderr" == *"leave.record"* ]]
    assert_equal "$(q acme hr 'select count(*) from leave')" 0
    run --separate-stderr armms-import --as tk1 -t acme --format csv leave <<<$'guard_id,date,code\nG1,2026-10-20,SIL'
    assert_success
    assert_equal "$(q acme hr 'select count(*) from leave')" 1
    # the leave codes are the HR officer's, not the timekeeper's
    run --separate-stderr armms-import --as tk1 -t acme --format csv leave_code <<<$'code,name,paid\nSICK,Sick leave,true'
    assert_equal "$status" 77
    # routed through the HR officer: a change request, applied when approved
    tk_import acme route 'action,requester_role,verifier_role,approver_role' 'leave.record,timekeeper,,hr_officer'
    run --separate-stderr armms-import --as tk1 -t acme --format csv leave <<<$'guard_id,date,code\nG1,2026-10-21,SIL'
    assert_success
    assert_equal "$(jq -r .kind <<<"$output")" ChangeRequest
    assert_equal "$(q acme hr 'select count(*) from leave')" 1
    run --separate-stderr armms-approve --as hr1 -t acme approve "$(jq -r .request_id <<<"$output")"
    assert_success
    assert_equal "$(q acme hr "select date from leave order by date")" "$(printf '%s\n' 2026-10-20 2026-10-21)"
}

@test "a paysheet with leave lines: its digest is that of its canonical record, gross and net; pay again after deduct changes nothing" {
    leave_tenant
    leave 'G1,2026-10-20,SIL,' 'G1,2026-10-21,SIL,' 'G2,2026-10-22,SIL,' 'G2,2026-10-23,AWOL,'
    dayshift G1 2026-10-19
    dayshift G2 2026-10-19 DET2
    chain
    seal 2026-10-B | armms-pay -q -t acme >/dev/null
    check() {
        local n=0 id digest record
        while IFS=$'\t' read -r id digest record; do
            assert_equal "$(jq -cS 'del(.version, .status, .computed_at)' <<<"$record" |
                tr -d '\n' | sha256sum | cut -d' ' -f1)" "$digest"
            [[ "$record" == *'"code":"LEAVE_SIL"'* ]]
            n=$((n + 1))
        done < <(sqlite3 -tabs "$ARMMS_HOME/tenants/acme/pay.db" \
            "select paysheet_id, digest, record from paysheet where record ->> 'stage' = '$1'")
        assert_equal "$n" 2
    }
    check gross
    armms-deduct -q -t acme --period 2026-10-B >/dev/null
    check net
    local before
    before=$(q acme pay 'select paysheet_id, version, digest, record from paysheet order by 1')
    armms-pay -q -t acme --period 2026-10-B >/dev/null
    armms-deduct -q -t acme --period 2026-10-B >/dev/null
    assert_equal "$(q acme pay 'select paysheet_id, version, digest, record from paysheet order by 1')" "$before"
    # G2: one SIL day (800.00); AWOL is unpaid
    assert_equal "$(q acme pay "select l.value ->> 'amount' from paysheet p, json_each(p.record, '\$.lines') l
        where p.guard_id = 'G2' and l.value ->> 'code' = 'LEAVE_SIL'")" 80000
}

@test "a leave range (date to to) is a record per date; a rest day in it takes nothing from the year; a bad range is one Reject" {
    leave_tenant
    # Monday 2 to Sunday 8 March: G1 rests on Sundays; SIL allows 5 days
    printf '%s\n' 'guard_id,date,to,code,reason' 'G1,2026-03-02,2026-03-08,SIL,trip' \
        'G2,2026-03-02,,SICK,' 'G2,2026-03-05,2026-03-03,SICK,' 'G2,2026-03-05,x,SICK,' 'G2,2026-01-01,2027-01-02,AWOL,' \
        >"$BATS_TEST_TMPDIR/range.csv"
    run --separate-stderr armms-import -t acme leave "$BATS_TEST_TMPDIR/range.csv"
    assert_equal "$status" 65
    assert_equal "${stderr##*$'\n'}" "armms-import: leave: 11 read, 7 inserted, 0 updated, 0 unchanged, 4 rejected"
    assert_equal "$(tk_rejects | jq -r '[.line, .code] | @tsv')" "$(printf '%s\n' "$(tsv 2 OVER_BALANCE)" \
        "$(tsv 4 BAD_RANGE)" "$(tsv 5 BAD_FIELD)" "$(tsv 6 BAD_RANGE)")"
    [[ "$(tk_rejects | jq -r 'select(.line == 2) | .message')" == *"balance 0, so 2026-03-07 would be one more"* ]]
    assert_equal "$(q acme hr "select group_concat(date, ' ') from leave where guard_id = 'G1'")" \
        '2026-03-02 2026-03-03 2026-03-04 2026-03-05 2026-03-06 2026-03-08'
    assert_equal "$(armms-report -q -t acme leave --year 2026 --guard G1 | jq -r 'select(.code == "SIL") | [.taken, .balance] | @tsv')" "$(tsv 5 0)"
    # NDJSON too, and the same range again changes nothing
    echo '{"guard_id":"G2","date":"2026-04-01","to":"2026-04-03","code":"AWOL"}' | armms-import -q -t acme leave
    run --separate-stderr armms-import -t acme leave <<<'{"guard_id":"G2","date":"2026-04-01","to":"2026-04-03","code":"AWOL"}'
    assert_success
    assert_equal "$stderr" "armms-import: leave: 3 read, 0 inserted, 0 updated, 3 unchanged, 0 rejected"
}

@test "leave recorded after the timesheet was sealed: the cron run seals an ADJUSTED version carrying it, and payroll pays it" {
    leave_tenant
    dayshift G1 2026-10-19
    chain
    seal 2026-10-B --guard G1 | armms-pay -q -t acme >/dev/null
    assert_equal "$(q acme pay "select group_concat(l.value ->> 'code') from paysheet p, json_each(p.record, '\$.lines') l where p.guard_id = 'G1'")" 'BASIC,OT'
    leave 'G1,2026-10-20,SIL,late paperwork'
    # what cron runs: every stage without a scope
    armms-timelog -q -t acme </dev/null | armms-dtr -q -t acme | armms-timesheet -q -t acme >"$BATS_TEST_TMPDIR/adj"
    assert_equal "$(jq -r 'select(.kind == "TimesheetFinalized") | [.status, .version, .days_leave, .delta.days_absent] | @tsv' "$BATS_TEST_TMPDIR/adj")" "$(tsv ADJUSTED 2 1 -1)"
    assert_equal "$(jq -c 'select(.kind == "TimesheetFinalized") | .days[] | select(.date == "2026-10-20") | [.status, .leave.code]' "$BATS_TEST_TMPDIR/adj")" '["LEAVE","SIL"]'
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/adj" >/dev/null
    assert_equal "$(q acme pay "select p.version || ' ' || group_concat(l.value ->> 'code') || ' ' || p.gross from paysheet p, json_each(p.record, '\$.lines') l where p.guard_id = 'G1'")" '2 BASIC,OT,LEAVE_SIL 210000'
}

@test "reports: a LEAVE day is no exception; an unrelieved post whose guard is on leave is OPEN" {
    leave_tenant
    leave 'G1,2026-10-20,SIL,'
    dayshift G1 2026-10-19
    chain
    run --separate-stderr armms-report -t acme exceptions --date 2026-10-20 --format ndjson
    assert_success
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .code' <<<"$output")" ""
    run --separate-stderr armms-report -t acme exceptions --date 2026-10-21 --format ndjson
    assert_equal "$(jq -r 'select(.guard_id == "G1") | [.code, .fix] | @tsv' <<<"$output")" \
        "$(tsv ABSENT 'none when absent; on leave, armms-import leave (G1,2026-10-21,CODE); else armms-timelog adjust add --guard G1 --type IN (and OUT) --shift DAY --date 2026-10-21')"
    run --separate-stderr armms-report -t acme roster --date 2026-10-20 --format ndjson
    assert_equal "$(jq -r 'select(.guard_id == "G1") | [.dtr_status, .post, .open] | @tsv' <<<"$output")" "$(tsv LEAVE OPEN true)"
}

@test "a day of leave that only the period's DTR run sees still counts in the sealed timesheet" {
    leave_tenant
    leave 'G1,2026-10-20,SIL,family matter'
    local d
    for d in $(seq -f '2026-10-%02g' 16 31); do
        [ "$(date -d "$d" +%a)" = Sun ] || [ "$d" = 2026-10-20 ] || dayshift G1 "$d"
    done
    # the stream makes the draft from the punched days; the leave day has
    # no DTR yet, so the draft has no leave
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    # the period's runs make the LEAVE DTR: the draft's only change is it
    armms-dtr -q -t acme --period 2026-10-B >/dev/null
    armms-timesheet -q -t acme --period 2026-10-B >/dev/null
    run seal 2026-10-B --guard G1
    assert_success
    rec=$(jq -c 'select(.guard_id == "G1")' <<<"$output")
    assert_equal "$(jq -r '.days_leave' <<<"$rec")" 1
    assert_equal "$(jq -r '[.days[] | select(.leave) | .date] | join(" ")' <<<"$rec")" 2026-10-20
}
