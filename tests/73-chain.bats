load test_helper
bats_require_minimum_version 1.5.0

# The timekeeping chain as a whole: armms-ingest | armms-timelog | armms-dtr
# | armms-timesheet. Recomputation is a pure function of the store (tkrun.h),
# so the same clock events give the same rows whatever order and batches
# they arrive in; a late event rewrites one guard-day and one timesheet;
# --reprocess writes only what master data changed; a change under a
# finalized timesheet becomes an ADJUSTED version.
#
# Roster: DAY 06:00-18:00 and NIGHT 18:00-06:00, no break, 5 min grace, no
# credit before the start or after the end; regular minutes are the first
# 480, night differential 22:00-06:00. Period 2026-10-B is 16-31 October
# 2026 (the 16th a Friday, 18th and 25th Sundays, 19th and 26th Mondays,
# 21st and 28th Wednesdays, 31st a Saturday); 1 November, All Saints Day,
# is a special non-working day.
#   G1  DAY at DET1, rests Sundays; relieved by G2 on Thu 22 Oct
#   G2  reliever only: DAY at DET1 on 22 Oct (for G1), NIGHT at DET2 on 29 Oct (for G4)
#   G3  NIGHT at DET1, rests Mondays
#   G4  NIGHT at DET2, rests Wednesdays; relieved by G2 on 29 Oct

P=2026-10-B

roster() {
    small_tenant "$1"
    tk_import "$1" guard 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Garcia,Lito,GUARD,WED,ACTIVE'
    tk_assign "$1" 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,' \
        'G4,DET2,NIGHT,2026-10-16,,regular,' \
        'G2,DET1,DAY,2026-10-22,2026-10-22,reliever,G1' \
        'G2,DET2,NIGHT,2026-10-29,2026-10-29,reliever,G4'
    tk_holiday "$1" '2026-11-01,All Saints Day,special'
}

# One shift's punches: duty GUARD DATE IN [OUT [DETACHMENT]] (local times;
# an OUT earlier than the IN is on the next date). Event ids GUARD-DATE-in/out.
duty() {
    local g=$1 d=$2 tin=$3 tout=${4:-} det=${5:-DET1} dout=$2
    tk_punch "$g-$d-in" "$g" "${d}T${tin}+08:00" IN "$det"
    if [ -n "$tout" ]; then
        [[ "$tout" < "$tin" ]] && dout=$(date -d "$d + 1 day" +%F)
        tk_punch "$g-$d-out" "$g" "${dout}T${tout}+08:00" OUT "$det"
    fi
}

# The half-month as the devices recorded it, in no particular order.
halfmonth() {
    local d
    # G1: a normal day is IN before 06:00, OUT at or after 18:00
    for d in 16:05:52:18:03 17:05:58:18:00 19:05:55:18:05 21:05:57:18:01 26:05:50:18:00 \
        28:05:59:18:00 31:05:55:18:00; do
        duty G1 "2026-10-${d:0:2}" "${d:3:5}:00" "${d:9:5}:00"
    done
    duty G1 2026-10-20 06:20:00 18:00:00                         # 20 min late ...
    tk_punch G1-20-tap G1 2026-10-20T06:20:04+08:00 IN DET1       # ... and a double tap
    duty G1 2026-10-23 05:57:00                                  # forgot to punch out
    tk_punch G1-27-in G1 2026-10-27T05:54:00+08:00 IN DET2        # IN at the wrong detachment
    tk_punch G1-27-out G1 2026-10-27T18:02:00+08:00 OUT DET1
    duty G1 2026-10-29 05:56:00 17:30:00                         # two OUTs: 17:30 counts
    tk_punch G1-29-early G1 2026-10-29T17:00:00+08:00 OUT DET1
    duty G1 2026-10-30 05:58:00 18:00:00                         # the post's reader and the
    tk_punch G1-30-app G1 2026-10-30T05:58:00+08:00 IN            # mobile app, same instant
    # G2, the reliever; on Sat 24 Oct G2 covered G1 with no assignment on file
    duty G2 2026-10-22 05:55:00 18:02:00
    duty G2 2026-10-24 05:56:00 18:01:00
    duty G2 2026-10-29 17:50:00 06:05:00 DET2
    # G3: nights; no IN on the 24th, 20 min late on the 28th, left at 01:00
    # on the 30th; the night of the 31st ends on All Saints Day
    for d in 16:17:55:06:00 17:17:52:06:02 18:17:58:06:00 20:17:55:06:01 21:17:50:06:00 \
        22:17:57:06:00 23:17:55:06:03 25:17:54:06:00 27:17:56:06:00 28:18:20:06:00 \
        29:17:55:06:00 30:17:58:01:00 31:17:55:06:00; do
        duty G3 "2026-10-${d:0:2}" "${d:3:5}:00" "${d:9:5}:00"
    done
    tk_punch G3-24-out G3 2026-10-25T06:00:00+08:00 OUT DET1
    # G4: nights at DET2; a double-tapped OUT on the 17th, an IN at 14:00 on
    # the 25th outside every shift window before the real one
    for d in 16:17:50:06:00 17:17:55:06:00 18:17:57:06:01 19:17:55:06:00 20:17:59:06:00 \
        22:17:53:06:00 23:17:55:06:00 24:17:55:06:00 25:17:56:06:00 26:17:55:06:00 \
        27:17:58:06:00 30:17:55:06:00 31:17:50:06:00; do
        duty G4 "2026-10-${d:0:2}" "${d:3:5}:00" "${d:9:5}:00" DET2
    done
    tk_punch G4-17-tap G4 2026-10-18T06:00:02+08:00 OUT DET2
    tk_punch G4-25-early G4 2026-10-25T14:00:00+08:00 IN DET2
}

# The half-month's events sorted by time, in $BATS_TEST_TMPDIR/all.
sorted_events() { halfmonth | jq -sc 'sort_by(.ts)[]' >"$BATS_TEST_TMPDIR/all"; }

# A repeatable stream of pseudo-random bytes for shuf --random-source.
seeded() { LC_ALL=C awk -v seed="$1" 'BEGIN { srand(seed); for (i = 0; i < 8192; i++) printf "%c", 1 + int(rand() * 255) }'; }

