/*
 * payrun.c - see payrun.h: the lock, the helpers every payrun file shares,
 * opening, computing and approving a run, and the way its routed changes
 * are requested and applied. Totals are in payrun_totals.c, holds in
 * payrun_hold.c, the close in payrun_close.c.
 */
#include "pay/payrun_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/ndjson.h"

int payrun_lock(tenant_t *t, const char *period, int *fd, armms_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "payrun-%s.lock", period);
    char *p = tenant_path(t, name);
    int f = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(p);
    *fd = -1;
    if (f < 0)
        return err_set(err, EXIT_IOERR, "cannot open the payrun lock of %s: %s", period,
                       strerror(errno));
    for (int waited = 0;; waited += 10) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) {
            *fd = f;
            return 0;
        }
        if (errno != EWOULDBLOCK || waited >= t->wait_ms) {
            close(f);
            return err_set(
                err, EXIT_TEMPFAIL,
                "tenant %s: the payrun of %s is busy (another run holds it past --wait)", t->id,
                period);
        }
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

void payrun_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

/* One-shot statement: prepare, bind text parameters, hand back. */
int pr_prep(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return store_fail(s, sqlite3_errcode(s->db), "payrun", err);
    return 0;
}

void pr_bind(sqlite3_stmt *st, const char *a, const char *b, const char *c)
{
    const char *v[3] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (v[i])
            sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
}

/* Run a write statement with up to three text parameters. */
int pr_exec(store_t *s, const char *sql, const char *a, const char *b, const char *c,
            armms_err *err)
{
    sqlite3_stmt *st;
    if (pr_prep(s, &st, sql, err))
        return err->code;
    pr_bind(st, a, b, c);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}

/* The first column of the first row as text into out ("" when no row). */
int pr_text(store_t *s, const char *sql, const char *a, const char *b, char *out, size_t n,
            armms_err *err)
{
    sqlite3_stmt *st;
    if (pr_prep(s, &st, sql, err))
        return err->code;
    pr_bind(st, a, b, NULL);
    int rc = sqlite3_step(st);
    out[0] = 0;
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}

long pr_long(store_t *s, const char *sql, const char *a, const char *b, armms_err *err)
{
    char buf[32];
    if (pr_text(s, sql, a, b, buf, sizeof buf, err))
        return -1;
    return atol(buf);
}

int payrun_status_of(store_t *s, const char *period, char *out, armms_err *err)
{
    return pr_text(s, "SELECT status FROM payrun WHERE period_id = ?1", period, NULL, out, 16,
                   err);
}

int payrun_begin_compute(store_t *s, const char *period, const char *how_to_open, armms_err *err)
{
    char st[16];
    int rc = store_begin(s, err);
    if (!rc)
        rc = payrun_status_of(s, period, st, err);
    if (!rc && (!st[0] || !strcmp(st, "CLOSED")))
        rc = err_set(err, EXIT_DATAERR, "the payrun of %s is %s", period,
                     st[0] ? "closed: nothing of it is computed again" : how_to_open);
    if (rc && s->in_tx)
        store_rollback(s);
    return rc;
}

int pr_emit(store_t *s, const char *type, const char *agg_type, const char *agg,
            const strbuf *payload, armms_err *err)
{
    return store_emit(s, type, agg_type, agg, payload->s, payload->len, err);
}

int pr_emit_run(store_t *s, const char *type, const char *period, const char *status,
                const totals *t, long carried, armms_err *err)
{
    strbuf p;
    sb_init(&p);
    sb_addf(&p, "{\"period\":\"%s\",\"status\":\"%s\"", period, status);
    if (carried >= 0)
        sb_addf(&p, ",\"carried\":%ld", carried);
    if (t) {
        sb_addc(&p, ',');
        pr_totals_json(&p, t);
    }
    sb_addc(&p, '}');
    int rc = pr_emit(s, type, "Payrun", period, &p, err);
    sb_free(&p);
    return rc;
}

