load test_helper
bats_require_minimum_version 1.5.0

# armms-dtr: one daily time record per guard x shift instance (dated by its
# start) x detachment, from the counted IN and OUT; minutes bucketed into
# regular (first 8 hours), ot, nd (22:00-06:00 regular) and nd_ot, each
# minute by the day type of the calendar date it falls on.
#
# Roster (small_tenant): DAY 06:00-18:00 and NIGHT 18:00-06:00, no break;
# rest days G1 SUN, G2 SAT, G3 MON. Policy defaults: grace 5 min, no credit
# before the shift start or after its end. October 2026: the 18th is a
# Sunday, the 20th a Tuesday, the 31st a Saturday.

# G1 on DAY and G3 on NIGHT at DET1, from 16 October 2026.
roster() {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
}

# Punch pairs into the chain: day GUARD DATE IN_TIME [OUT_TIME] (local times).
# OUT times earlier than the IN belong to the next date.
day() {
    local g=$1 d=$2 tin=$3 tout=${4:-} dout=$2
    tk_punch "$g-$d-in" "$g" "${d}T${tin}+08:00" IN DET1 >>"$BATS_TEST_TMPDIR/in"
    if [ -n "$tout" ]; then
        [[ "$tout" < "$tin" ]] && dout=$(date -d "$d + 1 day" +%F)
        tk_punch "$g-$d-out" "$g" "${dout}T${tout}+08:00" OUT DET1 >>"$BATS_TEST_TMPDIR/in"
    fi
}