# Feed FILE into TENANT in N batches, each through the whole chain as its own
# pipe, each on a later day (received_at differs per batch, as it would).
in_batches() {
    local t=$1 f=$2 n=$3 b k=0
    rm -f "$BATS_TEST_TMPDIR"/batch.*
    split -n "l/$n" -d "$f" "$BATS_TEST_TMPDIR/batch."
    for b in "$BATS_TEST_TMPDIR"/batch.*; do
        k=$((k + 1))
        ARMMS_NOW=2026-11-$(printf %02d "$k")T01:00:00Z tk_chain "$t" "$b"
    done
}

# A tenant's tk store, with the two things that legitimately differ
# between tenants fed the same events taken out:
#  - clock_event_id is a ULID armms-ingest mints in each tenant (random
#    bits), and a time log's id is its clock event's: both are replaced by
#    the event's idempotency key (dedupe_key, from device and event id);
#  - received_at is when the office received the event (the run's clock),
#    not a fact about the event.
# Everything derived (placement, status, anomalies, DTRs, timesheets) stays.
tk_canon() {
    q "$1" tk "
        select 'clock_event', dedupe_key, device_id, event_id, guard_id, ts, ts_offset, type,
            detachment_id from clock_event;
        select 'time_log', coalesce(c.dedupe_key, 'NO CLOCK EVENT ' || l.time_log_id), l.guard_id,
            l.ts, l.source, l.type, l.detachment_id, l.shift_id, l.shift_date, l.work_date,
            l.status, l.anomalies, l.open, l.device_detachment_id, l.relieves_guard_id,
            l.adjustment_id
            from time_log l left join clock_event c on c.clock_event_id = l.time_log_id;
        select 'dtr', * from dtr;
        select 'timesheet', * from timesheet;" | LC_ALL=C sort
}

# What select mode prints for the period: select TENANT STAGE. DTR and
# Timesheet records carry no per-tenant field (no ids but business keys, no
# timestamps in drafts); a TimeLog's time_log_id is the clock event's ULID,
# so it is replaced by the event's dedupe_key.
select_records() {
    local ids
    ids=$(q "$1" tk 'select clock_event_id, dedupe_key from clock_event' |
        jq -Rn '[inputs | split("|") | {(.[0]): .[1]}] | add')
    armms-"$2" -q -t "$1" --period $P </dev/null |
        jq -cS --argjson ids "$ids" 'if .time_log_id then .time_log_id = $ids[.time_log_id] else . end' |
        LC_ALL=C sort
}

# Every row of the tk store, one line each, prefixed by its table.
tk_rows() {
    q "$1" tk "select 'clock_event', dedupe_key, * from clock_event;
        select 'time_log', * from time_log; select 'dtr', * from dtr;
        select 'timesheet', * from timesheet;" | LC_ALL=C sort
}

# The period's select-mode run, as cron does it.
cron() {
    (
        set -o pipefail
        armms-timelog -q -t "$1" --period $P | armms-dtr -q -t "$1" --period $P |
            armms-timesheet -q -t "$1" --period $P >/dev/null
    )
}

# --- order and batches ---------------------------------------------------

@test "the half-month's time logs, DTRs and timesheets are the same whatever order and batches the events arrive in" {
    sorted_events
    local n
    n=$(wc -l <"$BATS_TEST_TMPDIR/all")

    # A: one sorted batch
    roster a
    tk_chain a "$BATS_TEST_TMPDIR/all"
    # the reference holds every case the half-month was built for
    assert_equal "$(q a tk 'select count(*) from clock_event')" "$n"
    assert_equal "$(q a tk "select e.event_id || ':' || l.status || ':' || l.anomalies
        from time_log l join clock_event e on e.clock_event_id = l.time_log_id
        where l.status <> 'VALID' or l.anomalies <> '' order by l.ts" | paste -sd' ')" \
        "G4-2026-10-17-out:DUPLICATE:DUPLICATE_PUNCH G1-20-tap:DUPLICATE:DUPLICATE_PUNCH G2-2026-10-24-in:INVALID:NO_ASSIGNMENT G2-2026-10-24-out:INVALID:NO_ASSIGNMENT G3-24-out:VALID:OUT_WITHOUT_IN G4-25-early:INVALID:OFF_SHIFT G1-27-in:INVALID:WRONG_DETACHMENT G1-27-out:VALID:OUT_WITHOUT_IN G1-29-early:DUPLICATE:DUPLICATE_PUNCH G1-30-app:DUPLICATE:DUPLICATE_PUNCH"
    assert_equal "$(q a tk "select guard_id, date, status, anomalies from dtr where status <> 'COMPLETE' order by 1, 2")" \
        "$(printf 'G1|2026-10-23|INCOMPLETE|MISSING_OUT\nG1|2026-10-27|INCOMPLETE|MISSING_IN\nG3|2026-10-24|INCOMPLETE|MISSING_IN')"
    assert_equal "$(q a tk "select buckets from dtr where guard_id = 'G3' and date = '2026-10-31'")" \
        "ordinary:360,0,120,0 special:120,240,120,240"
    # G2 relieved on two posts: a timesheet for each
    assert_equal "$(q a tk 'select count(*) from timesheet')" 5

    # B: shuffled with three seeds, cut into 3, 5 and 8 batches
    local seed batches t
    for seed in 1 2 3; do
        batches=$((seed == 1 ? 3 : seed == 2 ? 5 : 8))
        t=b$seed
        roster $t
        shuf --random-source=<(seeded $seed) "$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/shuffled.$seed"
        # a shuffle that left the events in order would test nothing
        assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/shuffled.$seed")" "$n"
        refute [ "$(cat "$BATS_TEST_TMPDIR/shuffled.$seed")" = "$(cat "$BATS_TEST_TMPDIR/all")" ]
        in_batches $t "$BATS_TEST_TMPDIR/shuffled.$seed" $batches
        # received_at differs, as it should: one value per batch
        assert_equal "$(q $t tk 'select count(distinct received_at) from clock_event')" $batches

        run diff -u <(tk_canon a) <(tk_canon $t)
        assert_output ""
    done
    # the shuffles are repeatable and differ from one seed to the next
    assert_equal "$(shuf --random-source=<(seeded 1) "$BATS_TEST_TMPDIR/all")" "$(cat "$BATS_TEST_TMPDIR/shuffled.1")"
    refute [ "$(cat "$BATS_TEST_TMPDIR/shuffled.1")" = "$(cat "$BATS_TEST_TMPDIR/shuffled.2")" ]

    # select mode over the period prints the same records in every tenant
    local stage
    for stage in timelog dtr timesheet; do
        select_records a $stage >"$BATS_TEST_TMPDIR/sel.a.$stage"
        for t in b1 b2 b3; do
            run diff -u "$BATS_TEST_TMPDIR/sel.a.$stage" <(select_records $t $stage)
            assert_output ""
        done
    done
    # select mode adds the scheduled days nobody punched: G1 has 14 (16 days
    # less Sundays 18 and 25), 12 punched; the 22nd relieved by G2 (on file),
    # the 24th covered by G2 too but with no assignment on file yet
    assert_equal "$(jq -r 'select(.guard_id == "G1" and .status == "ABSENT") | .date + "/" + (.relieved_by // "-")' \
        "$BATS_TEST_TMPDIR/sel.a.dtr" | paste -sd,)" "2026-10-22/G2,2026-10-24/-"
    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/sel.a.timesheet")" 5
    # and the stores, ABSENT days now included, still agree
    for t in b1 b2 b3; do
        run diff -u <(tk_canon a) <(tk_canon $t)
        assert_output ""
    done
}

