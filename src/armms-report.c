/*
 * armms-report - read-only reports (lib/out/report.h, lib/cli/report_view.h):
 * options, the verb table, the summary. Every store is opened read-only;
 * nothing is recomputed or written, not even the journal or the audit
 * trail, so a report needs only a read scope.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report_view.h"
#include "cli/view.h"
#include "core/clock.h"
#include "iam/change.h"
#include "iam/rbac.h"
#include "out/report.h"
#include "store/store.h"
#include "tk/stale.h"

typedef struct rep {
    cli_t c;
    tenant_t t;
    armms_err err;
    const cli_verb *verb;
    const char *operand, *format;
    report_scope sc;
    int bom, html;
    const char *year; /* leave: YYYY */
    long shown;       /* records shown, for the summary */
    char what[160];
} rep;

static render_format fmt_of(rep *r)
{
    return render_format_pick(r->format);
}

/* Data under a report that a correction or a master-data change has
 * touched since the stage that derives it last ran is stale. This is the
 * one place a report says so: one line on stderr per stage with marks in
 * the report's period (any period when it names none), naming the command
 * that brings it current, and one for master-data changes no timekeeping
 * run has read yet - before the report is shown, so on a terminal above
 * the table. Only the timekeeping reports read tk.db's marks. */
typedef struct stale_tally {
    char stage[3][16];
    long n[3];
    int k;
} stale_tally;

static int tally(const tk_stale *m, void *ctx)
{
    stale_tally *t = ctx;
    int i = 0;
    while (i < t->k && strcmp(t->stage[i], m->stage))
        i++;
    if (i == t->k) {
        if (t->k == 3)
            return 0;
        snprintf(t->stage[t->k++], sizeof t->stage[0], "%s", m->stage);
    }
    t->n[i]++;
    return 0;
}

static void notice_stale(rep *r)
{
    if (strcmp(r->verb->scope, "timesheet.read"))
        return;
    store_t tk = {0};
    armms_err e = {0};
    if (store_open_ro(&tk, &r->t, "tk", &e))
        return; /* the report itself says what is wrong with the store */
    stale_tally t = {0};
    long unread = 0;
    if (!tk_stale_each(tk.db, r->sc.period, r->sc.guard, tally, &t, &e))
        for (int i = 0; i < t.k; i++) {
            char cmd[160];
            tk_stale_command(t.stage[i], r->t.id, cmd, sizeof cmd);
            armms_warn("stale: %ld %s mark%s%s%s: the %s rows under this report are not current;"
                       " run %s",
                       t.n[i], t.stage[i], t.n[i] == 1 ? "" : "s", r->sc.period ? " in " : "",
                       r->sc.period ? r->sc.period : "", t.stage[i], cmd);
        }
    if (!tk_stale_unread(&r->t, tk.db, &unread, &e) && unread > 0)
        armms_warn("stale: %ld master data change%s no timekeeping run has read yet may change"
                   " what is shown; armms-timesheet -t %s --validate tells",
                   unread, unread == 1 ? "" : "s", r->t.id);
    store_close(&tk);
}

static int show(rep *r, const char *report, jv recs)
{
    notice_stale(r);
    r->shown = jv_array_length(jv_copy(recs));
    render_opts o = {.bom = r->bom};
    return report_view(report, recs, stdout, fmt_of(r), &o, &r->err);
}

/* The dates of exceptions and dtr: --period, --date or --from/--to. */
static int dates(rep *r)
{
    report_scope *sc = &r->sc;
    if (sc->period)
        return report_scope_period(sc, &r->err);
    if (sc->date) {
        snprintf(sc->from, sizeof sc->from, "%s", sc->date);
        snprintf(sc->to, sizeof sc->to, "%s", sc->date);
    }
    day_t f, t;
    if (date_parse(sc->from, &f) || date_parse(sc->to, &t) || t < f)
        return err_set(&r->err, EXIT_USAGE, "'%s..%s' is not a range of dates", sc->from, sc->to);
    return 0;
}

