load test_helper
bats_require_minimum_version 1.5.0

# armms-pay: payroll's inbox of sealed timesheet snapshots and the gross
# Paysheets priced from them. Every figure is worked out by hand from the
# premium table (Labor Code arts. 86-94): rate 800.00 a day, so 100.00 an
# hour; amount = daily_rate x minutes x multiplier / (8 x 60 x 10000),
# rounded once per line.
#
# Roster (small_tenant): DAY 06:00-18:00 and NIGHT 18:00-06:00, no break;
# G1 rests on Sundays, G3 on Mondays. 1 November 2026 is a Sunday.

# Set a policy value from now on (replacing the seeded one).
pay_policy() {
    sq "$ARMMS_HOME/tenants/acme/pay.db" "update pay_policy set value = '$2' where key = '$1'"
}

# small_tenant with 800.00 a day on every card of DET1 and DET2, from 2026.
pay_tenant() {
    small_tenant acme
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,' 'DET1,NIGHT,GUARD,800.00,2026-01-01,' \
        'DET2,DAY,GUARD,800.00,2026-01-01,' 'DET2,NIGHT,GUARD,800.00,2026-01-01,'
}

# Punch pairs: day GUARD DATE IN_TIME OUT_TIME [DETACHMENT] (an OUT earlier
# than the IN is on the next date).
day() {
    local g=$1 d=$2 tin=$3 tout=$4 det=${5:-DET1} dout=$2
    tk_punch "$g-$d-in" "$g" "${d}T${tin}+08:00" IN "$det" >>"$BATS_TEST_TMPDIR/in"
    [[ "$tout" < "$tin" ]] && dout=$(date -d "$d + 1 day" +%F)
    tk_punch "$g-$d-out" "$g" "${dout}T${tout}+08:00" OUT "$det" >>"$BATS_TEST_TMPDIR/in"
}

# A full 12-hour day shift (480 regular + 240 overtime) / night shift.
dayshift() { day "$1" "$2" 05:55:00 18:00:00 "${3:-DET1}"; }
nightshift() { day "$1" "$2" 17:55:00 06:00:00 "${3:-DET1}"; }

chain() {
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    rm -f "$BATS_TEST_TMPDIR/in"
}

# Finalize PERIOD (blocked ones too): the sealed snapshots on stdout.
seal() { armms-timesheet -q -t acme --finalize --period "$1" --override "test" "${@:2}"; }

# Lines of a paysheet as "code minutes daily_rate multiplier amount" rows.
lines_of() { jq -r '.lines[] | [.code, .minutes, .daily_rate, .multiplier, .amount] | @tsv'; }
# ... without the code (premium-day codes are the premium table's).
figures_of() { jq -r '.lines[] | [.from, .to, .minutes, .multiplier, .amount] | @tsv'; }

# Every stored paysheet row, for before/after comparisons.
pay_dump() { q acme pay 'select paysheet_id, version, status, digest, record from paysheet order by 1'; }

tsv() { printf '%s\t' "$@" | sed 's/\t$//'; }

# --- gross -----------------------------------------------------------------

@test "a DAY guard's ordinary half-month: basic and overtime, rounded once per line" {
    pay_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    local d
    for d in $(seq 16 31); do
        [ "$(date -d "2026-10-$d" +%a)" = Sun ] || dayshift G1 "2026-10-$d"
    done
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"

    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    # 14 days (16-31 October less Sundays 18 and 25) of 480 + 240 minutes:
    # BASIC 14 x 800.00 = 11,200.00; OT 14 x 4 h x 125.00 = 7,000.00
    assert_equal "$(lines_of <<<"$output")" "$(printf 'BASIC\t6720\t80000\t10000\t1120000\nOT\t3360\t80000\t12500\t700000')"
    assert_equal "$(jq -c '[.kind, .v, .paysheet_id, .guard_id, (.period | [.id, .from, .to]), .version, .stage, .status, .gross, .taxable, .net, .deductions]' <<<"$output")" \
        '["Paysheet",1,"2026-10-B/G1","G1",["2026-10-B","2026-10-16","2026-10-31"],1,"gross","COMPUTED",1820000,1820000,1820000,[]]'
    assert_equal "$(jq -c '[.lines[] | [.kind, .taxable, .from, .to, .basic]]' <<<"$output")" \
        '[["earning",true,"2026-10-16","2026-10-31",true],["earning",true,"2026-10-16","2026-10-31",null]]'
    assert_equal "$(jq -c '[.sources[] | [.timesheet_id, .version]]' <<<"$output")" '[["2026-10-B/G1/DET1/DAY",1]]'
    assert_equal "$(jq -r '.sources[0].checksum' <<<"$output")" "$(jq -r .checksum "$BATS_TEST_TMPDIR/snap")"
    assert_equal "$stderr" "armms-pay: 1 read, 1 landed, 0 rejected, 1 paysheets computed, 1 changed"
    assert_equal "$(q acme pay 'select paysheet_id, version, status, gross, net from paysheet')" "2026-10-B/G1|1|COMPUTED|1820000|1820000"
    assert_equal "$(q acme pay 'select timesheet_id, version, status, guard_id, period_id from inbox')" \
        "2026-10-B/G1/DET1/DAY|1|FINALIZED|G1|2026-10-B"
    # the inbox row holds the text the checksum covers: sha256(record) = checksum
    assert_equal "sha256:$(q acme pay 'select record from inbox' | tr -d '\n' | sha256sum | cut -d' ' -f1)" \
        "$(q acme pay 'select checksum from inbox')"
    # one PaysheetComputed event
    assert_equal "$(journal_lines acme | jq -c 'select(.event_type == "PaysheetComputed") | [.aggregate_type, .aggregate_id, .payload.version, .payload.gross]')" \
        '["Paysheet","2026-10-B/G1",1,1820000]'
}

