/*
 * fuzz_tenant.c - the throwaway tenant of the harnesses that need one (see
 * fuzz.h): made as armms-init makes one, seeded through the import API,
 * removed with everything in it.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <ftw.h>
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/actions.h"
#include "md/masterdata.h"
#include "store/store.h"

static char home[4096];

/* Master data every harness can refer to, kind by kind (NDJSON). */
static const char *const seed[][2] = {
    {"position", "{\"position_id\":\"P1\",\"name\":\"Security Guard\"}"},
    {"detachment", "{\"detachment_id\":\"D1\",\"name\":\"Warehouse\",\"client\":\"Client\"}"},
    {"shift", "{\"shift_id\":\"S1\",\"start\":\"06:00\",\"end\":\"18:00\"}"},
    {"guard", "{\"guard_id\":\"G1\",\"employee_no\":\"1001\",\"last_name\":\"Cruz\","
              "\"first_name\":\"Jose\",\"position_id\":\"P1\",\"rest_days\":\"SUN\","
              "\"status\":\"ACTIVE\"}"},
    {"guard", "{\"guard_id\":\"G2\",\"employee_no\":\"1002\",\"last_name\":\"Reyes\","
              "\"first_name\":\"Ana\",\"position_id\":\"P1\",\"rest_days\":\"SAT,SUN\","
              "\"status\":\"ACTIVE\"}"},
};

static int import_one(tenant_t *t, const char *kind, const char *json, armms_err *err)
{
    const md_kind *k = md_kind_find(kind);
    md_import *mi = NULL;
    md_counts n = {0};
    reject_sink rej;
    if (!k)
        return err_set(err, EXIT_SOFTWARE, "no kind %s", kind);
    if (reject_open(&rej, "/dev/null"))
        return err_set(err, EXIT_SOFTWARE, "cannot open /dev/null");
    jv rec = jv_parse(json);
    int rc = md_import_open(&mi, k, t, err) || md_begin(mi, err);
    if (rc)
        jv_free(rec);
    else
        rc = md_upsert(mi, rec, 0, &rej, "fuzz-seed", 1, json, strlen(json), &n, err) ||
             md_commit(mi, err);
    md_import_close(mi);
    reject_close(&rej);
    if (!rc && n.rejected)
        rc = err_set(err, EXIT_SOFTWARE, "seed %s %s was rejected", kind, json);
    return rc ? err->code ? err->code : EXIT_SOFTWARE : 0;
}

int fuzz_tenant_make(tenant_t *t)
{
    armms_err err = {0};
    const char *tmp = getenv("ARMMS_FUZZ_TMP");
    if (!tmp || !*tmp)
        tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(home, sizeof home, "%s/armms-fuzz-XXXXXX", tmp);
    if (!mkdtemp(home)) {
        fprintf(stderr, "fuzz: cannot make a directory under %s\n", tmp);
        return -1;
    }
    setenv("ARMMS_HOME", home, 1);
    /* A fixed now: FUTURE_TS and received_at do not depend on the day. */
    setenv("ARMMS_NOW", "2026-06-01T00:00:00Z", 1);
    cli_actions_register(); /* before md_import_open, as armms-import does */
    static const char *const modules[] = {"hr", "tk", "pay", "iam"};
    int rc = tenant_resolve(t, "fuzz", "fuzzer", &err) || tenant_create(t, NULL, &err);
    for (size_t i = 0; !rc && i < sizeof modules / sizeof *modules; i++) {
        store_t s;
        rc = store_open(&s, t, modules[i], STORE_CREATE | STORE_MIGRATE, &err);
        if (!rc)
            store_close(&s);
    }
    for (size_t i = 0; !rc && i < sizeof seed / sizeof *seed; i++)
        rc = import_one(t, seed[i][0], seed[i][1], &err);
    if (rc) {
        fprintf(stderr, "fuzz: cannot make the tenant: %s\n", err.msg);
        fuzz_tenant_remove(t);
        return -1;
    }
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void fuzz_tenant_remove(tenant_t *t)
{
    if (home[0])
        nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    home[0] = '\0';
    tenant_free(t);
}