@test "events sent one at a time in reverse order give the same records as one sorted batch" {
    # a smaller set: G1's 20th (double tap), 23rd (no OUT) and 31st; G3's nights
    # of the 22nd, 23rd, 25th and 31st, and the OUT of the 24th without its IN
    sorted_events
    jq -c 'select(.event_id | test("^(G1-2026-10-(20|23|31)-|G1-20-tap$|G3-2026-10-(22|23|25|31)-|G3-24-out$)"))' \
        "$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/small"
    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/small")" 15
    roster c
    roster d
    tk_chain d "$BATS_TEST_TMPDIR/small"

    local line
    tac "$BATS_TEST_TMPDIR/small" | while IFS= read -r line; do
        printf '%s\n' "$line" >"$BATS_TEST_TMPDIR/one"
        tk_chain c "$BATS_TEST_TMPDIR/one"
    done
    run diff -u <(tk_canon d) <(tk_canon c)
    assert_output ""
    # what landed: G3's night of the 24th waits for its IN; the 31st ends on the holiday
    assert_equal "$(q c tk "select guard_id, date, status, worked, buckets from dtr order by 1, 2")" \
        "$(printf '%s\n' 'G1|2026-10-20|COMPLETE|700|ordinary:480,220,0,0' 'G1|2026-10-23|INCOMPLETE|0|' \
            'G1|2026-10-31|COMPLETE|720|ordinary:480,240,0,0' 'G3|2026-10-22|COMPLETE|720|ordinary:480,240,240,240' \
            'G3|2026-10-23|COMPLETE|720|ordinary:480,240,240,240' 'G3|2026-10-24|INCOMPLETE|0|' \
            'G3|2026-10-25|COMPLETE|720|ordinary:360,0,120,0 rest:120,240,120,240' \
            'G3|2026-10-31|COMPLETE|720|ordinary:360,0,120,0 special:120,240,120,240')"
    assert_equal "$(q c tk "select e.event_id from time_log l join clock_event e on e.clock_event_id = l.time_log_id
        where l.status = 'DUPLICATE'")" G1-20-tap
    local stage
    for stage in dtr timesheet; do
        run diff -u <(select_records d $stage) <(select_records c $stage)
        assert_output ""
    done
}

# --- a late event --------------------------------------------------------

