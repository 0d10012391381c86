/*
 * remit.c - the approved pay of a month or a year, person by person, and
 * the records each government file is made of (see remit.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "out/remit.h"
#include "out/sheets.h"
#include "pay/paysheet.h"

/* ---- scope ---- */

static int scope_add(store_t *s, remit_scope *sc, const char *period, armms_err *err)
{
    size_t k = sc->n++;
    snprintf(sc->p[k].period, sizeof sc->p[k].period, "%s", period);
    if (payrun_status(s, period, sc->p[k].status, err))
        return err->code;
    sc->p[k].approved = !strcmp(sc->p[k].status, "APPROVED") || !strcmp(sc->p[k].status, "CLOSED");
    return 0;
}

static void scope_missing(remit_scope *sc, const char *period, const char *status)
{
    size_t n = strlen(sc->missing);
    snprintf(sc->missing + n, sizeof sc->missing - n, "%s%s (%s)", n ? ", " : "", period,
             status[0] ? status : "no payrun");
    sc->complete = 0;
}

/* The runs that pay no period of work (pay/period.h) paid in the scope:
 * the year's 13th-month run (month: December only) and the final pays
 * dated in it (prefix "FINAL-YYYY-" or "FINAL-YYYY-MM-"), each that has a
 * payrun; one not yet approved makes the scope incomplete. */
static int scope_add_special(store_t *s, remit_scope *sc, const char *thirteenth,
                             const char *final_prefix, armms_err *err)
{
    sqlite3_stmt *st = NULL;
    if (store_prepare(s, &st,
                      "SELECT period_id FROM payrun WHERE period_id = ?1"
                      " OR substr(period_id, 1, length(?2)) = ?2 ORDER BY 1",
                      err))
        return err->code;
    sqlite3_bind_text(st, 1, thirteenth ? thirteenth : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, final_prefix, -1, SQLITE_TRANSIENT);
    char ids[REMIT_MAX_PERIODS][24];
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < REMIT_MAX_PERIODS)
        snprintf(ids[n++], sizeof ids[0], "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(s, rc, "list the special runs", err);
    for (int i = 0; i < n && sc->n < REMIT_MAX_PERIODS; i++) {
        if (scope_add(s, sc, ids[i], err))
            return err->code;
        if (!sc->p[sc->n - 1].approved)
            scope_missing(sc, ids[i], sc->p[sc->n - 1].status);
    }
    return 0;
}

static int valid_year(const char *y)
{
    return strlen(y) == 4 && strspn(y, "0123456789") == 4 && atoi(y) >= 2000;
}

int remit_scope_month(store_t *s, const char *month, remit_scope *sc, armms_err *err)
{
    memset(sc, 0, sizeof *sc);
    if (strlen(month) != 7 || month[4] != '-' ||
        !valid_year((char[5]){month[0], month[1], month[2], month[3], 0}) ||
        strspn(month + 5, "0123456789") != 2 || atoi(month + 5) < 1 || atoi(month + 5) > 12)
        return err_set(err, EXIT_USAGE, "bad month '%s' (YYYY-MM)", month);
    snprintf(sc->what, sizeof sc->what, "%s", month);
    sc->complete = 1;
    for (int h = 0; h < 2; h++) {
        char id[16];
        snprintf(id, sizeof id, "%s-%c", month, h ? 'B' : 'A');
        if (scope_add(s, sc, id, err))
            return err->code;
        if (!sc->p[h].approved)
            scope_missing(sc, id, sc->p[h].status);
    }
    char thirteenth[16], final_prefix[24];
    snprintf(thirteenth, sizeof thirteenth, "%.4s-13M", month);
    snprintf(final_prefix, sizeof final_prefix, "FINAL-%s-", month);
    return scope_add_special(s, sc, !strcmp(month + 5, "12") ? thirteenth : NULL, final_prefix,
                             err);
}

