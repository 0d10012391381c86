/*
 * final.c - see final.h: one guard's final paysheet from its master row
 * (hr.guard), its stored paysheets of the year and its obligations.
 */
#include "pay/final.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "pay/deduct.h"
#include "pay/pay_int.h"
#include "pay/payrun.h"
#include "pay/period.h"
#include "pay/thirteenth.h"

typedef struct fctx {
    store_t *s;
    const pay_rules *r;
    const char *period;
    char date[11], from[11];
    int year;
    armms_err *err;
} fctx;

static int sqlerr(fctx *c, sqlite3_stmt *st, int rc)
{
    sqlite3_finalize(st);
    return store_fail(c->s, rc, "final pay", c->err);
}

static int prep(fctx *c, sqlite3_stmt **st, const char *sql)
{
    *st = NULL;
    int rc = sqlite3_prepare_v2(c->s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : sqlerr(c, *st, rc);
}

static jv num(long long v)
{
    return jv_number((double)v);
}

static jv line(const char *code, const char *label, const char *kind, int taxable, const fctx *c,
               money_t amount)
{
    jv l = jv_object();
    l = jv_object_set(l, jv_string("code"), jv_string(code));
    l = jv_object_set(l, jv_string("label"), jv_string(label));
    l = jv_object_set(l, jv_string("kind"), jv_string(kind));
    l = jv_object_set(l, jv_string("taxable"), jv_bool(taxable));
    l = jv_object_set(l, jv_string("from"), jv_string(c->from));
    l = jv_object_set(l, jv_string("to"), jv_string(c->date));
    return jv_object_set(l, jv_string("amount"), num(amount));
}

/* The guard's last regular paysheet up to the date: id, period, status,
 * net and the basic daily rate with the most minutes on it. */
typedef struct last_sheet {
    char id[128], period[24], status[16];
    money_t net, daily_rate;
} last_sheet;

static int last_of(fctx *c, const char *guard, last_sheet *ls)
{
    sqlite3_stmt *st;
    memset(ls, 0, sizeof *ls);
    if (prep(
            c, &st,
            "SELECT p.paysheet_id, p.period_id, p.status, coalesce(p.net, p.gross) FROM paysheet p"
            " JOIN period d USING (period_id) WHERE p.guard_id = ?1 AND d.kind = 'regular'"
            " AND d.from_date <= ?2 ORDER BY d.from_date DESC LIMIT 1"))
        return c->err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->date, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(ls->id, sizeof ls->id, "%s", pay_col(st, 0));
        snprintf(ls->period, sizeof ls->period, "%s", pay_col(st, 1));
        snprintf(ls->status, sizeof ls->status, "%s", pay_col(st, 2));
        ls->net = sqlite3_column_int64(st, 3);
    } else if (rc != SQLITE_DONE)
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    if (!ls->id[0])
        return 0;
    if (prep(c, &st,
             "SELECT l.value ->> 'daily_rate' FROM paysheet p, json_each(p.record, '$.lines') l"
             " WHERE p.paysheet_id = ?1 AND l.value ->> 'basic' = 1"
             " AND l.value ->> 'daily_rate' > 0 GROUP BY 1"
             " ORDER BY sum(l.value ->> 'minutes') DESC, 1 DESC LIMIT 1"))
        return c->err->code;
    sqlite3_bind_text(st, 1, ls->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        ls->daily_rate = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    return 0;
}

/* Cash bond refund lines: the APPLIED installments of each bond. */
static int cash_bond(fctx *c, const char *guard, const char *code, jv *lines, jv *bonds)
{
    sqlite3_stmt *st;
    if (prep(c, &st,
             "SELECT o.obligation_id, o.label, sum(s.amount) FROM obligation o"
             " JOIN obligation_schedule s USING (obligation_id)"
             " WHERE o.guard_id = ?1 AND o.kind = 'deduction' AND o.code = ?2"
             " AND s.status = 'APPLIED' GROUP BY 1 HAVING sum(s.amount) > 0 ORDER BY 1"))
        return c->err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char label[160];
        snprintf(label, sizeof label, "%s refunded", pay_col(st, 1));
        jv l = line("CASH_BOND_REFUND", label, "allowance", 0, c, sqlite3_column_int64(st, 2));
        l = jv_object_set(l, jv_string("obligation_id"), jv_string(pay_col(st, 0)));
        *lines = jv_array_append(*lines, l);
        jv b = jv_object();
        b = jv_object_set(b, jv_string("obligation_id"), jv_string(pay_col(st, 0)));
        b = jv_object_set(b, jv_string("refunded"), num(sqlite3_column_int64(st, 2)));
        *bonds = jv_array_append(*bonds, b);
    }
    if (rc != SQLITE_DONE)
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    return 0;
}

