/*
 * gross_price.c - rate cards, lines and the pricing of one guard's period
 * (see gross.h).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/sha.h"
#include "pay/gross_int.h"

/* --- rate cards, read once per run ----------------------------------- */

/* Below this many guards to price, a run looks its cards up one by one
 * (a late snapshot costs the same in any tenant); above it, it reads them
 * all once. */

static int rate_cmp(const void *a, const void *b)
{
    const rate_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->from, y->from);
}

static void rate_key(char *buf, size_t n, const char *det, const char *shift, const char *pos)
{
    snprintf(buf, n, "%s\x1f%s\x1f%s", det, shift, pos);
}

int gx_rates_load(store_t *s, rates *r, armms_err *err)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT detachment_id, shift_id, position_id, daily_rate,"
                                " valid_from, valid_to FROM rate",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_fail(s, rc, "read rate cards", err);
    int cap = 0;
    r->v = NULL;
    r->n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (r->n == cap) {
            cap = cap ? cap * 2 : 256;
            r->v = xrealloc(r->v, (size_t)cap * sizeof *r->v);
        }
        rate_row *x = &r->v[r->n++];
        rate_key(x->key, sizeof x->key, pay_col(st, 0), pay_col(st, 1), pay_col(st, 2));
        x->rate = sqlite3_column_int64(st, 3);
        snprintf(x->from, sizeof x->from, "%s", pay_col(st, 4));
        snprintf(x->to, sizeof x->to, "%s", pay_col(st, 5));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, rc, "read rate cards", err);
    if (r->n)
        qsort(r->v, (size_t)r->n, sizeof *r->v, rate_cmp);
    return 0;
}

