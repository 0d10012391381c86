#!/usr/bin/env bats
# armms-import: master data by natural key, from CSV (money in pesos) and
# NDJSON (money in integer centavos). Bad records become Reject lines; the
# good ones around them land; a rerun is a no-op.
load test_helper
bats_require_minimum_version 1.5.0

S="$ARMMS_ROOT/samples"

# Everything a tenant holds, as one checksum: every module's rows and the
# journal. Equal before and after means the run changed nothing.
state() {
    local t=${1:-acme} m
    {
        for m in hr tk pay iam; do sqlite3 "$ARMMS_HOME/tenants/$t/$m.db" .dump; done
        journal_lines "$t"
    } | sha256sum
}

# The Reject lines of the last `run --separate-stderr`.
rejects() { grep '^{' <<<"$stderr" || true; }

# assert_reject CODE LINE SOURCE INPUT MESSAGE-PART: the last run wrote exactly
# one Reject, on stderr, with these fields.
assert_reject() {
    local r kind v code line source input msg
    r=$(rejects)
    assert_equal "$(grep -c . <<<"$r")" 1
    IFS=$'\x1f' read -r kind v code line source input msg < <(jq -r \
        '[.kind, .v, .code, .line, .source, .input, .message] | map(tostring) | join("\u001f")' <<<"$r")
    assert_equal "$kind" Reject
    assert_equal "$v" 1
    assert_equal "$code" "$1"
    assert_equal "$line" "$2"
    assert_equal "$source" "$3"
    assert_equal "$input" "$4"
    [[ "$msg" == *"$5"* ]] || fail "message '$msg' does not mention '$5'"
}

# rerun_is_noop CODE LINE SOURCE INPUT MESSAGE-PART -- COMMAND...: running the
# same import again rejects the same record and changes nothing.
rerun_is_noop() {
    local a=("$1" "$2" "$3" "$4" "$5")
    shift 6
    local before
    before=$(state acme)
    run --separate-stderr "$@"
    assert_failure 65
    assert_reject "${a[@]}"
    assert_equal "$(state acme)" "$before"
}

last_event() { journal_lines "${1:-acme}" | tail -n 1; }

@test "the whole sample agency imports with no rejects and every count right" {
    armms-init -q -t acme
    direct_routes acme
    local k
    for k in position shift detachment guard assignment rate holiday obligation user; do
        run --separate-stderr armms-import -t acme "$k" "$S/$k.csv"
        [ "$status" -eq 0 ] || fail "$k: exit $status: $(head -n 3 <<<"$stderr")"
        [[ "$stderr" == *", 0 rejected" ]] || fail "$k: $stderr"
        assert_equal "$(rejects)" ""
    done
    run --separate-stderr armms-import -t acme period --generate 2026
    assert_success
    assert_equal "$stderr" "armms-import: period: 24 read, 24 inserted, 0 updated, 0 unchanged, 0 rejected"

    assert_equal "$(q acme hr 'SELECT count(*) FROM guard')" 1200
    assert_equal "$(q acme hr 'SELECT count(*) FROM detachment')" 40
    assert_equal "$(q acme hr 'SELECT count(*) FROM position')" 3
    assert_equal "$(q acme hr 'SELECT count(*) FROM shift')" 2
    assert_equal "$(q acme hr 'SELECT count(*) FROM assignment')" 1312
    assert_equal "$(q acme pay 'SELECT count(*) FROM rate')" 270
    assert_equal "$(q acme pay 'SELECT count(*) FROM period')" 24
    assert_equal "$(q acme pay "SELECT min(period_id), max(period_id) FROM period")" "2026-01-A|2026-12-B"
    assert_equal "$(q acme pay "SELECT from_date, to_date FROM period WHERE period_id='2026-02-B'")" "2026-02-16|2026-02-28"
    assert_equal "$(q acme pay 'SELECT count(*) FROM holiday')" "$(($(wc -l <"$S/holiday.csv") - 1))"
    assert_equal "$(q acme pay 'SELECT count(*) FROM obligation')" 60
    # the sample's eight users and tester, the first admin armms-init made
    assert_equal "$(q acme iam 'SELECT count(*) FROM user')" 9
    # CSV pesos are stored as integer centavos
    assert_equal "$(q acme pay "SELECT daily_rate FROM rate WHERE detachment_id='DET001' AND shift_id='DAY' AND position_id='GUARD'")" 69500
    # every loan with a term has its installment schedule
    [ "$(q acme pay "SELECT count(*) FROM obligation_schedule s JOIN obligation o USING (obligation_id) WHERE o.kind='loan'")" -gt 0 ]
    assert_equal "$(q acme pay "SELECT count(*) FROM obligation o WHERE kind='loan' AND installments IS NOT NULL AND NOT EXISTS (SELECT 1 FROM obligation_schedule s WHERE s.obligation_id=o.obligation_id)")" 0
    assert_equal "$(q acme pay "SELECT count(*) FROM obligation o WHERE installments IS NOT NULL AND installments <> (SELECT count(*) FROM obligation_schedule s WHERE s.obligation_id=o.obligation_id)")" 0
    # one journal event per record that landed, after the first admin and
    # the five routes direct_routes changed, and one per rate version a
    # later one closed (the 30 rate cards of the five detachments whose rates
    # rose on 16 July)
    assert_equal "$(q acme pay "SELECT count(*) FROM rate WHERE valid_to IS NOT NULL")" 30
    assert_equal "$(journal_lines acme | jq -r 'select(.payload.op == "close") | .event_type' | sort | uniq -c | awk '{print $1, $2}')" \
        "30 RateCardUpdated"
    assert_equal "$(journal_lines acme | wc -l)" $((1 + 163 + 6 + 5 + 3 + 2 + 40 + 1200 + 1312 + 270 + 30 + 42 + 60 + 8 + 24))
    assert_equal "$(journal_lines acme | jq -c 'select(.event_type=="GuardUpserted")' | wc -l)" 1200
}

@test "importing the same sample files again changes nothing and journals nothing" {
    sample_tenant acme
    local before events
    before=$(state acme)
    events=$(journal_lines acme | wc -l)
    local k n
    for k in position shift detachment guard assignment rate holiday obligation user; do
        n=$(($(wc -l <"$S/$k.csv") - 1))
        run --separate-stderr armms-import -t acme "$k" "$S/$k.csv"
        [ "$status" -eq 0 ] || fail "$k: exit $status: $(head -n 3 <<<"$stderr")"
        assert_equal "$stderr" "armms-import: $k: $n read, 0 inserted, 0 updated, $n unchanged, 0 rejected"
    done
    run --separate-stderr armms-import -t acme period --generate 2026
    assert_success
    assert_equal "$stderr" "armms-import: period: 24 read, 0 inserted, 0 updated, 24 unchanged, 0 rejected"
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    assert_equal "$(state acme)" "$before"
}