# The DTR of GUARD on DATE from the chain's output.
dtr() { jq -c --arg g "$1" --arg d "$2" 'select(.guard_id == $g and .date == $d)' "$BATS_TEST_TMPDIR/dtr.ndjson"; }
# worked regular ot nd nd_ot late undertime
mins() { jq -r '.minutes | [.worked, .regular, .ot, .nd, .nd_ot, .late, .undertime] | join(" ")'; }
stored() { q acme tk "select status, day_type, worked, regular, ot, nd, nd_ot, late, undertime, buckets
    from dtr where guard_id = '$1' and date = '$2'"; }

# --- the working day ----------------------------------------------------

@test "a day guard on time earns 8 regular hours and 4 overtime hours" {
    roster
    day G1 2026-10-20 05:52:13 18:02:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-20
    assert_equal "$(jq -r '[.kind, .v, .shift_id, .detachment_id, .time_in, .time_out, .day_type, .status, (.anomalies | length)] | @tsv' <<<"$output")" \
        "$(printf 'DTR\t1\tDAY\tDET1\t2026-10-20T05:52:13+08:00\t2026-10-20T18:02:00+08:00\tordinary\tCOMPLETE\t0')"
    # counted 06:00-18:00 (nothing before the start or after the end): 720 = 480 + 240
    assert_equal "$(mins <<<"$output")" "720 480 240 0 0 0 0"
    assert_equal "$(jq -c .by_day_type <<<"$output")" '{"ordinary":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}'
    assert_equal "$(stored G1 2026-10-20)" "COMPLETE|ordinary|720|480|240|0|0|0|0|ordinary:480,240,0,0"
}

@test "a day guard 4 minutes late is inside the 5-minute grace and is paid from 06:00" {
    roster
    day G1 2026-10-20 06:04:00 18:00:00
    day G1 2026-10-21 06:05:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 4 and 5 minutes late are within grace: late 0, credited 06:00-18:00 = 720 = 480 + 240
    assert_equal "$(dtr G1 2026-10-20 | mins)" "720 480 240 0 0 0 0"
    assert_equal "$(dtr G1 2026-10-21 | mins)" "720 480 240 0 0 0 0"
}

@test "a day guard 20 minutes late is docked 20 minutes" {
    roster
    day G1 2026-10-20 06:20:00 18:00:00
    day G1 2026-10-21 06:06:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 06:20-18:00 = 700 worked; the first 480 (06:20-14:20) regular, 220 ot; late 20
    assert_equal "$(dtr G1 2026-10-20 | mins)" "700 480 220 0 0 20 0"
    # one minute past grace is late from 06:00: late 6, worked 714 = 480 + 234
    assert_equal "$(dtr G1 2026-10-21 | mins)" "714 480 234 0 0 6 0"
    assert_equal "$(stored G1 2026-10-20)" "COMPLETE|ordinary|700|480|220|0|0|20|0|ordinary:480,220,0,0"
}

@test "the grace period comes from the tenant's tenant.conf" {
    roster
    tk_policy acme grace_min=0
    day G1 2026-10-20 06:04:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # no grace: late 4; worked 06:04-18:00 = 716 = 480 + 236
    assert_equal "$(dtr G1 2026-10-20 | mins)" "716 480 236 0 0 4 0"
}

@test "a guard who leaves early carries undertime" {
    roster
    day G1 2026-10-20 05:58:00 16:30:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 06:00-16:30 = 630 worked = 480 + 150 ot; undertime 18:00 - 16:30 = 90
    assert_equal "$(dtr G1 2026-10-20 | mins)" "630 480 150 0 0 0 90"
}

@test "minutes before the start and after the end count only when tenant.conf credits them" {
    roster
    tk_policy acme credit_early=1 credit_after_end=1
    day G1 2026-10-20 05:30:00 19:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 05:30-19:00 = 810 worked: 05:30-13:30 regular 480, 13:30-19:00 ot 330;
    # 05:30-06:00 lies in the night window: nd 30 (regular minutes)
    assert_equal "$(dtr G1 2026-10-20 | mins)" "810 480 330 30 0 0 0"
}

@test "a shift's unpaid break is taken at the middle of the shift" {
    small_tenant acme
    tk_import acme shift 'shift_id,start,end,break_min' 'OFFICE,08:00,17:00,60'
    tk_assign acme 'G1,DET1,OFFICE,2026-10-16,,regular,'
    tk_punch A G1 2026-10-20T07:55:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/in"
    tk_punch B G1 2026-10-20T17:00:00+08:00 OUT DET1 >>"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 08:00-17:00 = 540 less the 60-min break (12:00-13:00) = 480, all regular
    assert_equal "$(dtr G1 2026-10-20 | mins)" "480 480 0 0 0 0 0"
}

@test "a night shift across midnight earns 8 hours of night differential, 4 of them on overtime" {
    roster
    day G3 2026-10-20 17:55:00 06:01:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G3 2026-10-20
    # dated by its start, the 20th, though it ends on the 21st
    assert_equal "$(jq -r '[.shift_id, .time_in, .time_out, .day_type, .status] | @tsv' <<<"$output")" \
        "$(printf 'NIGHT\t2026-10-20T17:55:00+08:00\t2026-10-21T06:01:00+08:00\tordinary\tCOMPLETE')"
    # 18:00-06:00 = 720; regular 18:00-02:00 = 480; ot 02:00-06:00 = 240;
    # night differential 22:00-06:00 = 480 = nd 240 (22:00-02:00) + nd_ot 240 (02:00-06:00)
    assert_equal "$(mins <<<"$output")" "720 480 240 240 240 0 0"
    assert_equal "$(jq -c .by_day_type <<<"$output")" '{"ordinary":{"regular":480,"ot":240,"nd":240,"nd_ot":240}}'
    assert_equal "$(stored G3 2026-10-20)" "COMPLETE|ordinary|720|480|240|240|240|0|0|ordinary:480,240,240,240"
}

@test "a night guard who leaves at 01:00 has 3 hours of night differential and 5 hours of undertime" {
    roster
    day G3 2026-10-20 17:55:00 01:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # 18:00-01:00 = 420 worked, all regular; nd 22:00-01:00 = 180; undertime 01:00-06:00 = 300
    assert_equal "$(dtr G3 2026-10-20 | mins)" "420 420 0 180 0 0 300"
    assert_equal "$(stored G3 2026-10-20)" "COMPLETE|ordinary|420|420|0|180|0|0|300|ordinary:420,0,180,0"
}

# --- day types -----------------------------------------------------------

@test "the Christmas Eve night shift earns special-day minutes until midnight and regular-holiday minutes after it" {
    small_tenant acme
    tk_holiday acme '2025-12-24,Christmas Eve,special' '2025-12-25,Christmas Day,regular'
    tk_assign acme 'G3,DET1,NIGHT,2025-12-01,,regular,'
    day G3 2025-12-24 17:58:00 06:02:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G3 2025-12-24
    # the DTR's own day type is its date's: 24 Dec, special
    assert_equal "$(jq -r '[.day_type, .status] | @tsv' <<<"$output")" "$(printf 'special\tCOMPLETE')"
    # totals as any night: 720 worked, 480 regular, 240 ot, nd 240, nd_ot 240
    assert_equal "$(mins <<<"$output")" "720 480 240 240 240 0 0"
    # 24 Dec 18:00-24:00 = 360 regular, of which 22:00-24:00 = 120 nd;
    # 25 Dec 00:00-02:00 = the last 120 regular minutes (all nd),
    #        02:00-06:00 = 240 ot (all nd_ot)
    assert_equal "$(jq -c .by_day_type <<<"$output")" \
        '{"special":{"regular":360,"ot":0,"nd":120,"nd_ot":0},"regular_holiday":{"regular":120,"ot":240,"nd":120,"nd_ot":240}}'
    assert_equal "$(stored G3 2025-12-24)" \
        "COMPLETE|special|720|480|240|240|240|0|0|special:360,0,120,0 regular_holiday:120,240,120,240"
    # and the half-month's timesheet carries the split
    assert_equal "$(jq -c '[.period.id, .minutes.special, .minutes.regular_holiday, .minutes.ordinary]' "$BATS_TEST_TMPDIR/ts.ndjson")" \
        '["2025-12-B",{"regular":360,"ot":0,"nd":120,"nd_ot":0},{"regular":120,"ot":240,"nd":120,"nd_ot":240},{"regular":0,"ot":0,"nd":0,"nd_ot":0}]'
}

@test "a day worked on the guard's rest day is a rest day" {
    roster
    # G1 rests on Sundays; 18 October 2026 is a Sunday
    day G1 2026-10-18 05:57:00 18:03:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-18
    assert_equal "$(jq -r '[.day_type, .status] | @tsv' <<<"$output")" "$(printf 'rest\tCOMPLETE')"
    # 06:00-18:00: 480 regular + 240 ot, all at the rest-day rate
    assert_equal "$(jq -c .by_day_type <<<"$output")" '{"rest":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}'
    assert_equal "$(stored G1 2026-10-18)" "COMPLETE|rest|720|480|240|0|0|0|0|rest:480,240,0,0"
}

@test "a night shift into the guard's rest day earns rest-day minutes after midnight" {
    small_tenant acme
    tk_assign acme 'G1,DET1,NIGHT,2026-10-16,,regular,'
    # Saturday 17 Oct 18:00 to Sunday 18 Oct 06:00; G1 rests on Sundays
    day G1 2026-10-17 17:50:00 06:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-17
    assert_equal "$(jq -r .day_type <<<"$output")" ordinary
    # Sat 18:00-24:00: 360 regular, nd 120 (22-24); Sun 00:00-02:00: 120 regular (nd),
    # Sun 02:00-06:00: 240 ot (nd_ot)
    assert_equal "$(jq -c .by_day_type <<<"$output")" \
        '{"ordinary":{"regular":360,"ot":0,"nd":120,"nd_ot":0},"rest":{"regular":120,"ot":240,"nd":120,"nd_ot":240}}'
}

@test "a regular holiday on the guard's rest day is regular_holiday_rest" {
    small_tenant acme
    # National Heroes Day, Monday 31 August 2026; G3 rests on Mondays
    tk_holiday acme '2026-08-31,National Heroes Day,regular'
    tk_assign acme 'G3,DET1,DAY,2026-08-16,,regular,'
    day G3 2026-08-31 05:55:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G3 2026-08-31
    assert_equal "$(jq -r '[.day_type, .status] | @tsv' <<<"$output")" "$(printf 'regular_holiday_rest\tCOMPLETE')"
    # 06:00-18:00: 480 regular + 240 ot, all on the holiday-on-rest-day
    assert_equal "$(jq -c .by_day_type <<<"$output")" '{"regular_holiday_rest":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}'
    assert_equal "$(jq -c '.minutes.regular_holiday_rest' "$BATS_TEST_TMPDIR/ts.ndjson")" '{"regular":480,"ot":240,"nd":0,"nd_ot":0}'
}

@test "a special non-working day worked is a special day" {
    small_tenant acme
    # Ninoy Aquino Day, Friday 21 August 2026
    tk_holiday acme '2026-08-21,Ninoy Aquino Day,special'
    tk_assign acme 'G1,DET1,DAY,2026-08-16,,regular,'
    day G1 2026-08-21 05:59:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-08-21
    assert_equal "$(jq -r .day_type <<<"$output")" special
    assert_equal "$(jq -c .by_day_type <<<"$output")" '{"special":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}'
    assert_equal "$(stored G1 2026-08-21)" "COMPLETE|special|720|480|240|0|0|0|0|special:480,240,0,0"
}

@test "a special working day is paid as an ordinary day" {
    small_tenant acme
    # EDSA anniversary, Wednesday 25 February 2026: a special working day
    tk_holiday acme '2026-02-25,EDSA People Power Anniversary,special_working'
    tk_assign acme 'G1,DET1,DAY,2026-02-16,,regular,'
    day G1 2026-02-25 05:59:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(dtr G1 2026-02-25 | jq -c '[.day_type, .by_day_type]')" \
        '["ordinary",{"ordinary":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}]'
}

@test "a city's local special day applies only to the detachments in that city" {
    small_tenant acme
    tk_import acme detachment 'detachment_id,name,client,region' 'DET2,Harbor Mall,Harbor Inc,CEBU'
    tk_import acme holiday 'date,name,kind,region' '2026-10-20,Cebu City Charter Day,special,CEBU'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET2,DAY,2026-10-16,,regular,'
    day G1 2026-10-20 05:55:00 18:00:00
    tk_punch G2-in G2 2026-10-20T05:55:00+08:00 IN DET2 >>"$BATS_TEST_TMPDIR/in"
    tk_punch G2-out G2 2026-10-20T18:00:00+08:00 OUT DET2 >>"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(dtr G1 2026-10-20 | jq -c '[.detachment_id, .day_type, .by_day_type]')" \
        '["DET1","ordinary",{"ordinary":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}]'
    assert_equal "$(dtr G2 2026-10-20 | jq -c '[.detachment_id, .day_type, .by_day_type]')" \
        '["DET2","special",{"special":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}]'
}

# --- calendar edges ------------------------------------------------------

@test "the night shift of 31 October is dated 31 October though it ends on 1 November" {
    small_tenant acme
    tk_assign acme 'G3,DET1,NIGHT,2026-10-16,2026-10-31,regular,'
    day G3 2026-10-31 17:55:00 06:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(jq -r '[.date, .time_in, .time_out] | @tsv' "$BATS_TEST_TMPDIR/dtr.ndjson")" \
        "$(printf '2026-10-31\t2026-10-31T17:55:00+08:00\t2026-11-01T06:00:00+08:00')"
    assert_equal "$(dtr G3 2026-10-31 | mins)" "720 480 240 240 240 0 0"
    assert_equal "$(q acme tk 'select date from dtr')" 2026-10-31
    # the first half of November holds no DTR of G3 (the assignment ended on the 31st)
    run --separate-stderr armms-dtr -t acme --period 2026-11-A
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$(q acme tk "select count(*) from dtr where date >= '2026-11-01'")" 0
}

@test "the leap-day nights of February 2024 are dated the 28th and the 29th" {
    small_tenant acme
    tk_assign acme 'G3,DET1,NIGHT,2024-02-26,2024-02-29,regular,'
    # Wednesday 28 Feb into Thursday 29 Feb; Thursday 29 Feb into Friday 1 March
    day G3 2024-02-28 17:58:00 06:00:00
    day G3 2024-02-29 17:58:00 06:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    assert_equal "$(dtr G3 2024-02-28 | jq -r .time_out)" 2024-02-29T06:00:00+08:00
    assert_equal "$(dtr G3 2024-02-29 | jq -r .time_out)" 2024-03-01T06:00:00+08:00
    assert_equal "$(dtr G3 2024-02-28 | mins)" "720 480 240 240 240 0 0"
    assert_equal "$(dtr G3 2024-02-29 | mins)" "720 480 240 240 240 0 0"
    # both nights in the second half of February 2024, which ends on the 29th
    assert_equal "$(jq -c '[.timesheet_id, .period, .days_worked, .totals.worked]' "$BATS_TEST_TMPDIR/ts.ndjson")" \
        '["2024-02-B/G3/DET1/NIGHT",{"id":"2024-02-B","from":"2024-02-16","to":"2024-02-29"},2,1440]'
    assert_equal "$(q acme tk "select date from dtr order by date" | paste -sd,)" "2024-02-28,2024-02-29"
}

# --- incomplete days -----------------------------------------------------

@test "a guard who forgot to punch out has an INCOMPLETE DTR with MISSING_OUT and no worked minutes" {
    roster
    day G1 2026-10-20 06:20:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-20
    assert_equal "$(jq -c '[.status, .anomalies, .time_in, .time_out, .by_day_type]' <<<"$output")" \
        '["INCOMPLETE",["MISSING_OUT"],"2026-10-20T06:20:00+08:00",null,{}]'
    # nothing is guessed: no worked minutes; the lateness (20) is kept
    assert_equal "$(mins <<<"$output")" "0 0 0 0 0 20 0"
    assert_equal "$(q acme tk "select status, anomalies, worked, late from dtr")" "INCOMPLETE|MISSING_OUT|0|20"
}

@test "an OUT with no IN gives an INCOMPLETE DTR with MISSING_IN" {
    roster
    tk_punch O G1 2026-10-20T18:01:00+08:00 OUT DET1 >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-20
    assert_equal "$(jq -c '[.status, .anomalies, .time_in, .time_out]' <<<"$output")" \
        '["INCOMPLETE",["MISSING_IN"],null,"2026-10-20T18:01:00+08:00"]'
    assert_equal "$(mins <<<"$output")" "0 0 0 0 0 0 0"
    assert_equal "$(q acme tk "select status, anomalies, worked from dtr")" "INCOMPLETE|MISSING_IN|0"
}

@test "double taps: the DTR takes the first IN and the last OUT" {
    roster
    {
        tk_punch I1 G1 2026-10-20T06:20:00+08:00 IN DET1
        tk_punch I2 G1 2026-10-20T06:20:04+08:00 IN DET1
        tk_punch O1 G1 2026-10-20T17:00:00+08:00 OUT DET1
        tk_punch O2 G1 2026-10-20T17:30:00+08:00 OUT DET1
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G1 2026-10-20
    assert_equal "$(jq -r '[.status, .time_in, .time_out] | @tsv' <<<"$output")" \
        "$(printf 'COMPLETE\t2026-10-20T06:20:00+08:00\t2026-10-20T17:30:00+08:00')"
    # 06:20-17:30 = 670 worked = 480 regular + 190 ot; late 20; undertime 18:00 - 17:30 = 30
    assert_equal "$(mins <<<"$output")" "670 480 190 0 0 20 30"
    assert_equal "$(q acme tk 'select count(*) from dtr')" 1
}

# --- relievers and absences ----------------------------------------------

@test "a reliever covering an absent guard gets the DTR and the absent guard is ABSENT, relieved by the reliever" {
    small_tenant acme
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    tk_assign acme 'G2,DET1,DAY,2026-10-20,2026-10-20,reliever,G1'
    day G2 2026-10-20 05:55:00 18:02:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    run dtr G2 2026-10-20
    assert_equal "$(jq -r '[.detachment_id, .shift_id, .status, .relieves_guard_id] | @tsv' <<<"$output")" \
        "$(printf 'DET1\tDAY\tCOMPLETE\tG1')"
    assert_equal "$(mins <<<"$output")" "720 480 240 0 0 0 0"

    # the day's DTRs from the store: G1 scheduled and unpunched
    run --separate-stderr armms-dtr -t acme --from 2026-10-20 --to 2026-10-20
    assert_equal "$status" 0
    assert_equal "$(jq -c 'select(.guard_id == "G1") | [.date, .status, .time_in, .time_out, .relieved_by, .minutes.worked]' <<<"$output")" \
        '["2026-10-20","ABSENT",null,null,"G2",0]'
    assert_equal "$(jq -c 'select(.guard_id == "G2") | [.status, .relieves_guard_id]' <<<"$output")" '["COMPLETE","G1"]'
    assert_equal "$(q acme tk "select guard_id, status, coalesce(relieves_guard_id, '-'), coalesce(relieved_by, '-') from dtr order by guard_id")" \
        "$(printf 'G1|ABSENT|-|G2\nG2|COMPLETE|G1|-')"

    # the half-month of G1: every scheduled day but the rest days is ABSENT;
    # 16-31 Oct is 16 days less two Sundays (18th, 25th) = 14, and only the 20th is relieved
    run --separate-stderr armms-dtr -t acme --period 2026-10-B --guard G1
    assert_equal "$status" 0
    assert_equal "$(jq -r 'select(.status == "ABSENT") | .date' <<<"$output" | wc -l)" 14
    assert_equal "$(jq -r 'select(.relieved_by) | .date' <<<"$output")" 2026-10-20
    assert_equal "$(q acme tk "select count(*) from dtr where guard_id = 'G1' and status = 'ABSENT'")" 14
}

@test "a select-mode DTR run in a pipe waits for its upstream and writes each DTR once" {
    roster
    day G3 2026-10-20 17:55:00 06:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" >/dev/null

    # an upstream that takes its time before it ends
    run --separate-stderr bash -c 'set -o pipefail
        { armms-timelog -q -t acme --period 2026-10-B; sleep 0.5; } | armms-dtr -q -t acme --period 2026-10-B'
    assert_equal "$status" 0
    # G1: 16 days less Sundays 18 and 25 = 14; G3: 16 less Mondays 19 and 26 = 14
    assert_equal "${#lines[@]}" 28
    assert_equal "$(jq -r '[.guard_id, .date, .shift_id, .detachment_id] | join("/")' <<<"$output" | sort | uniq -d)" ""
    assert_equal "$(jq -c 'select(.guard_id == "G3" and .date == "2026-10-20") | [.status, .minutes.worked]' <<<"$output")" \
        '["COMPLETE",720]'
}

@test "a scheduled day with punches only at another detachment is ABSENT" {
    roster
    {
        tk_punch A G1 2026-10-20T05:55:00+08:00 IN DET2
        tk_punch B G1 2026-10-20T18:00:00+08:00 OUT DET2
    } >"$BATS_TEST_TMPDIR/in"
    tk_chain acme "$BATS_TEST_TMPDIR/in"

    # both punches are INVALID (WRONG_DETACHMENT): no worked minutes
    assert_equal "$(dtr G1 2026-10-20 | jq -c '[.status, .detachment_id, .time_in, .time_out, .minutes.worked]')" \
        '["ABSENT","DET1",null,null,0]'
}

@test "voiding the punches of an unscheduled day removes its DTR" {
    roster
    # G1 worked on Sunday (rest day, not scheduled), then both punches were voided
    day G1 2026-10-18 05:57:00 18:03:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    assert_equal "$(q acme tk 'select count(*) from dtr')" 1
    local id
    for id in $(jq -r .time_log_id "$BATS_TEST_TMPDIR/tl.ndjson"); do
        armms-timelog adjust void "$id" -t acme --reason "punched on a day off by mistake"
    done >"$BATS_TEST_TMPDIR/adj.ndjson"

    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/adj.ndjson"
    assert_equal "$status" 0
    # written once as REMOVED ...
    assert_equal "$(jq -c '[.date, .status, .shift_id, .detachment_id]' <<<"$output")" \
        '["2026-10-18","REMOVED","DAY","DET1"]'
    assert_equal "$(q acme tk 'select count(*) from dtr')" 0
    # ... so the timesheet stage drops the draft it fed
    run --separate-stderr armms-timesheet -t acme <<<"$output"
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.timesheet_id, .status] | @tsv' <<<"$output")" \
        "$(printf '2026-10-B/G1/DET1/DAY\tREMOVED')"
    assert_equal "$(q acme tk 'select count(*) from timesheet')" 0
}

# --- bad input and reruns ------------------------------------------------

@test "ClockEvents fed to armms-dtr are rejected as BAD_KIND" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before
    before=$(tk_dump acme)

    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/ce.ndjson"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv')" "$(printf 'BAD_KIND\t1\nBAD_KIND\t2')"
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a time log of an unknown guard, without a work date, or malformed is rejected while good ones land" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/in" | armms-timelog -q -t acme >"$BATS_TEST_TMPDIR/tl.ndjson"
    {
        head -n1 "$BATS_TEST_TMPDIR/tl.ndjson" | jq -c '.guard_id = "G9"'
        head -n1 "$BATS_TEST_TMPDIR/tl.ndjson" | jq -c 'del(.work_date)'
        echo '{"kind":"TimeLog"'
        cat "$BATS_TEST_TMPDIR/tl.ndjson"
    } >"$BATS_TEST_TMPDIR/mixed"

    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/mixed"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv' | head -n2)" "$(printf 'UNKNOWN_GUARD\t1\nMISSING_FIELD\t2')"
    assert_equal "$(tk_rejects | jq -r .line | paste -sd,)" "1,2,3"
    assert_equal "$(jq -c '[.guard_id, .status, .minutes.worked]' <<<"$output")" '["G1","COMPLETE",720]'
    assert_equal "$(q acme tk 'select guard_id, status, worked from dtr')" "G1|COMPLETE|720"
}