@test "a NIGHT guard's night: basic, overtime, ND and ND on overtime make 1,390.00" {
    pay_tenant
    tk_assign acme 'G3,DET1,NIGHT,2026-10-16,,regular,'
    nightshift G3 2026-10-20
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-10-B)
    assert_equal "$status" 0
    # 18:00-02:00 regular (nd 22-02: 240), 02:00-06:00 overtime (all nd_ot):
    # 800.00 + 4 h x 125.00 + 4 h x 10.00 + 4 h x 12.50 = 1,390.00
    assert_equal "$(lines_of <<<"$output")" "$(printf '%s\n' \
        "$(tsv BASIC 480 80000 10000 80000)" "$(tsv OT 240 80000 12500 50000)" \
        "$(tsv ND 240 80000 1000 4000)" "$(tsv ND_OT 240 80000 1250 5000)")"
    assert_equal "$(jq -r .gross <<<"$output")" 139000
    assert_equal "$(jq -c '[.lines[].basic]' <<<"$output")" '[true,null,null,null]'
}

@test "work on a special day (130%), a rest day (130%), a regular holiday (200%) and a holiday on a rest day (260%)" {
    pay_tenant
    # 2 Nov (Mon) special; 8 Nov a Sunday (G1's rest day); 15 Nov (Sun) and
    # 30 Nov (Mon) regular holidays
    tk_holiday acme '2026-11-02,All Souls Day,special' '2026-11-15,Test Holiday,regular' \
        '2026-11-30,Bonifacio Day,regular'
    tk_assign acme 'G1,DET1,DAY,2026-11-01,,regular,'
    dayshift G1 2026-11-02
    dayshift G1 2026-11-08
    dayshift G1 2026-11-15
    dayshift G1 2026-11-30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    chain
    { seal 2026-11-A; seal 2026-11-B; } >"$BATS_TEST_TMPDIR/snap"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    # A: rest day 8 Nov: 8 h x 130.00 = 1,040.00, 4 h x 169.00 = 676.00;
    #    special day 2 Nov: the same; regular holiday on a rest day 15 Nov:
    #    8 h x 260.00 = 2,080.00, 4 h x 338.00 = 1,352.00
    assert_equal "$(jq -r 'select(.period.id == "2026-11-A")' <<<"$output" | figures_of)" "$(printf '%s\n' \
        "$(tsv 2026-11-08 2026-11-08 480 13000 104000)" "$(tsv 2026-11-08 2026-11-08 240 16900 67600)" \
        "$(tsv 2026-11-02 2026-11-02 480 13000 104000)" "$(tsv 2026-11-02 2026-11-02 240 16900 67600)" \
        "$(tsv 2026-11-15 2026-11-15 480 26000 208000)" "$(tsv 2026-11-15 2026-11-15 240 33800 135200)")"
    assert_equal "$(jq -r 'select(.period.id == "2026-11-A") | .gross' <<<"$output")" 686400
    # B: regular holiday 30 Nov: 8 h x 200.00 = 1,600.00, 4 h x 260.00 = 1,040.00
    assert_equal "$(jq -r 'select(.period.id == "2026-11-B")' <<<"$output" | figures_of)" "$(printf '%s\n' \
        "$(tsv 2026-11-30 2026-11-30 480 20000 160000)" "$(tsv 2026-11-30 2026-11-30 240 26000 104000)")"
    # regular-hours lines are basic pay, overtime is not
    assert_equal "$(jq -c '[.lines[].basic]' <<<"$output" | tr -d '\n')" '[true,null,true,null,true,null][true,null]'
}

