/*
 * change.c - see change.h. Which code applies which action is not known
 * here: the layer above registers it (change_register).
 */
#include "iam/change.h"

#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "core/ulid.h"

static const char *const modules[] = {"hr", "tk", "pay", "iam"};
enum { NMODULES = 4 };

#define CR_COLS                                                                                   \
    "request_id, action, summary, status, requested_by, requested_at,"                            \
    " coalesce(verifier_role, ''), approver_role, coalesce(verified_by, ''),"                     \
    " coalesce(verified_at, ''), coalesce(decided_by, ''), coalesce(decided_at, ''),"             \
    " coalesce(note, ''), fingerprint, effect, preview"

enum {
    C_ID,
    C_ACTION,
    C_SUMMARY,
    C_STATUS,
    C_REQ_BY,
    C_REQ_AT,
    C_VROLE,
    C_AROLE,
    C_VER_BY,
    C_VER_AT,
    C_DEC_BY,
    C_DEC_AT,
    C_NOTE,
    C_FP,
    C_EFFECT,
    C_PREVIEW,
    C_N
};

/* One change_request row, copied out of its statement. */
typedef struct cr_row {
    char module[8];
    char *c[C_N];
} cr_row;

static void row_read(cr_row *w, const char *module, sqlite3_stmt *st)
{
    snprintf(w->module, sizeof w->module, "%s", module);
    for (int i = 0; i < C_N; i++) {
        const char *v = (const char *)sqlite3_column_text(st, i);
        w->c[i] = xstrdup(v ? v : "");
    }
}

static void row_free(cr_row *w)
{
    for (int i = 0; i < C_N; i++) {
        free(w->c[i]);
        w->c[i] = NULL;
    }
}

static void kv_or_null(strbuf *b, const char *key, const char *v)
{
    if (v && *v)
        sb_add_json_kv(b, key, v);
    else
        sb_addf(b, ",\"%s\":null", key);
}

static int preview_count(const char *preview)
{
    jv p = jv_parse(preview);
    int n = jv_get_kind(p) == JV_KIND_ARRAY ? jv_array_length(jv_copy(p)) : 0;
    jv_free(p);
    return n;
}

/* The ChangeRequest record; full adds effect and preview. */
static void row_json(strbuf *b, const cr_row *w, int full)
{
    sb_adds(b, "{\"kind\":\"ChangeRequest\",\"v\":1");
    sb_add_json_kv(b, "request_id", w->c[C_ID]);
    sb_add_json_kv(b, "action", w->c[C_ACTION]);
    sb_add_json_kv(b, "status", w->c[C_STATUS]);
    sb_add_json_kv(b, "summary", w->c[C_SUMMARY]);
    sb_add_json_kv(b, "module", w->module);
    sb_addf(b, ",\"changes\":%d", preview_count(w->c[C_PREVIEW]));
    sb_add_json_kv(b, "requested_by", w->c[C_REQ_BY]);
    sb_add_json_kv(b, "requested_at", w->c[C_REQ_AT]);
    kv_or_null(b, "verifier_role", w->c[C_VROLE]);
    sb_add_json_kv(b, "approver_role", w->c[C_AROLE]);
    kv_or_null(b, "verified_by", w->c[C_VER_BY]);
    kv_or_null(b, "verified_at", w->c[C_VER_AT]);
    kv_or_null(b, "decided_by", w->c[C_DEC_BY]);
    kv_or_null(b, "decided_at", w->c[C_DEC_AT]);
    kv_or_null(b, "note", w->c[C_NOTE]);
    if (full) {
        sb_adds(b, ",\"effect\":");
        sb_adds(b, w->c[C_EFFECT]);
        sb_adds(b, ",\"preview\":");
        sb_adds(b, w->c[C_PREVIEW]);
    }
    sb_adds(b, "}\n");
}

static int write_out(FILE *out, strbuf *b, armms_err *err)
{
    if (b->len && (fwrite(b->s, 1, b->len, out) != b->len || fflush(out)))
        return err_set(err, EXIT_IOERR, "cannot write to standard output");
    return 0;
}

