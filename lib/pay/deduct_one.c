/*
 * deduct_one.c - one guard's paysheet taken to net: the items in priority
 * order, the net floor's deferrals and their undo, statuses and the record
 * (see deduct.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "pay/deduct_int.h"
#include "pay/waiver.h"

static int by_rank(const void *x, const void *y)
{
    const item *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    int k = strcmp(a->obligation_id, b->obligation_id);
    return k ? k : (a->seq > b->seq) - (a->seq < b->seq);
}

static jv deduction_json(const item *it)
{
    jv d = jv_object();
    d = jv_object_set(d, jv_string("code"), jv_string(it->code));
    d = jv_object_set(d, jv_string("label"), jv_string(it->label));
    d = jv_object_set(d, jv_string("kind"),
                      jv_string(it->cls == K_STAT               ? "statutory"
                                : strcmp(it->kind, "loan") == 0 ? "loan"
                                                                : "deduction"));
    d = jv_object_set(d, jv_string("amount"), dx_jnum(it->amount));
    if (it->cls == K_STAT) {
        d = jv_object_set(d, jv_string("employer_share"), dx_jnum(it->er));
        if (strcmp(it->code, "SSS") == 0 && (it->ec || it->month_stat))
            d = jv_object_set(d, jv_string("ec"), dx_jnum(it->ec));
    }
    if (jv_get_kind(it->detail) == JV_KIND_OBJECT)
        jv_object_foreach(it->detail, k, v) d = jv_object_set(d, k, v);
    d = jv_object_set(d, jv_string("obligation_id"), jv_string(it->obligation_id));
    if (it->seq)
        d = jv_object_set(d, jv_string("seq"), dx_jnum(it->seq));
    const char *status = it->applied                   ? "APPLIED"
                         : it->row_status == SR_WAIVED ? "WAIVED"
                                                       : "DEFERRED";
    d = jv_object_set(d, jv_string("status"), jv_string(status));
    if (!it->applied) {
        jv w = jv_object_set(jv_object(), jv_string("reason"),
                             jv_string(it->reason[0] ? it->reason : "NET_FLOOR"));
        w = jv_object_set(w, jv_string("policy"), jv_string(it->policy[0] ? it->policy : "carry"));
        if (it->to_period[0])
            w = jv_object_set(w, jv_string("to_period"), jv_string(it->to_period));
        if (it->waiver_id[0])
            w = jv_object_set(w, jv_string("waiver_id"), jv_string(it->waiver_id));
        d = jv_object_set(d, jv_string("waiver"), w);
    }
    return d;
}

static int set_status(dctx *c, const item *it, int status, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_ROW_STATUS, &st, err))
        return err->code;
    dx_bt(st, 1, it->obligation_id);
    sqlite3_bind_int64(st, 2, it->seq);
    dx_bt(st, 3, sched_status_names[status]);
    return dx_done(c, st, "obligation_schedule", err);
}

static long max_seq(dctx *c, const char *id, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_MAXSEQ, &st, err))
        return -1;
    dx_bt(st, 1, id);
    long m = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return m;
}

static int insert_row(dctx *c, const char *id, long seq, const char *period, money_t amt,
                      money_t er, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_ROW_INS, &st, err))
        return err->code;
    dx_bt(st, 1, id);
    sqlite3_bind_int64(st, 2, seq);
    dx_bt(st, 3, period);
    sqlite3_bind_int64(st, 4, amt);
    sqlite3_bind_int64(st, 5, er);
    return dx_done(c, st, "obligation_schedule", err);
}

/* Take back this period's own NET_FLOOR deferral of it: its moved rows go,
 * its waiver goes, the row is DUE again. Journaled. */