@test "--guard without a period or dates is a usage error" {
    roster
    run --separate-stderr armms-dtr -t acme --guard G1
    assert_equal "$status" 64
    assert_equal "$output" ""
    assert_regex "$stderr" '^armms-dtr: --guard needs'
    run --separate-stderr armms-dtr -t acme --from 2026-10-20
    assert_equal "$status" 64
    assert_equal "$(q acme tk 'select count(*) from dtr')" 0
}

@test "the same time logs run again change no DTR" {
    roster
    day G1 2026-10-20 06:20:00 17:30:00
    day G3 2026-10-20 17:55:00 06:01:00
    day G1 2026-10-21 06:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before journal first
    before=$(tk_dump acme)
    journal=$(journal_lines acme | sha256sum)
    first=$(cat "$BATS_TEST_TMPDIR/dtr.ndjson")

    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/tl.ndjson"
    assert_equal "$status" 0
    assert_equal "$output" "$first"
    assert_equal "$stderr" "armms-dtr: 5 read, 0 rejected, 3 DTRs recomputed, 0 changed"
    assert_equal "$(tk_dump acme)" "$before"
    assert_equal "$(journal_lines acme | sha256sum)" "$journal"
}

@test "a select run for a guard the tenant does not have exits 65 naming the guard and changes nothing" {
    roster
    day G1 2026-10-20 05:55:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local before
    before=$(tk_dump acme)
    run --separate-stderr armms-dtr -t acme --period 2026-10-B --guard G9
    assert_equal "$status" 65
    assert_equal "$output" ""
    [[ "$stderr" == *"tenant acme has no guard G9"* ]] || fail "$stderr"
    assert_equal "$(tk_dump acme)" "$before"
}