money_t final_settle(final_item *it, size_t n, money_t net, money_t floor)
{
    int stopped = -1;
    for (size_t i = 0; i < n; i++) {
        it[i].taken = it[i].loan != stopped && net - it[i].amount >= floor;
        if (it[i].taken)
            net -= it[i].amount;
        else
            stopped = it[i].loan;
    }
    return net;
}

typedef struct loan_row {
    char id[72], code[32], label[128], period[24];
    int seq, rank, taken;
    money_t amount;
} loan_row;

static int by_rank(const void *a, const void *b)
{
    const loan_row *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int k = strcmp(x->id, y->id);
    return k ? k : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The loan installments final pay settles: DUE after the last regular
 * paysheet's period, or already moved to this final period. */
static int loans(fctx *c, const char *guard, const char *after, money_t *net, money_t floor,
                 jv *deductions, jv *owed)
{
    sqlite3_stmt *st;
    if (prep(c, &st,
             "SELECT s.obligation_id, o.code, o.label, s.seq, s.amount, s.period_id"
             " FROM obligation_schedule s JOIN obligation o USING (obligation_id)"
             " WHERE o.guard_id = ?1 AND o.kind = 'loan' AND s.amount > 0"
             " AND ((s.status = 'DUE' AND s.period_id GLOB '[0-9][0-9][0-9][0-9]-*'"
             " AND s.period_id > ?2) OR s.period_id = ?3)"))
        return c->err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->period, -1, SQLITE_STATIC);
    loan_row *row = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row = xrealloc(row, (n + 1) * sizeof *row);
        loan_row *x = &row[n++];
        memset(x, 0, sizeof *x);
        snprintf(x->id, sizeof x->id, "%s", pay_col(st, 0));
        snprintf(x->code, sizeof x->code, "%s", pay_col(st, 1));
        snprintf(x->label, sizeof x->label, "%s", pay_col(st, 2));
        x->seq = sqlite3_column_int(st, 3);
        x->amount = sqlite3_column_int64(st, 4);
        snprintf(x->period, sizeof x->period, "%s", pay_col(st, 5));
        x->rank = pay_priority_on(c->r, x->code, c->date);
    }
    if (rc != SQLITE_DONE) {
        free(row);
        return sqlerr(c, st, rc);
    }
    sqlite3_finalize(st);
    if (n)
        qsort(row, n, sizeof *row, by_rank);
    final_item *it = xrealloc(NULL, (n ? n : 1) * sizeof *it);
    for (size_t i = 0; i < n; i++)
        it[i] =
            (final_item){.loan = i && !strcmp(row[i].id, row[i - 1].id) ? it[i - 1].loan : (int)i,
                         .amount = row[i].amount};
    *net = final_settle(it, n, *net, floor);
    for (size_t i = 0; i < n; i++)
        row[i].taken = it[i].taken;
    free(it);
    /* an installment a computation of this final pay took before and that
     * no longer fits (the pay went down) goes back to being owed, due in
     * the first half-month after the separation */
    char after_sep[16];
    day_t sep;
    date_parse(c->date, &sep);
    period_of_date(sep + 1, after_sep);
    rc = prep(c, &st,
              "UPDATE obligation_schedule SET period_id = ?3, status = ?4, waiver_id = NULL"
              " WHERE obligation_id = ?1 AND seq = ?2 AND (period_id <> ?3 OR status <> ?4)");
    for (size_t i = 0; !rc && i < n; i++) {
        loan_row *x = &row[i];
        int back = !x->taken && strcmp(x->period, c->period) == 0;
        if (x->taken || back) {
            sqlite3_reset(st);
            sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, x->seq);
            sqlite3_bind_text(st, 3, back ? after_sep : c->period, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, back ? "DUE" : "APPLIED", -1, SQLITE_STATIC);
            int step = sqlite3_step(st);
            if (step != SQLITE_DONE)
                rc = store_fail(c->s, step, "final pay", c->err);
            if (back)
                snprintf(x->period, sizeof x->period, "%s", after_sep);
        }
        if (!x->taken) {
            jv o = jv_object();
            o = jv_object_set(o, jv_string("obligation_id"), jv_string(x->id));
            o = jv_object_set(o, jv_string("seq"), jv_number(x->seq));
            o = jv_object_set(o, jv_string("period"), jv_string(x->period));
            o = jv_object_set(o, jv_string("amount"), num(x->amount));
            *owed = jv_array_append(*owed, o);
            continue;
        }
        jv d = jv_object();
        d = jv_object_set(d, jv_string("code"), jv_string(x->code));
        d = jv_object_set(d, jv_string("label"), jv_string(x->label));
        d = jv_object_set(d, jv_string("kind"), jv_string("loan"));
        d = jv_object_set(d, jv_string("amount"), num(x->amount));
        d = jv_object_set(d, jv_string("obligation_id"), jv_string(x->id));
        d = jv_object_set(d, jv_string("seq"), jv_number(x->seq));
        d = jv_object_set(d, jv_string("status"), jv_string("APPLIED"));
        *deductions = jv_array_append(*deductions, d);
    }
    sqlite3_finalize(st);
    free(row);
    return rc;
}