@test "a late IN for a processed night rewrites that night's DTR and that guard's timesheet only" {
    roster acme
    sorted_events
    tk_chain acme "$BATS_TEST_TMPDIR/all"
    tk_rows acme >"$BATS_TEST_TMPDIR/before"
    local out_id
    out_id=$(q acme tk "select clock_event_id from clock_event where event_id = 'G3-24-out'")

    # G3's IN for the night of Sat 24 Oct reaches the office late
    tk_punch G3-24-in G3 2026-10-24T17:58:00+08:00 IN DET1 >"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/late"

    # in the store: one new clock event and time log, the OUT no longer lacks
    # its IN, and that DTR and timesheet rewritten; nothing else changed
    tk_rows acme >"$BATS_TEST_TMPDIR/after"
    run env LC_ALL=C comm -23 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
    assert_equal "$(cut -d'|' -f1-3 <<<"$output")" \
        "$(printf '%s\n' 'dtr|G3|2026-10-24' 'time_log|G3|2026-10-24T22:00:00Z' 'timesheet|2026-10-B/G3/DET1/NIGHT|1')"
    run env LC_ALL=C comm -13 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
    assert_equal "$(awk -F'|' '$1 == "clock_event" { print $1 "|" $6 } $1 != "clock_event" { print $1 "|" $2 "|" $3 }' <<<"$output")" \
        "$(printf '%s\n' 'clock_event|G3-24-in' 'dtr|G3|2026-10-24' 'time_log|G3|2026-10-24T09:58:00Z' \
            'time_log|G3|2026-10-24T22:00:00Z' 'timesheet|2026-10-B/G3/DET1/NIGHT|1')"
    assert_equal "$(q acme tk "select status, anomalies, open from time_log where time_log_id = '$out_id'")" "VALID||0"

    # 17:58 in (credited from 18:00) to 06:00 out: 720 worked = 480 regular (18-02)
    # + 240 ot (02-06); nd 240 (22-02), nd_ot 240 (02-06). Sat into Sun, and G3
    # rests on Mondays: all ordinary.
    assert_equal "$(jq -c 'select(.guard_id == "G3" and .date == "2026-10-24") |
        [.status, .anomalies, .time_in, .time_out, .day_type, .minutes, .by_day_type]' "$BATS_TEST_TMPDIR/dtr.ndjson")" \
        '["COMPLETE",[],"2026-10-24T17:58:00+08:00","2026-10-25T06:00:00+08:00","ordinary",{"worked":720,"regular":480,"ot":240,"nd":240,"nd_ot":240,"late":0,"undertime":0},{"ordinary":{"regular":480,"ot":240,"nd":240,"nd_ot":240}}]'

    # G3's timesheet, now with 14 nights:
    #  11 full nights (16,17,18,20,21,22,23,24,25,27,29) and the 31st: 12 x 720 = 8640,
    #    each 480 regular, 240 ot, 240 nd, 240 nd_ot;
    #  the 28th, in at 18:20: 700 = 480 (18:20-02:20) + 220 ot, nd 260, nd_ot 220, late 20;
    #  the 30th, out at 01:00: 420 regular, nd 180 (22-01), undertime 300.
    #  worked 8640 + 700 + 420 = 9760; regular 12 x 480 + 480 + 420 = 6660;
    #  ot 12 x 240 + 220 = 3100; nd 12 x 240 + 260 + 180 = 3320; nd_ot 3100.
    # After midnight on Mondays 19 and 26 (the nights of the 18th and 25th) is
    # rest: 2 x (120 regular, 240 ot, 120 nd, 240 nd_ot); after midnight on
    # 1 Nov is special: 120, 240, 120, 240. The rest is ordinary.
    run jq -c 'select(.timesheet_id == "2026-10-B/G3/DET1/NIGHT")' "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "$(jq -c '[.version, .status, .days_worked, .days_incomplete, .days_absent]' <<<"$output")" \
        '[1,"DRAFT",14,0,0]'
    assert_equal "$(jq -c .totals <<<"$output")" \
        '{"worked":9760,"regular":6660,"ot":3100,"nd":3320,"nd_ot":3100,"late":20,"undertime":300}'
    assert_equal "$(jq -c '[.minutes.ordinary, .minutes.rest, .minutes.special]' <<<"$output")" \
        '[{"regular":6300,"ot":2380,"nd":2960,"nd_ot":2380},{"regular":240,"ot":480,"nd":240,"nd_ot":480},{"regular":120,"ot":240,"nd":120,"nd_ot":240}]'
    assert_equal "$(q acme tk "select record from timesheet where guard_id = 'G3'")" "$output"

    # downstream, the DTR stage wrote that one guard-night and the timesheet
    # stage that one timesheet: nothing for the nights around it
    assert_equal "$(jq -r '[.guard_id, .date, .shift_id, .detachment_id] | join("/")' "$BATS_TEST_TMPDIR/dtr.ndjson")" \
        "G3/2026-10-24/NIGHT/DET1"
    assert_equal "$(jq -r .timesheet_id "$BATS_TEST_TMPDIR/ts.ndjson")" "2026-10-B/G3/DET1/NIGHT"
}

@test "a late OUT of a reliever's night rewrites the timesheet of that post, not the reliever's other one" {
    roster acme
    sorted_events
    # G2's OUT after the night of the 29th at DET2 is held back
    grep -v '"G2-2026-10-29-out"' "$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/held"
    grep '"G2-2026-10-29-out"' "$BATS_TEST_TMPDIR/all" >"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/held"
    assert_equal "$(q acme tk "select status, anomalies from dtr where guard_id = 'G2' and date = '2026-10-29'")" \
        "INCOMPLETE|MISSING_OUT"
    tk_rows acme >"$BATS_TEST_TMPDIR/before"

    tk_chain acme "$BATS_TEST_TMPDIR/late"

    # in the store: the new clock event and time log, that night's DTR and
    # that post's timesheet; G2's timesheet of the DET1 day post is as it was
    tk_rows acme >"$BATS_TEST_TMPDIR/after"
    run env LC_ALL=C comm -3 "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
    assert_equal "$(awk -F'|' '{ sub(/^\t/, "") } $1 == "clock_event" { print $1 "|" $6; next } { print $1 "|" $2 "|" $3 }' <<<"$output")" \
        "$(printf '%s\n' 'clock_event|G2-2026-10-29-out' 'dtr|G2|2026-10-29' 'dtr|G2|2026-10-29' \
            'time_log|G2|2026-10-29T22:05:00Z' 'timesheet|2026-10-B/G2/DET2/NIGHT|1' 'timesheet|2026-10-B/G2/DET2/NIGHT|1')"

    # 17:50 in (credited from 18:00) to 06:05 out (counted to 06:00): 720 =
    # 480 regular + 240 ot, nd 240 + nd_ot 240; Thu into Fri, G2 rests Saturdays
    assert_equal "$(jq -c '[.guard_id, .date, .shift_id, .detachment_id, .status, .relieves_guard_id, .minutes.worked, .by_day_type]' \
        "$BATS_TEST_TMPDIR/dtr.ndjson")" \
        '["G2","2026-10-29","NIGHT","DET2","COMPLETE","G4",720,{"ordinary":{"regular":480,"ot":240,"nd":240,"nd_ot":240}}]'
    # downstream, only the DET2 night post's timesheet: the DTR named it
    assert_equal "$(jq -c '[.timesheet_id, .days_worked, .days_incomplete, .totals.worked]' "$BATS_TEST_TMPDIR/ts.ndjson")" \
        '["2026-10-B/G2/DET2/NIGHT",1,0,720]'
}

# --- reprocessing after master data changes ------------------------------