@test "a paysheet's digest is the SHA-256 of its canonical record without version, status and computed_at, gross or net" {
    pay_tenant
    tk_holiday acme '2026-11-02,All Souls Day,special' '2026-11-15,Test Holiday,regular'
    tk_assign acme 'G1,DET1,DAY,2026-11-01,,regular,'
    tk_assign acme 'G3,DET1,NIGHT,2026-11-01,,regular,'
    for d in 2026-11-02 2026-11-03 2026-11-08 2026-11-15; do dayshift G1 $d; done
    nightshift G3 2026-11-04
    export ARMMS_NOW=2026-12-05T00:00:00Z
    chain
    seal 2026-11-A >"$BATS_TEST_TMPDIR/snap"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >/dev/null
    check() {
        local n=0 id digest record
        while IFS=$'\t' read -r id digest record; do
            assert_equal "$(jq -cS 'del(.version, .status, .computed_at)' <<<"$record" |
                tr -d '\n' | sha256sum | cut -d' ' -f1)" "$digest"
            n=$((n + 1))
        done < <(sqlite3 -tabs "$ARMMS_HOME/tenants/acme/pay.db" \
            "select paysheet_id, digest, record from paysheet where record ->> 'stage' = '$1'")
        assert [ "$n" -ge 2 ]
    }
    check gross
    armms-deduct -q -t acme --period 2026-11-A >/dev/null
    check net
}

@test "work on a double holiday: 300% for the first 8 hours, 390% after" {
    pay_tenant
    printf '%s\n' 'detachment_id,name,client,region' 'DET1,Tower One,Acme Corp,NCR' |
        armms-import -q -t acme --format csv detachment
    tk_import acme holiday 'date,name,kind,region' '2026-11-30,Bonifacio Day,regular,' '2026-11-30,City Day,regular,NCR'
    tk_assign acme 'G1,DET1,DAY,2026-11-16,,regular,'
    dayshift G1 2026-11-30
    export ARMMS_NOW=2026-12-05T00:00:00Z
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-11-B)
    assert_equal "$status" 0
    # 8 h x 300.00 = 2,400.00; 4 h x 390.00 = 1,560.00
    assert_equal "$(figures_of <<<"$output")" "$(printf '%s\n' \
        "$(tsv 2026-11-30 2026-11-30 480 30000 240000)" "$(tsv 2026-11-30 2026-11-30 240 39000 156000)")"
    assert_equal "$(jq -r .gross <<<"$output")" 396000
}

@test "the Christmas Eve night: special-day minutes until midnight, regular-holiday ones after" {
    export ARMMS_NOW=2027-01-05T00:00:00Z
    pay_tenant
    tk_holiday acme '2026-12-24,Christmas Eve,special' '2026-12-25,Christmas Day,regular'
    tk_assign acme 'G3,DET1,NIGHT,2026-12-16,,regular,'
    nightshift G3 2026-12-24
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-12-B)
    assert_equal "$status" 0
    # 24 Dec 18-24: 360 regular at 130% = 780.00, nd 120 at 13% = 26.00;
    # 25 Dec 00-02: 120 regular at 200% = 400.00, nd 120 at 20% = 40.00;
    # 02-06: 240 overtime at 260% = 1,040.00, nd_ot 240 at 26% = 104.00.
    # Ordered by day type (special before regular holiday), then bucket.
    # The 25th, though listed unworked (its own night was not worked), is no
    # unworked holiday: the guard worked on it, and is paid 200% for that.
    assert_equal "$(figures_of <<<"$output")" "$(printf '%s\n' \
        "$(tsv 2026-12-24 2026-12-24 360 13000 78000)" "$(tsv 2026-12-24 2026-12-24 120 1300 2600)" \
        "$(tsv 2026-12-24 2026-12-24 120 20000 40000)" "$(tsv 2026-12-24 2026-12-24 240 26000 104000)" \
        "$(tsv 2026-12-24 2026-12-24 120 2000 4000)" "$(tsv 2026-12-24 2026-12-24 240 2600 10400)")"
    assert_equal "$(jq -r .gross <<<"$output")" 239000
}

