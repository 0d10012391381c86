# out_helper.bash - the closed payrun the output tools' tests read
# (tests/86-bank.bats, tests/86-register.bats); loaded after test_helper.

# One closed payrun, 2026-11-A, of seven guards at DET1 (DAY, 800.00 a day):
#   G1 Santos Juan      BPI  0123456789      12 days
#   G2 Reyes Ana        BPI  9876-543-210    13 days (the dashes are stripped)
#   G3 Cruz Ben         no bank at all        2 days
#   G4 =cmd|' /C calc'!A0, Mal  BDO 123456789012  2 days (a formula for a name)
#   G5 Dela Cruz Maria  BPI  12345 (too short)  2 days
#   G6 Lim Rosa         BPI  1111111111       1 day, a uniform deduction
#                       taking all of her 1,100.00: net 0
#   G7 Peñaranda Carlo  MBTC 1234567890123    2 days
bank_tenant() {
    small_tenant acme
    tk_import acme guard \
        'guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,bank_account,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,BPI,0123456789,ACTIVE' \
        'G2,100002,Reyes,Ana,GUARD,SAT,BPI,9876-543-210,ACTIVE' \
        'G3,100003,Cruz,Ben,GUARD,MON,,,ACTIVE' \
        "G4,100004,=cmd|' /C calc'!A0,Mal,GUARD,MON,BDO,123456789012,ACTIVE" \
        'G5,100005,Dela Cruz,Maria,GUARD,MON,BPI,12345,ACTIVE' \
        'G6,100006,Lim,Rosa,GUARD,MON,BPI,1111111111,ACTIVE' \
        'G7,100007,Peñaranda,Carlo,GUARD,MON,MBTC,1234567890123,ACTIVE'
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'tk1,Timekeeper,timekeeper'
    local g d
    for g in G1 G2 G3 G4 G5 G6 G7; do
        tk_assign acme "$g,DET1,DAY,2026-10-16,,regular,"
    done
    armms-import -q -t acme period --generate 2026
    tk_import acme obligation \
        'obligation_id,guard_id,kind,code,label,installment,installments,start_period,frequency' \
        'OBL1,G6,deduction,UNIFORM,Uniform,1100.00,1,2026-11-A,each'
    local in="$BATS_FILE_TMPDIR/in"
    for g in G1 G2 G3 G4 G5 G6 G7; do
        for d in $(seq -f '2026-11-%02g' 1 15); do
            case $g in
            G1) [ "$(date -d "$d" +%a)" = Sun ] && continue ;;
            G2) [ "$(date -d "$d" +%a)" = Sat ] && continue ;;
            G6) [ "$d" = 2026-11-03 ] || continue ;;
            *) [ "$d" = 2026-11-03 ] || [ "$d" = 2026-11-04 ] || continue ;;
            esac
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN DET1 >>"$in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT DET1 >>"$in"
        done
    done
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR tk_chain acme "$in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-payrun -q -t acme --as tester open 2026-11-A
    armms-payrun -q -t acme --as tester compute 2026-11-A >/dev/null
    armms-payrun -q -t acme --as tester approve 2026-11-A
    armms-payrun -q -t acme --as tester close 2026-11-A >/dev/null
}

setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/base" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    unset ARMMS_TENANT
    mkdir -p "$ARMMS_HOME"
    bank_tenant
}

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home" ARMMS_USER=pay1 ARMMS_TENANT=acme
    export ARMMS_NOW=2026-11-25T00:00:00Z
    cp -a "$BATS_FILE_TMPDIR/base" "$ARMMS_HOME"
    cd "$BATS_TEST_TMPDIR"
}

BPI_SET=(--set company_code=123 --set company_account=5550001112 --set branch_code=55 --set batch_no=1)

# The guards and reasons a run listed on stdout.
reasons() { jq -r '[.guard_id, .reason] | @tsv' <<<"$1" | paste -sd' '; }