@test "a holiday declared after the DTRs were made changes exactly the DTRs that touch it when reprocessed" {
    roster acme
    sorted_events
    tk_chain acme "$BATS_TEST_TMPDIR/all"
    cron acme
    local before
    before=$(tk_rows acme)

    # Thu 22 Oct 2026 proclaimed a special non-working day after the fact
    tk_holiday acme '2026-10-22,Special non-working day (proclamation),special'
    run --separate-stderr armms-dtr -t acme --reprocess --period $P </dev/null
    assert_equal "$status" 0
    # the DTRs dated the 22nd take its day type (G1 absent, relieved by G2;
    # G2's day; G3's and G4's nights: 18:00-24:00 special = 360 regular, 120 nd;
    # 00:00-06:00 on Fri 23 ordinary = 120 regular, 240 ot, 120 nd, 240 nd_ot),
    # and G3's night of the 21st earns special minutes after midnight; G4
    # rests on Wednesdays, so has no night of the 21st
    assert_equal "$(jq -c '[.guard_id, .date, .status, .day_type, .by_day_type]' <<<"$output")" \
        "$(printf '%s\n' \
            '["G1","2026-10-22","ABSENT","special",{}]' \
            '["G2","2026-10-22","COMPLETE","special",{"special":{"regular":480,"ot":240,"nd":0,"nd_ot":0}}]' \
            '["G3","2026-10-21","COMPLETE","ordinary",{"ordinary":{"regular":360,"ot":0,"nd":120,"nd_ot":0},"special":{"regular":120,"ot":240,"nd":120,"nd_ot":240}}]' \
            '["G3","2026-10-22","COMPLETE","special",{"ordinary":{"regular":120,"ot":240,"nd":120,"nd_ot":240},"special":{"regular":360,"ot":0,"nd":120,"nd_ot":0}}]' \
            '["G4","2026-10-22","COMPLETE","special",{"ordinary":{"regular":120,"ot":240,"nd":120,"nd_ot":240},"special":{"regular":360,"ot":0,"nd":120,"nd_ot":0}}]')"
    local ndtr
    ndtr=$(q acme tk "select count(*) from dtr where date between '2026-10-16' and '2026-10-31'")
    assert_equal "$stderr" "armms-dtr: 0 read, 0 rejected, $ndtr DTRs recomputed, 5 changed"
    assert_equal "$(q acme tk "select day_type from dtr where date = '2026-10-22'" | sort -u)" special
    # those five rows were rewritten in the store, and nothing else moved
    local keys='dtr|G1|2026-10-22 dtr|G2|2026-10-22 dtr|G3|2026-10-21 dtr|G3|2026-10-22 dtr|G4|2026-10-22'
    diff <(printf '%s\n' "$before") <(tk_rows acme) >"$BATS_TEST_TMPDIR/moved" || true
    assert_equal "$(grep '^<' "$BATS_TEST_TMPDIR/moved" | cut -c3- | cut -d'|' -f1-3 | paste -sd' ')" "$keys"
    assert_equal "$(grep '^>' "$BATS_TEST_TMPDIR/moved" | cut -c3- | cut -d'|' -f1-3 | paste -sd' ')" "$keys"

    # the changed DTRs carry the holiday into the timesheets (G3 and G4 had
    # special minutes already: the night of the 31st ends on 1 November)
    printf '%s\n' "$output" | armms-timesheet -q -t acme >/dev/null
    assert_equal "$(q acme tk "select timesheet_id, json_extract(record, '\$.minutes.special') from timesheet order by 1")" \
        "$(printf '%s\n' '2026-10-B/G1/DET1/DAY|{"regular":0,"ot":0,"nd":0,"nd_ot":0}' \
            '2026-10-B/G2/DET1/DAY|{"regular":480,"ot":240,"nd":0,"nd_ot":0}' \
            '2026-10-B/G2/DET2/NIGHT|{"regular":0,"ot":0,"nd":0,"nd_ot":0}' \
            '2026-10-B/G3/DET1/NIGHT|{"regular":600,"ot":480,"nd":360,"nd_ot":480}' \
            '2026-10-B/G4/DET2/NIGHT|{"regular":480,"ot":240,"nd":240,"nd_ot":240}')"

    # once is enough
    before=$(tk_rows acme)
    run --separate-stderr armms-dtr -t acme --reprocess --period $P </dev/null
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-dtr: 0 read, 0 rejected, $ndtr DTRs recomputed, 0 changed"
    assert_equal "$(tk_rows acme)" "$before"
}

@test "a reliever assignment entered late makes the reliever's punches valid when the time logs are reprocessed" {
    roster acme
    sorted_events
    tk_chain acme "$BATS_TEST_TMPDIR/all"
    cron acme
    assert_equal "$(q acme tk "select status, anomalies, open from time_log where guard_id = 'G2' and work_date = '2026-10-24'")" \
        "$(printf 'INVALID|NO_ASSIGNMENT|1\nINVALID|NO_ASSIGNMENT|1')"
    local before
    before=$(tk_rows acme)

    # the operations officer files G2's relief of G1 on Sat 24 Oct
    tk_assign acme 'G2,DET1,DAY,2026-10-24,2026-10-24,reliever,G1'
    run --separate-stderr armms-timelog -t acme --reprocess --period $P </dev/null
    assert_equal "$status" 0
    # exactly G2's two punches of the 24th, now on the DAY shift relieving G1
    assert_equal "$(jq -c '[.guard_id, .ts_local, .type, .status, .anomalies, .needs_review, .detachment_id,
        .shift_id, .shift_date, .relieves_guard_id, .was]' <<<"$output")" \
        "$(printf '%s\n' \
            '["G2","2026-10-24T05:56:00+08:00","IN","VALID",[],false,"DET1","DAY","2026-10-24","G1",{"work_date":"2026-10-24","shift_id":null,"shift_date":null,"detachment_id":"DET1"}]' \
            '["G2","2026-10-24T18:01:00+08:00","OUT","VALID",[],false,"DET1","DAY","2026-10-24","G1",{"work_date":"2026-10-24","shift_id":null,"shift_date":null,"detachment_id":"DET1"}]')"
    local nlogs
    nlogs=$(q acme tk "select count(*) from time_log where work_date between '2026-10-16' and '2026-10-31'")
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, $nlogs time logs recomputed, 2 changed"
    # in the store: those two time logs rewritten (id and source left out), nothing else
    diff <(printf '%s\n' "$before") <(tk_rows acme) >"$BATS_TEST_TMPDIR/moved" || true
    assert_equal "$(grep '^<' "$BATS_TEST_TMPDIR/moved" | cut -d'|' -f1-3,6,7,11-12)" \
        "$(printf '%s\n' '< time_log|G2|2026-10-23T21:56:00Z|IN|DET1|INVALID|NO_ASSIGNMENT' \
            '< time_log|G2|2026-10-24T10:01:00Z|OUT|DET1|INVALID|NO_ASSIGNMENT')"
    assert_equal "$(grep '^>' "$BATS_TEST_TMPDIR/moved" | cut -d'|' -f1-3,6-)" \
        "$(printf '%s\n' '> time_log|G2|2026-10-23T21:56:00Z|IN|DET1|DAY|2026-10-24|2026-10-24|VALID||0||G1|' \
            '> time_log|G2|2026-10-24T10:01:00Z|OUT|DET1|DAY|2026-10-24|2026-10-24|VALID||0||G1|')"

    # a second run finds nothing to do
    before=$(tk_rows acme)
    run --separate-stderr armms-timelog -t acme --reprocess --period $P </dev/null
    assert_equal "$status" 0
    assert_equal "$output" ""
    assert_equal "$stderr" "armms-timelog: 0 read, 0 rejected, $nlogs time logs recomputed, 0 changed"
    assert_equal "$(tk_rows acme)" "$before"

    # the DTRs follow on their own reprocess: G2's day, and G1 marked relieved
    run --separate-stderr armms-dtr -t acme --reprocess --period $P </dev/null
    assert_equal "$status" 0
    assert_equal "$(jq -c '[.guard_id, .date, .status, .minutes.worked, .relieves_guard_id, .relieved_by]' <<<"$output")" \
        "$(printf '%s\n' '["G1","2026-10-24","ABSENT",0,null,"G2"]' '["G2","2026-10-24","COMPLETE",720,"G1",null]')"
}

