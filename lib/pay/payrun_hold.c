/*
 * payrun_hold.c - rejections of a run, a paysheet or one item of it
 * (route paysheet.reject), the holds they become, and their resolution.
 */
#include "pay/payrun_int.h"

#include <string.h>

#include "core/ndjson.h"
#include "core/ulid.h"

/* ---- holds (paysheet.reject) ---- */

/* Who must act on an item: hours come from timekeeping, everything else
 * (allowances, adjustments, deductions, the whole paysheet) is payroll's. */
static int item_owner(store_t *s, const char *paysheet_id, const char *item, const char **owner,
                      armms_err *err)
{
    *owner = "payroll_officer";
    if (!item)
        return 0;
    char kind[32];
    if (pr_text(s,
                "SELECT l.value ->> 'kind' FROM paysheet p, json_each(p.record, '$.lines') l"
                " WHERE p.paysheet_id = ?1 AND l.value ->> 'code' = ?2",
                paysheet_id, item, kind, sizeof kind, err))
        return err->code;
    if (kind[0]) {
        if (strcmp(kind, "earning") == 0)
            *owner = "timekeeper";
        return 0;
    }
    long n = pr_long(s,
                     "SELECT count(*) FROM paysheet p, json_each(p.record, '$.deductions') d"
                     " WHERE p.paysheet_id = ?1 AND (d.value ->> 'code' = ?2"
                     " OR d.value ->> 'obligation_id' = ?2)",
                     paysheet_id, item, err);
    if (n < 0)
        return err->code;
    if (n == 0)
        return err_set(err, EXIT_DATAERR, "paysheet %s has no line or deduction %s", paysheet_id,
                       item);
    return 0;
}

/* Write the hold (the change itself, run the same way when requesting and
 * when applying). */
static int do_reject(store_t *s, const char *period, const char *guard, const char *item,
                     const char *reason, const char *request_id, armms_err *err)
{
    char st[16], ps[128], hold[32], now[32];
    if (payrun_status_of(s, period, st, err))
        return err->code;
    if (strcmp(st, "COMPUTED") != 0 && strcmp(st, "APPROVED") != 0)
        return err_set(err, EXIT_DATAERR,
                       "the payrun of %s is %s: only a computed run is reviewed", period,
                       st[0] ? st : "not open");
    const char *owner = "payroll_officer";
    if (guard) {
        snprintf(ps, sizeof ps, "%s/%s", period, guard);
        long n = pr_long(s, "SELECT count(*) FROM paysheet WHERE paysheet_id = ?1", ps, NULL, err);
        if (n < 0)
            return err->code;
        if (n == 0)
            return err_set(err, EXIT_DATAERR, "no paysheet %s", ps);
        if (item_owner(s, ps, item, &owner, err))
            return err->code;
    } else {
        snprintf(ps, sizeof ps, "%s", period);
    }
    ulid_new(hold);
    now_iso(now);
    sqlite3_stmt *ins;
    if (pr_prep(
            s, &ins,
            "INSERT INTO paysheet_hold(hold_id, paysheet_id, item, owner_role, reason,"
            " request_id, status, created_by, created_at) VALUES (?1,?2,?3,?4,?5,?6,'OPEN',?7,?8)",
            err))
        return err->code;
    const char *v[8] = {hold, ps, item, owner, reason, request_id, s->tenant->actor, now};
    for (int i = 0; i < 8; i++)
        if (v[i] && *v[i])
            sqlite3_bind_text(ins, i + 1, v[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(ins);
    sqlite3_finalize(ins);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "payrun", err);
    if (guard)
        rc = pr_exec(s, "UPDATE paysheet SET status = 'REJECTED' WHERE paysheet_id = ?1", ps, NULL,
                     NULL, err);
    else
        rc = pr_exec(s, "UPDATE paysheet SET status = 'REJECTED' WHERE period_id = ?1;", period,
                     NULL, NULL, err);
    if (!rc && strcmp(st, "APPROVED") == 0)
        rc =
            pr_exec(s,
                    "UPDATE payrun SET status = 'COMPUTED', approved_by = NULL, approved_at = NULL"
                    " WHERE period_id = ?1",
                    period, NULL, NULL, err);
    if (rc)
        return err->code;
    strbuf p;
    sb_init(&p);
    sb_addf(&p, "{\"hold_id\":\"%s\"", hold);
    sb_add_json_kv(&p, "paysheet_id", ps);
    if (item)
        sb_add_json_kv(&p, "item", item);
    sb_add_json_kv(&p, "owner_role", owner);
    sb_add_json_kv(&p, "reason", reason);
    sb_addc(&p, '}');
    rc = pr_emit(s, guard ? "PaysheetHeld" : "PayrunRejected", guard ? "Paysheet" : "Payrun", ps,
                 &p, err);
    sb_free(&p);
    return rc;
}

struct reject_args {
    const char *period, *guard, *item, *reason;
};

static int reject_fn(store_t *s, const void *args, const char *request_id, armms_err *err)
{
    const struct reject_args *a = args;
    return do_reject(s, a->period, a->guard, a->item, a->reason, request_id, err);
}

int payrun_reject_change(change_t *ch, store_t *s, const char *period, const char *guard,
                         const char *item, const char *reason, FILE *out, int *made,
                         armms_err *err)
{
    char summary[300];
    if (!guard)
        snprintf(summary, sizeof summary, "reject the payrun of %s: %s", period, reason);
    else if (!item)
        snprintf(summary, sizeof summary, "reject the paysheet %s/%s: %s", period, guard, reason);
    else
        snprintf(summary, sizeof summary, "reject item %s of the paysheet %s/%s: %s", item, period,
                 guard, reason);
    jv e = jv_object_set(jv_object(), jv_string("period"), jv_string(period));
    if (guard)
        e = jv_object_set(e, jv_string("guard"), jv_string(guard));
    if (item)
        e = jv_object_set(e, jv_string("item"), jv_string(item));
    e = jv_object_set(e, jv_string("reason"), jv_string(reason));
    struct reject_args args = {period, guard, item, reason};
    return pr_change(ch, s, reject_fn, &args, e, summary, out, made, err);
}

int payrun_reject_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    struct reject_args a = {
        json_str_peek(effect, "period", NULL), json_str_peek(effect, "guard", NULL),
        json_str_peek(effect, "item", NULL), json_str_peek(effect, "reason", NULL)};
    int rc = a.reason
                 ? pr_apply(ch, a.period, reject_fn, &a, 0, out, err)
                 : err_set(err, EXIT_SOFTWARE, "change request %s: no reason", ch->request_id);
    jv_free(effect); /* a's strings lived in it */
    return rc;
}