/* The daily rate of the card in force on date: 0 with *rate, or REJECTED. */
static int rate_on(const rates *r, const char *det, const char *shift, const char *pos,
                   const char *date, money_t *rate, rejection *rj, armms_err *err)
{
    if (!r->loaded) {
        sqlite3_stmt *st;
        int rc = pay_stmt(r->s, PS_RATE,
                          "SELECT daily_rate FROM rate WHERE detachment_id = ?1 AND shift_id = ?2"
                          " AND position_id = ?3 AND valid_from <= ?4"
                          " AND (valid_to IS NULL OR valid_to = '' OR valid_to >= ?4)"
                          " ORDER BY valid_from DESC LIMIT 1",
                          &st, err);
        if (rc)
            return rc;
        sqlite3_bind_text(st, 1, det, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, shift, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, pos, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, date, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            *rate = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (step == SQLITE_ROW)
            return 0;
        if (step != SQLITE_DONE)
            return store_fail(r->s, step, "read rate cards", err);
        return rejection_set(
            rj, "NO_RATE", "no rate card for detachment %s, shift %s, position %s in force on %s",
            det, shift, pos, date);
    }
    char key[200];
    rate_key(key, sizeof key, det, shift, pos);
    int lo = 0, hi = r->n;
    while (lo < hi) { /* first row with key >= ours */
        int mid = (lo + hi) / 2;
        if (strcmp(r->v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const rate_row *best = NULL;
    for (int i = lo; i < r->n && !strcmp(r->v[i].key, key); i++)
        if (strcmp(r->v[i].from, date) <= 0 && (!r->v[i].to[0] || strcmp(date, r->v[i].to) <= 0))
            best = &r->v[i];
    if (!best)
        return rejection_set(
            rj, "NO_RATE", "no rate card for detachment %s, shift %s, position %s in force on %s",
            det, shift, pos, date);
    *rate = best->rate;
    return 0;
}

/* --- lines -------------------------------------------------------------- */

static line *line_add(lines *L, int rank, const char *code, const char *label, money_t rate,
                      int mult, int hpd, int basic, const char *date, long long minutes)
{
    line *l = NULL;
    for (int i = 0; i < L->n; i++)
        if (L->v[i].rate == rate && L->v[i].mult == mult && L->v[i].hpd == hpd &&
            !strcmp(L->v[i].code, code)) {
            l = &L->v[i];
            break;
        }
    if (!l) {
        if (L->n == L->cap) {
            L->cap = L->cap ? L->cap * 2 : 16;
            L->v = xrealloc(L->v, (size_t)L->cap * sizeof *L->v);
        }
        l = &L->v[L->n++];
        memset(l, 0, sizeof *l);
        l->rank = rank;
        snprintf(l->code, sizeof l->code, "%s", code);
        snprintf(l->label, sizeof l->label, "%s", label);
        l->rate = rate;
        l->mult = mult;
        l->hpd = hpd;
        l->basic = basic;
        snprintf(l->from, sizeof l->from, "%s", date);
        snprintf(l->to, sizeof l->to, "%s", date);
    }
    l->minutes += minutes;
    if (strcmp(date, l->from) < 0)
        snprintf(l->from, sizeof l->from, "%s", date);
    if (strcmp(date, l->to) > 0)
        snprintf(l->to, sizeof l->to, "%s", date);
    return l;
}

static int line_cmp(const void *a, const void *b)
{
    const line *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    int c = strcmp(x->from, y->from);
    if (c)
        return c;
    if (x->rate != y->rate)
        return x->rate < y->rate ? -1 : 1;
    if (x->mult != y->mult)
        return x->mult - y->mult;
    return strcmp(x->code, y->code);
}

static money_t line_amount(const line *l)
{
    return money_scale(l->rate, l->minutes * l->mult, (int64_t)l->hpd * 60 * 10000);
}

/* Paid leave lines come after every day type's lines. */
enum { LEAVE_RANK = DT_COUNT * 8 };

static const char *const bucket_code[B_COUNT + 1] = {"", "_OT", "_ND", "_ND_OT", "_UNWORKED"};
static const char *const ordinary_code[B_COUNT] = {"BASIC", "OT", "ND", "ND_OT"};
static const char *const ordinary_label[B_COUNT] = {"Basic pay", "Overtime", "Night differential",
                                                    "Night differential on overtime"};
static const char *const bucket_label[B_COUNT + 1] = {
    "", ", overtime", ", night differential", ", night differential on overtime", ", not worked"};

static void line_name(const pay_premium *p, int b, char *code, size_t cn, char *label, size_t ln)
{
    if (!p->code[0] && b < B_COUNT) {
        snprintf(code, cn, "%s", ordinary_code[b]);
        snprintf(label, ln, "%s", ordinary_label[b]);
    } else {
        snprintf(code, cn, "%s%s", p->code[0] ? p->code : "ORDINARY", bucket_code[b]);
        snprintf(label, ln, "%s%s", p->label, bucket_label[b]);
    }
}

/* --- one guard's period ---------------------------------------------------- */

void gx_snaps_clear(gx *g)
{
    g->nsnap = 0;
    g->leave = 0;
    g->rows.nday = g->rows.nuh = g->rows.nlv = 0;
}

/* Room for one more item in *v (n used of *cap, each size bytes), zeroed. */
static void *grow(void *v, int *n, int *cap, size_t size, int first)
{
    void **vv = v;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : first;
        *vv = xrealloc(*vv, (size_t)*cap * size);
    }
    char *at = (char *)*vv + (size_t)(*n)++ * size;
    memset(at, 0, size);
    return at;
}

/*
 * A snapshot's packed lines (store/snaplines.h) into g->rows, in the order
 * of their keys: day lines by day and day type, unworked holidays by
 * index. Returns whether the snapshot has a paid leave day.
 */
typedef struct packed {
    long long key; /* the day's (or holiday's) index in its array */
    const char *f[10];
    int nf;
} packed;

static int packed_cmp(const void *a, const void *b)
{
    const packed *x = a, *y = b;
    if (x->f[0][0] != y->f[0][0])
        return x->f[0][0] < y->f[0][0] ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->f[0][0] == 'D' && x->nf > 5 && y->nf > 5 ? strcmp(x->f[5], y->f[5]) : 0;
}

static long long field_ll(const packed *p, int i)
{
    return i < p->nf ? strtoll(p->f[i], NULL, 10) : 0;
}

static void field_cpy(char *dst, size_t n, const packed *p, int i)
{
    snprintf(dst, n, "%s", i < p->nf ? p->f[i] : "");
}

static int unpack_lines(gx *g, char *text, int snap)
{
    packed *v = NULL;
    int n = 0, cap = 0, leave = 0;
    for (char *line = text, *nl; *line; line = nl + 1) {
        if (!(nl = strchr(line, '\n')))
            break;
        *nl = 0;
        packed *p = grow(&v, &n, &cap, sizeof *v, 32);
        for (char *f = line;; f++) {
            if (p->nf < 10)
                p->f[p->nf++] = f;
            if (!(f = strchr(f, '\t')))
                break;
            *f = 0;
        }
        p->key = field_ll(p, 1);
    }
    if (n)
        qsort(v, (size_t)n, sizeof *v, packed_cmp);
    for (int i = 0; i < n; i++) {
        const packed *p = &v[i];
        if (p->f[0][0] == 'D') {
            snap_day *d = grow(&g->rows.day, &g->rows.nday, &g->rows.capday, sizeof *d, 64);
            d->snap = snap;
            field_cpy(d->date, sizeof d->date, p, 2);
            field_cpy(d->own, sizeof d->own, p, 3);
            d->worked = field_ll(p, 4);
            field_cpy(d->type, sizeof d->type, p, 5);
            for (int k = 0; k < B_COUNT; k++)
                d->m[k] = field_ll(p, 6 + k);
        } else if (p->f[0][0] == 'U') {
            snap_uh *u = grow(&g->rows.uh, &g->rows.nuh, &g->rows.capuh, sizeof *u, 8);
            u->snap = snap;
            field_cpy(u->date, sizeof u->date, p, 2);
            field_cpy(u->type, sizeof u->type, p, 3);
            u->present = field_ll(p, 4) == 1;
            u->leave_paid = field_ll(p, 5) == 1;
        } else if (p->f[0][0] == 'L') {
            leave = 1;
        }
    }
    free(v);
    return leave;
}

/* The packed lines of the inbox row at st (columns 6, and 7 the record
 * when 6 is NULL) into lines: 0 or an EXIT_* code. */
static int snap_lines(gx *g, sqlite3_stmt *st, strbuf *lines, armms_err *err)
{
    if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
        sb_adds(lines, pay_col(st, 6));
        return 0;
    }
    sqlite3_stmt *sl; /* landed before the column: from its record */
    int rc = pay_stmt(g->s, PS_SNAPLINES, snaplines_sql, &sl, err);
    if (rc)
        return rc;
    rc = snaplines_pack(sl, pay_col(st, 7), (size_t)sqlite3_column_bytes(st, 7), lines);
    return rc ? store_fail(g->s, rc, "read a snapshot's day lines", err) : 0;
}

/* The guard's snapshots, with their day lines and unworked holidays, from
 * the columns the inbox took out of each when it landed; a row without
 * them is read from its record by the same SQL. g->leave: whether any has
 * a paid leave day (read from the records, by gx_price). */
int gx_snaps_load(gx *g, const char *guard, const char *period, armms_err *err)
{
    sqlite3_stmt *st;
    gx_snaps_clear(g);
    int rc = pay_stmt(g->s, PS_GUARD_SNAPS,
                      "SELECT i.timesheet_id, i.version, i.checksum,"
                      " ifnull(i.detachment_id, i.record ->> 'detachment_id'),"
                      " ifnull(i.shift_id, i.record ->> 'shift_id'),"
                      " ifnull(i.position_id, i.record ->> 'position_id'),"
                      " i.lines, CASE WHEN i.lines IS NULL THEN i.record END"
                      " FROM inbox i WHERE" LATEST " ORDER BY i.timesheet_id",
                      &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (g->nsnap == g->capsnap) {
            g->capsnap = g->capsnap ? g->capsnap * 2 : 8;
            g->snaps = xrealloc(g->snaps, (size_t)g->capsnap * sizeof *g->snaps);
        }
        snap *x = &g->snaps[g->nsnap++];
        snprintf(x->id, sizeof x->id, "%s", pay_col(st, 0));
        x->version = sqlite3_column_int(st, 1);
        snprintf(x->checksum, sizeof x->checksum, "%s", pay_col(st, 2));
        snprintf(x->det, sizeof x->det, "%s", pay_col(st, 3));
        snprintf(x->shift, sizeof x->shift, "%s", pay_col(st, 4));
        snprintf(x->pos, sizeof x->pos, "%s", pay_col(st, 5));
        strbuf lines = {0};
        int bad = snap_lines(g, st, &lines, err);
        if (!bad && lines.s)
            g->leave |= unpack_lines(g, lines.s, g->nsnap - 1);
        sb_free(&lines);
        if (bad) {
            sqlite3_reset(st);
            return bad;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(g->s, rc, "read the inbox", err);
}

/* The snapshot of x with the guard's rows' index, by id (rows come in id order). */
static int snap_of(const gx *g, const char *id, int from)
{
    for (int i = from; i < g->nsnap; i++)
        if (!strcmp(g->snaps[i].id, id))
            return i;
    for (int i = 0; i < from && i < g->nsnap; i++)
        if (!strcmp(g->snaps[i].id, id))
            return i;
    return -1;
}

const char *gx_sfield(jv o, const char *key)
{
    const char *v = json_str_peek(o, key, &(int){0});
    return v ? v : "";
}

static int hours_per_day(gx *g, const char *date, int *hpd, rejection *rj)
{
    const char *v;
    if (pay_policy_on(g->rules, "hours_per_day", date, &v, rj))
        return REJECTED;
    *hpd = atoi(v);
    if (*hpd < 1 || *hpd > 24)
        return rejection_set(rj, "NO_RULE", "policy hours_per_day '%s' on %s is not 1 to 24", v,
                             date);
    return 0;
}

/* Price the minutes m of day type t on date for snapshot x into L. */
static int price_bucket(gx *g, const snap *x, const char *date, int t, const long long m[B_COUNT],
                        lines *L, rejection *rj)
{
    pay_premium p;
    money_t rate;
    int hpd, rc;
    if ((rc = rate_on(&g->rates, x->det, x->shift, x->pos, date, &rate, rj, g->err)) ||
        (rc = pay_premium_on(g->rules, day_type_names[t], date, &p, rj)) ||
        (rc = hours_per_day(g, date, &hpd, rj)))
        return rc;
    int mult[B_COUNT] = {p.regular_bp, p.ot_bp,
                         (int)(((long long)p.regular_bp * p.nd_bp + 5000) / 10000),
                         (int)(((long long)p.ot_bp * p.nd_bp + 5000) / 10000)};
    for (int k = 0; k < B_COUNT; k++) {
        if (!m[k])
            continue;
        char code[24], label[96];
        line_name(&p, k, code, sizeof code, label, sizeof label);
        line_add(L, t * 8 + k, code, label, rate, mult[k], hpd, k == B_REG, date, m[k]);
    }
    return 0;
}

/* The paid leave days of the guard's snapshots, for the few that have
 * one: code and name from the record through SQLite's JSON functions. */

/* A paid leave day: date, code, name. */
static void take_leave(snap_rows *r, sqlite3_stmt *st, int snap)
{
    snap_leave *l = grow(&r->lv, &r->nlv, &r->caplv, sizeof *l, 8);
    l->snap = snap;
    snprintf(l->date, sizeof l->date, "%s", pay_col(st, 1));
    snprintf(l->code, sizeof l->code, "%s", pay_col(st, 2));
    snprintf(l->name, sizeof l->name, "%s", pay_col(st, 3));
}

/* Run query ps (sql, ?1 guard, ?2 period; its first column a timesheet id)
 * and give take each row of a snapshot loaded. */
static int each_row(gx *g, int ps, const char *sql, const char *guard, const char *period,
                    void (*take)(snap_rows *, sqlite3_stmt *, int), armms_err *err)
{
    sqlite3_stmt *st;
    int rc = pay_stmt(g->s, ps, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, period, -1, SQLITE_STATIC);
    int step, at = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if ((at = snap_of(g, pay_col(st, 0), at)) >= 0)
            take(&g->rows, st, at);
    sqlite3_reset(st);
    return step == SQLITE_DONE ? 0 : store_fail(g->s, step, "read the inbox", err);
}

static int leave_sql(gx *g, const char *guard, const char *period, armms_err *err)
{
    g->rows.nlv = 0;
    return each_row(g, PS_GUARD_LEAVE,
                    "SELECT i.timesheet_id, d.value ->> 'date', d.value -> 'leave' ->> 'code',"
                    " d.value -> 'leave' ->> 'name'"
                    " FROM inbox i JOIN json_each(i.record, '$.days') d"
                    " WHERE" LATEST " AND instr(i.record, '\"leave\":') > 0"
                    " AND d.value -> 'leave' ->> 'paid' = 1"
                    " ORDER BY i.timesheet_id, d.key",
                    guard, period, take_leave, err);
}

/* Every day line x day type of the guard's snapshots, priced into L; the
 * dates worked into worked (a shift's minutes of another day type than its
 * line's own are its part past midnight: the next date was worked too). */
static int price_days(gx *g, idmap *worked, lines *L, int *bad, rejection *rj)
{
    int rc = 0;
    for (int i = 0; !rc && i < g->rows.nday; i++) {
        const snap_day *d = &g->rows.day[i];
        *bad = d->snap;
        if (d->worked > 0)
            idmap_put(worked, d->date, 1);
        long long m[B_COUNT];
        int any = 0;
        for (int k = 0; k < B_COUNT; k++) {
            m[k] = d->m[k] > 0 ? d->m[k] : 0;
            any |= m[k] > 0;
        }
        int t = day_type_find(d->type, strlen(d->type));
        if (!any || t < 0)
            continue;
        day_t dd;
        if (strcmp(d->type, d->own) && !date_parse(d->date, &dd)) {
            char next[11];
            date_format(dd + 1, next);
            idmap_put(worked, next, 1);
        }
        rc = price_bucket(g, &g->snaps[d->snap], d->date, t, m, L, rj);
    }
    return rc;
}

/* The unworked holidays of the guard's snapshots into L, once per date. */
static int price_unworked(gx *g, const idmap *worked, lines *L, int *bad, rejection *rj)
{
    idmap paid;
    idmap_init(&paid);
    int rc = 0;
    for (int i = 0; !rc && i < g->rows.nuh; i++) {
        const snap_uh *u = &g->rows.uh[i];
        int t = day_type_find(u->type, strlen(u->type));
        if (t < 0 || !u->date[0] || idmap_get(worked, u->date) >= 0 ||
            idmap_get(&paid, u->date) >= 0)
            continue;
        *bad = u->snap;
        const char *policy;
        pay_premium p;
        if ((rc = pay_policy_on(g->rules, "unworked_holiday", u->date, &policy, rj)) ||
            (rc = pay_premium_on(g->rules, day_type_names[t], u->date, &p, rj)))
            break;
        /* present on the last scheduled workday: worked it, or on paid
         * leave (the rules of Labor Code art. 94: a guard on leave with
         * pay the day before is paid the holiday) */
        int eligible = !strcmp(policy, "always") ||
                       (!strcmp(policy, "last_workday") && (u->present || u->leave_paid));
        if (!eligible || p.unworked_bp <= 0)
            continue;
        money_t rate;
        int hpd;
        const snap *x = &g->snaps[u->snap];
        if ((rc = rate_on(&g->rates, x->det, x->shift, x->pos, u->date, &rate, rj, g->err)) ||
            (rc = hours_per_day(g, u->date, &hpd, rj)))
            break;
        char code[24], label[96];
        line_name(&p, U_BUCKET, code, sizeof code, label, sizeof label);
        line_add(L, t * 8 + U_BUCKET, code, label, rate, p.unworked_bp, hpd, 1, u->date,
                 (long long)hpd * 60);
        idmap_put(&paid, u->date, 1);
    }
    idmap_free(&paid);
    return rc;
}

/* Whether date is one of the snapshots' unworked regular holidays: its pay
 * is the holiday's (price_unworked), never a leave day's as well. */
static int on_unworked_holiday(const gx *g, const char *date)
{
    for (int i = 0; i < g->rows.nuh; i++)
        if (!strcmp(g->rows.uh[i].date, date))
            return 1;
    return 0;
}

/* The paid leave days of the guard's snapshots into L, once per date and
 * never on a date worked: a line LEAVE_<code> per code and rate card, a
 * day's pay (hours_per_day at 100%) a day. Leave pay is pay for the basic
 * day the guard did not work, so the line is basic (13th month, SIL cash).
 * A leave day on an unworked regular holiday is paid as the holiday. */
static int price_leave(gx *g, const idmap *worked, lines *L, int *bad, rejection *rj)
{
    idmap paid;
    idmap_init(&paid);
    int rc = 0;
    for (int i = 0; !rc && i < g->rows.nlv; i++) {
        const snap_leave *l = &g->rows.lv[i];
        if (!l->date[0] || !l->code[0] || idmap_get(worked, l->date) >= 0 ||
            idmap_get(&paid, l->date) >= 0 || on_unworked_holiday(g, l->date))
            continue;
        *bad = l->snap;
        money_t rate;
        int hpd;
        const snap *x = &g->snaps[l->snap];
        if ((rc = rate_on(&g->rates, x->det, x->shift, x->pos, l->date, &rate, rj, g->err)) ||
            (rc = hours_per_day(g, l->date, &hpd, rj)))
            break;
        char code[24], label[96];
        snprintf(code, sizeof code, "LEAVE_%s", l->code);
        snprintf(label, sizeof label, "Paid leave: %s", l->name[0] ? l->name : l->code);
        line_add(L, LEAVE_RANK, code, label, rate, 10000, hpd, 1, l->date, (long long)hpd * 60);
        idmap_put(&paid, l->date, 1);
    }
    idmap_free(&paid);
    return rc;
}

/* Price the guard's snapshots (loaded by snaps_load): 0 with L filled
 * (amounts set, sorted), REJECTED with *bad the snapshot at fault, or an
 * EXIT_* code. */
int gx_price(gx *g, const char *guard, const char *period, lines *L, int *bad, rejection *rj,
             armms_err *err)
{
    if (!g->nsnap)
        return 0;
    int rc = g->leave ? leave_sql(g, guard, period, err) : 0;
    if (rc)
        return rc;
    idmap worked;
    idmap_init(&worked);
    rc = price_days(g, &worked, L, bad, rj);
    if (!rc)
        rc = price_unworked(g, &worked, L, bad, rj);
    if (!rc)
        rc = price_leave(g, &worked, L, bad, rj);
    idmap_free(&worked);
    if (rc)
        return rc;
    for (int i = 0; i < L->n; i++)
        L->v[i].amount = line_amount(&L->v[i]);
    if (L->n)
        qsort(L->v, (size_t)L->n, sizeof *L->v, line_cmp);
    return 0;
}
