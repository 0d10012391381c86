# Shared set-up for every bats file: real binaries from bin/, a fresh
# ARMMS_HOME per test, and the bats-assert/support/file libraries.
ARMMS_ROOT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)"
export PATH="$ARMMS_ROOT/bin:$PATH"

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

setup() {
    export ARMMS_HOME="$BATS_TEST_TMPDIR/home"
    export ARMMS_USER=tester
    export ARMMS_NOW=2026-11-25T00:00:00Z
    unset ARMMS_TENANT
    mkdir -p "$ARMMS_HOME"
}

# Journal segment(s) of a tenant, concatenated (plain segments only), each
# line a full envelope (tests/journal_format.py expands the short ones).
journal_lines() { python3 "$ARMMS_ROOT/tests/journal_format.py" "$ARMMS_HOME/tenants/$1/journal" 2>/dev/null; }

# Every route that needs approval made direct, for the tests of what an
# action does rather than of who approves it; 80-approve.bats tests the
# routes armms-init installs. The acting user (tester) is the first admin.
direct_routes() {
    printf '%s\n' action rate.update timesheet.finalize obligation.waive payrun.close paysheet.reject |
        armms-import -q -t "$1" --format csv route
}

# A tenant with the sample master data (a 1,200-guard agency) loaded.
sample_tenant() {
    local t=${1:-acme}
    armms-init -q -t "$t"
    direct_routes "$t"
    local k
    for k in position shift detachment guard assignment rate holiday obligation user; do
        armms-import -q -t "$t" "$k" "$ARMMS_ROOT/samples/$k.csv"
    done
    armms-import -q -t "$t" period --generate 2026
}

# A tiny tenant: positions, shifts, two detachments, three guards.
small_tenant() {
    local t=${1:-acme}
    armms-init -q -t "$t"
    direct_routes "$t"
    printf '%s\n' 'position_id,name' 'GUARD,Security Guard' | armms-import -q -t "$t" --format csv position
    printf '%s\n' 'shift_id,start,end' 'DAY,06:00,18:00' 'NIGHT,18:00,06:00' | armms-import -q -t "$t" --format csv shift
    printf '%s\n' 'detachment_id,name,client' 'DET1,Tower One,Acme Corp' 'DET2,Harbor Mall,Harbor Inc' | armms-import -q -t "$t" --format csv detachment
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE' \
        'G2,100002,Reyes,Ana,GUARD,SAT,ACTIVE' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE' | armms-import -q -t "$t" --format csv guard
}

# The sqlite3 shell given the store digests' function (tests/sqlext/README),
# so a test can write an audited table behind the tools' back: sq DB SQL...
ARMMS_SQLEXT="$ARMMS_ROOT/tests/sqlext/armms_digest.so"
sq() {
    [ -f "$ARMMS_SQLEXT" ] || make -s -C "$ARMMS_ROOT" tests/sqlext/armms_digest.so >&2
    sqlite3 -cmd ".load $ARMMS_SQLEXT" "$@"
}

# sqlite3 query against a tenant module store, e.g. q acme tk 'select count(*) ...'
q() { sq "$ARMMS_HOME/tenants/$1/$2.db" "$3"; }

# --- timekeeping (70-timelog, 71-dtr, 72-timesheet) ----------------------

# One ClockEvent line: tk_punch EVENT_ID GUARD LOCAL_TS TYPE [DETACHMENT]
# (the device id names the detachment it hangs at, D-NONE without one).
tk_punch() {
    local det=""
    [ -n "${5:-}" ] && det=",\"detachment_id\":\"$5\""
    printf '{"event_id":"%s","device_id":"D-%s","guard_id":"%s","ts":"%s","type":"%s"%s}\n' \
        "$1" "${5:-NONE}" "$2" "$3" "$4" "$det"
}

# Master data from CSV rows: tk_import TENANT KIND HEADER ROW...
tk_import() {
    local t=$1 k=$2
    shift 2
    printf '%s\n' "$@" | armms-import -q -t "$t" --format csv "$k"
}

# Assignments: tk_assign TENANT 'G1,DET1,DAY,2026-10-16,,regular,' ...
tk_assign() {
    local t=$1
    shift
    tk_import "$t" assignment 'guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id' "$@"
}

# Holidays: tk_holiday TENANT '2025-12-25,Christmas Day,regular' ...
tk_holiday() {
    local t=$1
    shift
    tk_import "$t" holiday 'date,name,kind' "$@"
}

# Append key=value policy lines to the tenant's tenant.conf.
tk_policy() {
    local t=$1
    shift
    printf '%s\n' "$@" >>"$ARMMS_HOME/tenants/$t/tenant.conf"
}

# Clock events of FILE through the whole chain, as one pipe:
#   armms-ingest FILE | armms-timelog | armms-dtr | armms-timesheet
# Each stage's output is kept in $BATS_TEST_TMPDIR/{ce,tl,dtr,ts}.ndjson.
tk_chain() {
    local t=$1 f=$2 d=$BATS_TEST_TMPDIR
    (
        set -o pipefail
        armms-ingest -q -t "$t" "$f" | tee "$d/ce.ndjson" |
            armms-timelog -q -t "$t" | tee "$d/tl.ndjson" |
            armms-dtr -q -t "$t" | tee "$d/dtr.ndjson" |
            armms-timesheet -q -t "$t" >"$d/ts.ndjson"
    )
}

# tk.db of tenant $1 as schema 13 left it: time_log, dtr, timesheet and
# stale checked by IN lists (migration 14 rewrites them as comparisons).
# Only the schema's text changes, as an old build wrote it.
tk_schema13() {
    sqlite3 "$ARMMS_HOME/tenants/$1/tk.db" "PRAGMA writable_schema = ON;
        UPDATE sqlite_schema SET sql = replace(sql,
            'status = ''VALID'' OR status = ''INVALID'' OR status = ''DUPLICATE''',
            'status IN (''VALID'',''INVALID'',''DUPLICATE'')') WHERE name = 'time_log';
        UPDATE sqlite_schema SET sql = replace(sql,
            'status = ''COMPLETE'' OR status = ''INCOMPLETE'' OR status = ''ABSENT'' OR status = ''LEAVE''',
            'status IN (''COMPLETE'',''INCOMPLETE'',''ABSENT'',''LEAVE'')') WHERE name = 'dtr';
        UPDATE sqlite_schema SET sql = replace(sql,
            'status = ''DRAFT'' OR status = ''FINALIZED'' OR status = ''ADJUSTED''',
            'status IN (''DRAFT'',''FINALIZED'',''ADJUSTED'')') WHERE name = 'timesheet';
        UPDATE sqlite_schema SET sql = replace(sql,
            'stage = ''timelog'' OR stage = ''dtr'' OR stage = ''timesheet''',
            'stage IN (''timelog'',''dtr'',''timesheet'')') WHERE name = 'stale';
        PRAGMA writable_schema = OFF; PRAGMA user_version = 13"
}

# The timekeeping tables of a tenant, for before/after comparisons.
tk_dump() {
    local tbl
    for tbl in clock_event time_log_adjustment time_log dtr timesheet; do
        echo "-- $tbl"
        q "$1" tk "select * from $tbl order by 1, 2"
    done
}

# Reject records among $stderr lines (a summary line is not JSON).
tk_rejects() { printf '%s\n' "$stderr" | grep '^{' || true; }
