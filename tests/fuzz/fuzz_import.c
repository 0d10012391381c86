/*
 * fuzz_import.c - master data import: md_import_open and md_upsert over
 * the records of the input (read as armms-import reads them), into a
 * throwaway tenant that has position P1, detachment D1, shift S1 and
 * guards G1 and G2. The first line names the kind and may say csv:
 *   guard            the rest is NDJSON guard records
 *   rate csv         the rest is a CSV file of rates (header first)
 * The kinds: guard, assignment, rate, obligation, position, detachment,
 * shift, holiday, period (users, roles and routes are left out: they
 * decide who may act, not what a parser makes of a record).
 *
 * Properties (a failure aborts): the library never fails the run on a
 * record (a bad one is a Reject; a CSV header naming a column the kind
 * does not have is the one refusal of a whole file); every record read is
 * inserted, updated, unchanged or rejected.
 */
#include <stdio.h>
#include <string.h>

#include "core/input.h"
#include "fuzz.h"
#include "md/masterdata.h"
#include "store/store.h"

static tenant_t t;
static reject_sink rej;

static const char *const kinds[] = {"guard",      "assignment", "rate",
                                    "obligation", "position",   "detachment",
                                    "shift",      "holiday",    "period"};

int fuzz_setup(void)
{
    if (fuzz_tenant_make(&t))
        return -1;
    return reject_open(&rej, "/dev/null");
}

void fuzz_teardown(void)
{
    reject_close(&rej);
    fuzz_tenant_remove(&t);
}

void fuzz_one(const uint8_t *data, size_t len)
{
    const uint8_t *nl = memchr(data, '\n', len);
    if (!nl || nl - data > 40)
        return; /* no kind line: nothing to import */
    char first[48];
    snprintf(first, sizeof first, "%.*s", (int)(nl - data), (const char *)data);
    first[strcspn(first, "\r")] = '\0';
    input_format fmt = INPUT_NDJSON;
    char *sp = strchr(first, ' ');
    if (sp) {
        if (strcmp(sp, " csv") != 0)
            return;
        *sp = '\0';
        fmt = INPUT_CSV;
    }
    const md_kind *k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(first, kinds[i]) == 0)
            k = md_kind_find(kinds[i]);
    if (!k)
        return;
    len -= (size_t)(nl + 1 - data);
    data = nl + 1;

    md_import *mi = NULL;
    md_counts n = {0};
    armms_err err = {0};
    if (md_import_open(&mi, k, &t, &err))
        fuzz_fail("md_import_open: %s", err.msg);
    /* the code armms-import runs on each of its inputs */
    int rc = md_import_fd(mi, fuzz_fd(data, len), "fuzz", fmt, &rej, &n, &err);
    if (rc)
        store_rollback(md_store(mi));
    md_import_close(mi);
    /* 65 is a refused file (a CSV header the kind does not fit); anything
     * else stopping the run is a failure of the library. */
    if (rc && rc != EXIT_DATAERR)
        fuzz_fail("the import failed (%d): %s", rc, err.msg);
    if (fuzz_verbose)
        fprintf(stderr,
                "  %s: %ld read, %ld inserted, %ld updated, %ld unchanged, %ld rejected%s\n",
                first, n.read, n.inserted, n.updated, n.unchanged, n.rejected,
                rc ? " (file refused)" : "");
    if (n.read != n.inserted + n.updated + n.unchanged + n.rejected)
        fuzz_fail("%ld read but %ld inserted + %ld updated + %ld unchanged + %ld rejected", n.read,
                  n.inserted, n.updated, n.unchanged, n.rejected);
}