static int undo_deferral(dctx *c, item *it, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    if (dx_stmt(c, Q_MOVED, &st, err))
        return err->code;
    dx_bt(st, 1, it->obligation_id);
    dx_bt(st, 2, it->waiver_id);
    long seqs[64];
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 64)
        seqs[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    for (int i = 0; i < n; i++) {
        if (dx_stmt(c, Q_ROW_DEL, &st, err))
            return err->code;
        dx_bt(st, 1, it->obligation_id);
        sqlite3_bind_int64(st, 2, seqs[i]);
        if (dx_done(c, st, "obligation_schedule", err))
            return err->code;
    }
    if (dx_stmt(c, Q_WAIVER_DEL, &st, err))
        return err->code;
    dx_bt(st, 1, it->waiver_id);
    if (dx_done(c, st, "waiver", err) || set_status(c, it, SR_DUE, err))
        return err->code;
    strbuf p;
    sb_init(&p);
    sb_adds(&p, "{\"waiver_id\":");
    sb_add_json_str(&p, it->waiver_id, strlen(it->waiver_id));
    sb_add_json_kv(&p, "obligation_id", it->obligation_id);
    sb_add_json_kv(&p, "period", period);
    sb_addf(&p, ",\"seq\":%ld,\"amount\":%lld,\"reason\":\"NET_FLOOR\"}", it->seq,
            (long long)it->stored_amount);
    int rc = store_emit(c->s, "ObligationDeferralUndone", "Obligation", it->obligation_id, p.s,
                        p.len, err);
    sb_free(&p);
    it->row_status = SR_DUE;
    it->waiver_id[0] = it->reason[0] = it->policy[0] = it->to_period[0] = 0;
    it->undoable = 0;
    return rc;
}

/* This month's contribution row: made or brought to the figures computed. */
static int assess(dctx *c, item *it, const char *guard, const period_t *p, armms_err *err)
{
    sqlite3_stmt *st;
    money_t owed_er = it->er + it->ec; /* the row keeps what the agency owes, EC included */
    if (it->row_status == -1) {
        if (dx_stmt(c, Q_OB_INS, &st, err))
            return err->code;
        dx_bt(st, 1, it->obligation_id);
        dx_bt(st, 2, guard);
        dx_bt(st, 3, it->code);
        dx_bt(st, 4, it->label);
        sqlite3_bind_int64(st, 5, it->amount > 0 ? it->amount : 1);
        dx_bt(st, 6, p->id);
        char half[2] = {p->half, 0};
        dx_bt(st, 7, half);
        if (dx_done(c, st, "obligation", err))
            return err->code;
        long seq = max_seq(c, it->obligation_id, err);
        if (seq < 0)
            return err->code;
        /* seq 1, unless the month's contribution already has rows (a
         * policy that changed its run): then the next one */
        if (insert_row(c, it->obligation_id, seq + 1, p->id, it->amount, owed_er, err))
            return err->code;
        it->seq = seq + 1;
        it->row_status = SR_DUE;
    } else if (it->stored_amount == it->amount && it->stored_er == owed_er) {
        return 0;
    } else {
        if (dx_stmt(c, Q_ROW_SET, &st, err))
            return err->code;
        dx_bt(st, 1, it->obligation_id);
        sqlite3_bind_int64(st, 2, it->seq);
        sqlite3_bind_int64(st, 3, it->amount);
        sqlite3_bind_int64(st, 4, owed_er);
        if (dx_done(c, st, "obligation_schedule", err))
            return err->code;
    }
    it->stored_amount = it->amount;
    it->stored_er = owed_er;
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"obligation_id\":");
    sb_add_json_str(&b, it->obligation_id, strlen(it->obligation_id));
    sb_add_json_kv(&b, "guard_id", guard);
    sb_add_json_kv(&b, "period", p->id);
    sb_addf(&b, ",\"seq\":%ld,\"employee_share\":%lld,\"employer_share\":%lld,\"ec\":%lld}",
            it->seq, (long long)it->amount, (long long)it->er, (long long)it->ec);
    int rc =
        store_emit(c->s, "ContributionAssessed", "Obligation", it->obligation_id, b.s, b.len, err);
    sb_free(&b);
    return rc;
}