@test "a guard whose last name changes is updated once and the journal shows old and new" {
    small_tenant acme
    local events
    events=$(journal_lines acme | wc -l)
    run --separate-stderr armms-import -t acme --format csv guard < <(printf '%s\n' \
        'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE' \
        'G2,100002,Reyes-Bautista,Ana,GUARD,SAT,ACTIVE')
    assert_success
    assert_equal "$stderr" "armms-import: guard: 2 read, 0 inserted, 1 updated, 1 unchanged, 0 rejected"
    assert_equal "$(q acme hr "SELECT last_name FROM guard WHERE guard_id='G2'")" Reyes-Bautista
    assert_equal "$(q acme hr "SELECT last_name FROM guard WHERE guard_id='G1'")" Santos

    assert_equal "$(journal_lines acme | wc -l)" $((events + 1))
    local ev
    ev=$(last_event)
    assert_equal "$(jq -r .event_type <<<"$ev")" GuardUpserted
    assert_equal "$(jq -r .aggregate_type <<<"$ev")" guard
    assert_equal "$(jq -r .aggregate_id <<<"$ev")" G2
    assert_equal "$(jq -r .actor <<<"$ev")" tester
    assert_equal "$(jq -r .tenant_id <<<"$ev")" acme
    assert_equal "$(jq -r .payload.op <<<"$ev")" update
    assert_equal "$(jq -r .payload.before.last_name <<<"$ev")" Reyes
    assert_equal "$(jq -r .payload.record.last_name <<<"$ev")" Reyes-Bautista
    assert_equal "$(jq -r .payload.record.first_name <<<"$ev")" Ana
}

@test "--as names the actor recorded in the journal" {
    small_tenant acme
    printf '%s\n' '{"user_id":"hr1","name":"Ma. Theresa Lacson","roles":"hr_officer"}' |
        armms-import -q -t acme user
    printf '%s\n' '{"position_id":"SUPERVISOR","name":"Supervisor"}' |
        armms-import -q -t acme --as hr1 position
    assert_equal "$(last_event | jq -r '[.event_type, .actor, .payload.op] | join(" ")')" \
        "PositionUpserted hr1 insert"
}

# ---- one Reject per bad record; the good ones land --------------------------

@test "a guard without a last name is rejected as MISSING_FIELD and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    local bad='{"guard_id":"G5","employee_no":"100005","first_name":"Lito","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE"}'
    printf '%s\n' \
        '{"guard_id":"G4","employee_no":"100004","last_name":"Lim","first_name":"Ed","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE"}' \
        "$bad" \
        '{"guard_id":"G6","employee_no":"100006","last_name":"Tan","first_name":"Rosa","position_id":"GUARD","rest_days":"MON","status":"ACTIVE"}' \
        >guards.ndjson
    run --separate-stderr armms-import -t acme guard guards.ndjson
    assert_failure 65
    assert_reject MISSING_FIELD 2 guards.ndjson "$bad" last_name
    [[ "$stderr" == *"guard: 3 read, 2 inserted, 0 updated, 0 unchanged, 1 rejected"* ]]
    assert_equal "$(q acme hr "SELECT group_concat(guard_id) FROM guard WHERE guard_id IN ('G4','G5','G6')")" "G4,G6"
    rerun_is_noop MISSING_FIELD 2 guards.ndjson "$bad" last_name -- armms-import -t acme guard guards.ndjson
}

@test "an assignment starting on February 30 is rejected as BAD_FIELD and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-01-01,,regular,' \
        'G2,DET1,NIGHT,2026-02-30,,regular,' \
        'G3,DET2,DAY,2026-01-01,,regular,' >assign.csv
    run --separate-stderr armms-import -t acme assignment assign.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 assign.csv 'G2,DET1,NIGHT,2026-02-30,,regular,' valid_from
    assert_equal "$(q acme hr 'SELECT group_concat(guard_id) FROM (SELECT guard_id FROM assignment ORDER BY 1)')" "G1,G3"
    rerun_is_noop BAD_FIELD 3 assign.csv 'G2,DET1,NIGHT,2026-02-30,,regular,' valid_from -- \
        armms-import -t acme assignment assign.csv
}

@test "a shift starting at 25:00 is rejected as BAD_FIELD and the others land" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'shift_id,start,end' 'DAY,06:00,18:00' 'LATE,25:00,09:00' 'NIGHT,18:00,06:00' >shift.csv
    run --separate-stderr armms-import -t acme shift shift.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 shift.csv 'LATE,25:00,09:00' start
    assert_equal "$(q acme hr 'SELECT group_concat(shift_id || "=" || start || "-" || end) FROM (SELECT * FROM shift ORDER BY 1)')" \
        "DAY=06:00-18:00,NIGHT=18:00-06:00"
    rerun_is_noop BAD_FIELD 3 shift.csv 'LATE,25:00,09:00' start -- armms-import -t acme shift shift.csv
}

@test "a CSV daily rate with three decimals is rejected as BAD_FIELD and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' \
        'DET1,NIGHT,GUARD,695.005,2026-01-01,' \
        'DET2,DAY,GUARD,720.50,2026-01-01,' >rate.csv
    run --separate-stderr armms-import -t acme rate rate.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 rate.csv 'DET1,NIGHT,GUARD,695.005,2026-01-01,' daily_rate
    assert_equal "$(q acme pay 'SELECT group_concat(detachment_id || "/" || shift_id || "=" || daily_rate) FROM (SELECT * FROM rate ORDER BY 2, 3)')" \
        "DET1/DAY=69500,DET2/DAY=72050"
    rerun_is_noop BAD_FIELD 3 rate.csv 'DET1,NIGHT,GUARD,695.005,2026-01-01,' daily_rate -- \
        armms-import -t acme rate rate.csv
}

@test "an NDJSON daily rate written as a peso string is rejected as BAD_FIELD and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    local bad='{"detachment_id":"DET1","shift_id":"NIGHT","position_id":"GUARD","daily_rate":"695.00","valid_from":"2026-01-01"}'
    printf '%s\n' \
        '{"detachment_id":"DET1","shift_id":"DAY","position_id":"GUARD","daily_rate":69500,"valid_from":"2026-01-01"}' \
        "$bad" \
        '{"detachment_id":"DET2","shift_id":"DAY","position_id":"GUARD","daily_rate":72050,"valid_from":"2026-01-01"}' \
        >rate.ndjson
    run --separate-stderr armms-import -t acme rate rate.ndjson
    assert_failure 65
    assert_reject BAD_FIELD 2 rate.ndjson "$bad" daily_rate
    assert_equal "$(q acme pay 'SELECT group_concat(detachment_id || "/" || shift_id || "=" || daily_rate) FROM (SELECT * FROM rate ORDER BY 2, 3)')" \
        "DET1/DAY=69500,DET2/DAY=72050"
    rerun_is_noop BAD_FIELD 2 rate.ndjson "$bad" daily_rate -- armms-import -t acme rate rate.ndjson
}