int remit_scope_year(store_t *s, const char *year, remit_scope *sc, armms_err *err)
{
    memset(sc, 0, sizeof *sc);
    if (!valid_year(year))
        return err_set(err, EXIT_USAGE, "bad year '%s' (YYYY)", year);
    snprintf(sc->what, sizeof sc->what, "%s", year);
    sc->year_scope = 1;
    sc->complete = 1;
    for (int m = 1; m <= 12; m++)
        for (int h = 0; h < 2; h++) {
            char id[16];
            snprintf(id, sizeof id, "%s-%02d-%c", year, m, h ? 'B' : 'A');
            if (scope_add(s, sc, id, err))
                return err->code;
            remit_scope *c = sc;
            size_t k = c->n - 1;
            if (!c->p[k].status[0])
                continue; /* no run of that period: the tenant did not pay it here */
            if (!c->p[k].approved)
                scope_missing(sc, id, c->p[k].status);
        }
    char thirteenth[16], final_prefix[24];
    snprintf(thirteenth, sizeof thirteenth, "%s-13M", year);
    snprintf(final_prefix, sizeof final_prefix, "FINAL-%s-", year);
    return scope_add_special(s, sc, thirteenth, final_prefix, err);
}

/* ---- reading ---- */

static const char Q_SHEETS[] =
    "SELECT p.guard_id, p.record, g.employee_no, g.last_name, g.first_name, g.sss_no,"
    " g.philhealth_no, g.hdmf_no, g.tin FROM paysheet p"
    " JOIN payrun r ON r.period_id = p.period_id AND" OUT_RUN_APPROVED(
        "r.") " LEFT JOIN hr.guard g ON g.guard_id = p.guard_id"
              " WHERE" OUT_SHEET_APPROVED(
                  "p.") " AND p.period_id IN (SELECT value FROM json_each(?1))"
                        " AND (?2 IS NULL OR p.guard_id = ?2)"
                        " ORDER BY g.last_name COLLATE NOCASE, g.first_name COLLATE NOCASE, "
                        "p.guard_id, p.period_id";

static long long jint(jv o, const char *k)
{
    jv v = jv_object_get(jv_copy(o), jv_string(k));
    long long n = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : 0;
    jv_free(v);
    return n;
}

static int jtrue(jv o, const char *k)
{
    jv v = jv_object_get(jv_copy(o), jv_string(k));
    int t = jv_get_kind(v) == JV_KIND_TRUE;
    jv_free(v);
    return t;
}

/* k's string value copied into buf ("" when absent) */
static const char *jstr(jv o, const char *k, char *buf, size_t n)
{
    jv v = jv_object_get(jv_copy(o), jv_string(k));
    snprintf(buf, n, "%s", jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "");
    jv_free(v);
    return buf;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return xstrdup(t ? (const char *)t : "");
}

