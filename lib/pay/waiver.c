/*
 * waiver.c - see waiver.h: the store side of a waiver and its route.
 *
 * Invariants:
 *  1. a waiver writes its rows, its waiver row and its event in the one
 *     transaction of the caller (or of the approved request);
 *  2. sched_owed of the obligation is the same before and after
 *     (asserted on the rows as written);
 *  3. the before-state a request read (the obligation's rows and the
 *     period's payrun status) is noted, so approving a stale request is
 *     refused (change.h).
 */
#include "pay/waiver.h"

#include <assert.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/ulid.h"
#include "pay/deduct.h"
#include "pay/paysheet.h"

static int prep(store_t *s, sqlite3_stmt **st, const char *sql, armms_err *err)
{
    *st = NULL;
    return store_prepare(s, st, sql, err);
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

typedef struct obl {
    char id[96], guard[64], kind[16], code[40], frequency[8], status[12], start[12];
    money_t installment;
    int open_ended;
} obl;

static int load_obligation(store_t *s, const char *id, obl *o, int *found, armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(
            s, &st,
            "SELECT guard_id, kind, code, frequency, status, start_period, installment,"
            " installments IS NULL AND principal IS NULL FROM obligation WHERE obligation_id = ?1",
            err))
        return err->code;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    *found = sqlite3_step(st) == SQLITE_ROW;
    if (*found) {
        memset(o, 0, sizeof *o);
        snprintf(o->id, sizeof o->id, "%s", id);
        snprintf(o->guard, sizeof o->guard, "%s", col(st, 0));
        snprintf(o->kind, sizeof o->kind, "%s", col(st, 1));
        snprintf(o->code, sizeof o->code, "%s", col(st, 2));
        snprintf(o->frequency, sizeof o->frequency, "%s", col(st, 3));
        snprintf(o->status, sizeof o->status, "%s", col(st, 4));
        snprintf(o->start, sizeof o->start, "%s", col(st, 5));
        o->installment = sqlite3_column_int64(st, 6);
        o->open_ended = sqlite3_column_int(st, 7);
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_sched(store_t *s, const char *id, sched *sc, armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(s, &st,
             "SELECT seq, period_id, amount, employer_share, status, coalesce(moved_from, 0),"
             " coalesce(waiver_id, '') FROM obligation_schedule WHERE obligation_id = ?1"
             " ORDER BY seq",
             err))
        return err->code;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sched_row r = {0};
        r.seq = sqlite3_column_int64(st, 0);
        snprintf(r.period, sizeof r.period, "%s", col(st, 1));
        r.amount = sqlite3_column_int64(st, 2);
        r.employer_share = sqlite3_column_int64(st, 3);
        for (int k = 0; sched_status_names[k]; k++)
            if (strcmp(sched_status_names[k], col(st, 4)) == 0)
                r.status = k;
        r.moved_from = sqlite3_column_int64(st, 5);
        snprintf(r.waiver_id, sizeof r.waiver_id, "%s", col(st, 6));
        sched_add(sc, &r);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "obligation_schedule", err);
}

static void rows_json(strbuf *b, const sched *sc)
{
    sb_addc(b, '[');
    for (size_t i = 0; i < sc->n; i++) {
        const sched_row *r = &sc->r[i];
        sb_addf(b,
                "%s{\"seq\":%ld,\"period\":\"%s\",\"amount\":%lld,\"employer_share\":%lld,"
                "\"status\":\"%s\"",
                i ? "," : "", r->seq, r->period, (long long)r->amount,
                (long long)r->employer_share, sched_status_names[r->status]);
        if (r->moved_from)
            sb_addf(b, ",\"moved_from\":%ld", r->moved_from);
        if (r->waiver_id[0])
            sb_addf(b, ",\"waiver_id\":\"%s\"", r->waiver_id);
        sb_addc(b, '}');
    }
    sb_addc(b, ']');
}

static int closed(store_t *s, const char *period, int *is, armms_err *err)
{
    char st[16];
    if (payrun_status(s, period, st, err))
        return err->code;
    *is = strcmp(st, "CLOSED") == 0;
    return 0;
}

