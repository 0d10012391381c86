/*
 * thirteenth.c - see thirteenth.h: the figure, the base read from the
 * year's paysheets (SQLite's JSON functions over the stored records), the
 * special periods' rows, the 13M run and the overdue warning.
 */
#include "pay/thirteenth.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/pay_int.h"
#include "pay/payrun.h"
#include "pay/period.h"

void thirteenth_figure(thirteenth_calc *c)
{
    money_t whole = money_scale(c->basic > 0 ? c->basic : 0, 1, 12);
    c->due = whole > c->paid ? whole - c->paid : 0;
    money_t room = c->ceiling - c->other - c->paid;
    if (room < 0)
        room = 0;
    c->exempt = c->due < room ? c->due : room;
    c->taxable = c->due - c->exempt;
}

static int fail(store_t *s, sqlite3_stmt *st, int rc, armms_err *err)
{
    sqlite3_finalize(st);
    return store_fail(s, rc, "13th-month pay", err);
}

int thirteenth_base_of(store_t *s, const char *guard, int year, int exclude_unworked,
                       int any_status, const char *skip, thirteenth_base *b, armms_err *err)
{
    static const char basic_sql[] =
        "SELECT coalesce(sum(CASE WHEN l.value ->> 'basic' = 1 AND NOT (?4 AND"
        " l.value ->> 'code' LIKE '%\\_UNWORKED' ESCAPE '\\') THEN l.value ->> 'amount'"
        " ELSE 0 END), 0),"
        " coalesce(sum(CASE WHEN l.value ->> 'kind' IN ('bonus', 'reward')"
        " AND l.value ->> 'taxable' = 0 THEN l.value ->> 'amount' ELSE 0 END), 0),"
        " count(DISTINCT p.paysheet_id)"
        " FROM paysheet p, json_each(p.record, '$.lines') l"
        " WHERE p.guard_id = ?1 AND p.period_id GLOB ?2 || '-[01][0-9]-[AB]'"
        " AND (p.status IN ('APPROVED', 'PAID') OR (?3 AND p.status = 'COMPUTED'))";
    static const char paid_sql[] =
        "SELECT coalesce(sum(l.value ->> 'amount'), 0)"
        " FROM paysheet p, json_each(p.record, '$.lines') l"
        " WHERE p.guard_id = ?1 AND (p.period_id = ?2 || '-13M'"
        " OR p.period_id GLOB 'FINAL-' || ?2 || '-*') AND p.period_id <> ?3"
        " AND l.value ->> 'code' IN ('THIRTEENTH', 'THIRTEENTH_TAXABLE')"
        " AND (NOT ?4 OR EXISTS (SELECT 1 FROM payrun r WHERE r.period_id = p.period_id"
        " AND r.status = 'CLOSED'))";
    char y[8];
    snprintf(y, sizeof y, "%04d", year);
    memset(b, 0, sizeof *b);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, basic_sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(s, st, rc, err);
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, y, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, any_status);
    sqlite3_bind_int(st, 4, exclude_unworked);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW)
        return fail(s, st, rc, err);
    b->basic = sqlite3_column_int64(st, 0);
    b->other = sqlite3_column_int64(st, 1);
    b->paysheets = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if ((rc = sqlite3_prepare_v2(s->db, paid_sql, -1, &st, NULL)) != SQLITE_OK)
        return fail(s, st, rc, err);
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, y, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, skip ? skip : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, any_status);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW)
        return fail(s, st, rc, err);
    b->paid = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static jv line(const char *code, const char *label, int taxable, const char *from, const char *to,
               money_t amount)
{
    jv l = jv_object();
    l = jv_object_set(l, jv_string("code"), jv_string(code));
    l = jv_object_set(l, jv_string("label"), jv_string(label));
    l = jv_object_set(l, jv_string("kind"), jv_string("bonus"));
    l = jv_object_set(l, jv_string("taxable"), jv_bool(taxable));
    l = jv_object_set(l, jv_string("from"), jv_string(from));
    l = jv_object_set(l, jv_string("to"), jv_string(to));
    return jv_object_set(l, jv_string("amount"), jv_number((double)amount));
}

jv thirteenth_lines(jv lines, const thirteenth_calc *c, const char *from, const char *to)
{
    if (c->exempt > 0)
        lines = jv_array_append(
            lines, line("THIRTEENTH", "13th-month pay (PD 851)", 0, from, to, c->exempt));
    if (c->taxable > 0)
        lines = jv_array_append(lines, line("THIRTEENTH_TAXABLE",
                                            "13th-month pay above the exempt ceiling", 1, from, to,
                                            c->taxable));
    return lines;
}

