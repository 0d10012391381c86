/*
 * masterdata.c - see masterdata.h. The kinds table below is the single
 * description of every master data kind; everything else is generic.
 */
#include "md/masterdata.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "iam/change.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/ndjson.h"
#include "core/ulid.h"

typedef enum {
    FT_ID,
    FT_TEXT,
    FT_DATE,
    FT_TIME,
    FT_MONEY,
    FT_INT,
    FT_BOOL,
    FT_ENUM,
    FT_DAYS,
    FT_LIST, /* ids, each of which must exist in ref ("*" too, for scopes) */
    FT_PERIOD
} ftype;

enum { MD_REQ = 1, MD_KEY = 2, MD_FROM = 4, MD_TO = 8 };

typedef struct md_field {
    const char *name;
    ftype type;
    unsigned flags;
    const char *arg;    /* FT_ENUM: "a|b|c" */
    const char *ref;    /* "module.table.column" the value must exist in */
    const char *column; /* store column when it differs from the name */
    const char *dflt;   /* text value when absent */
    long min, max;      /* FT_INT */
} md_field;

typedef struct md_val {
    int null;
    char *s;   /* normalised text (ids, dates, enums, lists) */
    int64_t i; /* money, ints, bools */
} md_val;

#define MD_MAXF 16

typedef struct md_rec {
    const md_kind *k;
    md_val v[MD_MAXF];
} md_rec;

typedef const char *(*md_check_fn)(md_rec *r, char *msg, size_t n);

struct md_kind {
    const char *name, *module, *table;
    const char *id_column; /* effective-dated kinds: generated version id */
    const char *event, *aggregate_type;
    const md_field *f;
    int nf;
    md_check_fn check;
    const char *(*event_for)(md_rec *r);
    /* An invariant over the whole table, checked after the upsert inside
     * the record's savepoint: a Reject code undoes the record. */
    const char *(*after)(md_import *mi, md_rec *r, char *msg, size_t n);
};

struct md_import {
    const md_kind *k;
    int insert_only;
    strbuf accepted; /* capture: the accepted records, normalised, for the effect */
    long naccepted;
    store_t s;
    sqlite3_stmt *ref[MD_MAXF];
    sqlite3_stmt *sel, *ins, *upd;
    sqlite3_stmt *sched_sel, *sched_del, *sched_ins;
};

/* ---- the kinds -------------------------------------------------------- */