int payrun_open(store_t *s, const char *period, int *created, armms_err *err)
{
    char st[16], now[32];
    *created = 0;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (strcmp(st, "CLOSED") == 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is closed; it cannot be opened again",
                period);
        goto fail;
    }
    if (!st[0]) {
        long known =
            pr_long(s, "SELECT count(*) FROM period WHERE period_id = ?1", period, NULL, err);
        if (known < 0)
            goto fail;
        if (known == 0) {
            err_set(err, EXIT_DATAERR,
                    "no pay period %s (armms-import period --generate YEAR defines them)", period);
            goto fail;
        }
        now_iso(now);
        if (pr_exec(s,
                    "INSERT INTO payrun(period_id, status, opened_by, opened_at)"
                    " VALUES (?1, 'OPEN', ?2, ?3)",
                    period, s->tenant->actor, now, err))
            goto fail;
        if (pr_emit_run(s, "PayrunOpened", period, "OPEN", NULL, -1, err))
            goto fail;
        *created = 1;
    }
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

int payrun_computed(store_t *s, const char *period, armms_err *err)
{
    char st[16], old[4096] = "";
    totals t;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (!st[0] || strcmp(st, "CLOSED") == 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is %s", period,
                st[0] ? "closed" : "not open (armms-payrun open)");
        goto fail;
    }
    if (pr_sum_period(s, period, &t, err) ||
        pr_text(s, "SELECT totals FROM payrun WHERE period_id = ?1", period, NULL, old, sizeof old,
                err))
        goto fail;
    strbuf b;
    sb_init(&b);
    sb_addc(&b, '{');
    pr_totals_json(&b, &t);
    sb_addc(&b, '}');
    /* approved and nothing new to approve stays APPROVED */
    const char *next = strcmp(st, "APPROVED") == 0 && t.computed == 0 && t.rejected == 0
                           ? "APPROVED"
                           : "COMPUTED";
    int changed = strcmp(old, b.s) != 0 || strcmp(st, next) != 0;
    char now[32];
    now_iso(now);
    int rc = 0;
    if (changed) {
        rc = pr_exec(s,
                     "UPDATE payrun SET status = ?2, computed_at = ?3, totals = ?4,"
                     " approved_by = CASE WHEN ?2 = 'APPROVED' THEN approved_by END,"
                     " approved_at = CASE WHEN ?2 = 'APPROVED' THEN approved_at END"
                     " WHERE period_id = ?1",
                     period, next, now, err);
        if (!rc) {
            sqlite3_stmt *u;
            rc = pr_prep(s, &u, "UPDATE payrun SET totals = ?2 WHERE period_id = ?1", err);
            if (!rc) {
                sqlite3_bind_text(u, 1, period, -1, SQLITE_STATIC);
                sqlite3_bind_text(u, 2, b.s, (int)b.len, SQLITE_STATIC);
                int r2 = sqlite3_step(u);
                sqlite3_finalize(u);
                rc = r2 == SQLITE_DONE ? 0 : store_fail(s, r2, "payrun", err);
            }
        }
        if (!rc)
            rc = pr_emit_run(s, "PayrunComputed", period, next, &t, -1, err);
    }
    sb_free(&b);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

/* ---- approval ---- */

static const char unheld[] =
    " AND NOT EXISTS (SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
    " AND (h.paysheet_id = p.paysheet_id OR h.paysheet_id = p.period_id))";

