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

/* The records of fd into mi, as armms-import's import_fd does. 0, or the
 * code of a refusal of the whole file (err filled). */
static int import(md_import *mi, const md_kind *k, int fd, input_format fmt, md_counts *n,
                  armms_err *err)
{
    input_source rs;
    if (input_open(&rs, fd, "fuzz", fmt, err))
        fuzz_fail("input_open: %s", err->msg);
    int rc = md_begin(mi, err), st, header_checked = 0;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, err)) != INPUT_EOF) {
        if (st < 0) {
            rc = err->code;
            break;
        }
        if (fmt == INPUT_CSV && !header_checked) {
            header_checked = 1;
            if ((rc = md_check_header_peek(k, input_header_peek(&rs), err))) {
                if (st == INPUT_OK)
                    jv_free(rec);
                break;
            }
        }
        if (st == INPUT_BAD) {
            reject_emit(&rej, &it.why, "fuzz", it.line, it.raw, it.raw_len);
            n->read++;
            n->rejected++;
            continue;
        }
        rc = md_upsert(mi, rec, fmt == INPUT_CSV, &rej, "fuzz", it.line, it.raw, it.raw_len, n,
                       err);
        if (rc)
            fuzz_fail("md_upsert failed the run (%d): %s", rc, err->msg);
    }
    if (!rc && fmt == INPUT_CSV && !header_checked &&
        jv_get_kind(input_header_peek(&rs)) == JV_KIND_ARRAY)
        rc = md_check_header_peek(k, input_header_peek(&rs), err);
    if (!rc)
        rc = md_commit(mi, err);
    else
        store_rollback(md_store(mi));
    input_close(&rs);
    return rc;
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
    int rc = import(mi, k, fuzz_fd(data, len), fmt, &n, &err);
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