int thirteenth_policy(const pay_rules *r, const char *on, int *exclude_unworked, money_t *ceiling,
                      rejection *rj)
{
    const char *v;
    if (pay_policy_on(r, "thirteenth_unworked_holiday", on, &v, rj))
        return REJECTED;
    *exclude_unworked = strcmp(v, "exclude") == 0;
    if (pay_policy_on(r, "benefit_exempt_ceiling", on, &v, rj))
        return REJECTED;
    if (money_parse(v, ceiling) || *ceiling < 0)
        return rejection_set(rj, "BAD_RULE", "pay policy benefit_exempt_ceiling '%s' on %s", v,
                             on);
    return 0;
}

int pay_special_period(store_t *s, const char *period, armms_err *err)
{
    day_t a, b, due;
    int kind = pay_period_kind(period, &a, &b, &due);
    if (kind == PAY_PERIOD_REGULAR)
        return 0;
    if (kind < 0)
        return err_set(err, EXIT_DATAERR, "no period '%s'", period);
    char f[11], t[11], p[11];
    date_format(a, f);
    date_format(b, t);
    date_format(due, p);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT OR IGNORE INTO period(period_id, from_date, to_date,"
                                " pay_date, status, kind) VALUES (?1, ?2, ?3, ?4, 'OPEN', ?5)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(s, st, rc, err);
    sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, kind == PAY_PERIOD_THIRTEENTH ? "thirteenth" : "final", -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "define period", err);
}

/* Guards with approved basic pay in the year, and those with a paysheet
 * in the run already (their figure may have gone to zero). A guard with
 * nothing due and no paysheet yet gets none. */
static int guards_of(store_t *s, const char *period, int year, char ***ids, size_t *n,
                     armms_err *err)
{
    char y[8];
    snprintf(y, sizeof y, "%04d", year);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT guard_id FROM paysheet WHERE period_id GLOB ?1 || '-[01][0-9]-[AB]'"
        " AND status IN ('APPROVED', 'PAID')"
        " UNION SELECT guard_id FROM paysheet WHERE period_id = ?2 ORDER BY 1",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(s, st, rc, err);
    sqlite3_bind_text(st, 1, y, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *ids = xrealloc(*ids, (*n + 1) * sizeof **ids);
        (*ids)[(*n)++] = xstrdup(pay_col(st, 0));
    }
    if (rc != SQLITE_DONE)
        return fail(s, st, rc, err);
    sqlite3_finalize(st);
    return 0;
}

static jv base_json(const thirteenth_base *b, const thirteenth_calc *c, int year,
                    int exclude_unworked)
{
    jv o = jv_object();
    o = jv_object_set(o, jv_string("year"), jv_number(year));
    o = jv_object_set(o, jv_string("basic"), jv_number((double)b->basic));
    o = jv_object_set(o, jv_string("unworked_holiday"),
                      jv_string(exclude_unworked ? "exclude" : "include"));
    o = jv_object_set(o, jv_string("paysheets"), jv_number((double)b->paysheets));
    o = jv_object_set(o, jv_string("paid"), jv_number((double)c->paid));
    o = jv_object_set(o, jv_string("other_benefits"), jv_number((double)c->other));
    o = jv_object_set(o, jv_string("ceiling"), jv_number((double)c->ceiling));
    o = jv_object_set(o, jv_string("exempt"), jv_number((double)c->exempt));
    return jv_object_set(o, jv_string("taxable"), jv_number((double)c->taxable));
}

