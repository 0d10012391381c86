load test_helper
bats_require_minimum_version 1.5.0

# A multi-user installation (make install-system; armms-security(7)): the
# tools set-group-id to a group no person is in, the data directory
# root:GROUP 2770, the actor the real user's login. The test makes its own
# group and users, installs into a directory of its own and removes them
# after; it needs root (CI runs as root) and skips without it.

setup_file() {
    if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
        export MU_SKIP="needs root, useradd and setpriv"
        return 0
    fi
    export MU_ID=$$ MU_GROUP="armg$$" MU_ALICE="arma$$" MU_BOB="armb$$" MU_SVC="arms$$"
    export MU_ROOT="/var/tmp/armms-mu.$$"
    mkdir -p "$MU_ROOT" && chmod 755 "$MU_ROOT"
    export MU_BIN="$MU_ROOT/prefix/bin" MU_DATA="$MU_ROOT/data"
    # built as the tree was: a sanitizer build's objects link only with its flags
    local san=
    ldd "$ARMMS_ROOT/bin/armms-init" | grep -q libasan && san=1
    # (under SAN=1 the set-group-id tools check memory errors, not leaks:
    # lib/core/sysdir.c)
    make -s -C "$ARMMS_ROOT" install-system SAN="$san" PREFIX="$MU_ROOT/prefix" SYSTEM_DIR="$MU_DATA" \
        SYSGROUP="$MU_GROUP" BASHCOMPDIR="$MU_ROOT/prefix/share/bash-completion" >/dev/null
    local u
    for u in "$MU_ALICE" "$MU_BOB" "$MU_SVC"; do useradd -M -U -d /nonexistent "$u"; done
    # root creates the tenant and its users; a person's login names one user
    env -u ARMMS_HOME "$MU_BIN/armms-init" -q -t acme --as admin
    printf '%s\n' 'user_id,name,roles,login,service' \
        "tk1,Tomas Cruz,timekeeper,$MU_ALICE," \
        "hr1,Hilda Ramos,hr_officer,$MU_BOB," \
        'hrm1,Hana Reyes,hr_manager,,' \
        "cron,Nightly jobs,timekeeper,$MU_SVC,true" \
        "publisher,Publisher,hr_officer,$MU_SVC,true" |
        env -u ARMMS_HOME "$MU_BIN/armms-import" -q -t acme --as admin --format csv user
}

teardown_file() {
    [ -z "${MU_SKIP:-}" ] || return 0
    local u
    for u in "$MU_ALICE" "$MU_BOB" "$MU_SVC"; do userdel "$u" 2>/dev/null || true; done
    groupdel "$MU_GROUP" 2>/dev/null || true
    rm -rf "$MU_ROOT"
}

setup() {
    [ -z "${MU_SKIP:-}" ] || skip "$MU_SKIP"
    unset ARMMS_HOME ARMMS_USER ARMMS_NOW ARMMS_TENANT
    export ARMMS_TENANT=acme
    cd "$BATS_TEST_TMPDIR"
    chmod 755 "$BATS_TEST_TMPDIR" "$(dirname "$BATS_TEST_TMPDIR")" "$(dirname "$(dirname "$BATS_TEST_TMPDIR")")" 2>/dev/null || true
}

# as USER TOOL ARGS...: run an installed tool as that login (its own group only)
as() {
    local u=$1 t=$2
    shift 2
    setpriv --reuid="$u" --regid="$u" --init-groups -- "$MU_BIN/$t" "$@"
}
iam() { sqlite3 "$MU_DATA/tenants/acme/iam.db" "$1"; }
hr() { sqlite3 "$MU_DATA/tenants/acme/hr.db" "$1"; }