# --- after finalization --------------------------------------------------

@test "a missing OUT that arrives after finalization writes an ADJUSTED timesheet with the difference, and the journal shows it" {
    roster acme
    sorted_events
    tk_chain acme "$BATS_TEST_TMPDIR/all"
    cron acme
    run --separate-stderr armms-timesheet -t acme --finalize --period $P \
        --override "payroll cut-off; open items carried to the next period"
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 5
    local v1 v1sum
    v1=$(q acme tk "select record from timesheet where timesheet_id = '2026-10-B/G1/DET1/DAY'")
    v1sum=$(jq -r .checksum <<<"$v1")
    # G1 as finalized: 10 days worked, 23rd (no OUT) and 27th (IN at DET2) incomplete,
    # 22nd and 24th absent. 8 full days (16,17,19,21,26,28,30,31) x 720 = 5760;
    # the 20th from 06:20: 700 = 480 + 220 ot; the 29th to 17:30: 690 = 480 + 210 ot.
    # worked 7150 = regular 10 x 480 = 4800 + ot 8 x 240 + 220 + 210 = 2350
    assert_equal "$(jq -c '[.version, .status, .days_worked, .days_incomplete, .days_absent, .totals]' <<<"$v1")" \
        '[1,"FINALIZED",10,2,2,{"late":20,"nd":0,"nd_ot":0,"ot":2350,"regular":4800,"undertime":30,"worked":7150}]'

    # G1's OUT of the 23rd was stuck in the reader and arrives after the cut-off
    tk_punch G1-23-out G1 2026-10-23T18:04:00+08:00 OUT DET1 >"$BATS_TEST_TMPDIR/late"
    tk_chain acme "$BATS_TEST_TMPDIR/late"

    # 05:57 in (credited from 06:00) to 18:04 out (counted to 18:00): 720 = 480 + 240 ot
    assert_equal "$(jq -c '[.guard_id, .date, .status, .minutes.worked, .minutes.regular, .minutes.ot]' \
        "$BATS_TEST_TMPDIR/dtr.ndjson")" '["G1","2026-10-23","COMPLETE",720,480,240]'
    run cat "$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -c '[.kind, .timesheet_id, .version, .status, .adjusts, .adjusted_by, .adjusted_at]' <<<"$output")" \
        "[\"TimesheetFinalized\",\"2026-10-B/G1/DET1/DAY\",2,\"ADJUSTED\",{\"checksum\":\"$v1sum\",\"version\":1},\"tester\",\"2026-11-25T00:00:00Z\"]"
    # one more day worked, one fewer incomplete: 7150 + 720 = 7870
    assert_equal "$(jq -c .delta <<<"$output")" \
        '{"days_absent":0,"days_incomplete":-1,"days_worked":1,"minutes":{"ordinary":{"nd":0,"nd_ot":0,"ot":240,"regular":480}},"totals":{"late":0,"nd":0,"nd_ot":0,"ot":240,"regular":480,"undertime":0,"worked":720}}'
    assert_equal "$(jq -c '[.days_worked, .days_incomplete, .days_absent, .totals.worked, .totals.regular, .totals.ot]' <<<"$output")" \
        '[11,1,2,7870,5280,2590]'
    local v2sum
    v2sum=$(jq -r .checksum <<<"$output")
    assert_equal "$(q acme tk 'select record from timesheet where version = 2')" "$output"
    # version 1 stays as sealed; no other timesheet moved
    assert_equal "$(q acme tk "select record from timesheet where timesheet_id = '2026-10-B/G1/DET1/DAY' and version = 1")" "$v1"
    assert_equal "$(q acme tk 'select timesheet_id, version, status from timesheet order by 1, 2')" \
        "$(printf '%s\n' '2026-10-B/G1/DET1/DAY|1|FINALIZED' '2026-10-B/G1/DET1/DAY|2|ADJUSTED' \
            '2026-10-B/G2/DET1/DAY|1|FINALIZED' '2026-10-B/G2/DET2/NIGHT|1|FINALIZED' \
            '2026-10-B/G3/DET1/NIGHT|1|FINALIZED' '2026-10-B/G4/DET2/NIGHT|1|FINALIZED')"

    # the journal carries the change: before, after and the delta
    run armms-journal -t acme cat --type TimesheetAdjusted
    assert_equal "${#lines[@]}" 1
    assert_equal "$(jq -r '[.event_type, .aggregate_type, .aggregate_id, .actor] | @tsv' <<<"$output")" \
        "$(printf 'TimesheetAdjusted\ttimesheet\t2026-10-B/G1/DET1/DAY\ttester')"
    assert_equal "$(jq -c '.payload | [.timesheet_id, .version, .before.version, .before.checksum, .after.version, .after.checksum]' <<<"$output")" \
        "[\"2026-10-B/G1/DET1/DAY\",2,1,\"$v1sum\",2,\"$v2sum\"]"
    assert_equal "$(jq -c '.payload | [.before.totals.worked, .before.days_worked, .before.days_incomplete, .after.totals.worked, .after.days_worked, .after.days_incomplete]' <<<"$output")" \
        '[7150,10,2,7870,11,1]'
    assert_equal "$(jq -cS '.payload | [.before.minutes.ordinary, .after.minutes.ordinary]' <<<"$output")" \
        '[{"nd":0,"nd_ot":0,"ot":2350,"regular":4800},{"nd":0,"nd_ot":0,"ot":2590,"regular":5280}]'
    # after is the sealed record itself, as the stream wrote it
    assert_equal "$(jq -c .payload.after <<<"$output")" "$(jq -c . "$BATS_TEST_TMPDIR/ts.ndjson")"
    assert_equal "$(jq -cS .payload.delta <<<"$output")" "$(jq -cS .delta "$BATS_TEST_TMPDIR/ts.ndjson")"
}