@test "a guard resting on FUNDAY is rejected as BAD_FIELD and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Ed,GUARD,SUN,ACTIVE' \
        'G5,100005,Go,Lito,GUARD,FUNDAY,ACTIVE' \
        'G6,100006,Tan,Rosa,GUARD,mon,ACTIVE' >guard.csv
    run --separate-stderr armms-import -t acme guard guard.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 guard.csv 'G5,100005,Go,Lito,GUARD,FUNDAY,ACTIVE' FUNDAY
    assert_equal "$(q acme hr "SELECT group_concat(guard_id || ':' || rest_days) FROM guard WHERE guard_id IN ('G4','G5','G6')")" "G4:SUN,G6:MON"
    rerun_is_noop BAD_FIELD 3 guard.csv 'G5,100005,Go,Lito,GUARD,FUNDAY,ACTIVE' FUNDAY -- \
        armms-import -t acme guard guard.csv
}

@test "a user with a role that does not exist is rejected as BAD_FIELD and the others land" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'user_id,name,roles,status' 'pay1,Pia Pascual,payroll_officer,ACTIVE' \
        'wiz1,Merlin,wizard,ACTIVE' 'tk1,Jocelyn Dizon,timekeeper,ACTIVE' >user.csv
    run --separate-stderr armms-import -t acme user user.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 user.csv 'wiz1,Merlin,wizard,ACTIVE' wizard
    assert_equal "$(q acme iam 'SELECT group_concat(user_id || ":" || roles) FROM (SELECT * FROM user ORDER BY 1)')" \
        "pay1:payroll_officer,tester:admin,tk1:timekeeper"
    rerun_is_noop BAD_FIELD 3 user.csv 'wiz1,Merlin,wizard,ACTIVE' wizard -- armms-import -t acme user user.csv
}

@test "an NDJSON guard with a field ARMMS does not know is rejected as UNKNOWN_FIELD" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    local bad='{"guard_id":"G5","employee_no":"100005","last_name":"Go","first_name":"Lito","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE","nickname":"Boy"}'
    printf '%s\n' \
        '{"guard_id":"G4","employee_no":"100004","last_name":"Lim","first_name":"Ed","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE"}' \
        "$bad" \
        '{"guard_id":"G6","employee_no":"100006","last_name":"Tan","first_name":"Rosa","position_id":"GUARD","rest_days":"MON","status":"ACTIVE"}' \
        >guards.ndjson
    run --separate-stderr armms-import -t acme guard guards.ndjson
    assert_failure 65
    assert_reject UNKNOWN_FIELD 2 guards.ndjson "$bad" nickname
    assert_equal "$(q acme hr "SELECT group_concat(guard_id) FROM guard WHERE guard_id IN ('G4','G5','G6')")" "G4,G6"
    rerun_is_noop UNKNOWN_FIELD 2 guards.ndjson "$bad" nickname -- armms-import -t acme guard guards.ndjson
}

@test "a CSV file with an unknown column is refused whole, naming the column" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    local before
    before=$(state acme)
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status,shoe_size' \
        'G4,100004,Lim,Ed,GUARD,SUN,ACTIVE,9' 'G5,100005,Go,Lito,GUARD,MON,ACTIVE,10' >guard.csv
    run --separate-stderr armms-import -t acme guard guard.csv
    assert_failure 65
    assert_output ""
    [[ "$stderr" == *"armms-import: tenant acme: column 'shoe_size' is not a guard field"* ]]
    assert_equal "$(q acme hr "SELECT count(*) FROM guard WHERE guard_id IN ('G4','G5')")" 0
    assert_equal "$(state acme)" "$before"
}

@test "an assignment for a guard who does not exist is rejected as UNKNOWN_REF and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-01-01,,regular,' \
        'G9,DET1,NIGHT,2026-01-01,,regular,' \
        'G3,DET2,DAY,2026-01-01,,regular,' >assign.csv
    run --separate-stderr armms-import -t acme assignment assign.csv
    assert_failure 65
    assert_reject UNKNOWN_REF 3 assign.csv 'G9,DET1,NIGHT,2026-01-01,,regular,' G9
    assert_equal "$(q acme hr 'SELECT group_concat(guard_id) FROM (SELECT guard_id FROM assignment ORDER BY 1)')" "G1,G3"
    rerun_is_noop UNKNOWN_REF 3 assign.csv 'G9,DET1,NIGHT,2026-01-01,,regular,' G9 -- \
        armms-import -t acme assignment assign.csv
}

@test "a rate for a detachment hr.db does not know is rejected as UNKNOWN_REF and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' \
        'DET99,DAY,GUARD,695.00,2026-01-01,' \
        'DET2,NIGHT,GUARD,700.00,2026-01-01,' >rate.csv
    run --separate-stderr armms-import -t acme rate rate.csv
    assert_failure 65
    assert_reject UNKNOWN_REF 3 rate.csv 'DET99,DAY,GUARD,695.00,2026-01-01,' DET99
    assert_equal "$(q acme pay 'SELECT group_concat(detachment_id) FROM (SELECT detachment_id FROM rate ORDER BY 1)')" "DET1,DET2"
    rerun_is_noop UNKNOWN_REF 3 rate.csv 'DET99,DAY,GUARD,695.00,2026-01-01,' DET99 -- \
        armms-import -t acme rate rate.csv
}

@test "a backdated assignment overlapping a later version is rejected as OVERLAP" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-01-01,,regular,' 'G1,DET2,DAY,2026-06-01,,regular,' |
        armms-import -q -t acme --format csv assignment
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G2,DET1,NIGHT,2026-01-01,,regular,' \
        'G1,DET1,NIGHT,2026-03-01,2026-07-01,regular,' \
        'G3,DET2,NIGHT,2026-01-01,,regular,' >backdated.csv
    run --separate-stderr armms-import -t acme assignment backdated.csv
    assert_failure 65
    assert_reject OVERLAP 3 backdated.csv 'G1,DET1,NIGHT,2026-03-01,2026-07-01,regular,' 2026-06-01
    assert_equal "$(q acme hr "SELECT group_concat(detachment_id || '/' || shift_id || ':' || valid_from || '..' || ifnull(valid_to, '')) FROM (SELECT * FROM assignment WHERE guard_id='G1' ORDER BY valid_from)")" \
        "DET1/DAY:2026-01-01..2026-05-31,DET2/DAY:2026-06-01.."
    assert_equal "$(q acme hr "SELECT group_concat(guard_id) FROM (SELECT guard_id FROM assignment WHERE guard_id IN ('G2','G3') ORDER BY 1)")" "G2,G3"
    rerun_is_noop OVERLAP 3 backdated.csv 'G1,DET1,NIGHT,2026-03-01,2026-07-01,regular,' 2026-06-01 -- \
        armms-import -t acme assignment backdated.csv
}