@test "the data belongs to the installation's group: people cannot open a store or the journal" {
    assert_equal "$(stat -c '%U:%G %a' "$MU_DATA")" "root:$MU_GROUP 2770"
    assert_equal "$(stat -c '%G %a' "$MU_DATA/tenants/acme")" "$MU_GROUP 2770"
    local f
    for f in hr.db tk.db pay.db iam.db; do
        assert_equal "$(stat -c '%G %a' "$MU_DATA/tenants/acme/$f")" "$MU_GROUP 660"
    done
    assert_equal "$(stat -c '%G %a' "$MU_BIN/armms-import")" "$MU_GROUP 2755"
    run setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- cat "$MU_DATA/tenants/acme/iam.db"
    assert_failure
    assert_output --partial "Permission denied"
    run setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- sqlite3 "$MU_DATA/tenants/acme/iam.db" 'select 1'
    assert_failure
    # what a person's run writes, the next person's run can read and extend
    printf '%s\n' 'date,name,kind,region' '2026-12-08,Immaculate Conception,special,' >holidays.csv
    chmod 644 holidays.csv
    run --separate-stderr as "$MU_BOB" armms-import holiday holidays.csv
    assert_success
    run --separate-stderr as "$MU_ALICE" armms-report roster --date 2026-12-08 --format ndjson
    assert_success
    run find "$MU_DATA" ! -group "$MU_GROUP"
    assert_output ""
    run find "$MU_DATA" -perm /o=rwx
    assert_output ""
}

@test "the actor is the real user's login mapped to a tenant user; --as and ARMMS_USER are refused" {
    run --separate-stderr as "$MU_ALICE" armms-approve whoami
    assert_success
    assert_equal "$(jq -r .user_id <<<"$output")" tk1
    run --separate-stderr as "$MU_ALICE" armms-approve --as hrm1 whoami
    assert_failure 77
    assert_equal "$stderr" "armms-approve: tenant acme: in a multi-user installation login $MU_ALICE acts as tk1; --as and ARMMS_USER name only a service account of login $MU_ALICE"
    ARMMS_USER=hrm1 run --separate-stderr as "$MU_ALICE" armms-approve whoami
    assert_failure 77
    # nor may a person name a service account of another login
    run --separate-stderr as "$MU_ALICE" armms-approve --as cron whoami
    assert_failure 77
    # a change is the mapped user's, and the audit trail names the login
    printf '%s\n' 'date,name,kind,region' '2026-12-30,Rizal Day,regular,' >h.csv
    chmod 644 h.csv
    run --separate-stderr as "$MU_BOB" armms-import holiday h.csv
    assert_success
    run --separate-stderr as "$MU_BOB" armms-journal history 2026-12-30
    assert_failure 77 # hr1 holds no journal.read: refused, not shown
    assert_equal "$(sqlite3 "$MU_DATA/tenants/acme/pay.db" "select actor || ' ' || login || ' ' || service from audit where payload like '%Rizal Day%'")" "hr1 $MU_BOB 0"
}

@test "a service account is named with --as by its login's real user, and marked so in the audit trail" {
    # a login of two service accounts names one
    run --separate-stderr as "$MU_SVC" armms-approve whoami
    assert_failure 77
    assert_equal "$stderr" "armms-approve: tenant acme: login $MU_SVC is the login of 2 service accounts: name one with --as"
    run --separate-stderr as "$MU_SVC" armms-approve --as cron whoami
    assert_success
    assert_equal "$(jq -r .user_id <<<"$output")" cron
    printf '%s\n' 'date,name,kind,region' '2026-12-31,Last Day of the Year,special,' >h.csv
    chmod 644 h.csv
    ARMMS_USER=publisher run --separate-stderr as "$MU_SVC" armms-import holiday h.csv
    assert_success
    assert_equal "$(sqlite3 "$MU_DATA/tenants/acme/pay.db" "select actor || ' ' || login || ' ' || service from audit where payload like '%Last Day of the Year%'")" "publisher $MU_SVC 1"
    # root reads the history: the entry says service
    local id
    id=$(sqlite3 "$MU_DATA/tenants/acme/pay.db" "select aggregate_id from audit where payload like '%Last Day of the Year%'")
    run --separate-stderr "$MU_BIN/armms-journal" --as admin history "$id"
    assert_success
    assert_equal "$(jq -c 'select(.event_type == "HolidayUpserted") | {actor, login, service}' <<<"$output")" "{\"actor\":\"publisher\",\"login\":\"$MU_SVC\",\"service\":true}"
}