@test "a select run over more guards than one transaction holds forgets them at each commit: guards either side of it reprocess to nothing new" {
    # 2,100 guards: the run commits after 2,000 and reads the rest afresh
    local md=$BATS_TEST_TMPDIR/md g st
    armms-sample masterdata --guards 2100 --out "$md" >/dev/null
    armms-init -q -t big
    direct_routes big
    for k in position shift detachment guard assignment; do
        armms-import -q -t big "$k" "$md/$k.csv"
    done
    armms-import -q -t big holiday "$ARMMS_ROOT/samples/holiday.csv"
    armms-import -q -t big period --generate 2026
    armms-sample events --guards 2100 --period 2026-11-A >"$BATS_TEST_TMPDIR/ev"
    armms-ingest -q -t big "$BATS_TEST_TMPDIR/ev" >/dev/null
    for st in timelog dtr timesheet; do
        armms-$st -q -t big --period 2026-11-A >/dev/null
    done
    assert_equal "$(q big tk "select count(distinct guard_id) from timesheet")" \
        "$(q big tk "select count(distinct guard_id) from dtr")"
    assert [ "$(q big tk "select count(distinct guard_id) from dtr")" -gt 2000 ]
    for g in G00001 G01999 G02000 G02001 G02002 G02100; do
        for st in timelog dtr timesheet; do
            run --separate-stderr armms-$st -t big --period 2026-11-A --guard "$g" --reprocess
            assert_success
            assert_equal "$output" ""
        done
    done
}

@test "a period's select runs taken a few guards at a time write the same records and rows as in one list" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev" >/dev/null
    cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/chunked"
    local s
    for s in timelog dtr timesheet; do
        armms-$s -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/one.$s"
        # 7 guards a chunk: the sample's guards take several, and a chunk's
        # transaction boundaries differ from the list's
        ARMMS_TEST_SCOPE_CHUNK=7 armms-$s -q -t chunked --period 2026-11-A >"$BATS_TEST_TMPDIR/chunked.$s"
        [ -s "$BATS_TEST_TMPDIR/one.$s" ] || fail "armms-$s wrote nothing"
        cmp "$BATS_TEST_TMPDIR/one.$s" "$BATS_TEST_TMPDIR/chunked.$s" || fail "armms-$s: the chunked run wrote other records"
    done
    assert_equal "$(tk_dump chunked)" "$(tk_dump acme)"
    # what the runs counted is the whole scope's
    run --separate-stderr env ARMMS_TEST_SCOPE_CHUNK=7 armms-dtr -t chunked --period 2026-11-A
    assert_success
    run --separate-stderr armms-dtr -t acme --period 2026-11-A
    local whole=$stderr
    run --separate-stderr env ARMMS_TEST_SCOPE_CHUNK=7 armms-dtr -t chunked --period 2026-11-A
    assert_equal "$stderr" "$whole"
}

@test "a stream that does not pause recomputes a chunk of touches at a time, to the same records and rows" {
    # A whole period's records from a file never pause the reader, so a
    # stream flushes each time it holds a chunk's touches (8,000; 7 here):
    # its memory is a chunk's, and what it stores is what one flush stores.
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev" >"$BATS_TEST_TMPDIR/ce"
    cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/chunked"
    local s in=$BATS_TEST_TMPDIR/ce
    for s in timelog dtr timesheet; do
        armms-$s -q -t acme <"$in" >"$BATS_TEST_TMPDIR/one.$s"
        ARMMS_TEST_SCOPE_CHUNK=7 armms-$s -q -t chunked <"$in" >"$BATS_TEST_TMPDIR/chunked.$s"
        [ "$(wc -l <"$BATS_TEST_TMPDIR/one.$s")" -gt 1000 ] || fail "armms-$s wrote too little"
        # a guard whose records straddle two flushes is written by both
        assert_equal "$(sort -u "$BATS_TEST_TMPDIR/chunked.$s")" "$(sort -u "$BATS_TEST_TMPDIR/one.$s")"
        in=$BATS_TEST_TMPDIR/one.$s
    done
    assert_equal "$(tk_dump chunked; q chunked tk 'select * from stale')" \
        "$(tk_dump acme; q acme tk 'select * from stale')"
}

