#!/usr/bin/env bats
# The shape of lib/ (tests/layers, run by `make check` as `make layers`):
# dependencies point down the layers core < store < iam < md < tk | pay <
# cli, timekeeping and payroll never include each other, and only the tools
# and the CLI layer print. Each case plants one breach in a copy of lib/.
load test_helper

# A copy of the checkout's lib/ to plant a breach in.
copy_lib() {
    tree="$BATS_TEST_TMPDIR/tree"
    mkdir -p "$tree"
    cp -r "$ARMMS_ROOT/lib" "$tree/"
    rm -f "$tree"/lib/*/*.o "$tree"/lib/*/*.d "$tree"/lib/*.a
}

@test "the tree as committed keeps every layer rule" {
    run "$ARMMS_ROOT/tests/layers"
    assert_success
    assert_output ""
}

@test "make layers passes on the tree" {
    run make -s -C "$ARMMS_ROOT" layers
    assert_success
    assert_output --partial "dependencies point down"
}

@test "core including a timekeeping header fails the check, naming the file and line" {
    copy_lib
    printf '#include "tk/stage.h"\n' >>"$tree/lib/core/money.c"
    local n
    n=$(wc -l <"$tree/lib/core/money.c")
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output "lib/core/money.c:$n: include \"tk/stage.h\": core may not use tk (a layer above it)"
}

@test "the approval layer including master data fails the check" {
    copy_lib
    printf '#include "md/masterdata.h"\n' >>"$tree/lib/iam/change.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/iam/change.c:"
    assert_output --partial "iam may not use md"
}

@test "a header including a layer above fails the check too" {
    copy_lib
    printf '#include "store/store.h"\n' >>"$tree/lib/core/money.h"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/core/money.h:"
    assert_output --partial "core may not use store"
}

@test "timekeeping including payroll fails the check" {
    copy_lib
    printf '/* planted */\n' >"$tree/lib/pay/period.h"
    printf '#include "pay/period.h"\n' >>"$tree/lib/tk/dtr.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "include \"pay/period.h\": tk and pay never include each other"
}

@test "payroll including timekeeping fails the check" {
    copy_lib
    printf '#include "tk/timesheet.h"\n' >"$tree/lib/pay/planted.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output "lib/pay/planted.c:1: include \"tk/timesheet.h\": pay and tk never include each other"
}

@test "an include that does not name its layer fails the check" {
    copy_lib
    printf '#include "util.h"\n' >>"$tree/lib/store/audit.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "does not name its layer"
}

@test "a folder of lib/ that is no layer fails the check" {
    copy_lib
    mkdir "$tree/lib/misc"
    printf 'int x;\n' >"$tree/lib/misc/x.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/misc is not a layer"
}

@test "store code writing to stderr fails the check" {
    copy_lib
    printf 'void planted(void) { fprintf(stderr, "x\\n"); }\n' >>"$tree/lib/store/audit.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/store/audit.c: prints outside the CLI layer"
}

@test "master data calling printf or puts fails the check" {
    copy_lib
    printf 'void planted(void) { printf("x"); }\n' >>"$tree/lib/md/masterdata.h"
    printf 'void planted2(void) { puts ("x"); }\n' >>"$tree/lib/tk/shift.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/md/masterdata.h: prints outside the CLI layer"
    assert_output --partial "lib/tk/shift.c: prints outside the CLI layer"
}

@test "a comment or a string naming stderr is not printing" {
    copy_lib
    printf '/* Rejects go to stderr, printf-style. */\nstatic const char *planted = "stdout";\n' \
        >>"$tree/lib/store/audit.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_success
}

@test "the CLI layer may print and may use every layer" {
    copy_lib
    printf '#include "tk/stage.h"\nvoid planted(void) { fprintf(stderr, "x"); }\n' \
        >>"$tree/lib/cli/scope.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_success
}

@test "make fmt-check fails on a source that drifts from .clang-format" {
    tree="$BATS_TEST_TMPDIR/tree"
    mkdir -p "$tree"
    cp -r "$ARMMS_ROOT/lib" "$ARMMS_ROOT/src" "$ARMMS_ROOT/Makefile" "$ARMMS_ROOT/.clang-format" "$tree/"
    mkdir -p "$tree/tests/unit"
    cp "$ARMMS_ROOT"/tests/unit/*.[ch] "$tree/tests/unit/"
    run make -s -C "$tree" fmt-check
    assert_success
    printf 'int  planted( void ){return 0;}\n' >>"$tree/lib/core/money.c"
    run make -s -C "$tree" fmt-check
    assert_failure
    assert_output --partial "lib/core/money.c: drifts from .clang-format"
}

@test "a file opened in out/ or the CLI layer without caller_* fails the check" {
    copy_lib
    printf 'void planted(void) { FILE *f = fopen("x", "r"); (void)f; }\n' >>"$tree/lib/out/bank.c"
    printf 'void planted2(void) { rename ("a", "b"); }\n' >>"$tree/lib/cli/view.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_failure 1
    assert_output --partial "lib/out/bank.c: opens a file without caller_* (core/secure.h)"
    assert_output --partial "lib/cli/view.c: opens a file without caller_* (core/secure.h)"
    # what the tenant's own code opens is not a person's file
    copy_lib
    printf 'void planted(void) { FILE *f = fopen("x", "r"); (void)f; }\n' >>"$tree/lib/store/audit.c"
    run "$ARMMS_ROOT/tests/layers" "$tree"
    assert_success
}
