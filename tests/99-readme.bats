#!/usr/bin/env bats
# The README's own command blocks, run as written: each ```sh block between
# <!-- readme-test: NAME --> and <!-- /readme-test --> is extracted and run
# with bash -e, in README order, from a directory that has the clone's
# samples/ (a symlink) and nothing else, with HOME in the test's tmp dir
# (so the README's ARMMS_HOME=${ARMMS_HOME:-$HOME/armms} lands there). The
# blocks are one flow: what a block exports (ARMMS_HOME, ARMMS_USER, ...)
# is handed to the next, as a reader's shell would keep it, so a block only
# passes when every block before it did. Then the shipped day and payday
# scripts and the systemd units are tested on the tenant the flow made.

load test_helper

setup_file() {
    export RT_DIR="$BATS_FILE_TMPDIR/clone"
    mkdir -p "$RT_DIR" "$BATS_FILE_TMPDIR/home"
    ln -s "$ARMMS_ROOT/samples" "$RT_DIR/samples"
}

setup() {
    export HOME="$BATS_FILE_TMPDIR/home"
    unset ARMMS_HOME ARMMS_TENANT ARMMS_USER # the README sets them
    # after the last punch of 2026-11-B (a NIGHT OUT on 1 December), so no
    # sample event is in the future
    export ARMMS_NOW=2026-12-02T00:00:00Z
    RT_ENV="$BATS_FILE_TMPDIR/env"
}

# The code of the README block NAME (empty when there is none).
readme_block() {
    awk -v name="$1" '
        $0 == "<!-- readme-test: " name " -->" { on = 1; next }
        on && $0 == "<!-- /readme-test -->" { exit }
        on && /^```sh$/ { code = 1; next }
        on && code && /^```$/ { code = 0; next }
        on && code { print }
    ' "$ARMMS_ROOT/README.md"
}

# Run README block NAME after block PREV passed: with PREV's exports, from
# $RT_DIR, bash -e; its exports saved for the next block on success.
run_block() {
    local name=$1 prev=${2:-} code
    if [ -n "$prev" ] && [ ! -f "$BATS_FILE_TMPDIR/ok-$prev" ]; then
        fail "README block '$prev' did not pass, so '$name' cannot run"
    fi
    code=$(readme_block "$name")
    [ -n "$code" ] || fail "README.md has no readme-test block '$name'"
    {
        [ -f "$RT_ENV" ] && cat "$RT_ENV"
        printf '%s\n' "$code"
        printf '%s\n' 'for v in ${!ARMMS_*} PATH; do printf "export %s=%q\n" "$v" "${!v}"; done >"'"$RT_ENV.new"'"'
    } >"$BATS_FILE_TMPDIR/$name.sh"
    cd "$RT_DIR"
    run bash -e "$BATS_FILE_TMPDIR/$name.sh"
    cp "$BATS_FILE_TMPDIR/$name.sh" "$BATS_TEST_TMPDIR/" 2>/dev/null || true
    if [ "$status" != 0 ]; then
        printf '%s\n' "$output" | grep -v '"kind":"Reject"' | tail -20 >&2
        fail "README block '$name' exited $status"
    fi
    # bash -e sees only the last command of a pipe: a missing command or
    # file earlier in one is caught here, a failing stage by the checks of
    # what the block made
    if grep -E ': (command not found|cannot open|No such file or directory)' <<<"$output" >&2; then
        fail "README block '$name' names a command or file that is not there"
    fi
    mv "$RT_ENV.new" "$RT_ENV"
    touch "$BATS_FILE_TMPDIR/ok-$name"
}

# The environment the flow left (ARMMS_HOME, ARMMS_TENANT...), for the tests
# of the scripts.
flow_env() {
    [ -f "$BATS_FILE_TMPDIR/ok-remit" ] || fail "the README flow did not pass"
    # shellcheck disable=SC1090
    source "$RT_ENV"
    SPOOL=$ARMMS_HOME/spool/acme
}