@test "a rate change mid-period splits the lines at the new rate's first day" {
    pay_tenant
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,2026-10-21' 'DET1,DAY,GUARD,830.50,2026-10-22,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    dayshift G1 2026-10-21
    dayshift G1 2026-10-22
    dayshift G1 2026-10-23
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-10-B)
    assert_equal "$status" 0
    # 20-21 Oct at 800.00: 1,600.00 basic, 1,000.00 OT;
    # 22-23 Oct at 830.50: 1,661.00 basic; OT 480 min x 1.25 x 830.50 / 480 = 1,038.125 -> 1,038.13
    assert_equal "$(jq -r '.lines[] | [.code, .from, .to, .minutes, .daily_rate, .amount] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "$(tsv BASIC 2026-10-20 2026-10-21 960 80000 160000)" "$(tsv BASIC 2026-10-22 2026-10-23 960 83050 166100)" \
        "$(tsv OT 2026-10-20 2026-10-21 480 80000 100000)" "$(tsv OT 2026-10-22 2026-10-23 480 83050 103813)")"
    assert_equal "$(jq -r .gross <<<"$output")" 529913
}

@test "an unworked regular holiday is paid after a worked last scheduled day, not after an absent one" {
    export ARMMS_NOW=2026-12-05T00:00:00Z
    pay_tenant
    tk_holiday acme '2026-11-30,Bonifacio Day,regular'
    # G1 works Saturday 28 Nov (the last scheduled day before Monday 30,
    # Sunday 29 being the rest day); G2 (rests Saturdays) works Friday 27,
    # not Sunday 29, its last scheduled day
    tk_assign acme 'G1,DET1,DAY,2026-11-16,,regular,' 'G2,DET2,DAY,2026-11-16,,regular,'
    dayshift G1 2026-11-28
    dayshift G2 2026-11-27 DET2
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-11-B)
    assert_equal "$status" 0
    # G1: 28 Nov BASIC 800.00 + OT 500.00, and 30 Nov unworked at 100% = 800.00
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .lines[] | [.code, .from, .minutes, .multiplier, .amount, .basic] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "$(tsv BASIC 2026-11-28 480 10000 80000 true)" "$(tsv OT 2026-11-28 240 12500 50000 '')" \
        "$(tsv RH_UNWORKED 2026-11-30 480 10000 80000 true)")"
    assert_equal "$(jq -r 'select(.guard_id == "G1") | .gross' <<<"$output")" 210000
    # G2 was absent on Sunday 29 Nov: no holiday pay
    assert_equal "$(jq -r 'select(.guard_id == "G2") | [.lines[].code] | join(",")' <<<"$output")" "BASIC,OT"
    assert_equal "$(jq -r 'select(.guard_id == "G2") | .gross' <<<"$output")" 130000

    # policy "always": G2 is paid too
    pay_policy unworked_holiday always
    run --separate-stderr armms-pay -t acme --period 2026-11-B --guard G2
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.lines[].code] | join(",")' <<<"$output")" "BASIC,OT,RH_UNWORKED"
    assert_equal "$(jq -r '[.version, .gross] | @tsv' <<<"$output")" "$(tsv 2 210000)"
}

@test "an inbox row without the day lines taken out when it landed is priced from its record: the same paysheets" {
    export ARMMS_NOW=2026-12-05T00:00:00Z
    pay_tenant
    tk_holiday acme '2026-11-30,Bonifacio Day,regular'
    tk_assign acme 'G1,DET1,DAY,2026-11-16,,regular,' 'G3,DET1,NIGHT,2026-11-16,,regular,'
    dayshift G1 2026-11-28
    dayshift G1 2026-11-29
    nightshift G3 2026-11-20
    nightshift G3 2026-11-30
    chain
    seal 2026-11-B | armms-pay -q -t acme >/dev/null
    # what pricing reads is in the row: the card's keys and the packed lines
    assert_equal "$(q acme pay "select count(*) from inbox where lines is null or detachment_id is null")" 0
    assert_equal "$(q acme pay "select count(*) from inbox where instr(char(10) || lines, char(10) || 'U' || char(9)) > 0")" 1
    local before
    before=$(pay_dump)
    # a row landed before the columns existed has NULL in them
    sq "$ARMMS_HOME/tenants/acme/pay.db" "update inbox set lines = null, detachment_id = null, shift_id = null, position_id = null"
    run --separate-stderr armms-pay -t acme --period 2026-11-B
    assert_equal "$status" 0
    assert_equal "$(pay_dump)" "$before"
}