@test "a rate whose valid_to is before its valid_from is rejected as BAD_RANGE" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' \
        'DET1,NIGHT,GUARD,695.00,2026-03-01,2026-02-01' \
        'DET2,DAY,GUARD,700.00,2026-01-01,' >rate.csv
    run --separate-stderr armms-import -t acme rate rate.csv
    assert_failure 65
    assert_reject BAD_RANGE 3 rate.csv 'DET1,NIGHT,GUARD,695.00,2026-03-01,2026-02-01' valid_to
    assert_equal "$(q acme pay 'SELECT group_concat(detachment_id || "/" || shift_id) FROM (SELECT * FROM rate ORDER BY 2, 3)')" "DET1/DAY,DET2/DAY"
    rerun_is_noop BAD_RANGE 3 rate.csv 'DET1,NIGHT,GUARD,695.00,2026-03-01,2026-02-01' valid_to -- \
        armms-import -t acme rate rate.csv
}

@test "a pay period whose dates do not match its id is rejected as BAD_RANGE" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'period_id,from,to,pay_date' \
        '2026-12-A,2026-12-01,2026-12-15,2026-12-20' \
        '2026-12-B,2026-12-15,2026-12-31,2027-01-05' \
        '2027-01-A,2027-01-01,2027-01-15,2027-01-20' >period.csv
    run --separate-stderr armms-import -t acme period period.csv
    assert_failure 65
    assert_reject BAD_RANGE 3 period.csv '2026-12-B,2026-12-15,2026-12-31,2027-01-05' 2026-12-16
    assert_equal "$(q acme pay 'SELECT group_concat(period_id) FROM (SELECT period_id FROM period ORDER BY 1)')" "2026-12-A,2027-01-A"
    rerun_is_noop BAD_RANGE 3 period.csv '2026-12-B,2026-12-15,2026-12-31,2027-01-05' 2026-12-16 -- \
        armms-import -t acme period period.csv
}

@test "a new guard reusing another guard's employee number is rejected as CONFLICT" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Ed,GUARD,SUN,ACTIVE' \
        'G5,100001,Go,Lito,GUARD,MON,ACTIVE' \
        'G6,100006,Tan,Rosa,GUARD,TUE,ACTIVE' >guard.csv
    run --separate-stderr armms-import -t acme guard guard.csv
    assert_failure 65
    assert_reject CONFLICT 3 guard.csv 'G5,100001,Go,Lito,GUARD,MON,ACTIVE' employee_no
    assert_equal "$(q acme hr "SELECT group_concat(guard_id) FROM guard WHERE guard_id IN ('G4','G5','G6')")" "G4,G6"
    assert_equal "$(q acme hr "SELECT guard_id FROM guard WHERE employee_no='100001'")" G1
    rerun_is_noop CONFLICT 3 guard.csv 'G5,100001,Go,Lito,GUARD,MON,ACTIVE' employee_no -- \
        armms-import -t acme guard guard.csv
}

@test "a line that is not JSON is rejected as PARSE and the lines after it still land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' '{"detachment_id":"DET3","name":"Glorietta","client":"Ayala Malls"}' \
        '{"detachment_id":"DET4","name":' \
        '{"detachment_id":"DET5","name":"SM North","client":"SM Prime"}' >det.ndjson
    run --separate-stderr armms-import -t acme detachment det.ndjson
    assert_failure 65
    assert_reject PARSE 2 det.ndjson '{"detachment_id":"DET4","name":' ''
    assert_equal "$(q acme hr "SELECT group_concat(detachment_id) FROM (SELECT detachment_id FROM detachment WHERE detachment_id >= 'DET3' ORDER BY 1)")" "DET3,DET5"
    rerun_is_noop PARSE 2 det.ndjson '{"detachment_id":"DET4","name":' '' -- \
        armms-import -t acme detachment det.ndjson
}

@test "a rejected CSV line comes back in the Reject as CSV that reads the same" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'user_id,name,roles,status' '"ops2","Cruz, Nilo","ops,wizard",ACTIVE' >user.csv
    run --separate-stderr armms-import -t acme user user.csv
    assert_failure 65
    # quoted where a field needs it, so it can be fixed and fed back
    assert_reject BAD_FIELD 2 user.csv 'ops2,"Cruz, Nilo","ops,wizard",ACTIVE' wizard
    assert_equal "$(q acme iam "SELECT count(*) FROM user WHERE user_id = 'ops2'")" 0
}

@test "--rejects FILE collects the Reject records there instead of on stderr" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Ed,GUARD,SUN,ACTIVE' 'G5,100005,Go,Lito,CHIEF,MON,ACTIVE' >guard.csv
    run --separate-stderr armms-import -t acme --rejects rejects.ndjson guard guard.csv
    assert_failure 65
    assert_equal "$(rejects)" ""
    assert_equal "$stderr" "armms-import: guard: 2 read, 1 inserted, 0 updated, 0 unchanged, 1 rejected"
    assert_file_exists rejects.ndjson
    assert_equal "$(wc -l <rejects.ndjson)" 1
    assert_equal "$(jq -r '[.kind, .code, .line, .source, .input] | join("|")' rejects.ndjson)" \
        "Reject|UNKNOWN_REF|3|guard.csv|G5,100005,Go,Lito,CHIEF,MON,ACTIVE"
    assert_equal "$(q acme hr "SELECT group_concat(guard_id) FROM guard WHERE guard_id IN ('G4','G5')")" G4
    # the file is appended to, not overwritten
    run --separate-stderr armms-import -q -t acme --rejects rejects.ndjson guard guard.csv
    assert_failure 65
    assert_equal "$stderr" ""
    assert_equal "$(jq -r .code rejects.ndjson | sort | uniq -c | awk '{print $1, $2}')" "2 UNKNOWN_REF"
}

# ---- effective dating ---------------------------------------------------------

@test "a rate from July 16 closes the open rate on July 15 and the journal says so" {
    small_tenant acme
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' | armms-import -q -t acme --format csv rate
    local first
    first=$(q acme pay "SELECT rate_id FROM rate WHERE detachment_id='DET1'")
    run --separate-stderr armms-import -t acme --format csv rate < <(printf '%s\n' \
        'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,720.00,2026-07-16,')
    assert_success
    assert_equal "$stderr" "armms-import: rate: 1 read, 1 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert_equal "$(q acme pay "SELECT group_concat(daily_rate || ':' || valid_from || '..' || ifnull(valid_to, '')) FROM (SELECT * FROM rate WHERE detachment_id='DET1' ORDER BY valid_from)")" \
        "69500:2026-01-01..2026-07-15,72000:2026-07-16.."
    local ev
    ev=$(last_event)
    assert_equal "$(jq -r .event_type <<<"$ev")" RateCardUpdated
    assert_equal "$(jq -r .payload.record.daily_rate <<<"$ev")" 72000
    assert_equal "$(jq -r .payload.record.valid_from <<<"$ev")" 2026-07-16
    assert_equal "$(jq -r .payload.closes.valid_to <<<"$ev")" 2026-07-15
    assert_equal "$(jq -r .payload.closes.rate_id <<<"$ev")" "$first"
}