@test "a long flush's clock events read ahead on a thread make the same records and rows as read by the run itself" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev" >"$BATS_TEST_TMPDIR/ce"
    # the run reads a guard's adjustments itself: some guards have them
    local first
    first=$(jq -r 'select(.guard_id == "G00002") | .clock_event_id' "$BATS_TEST_TMPDIR/ce" | head -1)
    armms-timelog -q -t acme --period 2026-11-A --guard G00002 >/dev/null
    armms-timelog adjust void "$first" -q -t acme --reason 'tap on the wrong device' >/dev/null
    armms-timelog adjust add -q -t acme --guard G00007 --ts 2026-11-05T18:00:00+08:00 --type OUT \
        --reason 'forgot to punch out' >/dev/null
    local t s
    for t in serial ahead chunked stream stream1; do
        cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/$t"
    done
    ARMMS_TIMELOG_SERIAL=1 armms-timelog -q -t serial --period 2026-11-A >"$BATS_TEST_TMPDIR/serial"
    [ "$(wc -l <"$BATS_TEST_TMPDIR/serial")" -gt 10000 ]
    # a ring of 5 guards: the thread waits for room again and again; with
    # 7-guard chunks every flush is a new list, read ahead from its start
    ARMMS_TEST_AHEAD_RING=5 armms-timelog -q -t ahead --period 2026-11-A >"$BATS_TEST_TMPDIR/ahead"
    ARMMS_TEST_AHEAD_RING=5 ARMMS_TEST_SCOPE_CHUNK=7 armms-timelog -q -t chunked --period 2026-11-A \
        >"$BATS_TEST_TMPDIR/chunked"
    for t in ahead chunked; do
        cmp "$BATS_TEST_TMPDIR/serial" "$BATS_TEST_TMPDIR/$t" || fail "$t: other records than on one thread"
        assert_equal "$(tk_dump $t; q $t tk 'select * from stale')" "$(tk_dump serial; q serial tk 'select * from stale')"
    done
    # a stream run's one long flush, its touches the input's (a guard's
    # dates, not the period), read ahead or not
    ARMMS_TEST_AHEAD_RING=5 armms-timelog -q -t stream <"$BATS_TEST_TMPDIR/ce" >"$BATS_TEST_TMPDIR/stream"
    ARMMS_TIMELOG_SERIAL=1 armms-timelog -q -t stream1 <"$BATS_TEST_TMPDIR/ce" >"$BATS_TEST_TMPDIR/stream1"
    [ -s "$BATS_TEST_TMPDIR/stream" ]
    cmp "$BATS_TEST_TMPDIR/stream1" "$BATS_TEST_TMPDIR/stream" || fail "stream: other records than on one thread"
    assert_equal "$(tk_dump stream)" "$(tk_dump stream1)"
    # and the void and the add are in them
    assert_equal "$(jq -r --arg id "$first" 'select(.time_log_id == $id) | .anomalies[]' "$BATS_TEST_TMPDIR/ahead")" VOIDED
    assert_equal "$(jq -r 'select(.source == "adjustment") | .guard_id' "$BATS_TEST_TMPDIR/ahead")" G00007
    # a timekeeper of DET002 only: the flush leaves out the other guards,
    # whose clock events the thread has read all the same
    for t in limited limited1; do
        cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/$t"
        tk_import $t user 'user_id,name,roles,detachments' 'tk2,Time Two,timekeeper,DET002'
    done
    ARMMS_TEST_AHEAD_RING=5 armms-timelog -q -t limited --as tk2 --period 2026-11-A >"$BATS_TEST_TMPDIR/limited"
    ARMMS_TIMELOG_SERIAL=1 armms-timelog -q -t limited1 --as tk2 --period 2026-11-A >"$BATS_TEST_TMPDIR/limited1"
    assert_equal "$(jq -r .detachment_id "$BATS_TEST_TMPDIR/limited" | sort -u)" DET002
    cmp "$BATS_TEST_TMPDIR/limited1" "$BATS_TEST_TMPDIR/limited" || fail "limited: other records than on one thread"
    assert_equal "$(tk_dump limited)" "$(tk_dump limited1)"
}

@test "into a pipe, a stage writes the same records as into a file, one transaction's behind the next" {
    sample_tenant acme
    armms-sample events >"$BATS_TEST_TMPDIR/ev"
    armms-ingest -q -t acme "$BATS_TEST_TMPDIR/ev" >/dev/null
    cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/piped"
    cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/chain"
    cp -a "$ARMMS_HOME/tenants/acme" "$ARMMS_HOME/tenants/whole"
    local s
    for s in timelog dtr timesheet; do
        # 300 guards a transaction: four commits, each handed to the writer
        # while the next is computed, each more than a pipe holds, so with a
        # reader that starts late the run waits for its writer, and ends
        # with records still to write
        ARMMS_TEST_SCOPE_CHUNK=300 armms-$s -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/file.$s"
        ARMMS_TEST_SCOPE_CHUNK=300 armms-$s -q -t piped --period 2026-11-A |
            { sleep 0.3; cat; } >"$BATS_TEST_TMPDIR/pipe.$s"
        [ -s "$BATS_TEST_TMPDIR/file.$s" ] || fail "armms-$s wrote nothing"
        cmp "$BATS_TEST_TMPDIR/file.$s" "$BATS_TEST_TMPDIR/pipe.$s" || fail "armms-$s: the pipe got other records"
        # one transaction, more than a pipe holds, its reader still asleep
        # when the run is done: the run waits for its records to be out
        armms-$s -q -t whole --period 2026-11-A | { sleep 0.5; cat; } >"$BATS_TEST_TMPDIR/whole.$s"
        cmp "$BATS_TEST_TMPDIR/file.$s" "$BATS_TEST_TMPDIR/whole.$s" || fail "armms-$s: the pipe lost records"
    done
    assert_equal "$(tk_dump piped)" "$(tk_dump acme)"
    # the one pipe, a slow reader at its end, ends in the rows the same
    # stream runs leave when each reads the one before from a file
    cp -a "$ARMMS_HOME/tenants/chain" "$ARMMS_HOME/tenants/files"
    armms-timelog -q -t chain --period 2026-11-A | armms-dtr -q -t chain | armms-timesheet -q -t chain |
        { sleep 0.3; cat; } >"$BATS_TEST_TMPDIR/chain.out"
    armms-timelog -q -t files --period 2026-11-A >"$BATS_TEST_TMPDIR/files.tl"
    armms-dtr -q -t files "$BATS_TEST_TMPDIR/files.tl" >"$BATS_TEST_TMPDIR/files.dtr"
    armms-timesheet -q -t files "$BATS_TEST_TMPDIR/files.dtr" >"$BATS_TEST_TMPDIR/files.ts"
    [ -s "$BATS_TEST_TMPDIR/files.ts" ] || fail "the stream runs wrote no timesheets"
    assert_equal "$(tk_dump chain | sha256sum)" "$(tk_dump files | sha256sum)"
    assert_equal "$(jq -r .timesheet_id "$BATS_TEST_TMPDIR/chain.out" | sort -u)" \
        "$(jq -r .timesheet_id "$BATS_TEST_TMPDIR/files.ts" | sort -u)"
}
