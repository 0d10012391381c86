/*
 * stage.c - see stage.h.
 */
#include "tk/stage.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/handoff.h"
#include "core/secure.h"
#include "iam/change.h"
#include "tk/stale.h"

enum { GUARDS_PER_TX = 2000 };

int tk_run_open(tk_run *r, tenant_t *t, const tk_stage *stage, FILE *out, reject_sink *rej,
                armms_err *err)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    r->stage = stage;
    r->out = out;
    r->rej = rej;
    sb_init(&r->outbuf);
    idmap_init(&r->touch_idx);
    idmap_init(&r->named);
    r->cur = -1;
    long jd;
    if (tenant_conf_long(t, "journal_derived", 0, 0, 1, &jd, err))
        return err->code;
    r->journal_derived = (int)jd;
    r->who = &r->own_who;
    if (rbac_load(&r->own_who, t, err))
        return err->code;
    if (store_open(&r->s, t, "tk", 0, err) || store_attach_ro(&r->s, "hr", err) ||
        store_attach_ro(&r->s, "pay", err) || roster_open(&r->ro, r->s.db, t, err))
        return err->code;
    /* A period's rebuild reads clock events one guard at a time,
     * scattered over a table stored in arrival order; at 100,000 guards
     * armms-timelog takes the same time with a 4, 8, 16 or 64 MiB page
     * cache, so a stage keeps the store's 8 MiB: no cache a stage can
     * afford holds the clock events it reads again, and peak RSS stays
     * flat in the tenant. */
    return stage->open(r, err) || tk_stale_open(r, err) ? err->code : 0;
}

void tk_run_close(tk_run *r)
{
    armms_err ignored = {0};
    tk_run_drain(r, &ignored); /* a failed run's records: its error is told already */
    if (r->stage && r->eng)
        r->stage->close(r);
    tk_stale_close(r);
    roster_close(r->ro);
    r->ro = NULL;
    if (r->s.db)
        store_close(&r->s);
    sb_free(&r->outbuf);
    free(r->touch);
    r->touch = NULL;
    idmap_free(&r->touch_idx);
    idmap_free(&r->named);
    rbac_free(&r->own_who);
}

int tk_reaches(const tk_run *r, const ro_guard *g, day_t d0, day_t d1)
{
    if (!rbac_limited(r->who))
        return 1;
    for (int i = 0; i < g->na; i++)
        if (g->a[i].from <= d1 && g->a[i].to >= d0 && rbac_at(r->who, g->a[i].detachment_id))
            return 1;
    return 0;
}

int tk_refuse(tk_run *r, const char *scope, const char *det, rejection *rj)
{
    rbac_note(r->refused_at, sizeof r->refused_at, det);
    strbuf at;
    sb_init(&at);
    rbac_dets(r->who, &at);
    rejection_set(rj, "NOT_PERMITTED", "user '%s' may %s only at %s: not at %s", r->who->user,
                  scope, at.s, det);
    sb_free(&at);
    r->n.refused++;
    return REJECTED;
}

int tk_run_refusals(const tk_run *r, const char *scope, armms_err *err)
{
    if (!r->n.refused)
        return 0;
    strbuf at;
    sb_init(&at);
    rbac_dets(r->who, &at);
    err_set(err, EXIT_NOPERM,
            "user '%s' of tenant %s may %s only at %s: not at %s (%ld records refused)",
            r->who->user, r->t->id, scope, at.s, r->refused_at, r->n.refused);
    sb_free(&at);
    return err->code;
}

void tk_run_reject(tk_run *r, const rejection *rj, const char *source, long line, const char *raw,
                   size_t raw_len)
{
    r->n.rejected++;
    reject_emit(r->rej, rj, source, line, raw, raw_len);
}

/* Touches keep exact date ranges (a guard may have several): merging two
 * distant ranges into one would recompute, and create ABSENT rows for, days
 * no input named, and the result would then depend on how input was split
 * into batches. The map points at the guard's latest range, which absorbs
 * an overlapping or adjacent touch; tk_run_flush coalesces the rest. */