@test "re-importing a rate file whose old version the importer closed changes nothing" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    # as in samples/rate.csv: the first version's valid_to is left for the importer to close
    printf '%s\n' 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,695.00,2026-01-01,' \
        'DET1,DAY,GUARD,720.00,2026-07-16,' >rate.csv
    run --separate-stderr armms-import -t acme rate rate.csv
    assert_success
    assert_equal "$(q acme pay "SELECT group_concat(valid_from || '..' || ifnull(valid_to, '')) FROM (SELECT * FROM rate ORDER BY valid_from)")" \
        "2026-01-01..2026-07-15,2026-07-16.."
    local before
    before=$(state acme)
    run --separate-stderr armms-import -t acme rate rate.csv
    assert_equal "$(rejects)" ""
    assert_success
    assert_equal "$stderr" "armms-import: rate: 2 read, 0 inserted, 0 updated, 2 unchanged, 0 rejected"
    assert_equal "$(state acme)" "$before"
}

@test "a reliever assignment without the guard it relieves is rejected as MISSING_FIELD" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-01-01,,regular,' \
        'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,' >assign.csv
    run --separate-stderr armms-import -t acme assignment assign.csv
    assert_failure 65
    assert_reject MISSING_FIELD 3 assign.csv 'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,' relieves_guard_id
    assert_equal "$(q acme hr 'SELECT group_concat(guard_id || ":" || kind) FROM assignment')" "G1:regular"
    rerun_is_noop MISSING_FIELD 3 assign.csv 'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,' relieves_guard_id -- \
        armms-import -t acme assignment assign.csv
}

@test "a guard cannot be assigned to relieve himself" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,G3' \
        'G1,DET1,DAY,2026-01-01,,regular,' >assign.csv
    run --separate-stderr armms-import -t acme assignment assign.csv
    assert_failure 65
    assert_reject BAD_FIELD 2 assign.csv 'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,G3' G3
    assert_equal "$(q acme hr 'SELECT group_concat(guard_id || ":" || kind) FROM assignment')" "G1:regular"
    rerun_is_noop BAD_FIELD 2 assign.csv 'G3,DET1,DAY,2026-11-03,2026-11-03,reliever,G3' G3 -- \
        armms-import -t acme assignment assign.csv
}

@test "a reliever covering a guard's post lands and is journaled as RelieverAssigned" {
    small_tenant acme
    printf '%s\n' 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G1,DET1,DAY,2026-01-01,,regular,' | armms-import -q -t acme --format csv assignment
    run --separate-stderr armms-import -t acme --format csv assignment < <(printf '%s\n' \
        'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' \
        'G3,DET1,DAY,2026-11-03,2026-11-04,reliever,G1')
    assert_success
    assert_equal "$(q acme hr "SELECT detachment_id, shift_id, valid_from, valid_to, relieves_guard_id FROM assignment WHERE guard_id='G3' AND kind='reliever'")" \
        "DET1|DAY|2026-11-03|2026-11-04|G1"
    local ev
    ev=$(last_event)
    assert_equal "$(jq -r .event_type <<<"$ev")" RelieverAssigned
    assert_equal "$(jq -r .payload.record.relieves_guard_id <<<"$ev")" G1
    assert_equal "$(jq -r .payload.record.guard_id <<<"$ev")" G3
    # the regular post is journaled as a plan, not as a relief
    assert_equal "$(journal_lines acme | jq -r 'select(.aggregate_type=="assignment") | .event_type' | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd,)" \
        "AssignmentPlanned=1,RelieverAssigned=1"
}

# ---- obligations ---------------------------------------------------------------

@test "a 6,000-peso loan at 500 a period becomes 12 scheduled installments from its start period" {
    small_tenant acme
    run --separate-stderr armms-import -t acme --format csv obligation < <(printf '%s\n' \
        'obligation_id,guard_id,kind,code,label,principal,installment,installments,start_period' \
        'OBL1,G1,loan,CASH_ADVANCE,Cash advance,6000.00,500.00,12,2026-11-A')
    assert_success
    assert_equal "$(q acme pay "SELECT principal, installment, installments FROM obligation WHERE obligation_id='OBL1'")" "600000|50000|12"
    assert_equal "$(q acme pay "SELECT count(*), sum(amount), min(seq), max(seq) FROM obligation_schedule WHERE obligation_id='OBL1'")" "12|600000|1|12"
    assert_equal "$(q acme pay "SELECT period_id FROM obligation_schedule WHERE obligation_id='OBL1' ORDER BY seq" | paste -sd,)" \
        "2026-11-A,2026-11-B,2026-12-A,2026-12-B,2027-01-A,2027-01-B,2027-02-A,2027-02-B,2027-03-A,2027-03-B,2027-04-A,2027-04-B"
    assert_equal "$(q acme pay "SELECT DISTINCT amount || ':' || status FROM obligation_schedule WHERE obligation_id='OBL1'")" "50000:DUE"
    assert_equal "$(last_event | jq -r '[.event_type, .aggregate_id, .payload.record.principal] | join(" ")')" \
        "ObligationUpserted OBL1 600000"
}

@test "a loan whose installments do not repay its principal is rejected as BAD_FIELD" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'obligation_id,guard_id,kind,code,label,principal,installment,installments,start_period' \
        'OBL1,G1,loan,CASH_ADVANCE,Cash advance,6000.00,500.00,10,2026-11-A' \
        'OBL2,G2,loan,CASH_ADVANCE,Cash advance,6000.00,500.00,12,2026-11-A' >obl.csv
    run --separate-stderr armms-import -t acme obligation obl.csv
    assert_failure 65
    assert_reject BAD_FIELD 2 obl.csv 'OBL1,G1,loan,CASH_ADVANCE,Cash advance,6000.00,500.00,10,2026-11-A' installments
    assert_equal "$(q acme pay 'SELECT group_concat(obligation_id) FROM obligation')" OBL2
    assert_equal "$(q acme pay "SELECT count(*) FROM obligation_schedule WHERE obligation_id='OBL1'")" 0
    assert_equal "$(q acme pay "SELECT count(*) FROM obligation_schedule WHERE obligation_id='OBL2'")" 12
    rerun_is_noop BAD_FIELD 2 obl.csv 'OBL1,G1,loan,CASH_ADVANCE,Cash advance,6000.00,500.00,10,2026-11-A' installments -- \
        armms-import -t acme obligation obl.csv
}

# ---- usage and input -------------------------------------------------------------

@test "armms-import --help prints the usage and the exit codes on stdout" {
    run --separate-stderr armms-import --help
    assert_success
    assert_line --index 0 --partial 'usage: armms-import'
    assert_output --partial '--rejects FILE'
    assert_output --partial '  65  some records rejected'
    assert_equal "$stderr" ""
}

@test "armms-import without a tenant is a usage error" {
    run --separate-stderr armms-import position /dev/null
    assert_failure 64
    [[ "$stderr" == *"no tenant"* ]] || fail "$stderr"
    assert_not_exists "$ARMMS_HOME/tenants"
}