/* ---- making a request ---- */

int change_open(change_t *ch, tenant_t *t, const char *action, armms_err *err)
{
    memset(ch, 0, sizeof *ch);
    ch->t = t;
    if (rbac_load(&ch->who, t, err) || rbac_route(t, action, &ch->route, err) ||
        rbac_may_request(&ch->who, &ch->route, err))
        return err->code;
    ch->requesting = route_needs_approval(&ch->route);
    return 0;
}

void change_close(change_t *ch)
{
    rbac_free(&ch->who);
}

const char *change_outcome(const change_t *ch, int made, char *buf, size_t n)
{
    char route[160];
    route_describe(&ch->route, route, sizeof route);
    if (made)
        snprintf(buf, n,
                 "%s needs %s: change request written to standard output; nothing changes "
                 "until it is approved (armms-approve)",
                 ch->route.action, route);
    else
        snprintf(buf, n, "%s needs %s, but nothing would change: no request made",
                 ch->route.action, route);
    return buf;
}

int change_begin(change_t *ch, store_t *s, armms_err *err)
{
    ch->s = s;
    return ch->requesting ? store_capture_begin(s, CAPTURE_REQUEST, err) : 0;
}

static const char sql_insert[] =
    "INSERT INTO change_request(request_id, action, summary, effect, preview, fingerprint,"
    " status, requested_by, requested_at, verifier_role, approver_role)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'PENDING', ?7, ?8, ?9, ?10)";
static const char sql_get[] = "SELECT " CR_COLS " FROM change_request WHERE request_id = ?1";

/* Emit one Approval* event about w (in the open transaction of s). */
static int emit_step(store_t *s, const char *event, const cr_row *w, const char *note,
                     const char *targets, armms_err *err)
{
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"request_id\":");
    sb_add_json_str(&p, w->c[C_ID], strlen(w->c[C_ID]));
    sb_add_json_kv(&p, "action", w->c[C_ACTION]);
    sb_add_json_kv(&p, "summary", w->c[C_SUMMARY]);
    sb_add_json_kv(&p, "requested_by", w->c[C_REQ_BY]);
    kv_or_null(&p, "verifier_role", w->c[C_VROLE]);
    sb_add_json_kv(&p, "approver_role", w->c[C_AROLE]);
    if (note)
        kv_or_null(&p, "note", note);
    if (targets) {
        sb_adds(&p, ",\"targets\":");
        sb_adds(&p, targets);
    }
    sb_addc(&p, '}');
    int rc = store_emit(s, event, "change_request", w->c[C_ID], p.s, p.len, err);
    sb_free(&p);
    return rc;
}

/* The preview lines as a JSON array, and the distinct aggregate ids they
 * change (the request's targets, for the audit history). */
static void preview_arrays(const strbuf *lines, strbuf *arr, strbuf *targets, int *n)
{
    sb_addc(arr, '[');
    sb_addc(targets, '[');
    *n = 0;
    jv seen = jv_object();
    const char *p = lines->s ? lines->s : "", *end = p + lines->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (*n)
            sb_addc(arr, ',');
        sb_add(arr, p, len);
        (*n)++;
        jv e = jv_parse_sized(p, (int)len);
        jv id = jv_get_kind(e) == JV_KIND_OBJECT ? jv_object_get(e, jv_string("aggregate_id"))
                                                 : (jv_free(e), jv_invalid());
        if (jv_get_kind(id) == JV_KIND_STRING && !jv_object_has(jv_copy(seen), jv_copy(id))) {
            if (targets->len > 1)
                sb_addc(targets, ',');
            sb_add_json_str(targets, jv_string_value(id),
                            (size_t)jv_string_length_bytes(jv_copy(id)));
            seen = jv_object_set(seen, jv_copy(id), jv_true());
        }
        jv_free(id);
        p += len + 1;
    }
    jv_free(seen);
    sb_addc(arr, ']');
    sb_addc(targets, ']');
}

