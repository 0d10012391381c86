/*
 * roster.c - see roster.h. Holidays sit in an array sorted by date; a day
 * type looks up at most a few rows by binary search.
 */
#include "tk/roster.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

typedef struct holiday {
    day_t date;
    char region[65];
    int regular, special; /* kind regular / special non-working */
} holiday;

struct roster {
    sqlite3 *db;
    tz_t tz;
    tk_policy pol;
    ro_shift *shifts;
    int nshifts;
    idmap det; /* detachment id -> index into det_region */
    char (*det_region)[65];
    int ndet;
    holiday *hol;
    int nhol;
    idmap gidx; /* guard id -> index into guards */
    ro_guard **guards;
    int nguards, capguards;
    idmap known; /* guards roster_known found, not loaded (until roster_forget) */
    sqlite3_stmt *q_guard, *q_assign, *q_cover;
};

static int sfail(sqlite3 *db, armms_err *err, const char *what)
{
    return err_set(err, EXIT_SOFTWARE, "%s: %s", what, sqlite3_errmsg(db));
}

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int load_policy(roster *r, const tenant_t *t, armms_err *err)
{
    static const struct {
        const char *key;
        long def, min, max;
    } keys[] = {
        {"grace_min", 5, 0, 120},   {"credit_early", 0, 0, 1}, {"credit_after_end", 0, 0, 1},
        {"in_before", 120, 0, 720}, {"in_after", 240, 0, 720}, {"out_before", 360, 0, 720},
        {"out_after", 240, 0, 720},
    };
    long v[7];
    for (int i = 0; i < 7; i++)
        if (tenant_conf_long(t, keys[i].key, keys[i].def, keys[i].min, keys[i].max, &v[i], err))
            return err->code;
    dtr_policy_default(&r->pol.dtr);
    r->pol.dtr.grace_min = (int)v[0];
    r->pol.dtr.credit_early = (int)v[1];
    r->pol.dtr.credit_after_end = (int)v[2];
    r->pol.win.in_before = (int)v[3];
    r->pol.win.in_after = (int)v[4];
    r->pol.win.out_before = (int)v[5];
    r->pol.win.out_after = (int)v[6];
    return 0;
}

static const char sql_shifts[] =
    "SELECT shift_id, start, end, break_min FROM hr.shift ORDER BY shift_id";
static const char sql_dets[] =
    "SELECT detachment_id, coalesce(region, '') FROM hr.detachment ORDER BY detachment_id";
static const char sql_hols[] =
    "SELECT date, region, kind FROM pay.holiday WHERE kind <> 'special_working' ORDER BY date";

static int load_fixed(roster *r, armms_err *err)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(r->db, sql_shifts, -1, &st, NULL))
        return sfail(r->db, err, "reading shifts");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r->shifts = xrealloc(r->shifts, sizeof *r->shifts * (size_t)(r->nshifts + 1));
        ro_shift *s = &r->shifts[r->nshifts++];
        str_copy(s->id, sizeof s->id, col(st, 0));
        if (hhmm_parse(col(st, 1), &s->def.start_min, 0) ||
            hhmm_parse(col(st, 2), &s->def.end_min, 1)) {
            sqlite3_finalize(st);
            return err_set(err, EXIT_DATAERR, "shift %s has a bad start or end", s->id);
        }
        s->def.end_min %= 1440;
        s->break_min = sqlite3_column_int(st, 3);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sfail(r->db, err, "reading shifts");

    if (sqlite3_prepare_v2(r->db, sql_dets, -1, &st, NULL))
        return sfail(r->db, err, "reading detachments");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r->det_region = xrealloc(r->det_region, sizeof *r->det_region * (size_t)(r->ndet + 1));
        str_copy(r->det_region[r->ndet], 65, col(st, 1));
        idmap_put(&r->det, col(st, 0), r->ndet++);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sfail(r->db, err, "reading detachments");

    if (sqlite3_prepare_v2(r->db, sql_hols, -1, &st, NULL))
        return sfail(r->db, err, "reading holidays");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        holiday h = {0};
        if (date_parse(col(st, 0), &h.date))
            continue;
        str_copy(h.region, sizeof h.region, col(st, 1));
        h.regular = strcmp(col(st, 2), "regular") == 0;
        h.special = !h.regular;
        r->hol = xrealloc(r->hol, sizeof *r->hol * (size_t)(r->nhol + 1));
        r->hol[r->nhol++] = h;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sfail(r->db, err, "reading holidays");
    return 0;
}

static const char sql_guard[] =
    "SELECT position_id, rest_days, status FROM hr.guard WHERE guard_id = ?1";