@test "an unknown kind is a usage error that lists the kinds" {
    armms-init -q -t acme
    run --separate-stderr armms-import -t acme guards /dev/null
    assert_failure 64
    assert_output ""
    [[ "$stderr" == *"unknown kind 'guards'"* ]]
    local k
    for k in guard detachment position shift assignment rate holiday period obligation user; do
        [[ "$stderr" == *" $k"* ]] || fail "kind $k not listed: $stderr"
    done
    # only what armms-init journaled: its first admin, the shipped rules and leave codes
    assert_equal "$(journal_lines acme | jq -r 'select(.src != "pay") | .event_type' | sort | uniq -c | awk '{print $1, $2}')" \
        "$(printf '%s\n' '6 LeaveCodeUpserted' '1 UserUpserted')"
    assert_equal "$(journal_lines acme | wc -l)" 170
}

@test "a file that does not exist exits 66 and names the file" {
    small_tenant acme
    local before
    before=$(state acme)
    run --separate-stderr armms-import -t acme guard "$BATS_TEST_TMPDIR/nosuch.csv"
    assert_failure 66
    [[ "$stderr" == *"cannot open $BATS_TEST_TMPDIR/nosuch.csv"* ]]
    assert_equal "$(state acme)" "$before"
}

@test "a quoted CSV field with commas in it lands intact" {
    armms-init -q -t acme
    printf '%s\n' 'detachment_id,name,client,region,address' \
        'DET1,"Ayala Tower, Lobby","Ayala Land, Inc.",NCR,"6750 Ayala Avenue, Makati, Metro Manila"' |
        armms-import -q -t acme --format csv detachment
    assert_equal "$(q acme hr "SELECT name || '|' || client || '|' || address FROM detachment WHERE detachment_id='DET1'")" \
        "Ayala Tower, Lobby|Ayala Land, Inc.|6750 Ayala Avenue, Makati, Metro Manila"
    assert_equal "$(last_event | jq -r .payload.record.address)" "6750 Ayala Avenue, Makati, Metro Manila"
}

@test "Filipino names with ñ land intact in the store and the journal" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'detachment_id,name,client,region,address' \
        'DET3,Parañaque Terminal,Peñafrancia Holdings,NCR,"Doña Soledad Ave, Parañaque"' >det.csv
    printf '%s\n' '{"guard_id":"G4","employee_no":"100004","last_name":"Peñafrancia","first_name":"Niño","position_id":"GUARD","rest_days":"SUN","status":"ACTIVE"}' >g.ndjson
    armms-import -q -t acme detachment det.csv
    armms-import -q -t acme guard g.ndjson
    assert_equal "$(q acme hr "SELECT name || '|' || client || '|' || address FROM detachment WHERE detachment_id='DET3'")" \
        "Parañaque Terminal|Peñafrancia Holdings|Doña Soledad Ave, Parañaque"
    assert_equal "$(q acme hr "SELECT last_name || ', ' || first_name FROM guard WHERE guard_id='G4'")" "Peñafrancia, Niño"
    assert_equal "$(journal_lines acme | jq -r 'select(.aggregate_id=="G4") | .payload.record.last_name')" Peñafrancia
    assert_equal "$(journal_lines acme | jq -r 'select(.aggregate_id=="DET3") | .payload.record.name')" "Parañaque Terminal"
}

@test "a CSV line with invalid UTF-8 is rejected as BAD_UTF8 and the others land" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf 'detachment_id,name,client\nDET1,Tower One,Acme\nDET2,Bad\xff\xfeName,Acme\nDET3,Harbor,Acme\n' >det.csv
    run --separate-stderr armms-import -t acme detachment det.csv
    assert_failure 65
    local r
    r=$(rejects)
    assert_equal "$(grep -c . <<<"$r")" 1
    assert_equal "$(jq -r '[.kind, .code, .line, .source] | join("|")' <<<"$r")" "Reject|BAD_UTF8|3|det.csv"
    # the input is quoted back as valid JSON, bad bytes replaced, nothing dropped
    jq -e '.input | startswith("DET2,Bad") and endswith("Name,Acme")' <<<"$r" ||
        fail "input is $(jq .input <<<"$r")"
    assert_equal "$(q acme hr 'SELECT group_concat(detachment_id) FROM (SELECT detachment_id FROM detachment ORDER BY 1)')" "DET1,DET3"
}

@test "an NDJSON line with invalid UTF-8 is rejected as BAD_UTF8 and the others land" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '{"detachment_id":"DET1","name":"Tower One","client":"Acme"}\n{"detachment_id":"DET2","name":"B\xc3\x28d","client":"Acme"}\n{"detachment_id":"DET3","name":"Harbor","client":"Acme"}\n' >det.ndjson
    local before
    run --separate-stderr armms-import -t acme detachment det.ndjson
    assert_failure 65
    local r
    r=$(rejects)
    assert_equal "$(jq -r '[.kind, .code, .line, .source] | join("|")' <<<"$r")" "Reject|BAD_UTF8|2|det.ndjson"
    assert_equal "$(q acme hr 'SELECT group_concat(detachment_id) FROM (SELECT detachment_id FROM detachment ORDER BY 1)')" "DET1,DET3"
    before=$(state acme)
    run --separate-stderr armms-import -t acme detachment det.ndjson
    assert_failure 65
    assert_equal "$(rejects | jq -r .code)" BAD_UTF8
    assert_equal "$(state acme)" "$before"
}

@test "a master-data record of another record version is rejected and the others land" {
    small_tenant acme
    run --separate-stderr armms-import -t acme position <<'EOF2'
{"position_id":"HG","name":"Head Guard","v":1}
{"position_id":"SUP","name":"Supervisor","v":2}
EOF2
    assert_failure 65
    assert_equal "$(jq -r '[.code, .line] | join(" ")' <<<"$stderr" | head -1)" "BAD_FIELD 2"
    assert_equal "$(q acme hr "SELECT group_concat(position_id) FROM position WHERE position_id IN ('HG','SUP')")" HG
}

@test "generating a year's periods again keeps the pay dates and closures the tenant set" {
    armms-init -q -t acme
    armms-import -q -t acme period --generate 2026
    printf '%s\n' '{"period_id":"2026-01-A","from":"2026-01-01","to":"2026-01-15","pay_date":"2026-01-19","status":"CLOSED"}' |
        armms-import -q -t acme period
    run --separate-stderr armms-import -t acme period --generate 2026
    assert_success
    assert_equal "$stderr" "armms-import: period: 24 read, 0 inserted, 0 updated, 24 unchanged, 0 rejected"
    assert_equal "$(q acme pay "SELECT pay_date || ' ' || status FROM period WHERE period_id='2026-01-A'")" "2026-01-19 CLOSED"
    assert_equal "$(q acme pay 'SELECT count(*) FROM period')" 24
}

@test "usage errors name the tool, not the path it was run by" {
    run --separate-stderr "$ARMMS_ROOT/bin/armms-import" --bogus
    assert_failure 64
    [[ "$stderr" == "armms-import: "* ]] || fail "$stderr"
}