int payrun_resolve(store_t *s, const rbac_t *who, const char *hold_id, const char *note,
                   armms_err *err)
{
    char owner[64], ps[128], status[16], now[32];
    if (store_begin(s, err))
        return err->code;
    if (pr_text(s, "SELECT owner_role FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL, owner,
                sizeof owner, err) ||
        pr_text(s, "SELECT paysheet_id FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL, ps,
                sizeof ps, err) ||
        pr_text(s, "SELECT status FROM paysheet_hold WHERE hold_id = ?1", hold_id, NULL, status,
                sizeof status, err))
        goto fail;
    if (!owner[0]) {
        err_set(err, EXIT_DATAERR, "no hold %s", hold_id);
        goto fail;
    }
    if (strcmp(status, "OPEN") != 0) {
        err_set(err, EXIT_DATAERR, "hold %s is resolved already", hold_id);
        goto fail;
    }
    if (!rbac_has_role(who, owner) && !rbac_has_role(who, "admin")) {
        err_set(err, EXIT_NOPERM, "user %s of tenant %s may not resolve hold %s: it is the %s's",
                who->user, who->tenant, hold_id, owner);
        goto fail;
    }
    now_iso(now);
    if (pr_exec(s,
                "UPDATE paysheet_hold SET status = 'RESOLVED', resolved_by = ?2, resolved_at = ?3"
                " WHERE hold_id = ?1",
                hold_id, s->tenant->actor, now, err))
        goto fail;
    /* the paysheet (or every paysheet of a rejected run) is approvable
     * again once no other hold keeps it */
    if (pr_exec(
            s,
            "UPDATE paysheet SET status = 'COMPUTED' WHERE status = 'REJECTED'"
            " AND (paysheet_id = ?1 OR period_id = ?1)"
            " AND NOT EXISTS (SELECT 1 FROM paysheet_hold h WHERE h.status = 'OPEN'"
            "  AND (h.paysheet_id = paysheet.paysheet_id OR h.paysheet_id = paysheet.period_id))",
            ps, NULL, NULL, err))
        goto fail;
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"hold_id\":");
    sb_add_json_str(&p, hold_id, strlen(hold_id));
    sb_add_json_kv(&p, "paysheet_id", ps);
    if (note)
        sb_add_json_kv(&p, "note", note);
    sb_addc(&p, '}');
    int rc = pr_emit(s, "PaysheetHoldResolved", "Paysheet", ps, &p, err);
    sb_free(&p);
    if (rc)
        goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return err->code;
}

int payrun_holds(store_t *s, const char *period, int all, const char *owner, FILE *out,
                 armms_err *err)
{
    sqlite3_stmt *st;
    if (pr_prep(
            s, &st,
            "SELECT json_object('kind', 'Hold', 'v', 1, 'hold_id', hold_id, 'paysheet_id',"
            " paysheet_id, 'item', item, 'owner_role', owner_role, 'reason', reason,"
            " 'status', status, 'request_id', request_id, 'created_by', created_by,"
            " 'created_at', created_at, 'resolved_by', resolved_by, 'resolved_at', resolved_at)"
            " FROM paysheet_hold WHERE (paysheet_id = ?1 OR paysheet_id LIKE ?1 || '/%')"
            " AND (?2 OR status = 'OPEN') AND (?3 IS NULL OR instr(?3, ',' || owner_role || ','))"
            " ORDER BY created_at, hold_id",
            err))
        return err->code;
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, all);
    if (owner)
        sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ndjson_write(out, jv_parse((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "payrun", err);
}