static const char sql_assign[] =
    "SELECT assignment_id, detachment_id, shift_id, valid_from, valid_to, kind,"
    " coalesce(relieves_guard_id, '') FROM hr.assignment WHERE guard_id = ?1"
    " ORDER BY valid_from, assignment_id";
static const char sql_cover[] =
    "SELECT guard_id, valid_from, valid_to, shift_id, detachment_id FROM hr.assignment"
    " WHERE relieves_guard_id = ?1 AND kind = 'reliever' ORDER BY valid_from, guard_id";

int roster_open(roster **out, sqlite3 *db, const tenant_t *t, armms_err *err)
{
    roster *r = xcalloc(1, sizeof *r);
    r->db = db;
    r->tz = t->tz;
    idmap_init(&r->det);
    idmap_init(&r->gidx);
    idmap_init(&r->known);
    *out = r;
    if (load_policy(r, t, err) || load_fixed(r, err))
        return err->code;
    if (sqlite3_prepare_v2(db, sql_guard, -1, &r->q_guard, NULL) ||
        sqlite3_prepare_v2(db, sql_assign, -1, &r->q_assign, NULL) ||
        sqlite3_prepare_v2(db, sql_cover, -1, &r->q_cover, NULL))
        return sfail(db, err, "preparing roster queries");
    return 0;
}

void roster_forget(roster *r)
{
    for (int i = 0; i < r->nguards; i++) {
        free(r->guards[i]->a);
        free(r->guards[i]->cover);
        free(r->guards[i]);
    }
    r->nguards = 0;
    idmap_free(&r->gidx);
    idmap_init(&r->gidx);
    idmap_free(&r->known);
    idmap_init(&r->known);
}

void roster_close(roster *r)
{
    if (!r)
        return;
    sqlite3_finalize(r->q_guard);
    sqlite3_finalize(r->q_assign);
    sqlite3_finalize(r->q_cover);
    roster_forget(r);
    free(r->guards);
    free(r->shifts);
    free(r->det_region);
    free(r->hol);
    idmap_free(&r->det);
    idmap_free(&r->gidx);
    idmap_free(&r->known);
    free(r);
}

const tk_policy *roster_policy(const roster *r)
{
    return &r->pol;
}
const tz_t *roster_tz(const roster *r)
{
    return &r->tz;
}
int roster_nshifts(const roster *r)
{
    return r->nshifts;
}
const ro_shift *roster_shift(const roster *r, int i)
{
    return &r->shifts[i];
}

int roster_shift_index(const roster *r, const char *id)
{
    for (int i = 0; i < r->nshifts; i++)
        if (strcmp(r->shifts[i].id, id) == 0)
            return i;
    return -1;
}

int roster_has_detachment(const roster *r, const char *id)
{
    return idmap_get(&r->det, id) >= 0;
}

static int date_or(const char *s, day_t dflt, day_t *d)
{
    if (!*s) {
        *d = dflt;
        return 0;
    }
    return date_parse(s, d);
}

static int load_guard(roster *r, ro_guard *g, armms_err *err)
{
    int rc;
    sqlite3_bind_text(r->q_assign, 1, g->id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(r->q_assign)) == SQLITE_ROW) {
        ro_assignment a = {0};
        str_copy(a.id, sizeof a.id, col(r->q_assign, 0));
        str_copy(a.detachment_id, sizeof a.detachment_id, col(r->q_assign, 1));
        a.shift = roster_shift_index(r, col(r->q_assign, 2));
        a.reliever = strcmp(col(r->q_assign, 5), "reliever") == 0;
        str_copy(a.relieves, sizeof a.relieves, col(r->q_assign, 6));
        if (a.shift < 0 || date_or(col(r->q_assign, 3), 0, &a.from) ||
            date_or(col(r->q_assign, 4), RO_OPEN_END, &a.to)) {
            sqlite3_reset(r->q_assign);
            return err_set(err, EXIT_DATAERR, "assignment %s of guard %s is damaged", a.id, g->id);
        }
        g->a = xrealloc(g->a, sizeof *g->a * (size_t)(g->na + 1));
        g->a[g->na++] = a;
    }
    sqlite3_reset(r->q_assign);
    if (rc != SQLITE_DONE)
        return sfail(r->db, err, "reading assignments");
    sqlite3_bind_text(r->q_cover, 1, g->id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(r->q_cover)) == SQLITE_ROW) {
        ro_cover c = {0};
        str_copy(c.by, sizeof c.by, col(r->q_cover, 0));
        c.shift = roster_shift_index(r, col(r->q_cover, 3));
        str_copy(c.detachment_id, sizeof c.detachment_id, col(r->q_cover, 4));
        if (date_or(col(r->q_cover, 1), 0, &c.from) ||
            date_or(col(r->q_cover, 2), RO_OPEN_END, &c.to))
            continue;
        g->cover = xrealloc(g->cover, sizeof *g->cover * (size_t)(g->ncover + 1));
        g->cover[g->ncover++] = c;
    }
    sqlite3_reset(r->q_cover);
    if (rc != SQLITE_DONE)
        return sfail(r->db, err, "reading reliever assignments");
    return 0;
}

