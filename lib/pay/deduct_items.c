/*
 * deduct_items.c - statements and the items of one paysheet, read from its
 * guard's obligations and schedule (see deduct.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/deduct_int.h"
#include "pay/waiver.h"

/* ---- small jv helpers (looked at) ---- */

long long dx_jint_peek(jv o, const char *key, long long dflt)
{
    if (jv_get_kind(o) != JV_KIND_OBJECT)
        return dflt;
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    long long r = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : dflt;
    jv_free(v);
    return r;
}

int dx_jtrue_peek(jv o, const char *key)
{
    jv v = jv_object_get(jv_copy(o), jv_string(key));
    int r = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    return r;
}

const char *dx_jstr_peek(jv o, const char *key)
{
    const char *s = json_str_peek(o, key, NULL);
    return s ? s : "";
}

jv dx_jnum(long long v)
{
    return jv_number((double)v);
}

/* ---- statements ---- */

static const char *const q_sql[Q_N] = {
    [Q_ITEMS] =
        "SELECT o.obligation_id, o.kind, o.code, o.label, o.installment,"
        " o.installments IS NULL AND o.principal IS NULL, o.frequency, o.taxable, o.status,"
        " o.start_period, s.seq, s.amount, s.employer_share, s.status,"
        " coalesce(s.waiver_id, ''), coalesce(s.moved_from, 0),"
        " (SELECT count(*) FROM obligation_schedule x WHERE x.obligation_id = o.obligation_id"
        "  AND +x.period_id = ?2 AND x.moved_from IS NULL)"
        " FROM obligation o LEFT JOIN obligation_schedule s"
        " ON s.obligation_id = o.obligation_id AND +s.period_id = ?2"
        " WHERE o.guard_id = ?1 ORDER BY o.obligation_id, s.seq",
    [Q_WAIVER] = "SELECT reason, policy, coalesce(to_period, ''), period_id FROM waiver"
                 " WHERE waiver_id = ?1",
    [Q_MOVED] = "SELECT seq, status, period_id FROM obligation_schedule WHERE obligation_id = ?1"
                " AND waiver_id = ?2 AND moved_from IS NOT NULL ORDER BY seq",
    [Q_OB_INS] = "INSERT INTO obligation(obligation_id, guard_id, kind, code, label, principal,"
                 " installment, installments, start_period, frequency, taxable, status)"
                 " VALUES (?1, ?2, 'statutory', ?3, ?4, NULL, ?5, 1, ?6, ?7, 0, 'ACTIVE')"
                 " ON CONFLICT(obligation_id) DO UPDATE SET installment = excluded.installment",
    [Q_ROW_INS] = "INSERT INTO obligation_schedule(obligation_id, seq, period_id, amount,"
                  " employer_share, status) VALUES (?1, ?2, ?3, ?4, ?5, 'DUE')",
    [Q_ROW_SET] = "UPDATE obligation_schedule SET amount = ?3, employer_share = ?4"
                  " WHERE obligation_id = ?1 AND seq = ?2",
    [Q_ROW_STATUS] = "UPDATE obligation_schedule SET status = ?3,"
                     " waiver_id = CASE WHEN ?3 IN ('DUE', 'APPLIED') THEN NULL ELSE waiver_id END"
                     " WHERE obligation_id = ?1 AND seq = ?2",
    [Q_ROW_DEL] = "DELETE FROM obligation_schedule WHERE obligation_id = ?1 AND seq = ?2",
    [Q_WAIVER_DEL] = "DELETE FROM waiver WHERE waiver_id = ?1",
    [Q_REGION] = "SELECT DISTINCT coalesce(d.region, '') FROM json_each(?1) j"
                 " LEFT JOIN hr.detachment d ON d.detachment_id = j.value",
    [Q_MAXSEQ] = "SELECT coalesce(max(seq), 0) FROM obligation_schedule WHERE obligation_id = ?1",
    [Q_SHEETS] = "SELECT guard_id FROM paysheet WHERE period_id = ?1"
                 " AND (?2 IS NULL OR guard_id = ?2) AND guard_id > ?3 ORDER BY guard_id LIMIT ?4",
    [Q_SHEETS_N] = "SELECT count(*) FROM paysheet WHERE period_id = ?1"
                   " AND (?2 IS NULL OR guard_id = ?2)",
};

int dx_stmt(dctx *c, int q, sqlite3_stmt **out, armms_err *err)
{
    *out = NULL;
    if (!c->st[q] && store_prepare(c->s, &c->st[q], q_sql[q], err))
        return err->code;
    sqlite3_reset(c->st[q]);
    sqlite3_clear_bindings(c->st[q]);
    *out = c->st[q];
    return 0;
}

void dx_dctx_free(dctx *c)
{
    for (int i = 0; i < Q_N; i++)
        sqlite3_finalize(c->st[i]);
}