static int write_rows(store_t *s, const char *id, const sched *before, const sched *after,
                      armms_err *err)
{
    sqlite3_stmt *up, *ins;
    if (prep(s, &up,
             "UPDATE obligation_schedule SET status = ?3, waiver_id = nullif(?4, '')"
             " WHERE obligation_id = ?1 AND seq = ?2",
             err))
        return err->code;
    if (prep(s, &ins,
             "INSERT INTO obligation_schedule(obligation_id, seq, period_id, amount,"
             " employer_share, status, waiver_id, moved_from) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
             err)) {
        sqlite3_finalize(up);
        return err->code;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < after->n; i++) {
        const sched_row *r = &after->r[i];
        sqlite3_stmt *st;
        if (i < before->n) {
            const sched_row *o = &before->r[i];
            if (o->status == r->status && strcmp(o->waiver_id, r->waiver_id) == 0)
                continue;
            st = up;
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, r->seq);
            sqlite3_bind_text(st, 3, sched_status_names[r->status], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, r->waiver_id, -1, SQLITE_STATIC);
        } else {
            st = ins;
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, r->seq);
            sqlite3_bind_text(st, 3, r->period, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, r->amount);
            sqlite3_bind_int64(st, 5, r->employer_share);
            sqlite3_bind_text(st, 6, sched_status_names[r->status], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 7, r->waiver_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 8, r->moved_from);
        }
        int x = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (x != SQLITE_DONE)
            rc = store_fail(s, x, "obligation_schedule", err);
    }
    sqlite3_finalize(up);
    sqlite3_finalize(ins);
    return rc;
}

