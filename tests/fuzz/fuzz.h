/*
 * fuzz.h - what every fuzzing harness of tests/fuzz/ provides, and what the
 * shared driver (fuzz_main.c) and the throwaway tenant (fuzz_tenant.c) give
 * it. One harness source builds two ways:
 *  - with afl++ (afl-clang-fast): the driver runs the harness in persistent
 *    mode on the test cases afl-fuzz hands it in shared memory;
 *  - with the normal compiler (and SAN=1): the driver replays every file
 *    given as an argument, or every file of a directory given as one.
 * A harness sees the library through its public headers only. A failed
 * property is a crash (fuzz_fail aborts), so afl-fuzz keeps its input.
 */
#ifndef ARMMS_FUZZ_H
#define ARMMS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "store/tenant.h"

/* The harness: set up once before the first input (0, or nonzero to give
 * up), run one input, and release everything at the end (so LeakSanitizer
 * sees only what the library leaked). */
int fuzz_setup(void);
void fuzz_one(const uint8_t *data, size_t len);
void fuzz_teardown(void);

/* Set (FUZZ_VERBOSE in the environment) when the replay should say what
 * each input did: the harnesses print their counts to stderr. */
extern int fuzz_verbose;

/* Report a broken property or an unexpected failure and abort. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An fd whose contents are exactly data, read from its start (one memfd,
 * rewritten for each input; the caller does not close it). */
int fuzz_fd(const uint8_t *data, size_t len);

/* A tenant in a new temporary ARMMS_HOME (under $ARMMS_FUZZ_TMP, else
 * $TMPDIR, else /tmp), created the way armms-init does (every store
 * created and migrated), with master data a ZK PIN or an import can refer
 * to: position P1, detachment D1, shift S1, and guard G1 with employee_no
 * 1001 (and G2, 1002). */
int fuzz_tenant_make(tenant_t *t);
/* Remove the tenant's home and everything in it, and free t. */
void fuzz_tenant_remove(tenant_t *t);

#endif