@test "a day without a rate card is a NO_RATE Reject naming the card; the guard gets no paysheet, the others land" {
    pay_tenant
    tk_import acme position 'position_id,name' 'HEAD,Head Guard'
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G2,100002,Reyes,Ana,HEAD,SAT,ACTIVE' | armms-import -q -t acme --format csv guard
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    dayshift G2 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 65
    assert_equal "$(jq -r .paysheet_id <<<"$output")" "2026-10-B/G1"
    assert_equal "$(tk_rejects | jq -r '[.code, .message] | @tsv')" \
        "$(tsv NO_RATE 'no rate card for detachment DET1, shift DAY, position HEAD in force on 2026-10-20')"
    assert_equal "$(q acme pay 'select paysheet_id from paysheet')" "2026-10-B/G1"
    # both snapshots are in the inbox; with the card, the Reject fed back prices G2
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET1,DAY,HEAD,900.00,2026-01-01,'
    run --separate-stderr armms-pay -t acme < <(tk_rejects)
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.paysheet_id, .gross] | @tsv' <<<"$output")" "$(tsv 2026-10-B/G2 146250)"
}

@test "a guard's timesheets at two detachments make one paysheet with both sources" {
    pay_tenant
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' 'DET2,DAY,GUARD,850.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,2026-10-20,regular,' 'G1,DET2,DAY,2026-10-21,,regular,'
    dayshift G1 2026-10-20 DET1
    dayshift G1 2026-10-21 DET2
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-10-B)
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 1
    # DET1 at 800.00: 800.00 + 500.00; DET2 at 850.00: 850.00 + 531.25
    assert_equal "$(jq -r '.lines[] | [.code, .from, .daily_rate, .amount] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "$(tsv BASIC 2026-10-20 80000 80000)" "$(tsv BASIC 2026-10-21 85000 85000)" \
        "$(tsv OT 2026-10-20 80000 50000)" "$(tsv OT 2026-10-21 85000 53125)")"
    assert_equal "$(jq -c '[.sources[].timesheet_id]' <<<"$output")" '["2026-10-B/G1/DET1/DAY","2026-10-B/G1/DET2/DAY"]'
    assert_equal "$(jq -r .gross <<<"$output")" 268125
}

# --- the inbox -----------------------------------------------------------

@test "a snapshot re-serialised by another tool (keys reordered, blanks) lands as the canonical one does" {
    pay_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    # the same content, keys in reverse order and blanks after the separators
    jq -c 'to_entries | reverse | from_entries' "$BATS_TEST_TMPDIR/snap" | sed 's/,"/, "/g' >"$BATS_TEST_TMPDIR/odd"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/odd"
    assert_equal "$status" 0
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" "armms-pay: 1 read, 1 landed, 0 rejected, 1 paysheets computed, 1 changed"
    # the inbox keeps the canonical text the checksum covers
    local rec
    rec=$(q acme pay 'select record from inbox')
    assert_equal "sha256:$(printf '%s' "$rec" | sha256sum | cut -d' ' -f1)" "$(jq -r .checksum "$BATS_TEST_TMPDIR/snap")"
    # and the canonical record itself is the same snapshot: nothing new
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" "armms-pay: 1 read, 0 landed, 0 rejected, 1 paysheets computed, 0 changed"
}