# Everything a run could change: the timekeeping and payroll tables, the
# journal, the spool's files.
state() {
    local t
    for t in clock_event clock_event_held time_log dtr timesheet; do
        q acme tk "select * from $t order by 1, 2"
    done
    q acme pay "select * from paysheet order by 1"
    cat "$ARMMS_HOME/tenants/acme/journal/"*.ndjson | wc -l
    (cd "$SPOOL" && find . -type f ! -name lock | sort | xargs md5sum)
}

@test "README: every samples/ file it names is in git, and every readme-test block is there" {
    local f missing="" git=0
    git -C "$ARMMS_ROOT" rev-parse --git-dir >/dev/null 2>&1 && git=1
    for f in $(grep -oE 'samples/[A-Za-z0-9_.@/-]*[A-Za-z0-9_]' "$ARMMS_ROOT/README.md" | sort -u); do
        case "$f" in samples/\$* | */\$*) continue ;; esac
        if [ ! -e "$ARMMS_ROOT/$f" ]; then
            missing="$missing $f"
        elif [ "$git" = 1 ] && [ -f "$ARMMS_ROOT/$f" ] &&
            ! git -C "$ARMMS_ROOT" ls-files --error-unmatch "$f" >/dev/null 2>&1; then
            missing="$missing $f(not in git)"
        fi
    done
    assert_equal "$missing" ""
    local b
    for b in pipeline data pay waive review out daily remit; do
        [ -n "$(readme_block "$b")" ] || fail "no readme-test block '$b'"
    done
}

@test "README: the pipeline seals 2026-11-A from the clone's samples and armms-sample's events" {
    run_block pipeline
    export ARMMS_HOME=$HOME/armms
    assert_file_exists "$ARMMS_HOME/tenants/acme/tk.db" # $HOME/armms: ARMMS_HOME was unset
    assert_equal "$(wc -l <"$RT_DIR/accepted.ndjson")" 29816
    # the vendor payload (jq map), the ZKTeco log and the late punch landed,
    # each closing a MISSING_OUT day of the sample period
    assert_equal "$(q acme tk "select count(*) from clock_event where device_id like 'VX-%'")" 3
    assert_equal "$(q acme tk "select count(*) from clock_event where device_id = 'DET027-2'")" 3
    assert_equal "$(q acme tk "select count(*) from clock_event where event_id = 'DET033-1-LATE-0001'")" 1
    local id
    for id in G00003/DET029 G00004/DET039 G00008/DET027 G00354/DET027 G00296/DET027/NIGHT \
        G00286/DET027 G00061/DET033 G00113/DET007; do
        grep -q "\"timesheet_id\":\"2026-11-A/$id" "$RT_DIR/finalized.ndjson" ||
            fail "2026-11-A/$id was not sealed"
    done
    [ "$(wc -l <"$RT_DIR/finalized.ndjson")" -gt 1000 ]
}

@test "README: looking at the data" {
    run_block data pipeline
    assert_file_exists "$RT_DIR/det.xlsx"
    grep -q '<html' "$RT_DIR/tk.html"
}

@test "README: paying 2026-11-A" {
    run_block pay data
    [ "$(wc -l <"$RT_DIR/paysheets.ndjson")" -gt 900 ]
    grep -q '<html' "$RT_DIR/payrun.html"
}

@test "README: a waiver through its route" {
    run_block waive pay
    export ARMMS_HOME=$HOME/armms
    assert_equal "$(armms-deduct -t acme --as pay1 obligations --guard G00853 |
        jq -r '.schedule[] | select(.period == "2026-11-B") | .status')" WAIVED
}

@test "README: review and close 2026-11-A, with a hold the timekeeper resolves" {
    run_block review waive
    export ARMMS_HOME=$HOME/armms
    assert_equal "$(armms-payrun -q -t acme --as pay1 status 2026-11-A --format ndjson | jq -r .status)" CLOSED
}