/* The unused service incentive leave of the guard's separation year as
 * the leave kept says (Labor Code art. 95; IRR Book III, Rule V, secs. 1-5):
 * the yearly days of leave code SIL (hr.leave_code, shipped 5) once the
 * guard has served a year by the separation date (hired_on; unknown: no
 * entitlement can be shown, *entitled -1), less the SIL days on the day
 * lines of the latest sealed snapshots of the year payroll holds. The law
 * grants the five days whole, not pro-rated, after the first year. */
typedef struct sil_kept {
    long entitled, taken, unused;
} sil_kept;

static int sil_of(fctx *c, const char *guard, const char *hired, sil_kept *k)
{
    sqlite3_stmt *st;
    memset(k, 0, sizeof *k);
    k->entitled = -1;
    if (!hired[0])
        return 0;
    day_t h, d;
    if (date_parse(hired, &h) || date_parse(c->date, &d))
        return 0;
    int y, m, dd;
    civil_from_days(h, &y, &m, &dd);
    char anniv[16];
    /* the first anniversary (of 29 February: 28 February) */
    snprintf(anniv, sizeof anniv, "%04d-%02d-%02d", y + 1, m, m == 2 && dd == 29 ? 28 : dd);
    if (strcmp(anniv, c->date) > 0) {
        k->entitled = 0;
        return 0;
    }
    if (prep(c, &st, "SELECT annual_days FROM hr.leave_code WHERE code = 'SIL' AND paid = 1"))
        return c->err->code;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        k->entitled = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    if (k->entitled < 0)
        return 0;
    char y0[11];
    snprintf(y0, sizeof y0, "%04d-01-01", c->year);
    if (prep(c, &st,
             "SELECT count(DISTINCT d.value ->> 'date') FROM inbox i"
             " JOIN json_each(i.record, '$.days') d WHERE i.guard_id = ?1"
             " AND i.version = (SELECT max(j.version) FROM inbox j"
             "  WHERE j.timesheet_id = i.timesheet_id)"
             " AND d.value -> 'leave' ->> 'code' = 'SIL'"
             " AND d.value ->> 'date' BETWEEN ?2 AND ?3"))
        return c->err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, y0, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->date, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        k->taken = sqlite3_column_int64(st, 0);
    else
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    k->unused = k->entitled > k->taken ? k->entitled - k->taken : 0;
    return 0;
}

/* The hr.guard row: status, separated_on, hired_on, sil_days (-1: not
 * recorded). */
static int guard_row(fctx *c, const char *guard, char *status, char *sep, char *hired, long *sil,
                     int *found)
{
    sqlite3_stmt *st;
    *found = 0;
    if (prep(c, &st,
             "SELECT status, coalesce(separated_on, ''), coalesce(sil_days, -1),"
             " coalesce(hired_on, '') FROM hr.guard WHERE guard_id = ?1"))
        return c->err->code;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *found = 1;
        snprintf(status, 16, "%s", pay_col(st, 0));
        snprintf(sep, 11, "%s", pay_col(st, 1));
        *sil = sqlite3_column_int64(st, 2);
        snprintf(hired, 11, "%s", pay_col(st, 3));
    } else if (rc != SQLITE_DONE)
        return sqlerr(c, st, rc);
    sqlite3_finalize(st);
    return 0;
}