void remit_bir_add(remit_bir *b, jv ps)
{
    jv lines = jv_object_get(jv_copy(ps), jv_string("lines"));
    jv deds = jv_object_get(jv_copy(ps), jv_string("deductions"));
    money_t gross = jint(ps, "gross"), taxable = jint(ps, "taxable");
    int mwe = 0;
    money_t tax = 0, contrib = 0, smw = 0, premium = 0, benefits = 0, de_minimis = 0;
    char s[64];
    if (jv_get_kind(deds) == JV_KIND_ARRAY)
        jv_array_foreach(deds, i, d)
        {
            if (!strcmp(jstr(d, "status", s, sizeof s), "APPLIED")) {
                jstr(d, "kind", s, sizeof s);
                if (!strcmp(s, "tax")) {
                    tax += jint(d, "amount");
                    mwe = jtrue(d, "mwe");
                } else if (!strcmp(s, "statutory"))
                    contrib += jint(d, "amount");
            }
            jv_free(d);
        }
    if (jv_get_kind(lines) == JV_KIND_ARRAY)
        jv_array_foreach(lines, i, l)
        {
            money_t a = jint(l, "amount");
            char kind[32], code[32];
            jstr(l, "kind", kind, sizeof kind);
            jstr(l, "code", code, sizeof code);
            if (!jtrue(l, "taxable")) {
                if (!strcmp(kind, "bonus"))
                    benefits += a;
                else
                    de_minimis += a;
            } else if (mwe && (!strcmp(kind, "earning") || !strcmp(kind, "adjustment"))) {
                /* TRAIN law, RR 11-2018: an MWE's SMW and its holiday, OT
                 * and ND pay are exempt */
                if (!strcmp(code, "BASIC") ||
                    (jtrue(l, "basic") && jint(l, "multiplier") == 10000))
                    smw += a;
                else
                    premium += a;
            }
            jv_free(l);
        }
    jv_free(lines);
    jv_free(deds);
    if (mwe)
        contrib = 0; /* paid out of exempt pay: not subtracted again */
    money_t nontaxable = gross - taxable;
    b->gross += gross;
    b->taxable += taxable;
    b->tax += tax;
    b->mwe_smw += smw;
    b->mwe_premium += premium;
    b->benefits += benefits;
    b->de_minimis += de_minimis;
    b->contributions += contrib;
    b->nontaxable += nontaxable;
    b->other_nontaxable += nontaxable - smw - premium - benefits - de_minimis - contrib;
    b->paysheets++;
    b->mwe_paysheets += mwe;
    jv_free(ps);
}

static remit_contrib *contrib_slot(remit_person *p, const char *code, const char *month)
{
    for (size_t i = 0; i < p->nc; i++)
        if (!strcmp(p->c[i].code, code) && !strcmp(p->c[i].month, month))
            return &p->c[i];
    if (p->nc == REMIT_MAX_CONTRIB)
        return NULL;
    remit_contrib *c = &p->c[p->nc++];
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "%s", code);
    snprintf(c->month, sizeof c->month, "%s", month);
    return c;
}

/* The deductions of one paysheet into p (ps looked at). */
static int person_add(remit_person *p, jv ps, armms_err *err)
{
    jv deds = jv_object_get(jv_copy(ps), jv_string("deductions"));
    char kind[32], code[32], status[16], oid[96], month[8];
    int rc = 0;
    if (jv_get_kind(deds) == JV_KIND_ARRAY)
        jv_array_foreach(deds, i, d)
        {
            jstr(d, "kind", kind, sizeof kind);
            jstr(d, "code", code, sizeof code);
            jstr(d, "status", status, sizeof status);
            jstr(d, "obligation_id", oid, sizeof oid);
            int applied = !strcmp(status, "APPLIED");
            if (!strcmp(kind, "statutory") && !applied) {
                p->not_applied++;
                p->not_applied_c += jint(d, "amount");
            } else if (!strcmp(kind, "statutory")) {
                /* the obligation "CODE/YYYY-MM/GUARD" names the month */
                const char *sl = strchr(oid, '/');
                if (sl && strlen(sl + 1) >= 7)
                    snprintf(month, sizeof month, "%.7s", sl + 1);
                else {
                    jv per = jv_object_get(jv_copy(ps), jv_string("period"));
                    snprintf(month, sizeof month, "%.7s",
                             jv_get_kind(per) == JV_KIND_OBJECT ? jstr(per, "id", oid, sizeof oid)
                                                                : "");
                    jv_free(per);
                }
                remit_contrib *c = contrib_slot(p, code, month);
                if (!c)
                    rc =
                        err_set(err, EXIT_DATAERR, "guard %s: more than %d contributions in scope",
                                p->guard_id, REMIT_MAX_CONTRIB);
                else {
                    c->ee += jint(d, "amount");
                    c->er += jint(d, "employer_share");
                    c->ec += jint(d, "ec");
                    c->ee_mpf += jint(d, "ee_mpf");
                    c->er_mpf += jint(d, "er_mpf");
                    /* the base and credit of the month, as computed once */
                    if (jint(d, "credit"))
                        c->credit = jint(d, "credit"), c->credit_ss = jint(d, "credit_ss"),
                        c->credit_mpf = jint(d, "credit_mpf");
                    if (jint(d, "base"))
                        c->base = jint(d, "base");
                }
            } else if (!strcmp(kind, "loan") && applied) {
                size_t k;
                for (k = 0; k < p->nl && strcmp(p->l[k].obligation_id, oid); k++)
                    ;
                if (k == p->nl && p->nl < REMIT_MAX_LOANS) {
                    memset(&p->l[k], 0, sizeof p->l[k]);
                    snprintf(p->l[k].obligation_id, sizeof p->l[k].obligation_id, "%s", oid);
                    snprintf(p->l[k].code, sizeof p->l[k].code, "%s", code);
                    jstr(d, "label", p->l[k].label, sizeof p->l[k].label);
                    p->nl++;
                }
                if (k < p->nl)
                    p->l[k].amount += jint(d, "amount");
            }
            jv_free(d);
        }
    jv_free(deds);
    remit_bir_add(&p->bir, jv_copy(ps));
    return rc;
}