void dx_bt(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int dx_done(dctx *c, sqlite3_stmt *st, const char *what, armms_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(c->s, rc, what, err);
}

/* ---- the items of one paysheet ---- */

item *dx_item_new(items *a)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    item *it = &a->v[a->n++];
    memset(it, 0, sizeof *it);
    it->detail = jv_null();
    return it;
}

void dx_items_free(items *a)
{
    for (size_t i = 0; i < a->n; i++)
        jv_free(a->v[i].detail);
    free(a->v);
    memset(a, 0, sizeof *a);
}

static int status_of(const char *s)
{
    for (int i = 0; sched_status_names[i]; i++)
        if (strcmp(sched_status_names[i], s) == 0)
            return i;
    return SR_DUE;
}

/* A waived or deferred row: its waiver, and whether it is this period's
 * own NET_FLOOR deferral that a recompute may take back. */
static int read_waiver(dctx *c, item *it, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_WAIVER, &st, err))
        return err->code;
    dx_bt(st, 1, it->waiver_id);
    int own = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(it->reason, sizeof it->reason, "%s", pay_col(st, 0));
        snprintf(it->policy, sizeof it->policy, "%s", pay_col(st, 1));
        snprintf(it->to_period, sizeof it->to_period, "%s", pay_col(st, 2));
        own = strcmp(pay_col(st, 0), "NET_FLOOR") == 0 && strcmp(pay_col(st, 3), period) == 0 &&
              it->row_status == SR_DEFERRED;
    }
    sqlite3_reset(st);
    if (!own)
        return 0;
    if (dx_stmt(c, Q_MOVED, &st, err))
        return err->code;
    dx_bt(st, 1, it->obligation_id);
    dx_bt(st, 2, it->waiver_id);
    int rows = 0, due = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        due += strcmp(pay_col(st, 1), "DUE") == 0;
        if (!it->to_period[0])
            snprintf(it->to_period, sizeof it->to_period, "%s", pay_col(st, 2));
    }
    sqlite3_reset(st);
    it->undoable = rows > 0 && rows == due;
    return 0;
}

/* Does the open-ended obligation take an installment in period? */
static int takes(const char *freq, const char *start, const char *period)
{
    if (strcmp(start, period) > 0)
        return 0;
    return freq[0] == 'e' || freq[0] == period[8];
}

int dx_load_items(dctx *c, const char *guard, const char *period, items *a, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_ITEMS, &st, err))
        return err->code;
    dx_bt(st, 1, guard);
    dx_bt(st, 2, period);
    char last[96] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = pay_col(st, 0), *kind = pay_col(st, 1), *ostatus = pay_col(st, 8);
        int open = sqlite3_column_int(st, 5), first = strcmp(id, last) != 0;
        int has_row = sqlite3_column_type(st, 10) != SQLITE_NULL;
        snprintf(last, sizeof last, "%s", id);
        int active = strcmp(ostatus, "ACTIVE") == 0;
        if (!has_row && !(open && active && takes(pay_col(st, 6), pay_col(st, 9), period)))
            continue;
        item *it = dx_item_new(a);
        snprintf(it->obligation_id, sizeof it->obligation_id, "%s", id);
        snprintf(it->kind, sizeof it->kind, "%s", kind);
        snprintf(it->code, sizeof it->code, "%s", pay_col(st, 2));
        snprintf(it->label, sizeof it->label, "%s", pay_col(st, 3));
        it->cls = strcmp(kind, "allowance") == 0 || strcmp(kind, "reward") == 0 ? K_ADD
                  : strcmp(kind, "statutory") == 0                              ? K_STAT
                                                                                : K_OTHER;
        it->taxable = sqlite3_column_int(st, 7);
        it->stopped = !active;
        if (!has_row) {
            it->amount = sqlite3_column_int64(st, 4);
            continue;
        }
        it->seq = sqlite3_column_int64(st, 10);
        it->amount = it->stored_amount = sqlite3_column_int64(st, 11);
        it->er = it->stored_er = sqlite3_column_int64(st, 12);
        it->row_status = status_of(pay_col(st, 13));
        snprintf(it->waiver_id, sizeof it->waiver_id, "%s", pay_col(st, 14));
        it->moved_from = sqlite3_column_int64(st, 15);
        /* an open-ended obligation with a row of its own in the period:
         * that row is its installment (first row only counts once) */
        (void)first;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_fail(c->s, rc, "obligations", err);
    for (size_t i = 0; i < a->n; i++) {
        item *it = &a->v[i];
        if (it->row_status == SR_WAIVED || it->row_status == SR_DEFERRED) {
            if (read_waiver(c, it, period, err))
                return err->code;
            it->fixed = !it->undoable;
        }
    }
    return 0;
}
