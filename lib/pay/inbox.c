/*
 * inbox.c - see inbox.h.
 */
#define _GNU_SOURCE
#include "pay/inbox.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ahead.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "core/sha.h"
#include "pay/pay_int.h"
#include "store/journal.h"

/* Verify rec's checksum; *canon (malloc'd, may be NULL) gets the
 * canonical text it was taken over. */
static int checksum_canon(jv rec, char **canon, rejection *rj)
{
    const char *sum = json_str_peek(rec, "checksum", &(int){0});
    if (!sum)
        return rejection_set(rj, "BAD_CHECKSUM", "the snapshot has no checksum");
    char *c = json_canonical(jv_object_delete(jv_copy(rec), jv_string("checksum")));
    char hex[65];
    sha256_hex(c, strlen(c), hex);
    if (canon)
        *canon = c;
    else
        free(c);
    if (strncmp(sum, "sha256:", 7) || strcmp(sum + 7, hex)) {
        if (canon) {
            free(c);
            *canon = NULL;
        }
        return rejection_set(rj, "BAD_CHECKSUM",
                             "checksum %.80s is not that of the snapshot (sha256:%s)", sum, hex);
    }
    return 0;
}

int inbox_checksum_peek(jv rec, rejection *rj)
{
    return checksum_canon(rec, NULL, rj);
}

/* Copy a required string field of rec into buf: 0, or REJECTED. */
static int need_str(jv rec, const char *key, char *buf, size_t n, rejection *rj)
{
    int bad = 0;
    const char *v = json_str_peek(rec, key, &bad);
    if (!v || !*v || strlen(v) >= n)
        return rejection_set(rj, "BAD_FIELD", "%s: %s", key,
                             bad         ? "not a string"
                             : !v || !*v ? "missing"
                                         : "too long");
    memcpy(buf, v, strlen(v) + 1);
    return 0;
}

static int check_snapshot(jv snap, inbox_key *k, const char **status, char **canon, rejection *rj)
{
    if (jv_get_kind(snap) != JV_KIND_OBJECT)
        return rejection_set(rj, "BAD_FIELD", "the snapshot is not an object");
    long long ver;
    if (need_str(snap, "timesheet_id", k->timesheet_id, sizeof k->timesheet_id, rj) ||
        need_str(snap, "guard_id", k->guard, sizeof k->guard, rj))
        return REJECTED;
    if (pay_int_peek(snap, "version", &ver) || ver < 1 || ver > 1000000)
        return rejection_set(rj, "BAD_FIELD", "version: not a positive integer");
    k->version = (int)ver;
    jv per = jv_object_get(jv_copy(snap), jv_string("period"));
    int bad =
        jv_get_kind(per) != JV_KIND_OBJECT || need_str(per, "id", k->period, sizeof k->period, rj);
    jv_free(per);
    if (bad)
        return rejection_set(rj, "BAD_FIELD", "period: not an object with an id");
    char tmp[65];
    if (need_str(snap, "detachment_id", tmp, sizeof tmp, rj) ||
        need_str(snap, "shift_id", tmp, sizeof tmp, rj) ||
        need_str(snap, "position_id", tmp, sizeof tmp, rj))
        return REJECTED;
    *status = json_str_peek(snap, "status", &bad);
    if (!*status || (strcmp(*status, "FINALIZED") && strcmp(*status, "ADJUSTED")))
        return rejection_set(rj, "BAD_FIELD", "status: not FINALIZED or ADJUSTED");
    jv days = jv_object_get(jv_copy(snap), jv_string("days"));
    bad = jv_get_kind(days) != JV_KIND_ARRAY;
    jv_free(days);
    if (bad)
        return rejection_set(rj, "BAD_FIELD",
                             "days: missing (a snapshot sealed before its day lines existed)");
    return checksum_canon(snap, canon, rj);
}

/* What pricing reads of a snapshot (store/snaplines.h), when the checks
 * took it out already: else NULL, and the insert takes it from the text. */
typedef struct snap_cols {
    char det[65], shift[65], pos[65];
    char *lines; /* malloc'd */
} snap_cols;

/* Write the inbox row of k (filled) with checksum sum, status and the
 * canonical text canon the checksum covers, and cols (or NULL): 0
 * (k->landed set, or a duplicate), REJECTED (CONFLICT) or an EXIT_* code. */