@test "README: from the approved run to the bank, under \$ARMMS_HOME" {
    run_block out review
    local out=$HOME/armms/out/2026-11-A
    assert_file_exists "$out/payslips/payslips.txt"
    assert_file_exists "$out/payslips.pdf"
    assert_file_exists "$out/register.xlsx"
    assert_file_exists "$out/bank/bpi.txt"
    assert_equal "$(find "$out/payslips" -name '*.pdf' | wc -l)" 2
    assert_file_exists "$RT_DIR/payrun-2026-11-A.tar.gz"
}

@test "README: 2026-11-B the way the timers run it, through armms-day and armms-payday" {
    run_block daily out
    export ARMMS_HOME=$HOME/armms
    assert_file_exists "$ARMMS_HOME/spool/acme/done/2026-11-B.ndjson"
    assert_file_not_exists "$ARMMS_HOME/spool/acme/2026-11-B.ndjson"
    [ -s "$ARMMS_HOME/spool/acme/blockers/2026-11-B.ndjson" ]
    assert_equal "$(armms-payrun -q -t acme --as pay1 status 2026-11-B --format ndjson | jq -r .status)" CLOSED
}

@test "README: the month's government files once both halves are approved" {
    run_block remit daily
    local out=$HOME/armms/out/2026-11 f
    for f in R3-202611.txt philhealth.csv hdmf.csv hdmf-loan.csv bir-1601c.csv; do
        [ -s "$out/$f" ] || fail "$f not written"
    done
}

@test "armms-day: a second run with nothing new in the spool changes nothing" {
    flow_env
    export ARMMS_USER=tk1
    local before
    before=$(state)
    run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_success
    assert_equal "$(state)" "$before"
}

@test "armms-day: a file with a bad record moves to done/ with its Rejects, exit 65; a rerun changes nothing" {
    flow_env
    export ARMMS_USER=tk1
    # a ZKTeco log of the sample's DET027 second reader: one good OUT, one
    # unknown punch state; and an NDJSON line that is no clock event
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' 100286 '2026-11-16 18:04:10' 2 1 1 0 100286 '2026-11-16 18:05:00' 2 9 1 0 \
        >"$SPOOL/DET027-2_attlog.dat"
    printf '{"guard_id":"G00001"}\n' >"$SPOOL/bad.ndjson"
    run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_equal "$status" 65
    assert_file_exists "$SPOOL/done/DET027-2_attlog.dat"
    assert_file_exists "$SPOOL/done/bad.ndjson"
    assert_equal "$(jq -r .code "$SPOOL/rejects/DET027-2_attlog.rejects.ndjson")" BAD_FIELD
    [ -s "$SPOOL/rejects/bad.rejects.ndjson" ]
    assert_equal "$(q acme tk "select count(*) from clock_event where device_id = 'DET027-2' and ts like '2026-11-16%'")" 1
    assert_equal "$(wc -c <"$SPOOL/state/accepted.ndjson")" 0
    local before
    before=$(state)
    run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_success
    assert_equal "$(state)" "$before"
}

@test "armms-day: a file armms-ingest cannot take stays in the spool, and the run stops with its exit status" {
    flow_env
    cp "$ARMMS_ROOT/samples/late.ndjson" "$SPOOL/late.ndjson"
    ARMMS_USER=nobody run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_equal "$status" 77
    assert_file_exists "$SPOOL/late.ndjson"
    assert_output --partial "left in the spool"
    ARMMS_USER=tk1 run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_success
    assert_file_exists "$SPOOL/done/late.ndjson"
    assert_file_not_exists "$SPOOL/late.ndjson"
}