int roster_known(roster *r, const char *guard_id, armms_err *err)
{
    if (idmap_get(&r->gidx, guard_id) >= 0 || idmap_get(&r->known, guard_id) >= 0)
        return 1;
    sqlite3_bind_text(r->q_guard, 1, guard_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(r->q_guard);
    sqlite3_reset(r->q_guard);
    if (rc == SQLITE_ROW) {
        idmap_put(&r->known, guard_id, 1);
        return 1;
    }
    if (rc != SQLITE_DONE)
        sfail(r->db, err, "reading guards");
    return 0;
}

const ro_guard *roster_guard(roster *r, const char *guard_id, armms_err *err)
{
    int i = idmap_get(&r->gidx, guard_id);
    if (i >= 0)
        return r->guards[i];
    sqlite3_bind_text(r->q_guard, 1, guard_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(r->q_guard);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(r->q_guard);
        if (rc != SQLITE_DONE)
            sfail(r->db, err, "reading guards");
        return NULL;
    }
    ro_guard *g = xcalloc(1, sizeof *g);
    str_copy(g->id, sizeof g->id, guard_id);
    str_copy(g->position_id, sizeof g->position_id, col(r->q_guard, 0));
    char days[64];
    str_copy(days, sizeof days, col(r->q_guard, 1));
    for (char *save = NULL, *tok = strtok_r(days, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int k = weekday_parse(tok);
        if (k >= 0)
            g->rest_mask |= 1 << k;
    }
    g->active = strcmp(col(r->q_guard, 2), "ACTIVE") == 0;
    sqlite3_reset(r->q_guard);
    if (load_guard(r, g, err)) {
        free(g->a);
        free(g->cover);
        free(g);
        return NULL;
    }
    if (r->nguards == r->capguards) {
        r->capguards = r->capguards ? 2 * r->capguards : 256;
        r->guards = xrealloc(r->guards, sizeof *r->guards * (size_t)r->capguards);
    }
    r->guards[r->nguards] = g;
    idmap_put(&r->gidx, guard_id, r->nguards++);
    return g;
}

int ro_assignment_on(const ro_assignment *a, day_t d)
{
    return d >= a->from && d <= a->to;
}

int ro_rest_day(const ro_guard *g, day_t d)
{
    return (g->rest_mask >> weekday(d)) & 1;
}

int ro_schedules(const ro_guard *g, const ro_assignment *a, day_t d)
{
    return ro_assignment_on(a, d) && (a->reliever || (g->active && !ro_rest_day(g, d)));
}

int ro_scheduled(const ro_guard *g, day_t d)
{
    for (int i = 0; i < g->na; i++)
        if (ro_schedules(g, &g->a[i], d))
            return 1;
    return 0;
}

day_t ro_last_scheduled(const ro_guard *g, day_t d)
{
    day_t best = d;
    for (int i = 0; i < g->na; i++) {
        const ro_assignment *a = &g->a[i];
        if (a->from >= d)
            continue;
        /* a rest mask of all seven days schedules nothing: 7 steps suffice */
        day_t c = a->to < d - 1 ? a->to : d - 1;
        for (int k = 0; k < 7 && c >= a->from; k++, c--)
            if (ro_schedules(g, a, c)) {
                if (best == d || c > best)
                    best = c;
                break;
            }
    }
    return best;
}

day_type roster_day_type(const roster *r, const ro_guard *g, const char *detachment_id, day_t d)
{
    int di = idmap_get(&r->det, detachment_id);
    const char *region = di >= 0 ? r->det_region[di] : "";
    int lo = 0, hi = r->nhol;
    while (lo < hi) { /* first holiday on or after d */
        int mid = (lo + hi) / 2;
        if (r->hol[mid].date < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    int regular = 0, special = 0;
    for (int i = lo; i < r->nhol && r->hol[i].date == d; i++)
        if (!r->hol[i].region[0] || strcmp(r->hol[i].region, region) == 0) {
            regular += r->hol[i].regular;
            special |= r->hol[i].special;
        }
    return day_type_of(regular, special, ro_rest_day(g, d));
}