void tk_touch_add(tk_run *r, const char *guard, day_t d0, day_t d1)
{
    assert(d0 <= d1);
    int i = idmap_get(&r->touch_idx, guard);
    if (i >= 0 && d0 <= r->touch[i].d1 + 1 && d1 >= r->touch[i].d0 - 1) {
        if (d0 < r->touch[i].d0)
            r->touch[i].d0 = d0;
        if (d1 > r->touch[i].d1)
            r->touch[i].d1 = d1;
        return;
    }
    if (r->ntouch == r->captouch) {
        r->captouch = r->captouch ? 2 * r->captouch : 64;
        r->touch = xrealloc(r->touch, sizeof *r->touch * (size_t)r->captouch);
    }
    tk_touch *t = &r->touch[r->ntouch];
    str_copy(t->guard, sizeof t->guard, guard);
    t->d0 = d0;
    t->d1 = d1;
    idmap_put(&r->touch_idx, guard, r->ntouch++);
}

/* A limited actor's stream record (looked at): at another detachment, or,
 * naming none, of a guard never assigned at theirs, it is refused; a
 * guard of theirs and others' has his other dates left out by the flush. */
static int limit_record(tk_run *r, const tk_rec *rec, rejection *rj, armms_err *err)
{
    if (!rbac_limited(r->who))
        return 0;
    const char *det = tk_str_peek(rec, "detachment_id"), *guard = tk_str_peek(rec, "guard_id");
    if (det)
        return rbac_at(r->who, det) ? 0 : tk_refuse(r, "timekeeping.run", det, rj);
    const ro_guard *g = guard ? roster_guard(r->ro, guard, err) : NULL;
    if (err->code)
        return err->code;
    if (!g || tk_reaches(r, g, 0, RO_OPEN_END))
        return 0; /* an unknown guard is the stage's own Reject */
    return tk_refuse(r, "timekeeping.run", g->na ? g->a[0].detachment_id : "no detachment", rj);
}

int tk_run_record(tk_run *r, const tk_rec *rec, const char *source, long line, const char *raw,
                  size_t raw_len, armms_err *err)
{
    rejection rj;
    int rc;
    r->n.read++;
    const char *kind = tk_str_peek(rec, "kind");
    double v;
    int v_ok = tk_num_peek(rec, "v", &v) == 0 && v == 1;
    if (!kind || strcmp(kind, r->stage->in_kind) != 0)
        rc = rejection_set(&rj, "BAD_KIND", "armms-%s reads %s records, not %s", r->stage->name,
                           r->stage->in_kind, kind ? kind : "records without a kind");
    else if (!v_ok)
        rc = rejection_set(&rj, "BAD_FIELD", "v must be 1");
    else if ((rc = limit_record(r, rec, &rj, err)) == 0)
        rc = r->stage->touch_peek(r, rec, &rj, err);
    if (rc == REJECTED)
        tk_run_reject(r, &rj, source, line, raw, raw_len);
    return rc == REJECTED ? 0 : rc;
}

void tk_name(tk_run *r, const char *key)
{
    if (idmap_get(&r->named, key) < 0)
        idmap_put(&r->named, key, 1);
}

int tk_wanted(const tk_run *r, const char *key)
{
    return !r->changed_only && (r->scoped || idmap_get(&r->named, key) >= 0);
}

/* A limited actor's --guard G not on their detachments in [from, to]: the
 * refusal names where G is then. */
static int refuse_guard(tk_run *r, const ro_guard *g, day_t from, day_t to, armms_err *err)
{
    strbuf at, his;
    sb_init(&at);
    sb_init(&his);
    rbac_dets(r->who, &at);
    for (int i = 0; i < g->na; i++)
        if (g->a[i].from <= to && g->a[i].to >= from &&
            !strstr(his.s ? his.s : "", g->a[i].detachment_id))
            sb_addf(&his, "%s%s", his.len ? ", " : "", g->a[i].detachment_id);
    char a[11], b[11];
    date_format(from, a);
    date_format(to, b);
    err_set(err, EXIT_NOPERM,
            "user '%s' of tenant %s may timekeeping.run only at %s: not at %s, guard %s's "
            "from %s to %s",
            r->who->user, r->t->id, at.s, his.len ? his.s : "no detachment", g->id, a, b);
    sb_free(&at);
    sb_free(&his);
    return err->code;
}

int tk_scope_one(tk_run *r, const char *guard, day_t from, day_t to, long *n, char *last)
{
    tk_touch_add(r, guard, from, to);
    *n = 1;
    str_copy(last, 65, guard);
    return 0;
}

