/*
 * report_view.c - the columns of each report (report_view.h).
 */
#include "cli/report_view.h"

#include <string.h>

enum { S = RENDER_SUM, OPT = RENDER_OPTIONAL, TO = RENDER_TABLE_ONLY, CO = RENDER_CSV_ONLY };

#define M RENDER_MINUTES
#define T RENDER_TEXT
#define D RENDER_DATE
#define N RENDER_INT
#define P RENDER_MONEY

static const render_col exceptions_cols[] = {
    {"Date", "date", D, 0, 0, 0, NULL},      {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},     {"Detachment", "detachment_id", T, 0, 0, 0, NULL},
    {"Shift", "shift_id", T, 0, 0, 0, NULL}, {"Code", "code", T, 0, 0, 0, NULL},
    {"Late", "minutes", M, 0, 0, OPT, NULL}, {"Time log", "time_log_id", T, 0, 0, CO, NULL},
    {"Punch", "ts", T, 0, 0, CO, NULL},      {"Fix", "fix", T, 0, 0, 0, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

#define MINUTE_COLS(p)                                                                            \
    {"Worked", p "worked", M, 0, 0, S, NULL}, {"Regular", p "regular", M, 0, 0, S, NULL},         \
        {"OT", p "ot", M, 0, 0, S, NULL}, {"ND", p "nd", M, 0, 0, S, NULL},                       \
        {"ND OT", p "nd_ot", M, 0, 0, S, NULL}, {"Late", p "late", M, 0, 0, S, NULL},             \
    {                                                                                             \
        "Undertime", p "undertime", M, 0, 0, S, NULL                                              \
    }

static const render_col dtr_cols[] = {
    {"Date", "date", D, 0, 0, 0, NULL},
    {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Detachment", "detachment_id", T, 0, 0, 0, NULL},
    {"Shift", "shift_id", T, 0, 0, 0, NULL},
    {"Day type", "day_type", T, 0, 0, 0, NULL},
    {"In", "in", T, 0, 0, TO, NULL},
    {"Out", "out", T, 0, 0, TO, NULL},
    {"time_in", "time_in", T, 0, 0, CO, NULL},
    {"time_out", "time_out", T, 0, 0, CO, NULL},
    {"Status", "status", T, 0, 0, 0, NULL},
    MINUTE_COLS("minutes."),
    {"Relieves", "relieves_guard_id", T, 0, 0, OPT, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

#define DAY_TYPE_CSV(dt)                                                                          \
    {dt " regular", "minutes." dt ".regular", M, 0, 0, CO, NULL},                                 \
    {                                                                                             \
        dt " ot", "minutes." dt ".ot", M, 0, 0, CO, NULL                                          \
    }

static const render_col timesheet_cols[] = {
    {"Timesheet", "timesheet_id", T, 0, 0, CO, NULL},
    {"Period", "period.id", T, 0, 0, CO, NULL},
    {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Detachment", "detachment_id", T, 0, 0, 0, NULL},
    {"Shift", "shift_id", T, 0, 0, 0, NULL},
    {"Ver", "version", N, 0, 0, 0, NULL},
    {"Status", "status", T, 0, 0, 0, NULL},
    {"Days", "days_worked", N, 0, 0, S, NULL},
    {"Absent", "days_absent", N, 0, 0, S, NULL},
    {"Incomplete", "days_incomplete", N, 0, 0, S | OPT, NULL},
    MINUTE_COLS("totals."),
    DAY_TYPE_CSV("ordinary"),
    DAY_TYPE_CSV("rest"),
    DAY_TYPE_CSV("special"),
    DAY_TYPE_CSV("special_rest"),
    DAY_TYPE_CSV("regular_holiday"),
    DAY_TYPE_CSV("regular_holiday_rest"),
    DAY_TYPE_CSV("double_holiday"),
    DAY_TYPE_CSV("double_holiday_rest"),
    {"Checksum", "checksum", T, 0, 0, CO, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col detachment_cols[] = {
    {"Period", "period", T, 0, 0, CO, NULL},
    {"Detachment", "detachment_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Client", "client", T, 0, 0, CO, NULL},
    {"Heads", "heads", N, 0, 0, S, NULL},
    {"Days", "days_worked", N, 0, 0, S, NULL},
    {"Absent", "days_absent", N, 0, 0, S, NULL},
    {"Incomplete", "days_incomplete", N, 0, 0, S, NULL},
    {"Reliefs", "reliefs", N, 0, 0, S, NULL},
    {"Ordinary", "minutes.ordinary", M, 0, 0, S | OPT, NULL},
    {"Rest day", "minutes.rest", M, 0, 0, S | OPT, NULL},
    {"Special", "minutes.special", M, 0, 0, S | OPT, NULL},
    {"Special rest", "minutes.special_rest", M, 0, 0, S | OPT, NULL},
    {"Holiday", "minutes.regular_holiday", M, 0, 0, S | OPT, NULL},
    {"Holiday rest", "minutes.regular_holiday_rest", M, 0, 0, S | OPT, NULL},
    {"Double hol.", "minutes.double_holiday", M, 0, 0, S | OPT, NULL},
    {"Double hol. rest", "minutes.double_holiday_rest", M, 0, 0, S | OPT, NULL},
    MINUTE_COLS("totals."),
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col roster_cols[] = {
    {"Date", "date", D, 0, 0, CO, NULL},
    {"Detachment", "detachment_id", T, 0, 0, RENDER_GROUP, NULL},
    {"Site", "detachment", T, 0, 20, RENDER_GROUP, NULL},
    {"Shift", "shift_id", T, 0, 0, 0, NULL},
    {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Kind", "assignment_kind", T, 0, 0, 0, NULL},
    {"Relieves", "relieves_guard_id", T, 0, 0, OPT, NULL},
    {"Relieves name", "relieves_name", T, 0, 24, OPT, NULL},
    {"Relieved by", "relieved_by", T, 0, 0, OPT, NULL},
    {"DTR", "dtr_status", T, 0, 0, OPT, NULL},
    {"Post", "post", T, 0, 0, 0, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col changes_cols[] = {
    {"Request", "request_id", T, 0, 0, 0, NULL},
    {"Store", "module", T, 0, 0, 0, NULL},
    {"Action", "action", T, 0, 0, 0, NULL},
    {"Status", "status", T, 0, 0, 0, NULL},
    {"By", "requested_by", T, 0, 0, 0, NULL},
    {"At", "requested_at", T, 0, 0, 0, NULL},
    {"Verifier", "verifier_role", T, 0, 0, OPT, NULL},
    {"Approver", "approver_role", T, 0, 0, 0, NULL},
    {"Changes", "changes", N, 0, 0, 0, NULL},
    {"Summary", "summary", T, 0, 50, 0, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col obligation_cols[] = {
    {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Obligation", "obligation_id", T, 0, 0, 0, NULL},
    {"Kind", "obligation_kind", T, 0, 0, 0, NULL},
    {"Code", "code", T, 0, 0, 0, NULL},
    {"Label", "label", T, 0, 28, 0, NULL},
    {"Principal", "principal", P, 0, 0, OPT, NULL},
    {"Installment", "installment", P, 0, 0, 0, NULL},
    {"Applied", "applied", P, 0, 0, S, NULL},
    {"Balance", "balance", P, 0, 0, S, NULL},
    {"Deferred", "deferred", P, 0, 0, S, NULL},
    {"Waived", "waived", P, 0, 0, S, NULL},
    {"Next due", "next_period", T, 0, 0, OPT, NULL},
    {"Status", "status", T, 0, 0, 0, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col leave_cols[] = {
    {"Guard", "guard_id", T, 0, 0, 0, NULL},
    {"Name", "name", T, 0, 24, 0, NULL},
    {"Year", "year", N, 0, 0, CO, NULL},
    {"Code", "code", T, 0, 0, 0, NULL},
    {"Leave", "leave", T, 0, 24, 0, NULL},
    {"Paid", "paid", T, 0, 0, 0, NULL},
    {"Entitled", "entitled", N, 0, 0, 0, NULL},
    {"Taken", "taken", N, 0, 0, S, NULL},
    {"Balance", "balance", N, 0, 0, 0, NULL},
    {"Eligible from", "eligible_from", D, 0, 0, OPT, NULL},
    {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const render_col paysheet_cols[] = {
    {"Paysheet", "paysheet_id", T, 0, 0, CO, NULL}, {"Period", "period", T, 0, 0, CO, NULL},
    {"Guard", "guard_id", T, 0, 0, 0, NULL},        {"Name", "name", T, 0, 24, 0, NULL},
    {"Ver", "version", N, 0, 0, 0, NULL},           {"Status", "status", T, 0, 0, 0, NULL},
    {"Gross", "gross", P, 0, 0, S, NULL},           {"Taxable", "taxable", P, 0, 0, CO, NULL},
    {"Deducted", "deducted", P, 0, 0, S, NULL},     {"Deferred", "deferred", P, 0, 0, S, NULL},
    {"Waived", "waived", P, 0, 0, CO, NULL},        {"Net", "net", P, 0, 0, S, NULL},
    {"Held", "held", N, 0, 0, S | OPT, NULL},       {NULL, NULL, 0, 0, 0, 0, NULL},
};

static const struct {
    const char *name;
    const render_col *cols;
    const char *empty;
} views[] = {
    {"exceptions", exceptions_cols, "no exceptions"},
    {"dtr", dtr_cols, "no DTRs"},
    {"timesheets", timesheet_cols, "no timesheets"},
    {"detachment", detachment_cols, "no timesheets"},
    {"roster", roster_cols, "no assignments that day"},
    {"changes", changes_cols, "no pending change requests"},
    {"obligations", obligation_cols, "no obligations"},
    {"leave", leave_cols, "no leave"},
    {"paysheets", paysheet_cols, "no paysheets"},
};

static int view_index(const char *report)
{
    for (size_t i = 0; i < sizeof views / sizeof *views; i++)
        if (!strcmp(views[i].name, report))
            return (int)i;
    return -1;
}

const render_col *report_cols(const char *report)
{
    int i = view_index(report);
    return i < 0 ? NULL : views[i].cols;
}

int report_view(const char *report, jv records, FILE *out, render_format fmt, const render_opts *o,
                armms_err *err)
{
    int i = view_index(report);
    if (i < 0) {
        jv_free(records);
        return err_set(err, EXIT_SOFTWARE, "no view of report %s", report);
    }
    render_opts ro = o ? *o : (render_opts){0};
    if (!ro.empty)
        ro.empty = views[i].empty;
    if (!ro.sheet)
        ro.sheet = report;
    int sums = 0;
    for (const render_col *c = views[i].cols; c->title; c++)
        sums |= (c->flags & RENDER_SUM) != 0;
    if (sums && !ro.total_label && jv_array_length(jv_copy(records)) > 1)
        ro.total_label = "TOTAL";
    return render_records(out, fmt, views[i].cols, records, &ro, err);
}

int report_view_guard(const char *title, jv dtrs, jv timesheets, FILE *out, render_format fmt,
                      int bom, armms_err *err)
{
    if (fmt == RENDER_NDJSON) {
        int rc = render_records(out, fmt, dtr_cols, dtrs, NULL, err);
        int rc2 = render_records(out, fmt, timesheet_cols, timesheets, NULL, err);
        return rc ? rc : rc2;
    }
    if (fmt == RENDER_CSV) {
        jv_free(timesheets);
        render_opts o = {.bom = bom};
        return render_records(out, fmt, dtr_cols, dtrs, &o, err);
    }
    if (fmt == RENDER_XLSX) {
        render_book *bk = render_book_new(err);
        if (!bk) {
            jv_free(dtrs);
            jv_free(timesheets);
            return err->code;
        }
        render_opts o = {.title = title};
        render_book_sheet(bk, "dtr", dtr_cols, dtrs, &o, err);
        render_book_sheet(bk, "timesheets", timesheet_cols, timesheets, NULL, err);
        return render_book_end(bk, out, err);
    }
    render_opts o = {.title = title, .empty = "no DTRs", .total_label = "TOTAL"};
    int rc = render_records(out, fmt, dtr_cols, dtrs, &o, err);
    render_opts t = {.title = "", .empty = "no timesheets"};
    if (!rc)
        rc = render_records(out, fmt, timesheet_cols, timesheets, &t, err);
    else
        jv_free(timesheets);
    return rc;
}