int pay_waive_in_tx(store_t *s, const waive_req *w, const char *request_id, jv *rec, rejection *rj,
                    armms_err *err)
{
    if (rec)
        *rec = jv_invalid();
    obl o;
    int found, rc, is_closed = 0;
    day_t f, t;
    if (!w->period || period_parse(w->period, &f, &t) != 0)
        return rejection_set(rj, "BAD_FIELD", "waive needs a period YYYY-MM-A|B");
    if ((rc = load_obligation(s, w->obligation_id, &o, &found, err)))
        return rc;
    if (!found &&
        (!strncmp(w->obligation_id, "SSS/", 4) || !strncmp(w->obligation_id, "PHILHEALTH/", 11) ||
         !strncmp(w->obligation_id, "HDMF/", 5)))
        return rejection_set(
            rj, "NOT_DUE", "%s is not computed yet: run armms-deduct for %s first, then waive it",
            w->obligation_id, w->period);
    if (!found)
        return rejection_set(rj, "NOT_FOUND", "no obligation %s", w->obligation_id);
    /* deferrals the system makes (the net floor; an installment nobody
     * was paid in, carried when its run closes) are DEFERRED, an officer's
     * decision WAIVED */
    int floor = strcmp(w->reason, "NET_FLOOR") == 0 || strcmp(w->reason, "NOT_PAID") == 0;
    sched before = {0}, after = {0};
    snprintf(after.frequency, sizeof after.frequency, "%s", o.frequency);
    if ((rc = load_sched(s, o.id, &before, err)))
        goto out;
    for (size_t i = 0; i < before.n; i++)
        sched_add(&after, &before.r[i]);
    {
        strbuf note;
        sb_init(&note);
        rows_json(&note, &before);
        store_note(s, o.id, note.s, note.len);
        sb_free(&note);
    }
    /* the rows of the period the waiver takes */
    size_t take[64];
    int nt = 0, moved_in = 0;
    for (size_t i = 0; i < after.n && nt < 64; i++) {
        const sched_row *r = &after.r[i];
        if (strcmp(r->period, w->period) != 0 || (w->seq && r->seq != w->seq))
            continue;
        moved_in += r->moved_from == 0;
        if (r->status == SR_DUE || r->status == SR_APPLIED)
            take[nt++] = i;
    }
    if (!nt && o.open_ended && !moved_in && !w->seq && strcmp(o.status, "ACTIVE") == 0 &&
        strcmp(o.start, w->period) <= 0 &&
        (o.frequency[0] == 'e' || o.frequency[0] == w->period[8])) {
        /* an open-ended installment: its row for the period is made now */
        sched_row r = {0};
        for (size_t i = 0; i < after.n; i++)
            if (after.r[i].seq > r.seq)
                r.seq = after.r[i].seq;
        r.seq++;
        snprintf(r.period, sizeof r.period, "%s", w->period);
        r.amount = o.installment;
        r.added = 1;
        sched_add(&after, &r);
        sched_add(&before, &r); /* written as an insert below, then updated */
        take[nt++] = after.n - 1;
    }
    if (!nt) {
        rc = strcmp(o.kind, "statutory") == 0 && !before.n
                 ? rejection_set(rj, "NOT_DUE",
                                 "%s is not computed yet: run armms-deduct for %s first", o.id,
                                 w->period)
                 : rejection_set(rj, "NOT_DUE", "%s has no DUE or APPLIED installment in %s", o.id,
                                 w->period);
        goto out;
    }
    if ((rc = closed(s, w->period, &is_closed, err)))
        goto out;
    for (int k = 0; k < nt; k++)
        if (is_closed && after.r[take[k]].status == SR_APPLIED) {
            rc = rejection_set(rj, "LOCKED",
                               "%s installment %ld was applied in the closed payrun of %s", o.id,
                               after.r[take[k]].seq, w->period);
            goto out;
        }
    char wid[40];
    ulid_new(wid);
    money_t owed = sched_owed(&after), amt = 0, er = 0;
    for (int k = 0; k < nt; k++) {
        amt += after.r[take[k]].amount;
        er += after.r[take[k]].employer_share;
        if ((rc = sched_waive(&after, take[k], w->policy, w->installments, w->to_period,
                              floor ? SR_DEFERRED : SR_WAIVED, wid, rj)))
            goto out;
    }
    assert(sched_owed(&after) == owed);
    (void)owed;
    /* no new row may land in a closed period */
    char first_to[12] = "";
    for (size_t i = before.n; i < after.n; i++) {
        if (!first_to[0])
            snprintf(first_to, sizeof first_to, "%s", after.r[i].period);
        int c2 = 0;
        if ((rc = closed(s, after.r[i].period, &c2, err)))
            goto out;
        if (c2) {
            rc = rejection_set(rj, "LOCKED", "the payrun of %s is closed: nothing moves into it",
                               after.r[i].period);
            goto out;
        }
    }
    /* an open-ended row made here is inserted first */
    if (after.r[take[0]].added && before.r[before.n - 1].added) {
        sched none = {0};
        sched one = {0};
        sched_row r = before.r[before.n - 1];
        sched_add(&one, &r);
        rc = write_rows(s, o.id, &none, &one, err);
        sched_free(&one);
        if (rc)
            goto out;
    }
    if ((rc = write_rows(s, o.id, &before, &after, err)))
        goto out;
    char now[32];
    now_iso(now);
    const char *pol = waive_policy_names[w->policy];
    sqlite3_stmt *st;
    if ((rc =
             prep(s, &st,
                  "INSERT INTO waiver(waiver_id, obligation_id, period_id, amount, employer_share,"
                  " reason, policy, installments, to_period, request_id, actor, created_at)"
                  " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,nullif(?9,''),?10,?11,?12)",
                  err)))
        goto out;
    sqlite3_bind_text(st, 1, wid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o.id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->period, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, amt);
    sqlite3_bind_int64(st, 5, er);
    sqlite3_bind_text(st, 6, w->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, pol, -1, SQLITE_STATIC);
    if (w->policy == WAIVE_RESPREAD)
        sqlite3_bind_int(st, 8, w->installments);
    sqlite3_bind_text(st, 9, w->policy == WAIVE_RESPREAD ? "" : first_to, -1, SQLITE_STATIC);
    if (request_id)
        sqlite3_bind_text(st, 10, request_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, s->tenant->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, now, -1, SQLITE_STATIC);
    int x = sqlite3_step(st);
    sqlite3_finalize(st);
    if (x != SQLITE_DONE) {
        rc = store_fail(s, x, "waiver", err);
        goto out;
    }
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"waiver_id\":");
    sb_add_json_str(&p, wid, strlen(wid));
    sb_add_json_kv(&p, "obligation_id", o.id);
    sb_add_json_kv(&p, "guard_id", o.guard);
    sb_add_json_kv(&p, "obligation_kind", o.kind);
    sb_add_json_kv(&p, "code", o.code);
    sb_add_json_kv(&p, "period", w->period);
    sb_add_json_kv(&p, "reason", w->reason);
    sb_add_json_kv(&p, "policy", pol);
    if (w->policy == WAIVE_RESPREAD)
        sb_addf(&p, ",\"installments\":%d", w->installments);
    else {
        sb_add_json_kv(&p, "to_period", first_to);
    }
    sb_addf(&p, ",\"amount\":%lld,\"employer_share\":%lld", (long long)amt, (long long)er);
    if (request_id) {
        sb_add_json_kv(&p, "request_id", request_id);
    }
    sb_adds(&p, ",\"before\":");
    /* the before rows as stored (an open-ended row made here was not) */
    sched shown = {0};
    for (size_t i = 0; i < before.n; i++)
        if (!before.r[i].added)
            sched_add(&shown, &before.r[i]);
    rows_json(&p, &shown);
    sched_free(&shown);
    sb_adds(&p, ",\"after\":");
    rows_json(&p, &after);
    sb_addc(&p, '}');
    rc = store_emit(s, floor ? "ObligationDeferred" : "ObligationWaived", "Obligation", o.id, p.s,
                    p.len, err);
    if (!rc && rec) {
        jv r = jv_object_set(jv_object(), jv_string("kind"), jv_string("Waiver"));
        r = jv_object_set(r, jv_string("v"), jv_number(1));
        *rec = jv_object_merge(r, jv_parse_sized(p.s, (int)p.len));
    }
    sb_free(&p);