int tk_scope_rows(tk_run *r, sqlite3_stmt *st, day_t from, day_t to, long *n, char *last,
                  armms_err *err)
{
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        tk_touch_add(r, tk_col(st, 0), from, to);
        str_copy(last, 65, tk_col(st, 0));
        ++*n;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "listing guards", err);
}

/* A whole scope is recomputed this many guards at a time (a multiple of
 * GUARDS_PER_TX, so the transactions are those of one long list): the
 * list of what to recompute stays one chunk long, not the tenant's.
 * ARMMS_TEST_SCOPE_CHUNK sets another size, so a test reaches chunking
 * with a small tenant. */
static int scope_chunk(void)
{
    const char *e = armms_env("ARMMS_TEST_SCOPE_CHUNK");
    int v = e ? atoi(e) : 0;
    return v > 0 ? v : 4 * GUARDS_PER_TX;
}

int tk_run_full(const tk_run *r)
{
    return r->ntouch >= scope_chunk();
}

int tk_run_select(tk_run *r, const char *guard, day_t from, day_t to, armms_err *err)
{
    const ro_guard *g = guard ? roster_guard(r->ro, guard, err) : NULL;
    if (guard && !g)
        return err->code
                   ? err->code
                   : err_set(err, EXIT_DATAERR, "tenant %s has no guard %s", r->t->id, guard);
    if (g && !tk_reaches(r, g, from, to))
        return refuse_guard(r, g, from, to, err);
    r->scoped = 1;
    if (r->stage->prepare && !r->s.in_tx && r->stage->prepare(r, err))
        return err->code;
    char last[65] = "";
    long n = 0;
    /* Guards touched already (by input records) are recomputed in one
     * guard-ordered list with the scope's, so then the scope is listed
     * whole; otherwise it is taken a chunk at a time, each recomputed
     * before the next is listed, in the same order. */
    if (guard || r->ntouch)
        return r->stage->scope(r, guard, from, to, "", 0, &n, last, err);
    int rc = 0, chunk = scope_chunk();
    for (long base = 0;; base += n) {
        char after[65];
        memcpy(after, last, sizeof after);
        rc = r->stage->scope(r, NULL, from, to, after, chunk, &n, last, err);
        r->tick_base = base;
        r->tick_open = base > 0 || n == chunk;
        if (rc || n < chunk || (rc = tk_run_flush(r, err)) != 0)
            break; /* the last chunk: the caller's flush recomputes it */
    }
    return rc;
}

static int touch_cmp(const void *a, const void *b)
{
    const tk_touch *x = a, *y = b;
    int c = strcmp(x->guard, y->guard);
    return c ? c : x->d0 < y->d0 ? -1 : x->d0 > y->d0;
}

/* Sort, then merge each guard's overlapping or adjacent ranges. */
static void coalesce(tk_run *r)
{
    if (r->ntouch) /* qsort wants a non-null array, even an empty one */
        qsort(r->touch, (size_t)r->ntouch, sizeof *r->touch, touch_cmp);
    int n = 0;
    for (int i = 0; i < r->ntouch; i++) {
        tk_touch *last = n ? &r->touch[n - 1] : NULL;
        if (last && !strcmp(last->guard, r->touch[i].guard) && r->touch[i].d0 <= last->d1 + 1) {
            if (r->touch[i].d1 > last->d1)
                last->d1 = r->touch[i].d1;
        } else {
            r->touch[n++] = r->touch[i];
        }
    }
    r->ntouch = n;
}

/* A limited actor sees the records of their detachments only: a record
 * naming another detachment is left out of the output (the rows are
 * stored all the same: they follow from the store, whoever runs). */
static void drop_foreign(tk_run *r)
{
    strbuf kept;
    sb_init(&kept);
    const char *p = r->outbuf.s, *end = p + r->outbuf.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        jv rec = jv_parse_sized(p, (int)len);
        tk_rec view = tk_rec_of(rec);
        const char *det =
            jv_get_kind(rec) == JV_KIND_OBJECT ? tk_str_peek(&view, "detachment_id") : NULL;
        if (!det || rbac_at(r->who, det))
            sb_add(&kept, p, len);
        jv_free(rec);
        p += len;
    }
    sb_free(&r->outbuf);
    r->outbuf = kept;
}

/* In a pipe, the stages take turns at tk.db's write lock, and a stage
 * computes its transactions inside it; the stage after it reads and
 * parses records outside it. Written from the run's own thread, a
 * commit's records (megabytes) fill the pipe and hold the run until the
 * next stage has read them all, so that stage's parsing and this run's
 * next transaction never overlap, and the pipe takes the time of every
 * stage's work end to end. A writer thread lets them overlap. */
