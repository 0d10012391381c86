load test_helper
bats_require_minimum_version 1.5.0

# The progress line of a long run (cli/progress.h): on a terminal, and only
# there, a run says how far it is on stderr, "armms-timelog: 2 / 3 guards",
# drawn again in place; the summary, warnings and Rejects erase it first,
# so each keeps a line of its own, and standard output is the same with or
# without it. The terminal is a real one: util-linux script(1) runs the
# tool on a pseudo-terminal. ARMMS_PROGRESS_MS=0 draws the line for every
# item, so three guards are enough to see it.
#
# The tenant: G1 and G2 work DAY shifts at DET1 (800.00 a day), G3 at DET2,
# which has no rate card until a test gives it one (armms-pay rejects G3
# with NO_RATE meanwhile, after the line has been drawn for G1 and G2).

setup_file() {
    export ARMMS_HOME="$BATS_FILE_TMPDIR/ingested" ARMMS_USER=tester ARMMS_NOW=2026-11-25T00:00:00Z
    unset ARMMS_TENANT
    mkdir -p "$ARMMS_HOME"
    small_tenant acme
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET1,DAY,GUARD,800.00,2026-01-01,'
    tk_assign acme 'G1,DET1,DAY,2026-10-16,,regular,' 'G2,DET1,DAY,2026-10-16,,regular,' \
        'G3,DET2,DAY,2026-10-16,,regular,'
    armms-import -q -t acme period --generate 2026
    local g d det in="$BATS_FILE_TMPDIR/in"
    for g in G1 G2 G3; do
        det=DET1
        [ "$g" = G3 ] && det=DET2
        for d in 2026-11-03 2026-11-04 2026-11-05; do
            tk_punch "$g-$d-in" "$g" "${d}T05:55:00+08:00" IN "$det" >>"$in"
            tk_punch "$g-$d-out" "$g" "${d}T18:00:00+08:00" OUT "$det" >>"$in"
        done
    done
    armms-ingest -q -t acme "$in" >/dev/null
    cp -a "$ARMMS_HOME" "$BATS_FILE_TMPDIR/sealed"
    export ARMMS_HOME="$BATS_FILE_TMPDIR/sealed"
    armms-timelog -q -t acme --period 2026-11-A >/dev/null
    armms-dtr -q -t acme --period 2026-11-A >/dev/null
    armms-timesheet -q -t acme --period 2026-11-A >/dev/null
    armms-timesheet -q -t acme --finalize --period 2026-11-A --override test >/dev/null
}

# Each test starts from a copy of a base: "ingested" (clock events only)
# or "sealed" (the period's timesheets finalized).
from_base() {
    rm -rf "$ARMMS_HOME"
    cp -a "$BATS_FILE_TMPDIR/$1" "$ARMMS_HOME"
    cd "$BATS_TEST_TMPDIR"
}