static int run_exceptions(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (dates(r) || report_exceptions(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "exceptions of %s..%s", r->sc.from, r->sc.to);
    return show(r, "exceptions", recs);
}

static int run_dtr(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (dates(r) || report_dtr(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "DTRs of %s..%s", r->sc.from, r->sc.to);
    return show(r, "dtr", recs);
}

static int run_guard(void *ctx)
{
    rep *r = ctx;
    jv dtrs, sheets;
    r->sc.guard = r->operand;
    if (report_scope_period(&r->sc, &r->err) || report_dtr(&r->t, &r->sc, &dtrs, &r->err))
        return r->err.code;
    if (report_timesheets(&r->t, &r->sc, &sheets, &r->err)) {
        jv_free(dtrs);
        return r->err.code;
    }
    r->shown = jv_array_length(jv_copy(dtrs));
    char title[200];
    jv first = jv_array_get(jv_copy(dtrs), 0);
    jv name = jv_is_valid(first) ? jv_object_get(first, jv_string("name")) : jv_invalid();
    snprintf(title, sizeof title, "%s  %s  %s (%s to %s)", r->operand,
             jv_get_kind(name) == JV_KIND_STRING ? jv_string_value(name) : "", r->sc.period,
             r->sc.from, r->sc.to);
    jv_free(name);
    snprintf(r->what, sizeof r->what, "DTRs of %s in %s", r->operand, r->sc.period);
    return report_view_guard(title, dtrs, sheets, stdout, fmt_of(r), r->bom, &r->err);
}

static int run_timesheets(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (report_scope_period(&r->sc, &r->err) || report_timesheets(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "timesheets of %s", r->sc.period);
    return show(r, "timesheets", recs);
}

static int run_detachment(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (report_scope_period(&r->sc, &r->err) || report_detachments(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "detachments in %s", r->sc.period);
    return show(r, "detachment", recs);
}

/* The ABSENT exceptions of a list (consumed). */
static jv absences_of(jv ex)
{
    jv out = jv_array();
    jv_array_foreach(ex, i, rec)
    {
        jv code = jv_object_get(jv_copy(rec), jv_string("code"));
        int absent =
            jv_get_kind(code) == JV_KIND_STRING && !strcmp(jv_string_value(code), "ABSENT");
        jv_free(code);
        if (absent)
            out = jv_array_append(out, rec);
        else
            jv_free(rec);
    }
    jv_free(ex);
    return out;
}

static int run_timekeeping(void *ctx)
{
    rep *r = ctx;
    jv dets, counts, ex;
    if (report_scope_period(&r->sc, &r->err) || report_detachments(&r->t, &r->sc, &dets, &r->err))
        return r->err.code;
    if (report_anomaly_counts(&r->t, &r->sc, &counts, &r->err)) {
        jv_free(dets);
        return r->err.code;
    }
    if (report_exceptions(&r->t, &r->sc, &ex, &r->err)) {
        jv_free(dets);
        jv_free(counts);
        return r->err.code;
    }
    r->shown = jv_array_length(jv_copy(dets));
    snprintf(r->what, sizeof r->what, "timekeeping of %s", r->sc.period);
    if (r->html) {
        notice_stale(r);
        return report_html_timekeeping(r->t.id, r->sc.period, dets, counts, absences_of(ex),
                                       stdout, &r->err);
    }
    jv_free(ex);
    jv_free(counts);
    return show(r, "detachment", dets);
}

static int run_roster(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (report_roster(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "posts on %s", r->sc.date);
    return show(r, "roster", recs);
}

static int run_changes(void *ctx)
{
    rep *r = ctx;
    rbac_t who;
    memset(&who, 0, sizeof who);
    change_filter f = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return err_set(&r->err, EXIT_SOFTWARE, "out of memory");
    int rc = rbac_load(&who, &r->t, &r->err);
    if (!rc)
        rc = change_list(&r->t, &who, &f, mem, &r->err);
    fclose(mem);
    rbac_free(&who);
    if (!rc) {
        snprintf(r->what, sizeof r->what, "pending change requests");
        rc = show(r, "changes", view_records_of(buf, len));
    }
    free(buf);
    return rc;
}

static int run_obligations(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (report_obligations(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "obligations");
    return show(r, "obligations", recs);
}

static int run_leave(void *ctx)
{
    rep *r = ctx;
    jv recs;
    if (report_leave(&r->t, &r->sc, r->year, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "leave of %s", r->year);
    return show(r, "leave", recs);
}

static int run_paysheets(void *ctx)
{
    rep *r = ctx;
    jv recs;
    r->sc.period = r->operand;
    if (report_scope_period(&r->sc, &r->err) || report_paysheets(&r->t, &r->sc, &recs, &r->err))
        return r->err.code;
    snprintf(r->what, sizeof r->what, "paysheets of %s", r->operand);
    return show(r, "paysheets", recs);
}

/* The pay period before id (YYYY-MM-A|B) in buf (>= 10 bytes). */
static void period_before(const char *id, char *buf)
{
    int y, m;
    char half;
    if (sscanf(id, "%4d-%2d-%c", &y, &m, &half) != 3) {
        buf[0] = '\0';
        return;
    }
    if (half == 'B')
        snprintf(buf, 10, "%04d-%02d-A", y, m);
    else if (m == 1)
        snprintf(buf, 10, "%04d-12-B", y - 1);
    else
        snprintf(buf, 10, "%04d-%02d-B", y, m - 1);
}

static int run_payrun(void *ctx)
{
    rep *r = ctx;
    jv rec;
    int found;
    r->sc.period = r->operand;
    if (report_scope_period(&r->sc, &r->err) ||
        report_payrun(&r->t, r->operand, &rec, &found, &r->err))
        return r->err.code;
    if (!found)
        return err_set(&r->err, EXIT_DATAERR, "no payrun for %s", r->operand);
    r->shown = 1;
    snprintf(r->what, sizeof r->what, "payrun %s", r->operand);
    if (!r->html)
        return view_run_totals(rec, stdout, fmt_of(r), &r->err);
    jv sheets, prev = jv_array();
    char before[16];
    period_before(r->operand, before);
    report_scope ps = {.period = before};
    if (report_paysheets(&r->t, &r->sc, &sheets, &r->err)) {
        jv_free(rec);
        return r->err.code;
    }
    if (before[0] && !report_scope_period(&ps, &r->err)) {
        jv_free(prev);
        if (report_paysheets(&r->t, &ps, &prev, &r->err)) {
            jv_free(rec);
            jv_free(sheets);
            return r->err.code;
        }
    }
    return report_html_payrun(r->t.id, rec, sheets, prev, stdout, &r->err);
}

/* The one list of reports. */
static const cli_verb verbs[] = {
    {.name = "exceptions",
     .synopsis = "(--from D --to D | --date D | --period P) [--guard G] [--detachment X]",
     .help = "missing IN/OUT, wrong detachment, off shift, absent, late ...\n"
             "with the command that fixes each",
     .scope = "timesheet.read",
     .run = run_exceptions},
    {.name = "dtr",
     .synopsis = "(--from D --to D | --date D | --period P) [--guard G] [--detachment X]",
     .help = "daily time records: in and out, status, minutes",
     .scope = "timesheet.read",
     .run = run_dtr},
    {.name = "guard",
     .operand = "G",
     .needs = "a guard id",
     .synopsis = "--period P",
     .help = "one guard's period: the DTRs and the timesheets",
     .scope = "timesheet.read",
     .run = run_guard},
    {.name = "timesheets",
     .synopsis = "--period P [--guard G | --detachment X]",
     .help = "the period's timesheets (latest version), hours by kind",
     .scope = "timesheet.read",
     .run = run_timesheets},
    {.name = "detachment",
     .synopsis = "--period P [--detachment X]",
     .help = "per detachment: heads, days, absences, reliefs, hours by day type",
     .scope = "timesheet.read",
     .run = run_detachment},
    {.name = "timekeeping",
     .synopsis = "--period P [--format html]",
     .help = "the period's timekeeping review (HTML: hours by day type per\n"
             "detachment, anomalies by code, absences and reliefs)",
     .scope = "timesheet.read",
     .run = run_timekeeping},
    {.name = "roster",
     .synopsis = "--date D [--detachment X] [--guard G]",
     .help = "who is posted where, relievers and whom they relieve, open posts",
     .scope = "timesheet.read",
     .run = run_roster},
    {.name = "changes",
     .help = "change requests awaiting verification or approval",
     .scope = "approval.read",
     .run = run_changes},
    {.name = "obligations",
     .synopsis = "[--guard G]",
     .help = "loans, deductions, allowances and rewards with their balances\n"
             "(contributions too, for one guard)",
     .scope = "paysheet.read",
     .run = run_obligations},
    {.name = "leave",
     .synopsis = "--year YYYY [--guard G]",
     .help = "per guard and leave code: the days a year, taken, the balance",
     .scope = "timesheet.read",
     .run = run_leave},
    {.name = "payrun",
     .operand = "P",
     .needs = "a pay period",
     .synopsis = "[--format html]",
     .help = "the payrun's status, counts and totals (HTML: the review page:\n"
             "net pay distribution, deferrals, largest changes)",
     .scope = "paysheet.read",
     .run = run_payrun},
    {.name = "paysheets",
     .operand = "P",
     .needs = "a pay period",
     .synopsis = "[--guard G]",
     .help = "one line per paysheet: gross, deducted, deferred, net",
     .scope = "paysheet.read",
     .run = run_paysheets},
    {0},
};

static const char intro[] =
    "\n"
    "Read-only reports. Every store is opened read-only: nothing is recomputed\n"
    "or written, so a report needs only a read scope (timesheet.read,\n"
    "paysheet.read or approval.read). On a terminal a report is an aligned\n"
    "table (names Last, First; hours h:mm); otherwise NDJSON, or --format.\n"
    "\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --period P        a pay period (YYYY-MM-A|B)\n"
    "      --from D --to D   dates D..D (YYYY-MM-DD)\n"
    "      --date D          one date\n"
    "      --guard G         one guard\n"
    "      --detachment X    one detachment\n"
    "      --year YYYY       leave: the year\n"
    "      --format F        table, ndjson, csv, xlsx (a workbook, to a file or\n"
    "                        pipe) or html (timekeeping and payrun)\n"
    "      --bom             csv: a UTF-8 byte-order mark first\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n" CLI_EXIT_HEAD CLI_EXIT(" 0", "shown")
        CLI_EXIT("64", "usage: an unknown report, a bad date, period or format")
            CLI_EXIT("65", "the period has no payrun; no such guard or detachment")
                CLI_EXIT("74", "standard output cannot be written")
                    CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum {
    OPT_PERIOD = OPT_TOOL_BASE,
    OPT_FROM,
    OPT_TO,
    OPT_DATE,
    OPT_GUARD,
    OPT_DET,
    OPT_FORMAT,
    OPT_BOM,
    OPT_YEAR
};

static void parse_options(rep *r, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"period", required_argument, NULL, OPT_PERIOD},
                                             {"from", required_argument, NULL, OPT_FROM},
                                             {"to", required_argument, NULL, OPT_TO},
                                             {"date", required_argument, NULL, OPT_DATE},
                                             {"guard", required_argument, NULL, OPT_GUARD},
                                             {"detachment", required_argument, NULL, OPT_DET},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"bom", no_argument, NULL, OPT_BOM},
                                             {"year", required_argument, NULL, OPT_YEAR},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&r->c, "armms-report", argv, "[-t TENANT]", verbs, intro, options);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&r->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_PERIOD:
            r->sc.period = optarg;
            break;
        case OPT_FROM:
            snprintf(r->sc.from, sizeof r->sc.from, "%.10s", optarg);
            if (strlen(optarg) != 10)
                cli_usage_error(&r->c, "'%s' is not a date (YYYY-MM-DD)", optarg);
            break;
        case OPT_TO:
            snprintf(r->sc.to, sizeof r->sc.to, "%.10s", optarg);
            if (strlen(optarg) != 10)
                cli_usage_error(&r->c, "'%s' is not a date (YYYY-MM-DD)", optarg);
            break;
        case OPT_DATE:
            r->sc.date = optarg;
            break;
        case OPT_GUARD:
            r->sc.guard = optarg;
            break;
        case OPT_DET:
            r->sc.detachment = optarg;
            break;
        case OPT_YEAR:
            cli_long(&r->c, "--year", optarg, 1900, 9999);
            if (strlen(optarg) != 4)
                cli_usage_error(&r->c, "--year takes a year (YYYY), not '%s'", optarg);
            r->year = optarg;
            break;
        case OPT_FORMAT:
            r->format = optarg;
            break;
        case OPT_BOM:
            r->bom = 1;
            break;
        }
    }
}

static int is_verb(const rep *r, const char *name)
{
    return !strcmp(r->verb->name, name);
}

/* The verb and whether the options go with it: before any tenant is read. */
static void check_verb(rep *r, int argc, char **argv)
{
    const cli_t *c = &r->c;
    report_scope *sc = &r->sc;
    day_t d;
    r->verb = cli_verb_pick(c, verbs, "report", argc, argv, &r->operand);
    if (r->format && !strcmp(r->format, "html")) {
        if (!is_verb(r, "timekeeping") && !is_verb(r, "payrun"))
            cli_usage_error(c, "--format html goes with timekeeping or payrun");
        r->html = 1;
        r->format = "table";
    } else if (r->format && render_format_parse(r->format) < 0) {
        cli_usage_error(c, "unknown format '%s' (table, ndjson, csv, xlsx or html)", r->format);
    }
    if (r->format && !strcmp(r->format, "xlsx") && isatty(STDOUT_FILENO))
        cli_usage_error(c, "an XLSX workbook is not for a terminal: redirect it to a file");
    if (r->bom && (!r->format || strcmp(r->format, "csv")))
        cli_usage_error(c, "--bom goes with --format csv");
    if (sc->period) {
        day_t f, t;
        if (period_parse(sc->period, &f, &t))
            cli_usage_error(c, "'%s' is not a pay period (YYYY-MM-A|B)", sc->period);
    }
    if (sc->date && date_parse(sc->date, &d))
        cli_usage_error(c, "'%s' is not a date (YYYY-MM-DD)", sc->date);
    if ((sc->from[0] && date_parse(sc->from, &d)) || (sc->to[0] && date_parse(sc->to, &d)))
        cli_usage_error(c, "--from and --to take dates (YYYY-MM-DD)");
    int ranged = !!sc->from[0] + !!sc->to[0];
    if (is_verb(r, "exceptions") || is_verb(r, "dtr")) {
        if (ranged == 1)
            cli_usage_error(c, "--from and --to go together");
        if ((ranged > 0) + !!sc->date + !!sc->period != 1)
            cli_usage_error(c, "%s needs one of --from D --to D, --date D or --period P",
                            r->verb->name);
        return;
    }
    if (ranged)
        cli_usage_error(c, "--from and --to go with exceptions or dtr");
    if (is_verb(r, "leave") != !!r->year)
        cli_usage_error(c, r->year ? "--year goes with leave" : "leave needs --year YYYY");
    if (is_verb(r, "roster")) {
        if (!sc->date)
            cli_usage_error(c, "roster needs --date D");
        if (sc->period)
            cli_usage_error(c, "roster takes --date, not --period");
        return;
    }
    if (sc->date)
        cli_usage_error(c, "--date goes with exceptions, dtr or roster");
    int needs_period = is_verb(r, "guard") || is_verb(r, "timesheets") ||
                       is_verb(r, "detachment") || is_verb(r, "timekeeping");
    if (needs_period && !sc->period)
        cli_usage_error(c, "%s needs --period P", r->verb->name);
    if (!needs_period && sc->period)
        cli_usage_error(c, "--period does not go with %s", r->verb->name);
    if (is_verb(r, "timesheets") && sc->guard && sc->detachment)
        cli_usage_error(c, "give --guard or --detachment, not both");
    if (sc->guard && !is_verb(r, "timesheets") && !is_verb(r, "obligations") &&
        !is_verb(r, "paysheets") && !is_verb(r, "leave"))
        cli_usage_error(c, "--guard does not go with %s", r->verb->name);
    if (sc->detachment && !is_verb(r, "timesheets") && !is_verb(r, "detachment"))
        cli_usage_error(c, "--detachment does not go with %s", r->verb->name);
    if (r->operand && (is_verb(r, "payrun") || is_verb(r, "paysheets"))) {
        day_t f, t;
        if (period_parse(r->operand, &f, &t))
            cli_usage_error(c, "'%s' is not a pay period (YYYY-MM-A|B)", r->operand);
    }
}

/* A limited user's guard (--guard, or the guard report's G) must have
 * been assigned at one of their detachments: else EXIT_NOPERM naming
 * where he was. An unknown guard is report_scope_check's to say. */
static int guard_reached(rep *r, const rbac_t *who, const char *guard)
{
    store_t s;
    if (store_open_ro(&s, &r->t, "hr", &r->err))
        return r->err.code;
    sqlite3_stmt *q = NULL;
    int rc = store_prepare(&s, &q,
                           "SELECT DISTINCT detachment_id FROM assignment WHERE guard_id = ?1"
                           " ORDER BY 1",
                           &r->err);
    char other[65] = "";
    int mine = 0, any = 0;
    if (!rc) {
        sqlite3_bind_text(q, 1, guard, -1, SQLITE_STATIC);
        while (sqlite3_step(q) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(q, 0);
            any = 1;
            if (rbac_at(who, d))
                mine = 1;
            else if (!other[0])
                snprintf(other, sizeof other, "%s", d);
        }
        sqlite3_finalize(q);
    }
    store_close(&s);
    if (rc || mine || !any)
        return rc;
    strbuf at;
    sb_init(&at);
    rbac_dets(who, &at);
    err_set(&r->err, EXIT_NOPERM,
            "user '%s' of tenant %s may %s only at %s: not at %s, guard %s's", who->user, r->t.id,
            r->verb->scope, at.s, other, guard);
    sb_free(&at);
    return r->err.code;
}

int main(int argc, char **argv)
{
    static rep r;
    parse_options(&r, argc, argv);
    check_verb(&r, argc, argv);
    cli_tenant(&r.c, &r.t);
    cli_authorize(&r.t, r.verb->scope);
    /* a user limited to detachments (rbac.h) sees their rows only, and
     * naming another detachment is refused */
    rbac_t who;
    int rc = rbac_load(&who, &r.t, &r.err);
    if (!rc && rbac_limited(&who)) {
        r.sc.dets = who.dets;
        if (r.sc.detachment)
            rc = rbac_limit(&who, r.verb->scope, r.sc.detachment, &r.err);
        const char *g = is_verb(&r, "guard") ? r.operand : r.sc.guard;
        if (!rc && g)
            rc = guard_reached(&r, &who, g);
    }
    if (!rc)
        rc = report_scope_check(&r.t, &r.sc, &r.err) ? r.err.code : r.verb->run(&r);
    rbac_free(&who);
    if (rc)
        return cli_end(&r.c, 0, &r.err, NULL);
    return cli_end(&r.c, 0, NULL, "tenant %s: %s: %ld shown", r.t.id, r.what, r.shown);
}
