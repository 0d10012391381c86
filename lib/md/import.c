/*
 * import.c - one import run of a kind: its store opened with what its
 * references need attached, its statements prepared from the kinds table,
 * the hooks handed from above, and the run as a change effect (md_effect)
 * and back (md_apply).
 *
 * Invariants: every statement of a run lives in its store and is finalized
 * by store_close; the hook table is the caller's and outlives every run.
 */
#include "md/md_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "iam/change.h"

/* ---- hooks ---------------------------------------------------------------- */

static const md_hook *hooks; /* md_register's table */

void md_register(const md_hook *table)
{
    hooks = table;
}

md_written_fn md_hook_of(const md_kind *k)
{
    for (const md_hook *h = hooks; h && h->kind; h++)
        if (strcmp(h->kind, k->name) == 0)
            return h->fn;
    return NULL;
}

int md_step_write(store_t *s, sqlite3_stmt *st, rejection *rj, armms_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return rejection_set(rj, "CONFLICT", "%s", sqlite3_errmsg(s->db));
    return store_fail(s, rc, "upsert", err);
}

/* ---- statements ----------------------------------------------------------- */

/* The pieces of SQL every statement of a kind is made of. */
typedef struct sql_parts {
    strbuf cols; /* "a","b",...       in field order */
    strbuf q;    /* ?,?,...           one per field */
    strbuf sets; /* "a"=?1,"b"=?2,... */
    strbuf keyw; /* "k" IS ?n AND ... the natural key */
} sql_parts;

static void sql_parts_build(const md_kind *k, sql_parts *p)
{
    sb_init(&p->cols);
    sb_init(&p->q);
    sb_init(&p->sets);
    sb_init(&p->keyw);
    for (int i = 0; i < k->nf; i++) {
        const md_field *f = &k->f[i];
        sb_addf(&p->cols, "%s\"%s\"", i ? "," : "", md_col(f));
        sb_addf(&p->q, "%s?", i ? "," : "");
        sb_addf(&p->sets, "%s\"%s\"=?%d", i ? "," : "", md_col(f), i + 1);
        if (f->flags & MD_KEY)
            sb_addf(&p->keyw, "%s\"%s\" IS ?%d", p->keyw.len ? " AND " : "", md_col(f), i + 1);
    }
    assert(p->keyw.len > 0); /* every kind has a natural key */
}

static void sql_parts_free(sql_parts *p)
{
    sb_free(&p->cols);
    sb_free(&p->q);
    sb_free(&p->sets);
    sb_free(&p->keyw);
}

/* Prepare sql (freed) into *st unless an earlier one failed. */
static int prepare_owned(md_import *mi, sqlite3_stmt **st, char *sql, int rc, armms_err *err)
{
    if (!rc)
        rc = store_prepare(&mi->s, st, sql, err);
    free(sql);
    return rc;
}

/* Effective-dated: every version of a key in order, the version id last
 * among the placeholders (fields 1..nf then the id). */
static int prepare_dated(md_import *mi, const sql_parts *p, armms_err *err)
{
    const md_kind *k = mi->k;
    int rc = prepare_owned(mi, &mi->sel,
                           xasprintf("SELECT %s,%s FROM %s WHERE %s ORDER BY valid_from",
                                     k->id_column, p->cols.s, k->table, p->keyw.s),
                           0, err);
    rc = prepare_owned(mi, &mi->ins,
                       xasprintf("INSERT INTO %s(%s,%s) VALUES (%s,?%d)", k->table, p->cols.s,
                                 k->id_column, p->q.s, k->nf + 1),
                       rc, err);
    return prepare_owned(
        mi, &mi->upd,
        xasprintf("UPDATE %s SET %s WHERE %s=?%d", k->table, p->sets.s, k->id_column, k->nf + 1),
        rc, err);
}

/* Plain: one row per key; the select's NULL stands where a version id
 * would be, so both shapes read fields from column 1. */