struct tk_writer {
    handoff h;
    int fd;
    strbuf buf; /* the records being written */
    int fail;   /* a write failed (sticky) */
};

static void write_job(void *job)
{
    struct tk_writer *w = job;
    w->fail |= write_all(w->fd, w->buf.s, w->buf.len) != 0;
}

/* Wait until the records handed over last are written: -1 if any write
 * of the run failed. */
static int writer_wait(struct tk_writer *w)
{
    handoff_wait(&w->h);
    return w->fail ? -1 : 0;
}

void tk_run_async(tk_run *r)
{
    struct stat st;
    if (r->writer || fstat(fileno(r->out), &st) != 0 ||
        !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return;
    struct tk_writer *w = xcalloc(1, sizeof *w);
    w->fd = fileno(r->out);
    sb_init(&w->buf);
    if (handoff_start(&w->h, write_job, w) != 0) {
        free(w); /* no thread: the run writes itself */
        return;
    }
    r->writer = w;
}

int tk_run_drain(tk_run *r, armms_err *err)
{
    struct tk_writer *w = r->writer;
    if (!w)
        return 0;
    r->writer = NULL;
    handoff_stop(&w->h);
    int fail = w->fail;
    sb_free(&w->buf);
    free(w);
    return fail ? err_set(err, EXIT_IOERR, "cannot write to standard output") : 0;
}

/* One write(2) for a transaction's records where the pipe has room, so a
 * downstream stage reads them as one batch rather than in stdio-sized
 * pieces it would flush one at a time. */
int tk_run_write(tk_run *r, armms_err *err)
{
    if (r->s.capture) /* a change being requested or approved: not yet real */
        return 0;
    assert(!r->s.in_tx); /* output only after the commit (stage.h) */
    if (r->outbuf.len && !r->quiet_output && rbac_limited(r->who))
        drop_foreign(r);
    if (r->outbuf.len && !r->quiet_output && r->writer) {
        struct tk_writer *w = r->writer;
        if (writer_wait(w) || fflush(r->out))
            return err_set(err, EXIT_IOERR, "cannot write to standard output");
        strbuf full = r->outbuf; /* the thread is idle: its buffer is ours */
        r->outbuf = w->buf;
        w->buf = full;
        handoff_post(&w->h);
    } else if (r->outbuf.len && !r->quiet_output) {
        if (fflush(r->out) || write_all(fileno(r->out), r->outbuf.s, r->outbuf.len))
            return err_set(err, EXIT_IOERR, "cannot write to standard output");
    }
    sb_reset(&r->outbuf);
    return 0;
}

int tk_run_flush(tk_run *r, armms_err *err)
{
    int own_tx = !r->s.in_tx, rc = 0;
    if (r->ntouch && own_tx && r->stage->prepare && r->stage->prepare(r, err))
        return err->code;
    if (r->ntouch && !r->stale_own && tk_stale_refresh(r, err))
        return err->code;
    coalesce(r);
    r->flush_gen++;
    for (int i = 0; i < r->ntouch && !rc; i++) {
        if (own_tx && !r->s.in_tx && (rc = store_begin(&r->s, err)))
            break;
        const ro_guard *g = roster_guard(r->ro, r->touch[i].guard, err);
        if (err->code) {
            rc = err->code;
            break;
        }
        assert(r->touch[i].d0 <= r->touch[i].d1);
        r->nnoted = 0;
        /* a limited actor's run leaves other detachments' guards as they
         * are, marks and all, for a run that may see them */
        int skip = g && !tk_reaches(r, g, r->touch[i].d0, r->touch[i].d1);
        r->cur = i;
        if (g && !skip)
            rc = r->stage->recompute(r, g, r->touch[i].d0, r->touch[i].d1, err);
        r->cur = -1;
        /* marks of a guard since removed go with its recompute too */
        if (!rc && !skip)
            rc = tk_stale_settle(r, r->touch[i].guard, r->touch[i].d0, r->touch[i].d1, err);
        if (!rc && own_tx && ((i + 1) % GUARDS_PER_TX == 0 || i + 1 == r->ntouch)) {
            rc = store_commit(&r->s, err) || tk_run_write(r, err) ? err->code : 0;
            /* the next transaction's guards are others: memory holds one
             * transaction's worth of them, not the tenant's */
            if (!rc && r->ntouch > GUARDS_PER_TX)
                roster_forget(r->ro);
        }
        progress_tick(r->progress, r->tick_base + i + 1, r->tick_open ? 0 : r->ntouch, "guards");
    }
    if (r->stage->flush_end)
        r->stage->flush_end(r);
    if (rc && own_tx && r->s.in_tx) {
        store_rollback(&r->s);
        sb_reset(&r->outbuf);
    }
    r->ntouch = 0;
    r->tick_base = r->tick_open = 0;
    idmap_free(&r->touch_idx);
    idmap_init(&r->touch_idx);
    idmap_free(&r->named);
    idmap_init(&r->named);
    return rc;
}

int tk_run_apply(struct change *ch, const tk_stage *stage, FILE *out, reject_sink *rej,
                 int (*fn)(tk_run *r, void *ctx, armms_err *err), void *ctx, armms_err *err)
{
    tk_run r;
    int rc = tk_run_open(&r, ch->t, stage, out, rej, err);
    r.who = &ch->who; /* the approver's limits */
    if (!rc)
        rc = change_apply_begin(ch, &r.s, err);
    if (!rc) {
        rc = fn(&r, ctx, err);
        if (rc)
            store_rollback(&r.s);
        else
            rc = change_apply_end(ch, err);
        if (!rc)
            rc = tk_run_write(&r, err); /* only now are its records real */
    }
    tk_run_close(&r);
    return rc;
}

void tk_run_idle(void *ctx)
{
    tk_run *r = ctx;
    if (r->ntouch && !r->flush_err.code)
        tk_run_flush(r, &r->flush_err);
}

/* The member of a peeked record under key (NULL: none). Its members are
 * in order, an object's own members right after it (ndjson.h). */
static const ndjson_member *member(const tk_rec *rec, const char *key)
{
    for (int i = 0; i < rec->n;
         i += rec->m[i].kind == JV_KIND_OBJECT ? 1 + (int)rec->m[i].vlen : 1)
        if (strcmp(rec->m[i].key, key) == 0)
            return &rec->m[i];
    return NULL;
}

/* libjq's value under key, borrowed: it lives on inside rec->obj. */
static jv value(const tk_rec *rec, const char *key)
{
    jv v = jv_object_get(jv_copy(rec->obj), jv_string(key));
    jv_free(v);
    return v;
}

const char *tk_str_peek(const tk_rec *rec, const char *key)
{
    if (rec->m) {
        const ndjson_member *m = member(rec, key);
        return m && m->kind == JV_KIND_STRING ? m->val : NULL;
    }
    jv v = value(rec, key);
    return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

int tk_date_peek(const tk_rec *rec, const char *key, day_t *d)
{
    const char *s = tk_str_peek(rec, key);
    return s && date_parse(s, d) == 0 ? 0 : -1;
}

int tk_num_peek(const tk_rec *rec, const char *key, double *v)
{
    if (rec->m) {
        const ndjson_member *m = member(rec, key);
        if (!m || m->kind != JV_KIND_NUMBER)
            return -1;
        *v = strtod(m->val, NULL); /* as ndjson_parse_fields converts it */
        return 0;
    }
    jv x = value(rec, key);
    if (jv_get_kind(x) != JV_KIND_NUMBER)
        return -1;
    *v = jv_number_value(x);
    return 0;
}

int tk_obj_peek(const tk_rec *rec, const char *key, tk_rec *sub)
{
    if (rec->m) {
        const ndjson_member *m = member(rec, key);
        if (!m || m->kind != JV_KIND_OBJECT)
            return -1;
        *sub = (tk_rec){jv_invalid(), m + 1, (int)m->vlen};
        return 0;
    }
    jv x = value(rec, key);
    if (jv_get_kind(x) != JV_KIND_OBJECT)
        return -1;
    *sub = tk_rec_of(x);
    return 0;
}

void tk_add_codes(strbuf *b, const char *csv)
{
    sb_addc(b, '[');
    for (const char *p = csv; *p;) {
        size_t n = strcspn(p, ",");
        if (p != csv)
            sb_addc(b, ',');
        sb_add_json_str(b, p, n);
        p += n + (p[n] == ',');
    }
    sb_addc(b, ']');
}

void tk_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void tk_bind_view(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

const char *tk_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}