int remit_load(store_t *s, const remit_scope *sc, const char *guard, remit_set *set,
               armms_err *err)
{
    memset(set, 0, sizeof *set);
    jv ids = jv_array();
    for (size_t k = 0; k < sc->n; k++)
        if (sc->p[k].approved)
            ids = jv_array_append(ids, jv_string(sc->p[k].period));
    char *js = json_canonical(ids);
    sqlite3_stmt *st = NULL;
    int rc = store_prepare(s, &st, Q_SHEETS, err);
    if (rc) {
        free(js);
        return rc;
    }
    sqlite3_bind_text(st, 1, js, -1, SQLITE_TRANSIENT);
    if (guard)
        sqlite3_bind_text(st, 2, guard, -1, SQLITE_TRANSIENT);
    free(js);
    int r;
    remit_person *p = NULL;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *gid = (const char *)sqlite3_column_text(st, 0);
        if (!p || strcmp(p->guard_id, gid)) {
            if (set->n == set->cap) {
                set->cap = set->cap ? 2 * set->cap : 64;
                set->v = xrealloc(set->v, set->cap * sizeof *set->v);
            }
            p = &set->v[set->n++];
            memset(p, 0, sizeof *p);
            p->guard_id = col_dup(st, 0);
            p->employee_no = col_dup(st, 2);
            p->last_name = col_dup(st, 3);
            p->first_name = col_dup(st, 4);
            p->sss_no = col_dup(st, 5);
            p->philhealth_no = col_dup(st, 6);
            p->hdmf_no = col_dup(st, 7);
            p->tin = col_dup(st, 8);
        }
        const char *text = (const char *)sqlite3_column_text(st, 1);
        jv ps = jv_parse(text ? text : "");
        if (jv_get_kind(ps) != JV_KIND_OBJECT) {
            jv_free(ps);
            rc = err_set(err, EXIT_SOFTWARE, "paysheet of %s is not a record", gid);
            break;
        }
        rc = person_add(p, ps, err);
        jv_free(ps);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_fail(s, r, "reading the approved paysheets", err);
    sqlite3_finalize(st);
    return rc;
}

void remit_set_free(remit_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        remit_person *p = &set->v[i];
        free(p->guard_id);
        free(p->employee_no);
        free(p->last_name);
        free(p->first_name);
        free(p->sss_no);
        free(p->philhealth_no);
        free(p->hdmf_no);
        free(p->tin);
    }
    free(set->v);
    memset(set, 0, sizeof *set);
}

/* ---- records ---- */

static jv num(money_t c)
{
    return jv_number((double)c);
}

