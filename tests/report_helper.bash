# report_helper.bash - the tenant tests/91-report.bats reads (loaded after
# test_helper). Two guards at DET1 (DAY, 06:00-18:00, 800.00 a day) and a
# reliever, 1-15 November 2026, with one exception of each kind:
#   G1 Santos, Juan   rests Sundays; 3 Nov no OUT (MISSING_OUT); 10 Nov no
#                     punch (ABSENT), G3 relieves him that day
#   G2 Reyes, Ana     rests Saturdays; 4 Nov punches at DET2's device
#                     (WRONG_DETACHMENT); 5 Nov in at 06:20 (LATE)
#   G3 Cruz, Ben      reliever of G1 on 10 Nov; a cash advance of 1,000.00
#                     in 4 installments of 250.00 from 2026-11-A, and a
#                     deduction of 100.00 in 2026-11-B labelled like a
#                     formula ("=1+1 Uniform")
# G1 has a bank account (0123456789) and a TIN (123-456-789-000) that no
# report may show.
# Timesheets finalized (with an override), the payrun computed, not
# approved; one rate change awaiting approval.
report_tenant() {
    small_tenant acme
    tk_import acme guard \
        'guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,bank_account,tin,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,BPI,0123456789,123-456-789-000,ACTIVE'
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_import acme user 'user_id,name,roles' 'pay1,Payroll Officer,payroll_officer' \
        'tk1,Timekeeper,timekeeper' 'fin1,Finance Officer,finance_officer' \
        'hrm1,HR Manager,hr_manager' 'ctl1,Controller,controller'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,' \
        'G3,DET1,DAY,2026-11-10,2026-11-10,reliever,G1'
    armms-import -q -t acme period --generate 2026
    tk_import acme obligation \
        'obligation_id,guard_id,kind,code,label,principal,installment,installments,start_period,frequency' \
        'OBL1,G3,loan,CASH_ADVANCE,Cash advance,1000.00,250.00,4,2026-11-A,each' \
        'OBL2,G3,deduction,UNIFORM,=1+1 Uniform,,100.00,1,2026-11-B,each'
    local in="$BATS_FILE_TMPDIR/in" d g
    : >"$in"
    for g in G1 G2; do
        for d in $(seq -f '2026-11-%02g' 1 15); do
            case $g in
            G1) [ "$(date -d "$d" +%a)" = Sun ] || [ "$d" = 2026-11-10 ] && continue ;;
            G2) [ "$(date -d "$d" +%a)" = Sat ] && continue ;;
            esac
            local det=DET1 tin=05:55:00
            [ "$g$d" = G22026-11-04 ] && det=DET2
            [ "$g$d" = G22026-11-05 ] && tin=06:20:00
            tk_punch "$g-$d-in" "$g" "${d}T$tin+08:00" IN $det >>"$in"
            [ "$g$d" = G12026-11-03 ] && continue
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT $det >>"$in"
        done
    done
    tk_punch G3-in G3 2026-11-10T05:55:00+08:00 IN DET1 >>"$in"
    tk_punch G3-out G3 2026-11-10T18:00:00+08:00 OUT DET1 >>"$in"
    BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR tk_chain acme "$in"
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
    export ARMMS_NOW=2026-11-20T00:00:00Z
    armms-payrun -q -t acme --as tester open 2026-11-A
    armms-payrun -q -t acme --as tester compute 2026-11-A >/dev/null
    tk_import acme route 'action,requester_role,verifier_role,approver_role' \
        'rate.update,finance_officer,controller,hr_manager'
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET2,DAY,GUARD,810.00,2026-12-01,' >/dev/null 2>&1 || true
}