@test "a shift with a 45-minute break is paid 675 minutes and the run ends" {
    small_tenant acme
    tk_import acme shift 'shift_id,start,end,break_min' 'DAY,06:00,18:00,45'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    day G1 2026-10-20 05:58:00 18:00:00
    timeout 20 bash -c "$(declare -f tk_chain); tk_chain acme '$BATS_TEST_TMPDIR/in'"
    # 06:00-18:00 less a break from 11:37 to 12:22: 675 paid, 480 regular
    assert_equal "$(dtr G1 2026-10-20 | mins)" "675 480 195 0 0 0 0"
}

@test "a TimeLog's previous placement (was) recomputes the date it left, whatever else the record holds" {
    # the stage reads only the fields it looks at (in_fields): was, nested,
    # must be one of them, and the fields it passes over are still checked
    roster
    day G1 2026-10-19 05:55:00 18:00:00
    day G1 2026-10-20 05:55:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local rec='{"kind":"TimeLog","v":1,"guard_id":"G1","note":{"deep":[1,{"x":null}]},"work_date":"2026-10-20","shift_date":"2026-10-20","was":{"work_date":"2026-10-19","shift_date":"2026-10-19"},"tail":"z"}'
    run --separate-stderr armms-dtr -t acme <<<"$rec"
    assert_success
    assert_equal "$(jq -r .date <<<"$output" | sort -u | paste -sd,)" "2026-10-19,2026-10-20"
    # the same record with a field that is not JSON: refused whole, as before
    run --separate-stderr armms-dtr -t acme <<<"${rec%\}},\"bad\":[1,]}"
    assert_equal "$status" 65
    assert_equal "$output" ""
    assert_regex "$stderr" '"code":"PARSE","message":"invalid JSON: '
}