static int prepare_plain(md_import *mi, const sql_parts *p, armms_err *err)
{
    const md_kind *k = mi->k;
    int rc = prepare_owned(
        mi, &mi->sel, xasprintf("SELECT NULL,%s FROM %s WHERE %s", p->cols.s, k->table, p->keyw.s),
        0, err);
    rc = prepare_owned(mi, &mi->ins,
                       xasprintf("INSERT INTO %s(%s) VALUES (%s)", k->table, p->cols.s, p->q.s),
                       rc, err);
    return prepare_owned(mi, &mi->upd,
                         xasprintf("UPDATE %s SET %s WHERE %s", k->table, p->sets.s, p->keyw.s),
                         rc, err);
}

/* One existence query per field that refers to another table. */
static int prepare_refs(md_import *mi, armms_err *err)
{
    const md_kind *k = mi->k;
    int rc = 0;
    for (int i = 0; !rc && i < k->nf; i++) {
        const char *ref = k->f[i].ref;
        if (!ref)
            continue;
        char mod[8], tab[32], c[40];
        if (sscanf(ref, "%7[^.].%31[^.].%39s", mod, tab, c) != 3)
            return err_set(err, EXIT_SOFTWARE, "bad reference %s", ref);
        rc = prepare_owned(mi, &mi->ref[i],
                           xasprintf("SELECT 1 FROM %s.%s WHERE %s=? LIMIT 1",
                                     strcmp(mod, k->module) == 0 ? "main" : mod, tab, c),
                           0, err);
    }
    return rc;
}

static int prepare_all(md_import *mi, armms_err *err)
{
    sql_parts p;
    sql_parts_build(mi->k, &p);
    int rc = mi->k->id_column ? prepare_dated(mi, &p, err) : prepare_plain(mi, &p, err);
    sql_parts_free(&p);
    return rc ? rc : prepare_refs(mi, err);
}

/* ---- the run -------------------------------------------------------------- */

/* Attach, read-only, each other module store a reference names. */
static int attach_refs(md_import *mi, armms_err *err)
{
    const md_kind *k = mi->k;
    for (int i = 0; i < k->nf; i++) {
        const char *ref = k->f[i].ref;
        if (!ref || strncmp(ref, k->module, strlen(k->module)) == 0)
            continue;
        char mod[8];
        sscanf(ref, "%7[^.]", mod);
        sqlite3_stmt *st;
        char q[128];
        snprintf(q, sizeof q, "SELECT 1 FROM pragma_database_list WHERE name='%s'", mod);
        int attached = 0;
        if (sqlite3_prepare_v2(mi->s.db, q, -1, &st, NULL) == SQLITE_OK) {
            attached = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
        }
        if (!attached && store_attach_ro(&mi->s, mod, err))
            return err->code;
    }
    return 0;
}

int md_import_open(md_import **out, const md_kind *k, tenant_t *t, armms_err *err)
{
    md_import *mi = xcalloc(1, sizeof *mi);
    mi->k = k;
    mi->written = md_hook_of(k);
    sb_init(&mi->accepted);
    *out = mi;
    if (k->needs_hook && !mi->written)
        return err_set(err, EXIT_SOFTWARE, "%s: no code registered to write its derived rows",
                       k->name);
    if (store_open(&mi->s, t, k->module, 0, err))
        return err->code;
    if (attach_refs(mi, err))
        return err->code;
    if (k->attach && store_attach_ro(&mi->s, k->attach, err))
        return err->code;
    return prepare_all(mi, err);
}

void md_import_close(md_import *mi)
{
    if (!mi)
        return;
    store_close(&mi->s); /* finalizes every statement */
    sb_free(&mi->accepted);
    free(mi);
}

void md_import_progress(md_import *mi, progress *p)
{
    mi->progress = p;
}

void md_import_limit(md_import *mi, const struct rbac *who)
{
    mi->who = who;
}

const char *md_refused(const md_import *mi)
{
    return mi->refused;
}

