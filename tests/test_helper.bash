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

# Journal segment(s) of a tenant, concatenated (plain segments only).
journal_lines() { cat "$ARMMS_HOME/tenants/$1/journal/"*.ndjson 2>/dev/null; }

# A tenant with the sample master data (a 1,200-guard agency) loaded.
sample_tenant() {
    local t=${1:-acme}
    armms-init -q -t "$t"
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
    printf '%s\n' 'position_id,name' 'GUARD,Security Guard' | armms-import -q -t "$t" --format csv position
    printf '%s\n' 'shift_id,start,end' 'DAY,06:00,18:00' 'NIGHT,18:00,06:00' | armms-import -q -t "$t" --format csv shift
    printf '%s\n' 'detachment_id,name,client' 'DET1,Tower One,Acme Corp' 'DET2,Harbor Mall,Harbor Inc' | armms-import -q -t "$t" --format csv detachment
    printf '%s\n' 'guard_id,employee_no,last_name,first_name,position_id,rest_days,status' \
        'G1,100001,Santos,Juan,GUARD,SUN,ACTIVE' \
        'G2,100002,Reyes,Ana,GUARD,SAT,ACTIVE' \
        'G3,100003,Cruz,Ben,GUARD,MON,ACTIVE' | armms-import -q -t "$t" --format csv guard
}

# sqlite3 query against a tenant module store, e.g. q acme tk 'select count(*) ...'
q() { sqlite3 "$ARMMS_HOME/tenants/$1/$2.db" "$3"; }