@test "a time log read without libjq and the same one left to libjq touch, refuse and name alike" {
    # Lines the stage's quick reader takes (ndjson_parse_peek) are read
    # as C strings; any line with a backslash goes to libjq. The same
    # records both ways give the same DTRs and the same Rejects.
    roster
    day G1 2026-10-19 05:55:00 18:00:00
    day G1 2026-10-20 05:55:00 18:00:00
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    local t='"kind":"TimeLog","guard_id":"G1","work_date":"2026-10-20"'
    printf '%s\n' \
        "{$t,\"v\":1,\"was\":{\"work_date\":\"2026-10-19\",\"deep\":{\"x\":[1]}}}" \
        "{$t,\"v\":1.0,\"anomalies\":[],\"was\":\"not an object\"}" \
        "{\"guard_id\":\"G9\",$t,\"v\":1e0}" \
        "{$t,\"v\":\"1\"}" \
        "{$t,\"v\":2}" \
        '{"v":1,"guard_id":"G1","work_date":"2026-10-20"}' \
        "{$t,\"v\":1,\"guard_id\":\"G7\"}" \
        "{$t,\"v\":1,\"work_date\":\"2026-10-32\"}" \
        "{$t,\"v\":1,\"was\":{\"work_date\":\"2026-10-18\",\"work_date\":\"2026-10-19\"}}" >"$BATS_TEST_TMPDIR/plain"
    # the same lines, each with a member holding an escape
    sed 's/^{/{"note":"\\u0041",/' "$BATS_TEST_TMPDIR/plain" >"$BATS_TEST_TMPDIR/escaped"
    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/plain"
    assert_equal "$status" 65
    local out=$output rej
    rej=$(tk_rejects | jq -c '[.line, .code, .message]')
    run --separate-stderr armms-dtr -t acme "$BATS_TEST_TMPDIR/escaped"
    assert_equal "$status" 65
    assert_equal "$output" "$out"
    assert_equal "$(tk_rejects | jq -c '[.line, .code, .message]')" "$rej"
    # what was refused, and the last of a key given twice counts (libjq's way)
    assert_equal "$(jq -r '"\(.[0]) \(.[1])"' <<<"$rej" | paste -sd,)" \
        "4 BAD_FIELD,5 BAD_FIELD,6 BAD_KIND,7 UNKNOWN_GUARD,8 MISSING_FIELD"
    assert_equal "$(jq -r .date <<<"$out" | sort -u | paste -sd,)" "2026-10-19,2026-10-20"
}