# What a terminal shows of the bytes in FILE: "\r" goes back to the start
# of the line, ESC [ K clears to its end, and the rest overwrites.
screen() {
    perl -ne 'chomp; my @c; my $col = 0;
        while (length) {
            if (s/^\r//) { $col = 0 } elsif (s/^\e\[K//) { splice @c, $col }
            else { s/^(.)//s; $c[$col++] = $1 }
        }
        my $l = join "", map { defined $_ ? $_ : " " } @c; $l =~ s/\s+$//; print "$l\n" if length $l' "$1"
}

# The lines drawn on the terminal, one per redraw.
drawn() { tr '\r' '\n' <"$1" | sed 's/^\x1b\[K//' | grep -v '^$' || true; }

# run_both CMD: CMD (a shell command line) on a terminal, ARMMS_PROGRESS_MS=0,
# with stdout to out.tty and the terminal's bytes in tty; then the same
# command on an identical copy of the tenant with stderr to a file (err)
# and stdout to out.file. $tty_rc and $file_rc are the exit codes; $OUT in
# CMD is a directory of each run's own (OUT.tty, OUT.file).
run_both() {
    local d=$BATS_TEST_TMPDIR
    rm -rf "$d/copy"
    cp -a "$ARMMS_HOME" "$d/copy"
    tty_rc=0 file_rc=0
    OUT=$d/OUT.tty ARMMS_PROGRESS_MS=0 script -qfec "$1 >$d/out.tty </dev/null" /dev/null >"$d/tty" ||
        tty_rc=$?
    OUT=$d/OUT.file ARMMS_PROGRESS_MS=0 ARMMS_HOME="$d/copy" bash -c "$1" >"$d/out.file" 2>"$d/err" \
        </dev/null || file_rc=$?
}

# What every tool must keep: the line was drawn (its lines match PATTERN),
# stderr to a file has no trace of it, the terminal is left showing what
# the file holds (the summary and Rejects, each on its own line), and
# standard output and the exit code are the same either way (but for the
# ids a run makes, with "ids").
assert_progress() {
    local d=$BATS_TEST_TMPDIR
    run drawn "$d/tty"
    assert_line --regexp "$1"
    run grep -c $'\r\|\x1b' "$d/err"
    assert_output 0
    assert_equal "$(screen "$d/tty" | sed 's|/OUT\.tty|/OUT.file|')" "$(cat "$d/err")"
    if [ "${2:-}" = ids ]; then # a new id of each run's own
        assert_equal "$(jq -c 'del(.clock_event_id)' "$d/out.tty")" \
            "$(jq -c 'del(.clock_event_id)' "$d/out.file")"
    else
        cmp "$d/out.tty" "$d/out.file"
    fi
    assert_equal "$tty_rc" "$file_rc"
}

# On a terminal with -q: not a byte of progress (Rejects may still show).
assert_quiet() {
    local d=$BATS_TEST_TMPDIR
    ARMMS_PROGRESS_MS=0 script -qfec "$1 >/dev/null </dev/null" /dev/null >"$d/tty.q" || true
    run grep -c $'\x1b' "$d/tty.q"
    assert_output 0
}

@test "armms-timelog counts the guards of the period on a terminal, and says nothing more elsewhere" {
    from_base ingested
    run_both "armms-timelog -t acme --period 2026-11-A"
    assert_progress '^armms-timelog: [0-9]+ / 3 guards$'
    run drawn "$BATS_TEST_TMPDIR/tty"
    assert_line 'armms-timelog: 1 / 3 guards'
    assert_line 'armms-timelog: 3 / 3 guards'
    assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" \
        'armms-timelog: 0 read, 0 rejected, 18 time logs recomputed, 18 changed'
    assert_equal "$(jq -s length "$BATS_TEST_TMPDIR/out.tty")" 18
    assert_quiet "armms-timelog -q -t acme --period 2026-11-A"
}

@test "armms-dtr and armms-timesheet count the guards they recompute" {
    from_base ingested
    armms-timelog -q -t acme --period 2026-11-A >/dev/null
    run_both "armms-dtr -t acme --period 2026-11-A"
    assert_progress '^armms-dtr: [0-9]+ / 3 guards$'
    armms-dtr -q -t acme --period 2026-11-A >/dev/null
    run_both "armms-timesheet -t acme --period 2026-11-A"
    assert_progress '^armms-timesheet: [0-9]+ / 3 guards$'
    assert_quiet "armms-timesheet -q -t acme --period 2026-11-A"
}

@test "armms-timesheet --finalize and --validate count the guards brought current, then the timesheets" {
    from_base ingested
    armms-timelog -q -t acme --period 2026-11-A >/dev/null
    armms-dtr -q -t acme --period 2026-11-A >/dev/null
    run_both "armms-timesheet -t acme --validate --period 2026-11-A"
    assert_progress '^armms-timesheet: [0-9]+ timesheets$'
    run_both "armms-timesheet -t acme --finalize --period 2026-11-A --override test"
    assert_progress '^armms-timesheet: [0-9]+ timesheets$'
    run drawn "$BATS_TEST_TMPDIR/tty"
    assert_line 'armms-timesheet: 3 timesheets'
    assert_line --regexp '^armms-timesheet: [0-9]+ / 3 guards$'
    assert_equal "$(jq -r .status "$BATS_TEST_TMPDIR/out.tty" | sort -u)" FINALIZED
}

@test "a stage in stream mode shows nothing while it reads, then counts what it recomputes" {
    from_base ingested
    armms-timelog -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/tl.ndjson"
    run_both "armms-dtr -t acme $BATS_TEST_TMPDIR/tl.ndjson"
    assert_progress '^armms-dtr: [0-9]+ / 3 guards$'
    run drawn "$BATS_TEST_TMPDIR/tty"
    assert_equal "${#lines[@]}" 4
    assert_equal "${lines[0]}" 'armms-dtr: 1 / 3 guards'
    assert_equal "${lines[3]}" 'armms-dtr: 18 read, 0 rejected, 9 DTRs recomputed, 9 changed'
}

@test "no progress line in a pipe, or when the records go to the same terminal" {
    from_base ingested
    cp -a "$ARMMS_HOME" "$BATS_TEST_TMPDIR/h2"
    # stderr into a pipe: the summary alone
    ARMMS_PROGRESS_MS=0 armms-timelog -t acme --period 2026-11-A 2>&1 >/dev/null </dev/null |
        cat >"$BATS_TEST_TMPDIR/piped"
    assert_equal "$(cat "$BATS_TEST_TMPDIR/piped")" \
        'armms-timelog: 0 read, 0 rejected, 18 time logs recomputed, 18 changed'
    # records and stderr on one terminal: the records show the progress
    ARMMS_HOME="$BATS_TEST_TMPDIR/h2" ARMMS_PROGRESS_MS=0 \
        script -qfec "armms-timelog -t acme --period 2026-11-A </dev/null" /dev/null >"$BATS_TEST_TMPDIR/tty"
    run grep -c 'guards' "$BATS_TEST_TMPDIR/tty"
    assert_output 0
    assert_equal "$(grep -c '"kind":"TimeLog"' "$BATS_TEST_TMPDIR/tty")" 18
}

@test "a run shorter than ARMMS_PROGRESS_MS draws no line at all" {
    from_base ingested
    ARMMS_PROGRESS_MS=600000 script -qfec "armms-timelog -t acme --period 2026-11-A >/dev/null </dev/null" \
        /dev/null >"$BATS_TEST_TMPDIR/tty"
    run grep -c $'\x1b' "$BATS_TEST_TMPDIR/tty"
    assert_output 0
    assert_equal "$(screen "$BATS_TEST_TMPDIR/tty")" \
        'armms-timelog: 0 read, 0 rejected, 18 time logs recomputed, 18 changed'
}

@test "armms-import counts records, and a Reject on the terminal is a line of its own" {
    from_base ingested
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G4,100004,Lim,Rosa,GUARD,SUN,ACTIVE' 'G5,100005,Tan,Leo,NOPOS,SUN,ACTIVE' \
        'G6,100006,Go,Mia,GUARD,SUN,ACTIVE' >"$BATS_TEST_TMPDIR/g.csv"
    run_both "armms-import -t acme guard $BATS_TEST_TMPDIR/g.csv"
    assert_progress '^armms-import: [0-9]+ records$'
    assert_equal "$tty_rc" 65
    run screen "$BATS_TEST_TMPDIR/tty"
    assert_equal "${#lines[@]}" 2
    jq -e '.kind == "Reject" and .line == 3' <<<"${lines[0]}"
    assert_equal "${lines[1]}" 'armms-import: guard: 3 read, 2 inserted, 0 updated, 0 unchanged, 1 rejected'
    assert_equal "$(q acme hr "select count(*) from guard where guard_id in ('G4','G6')")" 2
    # -q: the Reject still shows, no progress does
    assert_quiet "armms-import -q -t acme guard $BATS_TEST_TMPDIR/g.csv"
    assert_equal "$(screen "$BATS_TEST_TMPDIR/tty.q" | jq -r .code)" UNKNOWN_REF
}

@test "armms-pay counts the snapshots it pulls and the paysheets it prices; its NO_RATE Reject keeps its own line" {
    from_base sealed
    run_both "armms-pay -t acme --period 2026-11-A"
    assert_progress '^armms-pay: [0-9]+ / 3 paysheets$'
    run drawn "$BATS_TEST_TMPDIR/tty"
    assert_line --regexp '^armms-pay: [0-9]+ snapshots from the journal$'
    assert_line 'armms-pay: 2 / 3 paysheets'
    assert_equal "$tty_rc" 65
    run screen "$BATS_TEST_TMPDIR/tty"
    assert_equal "${#lines[@]}" 2
    assert_equal "$(jq -r .code <<<"${lines[0]}")" NO_RATE
    assert_regex "${lines[1]}" '^armms-pay: 2026-11-A: 3 read, 3 landed, 1 rejected, 2 paysheets computed'
    assert_equal "$(jq -s length "$BATS_TEST_TMPDIR/out.tty")" 2
    assert_quiet "armms-pay -q -t acme --period 2026-11-A"
}

@test "armms-deduct counts the paysheets it nets, by period and from a stream" {
    from_base sealed
    armms-pay -q -t acme --period 2026-11-A >"$BATS_TEST_TMPDIR/gross.ndjson" || true
    run_both "armms-deduct -t acme --period 2026-11-A"
    assert_progress '^armms-deduct: [0-9]+ / 2 paysheets$'
    assert_equal "$(jq -s length "$BATS_TEST_TMPDIR/out.tty")" 2
    run_both "armms-deduct -t acme $BATS_TEST_TMPDIR/gross.ndjson"
    assert_progress '^armms-deduct: [0-9]+ / [0-9]+ paysheets$'
    assert_quiet "armms-deduct -q -t acme --period 2026-11-A"
}

@test "armms-payslip counts the payslips it writes to a directory or a file, never over its own text" {
    from_base sealed
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET2,DAY,GUARD,800.00,2026-01-01,'
    armms-payrun -q -t acme open 2026-11-A
    armms-payrun -q -t acme compute 2026-11-A >/dev/null
    armms-payrun -q -t acme approve 2026-11-A
    # text to one file
    run_both 'armms-payslip -t acme 2026-11-A -o "$OUT"'
    assert_progress '^armms-payslip: [0-9]+ / 3 payslips$'
    cmp "$BATS_TEST_TMPDIR/OUT.tty" "$BATS_TEST_TMPDIR/OUT.file"
    assert_equal "$(grep -c PAYSLIP "$BATS_TEST_TMPDIR/OUT.tty")" 3
    # a PDF a guard in a directory
    run_both 'armms-payslip -t acme 2026-11-A --format pdf -o "$OUT.d"'
    assert_progress '^armms-payslip: [0-9]+ / 3 payslips$'
    diff -r "$BATS_TEST_TMPDIR/OUT.tty.d" "$BATS_TEST_TMPDIR/OUT.file.d"
    assert_equal "$(ls "$BATS_TEST_TMPDIR/OUT.tty.d" | wc -l)" 3
    # text to the terminal itself: the payslips, no line over them
    ARMMS_PROGRESS_MS=0 script -qfec "armms-payslip -t acme 2026-11-A </dev/null" /dev/null \
        >"$BATS_TEST_TMPDIR/tty"
    run grep -c 'payslips$' "$BATS_TEST_TMPDIR/tty"
    assert_output 0
    assert_equal "$(grep -c PAYSLIP "$BATS_TEST_TMPDIR/tty")" 3
    assert_quiet "armms-payslip -q -t acme 2026-11-A -o $BATS_TEST_TMPDIR/slips.q"
}

@test "armms-payrun compute counts the paysheets it prices, then those it nets" {
    from_base sealed
    tk_import acme rate 'detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to' \
        'DET2,DAY,GUARD,800.00,2026-01-01,'
    armms-payrun -q -t acme open 2026-11-A
    run_both "armms-payrun -t acme compute 2026-11-A"
    assert_progress '^armms-payrun: [0-9]+ / 3 paysheets$'
    assert_equal "$(drawn "$BATS_TEST_TMPDIR/tty" | grep -c '^armms-payrun: 3 / 3 paysheets$')" 2
    assert_quiet "armms-payrun -q -t acme compute 2026-11-A"
}

@test "armms-ingest draws its counts through the same line, erased before the summary" {
    from_base ingested
    for i in 1 2 3; do
        tk_punch "late-$i" G1 "2026-11-0${i}T05:55:00+08:00" IN DET1
    done >"$BATS_TEST_TMPDIR/late"
    run_both "armms-ingest -t acme --batch 1 $BATS_TEST_TMPDIR/late"
    assert_progress '^armms-ingest: [0-9] read, [0-9] accepted, 0 duplicates, 0 rejected$' ids
    assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" \
        'armms-ingest: 3 read, 3 accepted, 0 duplicates, 0 rejected'
}