out:
    sched_free(&before);
    sched_free(&after);
    return rc;
}

/* ---- the route ---- */

/* After a waiver committed: the guard's paysheets it touches (the waived
 * period and those its new rows landed in) that are computed and not
 * closed are taken to net again, so they show it; written to out. */
static int recompute(store_t *s, jv rec, FILE *out, reject_sink *rej, armms_err *err)
{
    const char *guard = json_str_peek(rec, "guard_id", NULL);
    const char *wid = json_str_peek(rec, "waiver_id", NULL);
    if (!guard || !wid)
        return 0;
    char periods[16][12];
    int np = 0;
    snprintf(periods[np++], 12, "%s", json_str_peek(rec, "period", NULL));
    jv after = jv_object_get(jv_copy(rec), jv_string("after"));
    if (jv_get_kind(after) == JV_KIND_ARRAY)
        jv_array_foreach(after, i, row)
        {
            const char *w = json_str_peek(row, "waiver_id", NULL);
            const char *p = json_str_peek(row, "period", NULL);
            int seen = 0;
            for (int k = 0; p && k < np; k++)
                seen |= strcmp(periods[k], p) == 0;
            if (w && p && !seen && strcmp(w, wid) == 0 && np < 16)
                snprintf(periods[np++], 12, "%s", p);
            jv_free(row);
        }
    jv_free(after);
    pay_rules *rules = NULL;
    int rc = 0;
    for (int k = 0; !rc && k < np; k++) {
        char id[128], st[16];
        jv sheet;
        int found;
        snprintf(id, sizeof id, "%s/%s", periods[k], guard);
        if ((rc = paysheet_load(s, id, &sheet, &found, err)))
            break;
        jv_free(sheet);
        if (!found)
            continue;
        if ((rc = payrun_status(s, periods[k], st, err)))
            break;
        if (!strcmp(st, "CLOSED"))
            continue;
        if (!rules && (rc = pay_rules_load(s->db, &rules, err)))
            break;
        pay_counts n = {0};
        rc = pay_deduct(s, rules, periods[k], guard, out, rej, &n, err);
    }
    pay_rules_free(rules);
    return rc;
}

static jv effect_of(const waive_req *w)
{
    jv e = jv_object();
    e = jv_object_set(e, jv_string("obligation_id"), jv_string(w->obligation_id));
    e = jv_object_set(e, jv_string("period"), jv_string(w->period));
    e = jv_object_set(e, jv_string("reason"), jv_string(w->reason));
    e = jv_object_set(e, jv_string("policy"), jv_string(waive_policy_names[w->policy]));
    if (w->policy == WAIVE_RESPREAD)
        e = jv_object_set(e, jv_string("installments"), jv_number(w->installments));
    if (w->policy == WAIVE_MOVE)
        e = jv_object_set(e, jv_string("to_period"), jv_string(w->to_period));
    return e;
}

int pay_waive_change(change_t *ch, store_t *s, const waive_req *w, FILE *out, reject_sink *rej,
                     int *made, armms_err *err)
{
    *made = 0;
    if (ch->requesting) {
        if (change_begin(ch, s, err))
            return err->code;
    } else if (store_begin(s, err))
        return err->code;
    rejection rj = {0};
    jv rec;
    int rc = pay_waive_in_tx(s, w, NULL, &rec, &rj, err);
    if (rc == REJECTED)
        rc = err_set(err, EXIT_DATAERR, "%s", rj.msg);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    if (!ch->requesting) {
        if (store_commit(s, err)) {
            jv_free(rec);
            return err->code;
        }
        *made = 1;
        ndjson_write(out, jv_copy(rec));
        int r2 = recompute(s, rec, out, rej, err);
        jv_free(rec);
        return r2;
    }
    jv_free(rec);
    char summary[300];
    snprintf(summary, sizeof summary, "waive %s in %s (%s%s%s): %s", w->obligation_id, w->period,
             waive_policy_names[w->policy], w->policy == WAIVE_MOVE ? " to " : "",
             w->policy == WAIVE_MOVE ? w->to_period : "", w->reason);
    return change_submit(ch, effect_of(w), summary, out, made, err);
}