/* Store w as a new request and journal ApprovalRequested (naming the
 * request's targets), in one transaction of s. */
static int store_request(store_t *s, const cr_row *w, const char *targets, armms_err *err)
{
    if (store_begin(s, err))
        return err->code;
    sqlite3_stmt *q = NULL;
    int rc = store_prepare(s, &q, sql_insert, err);
    if (!rc) {
        static const int cols[] = {C_ID, C_ACTION, C_SUMMARY, C_EFFECT, C_PREVIEW,
                                   C_FP, C_REQ_BY, C_REQ_AT,  C_VROLE,  C_AROLE};
        for (int i = 0; i < 10; i++) {
            if (cols[i] == C_VROLE && !*w->c[C_VROLE])
                sqlite3_bind_null(q, i + 1);
            else
                sqlite3_bind_text(q, i + 1, w->c[cols[i]], -1, SQLITE_STATIC);
        }
        int src = sqlite3_step(q);
        sqlite3_finalize(q);
        if (src != SQLITE_DONE)
            rc = store_fail(s, src, "storing a change request", err);
    }
    if (!rc && !(rc = emit_step(s, "ApprovalRequested", w, NULL, targets, err)))
        rc = store_commit(s, err);
    if (rc && s->in_tx)
        store_rollback(s);
    return rc;
}

int change_submit(change_t *ch, jv effect, const char *summary, FILE *out, int *made,
                  armms_err *err)
{
    store_t *s = ch->s;
    *made = 0;
    if (!ch->requesting || !s || s->capture != CAPTURE_REQUEST) {
        jv_free(effect);
        return 0;
    }
    /* What the captured change read and would emit, before it is undone. */
    char fp[65], id[27], now[32];
    store_capture_fingerprint(s, fp);
    strbuf arr, targets;
    sb_init(&arr);
    sb_init(&targets);
    int n;
    preview_arrays(&s->preview, &arr, &targets, &n);
    store_capture_rollback(s);
    char *eff = json_canonical(effect);
    int rc = 0;
    if (n > 0) {
        ulid_new(id);
        now_iso(now);
        const char *cols[C_N] = {id,
                                 ch->route.action,
                                 summary,
                                 "PENDING",
                                 ch->who.user,
                                 now,
                                 ch->route.verifier,
                                 ch->route.approver,
                                 "",
                                 "",
                                 "",
                                 "",
                                 "",
                                 fp,
                                 eff,
                                 arr.s};
        cr_row w = {{0}, {0}};
        snprintf(w.module, sizeof w.module, "%s", s->module);
        for (int i = 0; i < C_N; i++)
            w.c[i] = (char *)cols[i];
        rc = store_request(s, &w, targets.s, err);
        if (!rc) {
            strbuf b;
            sb_init(&b);
            row_json(&b, &w, 0);
            rc = write_out(out, &b, err);
            sb_free(&b);
            *made = 1;
        }
    }
    free(eff);
    sb_free(&arr);
    sb_free(&targets);
    return rc;
}

/* ---- finding and listing requests ---- */

static int not_found(tenant_t *t, const char *id, armms_err *err);

/* Find request id in the tenant's stores and fill w; EXIT_DATAERR when the
 * tenant has no such request. */
static int find(tenant_t *t, const char *id, cr_row *w, armms_err *err)
{
    for (int m = 0; m < NMODULES; m++) {
        store_t s;
        if (store_open_ro(&s, t, modules[m], err))
            return err->code;
        sqlite3_stmt *q = NULL;
        int found = 0;
        if (!store_prepare(&s, &q, sql_get, err)) {
            sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
            int rc = sqlite3_step(q);
            if (rc == SQLITE_ROW) {
                row_read(w, modules[m], q);
                found = 1;
            } else if (rc != SQLITE_DONE) {
                store_fail(&s, rc, "reading change requests", err);
            }
            sqlite3_finalize(q);
        }
        store_close(&s);
        if (err->code || found)
            return err->code;
    }
    return not_found(t, id, err);
}