@test "a bad checksum and a CONFLICT are Rejects, the good snapshots land, exit 65, and the rerun changes nothing" {
    pay_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    nightshift G3 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    local g1 g3
    g1=$(grep '"G1"' "$BATS_TEST_TMPDIR/snap")
    g3=$(grep '"G3"' "$BATS_TEST_TMPDIR/snap")
    # G3's snapshot with one minute more and its old checksum
    jq -c '.totals.worked += 1' <<<"$g3" >"$BATS_TEST_TMPDIR/bad"
    { cat "$BATS_TEST_TMPDIR/bad"; echo "$g1"; echo '{"kind":"DTR","v":1}'; echo 'not json'; } >"$BATS_TEST_TMPDIR/in1"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/in1"
    assert_equal "$status" 65
    assert_equal "$(jq -r .paysheet_id <<<"$output")" "2026-10-B/G1"
    assert_equal "$(tk_rejects | jq -r '[.code, .line] | @tsv')" "$(printf '%s\n' "$(tsv BAD_CHECKSUM 1)" "$(tsv BAD_KIND 3)" "$(tsv PARSE 4)")"
    assert_equal "$(printf '%s\n' "$stderr" | tail -1)" "armms-pay: 4 read, 1 landed, 3 rejected, 1 paysheets computed, 1 changed"
    assert_equal "$(q acme pay 'select timesheet_id from inbox')" "2026-10-B/G1/DET1/DAY"

    # the same key with other content (resealed, so its checksum is right)
    local other
    other=$(jq -c 'del(.checksum) | .totals.worked += 1' <<<"$g1")
    other=$(jq -c --arg c "sha256:$(printf '%s' "$(jq -cS . <<<"$other")" | sha256sum | cut -d' ' -f1)" '. + {checksum: $c}' <<<"$other")
    printf '%s\n' "$other" "$g3" >"$BATS_TEST_TMPDIR/in2"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/in2"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r .code)" CONFLICT
    assert_equal "$(jq -r .paysheet_id <<<"$output")" "2026-10-B/G3"
    assert_equal "$(q acme pay 'select timesheet_id, checksum from inbox order by 1')" \
        "$(printf '%s|%s\n' 2026-10-B/G1/DET1/DAY "$(jq -r .checksum <<<"$g1")" 2026-10-B/G3/DET1/NIGHT "$(jq -r .checksum <<<"$g3")")"

    # rerun of everything good: no new version, no event, the same records out
    local before events out1
    before=$(pay_dump)
    events=$(journal_lines acme | wc -l)
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-pay: 2 read, 0 landed, 0 rejected, 2 paysheets computed, 0 changed"
    assert_equal "$(pay_dump)" "$before"
    assert_equal "$(journal_lines acme | wc -l)" "$events"
    assert_equal "$(jq -r '[.paysheet_id, .version] | @tsv' <<<"$output")" "$(printf '%s\n' "$(tsv 2026-10-B/G1 1)" "$(tsv 2026-10-B/G3 1)")"
    run --separate-stderr armms-pay -t acme --changed "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    assert_equal "$output" ""
}

@test "a TimesheetAdjusted of an older ARMMS, its after only a summary, is an OLD_FORMAT Reject; the sealed version stands" {
    pay_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    local before
    before=$(pay_dump)
    # the shape an adjustment had before it carried the whole sealed version
    jq -c '{kind: "TimesheetAdjusted", v: 1, timesheet_id, version: 2,
            before: {version: 1, checksum, minutes, totals},
            after: {version: 2, checksum: ("sha256:" + ("0" * 64)), minutes, totals},
            delta: {totals: {worked: 0}}}' "$BATS_TEST_TMPDIR/snap" >"$BATS_TEST_TMPDIR/old"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/old"
    assert_equal "$status" 65
    assert_equal "$(tk_rejects | jq -r '[.code, .message] | @tsv')" \
        "$(tsv OLD_FORMAT "TimesheetAdjusted of 2026-10-B/G1/DET1/DAY version 2 carries a summary, not the sealed timesheet (it was written by an older ARMMS): payroll cannot price it, and the version before it stands")"
    assert_equal "$(pay_dump)" "$before"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/old"
    assert_equal "$status" 65
    assert_equal "$(pay_dump)" "$before"
}

@test "the same snapshots in a shuffled order give byte-identical paysheets" {
    pay_tenant
    tk_holiday acme '2026-10-28,Test Day,special'
    q acme pay "delete from rate where detachment_id = 'DET2' and shift_id = 'DAY'"
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET2,DAY,GUARD,800.00,2026-01-01,2026-10-24' 'DET2,DAY,GUARD,812.34,2026-10-25,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,2026-10-22,regular,' 'G1,DET2,DAY,2026-10-23,,regular,' \
        'G2,DET2,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    local d
    for d in 20 21 22; do dayshift G1 2026-10-$d DET1; done
    for d in 23 26 27 28 29; do dayshift G1 2026-10-$d DET2; done
    for d in 20 23 26 28; do dayshift G2 2026-10-$d DET2; done
    for d in 20 21 28 29; do nightshift G3 2026-10-$d; done
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/snap")" 4

    armms-pay -q -t acme "$BATS_TEST_TMPDIR/snap" >"$BATS_TEST_TMPDIR/a"
    local a
    a=$(q acme pay 'select record from paysheet order by 1')
    # a second tenant with the same cards takes them backwards
    armms-init -q -t beta
    q beta pay "attach '$ARMMS_HOME/tenants/acme/pay.db' as a; insert into rate select * from a.rate"
    tac "$BATS_TEST_TMPDIR/snap" | armms-pay -q -t beta >"$BATS_TEST_TMPDIR/b"
    assert_equal "$(q beta pay 'select record from paysheet order by 1')" "$a"
    assert_equal "$(sort "$BATS_TEST_TMPDIR/b")" "$(sort "$BATS_TEST_TMPDIR/a")"
    # and in any case every paysheet's lines add up to its gross
    assert_equal "$(jq -s 'map(([.lines[].amount] | add) == .gross) | all' "$BATS_TEST_TMPDIR/a")" true
}