static jv set_s(jv o, const char *k, const char *v)
{
    return jv_object_set(o, jv_string(k), jv_string(v ? v : ""));
}

static jv set_n(jv o, const char *k, money_t v)
{
    return jv_object_set(o, jv_string(k), num(v));
}

/* kind, v, the month or year, the guard and the number the agency keys
 * on (field, checked by check): its digits when well formed. */
static jv person_head(const char *kind, const char *scope_key, const char *scope,
                      const remit_person *p, const char *field, const char *number,
                      const char *(*check)(const char *, char *))
{
    jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string(kind));
    o = jv_object_set(o, jv_string("v"), jv_number(1));
    o = set_s(o, scope_key, scope);
    o = set_s(o, "guard_id", p->guard_id);
    o = set_s(o, "employee_no", p->employee_no);
    o = set_s(o, "last_name", p->last_name);
    o = set_s(o, "first_name", p->first_name);
    if (field) {
        char digits[16];
        const char *bad = check(number, digits);
        o = set_s(o, field, bad ? number : digits);
        o = jv_object_set(o, jv_string("id_ok"), jv_bool(!bad));
        if (bad)
            o = set_s(o, "id_problem", bad);
    }
    return o;
}

static jv contrib_records(const remit_set *set, const char *month, const char *code)
{
    jv out = jv_array();
    for (size_t i = 0; i < set->n; i++) {
        const remit_person *p = &set->v[i];
        for (size_t k = 0; k < p->nc; k++) {
            const remit_contrib *c = &p->c[k];
            if (strcmp(c->code, code))
                continue;
            jv o;
            if (!strcmp(code, "SSS")) {
                o = person_head("SssContribution", "month", month ? month : c->month, p, "sss_no",
                                p->sss_no, remit_sss_no);
                o = set_s(o, "middle_initial", "");
                o = set_s(o, "applicable_month", c->month);
                o = set_n(o, "credit", c->credit);
                o = set_n(o, "credit_ss", c->credit_ss);
                o = set_n(o, "credit_mpf", c->credit_mpf);
                o = set_n(o, "ss_ee", c->ee - c->ee_mpf);
                o = set_n(o, "ss_er", c->er - c->er_mpf);
                o = set_n(o, "mpf_ee", c->ee_mpf);
                o = set_n(o, "mpf_er", c->er_mpf);
                o = set_n(o, "ec", c->ec);
                o = set_n(o, "ee", c->ee);
                o = set_n(o, "er", c->er);
                o = set_n(o, "total", c->ee + c->er + c->ec);
            } else if (!strcmp(code, "HDMF")) {
                o = person_head("HdmfContribution", "month", month ? month : c->month, p,
                                "hdmf_no", p->hdmf_no, remit_hdmf_no);
                o = set_s(o, "applicable_month", c->month);
                o = set_n(o, "credit", c->credit);
                o = set_n(o, "ee", c->ee);
                o = set_n(o, "er", c->er);
                o = set_n(o, "total", c->ee + c->er);
            } else {
                o = person_head("PhilhealthContribution", "month", month ? month : c->month, p,
                                "philhealth_no", p->philhealth_no, remit_philhealth_no);
                o = set_s(o, "applicable_month", c->month);
                o = set_n(o, "base", c->base);
                o = set_n(o, "ee", c->ee);
                o = set_n(o, "er", c->er);
                o = set_n(o, "total", c->ee + c->er);
            }
            out = jv_array_append(out, o);
        }
    }
    return out;
}

jv remit_sss_records(const remit_set *set, const char *month)
{
    return contrib_records(set, month, "SSS");
}

jv remit_hdmf_records(const remit_set *set, const char *month)
{
    return contrib_records(set, month, "HDMF");
}

jv remit_philhealth_records(const remit_set *set, const char *month)
{
    return contrib_records(set, month, "PHILHEALTH");
}