@test "a set-group-id run ignores a hostile ARMMS_HOME and the test hooks: no backdated punch" {
    # the caller's own home with a tenant acme where they would be admin
    local fake=$BATS_TEST_TMPDIR/fake
    mkdir -p "$fake" && chown "$MU_ALICE" "$fake"
    ARMMS_HOME=$fake ARMMS_USER=tk1 setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- \
        env ARMMS_HOME="$fake" /bin/true
    run --separate-stderr env ARMMS_HOME="$fake" XDG_DATA_HOME="$fake" HOME="$fake" \
        setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- "$MU_BIN/armms-init" -t acme
    assert_failure 77 # the installation's acme exists, and alice is no admin of it
    assert_equal "$(ls -A "$fake")" ""
    run --separate-stderr as "$MU_ALICE" armms-init -t mine
    assert_failure 77
    assert_equal "$stderr" "armms-init: tenant mine: in a multi-user installation only root creates a tenant"
    assert [ ! -e "$MU_DATA/tenants/mine" ]
    run --separate-stderr as "$MU_ALICE" armms-init --restore /nonexistent.tar.gz
    assert_failure 77
    assert_equal "$stderr" "armms-init: in a multi-user installation only root restores a tenant"
    # ARMMS_NOW and the journal's segment size are test hooks: not read
    local seg_before
    seg_before=$(ls "$MU_DATA/tenants/acme/journal" | wc -l)
    # a punch of now, by the real clock: with ARMMS_NOW honoured it would be
    # years ahead of "now" and refused; ignored, it is taken (held until HR
    # data has the guard) and stamped with the real time
    local now month
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    month=$(date -u +%Y-%m)
    printf '{"event_id":"E1","device_id":"D1","guard_id":"G1","ts":"%s","type":"IN"}\n' "$now" >ev.ndjson
    chmod 644 ev.ndjson
    run --separate-stderr env ARMMS_NOW=2020-01-01T00:00:00+08:00 ARMMS_JOURNAL_SEGMENT_BYTES=64 \
        setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- "$MU_BIN/armms-ingest" ev.ndjson
    assert_failure 65 # held: HR data has no guard G1
    assert_equal "$(tail -n 1 <<<"$stderr")" "armms-ingest: 1 read, 0 accepted, 0 duplicates, 0 rejected, 1 held"
    assert_equal "$(sqlite3 "$MU_DATA/tenants/acme/tk.db" "select count(*) from clock_event_held where held_at like '$month-%'")" 1
    assert_equal "$(sqlite3 "$MU_DATA/tenants/acme/tk.db" "select count(*) from clock_event_held where held_at like '2020-%'")" 0
    # the same run in a personal installation honours the hook (the test's own check)
    ARMMS_HOME="$BATS_TEST_TMPDIR/personal" ARMMS_NOW=2020-01-01T00:00:00+08:00 ARMMS_USER=admin \
        "$ARMMS_ROOT/bin/armms-init" -q -t p
    run --separate-stderr env ARMMS_HOME="$BATS_TEST_TMPDIR/personal" ARMMS_NOW=2020-01-01T00:00:00+08:00 \
        ARMMS_USER=admin "$ARMMS_ROOT/bin/armms-ingest" -t p ev.ndjson
    assert_failure 65
    assert_equal "$(tail -n 1 <<<"$stderr")" "armms-ingest: 1 read, 0 accepted, 0 duplicates, 1 rejected"
    assert_equal "$(ls "$MU_DATA/tenants/acme/journal" | wc -l)" "$seg_before"
    # TMPDIR and TZDIR are not read either: a workbook's scratch file still
    # goes to /tmp, and the tenant's zone still comes from the system's zones
    run --separate-stderr env TMPDIR=/nonexistent TZDIR=/nonexistent \
        setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- \
        "$MU_BIN/armms-report" roster --date 2026-12-08 --format xlsx
    assert_success
    [[ "$output" == PK* ]] || fail "not a workbook"
    export ARMMS_HOME="$BATS_TEST_TMPDIR/personal"
    run --separate-stderr env TMPDIR=/nonexistent "$ARMMS_ROOT/bin/armms-report" --as admin \
        -t p roster --date 2026-12-08 --format xlsx
    unset ARMMS_HOME
    assert_failure 73 # the personal run does read it
}

