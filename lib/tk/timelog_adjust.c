/*
 * timelog_adjust.c - see timelog.h: a timekeeper's corrections (add, void,
 * move) and the held punches HR data lets go. The pairing they feed is in
 * timelog.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ndjson.h"
#include "core/ulid.h"
#include "iam/change.h"
#include "tk/ingest.h"
#include "tk/timelog.h"
#include "tk/timelog_int.h"

/* ---- adjustments ---- */

static int get_log(tk_run *r, const char *id, tl_row *w, char *guard, armms_err *err)
{
    tl_eng *e = r->eng;
    sqlite3_bind_text(e->q_log, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(e->q_log);
    if (rc == SQLITE_ROW) {
        tl_read_row(e->q_log, w);
        str_copy(guard, 65, tk_col(e->q_log, 14));
    }
    sqlite3_reset(e->q_log);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(&r->s, rc, "reading a time log", err);
    return rc == SQLITE_ROW;
}

/* The detachment of the guard's assignment of shift s on date d. */
static const char *assigned_det(const ro_guard *g, int s, day_t d)
{
    for (int i = 0; i < g->na; i++)
        if (g->a[i].shift == s && ro_assignment_on(&g->a[i], d))
            return g->a[i].detachment_id;
    return NULL;
}

/* An adjustment's punch, resolved against the store and the roster. */
typedef struct adj_punch {
    int add;
    const ro_guard *g;
    tl_row before; /* void, move: the time log as it was */
    char guard[65], ts[32], type[4], det[65], shift_date[11];
    const char *shift; /* placed on a shift instance: its shift id */
    instant_t t;
    day_t local; /* the punch's local date */
} adj_punch;

/* The punch an adjustment is about: the one it adds, or the time log it
 * voids or moves. */
static int adjust_punch(tk_run *r, const tl_adjust *a, adj_punch *p, armms_err *err)
{
    if (p->add) {
        int off;
        if (!a->guard || !a->ts || !a->type)
            return err_set(err, EXIT_USAGE, "add needs --guard, --ts and --type");
        if (iso_parse(a->ts, &p->t, &off))
            return err_set(err, EXIT_USAGE, "--ts '%s' is not an ISO-8601 time with an offset",
                           a->ts);
        if (strcasecmp(a->type, "IN") && strcasecmp(a->type, "OUT"))
            return err_set(err, EXIT_USAGE, "--type must be IN or OUT");
        str_copy(p->guard, sizeof p->guard, a->guard);
        snprintf(p->type, sizeof p->type, "%s",
                 toupper((unsigned char)a->type[0]) == 'I' ? "IN" : "OUT");
        iso_format_utc(p->t, p->ts);
    } else {
        if (!a->target)
            return err_set(err, EXIT_USAGE, "%s needs a time_log_id", a->action);
        int found = get_log(r, a->target, &p->before, p->guard, err);
        if (found < 0 || err->code)
            return err->code;
        if (!found)
            return err_set(err, EXIT_DATAERR,
                           "time log %s does not exist (time logs are made by "
                           "armms-timelog)",
                           a->target);
        str_copy(p->ts, sizeof p->ts, p->before.ts);
        iso_parse(p->ts, &p->t, NULL);
    }
    p->g = roster_guard(r->ro, p->guard, err);
    if (err->code)
        return err->code;
    if (!p->g)
        return err_set(err, EXIT_DATAERR, "guard %s does not exist", p->guard);
    p->local = tz_date_of(&r->t->tz, p->t);
    return 0;
}

/* Where a move, or an add given --shift and --date or --detachment, puts
 * the punch: a shift instance within a day of it, at a known detachment. */
static int adjust_place(tk_run *r, const tl_adjust *a, adj_punch *p, armms_err *err)
{
    int move = strcmp(a->action, "move") == 0;
    if (move || (p->add && (a->shift || a->date))) {
        day_t d = 0;
        if (!a->shift || !a->date)
            return err_set(err, EXIT_USAGE, "placing a punch needs both --shift and --date");
        int si = roster_shift_index(r->ro, a->shift);
        if (si < 0)
            return err_set(err, EXIT_DATAERR, "shift %s does not exist", a->shift);
        if (date_parse(a->date, &d))
            return err_set(err, EXIT_USAGE, "--date '%s' is not YYYY-MM-DD", a->date);
        if (d < p->local - 1 || d > p->local + 1)
            return err_set(err, EXIT_DATAERR,
                           "the punch at %s cannot belong to a shift instance of %s (more than "
                           "a day away)",
                           p->ts, a->date);
        const char *ad = a->detachment ? a->detachment : assigned_det(p->g, si, d);
        if (!ad)
            return err_set(err, EXIT_DATAERR,
                           "guard %s has no %s assignment on %s: name the --detachment", p->guard,
                           a->shift, a->date);
        if (!roster_has_detachment(r->ro, ad))
            return err_set(err, EXIT_DATAERR, "detachment %s does not exist", ad);
        str_copy(p->det, sizeof p->det, ad);
        p->shift = a->shift;
        date_format(d, p->shift_date);
    } else if (p->add && a->detachment) {
        if (!roster_has_detachment(r->ro, a->detachment))
            return err_set(err, EXIT_DATAERR, "detachment %s does not exist", a->detachment);
        str_copy(p->det, sizeof p->det, a->detachment);
    }
    return 0;
}

/* Store the adjustment row id inside the open transaction, noting what a
 * routed adjustment depends on: it is stale once the punch it changes has
 * changed. */
static int adjust_store(tk_run *r, const tl_adjust *a, const adj_punch *p, const char *id,
                        armms_err *err)
{
    tl_eng *e = r->eng;
    char now[32];
    now_iso(now);
    strbuf k;
    sb_init(&k);
    if (p->add) {
        sb_addf(&k, "%s %s %s %s %s %s", p->guard, p->ts, p->type, p->det,
                p->shift ? p->shift : "", p->shift_date);
        store_note(&r->s, "add", k.s, k.len);
    } else {
        tl_row_json(r, &k, p->guard, &p->before, NULL);
        store_note(&r->s, a->target, k.s, k.len);
    }
    sb_free(&k);
    sqlite3_stmt *q = e->ins_adj;
    const char *v[] = {id,        a->action,   p->add ? NULL : a->target,
                       p->guard,  p->ts,       p->add ? p->type : NULL,
                       p->det,    p->shift,    p->shift_date,
                       a->reason, r->t->actor, now};
    for (int i = 0; i < 12; i++)
        tk_bind_text(q, i + 1, v[i]);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : store_fail(&r->s, rc, "recording the adjustment", err);
}

/* Journal TimeLogAdjusted with the time log before and after. */
static int adjust_journal(tk_run *r, const tl_adjust *a, const adj_punch *p, const char *id,
                          const tl_row *after, armms_err *err)
{
    const char *log_id = p->add ? id : a->target;
    strbuf pl;
    sb_init(&pl);
    sb_adds(&pl, "{\"adjustment_id\":");
    sb_add_json_str(&pl, id, strlen(id));
    sb_add_json_kv(&pl, "action", a->action);
    sb_add_json_kv(&pl, "time_log_id", log_id);
    sb_add_json_kv(&pl, "guard_id", p->guard);
    sb_add_json_kv(&pl, "reason", a->reason);
    if (!p->add) {
        sb_adds(&pl, ",\"before\":");
        tl_row_json(r, &pl, p->guard, &p->before, NULL);
        pl.len--;
    }
    sb_adds(&pl, ",\"after\":");
    tl_row_json(r, &pl, p->guard, after, NULL);
    pl.len--;
    sb_addc(&pl, '}');
    int rc = store_emit(&r->s, "TimeLogAdjusted", "time_log", log_id, pl.s, pl.len, err);
    sb_free(&pl);
    return rc;
}

/* Undo the open transaction of a failed adjustment and the records its
 * recomputation made. */
static int adjust_abort(tk_run *r, armms_err *err)
{
    if (r->s.in_tx)
        store_rollback(&r->s);
    sb_reset(&r->outbuf);
    return err->code;
}

/* A punch at det (or, of no detachment yet, of a guard on the actor's
 * detachments about its date) is one the actor's roles reach (rbac.h). */
static int adjust_at(tk_run *r, const adj_punch *p, const char *det, armms_err *err)
{
    if (!*det && tk_reaches(r, p->g, p->local - 1, p->local + 1))
        return 0;
    /* of no detachment yet: the refusal names where the guard is then */
    for (int i = 0; !*det && i < p->g->na; i++)
        if (p->g->a[i].from <= p->local + 1 && p->g->a[i].to >= p->local - 1)
            det = p->g->a[i].detachment_id;
    return rbac_limit(r->who, "timelog.adjust", det, err);
}

int timelog_adjust(tk_run *r, const tl_adjust *a, armms_err *err)
{
    if (!a->reason || !*a->reason)
        return err_set(err, EXIT_USAGE, "an adjustment needs --reason");
    adj_punch p = {.add = strcmp(a->action, "add") == 0};
    if (adjust_punch(r, a, &p, err) || adjust_place(r, a, &p, err))
        return err->code;
    /* the punch as it was and where it goes: both the actor's */
    if ((!p.add && adjust_at(r, &p, p.before.det, err)) || adjust_at(r, &p, p.det, err))
        return err->code;
    char id[27];
    ulid_new(id);
    if (store_begin(&r->s, err))
        return err->code;
    if (adjust_store(r, a, &p, id, err)) {
        store_rollback(&r->s);
        return err->code;
    }
    tk_touch_add(r, p.guard, p.local - 1, p.local + 1);
    r->stale_reason = "adjustment";
    int frc = tk_run_flush(r, err);
    r->stale_reason = NULL;
    if (frc)
        return adjust_abort(r, err);
    tl_row after;
    char g2[65];
    if (get_log(r, p.add ? id : a->target, &after, g2, err) != 1) {
        if (!err->code)
            err_set(err, EXIT_SOFTWARE, "adjustment %s left no time log", id);
        return adjust_abort(r, err);
    }
    /* an added punch the recompute placed at another detachment */
    if (adjust_at(r, &p, after.det, err))
        return adjust_abort(r, err);
    if (adjust_journal(r, a, &p, id, &after, err) || store_commit(&r->s, err))
        return adjust_abort(r, err);
    return tk_run_write(r, err);
}

tl_adjust tl_adjust_of_peek(jv effect)
{
    tl_adjust a = {0};
    const char **f[] = {&a.action, &a.target, &a.guard,      &a.ts,    &a.type,
                        &a.shift,  &a.date,   &a.detachment, &a.reason};
    static const char *const names[] = {"action", "target", "guard",      "ts",    "type",
                                        "shift",  "date",   "detachment", "reason"};
    for (int i = 0; i < 9; i++)
        *f[i] = json_str_peek(effect, names[i], NULL);
    return a;
}

jv tl_adjust_effect(const tl_adjust *a)
{
    const char *v[] = {a->action, a->target, a->guard,      a->ts,    a->type,
                       a->shift,  a->date,   a->detachment, a->reason};
    static const char *const names[] = {"action", "target", "guard",      "ts",    "type",
                                        "shift",  "date",   "detachment", "reason"};
    jv e = jv_object();
    for (int i = 0; i < 9; i++)
        if (v[i])
            e = jv_object_set(e, jv_string(names[i]), jv_string(v[i]));
    return e;
}

int timelog_adjust_change(tk_run *r, struct change *ch, const tl_adjust *a, FILE *out, int *made,
                          armms_err *err)
{
    *made = 0;
    if (change_begin(ch, &r->s, err) || timelog_adjust(r, a, err))
        return err->code;
    if (!ch->requesting)
        return 0;
    char summary[400];
    snprintf(summary, sizeof summary, "%s %s: %s", a->action, a->target ? a->target : a->guard,
             a->reason);
    return change_submit(ch, tl_adjust_effect(a), summary, out, made, err);
}

static int adjust_fn(tk_run *r, void *ctx, armms_err *err)
{
    return timelog_adjust(r, ctx, err);
}

int timelog_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    tl_adjust a = tl_adjust_of_peek(effect); /* its strings live in effect */
    int rc = a.action
                 ? tk_run_apply(ch, &timelog_stage, out, rej, adjust_fn, &a, err)
                 : err_set(err, EXIT_SOFTWARE, "change request %s: no adjustment", ch->request_id);
    jv_free(effect);
    return rc;
}

int timelog_release_held(tk_run *r, armms_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return err_set(err, EXIT_SOFTWARE, "out of memory");
    ingest_opts o = {.max_future_s = 24 * 3600, .batch = 10000};
    ingest_t *in = NULL;
    int rc =
        ingest_open(&in, r->t, &o, mem, r->rej, err) || ingest_release(in, err) ? err->code : 0;
    ingest_counts n = {0};
    if (in)
        n = *ingest_counts_of(in);
    int crc = ingest_close(in, err);
    rc = rc ? rc : crc;
    fclose(mem);
    /* The recorded ones are committed now: touch them as stream input. */
    r->n.released += n.released;
    r->n.rejected += n.rejected;
    for (char *p = buf, *end = buf + len; !rc && p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        jv rec = jv_parse_sized(p, (int)l);
        tk_rec view = tk_rec_of(rec);
        rejection rj;
        if (jv_get_kind(rec) == JV_KIND_OBJECT &&
            r->stage->touch_peek(r, &view, &rj, err) == REJECTED)
            tk_run_reject(r, &rj, "held", 0, p, l);
        rc = err->code;
        jv_free(rec);
        p += l + 1;
    }
    free(buf);
    return rc;
}