static int one_guard(fctx *c, const char *guard, FILE *out, pay_counts *n)
{
    char status[16] = "", sep[11] = "", hired[11] = "";
    long sil = -1;
    int found;
    armms_err *err = c->err;
    if (guard_row(c, guard, status, sep, hired, &sil, &found))
        return err->code;
    if (!found)
        return err_set(err, EXIT_DATAERR, "no guard %s", guard);
    if (strcmp(status, "SEPARATED") != 0 || strcmp(sep, c->date) != 0)
        return err_set(err, EXIT_DATAERR,
                       "guard %s is not separated on %s (status %s, separated_on %s):"
                       " import the guard with status SEPARATED and separated_on first",
                       guard, c->date, status, sep[0] ? sep : "none");
    rejection rj = {0};
    int exclude = 0;
    money_t ceiling = 0, floor = 0;
    const char *fp = NULL, *bond_code = NULL;
    if (thirteenth_policy(c->r, c->date, &exclude, &ceiling, &rj) ||
        pay_policy_on(c->r, "net_floor", c->date, &fp, &rj) ||
        pay_policy_on(c->r, "cash_bond_code", c->date, &bond_code, &rj))
        return err_set(err, EXIT_DATAERR, "final pay of %s: %s", guard, rj.msg);
    last_sheet ls;
    thirteenth_base b;
    /* hr.guard sil_days, when recorded, overrides the leave kept */
    sil_kept kept = {-1, 0, 0};
    if (sil < 0 && sil_of(c, guard, hired, &kept))
        return err->code;
    if (sil < 0 && kept.entitled > 0)
        sil = kept.unused;
    if (last_of(c, guard, &ls) ||
        thirteenth_base_of(c->s, guard, c->year, exclude, 1, c->period, &b, err))
        return err->code;
    thirteenth_calc tc = {.basic = b.basic, .paid = b.paid, .other = b.other, .ceiling = ceiling};
    thirteenth_figure(&tc);
    jv lines = thirteenth_lines(jv_array(), &tc, c->from, c->date);
    jv fin = jv_object();
    fin = jv_object_set(fin, jv_string("separated_on"), jv_string(c->date));
    if (ls.id[0]) {
        jv l = jv_object();
        l = jv_object_set(l, jv_string("paysheet_id"), jv_string(ls.id));
        l = jv_object_set(l, jv_string("status"), jv_string(ls.status));
        l = jv_object_set(l, jv_string("net"), num(ls.net));
        fin = jv_object_set(fin, jv_string("last_salary"), l);
    }
    jv t = jv_object();
    t = jv_object_set(t, jv_string("year"), jv_number(c->year));
    t = jv_object_set(t, jv_string("basic"), num(b.basic));
    t = jv_object_set(t, jv_string("unworked_holiday"),
                      jv_string(exclude ? "exclude" : "include"));
    t = jv_object_set(t, jv_string("paysheets"), num(b.paysheets));
    t = jv_object_set(t, jv_string("paid"), num(tc.paid));
    t = jv_object_set(t, jv_string("other_benefits"), num(tc.other));
    t = jv_object_set(t, jv_string("ceiling"), num(tc.ceiling));
    t = jv_object_set(t, jv_string("exempt"), num(tc.exempt));
    t = jv_object_set(t, jv_string("taxable"), num(tc.taxable));
    fin = jv_object_set(fin, jv_string("thirteenth"), t);
    if (sil > 0 && ls.daily_rate <= 0) {
        jv_free(lines);
        jv_free(fin);
        return err_set(err, EXIT_DATAERR,
                       "final pay of %s: %ld unused SIL days but no paysheet with a basic daily"
                       " rate to value them at",
                       guard, sil);
    }
    if (sil >= 0) {
        money_t cash = ls.daily_rate * sil;
        jv sj = jv_object();
        sj = jv_object_set(sj, jv_string("days"), num(sil));
        sj = jv_object_set(sj, jv_string("daily_rate"), num(ls.daily_rate));
        if (kept.entitled > 0) { /* from the leave kept, not sil_days */
            sj = jv_object_set(sj, jv_string("year"), jv_number(c->year));
            sj = jv_object_set(sj, jv_string("entitled"), num(kept.entitled));
            sj = jv_object_set(sj, jv_string("taken"), num(kept.taken));
        }
        fin = jv_object_set(fin, jv_string("sil"), sj);
        if (cash > 0) {
            jv l = line("SIL_CASH", "Unused service incentive leave (Labor Code art. 95)",
                        "allowance", 0, c, cash);
            l = jv_object_set(l, jv_string("daily_rate"), num(ls.daily_rate));
            lines = jv_array_append(lines, l);
        }
    }
    jv bonds = jv_array();
    if (cash_bond(c, guard, bond_code, &lines, &bonds)) {
        jv_free(lines);
        jv_free(fin);
        jv_free(bonds);
        return err->code;
    }
    fin = jv_object_set(fin, jv_string("cash_bond"), bonds);
    money_t gross = 0, taxable = 0;
    jv_array_foreach(lines, i, l)
    {
        long long a = 0;
        pay_int_peek(l, "amount", &a);
        gross += a;
        jv tx = jv_object_get(l, jv_string("taxable"));
        if (jv_get_kind(tx) == JV_KIND_TRUE)
            taxable += a;
        jv_free(tx);
    }
    if (deduct_floor(fp, gross, &floor)) {
        jv_free(lines);
        jv_free(fin);
        return err_set(err, EXIT_DATAERR, "final pay of %s: bad net_floor '%s'", guard, fp);
    }
    money_t net = gross;
    jv deductions = jv_array(), owed = jv_array();
    if (loans(c, guard, ls.period, &net, floor, &deductions, &owed)) {
        jv_free(lines);
        jv_free(fin);
        jv_free(deductions);
        jv_free(owed);
        return err->code;
    }
    fin = jv_object_set(fin, jv_string("net_floor"), num(floor));
    fin = jv_object_set(fin, jv_string("owed"), owed);
    char id[128];
    snprintf(id, sizeof id, "%s/%s", c->period, guard);
    jv per = jv_object();
    per = jv_object_set(per, jv_string("id"), jv_string(c->period));
    per = jv_object_set(per, jv_string("from"), jv_string(c->from));
    per = jv_object_set(per, jv_string("to"), jv_string(c->date));
    jv rec = jv_object();
    rec = jv_object_set(rec, jv_string("kind"), jv_string("Paysheet"));
    rec = jv_object_set(rec, jv_string("v"), jv_number(1));
    rec = jv_object_set(rec, jv_string("paysheet_id"), jv_string(id));
    rec = jv_object_set(rec, jv_string("guard_id"), jv_string(guard));
    rec = jv_object_set(rec, jv_string("period"), per);
    rec = jv_object_set(rec, jv_string("stage"), jv_string("net"));
    rec = jv_object_set(rec, jv_string("lines"), lines);
    rec = jv_object_set(rec, jv_string("gross"), num(gross));
    rec = jv_object_set(rec, jv_string("deductions"), deductions);
    rec = jv_object_set(rec, jv_string("taxable"), num(taxable));
    rec = jv_object_set(rec, jv_string("net"), num(net));
    rec = jv_object_set(rec, jv_string("sources"), jv_array());
    rec = jv_object_set(rec, jv_string("final"), fin);
    int changed = 0;
    strbuf lo;
    sb_init(&lo);
    int rc = paysheet_store(c->s, rec, &changed, &lo, &rj, err);
    if (rc == REJECTED)
        rc = err_set(err, EXIT_DATAERR, "%s", rj.msg);
    if (!rc) {
        n->computed++;
        n->changed += changed;
        if (fwrite(lo.s, 1, lo.len, out) != lo.len)
            rc = err_set(err, EXIT_IOERR, "cannot write the final paysheet of %s", guard);
    }
    sb_free(&lo);
    return rc;
}