/* Write what the settled items mean for the schedule. */
static int write_items(dctx *c, items *a, const char *guard, const period_t *p, rejection *rj,
                       armms_err *err)
{
    for (size_t i = 0; i < a->n; i++) {
        item *it = &a->v[i];
        if (it->fixed)
            continue;
        int same_deferral = !it->applied && it->undoable && it->stored_amount == it->amount &&
                            (!it->month_stat || it->stored_er == it->er + it->ec);
        if (same_deferral)
            continue; /* what this computation would do again */
        if (it->undoable && undo_deferral(c, it, p->id, err))
            return err->code;
        if (it->month_stat && assess(c, it, guard, p, err))
            return err->code;
        if (it->stopped) {
            if (it->seq && it->row_status == SR_APPLIED && set_status(c, it, SR_DUE, err))
                return err->code;
            continue;
        }
        if (it->applied) {
            if (it->seq && it->row_status != SR_APPLIED && set_status(c, it, SR_APPLIED, err))
                return err->code;
            it->row_status = SR_APPLIED;
            continue;
        }
        /* the net floor defers it */
        if (!it->seq) { /* an open-ended installment gets its row first */
            long m = max_seq(c, it->obligation_id, err);
            if (m < 0 || insert_row(c, it->obligation_id, m + 1, p->id, it->amount, 0, err))
                return err->code;
            it->seq = m + 1;
        }
        if (it->row_status == SR_APPLIED && set_status(c, it, SR_DUE, err))
            return err->code;
        waive_req w = {.obligation_id = it->obligation_id,
                       .period = p->id,
                       .reason = "NET_FLOOR",
                       .policy = WAIVE_CARRY,
                       .seq = it->seq};
        jv rec;
        int rc = pay_waive_in_tx(c->s, &w, NULL, &rec, rj, err);
        if (rc)
            return rc;
        snprintf(it->waiver_id, sizeof it->waiver_id, "%s", dx_jstr_peek(rec, "waiver_id"));
        snprintf(it->to_period, sizeof it->to_period, "%s", dx_jstr_peek(rec, "to_period"));
        snprintf(it->reason, sizeof it->reason, "NET_FLOOR");
        snprintf(it->policy, sizeof it->policy, "carry");
        it->row_status = SR_DEFERRED;
        jv_free(rec);
    }
    return 0;
}

/* How a gross record armms-pay stored starts: its canonical text (keys
 * sorted, version, status and computed_at at the end; paysheet.h). */
static const char GROSS_HEAD[] = "{\"deductions\":[],\"gross\":";

/* The canonical text of the net record (malloc'd), written into g, the
 * stored canonical text of its gross record: its members but deductions,
 * gross, lines, net, stage and taxable are the net record's as they are,
 * and the earnings lines stay; deds and adds are the canonical texts of
 * the deductions and of the addition lines, comma-separated. NULL when g
 * is not laid out as expected (the caller then builds the record). */
static char *net_canon(const char *g, const char *deds, const char *adds, money_t gross,
                       money_t net, money_t taxable)
{
    if (strncmp(g, GROSS_HEAD, sizeof GROSS_HEAD - 1))
        return NULL;
    const char *p = g + sizeof GROSS_HEAD - 1;
    while (*p == '-' || (*p >= '0' && *p <= '9'))
        p++;
    /* the sorted members: guard_id kind lines | net | paysheet_id period
     * sources | stage taxable v, then the volatile three */
    static const char k_guard[] = ",\"guard_id\":", k_lines[] = ",\"lines\":[",
                      k_net[] = "],\"net\":", k_sheet[] = ",\"paysheet_id\":",
                      k_stage[] = ",\"stage\":\"gross\",\"taxable\":",
                      k_v[] = ",\"v\":1,\"version\":";
    if (strncmp(p, k_guard, sizeof k_guard - 1))
        return NULL;
    const char *lines = strstr(p, k_lines);
    const char *end = lines ? strstr(lines, k_net) : NULL;
    const char *sheet = end ? strstr(end, k_sheet) : NULL;
    const char *stage = sheet ? strstr(sheet, k_stage) : NULL;
    if (!stage)
        return NULL;
    const char *v = stage + sizeof k_stage - 1;
    while (*v == '-' || (*v >= '0' && *v <= '9'))
        v++;
    if (strncmp(v, k_v, sizeof k_v - 1))
        return NULL;
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"deductions\":[");
    sb_adds(&b, deds);
    sb_addf(&b, "],\"gross\":%lld", (long long)gross);
    sb_add(&b, p, (size_t)(end - p)); /* guard_id, kind, the earnings */
    if (*adds) {
        if (end[-1] != '[')
            sb_addc(&b, ',');
        sb_adds(&b, adds);
    }
    sb_addf(&b, "],\"net\":%lld", (long long)net);
    sb_add(&b, sheet, (size_t)(stage - sheet)); /* paysheet_id, period, sources */
    sb_addf(&b, ",\"stage\":\"net\",\"taxable\":%lld,\"v\":1}", (long long)taxable);
    return b.s;
}