static const md_field position_f[] = {
    {"position_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
};
static const md_field detachment_f[] = {
    {"detachment_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"client", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"region", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"address", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
};
static const md_field shift_f[] = {
    {"shift_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"start", FT_TIME, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"end", FT_TIME, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"break_min", FT_INT, 0, 0, 0, 0, "0", 0, 720},
    {"name", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
};
static const md_field guard_f[] = {
    {"guard_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"employee_no", FT_ID, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"last_name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"first_name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"position_id", FT_ID, MD_REQ, 0, "hr.position.position_id", 0, 0, 0, 0},
    {"rest_days", FT_DAYS, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"bank_code", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"bank_account", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"tin", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"sss_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"philhealth_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"hdmf_no", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"status", FT_ENUM, MD_REQ, "ACTIVE|ON_LEAVE|SUSPENDED|SEPARATED", 0, 0, 0, 0, 0},
};
static const md_field assignment_f[] = {
    {"guard_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.guard.guard_id", 0, 0, 0, 0},
    {"detachment_id", FT_ID, MD_REQ, 0, "hr.detachment.detachment_id", 0, 0, 0, 0},
    {"shift_id", FT_ID, MD_REQ, 0, "hr.shift.shift_id", 0, 0, 0, 0},
    {"valid_from", FT_DATE, MD_REQ | MD_FROM, 0, 0, 0, 0, 0, 0},
    {"valid_to", FT_DATE, MD_TO, 0, 0, 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ | MD_KEY, "regular|reliever", 0, 0, 0, 0, 0},
    {"relieves_guard_id", FT_ID, 0, 0, "hr.guard.guard_id", 0, 0, 0, 0},
};
static const md_field rate_f[] = {
    {"detachment_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.detachment.detachment_id", 0, 0, 0, 0},
    {"shift_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.shift.shift_id", 0, 0, 0, 0},
    {"position_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.position.position_id", 0, 0, 0, 0},
    {"daily_rate", FT_MONEY, MD_REQ, 0, 0, 0, 0, 1, 0},
    {"valid_from", FT_DATE, MD_REQ | MD_FROM, 0, 0, 0, 0, 0, 0},
    {"valid_to", FT_DATE, MD_TO, 0, 0, 0, 0, 0, 0},
};
static const md_field holiday_f[] = {
    {"date", FT_DATE, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ, "regular|special|special_working", 0, 0, 0, 0, 0},
    {"region", FT_ID, MD_KEY, 0, 0, 0, "", 0, 0},
};
static const md_field period_f[] = {
    {"period_id", FT_PERIOD, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"from", FT_DATE, MD_REQ, 0, 0, "from_date", 0, 0, 0},
    {"to", FT_DATE, MD_REQ, 0, 0, "to_date", 0, 0, 0},
    {"pay_date", FT_DATE, 0, 0, 0, 0, 0, 0, 0},
    {"status", FT_ENUM, 0, "OPEN|CLOSED", 0, 0, "OPEN", 0, 0},
};
static const md_field obligation_f[] = {
    {"obligation_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"guard_id", FT_ID, MD_REQ, 0, "hr.guard.guard_id", 0, 0, 0, 0},
    {"kind", FT_ENUM, MD_REQ, "loan|deduction|allowance|reward", 0, 0, 0, 0, 0},
    {"code", FT_ID, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"label", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"principal", FT_MONEY, 0, 0, 0, 0, 0, 1, 0},
    {"installment", FT_MONEY, MD_REQ, 0, 0, 0, 0, 1, 0},
    {"installments", FT_INT, 0, 0, 0, 0, 0, 1, 600},
    {"start_period", FT_PERIOD, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"frequency", FT_ENUM, 0, "each|A|B", 0, 0, "each", 0, 0},
    {"taxable", FT_BOOL, 0, 0, 0, 0, "false", 0, 0},
    {"status", FT_ENUM, 0, "ACTIVE|STOPPED", 0, 0, "ACTIVE", 0, 0},
};
static const md_field user_f[] = {
    {"user_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"roles", FT_LIST, MD_REQ, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"status", FT_ENUM, 0, "ACTIVE|DISABLED", 0, 0, "ACTIVE", 0, 0},
};
static const md_field role_f[] = {
    {"role_id", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"scopes", FT_LIST, MD_REQ, 0, "iam.scope.scope_id", 0, 0, 0, 0},
};
static const md_field route_f[] = {
    {"action", FT_ID, MD_REQ | MD_KEY, 0, "iam.scope.scope_id", 0, 0, 0, 0},
    {"requester_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"verifier_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
    {"approver_role", FT_ID, 0, 0, "iam.role.role_id", 0, 0, 0, 0},
};

static int fidx(const md_kind *k, const char *name)
{
    for (int i = 0; i < k->nf; i++)
        if (strcmp(k->f[i].name, name) == 0)
            return i;
    return -1;
}
#define V(r, name) (&(r)->v[fidx((r)->k, name)])

static const char *check_shift(md_rec *r, char *msg, size_t n)
{
    if (strcmp(V(r, "start")->s, V(r, "end")->s) == 0) {
        snprintf(msg, n, "shift start and end are both %s", V(r, "start")->s);
        return "BAD_RANGE";
    }
    return NULL;
}

static const char *check_assignment(md_rec *r, char *msg, size_t n)
{
    md_val *kind = V(r, "kind"), *rel = V(r, "relieves_guard_id");
    if (strcmp(kind->s, "reliever") == 0 && rel->null) {
        snprintf(msg, n, "a reliever assignment needs relieves_guard_id");
        return "MISSING_FIELD";
    }
    if (strcmp(kind->s, "regular") == 0 && !rel->null) {
        snprintf(msg, n, "relieves_guard_id is only for reliever assignments");
        return "BAD_FIELD";
    }
    if (!rel->null && strcmp(rel->s, V(r, "guard_id")->s) == 0) {
        snprintf(msg, n, "guard %s cannot relieve themself", rel->s);
        return "BAD_FIELD";
    }
    return NULL;
}

static const char *check_period(md_rec *r, char *msg, size_t n)
{
    day_t f, t, rf, rt;
    period_parse(V(r, "period_id")->s, &f, &t);
    date_parse(V(r, "from")->s, &rf);
    date_parse(V(r, "to")->s, &rt);
    if (f != rf || t != rt) {
        char a[11], b[11];
        date_format(f, a);
        date_format(t, b);
        snprintf(msg, n, "period %s runs %s to %s, not %s to %s", V(r, "period_id")->s, a, b,
                 V(r, "from")->s, V(r, "to")->s);
        return "BAD_RANGE";
    }
    return NULL;
}

static const char *check_obligation(md_rec *r, char *msg, size_t n)
{
    md_val *p = V(r, "principal"), *in = V(r, "installment"), *cnt = V(r, "installments");
    if (!p->null && !cnt->null) {
        /* All but the last installment must fall short of the principal,
         * and all of them must cover it. */
        if (in->i * (cnt->i - 1) >= p->i || in->i * cnt->i < p->i) {
            snprintf(msg, n, "%lld installments of %lld centavos do not repay %lld",
                     (long long)cnt->i, (long long)in->i, (long long)p->i);
            return "BAD_FIELD";
        }
    }
    if (!p->null && in->i > p->i) {
        snprintf(msg, n, "installment is larger than the principal");
        return "BAD_FIELD";
    }
    return NULL;
}

static const char *check_route(md_rec *r, char *msg, size_t n)
{
    if (!V(r, "verifier_role")->null && V(r, "approver_role")->null) {
        snprintf(msg, n, "a route with a verifier_role needs an approver_role");
        return "MISSING_FIELD";
    }
    return NULL;
}

/* A tenant keeps at least one ACTIVE admin: without one nobody could add
 * users, change roles or routes, or migrate it. */
static const char *keeps_an_admin(md_import *mi, md_rec *r, char *msg, size_t n)
{
    sqlite3_stmt *q = NULL;
    int admins = 1;
    if (sqlite3_prepare_v2(
            mi->s.db,
            "SELECT count(*) FROM user u JOIN user_role r USING (user_id)"
            " JOIN role_scope s ON s.role_id = r.role_id"
            " WHERE u.status = 'ACTIVE' AND r.role_id = 'admin' AND s.scope_id = '*'",
            -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        admins = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (admins > 0)
        return NULL;
    snprintf(msg, n, "the tenant would be left without an active admin holding every scope");
    return "CONFLICT";
}

/* Only actions whose tools can hold a change for approval take an
 * approver; a route the tools would ignore is refused, never kept. */
static const char *routable(md_import *mi, md_rec *r, char *msg, size_t n)
{
    if (V(r, "approver_role")->null)
        return NULL;
    sqlite3_stmt *q = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(mi->s.db, "SELECT routable FROM scope WHERE scope_id = ?1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, V(r, "action")->s, -1, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    if (ok)
        return NULL;
    snprintf(msg, n, "%s is done at once by whoever holds its scope; it cannot wait for approval",
             V(r, "action")->s);
    return "BAD_FIELD";
}

static const char *assignment_event(md_rec *r)
{
    return strcmp(V(r, "kind")->s, "reliever") == 0 ? "RelieverAssigned" : "AssignmentPlanned";
}

#define F(a) a, (int)(sizeof a / sizeof *a)
static const md_kind kinds[] = {
    {"position", "hr", "position", NULL, "PositionUpserted", "position", F(position_f), 0, 0, 0},
    {"detachment", "hr", "detachment", NULL, "DetachmentUpserted", "detachment", F(detachment_f),
     0, 0, 0},
    {"shift", "hr", "shift", NULL, "ShiftUpserted", "shift", F(shift_f), check_shift, 0, 0},
    {"guard", "hr", "guard", NULL, "GuardUpserted", "guard", F(guard_f), 0, 0, 0},
    {"assignment", "hr", "assignment", "assignment_id", "AssignmentPlanned", "assignment",
     F(assignment_f), check_assignment, assignment_event, 0},
    {"rate", "pay", "rate", "rate_id", "RateCardUpdated", "rate", F(rate_f), 0, 0, 0},
    {"holiday", "pay", "holiday", NULL, "HolidayUpserted", "holiday", F(holiday_f), 0, 0, 0},
    {"period", "pay", "period", NULL, "PayPeriodDefined", "period", F(period_f), check_period, 0,
     0},
    {"obligation", "pay", "obligation", NULL, "ObligationUpserted", "obligation", F(obligation_f),
     check_obligation, 0, 0},
    {"user", "iam", "user", NULL, "UserUpserted", "user", F(user_f), 0, 0, keeps_an_admin},
    {"role", "iam", "role", NULL, "RoleUpserted", "role", F(role_f), 0, 0, keeps_an_admin},
    {"route", "iam", "route", NULL, "RouteUpserted", "route", F(route_f), check_route, 0,
     routable},
};
#define NKINDS (int)(sizeof kinds / sizeof *kinds)

const md_kind *md_kind_find(const char *name)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

const char *md_kind_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (int i = 0; i < NKINDS; i++)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "",
                     kinds[i].name);
    return buf;
}

const char *md_kind_module(const md_kind *k)
{
    return k->module;
}

const char *md_kind_action(const md_kind *k)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s.update", k->name);
    return buf;
}

store_t *md_store(md_import *mi)
{
    return &mi->s;
}

jv md_effect(md_import *mi)
{
    strbuf b;
    sb_init(&b);
    sb_addf(&b, "{\"kind\":\"%s\",\"insert_only\":%s,\"records\":[", mi->k->name,
            mi->insert_only ? "true" : "false");
    if (mi->accepted.len)
        sb_add(&b, mi->accepted.s, mi->accepted.len);
    sb_adds(&b, "]}");
    jv v = jv_parse_sized(b.s, (int)b.len);
    sb_free(&b);
    return v;
}

int md_apply(struct change *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err)
{
    const char *kind = json_str_peek(effect, "kind", NULL);
    const md_kind *k = kind ? md_kind_find(kind) : NULL;
    if (!k) {
        err_set(err, EXIT_SOFTWARE, "change request: unknown kind %s", kind ? kind : "?");
        jv_free(effect);
        return err->code;
    }
    md_import *mi = NULL;
    md_counts n = {0};
    int rc = md_import_open(&mi, k, ch->t, err);
    if (!rc) {
        jv io = jv_object_get(jv_copy(effect), jv_string("insert_only"));
        md_insert_only(mi, jv_get_kind(io) == JV_KIND_TRUE);
        jv_free(io);
        rc = change_apply_begin(ch, &mi->s, err);
    }
    if (!rc) {
        jv recs = jv_object_get(jv_copy(effect), jv_string("records"));
        int len = jv_get_kind(recs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(recs)) : 0;
        for (int i = 0; !rc && i < len; i++)
            rc = md_upsert(mi, jv_array_get(jv_copy(recs), i), 0, rej, ch->request_id, i + 1, NULL,
                           0, &n, err);
        jv_free(recs);
        if (rc)
            store_rollback(&mi->s);
        else
            rc = change_apply_end(ch, err);
    }
    md_import_close(mi);
    jv_free(effect);
    (void)out;
    return rc;
}

static const char *col(const md_field *f)
{
    return f->column ? f->column : f->name;
}

/* ---- values ----------------------------------------------------------- */

static void rec_free(md_rec *r)
{
    for (int i = 0; i < MD_MAXF; i++)
        free(r->v[i].s);
}

static int list_item_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_norm(const md_field *f, jv v, strbuf *out, char *msg, size_t n)
{
    /* A list is a JSON array of strings or one string split on commas and
     * spaces; rest days come out in week order, ids sorted and unique (ids
     * keep their case, as the ids they name do). */
    char items[64][64];
    int ni = 0;
    if (jv_get_kind(v) == JV_KIND_ARRAY) {
        int len = jv_array_length(jv_copy(v));
        for (int i = 0; i < len; i++) {
            jv e = jv_array_get(jv_copy(v), i);
            if (jv_get_kind(e) != JV_KIND_STRING || ni == 64 || strlen(jv_string_value(e)) >= 64) {
                jv_free(e);
                snprintf(msg, n, "%s must be a list of names", f->name);
                return -1;
            }
            snprintf(items[ni++], 64, "%s", jv_string_value(e));
            jv_free(e);
        }
    } else {
        char *dup = xstrdup(jv_string_value(v)), *save = NULL;
        for (char *tok = strtok_r(dup, ", ;", &save); tok; tok = strtok_r(NULL, ", ;", &save)) {
            if (ni == 64 || strlen(tok) >= 64) {
                free(dup);
                snprintf(msg, n, "%s has too many or too long names", f->name);
                return -1;
            }
            snprintf(items[ni++], 64, "%s", tok);
        }
        free(dup);
    }
    if (ni == 0) {
        snprintf(msg, n, "%s is empty", f->name);
        return -1;
    }
    if (f->type == FT_LIST) {
        char *ptr[64];
        for (int i = 0; i < ni; i++) {
            for (char *c = items[i]; *c; c++) {
                if (!isalnum((unsigned char)*c) && !strchr("_.-*", *c)) {
                    snprintf(msg, n, "%s: '%s' is not a name", f->name, items[i]);
                    return -1;
                }
            }
            ptr[i] = items[i];
        }
        qsort(ptr, (size_t)ni, sizeof *ptr, list_item_cmp);
        for (int i = 0; i < ni; i++)
            if (i == 0 || strcmp(ptr[i], ptr[i - 1]) != 0) {
                if (out->len)
                    sb_addc(out, ',');
                sb_adds(out, ptr[i]);
            }
        return 0;
    }
    int seen[7] = {0};
    for (int i = 0; i < ni; i++) {
        int found = -1;
        for (int k = 0; k < 7; k++)
            if (strcasecmp(items[i], weekday_names[k]) == 0)
                found = k;
        if (found < 0) {
            snprintf(msg, n, "%s: unknown weekday '%s' (use MON..SUN)", f->name, items[i]);
            return -1;
        }
        seen[found] = 1;
    }
    for (int k = 0; k < 7; k++)
        if (seen[k]) {
            if (out->len)
                sb_addc(out, ',');
            sb_adds(out, weekday_names[k]);
        }
    return 0;
}

/* Convert one input value to the field's normal form. Returns a reject code
 * or NULL. v is borrowed. */
static const char *field_value(const md_field *f, jv v, int from_csv, md_val *out, char *msg,
                               size_t n)
{
    jv_kind kind = jv_get_kind(v);
    const char *s = kind == JV_KIND_STRING ? jv_string_value(v) : NULL;
    if (s && from_csv) { /* CSV cells may carry stray spaces */
        while (*s == ' ')
            s++;
    }
    switch (f->type) {
    case FT_MONEY:
        if (kind == JV_KIND_NUMBER && !from_csv) {
            if (money_from_json_number(jv_number_value(v), &out->i)) {
                snprintf(msg, n, "%s must be whole centavos", f->name);
                return "BAD_FIELD";
            }
        } else if (s && from_csv) {
            if (money_parse(s, &out->i)) {
                snprintf(msg, n, "%s '%s' is not an amount in pesos", f->name, s);
                return "BAD_FIELD";
            }
        } else {
            snprintf(msg, n, "%s must be %s", f->name,
                     from_csv ? "pesos like 695.00" : "integer centavos (695.00 pesos = 69500)");
            return "BAD_FIELD";
        }
        if (f->min && out->i < f->min) {
            snprintf(msg, n, "%s must be positive", f->name);
            return "BAD_FIELD";
        }
        return NULL;
    case FT_INT:
    case FT_BOOL: {
        long long x = 0;
        if (f->type == FT_BOOL) {
            if (kind == JV_KIND_TRUE || kind == JV_KIND_FALSE)
                x = kind == JV_KIND_TRUE;
            else if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")))
                x = 1;
            else if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")))
                x = 0;
            else {
                snprintf(msg, n, "%s must be true or false", f->name);
                return "BAD_FIELD";
            }
            out->i = x;
            return NULL;
        }
        if (kind == JV_KIND_NUMBER && !from_csv) {
            money_t m;
            if (money_from_json_number(jv_number_value(v), &m)) {
                snprintf(msg, n, "%s must be a whole number", f->name);
                return "BAD_FIELD";
            }
            x = m;
        } else if (s && from_csv) {
            char *end;
            x = strtoll(s, &end, 10);
            if (end == s || *end) {
                snprintf(msg, n, "%s '%s' is not a whole number", f->name, s);
                return "BAD_FIELD";
            }
        } else {
            snprintf(msg, n, "%s must be a number", f->name);
            return "BAD_FIELD";
        }
        if (x < f->min || x > f->max) {
            snprintf(msg, n, "%s %lld is outside %ld..%ld", f->name, x, f->min, f->max);
            return "BAD_FIELD";
        }
        out->i = x;
        return NULL;
    }
    case FT_DAYS:
    case FT_LIST: {
        if (kind != JV_KIND_ARRAY && !s) {
            snprintf(msg, n, "%s must be a list or a string", f->name);
            return "BAD_FIELD";
        }
        strbuf b;
        sb_init(&b);
        if (list_norm(f, v, &b, msg, n)) {
            sb_free(&b);
            return "BAD_FIELD";
        }
        out->s = b.s;
        return NULL;
    }
    default:
        break;
    }
    if (!s) {
        snprintf(msg, n, "%s must be a string", f->name);
        return "BAD_FIELD";
    }
    size_t len = strlen(s);
    while (len && s[len - 1] == ' ' && from_csv)
        len--;
    if (len == 0 || len > (f->type == FT_TEXT ? 200u : 64u)) {
        snprintf(msg, n, "%s must be 1 to %d characters", f->name, f->type == FT_TEXT ? 200 : 64);
        return "BAD_FIELD";
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20) {
            snprintf(msg, n, "%s contains a control character", f->name);
            return "BAD_FIELD";
        }
    char *t = xmalloc(len + 1);
    memcpy(t, s, len);
    t[len] = 0;
    day_t d;
    int m;
    switch (f->type) {
    case FT_DATE:
        if (date_parse(t, &d)) {
            snprintf(msg, n, "%s '%s' is not a date (YYYY-MM-DD)", f->name, t);
            free(t);
            return "BAD_FIELD";
        }
        break;
    case FT_TIME:
        if (hhmm_parse(t, &m, 0)) {
            snprintf(msg, n, "%s '%s' is not a time (HH:MM)", f->name, t);
            free(t);
            return "BAD_FIELD";
        }
        break;
    case FT_PERIOD: {
        day_t a, b;
        if (period_parse(t, &a, &b)) {
            snprintf(msg, n, "%s '%s' is not a period id (YYYY-MM-A or YYYY-MM-B)", f->name, t);
            free(t);
            return "BAD_FIELD";
        }
        break;
    }
    case FT_ENUM: {
        const char *p = f->arg;
        int ok = 0;
        while (*p && !ok) {
            size_t l = strcspn(p, "|");
            if (l == len && strncasecmp(p, t, l) == 0) {
                memcpy(t, p, l); /* the table's spelling */
                ok = 1;
            }
            p += l + (p[l] == '|');
        }
        if (!ok) {
            snprintf(msg, n, "%s '%s' is not one of %s", f->name, t, f->arg);
            free(t);
            return "BAD_FIELD";
        }
        break;
    }
    case FT_ID:
        for (size_t i = 0; i < len; i++)
            if (t[i] == ' ' && f->name[0] != 'b') { /* bank accounts may be spaced */
                snprintf(msg, n, "%s '%s' contains a space", f->name, t);
                free(t);
                return "BAD_FIELD";
            }
        break;
    default:
        break;
    }
    out->s = t;
    return NULL;
}

/* Fill r from the input object; returns a reject code or NULL. */
static const char *rec_from_json(const md_kind *k, jv obj, int from_csv, md_rec *r, char *msg,
                                 size_t n)
{
    memset(r, 0, sizeof *r);
    r->k = k;
    const char *code = NULL;
    jv_object_foreach(obj, key, val)
    {
        const char *name = jv_string_value(key);
        if (!code && fidx(k, name) < 0 && strcmp(name, "v") != 0) {
            snprintf(msg, n, "%s has no field '%s'", k->name, name);
            code = "UNKNOWN_FIELD";
        }
        if (!code && strcmp(name, "v") == 0 && jv_get_kind(val) != JV_KIND_NULL &&
            !(jv_get_kind(val) == JV_KIND_NUMBER && jv_number_value(val) == 1) &&
            !(jv_get_kind(val) == JV_KIND_STRING && !strcmp(jv_string_value(val), "1"))) {
            snprintf(msg, n, "v must be 1 (this ARMMS reads version 1 records)");
            code = "BAD_FIELD";
        }
        jv_free(key);
        jv_free(val);
    }
    for (int i = 0; !code && i < k->nf; i++) {
        const md_field *f = &k->f[i];
        jv v = jv_object_get(jv_copy(obj), jv_string(f->name));
        int absent = !jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL ||
                     (jv_get_kind(v) == JV_KIND_STRING && from_csv &&
                      strspn(jv_string_value(v), " ") == strlen(jv_string_value(v)));
        if (absent && f->dflt) {
            jv_free(v);
            v = jv_string(f->dflt);
            absent = 0;
            if (f->type == FT_INT || f->type == FT_BOOL) {
                r->v[i].i = f->type == FT_BOOL ? !strcmp(f->dflt, "true") : atol(f->dflt);
                jv_free(v);
                continue;
            }
            if (!*f->dflt) { /* "" keys, e.g. a nationwide holiday's region */
                r->v[i].s = xstrdup("");
                jv_free(v);
                continue;
            }
        }
        if (absent) {
            r->v[i].null = 1;
            if (f->flags & MD_REQ) {
                snprintf(msg, n, "%s is required", f->name);
                code = "MISSING_FIELD";
            }
        } else {
            code = field_value(f, v,
                               from_csv || (f->dflt && jv_get_kind(v) == JV_KIND_STRING &&
                                            !strcmp(jv_string_value(v), f->dflt)),
                               &r->v[i], msg, n);
        }
        jv_free(v);
    }
    if (!code) {
        md_val *from = NULL, *to = NULL;
        for (int i = 0; i < k->nf; i++) {
            if (k->f[i].flags & MD_FROM)
                from = &r->v[i];
            if (k->f[i].flags & MD_TO)
                to = &r->v[i];
        }
        if (from && to && !to->null && strcmp(to->s, from->s) < 0) {
            snprintf(msg, n, "valid_to %s is before valid_from %s", to->s, from->s);
            code = "BAD_RANGE";
        }
    }
    if (!code && k->check)
        code = k->check(r, msg, n);
    return code;
}

static int is_text(const md_field *f)
{
    return f->type != FT_MONEY && f->type != FT_INT && f->type != FT_BOOL;
}

static void bind_val(sqlite3_stmt *st, int idx, const md_field *f, const md_val *v)
{
    if (v->null)
        sqlite3_bind_null(st, idx);
    else if (is_text(f))
        sqlite3_bind_text(st, idx, v->s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, idx, v->i);
}

/* A record as JSON: every field, null when absent (event payloads); or,
 * with replay set, as NDJSON input that imports to the same row, absent
 * and empty values left out (a change request's effect). Money is in
 * centavos, lists are strings. */
static void rec_json(strbuf *b, const md_rec *r, int replay)
{
    const md_kind *k = r->k;
    int first = 1;
    sb_addc(b, '{');
    for (int i = 0; i < k->nf; i++) {
        const md_field *f = &k->f[i];
        const md_val *v = &r->v[i];
        if (replay && (v->null || (is_text(f) && !*v->s)))
            continue;
        if (!first)
            sb_addc(b, ',');
        first = 0;
        sb_add_json_str(b, f->name, strlen(f->name));
        sb_addc(b, ':');
        if (v->null)
            sb_adds(b, "null");
        else if (f->type == FT_BOOL)
            sb_adds(b, v->i ? "true" : "false");
        else if (!is_text(f))
            sb_addf(b, "%lld", (long long)v->i);
        else
            sb_add_json_str(b, v->s, strlen(v->s));
    }
    sb_addc(b, '}');
}

static void payload_rec(strbuf *b, const md_rec *r)
{
    rec_json(b, r, 0);
}

static void replay_rec(strbuf *b, const md_rec *r)
{
    rec_json(b, r, 1);
}

/* Read a stored row (columns in field order starting at column c0) into r. */
static void rec_from_row(const md_kind *k, sqlite3_stmt *st, int c0, md_rec *r)
{
    memset(r, 0, sizeof *r);
    r->k = k;
    for (int i = 0; i < k->nf; i++) {
        if (sqlite3_column_type(st, c0 + i) == SQLITE_NULL)
            r->v[i].null = 1;
        else if (is_text(&k->f[i]))
            r->v[i].s = xstrdup((const char *)sqlite3_column_text(st, c0 + i));
        else
            r->v[i].i = sqlite3_column_int64(st, c0 + i);
    }
}

static int rec_equal(const md_rec *a, const md_rec *b)
{
    for (int i = 0; i < a->k->nf; i++) {
        const md_val *x = &a->v[i], *y = &b->v[i];
        if (x->null != y->null)
            return 0;
        if (x->null)
            continue;
        if (is_text(&a->k->f[i]) ? strcmp(x->s, y->s) != 0 : x->i != y->i)
            return 0;
    }
    return 1;
}

/* ---- statements --------------------------------------------------------- */

static int prepare_all(md_import *mi, armms_err *err)
{
    const md_kind *k = mi->k;
    strbuf cols, q, keyw, sets;
    sb_init(&cols);
    sb_init(&q);
    sb_init(&keyw);
    sb_init(&sets);
    for (int i = 0; i < k->nf; i++) {
        const md_field *f = &k->f[i];
        sb_addf(&cols, "%s\"%s\"", i ? "," : "", col(f));
        sb_addf(&q, "%s?", i ? "," : "");
        sb_addf(&sets, "%s\"%s\"=?%d", i ? "," : "", col(f), i + 1);
        if (f->flags & MD_KEY)
            sb_addf(&keyw, "%s\"%s\" IS ?%d", keyw.len ? " AND " : "", col(f), i + 1);
    }
    int rc = 0;
    char *sql;
    if (k->id_column) {
        sql = xasprintf("SELECT %s,%s FROM %s WHERE %s ORDER BY valid_from", k->id_column, cols.s,
                        k->table, keyw.s);
        rc = store_prepare(&mi->s, &mi->sel, sql, err);
        free(sql);
        sql = xasprintf("INSERT INTO %s(%s,%s) VALUES (?%d,%s)", k->table, cols.s, k->id_column,
                        k->nf + 1, q.s);
        /* placeholders: fields 1..nf then the id */
        free(sql);
        sql = xasprintf("INSERT INTO %s(%s,%s) VALUES (%s,?%d)", k->table, cols.s, k->id_column,
                        q.s, k->nf + 1);
        if (!rc)
            rc = store_prepare(&mi->s, &mi->ins, sql, err);
        free(sql);
        sql =
            xasprintf("UPDATE %s SET %s WHERE %s=?%d", k->table, sets.s, k->id_column, k->nf + 1);
    } else {
        sql = xasprintf("SELECT NULL,%s FROM %s WHERE %s", cols.s, k->table, keyw.s);
        rc = store_prepare(&mi->s, &mi->sel, sql, err);
        free(sql);
        sql = xasprintf("INSERT INTO %s(%s) VALUES (%s)", k->table, cols.s, q.s);
        if (!rc)
            rc = store_prepare(&mi->s, &mi->ins, sql, err);
        free(sql);
        sql = xasprintf("UPDATE %s SET %s WHERE %s", k->table, sets.s, keyw.s);
    }
    if (!rc)
        rc = store_prepare(&mi->s, &mi->upd, sql, err);
    free(sql);
    for (int i = 0; !rc && i < k->nf; i++) {
        const char *ref = k->f[i].ref;
        if (!ref)
            continue;
        char mod[8], tab[32], c[40];
        if (sscanf(ref, "%7[^.].%31[^.].%39s", mod, tab, c) != 3)
            return err_set(err, EXIT_SOFTWARE, "bad reference %s", ref);
        sql = xasprintf("SELECT 1 FROM %s.%s WHERE %s=? LIMIT 1",
                        strcmp(mod, k->module) == 0 ? "main" : mod, tab, c);
        rc = store_prepare(&mi->s, &mi->ref[i], sql, err);
        free(sql);
    }
    sb_free(&cols);
    sb_free(&q);
    sb_free(&keyw);
    sb_free(&sets);
    return rc;
}

int md_import_open(md_import **out, const md_kind *k, tenant_t *t, armms_err *err)
{
    md_import *mi = xcalloc(1, sizeof *mi);
    mi->k = k;
    sb_init(&mi->accepted);
    *out = mi;
    if (store_open(&mi->s, t, k->module, 0, err))
        return err->code;
    for (int i = 0; i < k->nf; i++) {
        const char *ref = k->f[i].ref;
        if (ref && strncmp(ref, k->module, strlen(k->module)) != 0) {
            char mod[8];
            sscanf(ref, "%7[^.]", mod);
            sqlite3_stmt *st;
            char q[128];
            snprintf(q, sizeof q, "SELECT 1 FROM pragma_database_list WHERE name='%s'", mod);
            int attached = 0;
            if (sqlite3_prepare_v2(mi->s.db, q, -1, &st, NULL) == SQLITE_OK) {
                attached = sqlite3_step(st) == SQLITE_ROW;
                sqlite3_finalize(st);
            }
            if (!attached && store_attach_ro(&mi->s, mod, err))
                return err->code;
        }
    }
    return prepare_all(mi, err);
}

void md_import_close(md_import *mi)
{
    if (!mi)
        return;
    store_close(&mi->s); /* finalizes every statement */
    sb_free(&mi->accepted);
    free(mi);
}

void md_insert_only(md_import *mi, int on)
{
    mi->insert_only = on;
}

int md_begin(md_import *mi, armms_err *err)
{
    return store_begin(&mi->s, err);
}
int md_commit(md_import *mi, armms_err *err)
{
    return store_commit(&mi->s, err);
}

int md_check_header_peek(const md_kind *k, jv header, armms_err *err)
{
    int n = jv_array_length(jv_copy(header));
    for (int i = 0; i < n; i++) {
        jv h = jv_array_get(jv_copy(header), i);
        int known = fidx(k, jv_string_value(h)) >= 0 || !strcmp(jv_string_value(h), "v");
        if (!known) {
            err_set(err, EXIT_DATAERR,
                    "column '%s' is not a %s field (fields: see armms-import(1))",
                    jv_string_value(h), k->name);
            jv_free(h);
            return err->code;
        }
        jv_free(h);
    }
    return 0;
}

/* ---- upsert ------------------------------------------------------------- */

/* The aggregate id of a record's events: its key parts joined by '/', and
 * for a dated version '@' and its start. */
static void aggregate_id(strbuf *agg, md_rec *r)
{
    const md_kind *k = r->k;
    for (int i = 0; i < k->nf; i++)
        if (k->f[i].flags & MD_KEY) {
            const md_val *v = &r->v[i];
            if (agg->len)
                sb_addc(agg, '/');
            if (is_text(&k->f[i]))
                sb_adds(agg, v->null ? "" : v->s);
            else
                sb_addf(agg, "%lld", (long long)v->i);
        }
    if (k->id_column)
        sb_addf(agg, "@%s", V(r, "valid_from")->s);
}

static int emit(md_import *mi, md_rec *r, const char *op, md_rec *before, const char *closed_id,
                const char *closed_to, armms_err *err)
{
    const md_kind *k = mi->k;
    strbuf b, agg;
    sb_init(&b);
    sb_init(&agg);
    sb_addf(&b, "{\"kind\":\"%s\",\"op\":\"%s\",\"record\":", k->name, op);
    payload_rec(&b, r);
    if (before) {
        sb_adds(&b, ",\"before\":");
        payload_rec(&b, before);
    }
    /* What the change depends on: the record, what it replaces, and the
     * version it closes by its dates (its id may be new in this change). */
    size_t note_len = b.len;
    if (closed_id)
        sb_addf(&b, ",\"closes\":{\"%s\":\"%s\",\"valid_to\":\"%s\"}", k->id_column, closed_id,
                closed_to);
    sb_addc(&b, '}');
    aggregate_id(&agg, r);
    const char *event = k->event_for ? k->event_for(r) : k->event;
    /* what this change found and does: a request is stale once it differs */
    store_note(&mi->s, agg.s, b.s, note_len);
    if (closed_id)
        store_note(&mi->s, agg.s, closed_to, strlen(closed_to));
    int rc = store_emit(&mi->s, event, k->aggregate_type, agg.s, b.s, b.len, err);
    sb_free(&b);
    sb_free(&agg);
    return rc;
}

/* The event of a version closed by a later one (record: as closed; before:
 * as it was; closed_by: the later version's start). */
static int emit_close(md_import *mi, md_rec *r, const char *before, const char *by_from,
                      armms_err *err)
{
    const md_kind *k = mi->k;
    strbuf b, agg;
    sb_init(&b);
    sb_init(&agg);
    sb_addf(&b, "{\"kind\":\"%s\",\"op\":\"close\",\"record\":", k->name);
    payload_rec(&b, r);
    sb_addf(&b, ",\"before\":%s,\"closed_by\":{\"valid_from\":\"%s\"}}", before, by_from);
    aggregate_id(&agg, r);
    store_note(&mi->s, agg.s, b.s, b.len);
    const char *event = k->event_for ? k->event_for(r) : k->event;
    int rc = store_emit(&mi->s, event, k->aggregate_type, agg.s, b.s, b.len, err);
    sb_free(&b);
    sb_free(&agg);
    return rc;
}

static int step_done(md_import *mi, sqlite3_stmt *st, const char **code, char *msg, size_t n,
                     armms_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_DONE)
        return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        *code = "CONFLICT";
        snprintf(msg, n, "%s", sqlite3_errmsg(mi->s.db));
        return 0;
    }
    return store_fail(&mi->s, rc, "upsert", err);
}

/* The schedule of an obligation with a known number of installments. */
static int obligation_schedule(md_import *mi, md_rec *r, const char **code, char *msg, size_t n,
                               armms_err *err)
{
    static const char sel[] =
        "SELECT count(*) FROM obligation_schedule WHERE obligation_id=? AND status<>'SCHEDULED'";
    static const char del[] = "DELETE FROM obligation_schedule WHERE obligation_id=?";
    static const char ins[] = "INSERT INTO obligation_schedule(obligation_id, seq, period_id,"
                              " amount, status) VALUES (?,?,?,?,'SCHEDULED')";
    if (store_prepare(&mi->s, &mi->sched_sel, sel, err) ||
        store_prepare(&mi->s, &mi->sched_del, del, err) ||
        store_prepare(&mi->s, &mi->sched_ins, ins, err))
        return err->code;
    const char *id = V(r, "obligation_id")->s;
    sqlite3_bind_text(mi->sched_sel, 1, id, -1, SQLITE_STATIC);
    int used =
        sqlite3_step(mi->sched_sel) == SQLITE_ROW ? sqlite3_column_int(mi->sched_sel, 0) : 0;
    sqlite3_reset(mi->sched_sel);
    if (used) {
        *code = "CONFLICT";
        snprintf(msg, n,
                 "obligation %s already has %d applied installments; change it by a "
                 "waiver or adjustment",
                 id, used);
        return 0;
    }
    sqlite3_bind_text(mi->sched_del, 1, id, -1, SQLITE_STATIC);
    if (step_done(mi, mi->sched_del, code, msg, n, err))
        return err->code;
    md_val *p = V(r, "principal"), *inst = V(r, "installment"), *cnt = V(r, "installments");
    long count = !cnt->null ? (long)cnt->i
                 : !p->null ? (long)((p->i + inst->i - 1) / inst->i)
                            : 0; /* open-ended: applied every period while ACTIVE */
    const char *freq = V(r, "frequency")->s;
    char period[10];
    snprintf(period, sizeof period, "%s", V(r, "start_period")->s);
    money_t left = p->null ? inst->i * count : p->i;
    for (long i = 0; i < count; i++) {
        while (freq[0] != 'e' && period[8] != freq[0])
            period_next(period, period);
        money_t amt = i == count - 1 ? left : inst->i;
        left -= amt;
        sqlite3_stmt *st = mi->sched_ins;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, i + 1);
        sqlite3_bind_text(st, 3, period, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, amt);
        if (step_done(mi, st, code, msg, n, err) || *code)
            return err->code;
        period_next(period, period);
    }
    return 0;
}

typedef struct version {
    char *id;
    md_rec r;
} version;

static int upsert_dated(md_import *mi, md_rec *r, md_counts *cnt, const char **code, char *msg,
                        size_t n, armms_err *err)
{
    const md_kind *k = mi->k;
    int fi = fidx(k, "valid_from"), ti = fidx(k, "valid_to");
    version *vs = NULL;
    int nv = 0, rc = 0;
    for (int i = 0; i < k->nf; i++)
        if (k->f[i].flags & MD_KEY)
            bind_val(mi->sel, i + 1, &k->f[i], &r->v[i]);
    while (sqlite3_step(mi->sel) == SQLITE_ROW) {
        vs = xrealloc(vs, sizeof *vs * (size_t)(nv + 1));
        vs[nv].id = xstrdup((const char *)sqlite3_column_text(mi->sel, 0));
        rec_from_row(k, mi->sel, 1, &vs[nv].r);
        nv++;
    }
    sqlite3_reset(mi->sel);
    sqlite3_clear_bindings(mi->sel);
    const char *from = r->v[fi].s;
    md_val *to = &r->v[ti];
    int same = -1, prev = -1, next = -1;
    for (int i = 0; i < nv; i++) {
        int c = strcmp(vs[i].r.v[fi].s, from);
        if (c == 0)
            same = i;
        else if (c < 0)
            prev = i;
        else if (next < 0)
            next = i;
    }
    if (same >= 0) {
        prev = same > 0 ? same - 1 : -1;
        next = same + 1 < nv ? same + 1 : -1;
        /* An open-ended version that a later one closed: the import that
         * closed it said the same thing, so it reads as closed there. */
        if (next >= 0 && r->v[ti].null && !vs[same].r.v[ti].null) {
            day_t d;
            date_parse(vs[next].r.v[fi].s, &d);
            char buf[11];
            date_format(d - 1, buf);
            if (strcmp(buf, vs[same].r.v[ti].s) == 0) {
                r->v[ti].null = 0;
                r->v[ti].s = xstrdup(buf);
            }
        }
    }
    if (next >= 0 && (to->null || strcmp(to->s, vs[next].r.v[fi].s) >= 0)) {
        *code = "OVERLAP";
        snprintf(msg, n, "overlaps the version from %s; give a valid_to before it",
                 vs[next].r.v[fi].s);
        goto out;
    }
    if (same >= 0) {
        if (rec_equal(r, &vs[same].r)) {
            cnt->unchanged++;
            goto out;
        }
        for (int i = 0; i < k->nf; i++)
            bind_val(mi->upd, i + 1, &k->f[i], &r->v[i]);
        sqlite3_bind_text(mi->upd, k->nf + 1, vs[same].id, -1, SQLITE_STATIC);
        if ((rc = step_done(mi, mi->upd, code, msg, n, err)) || *code)
            goto out;
        if ((rc = emit(mi, r, "update", &vs[same].r, NULL, NULL, err)))
            goto out;
        cnt->updated++;
        goto out;
    }
    const char *closed_id = NULL;
    char closed_to[11] = "";
    if (prev >= 0) {
        md_val *pto = &vs[prev].r.v[ti];
        if (pto->null || strcmp(pto->s, from) >= 0) {
            if (next >= 0) { /* a middle version may not be cut silently */
                *code = "OVERLAP";
                snprintf(msg, n, "overlaps the version from %s to %s", vs[prev].r.v[fi].s,
                         pto->null ? "open end" : pto->s);
                goto out;
            }
            /* A new version closes the open (or overlapping) latest one:
             * the closed version changes too, and says so in an event of
             * its own ("op":"close"), so its history shows its end. */
            strbuf was;
            sb_init(&was);
            payload_rec(&was, &vs[prev].r);
            day_t d;
            date_parse(from, &d);
            date_format(d - 1, closed_to);
            free(pto->s);
            pto->s = xstrdup(closed_to);
            pto->null = 0;
            for (int i = 0; i < k->nf; i++)
                bind_val(mi->upd, i + 1, &k->f[i], &vs[prev].r.v[i]);
            sqlite3_bind_text(mi->upd, k->nf + 1, vs[prev].id, -1, SQLITE_STATIC);
            if (!(rc = step_done(mi, mi->upd, code, msg, n, err)) && !*code)
                rc = emit_close(mi, &vs[prev].r, was.s, from, err);
            sb_free(&was);
            if (rc || *code)
                goto out;
            closed_id = vs[prev].id;
        }
    }
    char id[27];
    ulid_new(id);
    for (int i = 0; i < k->nf; i++)
        bind_val(mi->ins, i + 1, &k->f[i], &r->v[i]);
    sqlite3_bind_text(mi->ins, k->nf + 1, id, -1, SQLITE_TRANSIENT);
    if ((rc = step_done(mi, mi->ins, code, msg, n, err)) || *code)
        goto out;
    if ((rc = emit(mi, r, "insert", NULL, closed_id, closed_to, err)))
        goto out;
    cnt->inserted++;
out:
    for (int i = 0; i < nv; i++) {
        free(vs[i].id);
        rec_free(&vs[i].r);
    }
    free(vs);
    return rc;
}

static int upsert_plain(md_import *mi, md_rec *r, md_counts *cnt, const char **code, char *msg,
                        size_t n, armms_err *err)
{
    const md_kind *k = mi->k;
    for (int i = 0; i < k->nf; i++)
        if (k->f[i].flags & MD_KEY)
            bind_val(mi->sel, i + 1, &k->f[i], &r->v[i]);
    md_rec old;
    int found = sqlite3_step(mi->sel) == SQLITE_ROW;
    if (found)
        rec_from_row(k, mi->sel, 1, &old);
    sqlite3_reset(mi->sel);
    sqlite3_clear_bindings(mi->sel);
    int rc = 0;
    if (found && (mi->insert_only || rec_equal(r, &old))) {
        cnt->unchanged++;
        rec_free(&old);
        return 0;
    }
    sqlite3_stmt *st = found ? mi->upd : mi->ins;
    for (int i = 0; i < k->nf; i++)
        bind_val(st, i + 1, &k->f[i], &r->v[i]);
    if (!(rc = step_done(mi, st, code, msg, n, err)) && !*code &&
        strcmp(k->name, "obligation") == 0)
        rc = obligation_schedule(mi, r, code, msg, n, err);
    if (!rc && !*code)
        rc = emit(mi, r, found ? "update" : "insert", found ? &old : NULL, NULL, NULL, err);
    if (!rc && !*code)
        *(found ? &cnt->updated : &cnt->inserted) += 1;
    if (found)
        rec_free(&old);
    return rc;
}

/* Each item of a list field must exist where the field refers ("*", every
 * scope, needs no row). */
static const char *list_refs(sqlite3_stmt *st, const md_field *f, const char *list, char *msg,
                             size_t n)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        /* "*" grants every scope; it is not a role */
        if (!(len == 1 && *p == '*' && strstr(f->ref, ".scope."))) {
            sqlite3_bind_text(st, 1, p, (int)len, SQLITE_STATIC);
            int found = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_reset(st);
            if (!found) {
                snprintf(msg, n, "%s: unknown %.*s '%.*s'", f->name, (int)strlen(f->name) - 1,
                         f->name, (int)len, p);
                return "BAD_FIELD";
            }
        }
        p += len + (p[len] == ',');
    }
    return NULL;
}

int md_upsert(md_import *mi, jv obj, int from_csv, reject_sink *rej, const char *source, long line,
              const char *raw, size_t raw_len, md_counts *cnt, armms_err *err)
{
    const md_kind *k = mi->k;
    md_rec r;
    char msg[512] = "";
    cnt->read++;
    const char *code = rec_from_json(k, obj, from_csv, &r, msg, sizeof msg);
    jv_free(obj);
    for (int i = 0; !code && i < k->nf; i++) {
        sqlite3_stmt *st = mi->ref[i];
        if (!st || r.v[i].null)
            continue;
        if (k->f[i].type == FT_LIST) {
            code = list_refs(st, &k->f[i], r.v[i].s, msg, sizeof msg);
            continue;
        }
        sqlite3_bind_text(st, 1, r.v[i].s, -1, SQLITE_STATIC);
        int found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_reset(st);
        if (!found) {
            code = "UNKNOWN_REF";
            snprintf(msg, sizeof msg, "%s '%s' does not exist", k->f[i].name, r.v[i].s);
        }
    }
    int rc = 0;
    if (!code) {
        /* A savepoint per record: a record rejected half-way leaves nothing. */
        if ((rc = store_savepoint(&mi->s, err)))
            goto done;
        md_counts was = *cnt;
        rc = k->id_column ? upsert_dated(mi, &r, cnt, &code, msg, sizeof msg, err)
                          : upsert_plain(mi, &r, cnt, &code, msg, sizeof msg, err);
        if (!code && !rc && k->after && (code = k->after(mi, &r, msg, sizeof msg)))
            *cnt = was;
        if (code || rc)
            store_rollback_to(&mi->s);
        store_release(&mi->s);
    }
    if (code && !rc) {
        rejection rj;
        rejection_set(&rj, code, "%s", msg);
        reject_emit(rej, &rj, source, line, raw, raw_len);
        cnt->rejected++;
    } else if (!rc && mi->s.capture == CAPTURE_REQUEST) {
        if (mi->naccepted++)
            sb_addc(&mi->accepted, ',');
        replay_rec(&mi->accepted, &r);
    }
done:
    rec_free(&r);
    return rc;
}