static int land_row(store_t *s, inbox_key *k, const char *sum, const char *status,
                    const char *canon, const snap_cols *cols, long long journal_seq, rejection *rj,
                    armms_err *err)
{
    sqlite3_stmt *st;
    int rc =
        pay_stmt(s, PS_INBOX_GET,
                 "SELECT checksum FROM inbox WHERE timesheet_id = ?1 AND version = ?2", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, k->timesheet_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k->version);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (strcmp(pay_col(st, 0), sum))
            rc = rejection_set(rj, "CONFLICT",
                               "timesheet %s version %d is in the inbox with checksum %.80s",
                               k->timesheet_id, k->version, pay_col(st, 0));
        sqlite3_reset(st);
        return rc;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return store_fail(s, step, "read the inbox", err);
    strbuf packed = {0};
    if (!cols) { /* the lines from the canonical text, here */
        sqlite3_stmt *sl;
        if ((rc = pay_stmt(s, PS_SNAPLINES, snaplines_sql, &sl, err)))
            return rc;
        if ((step = snaplines_pack(sl, canon, strlen(canon), &packed))) {
            sb_free(&packed);
            return store_fail(s, step, "read a snapshot's day lines", err);
        }
    }
    if ((rc = pay_stmt(s, PS_INBOX_PUT,
                       "INSERT INTO inbox(timesheet_id, version, checksum, guard_id, period_id,"
                       " status, record, journal_seq, received_at, detachment_id, shift_id,"
                       " position_id, lines) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                       " ifnull(?10, ?7 ->> 'detachment_id'), ifnull(?11, ?7 ->> 'shift_id'),"
                       " ifnull(?12, ?7 ->> 'position_id'), ?13)",
                       &st, err)))
        return rc;
    char now[32];
    now_iso(now);
    sqlite3_bind_text(st, 1, k->timesheet_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, k->version);
    sqlite3_bind_text(st, 3, sum, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, k->period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, canon, -1, SQLITE_STATIC);
    if (journal_seq > 0)
        sqlite3_bind_int64(st, 8, journal_seq);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
    if (cols) {
        sqlite3_bind_text(st, 10, cols->det, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, cols->shift, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, cols->pos, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 13, cols ? cols->lines : packed.s ? packed.s : "", -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    sb_free(&packed);
    if (step != SQLITE_DONE)
        return store_fail(s, step, "write the inbox", err);
    k->landed = 1;
    return 0;
}

int inbox_land(store_t *s, jv rec, long long journal_seq, inbox_key *k, rejection *rj,
               armms_err *err)
{
    memset(k, 0, sizeof *k);
    jv snap;
    if (json_has_peek(rec, "after")) {
        snap = jv_object_get(jv_copy(rec), jv_string("after"));
        if (jv_get_kind(snap) == JV_KIND_OBJECT && !json_has_peek(snap, "timesheet_id") &&
            !json_has_peek(snap, "kind") && json_has_peek(snap, "minutes")) {
            /* an adjustment written before TimesheetAdjusted carried the
             * whole sealed version: only its before/after summary */
            const char *id = json_str_peek(rec, "timesheet_id", &(int){0});
            jv v = jv_object_get(jv_copy(rec), jv_string("version"));
            rejection_set(rj, "OLD_FORMAT",
                          "TimesheetAdjusted of %s version %d carries a summary, not the sealed "
                          "timesheet (it was written by an older ARMMS): payroll cannot price it, "
                          "and the version before it stands",
                          id ? id : "?",
                          jv_get_kind(v) == JV_KIND_NUMBER ? (int)jv_number_value(v) : 0);
            jv_free(v);
            jv_free(snap);
            jv_free(rec);
            return REJECTED;
        }
    } else {
        const char *kind = json_str_peek(rec, "kind", &(int){0});
        if (kind && !strcmp(kind, "Timesheet")) {
            jv_free(rec);
            return rejection_set(rj, "DRAFT", "a draft timesheet is not a snapshot");
        }
        if (!kind || strcmp(kind, "TimesheetFinalized")) {
            /* the message names the kind, which lives in rec: free it after */
            rejection_set(rj, "BAD_KIND",
                          "kind %s: payroll takes TimesheetFinalized and "
                          "TimesheetAdjusted records",
                          kind ? kind : "missing");
            jv_free(rec);
            return REJECTED;
        }
        snap = jv_copy(rec);
    }
    jv_free(rec);
    const char *status = NULL;
    char *canon = NULL;
    int rc = check_snapshot(snap, k, &status, &canon, rj);
    if (rc) {
        jv_free(snap);
        return rc;
    }
    rc = land_row(s, k, json_str_peek(snap, "checksum", &(int){0}), status, canon, NULL,
                  journal_seq, rj, err);
    free(canon);
    jv_free(snap);
    return rc;
}

/*
 * The fast path: a snapshot read and verified by SQLite's JSON functions
 * from the text it came in (a journal line, envelope "$.payload", or a
 * record, envelope "$"). A sealed snapshot is canonical JSON, so its text
 * without the checksum member is the very text the checksum covers: when
 * the SHA-256 of it matches, the text is canonical and lands as it is.
 * Anything this path does not take - a checksum that does not match, a
 * field missing or of another type, JSON that is not minified canonical -
 * is *taken = 0, and the caller goes the libjq way, which decides the same
 * for a good snapshot and writes the Reject for a bad one.
 */
/* What the fast path found in a snapshot's text: ok when it takes it,
 * with the canonical text (malloc'd) and the key. */
typedef struct fast_prep {
    int done, ok;
    char *canon;
    char sum[80], status[16];
    inbox_key k;
    snap_cols cols;
} fast_prep;

/* the snapshot's text taken out once, then read from that text (the JSON
 * functions keep the last texts they parsed) */
static const char fast_pick[] = "SELECT CASE WHEN json_type(?1, ?2 || '.after') = 'object'"
                                " THEN json_extract(?1, ?2 || '.after')"
                                " WHEN json_extract(?1, ?2 || '.kind') = 'TimesheetFinalized'"
                                " THEN json_extract(?1, ?2) END"
                                " WHERE json_valid(?1)";
static const char fast_sql[] =
    "SELECT json_remove(?1, '$.checksum'), json_extract(?1, '$.checksum'),"
    " json_extract(?1, '$.timesheet_id'), json_extract(?1, '$.guard_id'),"
    " json_extract(?1, '$.version'), json_type(?1, '$.version'),"
    " json_extract(?1, '$.period.id'), json_type(?1, '$.detachment_id'),"
    " json_type(?1, '$.shift_id'), json_type(?1, '$.position_id'),"
    " json_extract(?1, '$.status'), json_type(?1, '$.days'),"
    " json_type(?1, '$.timesheet_id'), json_type(?1, '$.guard_id'),"
    " json_type(?1, '$.period.id'), json_extract(?1, '$.detachment_id'),"
    " json_extract(?1, '$.shift_id'), json_extract(?1, '$.position_id')";

/* The checks of the fast path through pk (fast_pick) and st (fast_sql),
 * and the day lines through sl (snaplines_sql), statements of any
 * connection: only SQLite's JSON functions, no table. */
static void fast_check(sqlite3_stmt *pk, sqlite3_stmt *st, sqlite3_stmt *sl, const char *text,
                       size_t len, const char *envelope, fast_prep *p)
{
    memset(p, 0, sizeof *p);
    p->done = 1;
    sqlite3_bind_text(pk, 1, text, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(pk, 2, envelope, -1, SQLITE_STATIC);
    if (sqlite3_step(pk) != SQLITE_ROW || sqlite3_column_type(pk, 0) != SQLITE_TEXT) {
        sqlite3_reset(pk);
        return;
    }
    sqlite3_bind_value(st, 1, sqlite3_column_value(pk, 0));
    sqlite3_reset(pk);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_TEXT) {
        sqlite3_reset(st);
        return;
    }
    const char *canon = pay_col(st, 0), *sum = pay_col(st, 1);
    const char *tsid = pay_col(st, 2), *guard = pay_col(st, 3), *period = pay_col(st, 6);
    const char *status = pay_col(st, 10);
    long long ver = sqlite3_column_int64(st, 4);
    inbox_key *k = &p->k;
    char hex[65];
    int ok = !strcmp(pay_col(st, 5), "integer") && ver >= 1 && ver <= 1000000 &&
             !strcmp(pay_col(st, 12), "text") && *tsid && strlen(tsid) < sizeof k->timesheet_id &&
             !strcmp(pay_col(st, 13), "text") && *guard && strlen(guard) < sizeof k->guard &&
             !strcmp(pay_col(st, 14), "text") && *period && strlen(period) < sizeof k->period;
    for (int i = 7; ok && i <= 9; i++)
        ok = !strcmp(pay_col(st, i), "text") && *pay_col(st, i + 8) &&
             strlen(pay_col(st, i + 8)) < 65;
    ok = ok && (!strcmp(status, "FINALIZED") || !strcmp(status, "ADJUSTED")) &&
         !strcmp(pay_col(st, 11), "array") && !strncmp(sum, "sha256:", 7) &&
         strlen(sum) < sizeof p->sum;
    if (ok) {
        sha256_hex(canon, (size_t)sqlite3_column_bytes(st, 0), hex);
        ok = !strcmp(sum + 7, hex);
    }
    strbuf lines = {0};
    ok = ok && !snaplines_pack(sl, canon, (size_t)sqlite3_column_bytes(st, 0), &lines);
    if (ok) {
        snprintf(k->timesheet_id, sizeof k->timesheet_id, "%s", tsid);
        snprintf(k->guard, sizeof k->guard, "%s", guard);
        snprintf(k->period, sizeof k->period, "%s", period);
        k->version = (int)ver;
        snprintf(p->sum, sizeof p->sum, "%s", sum);
        snprintf(p->status, sizeof p->status, "%s", status);
        p->canon = xstrdup(canon);
        snap_cols *c = &p->cols;
        snprintf(c->det, sizeof c->det, "%s", pay_col(st, 15));
        snprintf(c->shift, sizeof c->shift, "%s", pay_col(st, 16));
        snprintf(c->pos, sizeof c->pos, "%s", pay_col(st, 17));
        c->lines = lines.s ? lines.s : xstrdup("");
        p->ok = 1;
    } else {
        sb_free(&lines);
    }
    sqlite3_reset(st);
}

static void fast_prep_free(fast_prep *p)
{
    free(p->canon);
    free(p->cols.lines);
    p->canon = p->cols.lines = NULL;
}

/* Land what fast_check took (p->ok); p's texts are freed. */
static int land_prepped(store_t *s, fast_prep *p, long long journal_seq, inbox_key *k,
                        rejection *rj, armms_err *err)
{
    *k = p->k;
    int rc = land_row(s, k, p->sum, p->status, p->canon, &p->cols, journal_seq, rj, err);
    fast_prep_free(p);
    return rc;
}

static int land_fast(store_t *s, const char *text, size_t len, const char *envelope,
                     long long journal_seq, inbox_key *k, int *taken, rejection *rj,
                     armms_err *err)
{
    sqlite3_stmt *pk, *st, *sl;
    *taken = 0;
    memset(k, 0, sizeof *k);
    int rc = pay_stmt(s, PS_INBOX_PICK, fast_pick, &pk, err);
    if (!rc)
        rc = pay_stmt(s, PS_INBOX_FAST, fast_sql, &st, err);
    if (!rc)
        rc = pay_stmt(s, PS_SNAPLINES, snaplines_sql, &sl, err);
    if (rc)
        return rc;
    fast_prep p;
    fast_check(pk, st, sl, text, len, envelope, &p);
    if (!p.ok)
        return 0;
    *taken = 1;
    return land_prepped(s, &p, journal_seq, k, rj, err);
}

/* One journal line whose seq is seq: a snapshot event lands (counted,
 * touched, or refused with a Reject naming source and seq); any other
 * event passes over. 0 or an EXIT_* code. */
static int take_line(store_t *s, const char *line, size_t len, long long seq, const char *source,
                     reject_sink *rej, inbox_touch_fn touch, void *ctx, pay_counts *n,
                     fast_prep *pre, armms_err *err)
{
    /* only the two snapshot events; the type is a fixed field early on */
    const char *end = line + (len < 200 ? len : 200);
    const char *ty = memmem(line, (size_t)(end - line), "\"event_type\":\"", 14);
    if (!ty)
        return 0;
    ty += 14;
    int fin = !strncmp(ty, "TimesheetFinalized\"", 19),
        adj = !strncmp(ty, "TimesheetAdjusted\"", 18);
    if (!fin && !adj)
        return 0;
    n->read++;
    progress_tick(n->progress, n->read, 0,
                  strcmp(source, "journal") ? "snapshots from the broker"
                                            : "snapshots from the journal");
    rejection rj = {0};
    inbox_key k;
    int taken, rc;
    if (pre && pre->done) { /* checked ahead (pull_flush) */
        taken = pre->ok;
        rc = taken ? land_prepped(s, pre, seq, &k, &rj, err) : 0;
    } else {
        rc = land_fast(s, line, len, "$.payload", seq, &k, &taken, &rj, err);
    }
    if (taken)
        goto landed;
    if (rc)
        return rc;
    /* the payload, parsed by libjq like every record */
    jv ev = ndjson_parse_object(line, len, &rj);
    jv pl = jv_is_valid(ev) ? jv_object_get(jv_copy(ev), jv_string("payload")) : jv_invalid();
    jv_free(ev);
    if (jv_get_kind(pl) != JV_KIND_OBJECT) {
        jv_free(pl);
        rc = rj.code ? REJECTED
                     : rejection_set(&rj, "BAD_FIELD", "journal event %lld has no payload object",
                                     seq);
    } else {
        rc = inbox_land(s, pl, seq, &k, &rj, err);
    }
landed:
    if (rc == REJECTED) {
        reject_emit(rej, &rj, source, seq, line, len);
        n->rejected++;
        return 0;
    }
    if (rc)
        return rc;
    n->landed += k.landed;
    if (touch)
        touch(&k, ctx);
    return 0;
}

/*
 * A pull checks its snapshots ahead on threads: the fast path's checks
 * (the snapshot found in its event, its fields, its canonical text and
 * SHA-256) use only SQLite's JSON functions, so checkers, one a processor,
 * each with an in-memory connection of its own, check a batch of lines
 * while this thread lands the lines before them in the inbox, in journal
 * order: the same rows, counts and Rejects as one thread's. A batch holds
 * copies of at most PULL_BATCH snapshot lines, so memory stays flat.
 */
enum { PULL_BATCH = 512, PULL_AHEAD_AT = 64, PULL_MAX = 4, PULL_COMMIT = 2 };

typedef struct pline {
    char *line;
    size_t len;
    long long seq;
    fast_prep prep;
} pline;

typedef struct checker {
    sqlite3 *db;
    sqlite3_stmt *pk, *st, *sl;
    pline *batch;
} checker;

typedef struct pull {
    store_t *s;
    reject_sink *rej;
    inbox_touch_fn touch;
    void *ctx;
    pay_counts *n;
    long long from, last;
    armms_err *err;
    pline *batch;
    int nb;
    int flushed; /* batches landed since the last commit */
    checker ck[PULL_MAX];
    int nck; /* checkers open (0: check here) */
} pull;

static void checkers_open(pull *p)
{
    if (armms_env("ARMMS_PAY_SERIAL"))
        return;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int want = cpus < 1 ? 1 : cpus > PULL_MAX ? PULL_MAX : (int)cpus;
    for (; p->nck < want; p->nck++) {
        checker *c = &p->ck[p->nck];
        memset(c, 0, sizeof *c);
        if (sqlite3_open_v2(":memory:", &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(c->db, fast_pick, -1, &c->pk, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(c->db, fast_sql, -1, &c->st, NULL) != SQLITE_OK ||
            sqlite3_prepare_v2(c->db, snaplines_sql, -1, &c->sl, NULL) != SQLITE_OK) {
            sqlite3_finalize(c->pk);
            sqlite3_finalize(c->st);
            sqlite3_finalize(c->sl);
            sqlite3_close(c->db);
            break;
        }
        c->batch = p->batch;
    }
}

static void checkers_close(pull *p)
{
    for (int i = 0; i < p->nck; i++) {
        sqlite3_finalize(p->ck[i].pk);
        sqlite3_finalize(p->ck[i].st);
        sqlite3_finalize(p->ck[i].sl);
        sqlite3_close(p->ck[i].db);
    }
    p->nck = 0;
}

static void check_ahead(void *ctx, int i, void *slot)
{
    checker *c = ctx;
    (void)slot;
    pline *l = &c->batch[i];
    fast_check(c->pk, c->st, c->sl, l->line, l->len, "$.payload", &l->prep);
}

/* Land the batch, checked ahead when it is long enough, in order. */
static int pull_flush(pull *p)
{
    int rc = 0;
    ahead *a = NULL;
    void *ctx[PULL_MAX]; /* the workers' until ahead_stop */
    if (p->nb >= PULL_AHEAD_AT && p->nck) {
        for (int i = 0; i < p->nck; i++)
            ctx[i] = &p->ck[i];
        a = ahead_start_n(p->nb, 1, p->nb, check_ahead, ctx, p->nck);
    }
    int i = 0;
    for (; !rc && i < p->nb; i++) {
        pline *l = &p->batch[i];
        if (a)
            ahead_take(a, i);
        rc = take_line(p->s, l->line, l->len, l->seq, "journal", p->rej, p->touch, p->ctx, p->n,
                       &l->prep, p->err);
        if (a)
            ahead_done(a, i);
    }
    ahead_stop(a, NULL, NULL);
    for (int k = 0; k < p->nb; k++) {
        free(p->batch[k].line);
        fast_prep_free(&p->batch[k].prep);
    }
    p->nb = 0;
    return rc;
}

/* Every PULL_COMMIT batches the landed rows are committed and the cursor
 * moves to the last line read (all of them landed or passed over): a
 * long pull's WAL is checkpointed as it goes, not as one copy of the
 * whole inbox at its end. A crash after a commit keeps what it landed;
 * the rerun reads from the cursor, and what it meets again is a
 * duplicate, which changes nothing. */
static int pull_commit(pull *p)
{
    if (++p->flushed < PULL_COMMIT)
        return 0;
    p->flushed = 0;
    int rc = store_commit(p->s, p->err);
    if (!rc && p->last > p->from)
        rc = journal_cursor_set(p->s->tenant, PAY_CURSOR, p->last, p->err);
    if (!rc)
        rc = store_begin(p->s, p->err);
    return rc;
}

static int pull_cb(const char *line, size_t len, void *vctx)
{
    pull *p = vctx;
    /* every line opens {"seq":N, so the events behind the cursor are passed
     * over without parsing them */
    long long seq = journal_line_seq(line, len);
    if (seq <= p->from)
        return 0;
    if (seq > p->last)
        p->last = seq;
    /* only the two snapshot events wait in the batch (take_line passes
     * over the rest the same way) */
    const char *end = line + (len < 200 ? len : 200);
    const char *ty = memmem(line, (size_t)(end - line), "\"event_type\":\"Timesheet", 23);
    if (!ty)
        return 0;
    pline *l = &p->batch[p->nb++];
    l->line = xmalloc(len + 1);
    memcpy(l->line, line, len);
    l->line[len] = 0;
    l->len = len;
    l->seq = seq;
    memset(&l->prep, 0, sizeof l->prep);
    if (p->nb < PULL_BATCH)
        return 0;
    int rc = pull_flush(p);
    return rc ? rc : pull_commit(p);
}

int inbox_pull(store_t *s, reject_sink *rej, inbox_touch_fn touch, void *ctx, pay_counts *n,
               armms_err *err)
{
    pull p = {s, rej, touch, ctx, n, 0, 0, err, NULL, 0, 0, {{0}}, 0};
    int rc = journal_cursor_get(s->tenant, PAY_CURSOR, &p.from, err);
    if (rc)
        return rc;
    p.last = p.from;
    if ((rc = store_begin(s, err)))
        return rc;
    p.batch = xcalloc(PULL_BATCH, sizeof *p.batch);
    checkers_open(&p);
    rc = journal_each_after(s->tenant, p.from, pull_cb, &p, err);
    if (!rc)
        rc = pull_flush(&p);
    checkers_close(&p);
    for (int k = 0; k < p.nb; k++) { /* a batch the error left */
        free(p.batch[k].line);
        fast_prep_free(&p.batch[k].prep);
    }
    free(p.batch);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    if ((rc = store_commit(s, err)))
        return rc;
    if (p.last > p.from)
        rc = journal_cursor_set(s->tenant, PAY_CURSOR, p.last, err);
    return rc;
}

int inbox_take(store_t *s, const char *line, size_t len, long long seq, const char *source,
               reject_sink *rej, inbox_touch_fn touch, void *ctx, pay_counts *n, armms_err *err)
{
    assert(s->in_tx);
    return take_line(s, line, len, seq, source, rej, touch, ctx, n, NULL, err);
}

int inbox_land_text(store_t *s, const char *text, size_t len, long long journal_seq, inbox_key *k,
                    rejection *rj, armms_err *err)
{
    int taken, rc = land_fast(s, text, len, "$", journal_seq, k, &taken, rj, err);
    if (taken || rc)
        return rc;
    jv rec = ndjson_parse_object(text, len, rj);
    if (!jv_is_valid(rec)) {
        jv_free(rec);
        return REJECTED;
    }
    return inbox_land(s, rec, journal_seq, k, rj, err);
}