/* The lines (into *lines) and sources (jv) of a paysheet from its facts
 * (pay_int.h). -1 when facts is not laid out so (the record is read
 * instead; *lines is left empty). */
static int facts_read(const char *f, dlines *lines, jv *sources)
{
    *sources = jv_array();
    while (*f) {
        const char *e = strchr(f, '\n');
        if (!e || e - f < 2 || f[1] != '\t')
            goto bad;
        if (f[0] == 'L') {
            const char *k = f + 2, *t = memchr(k, '\t', (size_t)(e - k));
            char *q;
            if (!t || (size_t)(t - k) >= sizeof lines->v[0].kind)
                goto bad;
            dline *l = dx_dline_new(lines);
            memcpy(l->kind, k, (size_t)(t - k));
            l->kind[t - k] = 0;
            long long v[5];
            q = (char *)t;
            for (int i = 0; i < 5; i++) {
                if (*q != '\t')
                    goto bad;
                v[i] = strtoll(q + 1, &q, 10);
            }
            if (q != e)
                goto bad;
            l->taxable = v[0] != 0;
            l->basic = v[1] != 0;
            l->amount = v[2];
            l->rate = v[3];
            l->minutes = v[4];
        } else if (f[0] == 'S') {
            *sources =
                jv_array_append(*sources, jv_object_set(jv_object(), jv_string("timesheet_id"),
                                                        jv_string_sized(f + 2, (int)(e - f - 2))));
        } else {
            goto bad;
        }
        f = e + 1;
    }
    return 0;
bad:
    dx_dlines_free(lines);
    jv_free(*sources);
    *sources = jv_invalid();
    return -1;
}

/* Paysheet text parsed: *rec (an object, the caller's), or an error. */
static int sheet_parse(const char *id, const char *text, jv *rec, armms_err *err)
{
    *rec = jv_parse(text);
    if (jv_get_kind(*rec) == JV_KIND_OBJECT)
        return 0;
    jv_free(*rec);
    *rec = jv_invalid();
    return err_set(err, EXIT_SOFTWARE, "paysheet %s: stored record is not JSON", id);
}

/* The lines of a parsed paysheet: all of them, or (earnings_only) those
 * not made from an obligation, *all_earnings saying whether that was all. */
static jv sheet_lines(jv rec, int earnings_only, int *all_earnings)
{
    jv lines = jv_array();
    jv stored = jv_object_get(jv_copy(rec), jv_string("lines"));
    *all_earnings = 1;
    if (jv_get_kind(stored) == JV_KIND_ARRAY)
        jv_array_foreach(stored, i, l)
        {
            if (earnings_only && json_has_peek(l, "obligation_id")) {
                *all_earnings = 0;
                jv_free(l);
            } else {
                lines = jv_array_append(lines, l);
            }
        }
    jv_free(stored);
    return lines;
}

/* What taking guard's paysheet of p to net reads before it decides
 * (dx_pre): the paysheet, its earnings, the items, the minimum wage. Only
 * reads, so it may run on another connection ahead of the writes (a
 * period's guards are independent of each other). A gross record armms-pay
 * wrote as text is read from its facts, not parsed. 0, REJECTED (pre->rj),
 * or an EXIT_* code (err). */