int pay_final(store_t *s, const pay_rules *r, const char *period, const char *guard, FILE *out,
              reject_sink *rej, pay_counts *n, armms_err *err)
{
    day_t a, b, due;
    if (pay_period_kind(period, &a, &b, &due) != PAY_PERIOD_FINAL)
        return err_set(err, EXIT_DATAERR, "%s is no final-pay period (FINAL-YYYY-MM-DD)", period);
    fctx c = {.s = s, .r = r, .period = period, .err = err};
    int m, d;
    civil_from_days(a, &c.year, &m, &d);
    date_format(a, c.from);
    date_format(b, c.date);
    char **ids = NULL;
    size_t nid = 0;
    int rc = payrun_begin_compute(s, period, "not open (armms-payrun final GUARD --on DATE)", err);
    if (!rc && guard) {
        ids = xrealloc(NULL, sizeof *ids);
        ids[nid++] = xstrdup(guard);
    } else if (!rc) {
        sqlite3_stmt *q;
        if (!(rc = prep(&c, &q,
                        "SELECT guard_id FROM hr.guard WHERE separated_on = ?1"
                        " UNION SELECT guard_id FROM paysheet WHERE period_id = ?2 ORDER BY 1"))) {
            sqlite3_bind_text(q, 1, c.date, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, period, -1, SQLITE_STATIC);
            int step;
            while ((step = sqlite3_step(q)) == SQLITE_ROW) {
                ids = xrealloc(ids, (nid + 1) * sizeof *ids);
                ids[nid++] = xstrdup(pay_col(q, 0));
            }
            rc = step == SQLITE_DONE ? 0 : store_fail(s, step, "final pay", err);
            sqlite3_finalize(q);
        }
    }
    for (size_t i = 0; i < nid; i++) {
        if (!rc)
            rc = one_guard(&c, ids[i], out, n);
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