static int not_found(tenant_t *t, const char *id, armms_err *err)
{
    return err_set(err, EXIT_DATAERR,
                   "tenant %s has no change request %s (armms-approve list shows them)", t->id,
                   id);
}

/* May who verify (1), approve (2) w now, or neither (0)? */
static int step_for(const rbac_t *who, const cr_row *w)
{
    const char *st = w->c[C_STATUS];
    if (strcmp(w->c[C_REQ_BY], who->user) == 0)
        return 0;
    if (!strcmp(st, "PENDING") && w->c[C_VROLE][0])
        return rbac_has_role(who, w->c[C_VROLE]) ? 1 : 0;
    if ((!strcmp(st, "PENDING") || !strcmp(st, "VERIFIED")) && rbac_has_role(who, w->c[C_AROLE]) &&
        strcmp(w->c[C_VER_BY], who->user) != 0)
        return 2;
    return 0;
}

static int row_cmp(const void *a, const void *b)
{
    const cr_row *x = a, *y = b;
    int c = strcmp(x->c[C_REQ_AT], y->c[C_REQ_AT]);
    return c ? c : strcmp(x->c[C_ID], y->c[C_ID]);
}

static const char sql_list[] = "SELECT " CR_COLS " FROM change_request"
                               " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR action = ?2)"
                               " AND (?3 IS NULL OR requested_by = ?3)"
                               " AND (?4 = 1 OR status IN ('PENDING', 'VERIFIED'))";

static void foreign_of(const rbac_t *who, const cr_row *w, char *det, size_t n);
static int limit_decide(const rbac_t *who, const cr_row *w, const char *verb, armms_err *err);

int change_list(tenant_t *t, const rbac_t *who, const change_filter *f, FILE *out, armms_err *err)
{
    cr_row *rows = NULL;
    size_t n = 0;
    for (int m = 0; m < NMODULES && !err->code; m++) {
        store_t s;
        if (store_open_ro(&s, t, modules[m], err))
            break;
        sqlite3_stmt *q = NULL;
        if (!store_prepare(&s, &q, sql_list, err)) {
            if (f->status)
                sqlite3_bind_text(q, 1, f->status, -1, SQLITE_STATIC);
            if (f->action)
                sqlite3_bind_text(q, 2, f->action, -1, SQLITE_STATIC);
            if (f->mine)
                sqlite3_bind_text(q, 3, who->user, -1, SQLITE_STATIC);
            sqlite3_bind_int(q, 4, f->all || f->status);
            int rc;
            while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
                rows = xrealloc(rows, sizeof *rows * (n + 1));
                row_read(&rows[n], modules[m], q);
                char det[128] = "";
                if (rbac_limited(who)) /* a limited actor's list: their detachments' */
                    foreign_of(who, &rows[n], det, sizeof det);
                if ((f->actionable && !step_for(who, &rows[n])) || det[0])
                    row_free(&rows[n]);
                else
                    n++;
            }
            if (rc != SQLITE_DONE)
                store_fail(&s, rc, "reading change requests", err);
            sqlite3_finalize(q);
        }
        store_close(&s);
    }
    if (n)
        qsort(rows, n, sizeof *rows, row_cmp);
    strbuf b;
    sb_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (!err->code)
            row_json(&b, &rows[i], 0);
        row_free(&rows[i]);
    }
    free(rows);
    if (!err->code)
        write_out(out, &b, err);
    sb_free(&b);
    return err->code;
}

int change_show(tenant_t *t, const rbac_t *who, const char *id, FILE *out, armms_err *err)
{
    cr_row w = {{0}, {0}};
    if (find(t, id, &w, err))
        return err->code;
    if (limit_decide(who, &w, "read", err)) {
        row_free(&w);
        return err->code;
    }
    strbuf b;
    sb_init(&b);
    row_json(&b, &w, 1);
    int rc = write_out(out, &b, err);
    sb_free(&b);
    row_free(&w);
    return rc;
}

/* ---- deciding ---- */