/* Pag-IBIG's loans: the loan codes that begin HDMF (HDMF_LOAN, the
 * shipped code of the Pag-IBIG multi-purpose/short-term loan, and any
 * HDMF_* code a tenant adds, such as HDMF_CALAMITY). */
jv remit_hdmf_loan_records(const remit_set *set, const char *month)
{
    jv out = jv_array();
    for (size_t i = 0; i < set->n; i++) {
        const remit_person *p = &set->v[i];
        for (size_t k = 0; k < p->nl; k++) {
            const remit_loan *l = &p->l[k];
            if (strncmp(l->code, "HDMF", 4))
                continue;
            jv o = person_head("HdmfLoanPayment", "month", month, p, "hdmf_no", p->hdmf_no,
                               remit_hdmf_no);
            o = set_s(o, "obligation_id", l->obligation_id);
            o = set_s(o, "code", l->code);
            o = set_s(o, "label", l->label);
            o = set_n(o, "amount", l->amount);
            out = jv_array_append(out, o);
        }
    }
    return out;
}

static jv bir_fields(jv o, const remit_bir *b)
{
    o = set_n(o, "gross", b->gross);
    o = set_n(o, "mwe_smw", b->mwe_smw);
    o = set_n(o, "mwe_premium", b->mwe_premium);
    o = set_n(o, "benefits", b->benefits);
    o = set_n(o, "de_minimis", b->de_minimis);
    o = set_n(o, "contributions", b->contributions);
    o = set_n(o, "other_nontaxable", b->other_nontaxable);
    o = set_n(o, "nontaxable", b->nontaxable);
    o = set_n(o, "taxable", b->taxable);
    o = set_n(o, "tax", b->tax);
    return o;
}

static jv scope_periods(const remit_scope *sc)
{
    jv a = jv_array();
    for (size_t k = 0; k < sc->n; k++)
        if (sc->p[k].approved)
            a = jv_array_append(a, jv_string(sc->p[k].period));
    return a;
}

jv remit_1601c_record(const remit_set *set, const remit_scope *sc)
{
    remit_bir t = {0};
    long mwe = 0;
    for (size_t i = 0; i < set->n; i++) {
        const remit_bir *b = &set->v[i].bir;
        t.gross += b->gross;
        t.mwe_smw += b->mwe_smw;
        t.mwe_premium += b->mwe_premium;
        t.benefits += b->benefits;
        t.de_minimis += b->de_minimis;
        t.contributions += b->contributions;
        t.other_nontaxable += b->other_nontaxable;
        t.nontaxable += b->nontaxable;
        t.taxable += b->taxable;
        t.tax += b->tax;
        t.paysheets += b->paysheets;
        mwe += b->mwe_paysheets == b->paysheets;
    }
    jv o = jv_object_set(jv_object(), jv_string("kind"), jv_string("Bir1601c"));
    o = jv_object_set(o, jv_string("v"), jv_number(1));
    o = set_s(o, "month", sc->what);
    o = jv_object_set(o, jv_string("periods"), scope_periods(sc));
    o = set_n(o, "employees", (money_t)set->n);
    o = set_n(o, "mwe_employees", mwe);
    o = set_n(o, "paysheets", t.paysheets);
    return bir_fields(o, &t);
}

jv remit_2316_records(const remit_set *set, const remit_scope *sc)
{
    jv out = jv_array();
    for (size_t i = 0; i < set->n; i++) {
        const remit_person *p = &set->v[i];
        jv o = person_head("Bir2316", "year", sc->what, p, "tin", p->tin, remit_tin);
        int mwe = p->bir.paysheets && p->bir.mwe_paysheets == p->bir.paysheets;
        o = jv_object_set(o, jv_string("mwe"), jv_bool(mwe));
        o = set_s(o, "schedule", mwe ? "MWE" : "non-MWE");
        o = set_n(o, "paysheets", p->bir.paysheets);
        out = jv_array_append(out, bir_fields(o, &p->bir));
    }
    return out;
}