@test "a file the caller names is opened with the caller's rights, never the installation's" {
    local seg
    seg=$(ls "$MU_DATA/tenants/acme/journal/"*.ndjson | head -1)
    run as "$MU_ALICE" armms-ingest "$seg"
    assert_failure 66
    assert_line --index 0 "armms-ingest: cannot open $seg: Permission denied"
    run --separate-stderr as "$MU_BOB" armms-import holiday "$MU_DATA/tenants/acme/tenant.conf"
    assert_failure 66
    printf '%s\n' 'date,name,kind,region' '2026-12-24,Christmas Eve,special,' >h.csv
    chmod 644 h.csv
    run --separate-stderr as "$MU_BOB" armms-import --rejects "$MU_DATA/tenants/acme/x" holiday h.csv
    assert_failure 73
    assert [ ! -e "$MU_DATA/tenants/acme/x" ]
    # an output directory in the data directory is refused
    run --separate-stderr as "$MU_ALICE" armms-sample masterdata --guards 2 --out "$MU_DATA/tenants/acme/md"
    assert_failure
    assert [ ! -e "$MU_DATA/tenants/acme/md" ]
    # the caller's own files work as they always do
    local own="$MU_ROOT/own-$MU_BOB"
    mkdir -p "$own" && chown "$MU_BOB" "$own"
    run --separate-stderr as "$MU_BOB" armms-import --rejects "$own/rejects.ndjson" holiday h.csv
    assert_success
    assert_equal "$(stat -c %U "$own/rejects.ndjson")" "$MU_BOB"
}

@test "a data directory a person could have made or could write is not trusted" {
    chmod o+w "$MU_DATA"
    run --separate-stderr as "$MU_ALICE" armms-approve whoami
    chmod o-w "$MU_DATA"
    assert_failure 78
    assert_equal "$stderr" "armms-approve: $MU_DATA is not the installation's: it must be root's, of group $(getent group "$MU_GROUP" | cut -d: -f3) and not writable by others (make install-system sets it up)"
    chown "$MU_ALICE" "$MU_DATA/tenants/acme"
    run --separate-stderr as "$MU_ALICE" armms-approve whoami
    chown root "$MU_DATA/tenants/acme"
    assert_failure 78
    run --separate-stderr as "$MU_ALICE" armms-approve whoami
    assert_success
}

@test "ARMMS_HOSTNAME is a test hook too: a claim names the real host, and no one steps past another host's claim with it" {
    run --separate-stderr env ARMMS_HOSTNAME=elsewhere "$MU_BIN/armms-init" --claim acme --as admin
    assert_success
    assert_equal "$(sed -n 's/^host=//p' "$MU_DATA/tenants/acme/host")" "$(hostname)"
    run --separate-stderr as "$MU_ALICE" armms-report roster --date 2026-12-08
    assert_success
    # a claim by another host keeps every tool here off, whatever the caller says the host is
    sed -i 's/^host=.*/host=elsewhere/' "$MU_DATA/tenants/acme/host"
    run --separate-stderr env ARMMS_HOSTNAME=elsewhere \
        setpriv --reuid="$MU_ALICE" --regid="$MU_ALICE" --init-groups -- "$MU_BIN/armms-report" roster --date 2026-12-08
    assert_failure 75
    [[ "$stderr" == *"tenant acme is held by host elsewhere since "*", not by this host ($(hostname))"* ]] || fail "$stderr"
    "$MU_BIN/armms-init" -q --release acme --force --as admin
    assert [ ! -e "$MU_DATA/tenants/acme/host" ]
}