int payrun_approve(store_t *s, const char *period, const char *guard, long *approved, long *held,
                   armms_err *err)
{
    char st[16], now[32];
    *approved = *held = 0;
    if (store_begin(s, err) || payrun_status_of(s, period, st, err))
        goto fail;
    if (strcmp(st, "COMPUTED") != 0 && strcmp(st, "APPROVED") != 0) {
        err_set(err, EXIT_DATAERR, "the payrun of %s is %s: only a computed run is approved",
                period, st[0] ? st : "not open");
        goto fail;
    }
    totals t;
    if (pr_sum_period(s, period, &t, err))
        goto fail;
    if (t.gross_only) {
        err_set(err, EXIT_DATAERR,
                "%ld paysheets of %s have gross only: compute the run (armms-payrun compute)"
                " before approving it",
                t.gross_only, period);
        goto fail;
    }
    strbuf q;
    sb_init(&q);
    sb_adds(&q, "SELECT paysheet_id, version, net FROM paysheet p"
                " WHERE period_id = ?1 AND status = 'COMPUTED'");
    if (guard)
        sb_adds(&q, " AND guard_id = ?2");
    sb_adds(&q, unheld);
    sqlite3_stmt *sel, *upd;
    int rc = pr_prep(s, &sel, q.s, err);
    sb_free(&q);
    if (rc)
        goto fail;
    if (pr_prep(s, &upd, "UPDATE paysheet SET status = 'APPROVED' WHERE paysheet_id = ?1", err)) {
        sqlite3_finalize(sel);
        goto fail;
    }
    pr_bind(sel, period, guard, NULL);
    strbuf p;
    sb_init(&p);
    while (!rc && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(sel, 0);
        sqlite3_bind_text(upd, 1, id, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE) {
            rc = store_fail(s, rc, "payrun", err);
            break;
        }
        sb_reset(&p);
        sb_adds(&p, "{\"paysheet_id\":");
        sb_add_json_str(&p, id, strlen(id));
        sb_addf(&p, ",\"version\":%lld,\"net\":%lld,\"status\":\"APPROVED\"}",
                (long long)sqlite3_column_int64(sel, 1), (long long)sqlite3_column_int64(sel, 2));
        rc = pr_emit(s, "PaysheetApproved", "Paysheet", id, &p, err);
        (*approved)++;
    }
    if (rc == SQLITE_DONE)
        rc = 0;
    else if (rc && !err->code)
        rc = store_fail(s, rc, "payrun", err);
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (!rc && pr_sum_period(s, period, &t, err))
        rc = err->code;
    *held = t.held;
    if (!rc && strcmp(st, "APPROVED") != 0 && t.paysheets > 0 && t.approved == t.paysheets) {
        now_iso(now);
        rc = pr_exec(s,
                     "UPDATE payrun SET status = 'APPROVED', approved_by = ?2, approved_at = ?3"
                     " WHERE period_id = ?1",
                     period, s->tenant->actor, now, err);
        if (!rc)
            rc = pr_emit_run(s, "PayrunApproved", period, "APPROVED", &t, -1, err);
    }
    sb_free(&p);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

/* ---- routed changes ---- */

int pr_change(change_t *ch, store_t *s, pr_do_fn fn, const void *args, jv effect,
              const char *summary, FILE *out, int *made, armms_err *err)
{
    *made = 0;
    int rc = ch->requesting ? change_begin(ch, s, err) : store_begin(s, err);
    if (!rc && fn(s, args, NULL, err)) {
        store_rollback(s);
        rc = err->code;
    }
    if (rc || !ch->requesting) {
        jv_free(effect);
        return rc ? rc : store_commit(s, err);
    }
    return change_submit(ch, effect, summary, out, made, err);
}

int pr_apply(change_t *ch, const char *period, pr_do_fn fn, const void *args, int show, FILE *out,
             armms_err *err)
{
    store_t s;
    int rc, fd = -1;
    if (!period)
        return err_set(err, EXIT_SOFTWARE, "change request %s: no period", ch->request_id);
    if (!(rc = payrun_lock(ch->t, period, &fd, err)) &&
        !(rc = store_open(&s, ch->t, "pay", 0, err))) {
        rc = change_apply_begin(ch, &s, err);
        if (!rc) {
            rc = fn(&s, args, ch->request_id, err);
            if (rc)
                store_rollback(&s);
            else
                rc = change_apply_end(ch, err);
        }
        if (!rc && show) {
            jv rec;
            int found;
            if (!payrun_record(&s, period, &rec, &found, err) && found)
                ndjson_write(out, rec);
        }
        store_close(&s);
    }
    payrun_unlock(fd);
    return rc;
}