static const char sql_decide[] =
    "UPDATE change_request SET status = ?2,"
    " verified_by = CASE WHEN ?2 = 'VERIFIED' THEN ?3 ELSE verified_by END,"
    " verified_at = CASE WHEN ?2 = 'VERIFIED' THEN ?4 ELSE verified_at END,"
    " decided_by = CASE WHEN ?2 = 'VERIFIED' THEN decided_by ELSE ?3 END,"
    " decided_at = CASE WHEN ?2 = 'VERIFIED' THEN decided_at ELSE ?4 END,"
    " note = coalesce(?5, note) WHERE request_id = ?1";

/* Re-read w inside s's open transaction and move it to status. */
static int decide(store_t *s, cr_row *w, const char *status, const char *actor, const char *note,
                  armms_err *err)
{
    char now[32];
    now_iso(now);
    sqlite3_stmt *q = NULL;
    if (store_prepare(s, &q, sql_decide, err))
        return err->code;
    sqlite3_bind_text(q, 1, w->c[C_ID], -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_STATIC);
    if (note && *note)
        sqlite3_bind_text(q, 5, note, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 5);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "deciding a change request", err);
    /* the row as it now stands */
    if (store_prepare(s, &q, sql_get, err))
        return err->code;
    sqlite3_bind_text(q, 1, w->c[C_ID], -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        char module[8];
        snprintf(module, sizeof module, "%s", w->module);
        row_free(w);
        row_read(w, module, q);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_ROW ? 0 : store_fail(s, rc, "reading a change request", err);
}

/* Load w under the write lock of its store (opened into s) and check it is
 * still in one of the states in `allowed` ("PENDING,VERIFIED"). */