@test "armms-day: a punch for a guard HR data lacks is held: done/, exit 65, listed by --held" {
    flow_env
    export ARMMS_USER=tk1
    printf '{"event_id":"DET001-1-NEW-1","device_id":"DET001-1","guard_id":"G09999","ts":"2026-11-20T05:58:00+08:00","type":"IN","detachment_id":"DET001"}\n' \
        >"$SPOOL/new-hire.ndjson"
    run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    assert_equal "$status" 65
    assert_output --partial "held for HR data"
    assert_file_exists "$SPOOL/done/new-hire.ndjson"
    assert_equal "$(armms-ingest --held | jq -r .guard_id)" G09999
}

@test "armms-day: a second run at the same time is refused (75), the spool untouched" {
    flow_env
    cp "$ARMMS_ROOT/samples/late.ndjson" "$SPOOL/again.ndjson"
    mkdir -p "$SPOOL/state"
    exec 8>"$SPOOL/state/lock"
    flock -n 8
    ARMMS_USER=tk1 run "$ARMMS_ROOT/samples/bin/armms-day" acme 2026-11-B
    exec 8>&-
    assert_equal "$status" 75
    assert_file_exists "$SPOOL/again.ndjson"
    rm "$SPOOL/again.ndjson"
}

@test "armms-day and armms-payday: usage is exit 64" {
    run "$ARMMS_ROOT/samples/bin/armms-day"
    assert_equal "$status" 64
    run "$ARMMS_ROOT/samples/bin/armms-payday" a b c
    assert_equal "$status" 64
}

@test "armms-payday: a closed run is left alone; a new period is opened and computed, and stops at COMPUTED" {
    flow_env
    export ARMMS_USER=pay1
    run "$ARMMS_ROOT/samples/bin/armms-payday" acme 2026-11-B
    assert_success
    assert_output --partial "nothing to compute"
    run "$ARMMS_ROOT/samples/bin/armms-payday" acme 2026-12-A
    assert_success
    assert_equal "$(armms-payrun -q status 2026-12-A --format ndjson | jq -r .status)" COMPUTED
    local before
    before=$(q acme pay "select * from paysheet order by 1"; cat "$ARMMS_HOME/tenants/acme/journal/"*.ndjson | wc -l)
    run "$ARMMS_ROOT/samples/bin/armms-payday" acme 2026-12-A
    assert_success
    assert_equal "$(q acme pay "select * from paysheet order by 1"; cat "$ARMMS_HOME/tenants/acme/journal/"*.ndjson | wc -l)" "$before"
    ARMMS_USER=nobody run "$ARMMS_ROOT/samples/bin/armms-payday" acme 2026-11-B
    assert_equal "$status" 77
}

@test "the shipped crontab calls the shipped scripts" {
    local n=0 cmd
    while read -r m h dom mon dow cmd; do
        case "$m" in '' | \#* | *=*) continue ;; esac
        n=$((n + 1))
        [[ "$cmd" =~ armms-(day|payday)\ acme$ ]] || fail "unexpected crontab command: $cmd"
        assert_file_executable "$ARMMS_ROOT/samples/bin/armms-${BASH_REMATCH[1]}"
    done <"$ARMMS_ROOT/samples/cron/armms.crontab"
    assert_equal "$n" 2
}

@test "the shipped systemd units and timers verify (systemd-analyze verify)" {
    command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
    local d=$BATS_TEST_TMPDIR/units
    mkdir -p "$d"
    cp "$ARMMS_ROOT/samples/systemd/"* "$d/"
    # the scripts where the units would find them installed
    sed -i "s|/usr/local/bin/|$ARMMS_ROOT/samples/bin/|" "$d/"*.service
    cd "$d"
    run --separate-stderr systemd-analyze verify --man=no \
        ./armms-day@acme.service ./armms-day@acme.timer ./armms-payday@acme.service ./armms-payday@acme.timer
    assert_success
    # an unknown key or a missing command is only a warning on stderr; what
    # is said of other units (a container's own) is not the samples' fault
    assert_equal "$(grep -E 'armms-(day|payday)@' <<<"$stderr")" ""
}