@test "select mode takes each snapshot once from the journal through payroll's cursor" {
    pay_tenant
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    nightshift G3 2026-10-20
    chain
    seal 2026-10-B >/dev/null
    run --separate-stderr armms-pay -t acme --period 2026-10-B
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-pay: 2026-10-B: 2 read, 2 landed, 0 rejected, 2 paysheets computed, 2 changed"
    assert_equal "$(jq -r '[.paysheet_id, .gross] | @tsv' <<<"$output")" "$(printf '%s\n' "$(tsv 2026-10-B/G1 130000)" "$(tsv 2026-10-B/G3 139000)")"
    local cursor
    cursor=$(cat "$ARMMS_HOME/tenants/acme/journal/cursors/pay")
    assert_equal "$(q acme pay 'select count(*) from inbox where journal_seq is not null')" 2
    # again: nothing new is read
    run --separate-stderr armms-pay -t acme --period 2026-10-B
    assert_equal "$stderr" "armms-pay: 2026-10-B: 0 read, 0 landed, 0 rejected, 2 paysheets computed, 0 changed"
    # a late night: the ADJUSTED version reaches payroll as TimesheetAdjusted
    nightshift G3 2026-10-22
    chain
    run --separate-stderr armms-pay -t acme --period 2026-10-B --guard G3
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-pay: 2026-10-B G3: 1 read, 1 landed, 0 rejected, 1 paysheets computed, 1 changed"
    assert_equal "$(jq -r '[.version, .gross, (.sources | map(.version) | join(","))] | @tsv' <<<"$output")" "$(tsv 2 278000 2)"
    assert_equal "$(q acme pay "select version, status from inbox where guard_id = 'G3' order by 1")" "$(printf '1|FINALIZED\n2|ADJUSTED')"
    (( $(cat "$ARMMS_HOME/tenants/acme/journal/cursors/pay") > cursor ))
    # the same event as a stream record: its after is a duplicate now
    run --separate-stderr armms-pay -t acme < <(armms-journal -t acme cat --type TimesheetAdjusted |
        jq -c '.payload + {kind: "TimesheetAdjusted"}')
    assert_equal "$status" 0
    assert_equal "$stderr" "armms-pay: 1 read, 0 landed, 0 rejected, 1 paysheets computed, 0 changed"
}

@test "a late TimesheetAdjusted after the payrun closed lands as adjustment lines in the next open period" {
    pay_tenant
    tk_assign acme 'G3,DET1,NIGHT,2026-10-16,,regular,'
    nightshift G3 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/v1"
    armms-pay -q -t acme "$BATS_TEST_TMPDIR/v1" >/dev/null
    local closed
    closed=$(q acme pay "select record from paysheet where paysheet_id = '2026-10-B/G3'")
    q acme pay "insert into payrun(period_id, status, opened_by, opened_at) values ('2026-10-B', 'CLOSED', 'tester', '2026-11-05T00:00:00Z')"

    # the night of the 22nd reaches the office after the close
    nightshift G3 2026-10-22
    tk_chain acme "$BATS_TEST_TMPDIR/in"
    run --separate-stderr armms-pay -t acme <"$BATS_TEST_TMPDIR/ts.ndjson"
    assert_equal "$status" 0
    # the closed paysheet stays as it was
    assert_equal "$(q acme pay "select record from paysheet where paysheet_id = '2026-10-B/G3'")" "$closed"
    # November A gets the night of 22 October: 1,390.00 in four adjustment lines
    assert_equal "$(jq -r .paysheet_id <<<"$output")" "2026-11-A/G3"
    assert_equal "$(jq -r '.lines[] | [.code, .kind, .adjusts_period, .minutes, .multiplier, .amount] | @tsv' <<<"$output")" "$(printf '%s\n' \
        "$(tsv BASIC adjustment 2026-10-B 480 10000 80000)" "$(tsv OT adjustment 2026-10-B 240 12500 50000)" \
        "$(tsv ND adjustment 2026-10-B 240 1000 4000)" "$(tsv ND_OT adjustment 2026-10-B 240 1250 5000)")"
    assert_equal "$(jq -r '[.gross, .taxable, (.sources | map("\(.timesheet_id)@\(.version)") | join(","))] | @tsv' <<<"$output")" \
        "$(tsv 139000 139000 2026-10-B/G3/DET1/NIGHT@2)"

    # again, and through the journal: carried once
    local before
    before=$(pay_dump)
    armms-pay -q -t acme <"$BATS_TEST_TMPDIR/ts.ndjson" >/dev/null
    armms-pay -q -t acme --period 2026-11-A >/dev/null
    assert_equal "$(pay_dump)" "$before"

    # November A's own work joins the adjustment, which stays
    nightshift G3 2026-11-03
    export ARMMS_NOW=2026-11-25T00:00:00Z
    chain
    run --separate-stderr armms-pay -t acme < <(seal 2026-11-A)
    assert_equal "$status" 0
    assert_equal "$(jq -r '[.version, .gross, ([.lines[] | select(.kind == "adjustment")] | length), (.sources | length)] | @tsv' <<<"$output")" \
        "$(tsv 2 278000 4 2)"
}