/* One guard's 13M paysheet. */
static int one_guard(store_t *s, const char *period, int year, const char *from, const char *to,
                     const char *guard, int exclude, money_t ceiling, FILE *out, pay_counts *n,
                     armms_err *err)
{
    thirteenth_base b;
    if (thirteenth_base_of(s, guard, year, exclude, 0, period, &b, err))
        return err->code;
    thirteenth_calc c = {.basic = b.basic, .paid = b.paid, .other = b.other, .ceiling = ceiling};
    thirteenth_figure(&c);
    char id[128];
    snprintf(id, sizeof id, "%s/%s", period, guard);
    if (c.due == 0) {
        /* nothing due (paid in full on a final pay): no paysheet, unless
         * the run holds one already, which then goes to zero */
        jv old;
        int found = 0;
        if (paysheet_load(s, id, &old, &found, err))
            return err->code;
        jv_free(old);
        if (!found)
            return 0;
    }
    jv per = jv_object();
    per = jv_object_set(per, jv_string("id"), jv_string(period));
    per = jv_object_set(per, jv_string("from"), jv_string(from));
    per = jv_object_set(per, jv_string("to"), jv_string(to));
    jv rec = jv_object();
    rec = jv_object_set(rec, jv_string("kind"), jv_string("Paysheet"));
    rec = jv_object_set(rec, jv_string("v"), jv_number(1));
    rec = jv_object_set(rec, jv_string("paysheet_id"), jv_string(id));
    rec = jv_object_set(rec, jv_string("guard_id"), jv_string(guard));
    rec = jv_object_set(rec, jv_string("period"), per);
    rec = jv_object_set(rec, jv_string("stage"), jv_string("net"));
    rec = jv_object_set(rec, jv_string("lines"), thirteenth_lines(jv_array(), &c, from, to));
    rec = jv_object_set(rec, jv_string("gross"), jv_number((double)c.due));
    rec = jv_object_set(rec, jv_string("deductions"), jv_array());
    rec = jv_object_set(rec, jv_string("taxable"), jv_number((double)c.taxable));
    rec = jv_object_set(rec, jv_string("net"), jv_number((double)c.due));
    rec = jv_object_set(rec, jv_string("sources"), jv_array());
    rec = jv_object_set(rec, jv_string("thirteenth"), base_json(&b, &c, year, exclude));
    int changed = 0;
    strbuf line;
    sb_init(&line);
    rejection rj = {0};
    int rc = paysheet_store(s, rec, &changed, &line, &rj, err);
    if (rc == REJECTED)
        rc = err_set(err, EXIT_DATAERR, "%s", rj.msg);
    if (!rc) {
        n->computed++;
        n->changed += changed;
        if (fwrite(line.s, 1, line.len, out) != line.len)
            rc = err_set(err, EXIT_IOERR, "cannot write the paysheet of %s", guard);
    }
    sb_free(&line);
    return rc;
}

int pay_thirteenth(store_t *s, const pay_rules *r, const char *period, const char *guard,
                   FILE *out, reject_sink *rej, pay_counts *n, armms_err *err)
{
    day_t a, b, due;
    if (pay_period_kind(period, &a, &b, &due) != PAY_PERIOD_THIRTEENTH)
        return err_set(err, EXIT_DATAERR, "%s is no 13th-month period (YYYY-13M)", period);
    int y, m, d;
    civil_from_days(a, &y, &m, &d);
    char from[11], to[11];
    date_format(a, from);
    date_format(b, to);
    int exclude = 0;
    money_t ceiling = 0;
    rejection rj = {0};
    if (thirteenth_policy(r, to, &exclude, &ceiling, &rj))
        return err_set(err, EXIT_DATAERR, "13th-month pay of %d: %s", y, rj.msg);
    char **ids = NULL;
    size_t nid = 0;
    int rc = payrun_begin_compute(s, period, "not open (armms-payrun open)", err);
    if (!rc && guard) {
        ids = xrealloc(NULL, sizeof *ids);
        ids[nid++] = xstrdup(guard);
    } else if (!rc)
        rc = guards_of(s, period, y, &ids, &nid, err);
    for (size_t i = 0; i < nid; i++) {
        if (!rc)
            rc = one_guard(s, period, y, from, to, ids[i], exclude, ceiling, out, n, err);
        free(ids[i]);
    }
    free(ids);
    n->read = (long)nid;
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, err);
}

int pay_run_overdue(store_t *s, const char *period, char *msg, size_t n, armms_err *err)
{
    day_t a, b, due;
    int kind = pay_period_kind(period, &a, &b, &due);
    if (kind != PAY_PERIOD_THIRTEENTH && kind != PAY_PERIOD_FINAL)
        return 0;
    char st[16], now[32], today[11], d[11];
    if (payrun_status_of(s, period, st, err))
        return -1;
    if (!strcmp(st, "CLOSED"))
        return 0;
    now_iso(now);
    snprintf(today, sizeof today, "%.10s", now);
    date_format(due, d);
    if (strcmp(today, d) <= 0)
        return 0;
    snprintf(msg, n, "%s was due by %s (%s) and its run is %s", period, d,
             kind == PAY_PERIOD_THIRTEENTH ? "PD 851: 24 December"
                                           : "DOLE Labor Advisory 06-2020: 30 days",
             st[0] ? st : "not open");
    return 1;
}