int dx_read_one(dctx *c, const period_t *p, const char *guard, dx_pre *pre, armms_err *err)
{
    memset(pre, 0, sizeof *pre);
    pre->rec = pre->lines = pre->sources = jv_invalid();
    char id[128];
    snprintf(id, sizeof id, "%s/%s", p->id, guard);
    jv rec = jv_invalid(), lines = jv_invalid(), srcs = jv_invalid();
    dlines *earn = &pre->earn, other = {0};
    int found, ofound = 0, rc, version;
    char *text, *facts;
    if ((rc = paysheet_load_row(c->s, id, &text, &facts, &version, &found, err)))
        return pre->rc = rc;
    if (!found)
        return pre->rc = rejection_set(&pre->rj, "NOT_FOUND",
                                       "no paysheet %s: run armms-pay for %s first", id, p->id);
    int gross_text = !strncmp(text, GROSS_HEAD, sizeof GROSS_HEAD - 1);
    if (!(gross_text && facts && facts_read(facts, earn, &srcs) == 0)) {
        int all_earnings;
        if ((rc = sheet_parse(id, text, &rec, err))) {
            free(text);
            free(facts);
            return pre->rc = rc;
        }
        lines = sheet_lines(rec, 1, &all_earnings);
        dx_dlines_of(lines, earn);
        srcs = jv_object_get(jv_copy(rec), jv_string("sources"));
        gross_text = gross_text && all_earnings;
    }
    free(facts);
    if (gross_text)
        pre->gross_text = text;
    else
        free(text);
    /* the month's other half, when it came first */
    char ostatus[16] = "";
    int oversion = 0;
    if (p->other_earlier) {
        char oid[128], *otext, *ofacts;
        snprintf(oid, sizeof oid, "%s/%s", p->other, guard);
        rc = paysheet_load_row(c->s, oid, &otext, &ofacts, &oversion, &ofound, err);
        if (!rc && ofound)
            rc = payrun_status(c->s, p->other, ostatus, err);
        jv osrcs = jv_invalid();
        if (!rc && ofound && (!ofacts || facts_read(ofacts, &other, &osrcs) != 0)) {
            jv orec;
            int all;
            if (!(rc = sheet_parse(oid, otext, &orec, err))) {
                jv ol = sheet_lines(orec, 0, &all);
                dx_dlines_of(ol, &other);
                jv_free(ol);
            }
            jv_free(orec);
        }
        jv_free(osrcs);
        free(otext);
        free(ofacts);
        if (rc) {
            jv_free(rec);
            jv_free(lines);
            jv_free(srcs);
            dx_dlines_free(&other);
            dx_dlines_free(earn);
            free(pre->gross_text);
            pre->gross_text = NULL;
            return pre->rc = rc;
        }
    }
    items *a = &pre->a;
    rc = dx_load_items(c, guard, p->id, a, err);
    if (!rc)
        rc = dx_contributions_peek(c, p, guard, earn, &other, ofound,
                                   strcmp(ostatus, "CLOSED") == 0, ofound ? oversion : 0, a,
                                   &pre->rj);
    dx_dlines_free(&other);
    money_t min = 0;
    if (!rc)
        rc = dx_minimum_wage_peek(c, srcs, p->to, &min, err);
    pre->mwe = !rc && dx_mwe_peek(earn, min);
    pre->min = min;
    pre->rec = rec;
    pre->lines = lines;
    pre->sources = srcs;
    return pre->rc = rc;
}

void dx_pre_free(dx_pre *pre)
{
    free(pre->gross_text);
    pre->gross_text = NULL;
    jv_free(pre->rec);
    jv_free(pre->lines);
    jv_free(pre->sources);
    dx_dlines_free(&pre->earn);
    dx_items_free(&pre->a);
    pre->rec = pre->lines = pre->sources = jv_invalid();
}

/* Take one guard's paysheet of p to stage net. REJECTED with rj for a
 * rule missing or a locked period; *line gets the stored record. */
int dx_deduct_one(dctx *c, const period_t *p, const char *guard, strbuf *line, int *changed,
                  rejection *rj, armms_err *err)
{
    dx_pre pre;
    dx_read_one(c, p, guard, &pre, err);
    return dx_net_one(c, p, guard, &pre, line, changed, rj, err);
}