# --- properties ------------------------------------------------------------

@test "property: over random shifts, rates and holidays, every line is its own rounding and the lines sum to gross" {
    pay_tenant
    local seed=${PAY_SEED:-$RANDOM}
    echo "seed $seed"
    RANDOM=$seed
    tk_holiday acme "2026-10-$((16 + RANDOM % 8)),Random Special,special" "2026-10-$((24 + RANDOM % 8)),Random Regular,regular"
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        "DET1,DAY,GUARD,$((500 + RANDOM % 600)).$((RANDOM % 100)),2026-01-01,2026-10-23" \
        "DET1,DAY,GUARD,$((500 + RANDOM % 600)).$((RANDOM % 100)),2026-10-24," \
        "DET1,NIGHT,GUARD,$((500 + RANDOM % 600)).$((RANDOM % 100)),2026-01-01,"
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,' 'G3,DET1,NIGHT,2026-10-16,,regular,'
    local g d
    for d in $(seq 16 31); do
        for g in G1 G2; do
            ((RANDOM % 3)) && day $g "2026-10-$d" "0$((5 + RANDOM % 2)):$((10 + RANDOM % 50)):00" "1$((5 + RANDOM % 4)):$((10 + RANDOM % 50)):00"
        done
        ((RANDOM % 3)) && day G3 "2026-10-$d" "1$((7 + RANDOM % 2)):$((10 + RANDOM % 50)):00" "0$((4 + RANDOM % 3)):$((10 + RANDOM % 50)):00"
    done
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    run --separate-stderr armms-pay -t acme "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    # amount = daily_rate x minutes x multiplier / 4,800,000, half away from zero
    assert_equal "$(jq -c '[.lines[] | select(.amount != ((.daily_rate * .minutes * .multiplier / 4800000 + 0.5) | floor))]' <<<"$output" | sort -u)" '[]'
    assert_equal "$(jq -s 'map(([.lines[].amount] | add // 0) == .gross and .gross == .net and .gross == .taxable) | all' <<<"$output")" true
    # every minute a snapshot holds is on a line: regular + ot minutes priced
    # = the worked minutes of the snapshots
    assert_equal "$(jq -s '[.[].lines[] | select(.code | test("ND|UNWORKED") | not) | .minutes] | add' <<<"$output")" \
        "$(jq -s '[.[].totals | .regular + .ot] | add' "$BATS_TEST_TMPDIR/snap")"
}

@test "armms-pay needs the scope payrun.run; a timekeeper is refused with 77 and nothing lands" {
    pay_tenant
    printf '%s\n' 'user_id,name,roles' 'tim,Tim Lopez,timekeeper' 'pat,Pat Uy,payroll_officer' |
        armms-import -q -t acme --format csv user
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,'
    dayshift G1 2026-10-20
    chain
    seal 2026-10-B >"$BATS_TEST_TMPDIR/snap"
    run --separate-stderr armms-pay -t acme --as tim "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 77
    [[ "$stderr" == *"payrun.run"* ]] || fail "$stderr"
    assert_equal "$(q acme pay 'select count(*) from inbox')" 0
    run --separate-stderr armms-pay -t acme --as pat "$BATS_TEST_TMPDIR/snap"
    assert_equal "$status" 0
    assert_equal "$(jq -r .gross <<<"$output")" 130000
}

@test "usage: --guard needs --period, and a period id is checked" {
    run --separate-stderr armms-pay --guard G1
    assert_equal "$status" 64
    run --separate-stderr armms-pay --period 2026-13-A
    assert_equal "$status" 64
    [[ "$stderr" == *"is not YYYY-MM-A or YYYY-MM-B"* ]] || fail "$stderr"
}
