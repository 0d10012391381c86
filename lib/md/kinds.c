/*
 * kinds.c - the kinds table: the single description of every master data
 * kind (its fields, key, store and event) and the checks that are its own.
 * Everything else in lib/md is generic over this table.
 *
 * Invariants: every kind has at most MD_MAXF fields and at least one key
 * field; a check only reads the record, already parsed to normal form.
 */
#include "md/md_int.h"

#include <string.h>

#include "core/clock.h"
#include "core/email.h"
#include "core/money.h"
#include "core/ndjson.h"

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
    /* final pay (pay/final.h): the employment dates and the unused service
     * incentive leave days the tenant records (Labor Code art. 95) */
    {"hired_on", FT_DATE, 0, 0, 0, 0, 0, 0, 0},
    {"separated_on", FT_DATE, 0, 0, 0, 0, 0, 0, 0},
    {"sil_days", FT_INT, 0, 0, 0, 0, 0, 0, 365},
    /* where armms-notify sends the guard's payslip (personal data) */
    {"email", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
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
    {"login", FT_ID, 0, 0, 0, 0, 0, 0, 0},
    {"service", FT_BOOL, 0, 0, 0, 0, "false", 0, 0},
    /* the user's roles apply only at these detachments (rbac.h); absent:
     * everywhere */
    {"detachments", FT_LIST, 0, 0, "hr.detachment.detachment_id", 0, 0, 0, 0},
    /* and at every detachment of these clients (detachment.client) */
    {"clients", FT_NAMES, 0, 0, "hr.detachment.client", 0, 0, 0, 0},
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

/* ---- leave and absence (hr migration 4) ---- */
static const md_field leave_code_f[] = {
    {"code", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"name", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"paid", FT_BOOL, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"annual_days", FT_INT, 0, 0, 0, 0, 0, 0, 366},
    {"note", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
};
static const md_field leave_f[] = {
    {"guard_id", FT_ID, MD_REQ | MD_KEY, 0, "hr.guard.guard_id", 0, 0, 0, 0},
    {"date", FT_DATE, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"code", FT_ID, MD_REQ | MD_KEY, 0, "hr.leave_code.code", 0, 0, 0, 0},
    {"reason", FT_TEXT, 0, 0, 0, 0, 0, 0, 0},
    {"status", FT_ENUM, 0, "RECORDED|CANCELLED", 0, 0, "RECORDED", 0, 0},
};

/* ---- the payroll rules (pay/rules.h): effective-dated, each row citing
 * the law, circular or tenant policy it comes from ---- */
#define DATED_SOURCE                                                                              \
    {"valid_from", FT_DATE, MD_REQ | MD_FROM, 0, 0, 0, 0, 0, 0},                                  \
        {"valid_to", FT_DATE, MD_TO, 0, 0, 0, 0, 0, 0},                                           \
    {                                                                                             \
        "source", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0                                               \
    }
static const md_field premium_f[] = {
    {"day_type", FT_ENUM, MD_REQ | MD_KEY,
     "ordinary|rest|special|special_rest|regular_holiday|regular_holiday_rest|double_holiday|"
     "double_holiday_rest",
     0, 0, 0, 0, 0},
    {"code", FT_ID, 0, 0, 0, 0, "", 0, 0},
    {"label", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"regular_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 100000},
    {"ot_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 100000},
    {"nd_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 10000},
    {"unworked_bp", FT_INT, 0, 0, 0, 0, "0", 0, 100000},
    DATED_SOURCE,
};
static const md_field pay_policy_f[] = {
    {"key", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"value", FT_TEXT, MD_REQ, 0, 0, 0, 0, 0, 0},
    DATED_SOURCE,
};
static const md_field minimum_wage_f[] = {
    {"region", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"daily_rate", FT_MONEY, MD_REQ, 0, 0, 0, 0, 1, 0},
    DATED_SOURCE,
};
static const md_field deduction_priority_f[] = {
    {"code", FT_ID, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"rank", FT_INT, MD_REQ, 0, 0, 0, 0, 1, 1000000},
    DATED_SOURCE,
};
static const md_field contribution_f[] = {
    {"scheme", FT_ENUM, MD_REQ | MD_KEY, "sss|philhealth|hdmf", 0, 0, 0, 0, 0},
    {"base_from", FT_MONEY, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"credit", FT_MONEY, 0, 0, 0, 0, 0, 1, 0},
    {"ee_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 10000},
    {"er_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 10000},
    {"ec", FT_MONEY, 0, 0, 0, 0, "0", 0, 0},
    {"mpf_above", FT_MONEY, 0, 0, 0, 0, 0, 1, 0},
    {"split", FT_ENUM, 0, "shares|halves", 0, 0, "shares", 0, 0},
    DATED_SOURCE,
};
static const md_field tax_f[] = {
    {"frequency", FT_ENUM, MD_KEY, "semi_monthly|monthly", 0, 0, "semi_monthly", 0, 0},
    {"base_from", FT_MONEY, MD_REQ | MD_KEY, 0, 0, 0, 0, 0, 0},
    {"fixed", FT_MONEY, MD_REQ, 0, 0, 0, 0, 0, 0},
    {"rate_bp", FT_INT, MD_REQ, 0, 0, 0, 0, 0, 10000},
    DATED_SOURCE,
};

int md_fidx(const md_kind *k, const char *name)
{
    for (int i = 0; i < k->nf; i++)
        if (strcmp(k->f[i].name, name) == 0)
            return i;
    return -1;
}

const md_val *md_val_of(const md_rec *r, const char *name)
{
    int i = md_fidx(r->k, name);
    assert(i >= 0);
    return &r->v[i];
}

static int check_shift(const md_rec *r, rejection *rj)
{
    if (strcmp(V(r, "start")->s, V(r, "end")->s) == 0)
        return rejection_set(rj, "BAD_RANGE", "shift start and end are both %s", V(r, "start")->s);
    return 0;
}

static int check_assignment(const md_rec *r, rejection *rj)
{
    const md_val *kind = V(r, "kind"), *rel = V(r, "relieves_guard_id");
    if (strcmp(kind->s, "reliever") == 0 && rel->null)
        return rejection_set(rj, "MISSING_FIELD", "a reliever assignment needs relieves_guard_id");
    if (strcmp(kind->s, "regular") == 0 && !rel->null)
        return rejection_set(rj, "BAD_FIELD",
                             "relieves_guard_id is only for reliever assignments");
    if (!rel->null && strcmp(rel->s, V(r, "guard_id")->s) == 0)
        return rejection_set(rj, "BAD_FIELD", "guard %s cannot relieve themself", rel->s);
    return 0;
}

static int check_period(const md_rec *r, rejection *rj)
{
    day_t f, t, rf, rt;
    /* field.c parsed all three already */
    int bad = period_parse(V(r, "period_id")->s, &f, &t);
    bad |= date_parse(V(r, "from")->s, &rf);
    bad |= date_parse(V(r, "to")->s, &rt);
    assert(!bad);
    (void)bad;
    if (f != rf || t != rt) {
        char a[11], b[11];
        date_format(f, a);
        date_format(t, b);
        return rejection_set(rj, "BAD_RANGE", "period %s runs %s to %s, not %s to %s",
                             V(r, "period_id")->s, a, b, V(r, "from")->s, V(r, "to")->s);
    }
    return 0;
}

static int check_obligation(const md_rec *r, rejection *rj)
{
    const md_val *p = V(r, "principal"), *in = V(r, "installment"), *cnt = V(r, "installments");
    if (!p->null && !cnt->null) {
        /* All but the last installment must fall short of the principal,
         * and all of them must cover it. */
        if (in->i * (cnt->i - 1) >= p->i || in->i * cnt->i < p->i)
            return rejection_set(rj, "BAD_FIELD",
                                 "%lld installments of %lld centavos do not repay %lld",
                                 (long long)cnt->i, (long long)in->i, (long long)p->i);
    }
    if (!p->null && in->i > p->i)
        return rejection_set(rj, "BAD_FIELD", "installment is larger than the principal");
    return 0;
}

static int check_route(const md_rec *r, rejection *rj)
{
    if (!V(r, "verifier_role")->null && V(r, "approver_role")->null)
        return rejection_set(rj, "MISSING_FIELD",
                             "a route with a verifier_role needs an approver_role");
    return 0;
}

/* A tenant keeps at least one ACTIVE admin: without one nobody could add
 * users, change roles or routes, or migrate it. */
static int keeps_an_admin(store_t *s, const md_rec *r, rejection *rj)
{
    sqlite3_stmt *q = NULL;
    int admins = 1; /* a failed count refuses nothing: the upsert itself stood */
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT count(*) FROM user u JOIN user_role r USING (user_id)"
            " JOIN role_scope s ON s.role_id = r.role_id"
            " WHERE u.status = 'ACTIVE' AND r.role_id = 'admin' AND s.scope_id = '*'",
            -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        admins = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    if (admins > 0)
        return 0;
    return rejection_set(rj, "CONFLICT",
                         "the tenant would be left without an active admin holding every scope");
}

/* Only actions whose tools can hold a change for approval take an
 * approver; a route the tools would ignore is refused, never kept. */
static int routable(store_t *s, const md_rec *r, rejection *rj)
{
    if (V(r, "approver_role")->null)
        return 0;
    sqlite3_stmt *q = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT routable FROM scope WHERE scope_id = ?1", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, V(r, "action")->s, -1, SQLITE_STATIC);
        ok = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    if (ok)
        return 0;
    return rejection_set(
        rj, "BAD_FIELD",
        "%s is done at once by whoever holds its scope; it cannot wait for approval",
        V(r, "action")->s);
}

/* What pay/rules.h copies into fixed-size fields fits them. */
static int rule_text_fits(const md_rec *r, const char *field, size_t max, rejection *rj)
{
    const md_val *v = V(r, field);
    if (!v->null && strlen(v->s) > max)
        return rejection_set(rj, "BAD_FIELD", "%s is longer than %zu characters", field, max);
    return 0;
}

static int not_negative(const md_rec *r, const char *field, rejection *rj)
{
    const md_val *v = V(r, field);
    if (!v->null && v->i < 0)
        return rejection_set(rj, "BAD_FIELD", "%s must not be negative", field);
    return 0;
}

/* A separation date goes with status SEPARATED, and not before hiring; an
 * e-mail address has the shape core/email.h allows (it goes into a mail
 * header as it is). The address is never quoted in the message. */
static int check_guard(const md_rec *r, rejection *rj)
{
    const md_val *sep = V(r, "separated_on"), *hired = V(r, "hired_on"), *mail = V(r, "email");
    const char *why;
    if (!mail->null && mail->s && *mail->s && !email_valid(mail->s, &why))
        return rejection_set(rj, "BAD_FIELD", "email: not an e-mail address (%s)", why);
    if (!sep->null && strcmp(V(r, "status")->s, "SEPARATED") != 0)
        return rejection_set(rj, "BAD_FIELD", "separated_on goes with status SEPARATED, not %s",
                             V(r, "status")->s);
    if (!sep->null && !hired->null && strcmp(hired->s, sep->s) > 0)
        return rejection_set(rj, "BAD_FIELD", "separated_on %s is before hired_on %s", sep->s,
                             hired->s);
    return 0;
}

static int check_premium(const md_rec *r, rejection *rj)
{
    if (rule_text_fits(r, "code", 15, rj) || rule_text_fits(r, "label", 63, rj) ||
        rule_text_fits(r, "source", 127, rj))
        return REJECTED;
    return 0;
}

/* The pay policy keys payroll reads, each with the values it takes. */
static int policy_enum(const char *v, const char *choices)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        size_t l = strcspn(p, "|");
        if (l == n && strncmp(p, v, l) == 0)
            return 1;
        p += l + (p[l] == '|');
    }
    return 0;
}

/* A decimal number with at most two decimals in [lo, hi] (whole units). */
static int policy_number(const char *v, long lo, long hi)
{
    money_t m;
    if (strchr(v, ',') || strchr(v, '-') || money_parse(v, &m))
        return 0;
    return m >= lo * 100 && m <= hi * 100;
}

static int check_pay_policy(const md_rec *r, rejection *rj)
{
    static const struct {
        const char *key, *choices, *says;
    } keys[] = {
        {"days_per_year", NULL, "a number of days from 1 to 400 (313, 261, 365, 393.5)"},
        {"hours_per_day", NULL, "a whole number of hours from 1 to 24"},
        {"net_floor", NULL, "0, an amount in pesos (500.00) or a share of gross (30%)"},
        {"hdmf_run", "A|B", "A or B (the half of the month whose run takes it)"},
        {"sss_run", "A|B", "A or B (the half of the month whose run takes it)"},
        {"philhealth_run", "A|B", "A or B (the half of the month whose run takes it)"},
        {"hdmf_base", "monthly_equivalent|actual", "monthly_equivalent or actual"},
        {"unworked_holiday", "last_workday|always", "last_workday or always"},
        {"unworked_special", "none|last_workday|always", "none, last_workday or always"},
        {"thirteenth_unworked_holiday", "include|exclude", "include or exclude"},
        {"benefit_exempt_ceiling", NULL, "an amount in pesos (90000.00)"},
        {"cash_bond_code", NULL, "a deduction code (CASH_BOND)"},
    };
    const char *key = V(r, "key")->s, *v = V(r, "value")->s;
    if (rule_text_fits(r, "value", 63, rj) || rule_text_fits(r, "source", 127, rj))
        return REJECTED;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        if (strcmp(keys[i].key, key) != 0)
            continue;
        int ok;
        size_t n = strlen(v);
        if (keys[i].choices)
            ok = policy_enum(v, keys[i].choices);
        else if (!strcmp(key, "days_per_year"))
            ok = policy_number(v, 1, 400);
        else if (!strcmp(key, "cash_bond_code"))
            ok = n > 0 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
        else if (!strcmp(key, "benefit_exempt_ceiling"))
            ok = policy_number(v, 0, 90000000000000L);
        else if (!strcmp(key, "hours_per_day"))
            ok = strspn(v, "0123456789") == n && policy_number(v, 1, 24);
        else if (n > 1 && v[n - 1] == '%') {
            char pct[64];
            snprintf(pct, sizeof pct, "%.*s", (int)(n - 1), v);
            ok = policy_number(pct, 0, 100);
        } else {
            ok = policy_number(v, 0, 90000000000000L);
        }
        if (!ok)
            return rejection_set(rj, "BAD_FIELD", "pay policy %s must be %s, not '%s'", key,
                                 keys[i].says, v);
        return 0;
    }
    return rejection_set(rj, "BAD_FIELD",
                         "unknown pay policy key '%s' (days_per_year, hours_per_day, net_floor, "
                         "hdmf_run, sss_run, philhealth_run, hdmf_base, unworked_holiday, "
                         "unworked_special, thirteenth_unworked_holiday, benefit_exempt_ceiling, "
                         "cash_bond_code)",
                         key);
}

static int check_rule_source(const md_rec *r, rejection *rj)
{
    return rule_text_fits(r, "source", 127, rj);
}

static int check_contribution(const md_rec *r, rejection *rj)
{
    if (check_rule_source(r, rj) || not_negative(r, "base_from", rj) || not_negative(r, "ec", rj))
        return REJECTED;
    int halves = strcmp(V(r, "split")->s, "halves") == 0;
    if (halves && V(r, "ee_bp")->i != V(r, "er_bp")->i)
        return rejection_set(rj, "BAD_FIELD",
                             "split halves shares one premium equally: ee_bp and er_bp must be "
                             "equal");
    if (halves && !V(r, "mpf_above")->null)
        return rejection_set(rj, "BAD_FIELD", "mpf_above goes with split shares (SSS)");
    return 0;
}

static int check_tax(const md_rec *r, rejection *rj)
{
    if (check_rule_source(r, rj) || not_negative(r, "base_from", rj) ||
        not_negative(r, "fixed", rj))
        return REJECTED;
    return 0;
}

/* SQL: whether the date expression is one of the rest days of the guard
 * row in scope (rest_days "SAT,SUN"). */
#define MD_REST_DAY(date)                                                                         \
    "(instr(rest_days, substr('SUNMONTUEWEDTHUFRISAT', 1 + 3 * CAST(strftime('%w', " date         \
    ") AS INTEGER), 3)) > 0)"

/* A leave code names a paysheet line LEAVE_<code> (pay/gross.h). */
static int check_leave_code(const md_rec *r, rejection *rj)
{
    const char *c = V(r, "code")->s;
    size_t n = strlen(c);
    if (n > 16 || strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
        return rejection_set(rj, "BAD_FIELD",
                             "leave code '%s' must be 1 to 16 of A-Z, 0-9 and _ (it names the "
                             "paysheet line LEAVE_%s)",
                             c, c);
    return rule_text_fits(r, "name", 63, rj);
}

/* One integer a query binding text parameters gives, or dflt (no row or NULL). */
static long long query_int(store_t *s, const char *sql, const char *const *args, int nargs,
                           long long dflt, int *failed)
{
    sqlite3_stmt *q = NULL;
    long long v = dflt;
    *failed = 1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK) {
        for (int i = 0; i < nargs; i++)
            sqlite3_bind_text(q, i + 1, args[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
            v = sqlite3_column_int64(q, 0);
        *failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return v;
}

/* A recorded leave day: within the guard's employment, not a day the guard
 * worked (a COMPLETE DTR: void its punches first), one code a day, and
 * within the code's days a year. A query that fails refuses the record
 * rather than let it through unchecked. */
static int leave_after(store_t *s, const md_rec *r, rejection *rj)
{
    const char *g = V(r, "guard_id")->s, *d = V(r, "date")->s, *code = V(r, "code")->s;
    if (strcmp(V(r, "status")->s, "RECORDED") != 0)
        return 0;
    int bad = 0, failed;
    sqlite3_stmt *q = NULL;
    char other[64] = "", hired[11] = "", sep[11] = "";
    if (sqlite3_prepare_v2(s->db,
                           "SELECT (SELECT min(code) FROM leave WHERE guard_id = ?1 AND date = ?2"
                           " AND code <> ?3 AND status = 'RECORDED'),"
                           " coalesce(hired_on, ''), coalesce(separated_on, '')"
                           " FROM guard WHERE guard_id = ?1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, g, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, d, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, code, -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            if (sqlite3_column_type(q, 0) != SQLITE_NULL)
                snprintf(other, sizeof other, "%s", (const char *)sqlite3_column_text(q, 0));
            snprintf(hired, sizeof hired, "%s", (const char *)sqlite3_column_text(q, 1));
            snprintf(sep, sizeof sep, "%s", (const char *)sqlite3_column_text(q, 2));
        }
        bad = rc != SQLITE_ROW;
    } else {
        bad = 1;
    }
    sqlite3_finalize(q);
    if (bad)
        return rejection_set(rj, "CONFLICT", "cannot read guard %s's leave: %s", g,
                             sqlite3_errmsg(s->db));
    if (other[0])
        return rejection_set(rj, "OVERLAP",
                             "guard %s already has leave %s on %s (record it CANCELLED first)", g,
                             other, d);
    if (hired[0] && strcmp(d, hired) < 0)
        return rejection_set(rj, "OUTSIDE_EMPLOYMENT", "%s is before guard %s was hired (%s)", d,
                             g, hired);
    if (sep[0] && strcmp(d, sep) > 0)
        return rejection_set(rj, "OUTSIDE_EMPLOYMENT", "%s is after guard %s separated (%s)", d, g,
                             sep);
    const char *gd[] = {g, d};
    long long worked = query_int(s,
                                 "SELECT count(*) FROM tk.dtr WHERE guard_id = ?1 AND date = ?2"
                                 " AND status = 'COMPLETE'",
                                 gd, 2, 0, &failed);
    if (failed)
        return rejection_set(rj, "CONFLICT", "cannot read guard %s's DTRs: %s", g,
                             sqlite3_errmsg(s->db));
    if (worked)
        return rejection_set(rj, "WORKED",
                             "guard %s worked on %s (a COMPLETE DTR): a worked day is not leave; "
                             "void its punches with armms-timelog adjust first",
                             g, d);
    const char *c1[] = {code};
    long long cap =
        query_int(s, "SELECT annual_days FROM leave_code WHERE code = ?1", c1, 1, -1, &failed);
    if (failed || cap < 0)
        return failed ? rejection_set(rj, "CONFLICT", "cannot read leave code %s", code) : 0;
    char y0[11], y1[11];
    snprintf(y0, sizeof y0, "%.4s-01-01", d);
    snprintf(y1, sizeof y1, "%.4s-12-31", d);
    const char *gcy[] = {g, code, y0, y1};
    /* a rest day in a range makes no DTR and takes nothing from the year */
    const char *gd2[] = {g, d};
    long long rest = query_int(s, "SELECT " MD_REST_DAY("?2") " FROM guard WHERE guard_id = ?1",
                               gd2, 2, 0, &failed);
    if (failed)
        return rejection_set(rj, "CONFLICT", "cannot read guard %s", g);
    if (rest)
        return 0;
    long long taken = query_int(s,
                                "SELECT count(*) FROM leave l JOIN guard g USING (guard_id)"
                                " WHERE l.guard_id = ?1 AND l.code = ?2 AND l.date BETWEEN ?3"
                                " AND ?4 AND l.status = 'RECORDED' AND NOT " MD_REST_DAY("l.date"),
                                gcy, 4, 0, &failed);
    if (failed)
        return rejection_set(rj, "CONFLICT", "cannot read guard %s's leave", g);
    if (taken > cap)
        return rejection_set(rj, "OVER_BALANCE",
                             "guard %s has %lld day%s of %s a year and %lld recorded in %.4s: "
                             "balance %lld, so %s would be one more",
                             g, cap, cap == 1 ? "" : "s", code, taken - 1, d,
                             cap - (taken - 1) > 0 ? cap - (taken - 1) : 0, d);
    return 0;
}

static const char *assignment_event(const md_rec *r)
{
    return strcmp(V(r, "kind")->s, "reliever") == 0 ? "RelieverAssigned" : "AssignmentPlanned";
}

#define F(a) a, (int)(sizeof a / sizeof *a)
static const md_kind kinds[] = {
    {"position", "hr", "position", NULL, "PositionUpserted", "position", F(position_f), 0, 0, 0, 0,
     0, 0, 0},
    {"detachment", "hr", "detachment", NULL, "DetachmentUpserted", "detachment", F(detachment_f),
     0, 0, 0, 0, 0, 0, 0},
    {"shift", "hr", "shift", NULL, "ShiftUpserted", "shift", F(shift_f), check_shift, 0, 0, 0, 0,
     0, 0},
    {"guard", "hr", "guard", NULL, "GuardUpserted", "guard", F(guard_f), check_guard, 0, 0, 0, 0,
     0, 0},
    {"assignment", "hr", "assignment", "assignment_id", "AssignmentPlanned", "assignment",
     F(assignment_f), check_assignment, assignment_event, 0, 0, 0, 0, 0},
    {"rate", "pay", "rate", "rate_id", "RateCardUpdated", "rate", F(rate_f), 0, 0, 0, 0, 0, 0, 0},
    {"holiday", "pay", "holiday", NULL, "HolidayUpserted", "holiday", F(holiday_f), 0, 0, 0, 0, 0,
     0, 0},
    {"period", "pay", "period", NULL, "PayPeriodDefined", "period", F(period_f), check_period, 0,
     0, 0, 0, 0, 0},
    /* the installment schedule: pay/obligation.h */
    {"obligation", "pay", "obligation", NULL, "ObligationUpserted", "obligation", F(obligation_f),
     check_obligation, 0, 0, 1, 0, 0, 0},
    {"premium", "pay", "premium", "premium_id", "PremiumUpdated", "premium", F(premium_f),
     check_premium, 0, 0, 0, 0, 0, 0},
    {"pay_policy", "pay", "pay_policy", "policy_id", "PayPolicyUpdated", "pay_policy",
     F(pay_policy_f), check_pay_policy, 0, 0, 0, 0, 0, 0},
    {"minimum_wage", "pay", "minimum_wage", "wage_id", "MinimumWageUpdated", "minimum_wage",
     F(minimum_wage_f), check_rule_source, 0, 0, 0, 0, 0, 0},
    {"deduction_priority", "pay", "deduction_priority", "priority_id", "DeductionPriorityUpdated",
     "deduction_priority", F(deduction_priority_f), check_rule_source, 0, 0, 0, 0, 0, 0},
    {"contribution", "pay", "contribution", "contribution_id", "ContributionScheduleUpdated",
     "contribution", F(contribution_f), check_contribution, 0, 0, 0, 0, 0, 0},
    {"tax", "pay", "tax", "tax_id", "TaxTableUpdated", "tax", F(tax_f), check_tax, 0, 0, 0, 0, 0,
     0},
    {"user", "iam", "user", NULL, "UserUpserted", "user", F(user_f), 0, 0, keeps_an_admin, 0, 0, 0,
     0},
    {"role", "iam", "role", NULL, "RoleUpserted", "role", F(role_f), 0, 0, keeps_an_admin, 0, 0, 0,
     0},
    {"route", "iam", "route", NULL, "RouteUpserted", "route", F(route_f), check_route, 0, routable,
     0, 0, 0, 0},
    {"leave_code", "hr", "leave_code", NULL, "LeaveCodeUpserted", "leave_code", F(leave_code_f),
     check_leave_code, 0, 0, 0, 0, 0, 0},
    {"leave", "hr", "leave", NULL, "LeaveRecorded", "leave", F(leave_f), 0, 0, leave_after, 0,
     "leave.record", "tk", "to"},
};
#define NKINDS (int)(sizeof kinds / sizeof *kinds)

const md_kind *md_kind_find(const char *name)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            assert(kinds[i].nf <= MD_MAXF);
            return &kinds[i];
        }
    return NULL;
}

const char *md_kind_names(void)
{
    static char buf[512];
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
    if (k->action)
        return k->action;
    snprintf(buf, sizeof buf, "%s.update", k->name);
    return buf;
}