void md_insert_only(md_import *mi, int on)
{
    mi->insert_only = on;
}

int md_begin(md_import *mi, armms_err *err)
{
    return store_begin(&mi->s, err);
}

int md_commit(md_import *mi, armms_err *err)
{
    return store_commit(&mi->s, err);
}

int md_check_header_peek(const md_kind *k, jv header, armms_err *err)
{
    if (jv_get_kind(header) != JV_KIND_ARRAY) /* no row read: nothing to check */
        return 0;
    int n = jv_array_length(jv_copy(header));
    for (int i = 0; i < n; i++) {
        jv h = jv_array_get(jv_copy(header), i);
        int known = md_fidx(k, jv_string_value(h)) >= 0 || !strcmp(jv_string_value(h), "v") ||
                    (k->range_to && !strcmp(jv_string_value(h), k->range_to));
        if (!known) {
            err_set(err, EXIT_DATAERR,
                    "column '%s' is not a %s field (fields: see armms-import(1))",
                    jv_string_value(h), k->name);
            jv_free(h);
            return err->code;
        }
        jv_free(h);
    }
    return 0;
}

store_t *md_store(md_import *mi)
{
    return &mi->s;
}

/* ---- the run as a change -------------------------------------------------- */

jv md_effect(md_import *mi)
{
    strbuf b;
    sb_init(&b);
    sb_addf(&b, "{\"kind\":\"%s\",\"insert_only\":%s,\"records\":[", mi->k->name,
            mi->insert_only ? "true" : "false");
    if (mi->accepted.len)
        sb_add(&b, mi->accepted.s, mi->accepted.len);
    sb_adds(&b, "]}");
    jv v = jv_parse_sized(b.s, (int)b.len);
    sb_free(&b);
    return v;
}

/* Upsert the effect's records (looked at) in order, as the request made
 * them: the request id stands for the source and its index for the line. */
static int apply_records_peek(md_import *mi, struct change *ch, jv effect, reject_sink *rej,
                              armms_err *err)
{
    md_counts n = {0};
    jv recs = jv_object_get(jv_copy(effect), jv_string("records"));
    int len = jv_get_kind(recs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(recs)) : 0;
    int rc = 0;
    for (int i = 0; !rc && i < len; i++)
        rc = md_upsert(mi, jv_array_get(jv_copy(recs), i), 0, rej, ch->request_id, i + 1, NULL, 0,
                       &n, err);
    jv_free(recs);
    return rc;
}

int md_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    const char *kind = json_str_peek(effect, "kind", NULL);
    const md_kind *k = kind ? md_kind_find(kind) : NULL;
    if (!k) {
        err_set(err, EXIT_SOFTWARE, "change request: unknown kind %s", kind ? kind : "?");
        jv_free(effect);
        return err->code;
    }
    md_import *mi = NULL;
    int rc = md_import_open(&mi, k, ch->t, err);
    if (!rc) {
        jv io = jv_object_get(jv_copy(effect), jv_string("insert_only"));
        md_insert_only(mi, jv_get_kind(io) == JV_KIND_TRUE);
        jv_free(io);
        md_import_limit(mi, &ch->who); /* the approver's limits */
        rc = change_apply_begin(ch, &mi->s, err);
    }
    if (!rc) {
        rc = apply_records_peek(mi, ch, effect, rej, err);
        if (!rc && mi->refused[0]) {
            strbuf at;
            sb_init(&at);
            rbac_dets(&ch->who, &at);
            rc = err_set(err, EXIT_NOPERM,
                         "user '%s' of tenant %s may %s only at %s: not at %s, which change "
                         "request %s changes",
                         ch->who.user, ch->who.tenant, md_kind_action(k), at.s, mi->refused,
                         ch->request_id);
            sb_free(&at);
        }
        if (rc)
            store_rollback(&mi->s);
        else
            rc = change_apply_end(ch, err);
    }
    md_import_close(mi);
    jv_free(effect);
    (void)out;
    return rc;
}