static int lock_row(store_t *s, tenant_t *t, cr_row *w, const char *allowed, armms_err *err)
{
    if (store_open(s, t, w->module, 0, err) || store_begin(s, err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (store_prepare(s, &q, sql_get, err))
        return err->code;
    char module[8];
    snprintf(module, sizeof module, "%s", w->module);
    sqlite3_bind_text(q, 1, w->c[C_ID], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        row_free(w);
        row_read(w, module, q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW)
        return store_fail(s, rc, "reading a change request", err);
    if (!strstr(allowed, w->c[C_STATUS]))
        return err_set(err, EXIT_DATAERR, "change request %s is %s already", w->c[C_ID],
                       w->c[C_STATUS]);
    return 0;
}

/* Find request id and load it under its store's write lock (s), still
 * undecided. */
static int open_undecided(store_t *s, tenant_t *t, const char *id, cr_row *w, armms_err *err)
{
    return find(t, id, w, err) || lock_row(s, t, w, "PENDING,VERIFIED", err) ? err->code : 0;
}

static int refuse(const rbac_t *who, const char *what, armms_err *err)
{
    return err_set(err, EXIT_NOPERM, "user '%s' of tenant %s may not %s", who->user, who->tenant,
                   what);
}

/* The first detachment_id anywhere in v (looked at) that who's roles do
 * not reach, copied to out; "" when none. */
static void foreign_detachment_peek(const rbac_t *who, jv v, char *out, size_t n)
{
    jv_kind k = jv_get_kind(v);
    if (k == JV_KIND_ARRAY) {
        int len = jv_array_length(jv_copy(v));
        for (int i = 0; i < len && !*out; i++) {
            jv e = jv_array_get(jv_copy(v), i);
            foreign_detachment_peek(who, e, out, n);
            jv_free(e);
        }
    } else if (k == JV_KIND_OBJECT) {
        jv_object_foreach(v, key, val) /* borrows v: no copy to leak */
        {
            if (!*out && jv_get_kind(val) == JV_KIND_STRING &&
                strcmp(jv_string_value(key), "detachment_id") == 0 &&
                !rbac_at(who, jv_string_value(val)))
                snprintf(out, n, "%s", jv_string_value(val));
            else if (!*out)
                foreign_detachment_peek(who, val, out, n);
            jv_free(key);
            jv_free(val);
        }
    }
}

/* A limited actor (rbac.h) decides only a request whose effect and preview
 * name their detachments alone: the refusal names the other one. */
static void foreign_of(const rbac_t *who, const cr_row *w, char *det, size_t n)
{
    *det = 0;
    for (int c = 0; c < 2 && !*det; c++) {
        jv v = jv_parse(w->c[c ? C_PREVIEW : C_EFFECT]);
        if (jv_is_valid(v))
            foreign_detachment_peek(who, v, det, n);
        jv_free(v);
    }
}

static int limit_decide(const rbac_t *who, const cr_row *w, const char *verb, armms_err *err)
{
    if (!rbac_limited(who))
        return 0;
    char det[128] = "";
    foreign_of(who, w, det, sizeof det);
    if (!det[0])
        return 0;
    strbuf at;
    sb_init(&at);
    rbac_dets(who, &at);
    err_set(err, EXIT_NOPERM,
            "user '%s' of tenant %s may %s %s only at %s: change request %s is also for %s",
            who->user, who->tenant, verb, w->c[C_ACTION], at.s, w->c[C_ID], det);
    sb_free(&at);
    return err->code;
}

/* Common checks of a decision by who on w. */
static int may_decide(const rbac_t *who, const cr_row *w, const char *verb, armms_err *err)
{
    if (!who->known || !who->active)
        return rbac_require(who, "approval.read", err);
    if (limit_decide(who, w, verb, err))
        return err->code;
    if (strcmp(w->c[C_REQ_BY], who->user) == 0) {
        char what[160];
        snprintf(what, sizeof what, "%s their own change request %s", verb, w->c[C_ID]);
        return refuse(who, what, err);
    }
    return 0;
}

static int finish_step(store_t *s, cr_row *w, const char *event, const char *note, FILE *out,
                       armms_err *err)
{
    int rc = emit_step(s, event, w, note, NULL, err);
    if (!rc)
        rc = store_commit(s, err);
    if (rc) {
        if (s->in_tx)
            store_rollback(s);
        return rc;
    }
    strbuf b;
    sb_init(&b);
    row_json(&b, w, 0);
    rc = write_out(out, &b, err);
    sb_free(&b);
    return rc;
}

int change_verify(tenant_t *t, const rbac_t *who, const char *id, const char *note, FILE *out,
                  armms_err *err)
{
    cr_row w = {{0}, {0}};
    store_t s = {0};
    int rc = open_undecided(&s, t, id, &w, err);
    if (!rc && !w.c[C_VROLE][0])
        rc = err_set(err, EXIT_DATAERR,
                     "change request %s needs no verification (route %s: approved by %s)", id,
                     w.c[C_ACTION], w.c[C_AROLE]);
    if (!rc && strcmp(w.c[C_STATUS], "PENDING") != 0)
        rc = err_set(err, EXIT_DATAERR, "change request %s is %s already", id, w.c[C_STATUS]);
    if (!rc)
        rc = may_decide(who, &w, "verify", err);
    if (!rc && !rbac_has_role(who, w.c[C_VROLE])) {
        char what[160];
        snprintf(what, sizeof what, "verify %s (its route is verified by %s)", w.c[C_ACTION],
                 w.c[C_VROLE]);
        rc = refuse(who, what, err);
    }
    if (!rc)
        rc = decide(&s, &w, "VERIFIED", who->user, note, err);
    if (!rc)
        rc = finish_step(&s, &w, "ApprovalVerified", note, out, err);
    store_close(&s);
    row_free(&w);
    return rc;
}

int change_reject(tenant_t *t, const rbac_t *who, const char *id, const char *reason, FILE *out,
                  armms_err *err)
{
    if (!reason || !*reason)
        return err_set(err, EXIT_USAGE, "a rejection needs --reason");
    cr_row w = {{0}, {0}};
    store_t s = {0};
    int rc = open_undecided(&s, t, id, &w, err);
    if (!rc)
        rc = may_decide(who, &w, "reject", err);
    /* The verifier rejects while the request is PENDING, the approver while
     * it is undecided (armms-approve(1)), unless they verified it. */
    int may = rc || step_for(who, &w) ||
              (rbac_has_role(who, w.c[C_AROLE]) && strcmp(w.c[C_VER_BY], who->user) != 0);
    if (!may && !strcmp(w.c[C_VER_BY], who->user)) {
        char what[200];
        snprintf(what, sizeof what,
                 "reject change request %s they verified (it is for %s to decide now)", id,
                 w.c[C_AROLE]);
        rc = refuse(who, what, err);
    } else if (!may) {
        char what[200];
        snprintf(what, sizeof what, "reject %s (its route: verified by %s, approved by %s)",
                 w.c[C_ACTION], w.c[C_VROLE][0] ? w.c[C_VROLE] : "nobody", w.c[C_AROLE]);
        rc = refuse(who, what, err);
    }
    if (!rc)
        rc = decide(&s, &w, "REJECTED", who->user, reason, err);
    if (!rc)
        rc = finish_step(&s, &w, "ApprovalRejected", reason, out, err);
    store_close(&s);
    row_free(&w);
    return rc;
}

int change_withdraw(tenant_t *t, const rbac_t *who, const char *id, FILE *out, armms_err *err)
{
    cr_row w = {{0}, {0}};
    store_t s = {0};
    int rc = open_undecided(&s, t, id, &w, err);
    if (!rc && strcmp(w.c[C_REQ_BY], who->user) != 0) {
        char what[160];
        snprintf(what, sizeof what, "withdraw %s's change request %s", w.c[C_REQ_BY], id);
        rc = refuse(who, what, err);
    }
    if (!rc)
        rc = decide(&s, &w, "WITHDRAWN", who->user, NULL, err);
    if (!rc)
        rc = finish_step(&s, &w, "ApprovalWithdrawn", NULL, out, err);
    store_close(&s);
    row_free(&w);
    return rc;
}

/* ---- applying ---- */

static const change_executor *executors; /* change_register's table */

void change_register(const change_executor *table)
{
    executors = table;
}

static change_apply_fn executor_of(const char *action)
{
    for (const change_executor *e = executors; e && e->action; e++) {
        const char *a = e->action;
        if (a[0] == '*') {
            size_t la = strlen(action), ls = strlen(a + 1);
            if (la > ls && strcmp(action + la - ls, a + 1) == 0)
                return e->fn;
        } else if (strcmp(a, action) == 0) {
            return e->fn;
        }
    }
    return NULL;
}

/* May who approve w now? The request is undecided, verified when its route
 * has a verifier, and who holds the approver role without having requested
 * or verified it. */
static int may_approve(const rbac_t *who, const cr_row *w, armms_err *err)
{
    const char *id = w->c[C_ID], *st = w->c[C_STATUS];
    if (may_decide(who, w, "approve", err))
        return err->code;
    if (strcmp(st, "PENDING") && strcmp(st, "VERIFIED"))
        return err_set(err, EXIT_DATAERR, "change request %s is %s already", id, st);
    if (w->c[C_VROLE][0] && strcmp(st, "VERIFIED") != 0)
        return err_set(err, EXIT_DATAERR,
                       "change request %s awaits verification by %s before it can be approved", id,
                       w->c[C_VROLE]);
    char what[160];
    if (!rbac_has_role(who, w->c[C_AROLE])) {
        snprintf(what, sizeof what, "approve %s (its route is approved by %s)", w->c[C_ACTION],
                 w->c[C_AROLE]);
        return refuse(who, what, err);
    }
    if (strcmp(w->c[C_VER_BY], who->user) == 0) {
        snprintf(what, sizeof what, "approve change request %s they verified", id);
        return refuse(who, what, err);
    }
    return 0;
}

/* Run the action's own code on the request's effect, as who; the code
 * brackets its change with change_apply_begin and change_apply_end. */
static int run_executor(tenant_t *t, const rbac_t *who, const cr_row *w, change_apply_fn fn,
                        const char *note, FILE *out, armms_err *err)
{
    const char *id = w->c[C_ID];
    change_t ch;
    memset(&ch, 0, sizeof ch);
    ch.t = t;
    ch.who = *who; /* borrowed: not freed by change_close */
    snprintf(ch.request_id, sizeof ch.request_id, "%s", id);
    snprintf(ch.fingerprint, sizeof ch.fingerprint, "%s", w->c[C_FP]);
    ch.note = note;
    /* What the change rejects now it rejected when it was requested (a
     * timesheet still blocked, say), or the before-state differs and the
     * request is stale: either way there is nothing new to report. */
    reject_sink quiet = {0};
    if (reject_open(&quiet, "/dev/null"))
        return err_set(err, EXIT_SOFTWARE, "cannot open /dev/null");
    int rc;
    jv effect = jv_parse(w->c[C_EFFECT]);
    if (!jv_is_valid(effect)) {
        rc = err_set(err, EXIT_SOFTWARE, "change request %s: damaged effect", id);
        jv_free(effect);
    } else {
        rc = fn(&ch, effect, out, &quiet, err);
    }
    reject_close(&quiet);
    return rc;
}

int change_approve(tenant_t *t, const rbac_t *who, const char *id, const char *note, FILE *out,
                   armms_err *err)
{
    cr_row w = {{0}, {0}};
    if (find(t, id, &w, err))
        return err->code;
    int rc = may_approve(who, &w, err);
    change_apply_fn fn = rc ? NULL : executor_of(w.c[C_ACTION]);
    if (!rc && !fn)
        rc =
            err_set(err, EXIT_SOFTWARE, "no code is registered to apply action %s", w.c[C_ACTION]);
    if (!rc)
        rc = run_executor(t, who, &w, fn, note, out, err);
    row_free(&w);
    return rc;
}

int change_apply_begin(change_t *ch, store_t *s, armms_err *err)
{
    ch->s = s;
    if (store_capture_begin(s, CAPTURE_APPLY, err))
        return err->code;
    sqlite3_stmt *q = NULL;
    if (store_prepare(s, &q, sql_get, err))
        return err->code;
    sqlite3_bind_text(q, 1, ch->request_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    const char *st = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, C_STATUS) : "";
    int open = !strcmp(st, "PENDING") || !strcmp(st, "VERIFIED");
    if (rc == SQLITE_ROW && !open)
        err_set(err, EXIT_DATAERR, "change request %s is %s already", ch->request_id, st);
    else if (rc != SQLITE_ROW)
        store_fail(s, rc, "reading a change request", err);
    sqlite3_finalize(q);
    if (err->code) {
        store_capture_rollback(s);
        return err->code;
    }
    snprintf(s->request_id, sizeof s->request_id, "%s", ch->request_id);
    return 0;
}

int change_apply_end(change_t *ch, armms_err *err)
{
    store_t *s = ch->s;
    char fp[65];
    store_capture_fingerprint(s, fp);
    int stale = strcmp(fp, ch->fingerprint) != 0;
    cr_row w = {{0}, {0}};
    snprintf(w.module, sizeof w.module, "%s", s->module);
    w.c[C_ID] = xstrdup(ch->request_id);
    if (stale) {
        store_capture_rollback(s);
        s->request_id[0] = 0;
        if (store_begin(s, err))
            goto out;
    }
    const char *note = stale ? "the data it changes has changed since it was requested" : ch->note;
    if (decide(s, &w, stale ? "STALE" : "APPROVED", ch->who.user, note, err) ||
        emit_step(s, stale ? "ApprovalStale" : "ApprovalGranted", &w, note, NULL, err))
        goto out;
    if (stale ? store_commit(s, err) : store_capture_commit(s, err))
        goto out;
    if (stale)
        err_set(err, EXIT_DATAERR,
                "change request %s is stale: the data it changes has changed since it was "
                "requested; it is now STALE, request the change again",
                ch->request_id);
out:
    if (err->code && s->in_tx)
        store_rollback(s);
    s->request_id[0] = 0;
    row_free(&w);
    return err->code;
}