@test "a CSV row with more or fewer fields than the header is rejected and the others land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'position_id,name' 'HG,Head Guard' 'SUP,Supervisor,extra' 'OIC' 'INS,Inspector' >pos.csv
    run --separate-stderr armms-import -t acme position pos.csv
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv' | paste -sd' ')" "$(printf 'BAD_FIELD\t3 BAD_FIELD\t4')"
    assert_equal "$(q acme hr "SELECT group_concat(position_id) FROM (SELECT position_id FROM position WHERE position_id IN ('HG','SUP','OIC','INS') ORDER BY 1)")" HG,INS
}

@test "an NDJSON line that is not an object or is over 1 MiB is rejected and the next one lands" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    {
        echo '["HG","Head Guard"]'
        printf '{"position_id":"X","name":"'; head -c 1100000 /dev/zero | tr '\0' a; echo '"}'
        echo '{"position_id":"INS","name":"Inspector"}'
    } >pos.ndjson
    run --separate-stderr armms-import -t acme position pos.ndjson
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv' | paste -sd' ')" "$(printf 'NOT_OBJECT\t1 TOO_LONG\t2')"
    assert_equal "$(q acme hr "SELECT count(*) FROM position WHERE position_id IN ('X','INS')")" 1
    assert_equal "$(q acme hr "SELECT name FROM position WHERE position_id='INS'")" Inspector
}

@test "the last active admin can neither be disabled nor stripped of the admin role's scopes" {
    armms-init -q -t acme
    run --separate-stderr armms-import -t acme --format csv user <<<"$(printf '%s\n' \
        'user_id,name,roles,status' 'tester,Tess Ramos,admin,DISABLED' 'bob,Bob Cruz,ops,ACTIVE')"
    assert_failure 65
    assert_reject CONFLICT 2 '<stdin>' 'tester,Tess Ramos,admin,DISABLED' 'without an active admin'
    run --separate-stderr armms-import -t acme --format csv role <<<"$(printf '%s\n' \
        'role_id,name,scopes' 'admin,Administrator,journal.read')"
    assert_failure 65
    assert_reject CONFLICT 2 '<stdin>' 'admin,Administrator,journal.read' 'without an active admin'
    assert_equal "$(q acme iam "SELECT user_id || ':' || status FROM user ORDER BY 1")" \
        "$(printf 'bob:ACTIVE\ntester:ACTIVE')"
    assert_equal "$(q acme iam "SELECT scopes FROM role WHERE role_id = 'admin'")" '*'
    # with a second admin, the first may go
    printf '%s\n' 'user_id,name,roles' 'ana,Ana Reyes,admin' | armms-import -q -t acme --format csv user
    printf '%s\n' 'user_id,name,roles,status' 'tester,Tess Ramos,admin,DISABLED' |
        armms-import -q -t acme --as ana --format csv user
    assert_equal "$(q acme iam "SELECT status FROM user WHERE user_id = 'tester'")" DISABLED
}

@test "a user's roles must be roles of the tenant, spelled as they are, and * is no role" {
    armms-init -q -t acme
    run --separate-stderr armms-import -t acme --format csv user <<<"$(printf '%s\n' \
        'user_id,name,roles' 'bob,Bob Cruz,Timekeeper' 'ana,Ana Reyes,"ops,timekeeper"')"
    assert_failure 65
    assert_reject BAD_FIELD 2 '<stdin>' 'bob,Bob Cruz,Timekeeper' "unknown role 'Timekeeper'"
    run --separate-stderr armms-import -t acme --format csv user <<<"$(printf '%s\n' \
        'user_id,name,roles' 'eve,Eve Santos,*')"
    assert_failure 65
    assert_reject BAD_FIELD 2 '<stdin>' 'eve,Eve Santos,*' "unknown role '*'"
    assert_equal "$(q acme iam "SELECT group_concat(role_id) FROM (SELECT role_id FROM user_role WHERE user_id = 'ana' ORDER BY 1)")" \
        ops,timekeeper
    assert_equal "$(q acme iam "SELECT count(*) FROM user WHERE user_id IN ('bob', 'eve')")" 0
}

@test "a role or route naming what the tenant does not have is rejected, the good ones land, a rerun changes nothing" {
    armms-init -q -t acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' 'role_id,name,scopes' 'area_lead,Area lead,"timesheet.read,approval.read"' \
        'wizard,Wizard,"timesheet.read,magic.cast"' >role.csv
    run --separate-stderr armms-import -t acme role role.csv
    assert_failure 65
    assert_reject BAD_FIELD 3 role.csv 'wizard,Wizard,"timesheet.read,magic.cast"' "unknown scope 'magic.cast'"
    assert_equal "$(q acme iam "SELECT group_concat(scope_id) FROM (SELECT scope_id FROM role_scope WHERE role_id = 'area_lead' ORDER BY 1)")" \
        approval.read,timesheet.read
    rerun_is_noop BAD_FIELD 3 role.csv 'wizard,Wizard,"timesheet.read,magic.cast"' "unknown scope 'magic.cast'" -- \
        armms-import -t acme role role.csv

    printf '%s\n' 'action,requester_role,verifier_role,approver_role' \
        'guard.update,hr_officer,,area_lead' 'teleport.update,ops,,hr_manager' \
        'holiday.update,hr_officer,,chief_wizard' >route.csv
    run --separate-stderr armms-import -t acme route route.csv
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.line, .code, .message] | join(" ")')" \
        "$(printf '%s\n' "3 UNKNOWN_REF action 'teleport.update' does not exist" \
            "4 UNKNOWN_REF approver_role 'chief_wizard' does not exist")"
    assert_equal "$(q acme iam "SELECT action || ':' || ifnull(approver_role, '-') FROM route WHERE action IN ('guard.update', 'holiday.update') ORDER BY 1")" \
        "$(printf 'guard.update:area_lead\nholiday.update:-')"
    local before
    before=$(state acme)
    run --separate-stderr armms-import -t acme route route.csv
    assert_failure 65
    assert_equal "$(state acme)" "$before"
}

@test "an unknown kind is 64 before any tenant or user is looked at" {
    local try="Try 'armms-import --help' for more information."
    run --separate-stderr armms-import guards /dev/null
    assert_failure 64
    assert_equal "$(tail -n 1 <<<"$stderr")" "$try"
    [[ "$stderr" == "armms-import: unknown kind 'guards'"* ]] || fail "$stderr"
    run --separate-stderr armms-import -t nosuch guards /dev/null
    assert_failure 64
    [[ "$stderr" == "armms-import: unknown kind 'guards'"* ]] || fail "$stderr"
    assert_not_exists "$ARMMS_HOME/tenants"
    armms-init -q -t acme
    run --separate-stderr armms-import -t acme --as nobody guards /dev/null
    assert_failure 64
    [[ "$stderr" == "armms-import: unknown kind 'guards'"* ]] || fail "$stderr"
    # a known kind does reach the user check
    run --separate-stderr armms-import -t acme --as nobody guard /dev/null
    assert_failure 77
}