int pay_waive_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    waive_req w = {0};
    w.obligation_id = json_str_peek(effect, "obligation_id", NULL);
    w.period = json_str_peek(effect, "period", NULL);
    w.reason = json_str_peek(effect, "reason", NULL);
    w.to_period = json_str_peek(effect, "to_period", NULL);
    const char *pol = json_str_peek(effect, "policy", NULL);
    w.policy = -1;
    for (int k = 0; pol && waive_policy_names[k]; k++)
        if (strcmp(pol, waive_policy_names[k]) == 0)
            w.policy = k;
    jv n = jv_object_get(jv_copy(effect), jv_string("installments"));
    if (jv_get_kind(n) == JV_KIND_NUMBER)
        w.installments = (int)jv_number_value(n);
    jv_free(n);
    int rc;
    if (!w.obligation_id || !w.period || !w.reason || w.policy < 0) {
        rc = err_set(err, EXIT_SOFTWARE, "change request %s: not a waiver", ch->request_id);
        jv_free(effect);
        return rc;
    }
    store_t s;
    if ((rc = store_open(&s, ch->t, "pay", 0, err))) {
        jv_free(effect);
        return rc;
    }
    rc = change_apply_begin(ch, &s, err);
    jv rec = jv_invalid();
    if (!rc) {
        rejection rj = {0};
        rc = pay_waive_in_tx(&s, &w, ch->request_id, &rec, &rj, err);
        if (rc == REJECTED)
            rc = err_set(err, EXIT_DATAERR, "%s", rj.msg);
        if (rc)
            store_rollback(&s);
        else
            rc = change_apply_end(ch, err);
    }
    if (!rc) {
        ndjson_write(out, jv_copy(rec));
        rc = recompute(&s, rec, out, rej, err);
    }
    jv_free(rec);
    store_close(&s);
    jv_free(effect);
    return rc;
}

/* ---- the view ---- */

int pay_obligations_write(store_t *s, const char *guard, FILE *out, armms_err *err)
{
    sqlite3_stmt *st;
    if (prep(
            s, &st,
            "SELECT json_object('kind', 'Obligation', 'v', 1, 'obligation_id', o.obligation_id,"
            " 'guard_id', o.guard_id, 'obligation_kind', o.kind, 'code', o.code, 'label', o.label,"
            " 'principal', o.principal, 'installment', o.installment, 'installments',"
            " o.installments, 'start_period', o.start_period, 'frequency', o.frequency,"
            " 'taxable', json(CASE o.taxable WHEN 1 THEN 'true' ELSE 'false' END),"
            " 'status', o.status,"
            " 'owed', (SELECT coalesce(sum(amount), 0) FROM obligation_schedule x"
            "  WHERE x.obligation_id = o.obligation_id AND x.status IN ('DUE','APPLIED')),"
            " 'schedule', (SELECT coalesce(json_group_array(json_object('seq', seq, 'period',"
            "  period_id, 'amount', amount, 'employer_share', employer_share, 'status', status,"
            "  'moved_from', moved_from, 'waiver_id', waiver_id)), json('[]')) FROM"
            "  (SELECT * FROM obligation_schedule x WHERE x.obligation_id = o.obligation_id"
            "   ORDER BY seq)))"
            " FROM obligation o WHERE o.guard_id = ?1 ORDER BY o.obligation_id",
            err))
        return err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *js = col(st, 0);
        /* null fields are left out, as in every record */
        jv r = jv_parse(js), clean = jv_object();
        jv_object_foreach(r, k, v)
        {
            if (jv_get_kind(v) == JV_KIND_NULL) {
                jv_free(k);
                jv_free(v);
            } else if (jv_get_kind(v) == JV_KIND_ARRAY) {
                jv rows = jv_array();
                jv_array_foreach(v, i, row)
                {
                    jv c2 = jv_object();
                    jv_object_foreach(row, k2, v2)
                    {
                        if (jv_get_kind(v2) == JV_KIND_NULL) {
                            jv_free(k2);
                            jv_free(v2);
                        } else
                            c2 = jv_object_set(c2, k2, v2);
                    }
                    jv_free(row);
                    rows = jv_array_append(rows, c2);
                }
                jv_free(v);
                clean = jv_object_set(clean, k, rows);
            } else
                clean = jv_object_set(clean, k, v);
        }
        jv_free(r);
        ndjson_write(out, clean);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "obligation", err);
}
