/*
 * audit.c - see audit.h.
 */
#include "store/audit.h"

#include <jv.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "store/store.h"

static const char *const modules[] = {"hr", "tk", "pay", "iam"};

/* The record's own rows, and every step of the change requests naming it. */
static const char sql_history[] =
    "WITH req AS (SELECT aggregate_id FROM audit WHERE event_type = 'ApprovalRequested'"
    " AND EXISTS (SELECT 1 FROM json_each(payload, '$.targets') WHERE value = ?1))"
    " SELECT at, seq, actor, event_type, aggregate_type, aggregate_id,"
    " coalesce(request_id, ''), payload, login, service FROM audit"
    " WHERE aggregate_id = ?1 OR aggregate_id IN req ORDER BY seq";

typedef struct entry {
    char *at, *line;
    long seq;
    int module;
} entry;

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->at, y->at);
    if (c)
        return c;
    if (x->module != y->module)
        return x->module - y->module;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One AuditEntry line: before and after lifted out of the payload when the
 * change carries them (master data: before/record; adjustments and
 * adjusted timesheets: before/after); a payload that is itself a record
 * (it has a "kind", e.g. a TimesheetFinalized) is the after-state. */
static char *entry_json(sqlite3_stmt *q, const char *module)
{
    jv e = jv_object();
    e = jv_object_set(e, jv_string("kind"), jv_string("AuditEntry"));
    e = jv_object_set(e, jv_string("v"), jv_number(1));
    static const char *const names[] = {
        "at", "seq", "actor", "event_type", "aggregate_type", "aggregate_id", "request_id"};
    for (int i = 0; i < 7; i++) {
        if (i == 1)
            continue;
        const char *v = (const char *)sqlite3_column_text(q, i);
        e = jv_object_set(e, jv_string(names[i]), v && *v ? jv_string(v) : jv_null());
    }
    e = jv_object_set(e, jv_string("module"), jv_string(module));
    /* a multi-user installation's: who logged in, and a service account */
    const char *login = (const char *)sqlite3_column_text(q, 8);
    if (login && *login)
        e = jv_object_set(e, jv_string("login"), jv_string(login));
    if (sqlite3_column_int(q, 9))
        e = jv_object_set(e, jv_string("service"), jv_true());
    jv p = jv_parse((const char *)sqlite3_column_text(q, 7));
    if (jv_get_kind(p) == JV_KIND_OBJECT) {
        jv before = jv_object_get(jv_copy(p), jv_string("before"));
        jv after = jv_object_get(jv_copy(p), jv_string("after"));
        if (!jv_is_valid(after) || jv_get_kind(after) == JV_KIND_NULL) {
            jv_free(after);
            after = jv_object_get(jv_copy(p), jv_string("record"));
        }
        if ((!jv_is_valid(after) || jv_get_kind(after) == JV_KIND_NULL) &&
            jv_object_has(jv_copy(p), jv_string("kind"))) {
            jv_free(after);
            after = jv_copy(p);
        }
        e = jv_object_set(e, jv_string("before"), jv_is_valid(before) ? before : jv_null());
        e = jv_object_set(e, jv_string("after"), jv_is_valid(after) ? after : jv_null());
    }
    e = jv_object_set(e, jv_string("payload"), p);
    jv s = jv_dump_string(e, 0);
    char *out = xstrdup(jv_string_value(s));
    jv_free(s);
    return out;
}

int audit_history(tenant_t *t, const char *id, FILE *out, long *n, armms_err *err)
{
    entry *v = NULL;
    size_t nv = 0;
    *n = 0;
    for (int m = 0; m < 4 && !err->code; m++) {
        store_t s;
        if (store_open_ro(&s, t, modules[m], err))
            break;
        sqlite3_stmt *q = NULL;
        if (!store_prepare(&s, &q, sql_history, err)) {
            sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
            int rc;
            while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                v = xrealloc(v, sizeof *v * (nv + 1));
                v[nv].at = xstrdup((const char *)sqlite3_column_text(q, 0));
                v[nv].seq = (long)sqlite3_column_int64(q, 1);
                v[nv].module = m;
                v[nv].line = entry_json(q, modules[m]);
                nv++;
            }
            if (rc != SQLITE_DONE)
                store_fail(&s, rc, "reading the audit trail", err);
            sqlite3_finalize(q);
        }
        store_close(&s);
    }
    if (nv)
        qsort(v, nv, sizeof *v, entry_cmp);
    for (size_t i = 0; i < nv; i++) {
        if (!err->code && fprintf(out, "%s\n", v[i].line) < 0)
            err_set(err, EXIT_IOERR, "cannot write to standard output");
        free(v[i].at);
        free(v[i].line);
    }
    free(v);
    *n = (long)nv;
    return err->code;
}