/* The rest of dx_deduct_one, from what dx_read_one read (pre is freed). */
int dx_net_one(dctx *c, const period_t *p, const char *guard, dx_pre *pre, strbuf *line,
               int *changed, rejection *rj, armms_err *err)
{
    int rc = pre->rc;
    if (rc) {
        if (rc == REJECTED)
            *rj = pre->rj;
        dx_pre_free(pre);
        return rc;
    }
    jv rec = pre->rec, lines = pre->lines, srcs = pre->sources, addl = jv_array();
    items a = pre->a;
    money_t min = pre->min;
    int mwe = pre->mwe;
    char *gtext = pre->gross_text;
    dlines earn = pre->earn; /* the earnings, then the additions */
    pre->rec = pre->lines = pre->sources = jv_invalid();
    pre->gross_text = NULL;
    memset(&pre->a, 0, sizeof pre->a);
    memset(&pre->earn, 0, sizeof pre->earn);
    strbuf adds; /* the addition lines' canonical texts, for net_canon */
    sb_init(&adds);
    sb_adds(&adds, "");

    /* additions become lines */
    money_t gross = 0, taxable_all = 0, taxable_add = 0;
    for (size_t i = 0; !rc && i < a.n; i++) {
        item *it = &a.v[i];
        if (it->cls != K_ADD || it->stopped)
            continue;
        it->applied = 1;
        jv l = jv_object();
        l = jv_object_set(l, jv_string("code"), jv_string(it->code));
        l = jv_object_set(l, jv_string("label"), jv_string(it->label));
        l = jv_object_set(l, jv_string("kind"), jv_string(it->kind));
        l = jv_object_set(l, jv_string("taxable"), jv_bool(it->taxable));
        l = jv_object_set(l, jv_string("from"), jv_string(p->from));
        l = jv_object_set(l, jv_string("to"), jv_string(p->to));
        l = jv_object_set(l, jv_string("amount"), dx_jnum(it->amount));
        l = jv_object_set(l, jv_string("obligation_id"), jv_string(it->obligation_id));
        if (it->seq)
            l = jv_object_set(l, jv_string("seq"), dx_jnum(it->seq));
        if (gtext) {
            char *t = json_canonical(jv_copy(l));
            sb_adds(&adds, adds.len ? "," : "");
            sb_adds(&adds, t);
            free(t);
        }
        addl = jv_array_append(addl, jv_copy(l));
        if (jv_is_valid(lines))
            lines = jv_array_append(lines, l);
        else
            jv_free(l);
        dline *d = dx_dline_new(&earn);
        snprintf(d->kind, sizeof d->kind, "%s", it->kind);
        d->taxable = it->taxable;
        d->amount = it->amount;
        if (it->taxable)
            taxable_add += it->amount;
    }
    for (size_t i = 0; i < earn.n; i++) {
        gross += earn.v[i].amount;
        if (earn.v[i].taxable)
            taxable_all += earn.v[i].amount;
    }

    /* deductions in priority order, and the floor */
    tax_ctx tc = {c->rules, p->to, mwe ? taxable_add : taxable_all, !mwe, 0};
    money_t tax = 0, floor = 0, net = gross;
    char tax_src[128] = "";
    const char *fp = NULL;
    if (!rc) {
        money_t probe;
        if (pay_tax_on(c->rules, p->to, 0, &probe, tax_src, sizeof tax_src, rj) ||
            pay_policy_on(c->rules, "net_floor", p->to, &fp, rj))
            rc = REJECTED;
        else if (deduct_floor(fp, gross, &floor) != 0)
            rc = rejection_set(rj, "NO_RULE",
                               "policy net_floor '%s' is not 0, an amount or a "
                               "share like 30%%",
                               fp);
    }
    net_item *ni = NULL;
    item **ord = NULL;
    size_t nd = 0;
    if (!rc) {
        for (size_t i = 0; i < a.n; i++)
            a.v[i].rank = pay_priority_on(c->rules, a.v[i].code, p->to);
        qsort(a.v, a.n, sizeof *a.v, by_rank);
        ni = xcalloc(a.n + 1, sizeof *ni);
        ord = xcalloc(a.n + 1, sizeof *ord);
        for (size_t i = 0; i < a.n; i++) {
            item *it = &a.v[i];
            if (it->cls == K_ADD)
                continue;
            ord[nd] = it;
            ni[nd].amount = it->amount;
            ni[nd].statutory = it->cls == K_STAT &&
                               (!strcmp(it->code, "SSS") || !strcmp(it->code, "PHILHEALTH") ||
                                !strcmp(it->code, "HDMF"));
            ni[nd].applied = !it->fixed && !it->stopped;
            ni[nd].deferrable = ni[nd].applied;
            nd++;
        }
        net = deduct_settle(ni, nd, gross, floor, dx_tax_for, &tc, &tax);
        for (size_t i = 0; i < nd; i++)
            ord[i]->applied = ni[i].applied;
        rc = write_items(c, &a, guard, p, rj, err);
    }
    if (!rc) {
        jv ds = jv_array();
        int tax_rank = pay_priority_on(c->rules, "TAX", p->to);
        int tax_done = 0;
        money_t applied = 0;
        for (size_t i = 0; i <= nd; i++) {
            if (!tax_done && (i == nd || ord[i]->rank > tax_rank)) {
                jv t = jv_object();
                t = jv_object_set(t, jv_string("code"), jv_string("TAX"));
                t = jv_object_set(t, jv_string("label"), jv_string("Withholding tax"));
                t = jv_object_set(t, jv_string("kind"), jv_string("tax"));
                t = jv_object_set(t, jv_string("amount"), dx_jnum(tax));
                t = jv_object_set(t, jv_string("base"), dx_jnum(tc.taxable));
                t = jv_object_set(t, jv_string("mwe"), jv_bool(mwe));
                if (min)
                    t = jv_object_set(t, jv_string("minimum_wage"), dx_jnum(min));
                t = jv_object_set(t, jv_string("source"), jv_string(tax_src));
                t = jv_object_set(t, jv_string("status"), jv_string("APPLIED"));
                ds = jv_array_append(ds, t);
                tax_done = 1;
                applied += tax;
            }
            if (i == nd)
                break;
            if (ord[i]->stopped)
                continue;
            ds = jv_array_append(ds, deduction_json(ord[i]));
            if (ord[i]->applied)
                applied += ord[i]->amount;
        }
        assert(gross - applied == net);
        char *canon = NULL;
        if (gtext) { /* written into the stored gross text, no record built */
            strbuf deds;
            sb_init(&deds);
            sb_adds(&deds, "");
            jv_array_foreach(ds, i, d)
            {
                char *t = json_canonical(d);
                sb_adds(&deds, i ? "," : "");
                sb_adds(&deds, t);
                free(t);
            }
            canon = net_canon(gtext, deds.s, adds.s, gross, net, tc.taxable);
            sb_free(&deds);
        }
        if (canon) {
            char id[128];
            snprintf(id, sizeof id, "%s/%s", p->id, guard);
            strbuf f;
            sb_init(&f);
            for (size_t i = 0; i < earn.n; i++) {
                const dline *l = &earn.v[i];
                pay_facts_line(&f, l->kind, l->taxable, l->basic, l->amount, l->rate, l->minutes);
            }
            if (jv_get_kind(srcs) == JV_KIND_ARRAY)
                jv_array_foreach(srcs, i, x)
                {
                    pay_facts_source(&f, dx_jstr_peek(x, "timesheet_id"));
                    jv_free(x);
                }
            rc = paysheet_store_canon(c->s, canon, f.s, id, guard, p->id, "net", gross, net,
                                      changed, line, rj, err);
            sb_free(&f);
            free(canon);
            jv_free(ds);
            goto done;
        }
        if (!jv_is_valid(rec)) { /* read from its facts: the whole record now */
            char id[128];
            int all;
            snprintf(id, sizeof id, "%s/%s", p->id, guard);
            if ((rc = sheet_parse(id, gtext, &rec, err))) {
                jv_free(ds);
                goto done;
            }
            jv full = sheet_lines(rec, 1, &all);
            jv_array_foreach(addl, i, l) full = jv_array_append(full, l);
            jv_free(lines);
            lines = full;
        }
        rec = jv_object_set(rec, jv_string("stage"), jv_string("net"));
        rec = jv_object_set(rec, jv_string("lines"), lines);
        lines = jv_invalid();
        rec = jv_object_set(rec, jv_string("gross"), dx_jnum(gross));
        rec = jv_object_set(rec, jv_string("deductions"), ds);
        rec = jv_object_set(rec, jv_string("taxable"), dx_jnum(tc.taxable));
        rec = jv_object_set(rec, jv_string("net"), dx_jnum(net));
        rc = paysheet_store(c->s, rec, changed, line, rj, err);
        rec = jv_invalid();
    }
done:
    free(gtext);
    sb_free(&adds);
    dx_dlines_free(&earn);
    jv_free(addl);
    jv_free(srcs);
    free(ni);
    free(ord);
    dx_items_free(&a);
    jv_free(lines);
    jv_free(rec);
    return rc;
}