@test "--help lists every kind md knows" {
    run --separate-stderr armms-import --help
    assert_success
    local k
    for k in guard detachment position shift assignment rate holiday period obligation user role route; do
        [[ "$output" == *" $k"* ]] || fail "kind $k not in --help"
    done
}

# --- bad CSV costs only itself, and rejects can be fed back --------------

# Guard rows G1..Gn for the tiny tenant: guard_rows FROM TO [POSITION]
guard_rows() {
    local i
    for i in $(seq "$1" "$2"); do
        printf 'G%d,%d,Santos,Juan,%s,SUN,ACTIVE\n' "$i" $((100000 + i)) "${3:-GUARD}"
    done
}

@test "a stray quote in one guard row costs only that row: the 500 guards after it land" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    {
        echo 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status'
        echo 'G0,100000,"Santos,Juan,GUARD,SUN,ACTIVE'
        guard_rows 101 600
    } >guard.csv

    run --separate-stderr armms-import -t acme guard guard.csv
    assert_failure 65
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-import: guard: 501 read, 500 inserted, 0 updated, 0 unchanged, 1 rejected"
    assert_reject PARSE 2 guard.csv 'G0,100000,"Santos,Juan,GUARD,SUN,ACTIVE' 'quoted field'
    assert_equal "$(q acme hr "SELECT count(*) FROM guard WHERE guard_id <> 'G0'")" 503
    assert_equal "$(q acme hr "SELECT count(*) FROM guard WHERE guard_id = 'G0'")" 0
    rerun_is_noop PARSE 2 guard.csv 'G0,100000,"Santos,Juan,GUARD,SUN,ACTIVE' 'quoted field' -- \
        armms-import -t acme guard guard.csv
}

@test "guard rows rejected for a position not yet defined land when the rejects file is fed back" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    {
        echo 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status'
        guard_rows 10 11 SUPV
        guard_rows 12 12
    } >guard.csv
    echo '{"guard_id":"G13","employee_no":"100013","last_name":"Lim","first_name":"Ed","position_id":"SUPV","rest_days":"SUN","status":"ACTIVE"}' >guard.ndjson
    armms-import -q -t acme --rejects r.ndjson guard guard.csv guard.ndjson || true
    assert_equal "$(jq -r '[.code, .line, .format, .import, .header // "-"] | @tsv' r.ndjson)" "$(printf '%s\n' \
        'UNKNOWN_REF	2	csv	guard	guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'UNKNOWN_REF	3	csv	guard	guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'UNKNOWN_REF	1	ndjson	guard	-')"

    # fed to another kind, or too early, they are rejected again as they were
    run --separate-stderr armms-import -t acme --rejects r2.ndjson position r.ndjson
    assert_failure 65
    assert_equal "$(jq -r .message r2.ndjson | sort -u)" "this Reject is not from armms-import position but from armms-import guard"
    run --separate-stderr armms-import -t acme --rejects r3.ndjson guard r.ndjson
    assert_failure 65
    keep='[.code, .source, .line, .input, .format, .header, .import] | tostring'
    assert_equal "$(jq -r "$keep" r3.ndjson)" "$(jq -r "$keep" r.ndjson)"

    printf '%s\n' 'position_id,name' 'SUPV,Supervisor' | armms-import -q -t acme --format csv position
    run --separate-stderr armms-import -t acme guard r3.ndjson
    assert_success
    assert_equal "$(printf '%s\n' "$stderr" | tail -n1)" \
        "armms-import: guard: 3 read, 3 inserted, 0 updated, 0 unchanged, 0 rejected"
    assert_equal "$(q acme hr "SELECT guard_id, position_id FROM guard WHERE guard_id IN ('G10','G11','G13') ORDER BY 1" | paste -sd,)" \
        "G10|SUPV,G11|SUPV,G13|SUPV"
    before=$(state acme)
    run --separate-stderr armms-import -t acme guard r3.ndjson
    assert_success
    assert_equal "$(state acme)" "$before"
}

@test "a master-data id with a NUL or DEL character is rejected, never stored cut short" {
    small_tenant acme
    cd "$BATS_TEST_TMPDIR"
    printf '%s\n' \
        '{"detachment_id":"DET7\u0000x","name":"Seven","client":"Acme Corp"}' \
        '{"detachment_id":"DET8\u007f","name":"Eight","client":"Acme Corp"}' \
        '{"detachment_id":"DET9","name":"Nine\u0000","client":"Acme Corp"}' \
        '{"detachment_id":"DET6","name":"Six","client":"Acme Corp"}' >det.ndjson
    run --separate-stderr armms-import -t acme detachment det.ndjson
    assert_failure 65
    assert_equal "$(rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_FIELD\t%s\n' 1 2 3)"
    assert_equal "$(q acme hr "SELECT group_concat(detachment_id) FROM (SELECT detachment_id FROM detachment ORDER BY 1)")" "DET1,DET2,DET6"
}

@test "an empty or blank CSV file imports nothing and is no error" {
    small_tenant
    local before
    before=$(journal_lines acme | wc -l)
    : >"$BATS_TEST_TMPDIR/empty.csv"
    printf '\n\n' >"$BATS_TEST_TMPDIR/blank.csv"
    run armms-import -t acme guard "$BATS_TEST_TMPDIR/empty.csv"
    assert_success
    assert_output --partial "0 read"
    run armms-import -t acme guard "$BATS_TEST_TMPDIR/blank.csv"
    assert_success
    assert_equal "$(journal_lines acme | wc -l)" "$before"
    assert_equal "$(sqlite3 "$ARMMS_HOME/tenants/acme/hr.db" 'select count(*) from guard')" 3
}

@test "a user's login names one person: a second user with the same login is a CONFLICT, the others land" {
    armms-init -q -t acme
    run --separate-stderr armms-import -t acme --format csv user < <(printf '%s\n' 'user_id,name,roles,login,service' \
        'a1,A One,timekeeper,alice,' 'a2,A Two,timekeeper,alice,' 'a3,A Three,ops,bob,' \
        'cron,Nightly,timekeeper,svc,true' 'pub,Publisher,ops,svc,true')
    assert_failure 65
    assert_equal "$(printf '%s\n' "$stderr" | grep '^{' | jq -r '[.code, .line] | @tsv')" "$(printf 'CONFLICT\t3')"
    # service accounts may share a login
    assert_equal "$(q acme iam "select user_id || ':' || coalesce(login, '') || ':' || service from user where user_id <> 'tester' order by 1")" \
        "$(printf '%s\n' a1:alice:0 a3:bob:0 cron:svc:1 pub:svc:1)"
    run --separate-stderr armms-import -t acme --format csv user < <(printf '%s\n' 'user_id,name,roles,login,service' 'a1,A One,timekeeper,alice,')
    assert_success
    [[ "$stderr" == *"1 unchanged"* ]] || fail "$stderr"
}
