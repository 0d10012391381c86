/*
 * view.c - see view.h. The columns of each view are the static tables
 * below; render.c does the formatting.
 */
#include "cli/view.h"

#include <stdlib.h>
#include <string.h>

char *view_guard_name(const char *last, const char *first)
{
    int hl = last && *last, hf = first && *first;
    if (hl && hf)
        return xasprintf("%s, %s", last, first);
    return hl ? xstrdup(last) : hf ? xstrdup(first) : NULL;
}

char *view_guard_lookup(sqlite3 *db, const char *guard)
{
    sqlite3_stmt *st = NULL;
    char *name = NULL;
    if (sqlite3_prepare_v2(db, "SELECT last_name, first_name FROM hr.guard WHERE guard_id = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, guard, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            name = view_guard_name((const char *)sqlite3_column_text(st, 0),
                                   (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return name;
}

jv view_records_of(const char *text, size_t len)
{
    jv a = jv_array();
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n) {
            jv v = jv_parse_sized(p, (int)n);
            if (jv_is_valid(v))
                a = jv_array_append(a, v);
            else
                jv_free(v);
        }
        p += n + 1;
    }
    return a;
}

static const char *str_peek(jv rec, const char *path)
{
    jv v = render_get_peek(rec, path);
    return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

static long long int_peek(jv rec, const char *path)
{
    jv v = render_get_peek(rec, path);
    return jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : 0;
}

static jv set_str(jv obj, const char *key, const char *s)
{
    return jv_object_set(obj, jv_string(key), s ? jv_string(s) : jv_null());
}

/* "2026-11-01", "2026-11-01–15" within a month, else "FROM–TO". */
static jv date_range(const char *from, const char *to)
{
    if (!from || !to)
        return from || to ? jv_string(from ? from : to) : jv_null();
    if (strcmp(from, to) == 0)
        return jv_string(from);
    if (strlen(from) == 10 && strlen(to) == 10 && strncmp(from, to, 8) == 0)
        return jv_string_fmt("%s\xe2\x80\x93%s", from, to + 8);
    return jv_string_fmt("%s\xe2\x80\x93%s", from, to);
}

/* ---- paysheet ---- */

static const render_col paysheet_head[] = {
    {.title = "Paysheet", .path = "paysheet_id"}, {.title = "Guard", .path = "guard"},
    {.title = "Period", .path = "period"},        {.title = "Version", .path = "version"},
    {.title = "Status", .path = "status"},        {0},
};

static const render_col paysheet_lines[] = {
    {.title = "Code", .path = "code"},
    {.title = "Label", .path = "label", .max_width = 36},
    {.title = "Dates", .path = "dates"},
    {.title = "Adjusts", .path = "adjusts_period", .flags = RENDER_OPTIONAL},
    {.title = "Hours", .path = "minutes", .type = RENDER_MINUTES},
    {.title = "Daily rate", .path = "daily_rate", .type = RENDER_MONEY},
    {.title = "Rate", .path = "multiplier", .type = RENDER_BP},
    {.title = "Amount", .path = "amount", .type = RENDER_MONEY},
    {0},
};

static const render_col paysheet_deductions[] = {
    {.title = "Code", .path = "code"},
    {.title = "Label", .path = "label", .max_width = 36},
    {.title = "Status", .path = "status"},
    {.title = "Amount", .path = "amount", .type = RENDER_MONEY},
    {.title = "Employer share",
     .path = "employer_share",
     .type = RENDER_MONEY,
     .flags = RENDER_OPTIONAL},
    {.title = "Waiver", .path = "waiver.reason", .max_width = 24, .flags = RENDER_OPTIONAL},
    {.title = "To period", .path = "waiver.to_period", .flags = RENDER_OPTIONAL},
    {0},
};

static const render_col paysheet_summary[] = {
    {.title = "Taxable", .path = "taxable", .type = RENDER_MONEY},
    {.title = "Net pay", .path = "net", .type = RENDER_MONEY},
    {0},
};

static const render_col paysheet_csv[] = {
    {.title = "section", .path = "section"},
    {.title = "paysheet_id", .path = "paysheet_id"},
    {.title = "code", .path = "code"},
    {.title = "label", .path = "label"},
    {.title = "kind", .path = "kind"},
    {.title = "from", .path = "from", .type = RENDER_DATE},
    {.title = "to", .path = "to", .type = RENDER_DATE},
    {.title = "adjusts_period", .path = "adjusts_period"},
    {.title = "minutes", .path = "minutes", .type = RENDER_MINUTES},
    {.title = "daily_rate", .path = "daily_rate", .type = RENDER_MONEY},
    {.title = "multiplier", .path = "multiplier", .type = RENDER_BP},
    {.title = "amount", .path = "amount", .type = RENDER_MONEY},
    {.title = "employer_share", .path = "employer_share", .type = RENDER_MONEY},
    {.title = "status", .path = "status"},
    {.title = "obligation_id", .path = "obligation_id"},
    {.title = "waiver_reason", .path = "waiver.reason"},
    {.title = "to_period", .path = "waiver.to_period", .name = "to_period"},
    {0},
};

static jv paysheet_csv_rows(jv ps)
{
    jv rows = jv_array();
    const char *id = str_peek(ps, "paysheet_id");
    static const char *const sections[][2] = {{"lines", "line"}, {"deductions", "deduction"}};
    for (int s = 0; s < 2; s++) {
        jv items = jv_copy(render_get_peek(ps, sections[s][0]));
        if (jv_get_kind(items) == JV_KIND_ARRAY) {
            jv_array_foreach(items, i, item)
            {
                if (jv_get_kind(item) != JV_KIND_OBJECT) {
                    jv_free(item);
                    continue;
                }
                item = set_str(item, "section", sections[s][1]);
                item = set_str(item, "paysheet_id", id);
                rows = jv_array_append(rows, item);
            }
        }
        jv_free(items);
    }
    static const char *const totals[][2] = {
        {"gross", "GROSS"}, {"taxable", "TAXABLE"}, {"net", "NET"}};
    for (int t = 0; t < 3; t++) {
        jv v = jv_copy(render_get_peek(ps, totals[t][0]));
        if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL) {
            jv_free(v);
            continue;
        }
        jv row = set_str(jv_object(), "section", "total");
        row = set_str(row, "paysheet_id", id);
        row = set_str(row, "code", totals[t][1]);
        row = jv_object_set(row, jv_string("amount"), v);
        rows = jv_array_append(rows, row);
    }
    return rows;
}

static jv paysheet_head_rec(jv ps, const char *guard_name)
{
    jv h = set_str(jv_object(), "paysheet_id", str_peek(ps, "paysheet_id"));
    const char *gid = str_peek(ps, "guard_id");
    if (gid && guard_name)
        h = jv_object_set(h, jv_string("guard"), jv_string_fmt("%s  %s", gid, guard_name));
    else
        h = set_str(h, "guard", gid ? gid : guard_name);
    const char *pid = str_peek(ps, "period.id"), *from = str_peek(ps, "period.from"),
               *to = str_peek(ps, "period.to");
    if (pid && from && to)
        h = jv_object_set(h, jv_string("period"), jv_string_fmt("%s  %s to %s", pid, from, to));
    else
        h = set_str(h, "period", pid);
    h = jv_object_set(h, jv_string("version"), jv_copy(render_get_peek(ps, "version")));
    const char *status = str_peek(ps, "status"), *stage = str_peek(ps, "stage");
    if (status && stage && strcmp(stage, "gross") == 0)
        h = jv_object_set(h, jv_string("status"),
                          jv_string_fmt("%s (gross only: deductions not yet run)", status));
    else
        h = set_str(h, "status", status);
    return h;
}

int view_paysheet(jv ps, const char *guard_name, FILE *out, render_format fmt, armms_err *err)
{
    if (fmt == RENDER_NDJSON)
        return render_ndjson(out, ps, err);
    if (fmt == RENDER_CSV) {
        jv rows = paysheet_csv_rows(ps);
        jv_free(ps);
        return render_records(out, fmt, paysheet_csv, rows, NULL, err);
    }
    int rc = render_kv(out, fmt, paysheet_head, paysheet_head_rec(ps, guard_name), NULL, err);

    jv lines = jv_array(), src = jv_copy(render_get_peek(ps, "lines"));
    if (jv_get_kind(src) == JV_KIND_ARRAY) {
        jv_array_foreach(src, i, l)
        {
            if (jv_get_kind(l) == JV_KIND_OBJECT)
                l = jv_object_set(l, jv_string("dates"),
                                  date_range(str_peek(l, "from"), str_peek(l, "to")));
            lines = jv_array_append(lines, l);
        }
    }
    jv_free(src);
    jv gross = jv_object_set(jv_object(), jv_string("label"), jv_string("Gross pay"));
    gross = jv_object_set(gross, jv_string("amount"), jv_copy(render_get_peek(ps, "gross")));
    render_opts lo = {
        .title = "\nEarnings", .empty = "no lines", .footer = jv_array_append(jv_array(), gross)};
    if (!rc)
        rc = render_records(out, fmt, paysheet_lines, lines, &lo, err);
    else
        jv_free(lines), jv_free(lo.footer);

    /* what the guard gave: the applied deductions, summed as shown */
    jv deds = jv_copy(render_get_peek(ps, "deductions"));
    long long applied = 0, applied_er = 0;
    int any_er = 0;
    if (jv_get_kind(deds) == JV_KIND_ARRAY) {
        jv_array_foreach(deds, i, d)
        {
            const char *st = str_peek(d, "status");
            if (!st || strcmp(st, "APPLIED") == 0) {
                applied += int_peek(d, "amount");
                applied_er += int_peek(d, "employer_share");
            }
            any_er |= jv_is_valid(render_get_peek(d, "employer_share"));
            jv_free(d);
        }
    } else {
        jv_free(deds);
        deds = jv_array();
    }
    jv sum = jv_object_set(jv_object(), jv_string("label"), jv_string("Deductions applied"));
    sum = jv_object_set(sum, jv_string("amount"), jv_number((double)applied));
    if (any_er)
        sum = jv_object_set(sum, jv_string("employer_share"), jv_number((double)applied_er));
    const char *stage = str_peek(ps, "stage");
    render_opts dopt = {.title = "\nDeductions",
                        .empty = stage && strcmp(stage, "gross") == 0
                                     ? "none yet (armms-deduct has not run)"
                                     : "none",
                        .footer = jv_array_append(jv_array(), sum)};
    if (!rc)
        rc = render_records(out, fmt, paysheet_deductions, deds, &dopt, err);
    else
        jv_free(deds), jv_free(dopt.footer);

    render_opts so = {.title = ""};
    if (!rc)
        rc = render_kv(out, fmt, paysheet_summary, ps, &so, err);
    else
        jv_free(ps);
    return rc;
}

/* ---- obligations ---- */

static const render_col obligation_cols[] = {
    {.title = "Obligation", .path = "obligation_id", .flags = RENDER_GROUP},
    {.title = "Code", .path = "code", .flags = RENDER_GROUP},
    {.title = "Label", .path = "label", .max_width = 28, .flags = RENDER_GROUP},
    {.title = "Kind", .path = "obligation_kind", .flags = RENDER_GROUP},
    {.title = "Principal",
     .path = "principal",
     .type = RENDER_MONEY,
     .flags = RENDER_GROUP | RENDER_OPTIONAL},
    {.title = "#", .path = "row.seq", .type = RENDER_INT, .name = "seq"},
    {.title = "Period", .path = "row.period", .name = "period"},
    {.title = "Amount", .path = "row.amount", .type = RENDER_MONEY, .name = "amount"},
    {.title = "Employer share",
     .path = "row.employer_share",
     .type = RENDER_MONEY,
     .flags = RENDER_OPTIONAL,
     .name = "employer_share"},
    {.title = "Status", .path = "row.status", .name = "status"},
    {.title = "Waiver", .path = "row.waiver_id", .flags = RENDER_CSV_ONLY, .name = "waiver_id"},
    {.title = "Waiver",
     .path = "row.waiver.reason",
     .max_width = 24,
     .flags = RENDER_OPTIONAL,
     .name = "waiver_reason"},
    {0},
};

typedef struct owed {
    long long due, due_er, applied, applied_er;
    int rows;
} owed;

static jv owed_row(const char *label, long long amount, long long er, int with_er)
{
    jv r = jv_object_set(jv_object(), jv_string("label"), jv_string(label));
    jv row = jv_object_set(jv_object(), jv_string("amount"), jv_number((double)amount));
    if (with_er)
        row = jv_object_set(row, jv_string("employer_share"), jv_number((double)er));
    return jv_object_set(r, jv_string("row"), row);
}

int view_obligations(jv obs, const char *guard_id, const char *guard_name, FILE *out,
                     render_format fmt, armms_err *err)
{
    if (jv_get_kind(obs) != JV_KIND_ARRAY) {
        jv_free(obs);
        obs = jv_array();
    }
    if (fmt == RENDER_NDJSON)
        return render_records(out, fmt, obligation_cols, obs, NULL, err);

    /* one row per schedule row: the obligation's fields, the row under "row" */
    jv rows = jv_array();
    owed sum[2] = {{0}}; /* [0] deductions, [1] additions */
    int any_er = 0;
    jv_array_foreach(obs, i, ob)
    {
        if (jv_get_kind(ob) != JV_KIND_OBJECT) {
            jv_free(ob);
            continue;
        }
        const char *kind = str_peek(ob, "obligation_kind");
        int add = kind && (strcmp(kind, "allowance") == 0 || strcmp(kind, "reward") == 0);
        jv sched = jv_copy(render_get_peek(ob, "schedule"));
        jv base = jv_object_delete(jv_copy(ob), jv_string("schedule"));
        int n = jv_get_kind(sched) == JV_KIND_ARRAY ? jv_array_length(jv_copy(sched)) : 0;
        if (n == 0)
            rows = jv_array_append(rows, jv_copy(base));
        for (int k = 0; k < n; k++) {
            jv r = jv_array_get(jv_copy(sched), k);
            const char *st = str_peek(r, "status");
            sum[add].rows++;
            any_er |= jv_is_valid(render_get_peek(r, "employer_share"));
            if (st && strcmp(st, "DUE") == 0) {
                sum[add].due += int_peek(r, "amount");
                sum[add].due_er += int_peek(r, "employer_share");
            } else if (st && strcmp(st, "APPLIED") == 0) {
                sum[add].applied += int_peek(r, "amount");
                sum[add].applied_er += int_peek(r, "employer_share");
            }
            rows = jv_array_append(rows, jv_object_set(jv_copy(base), jv_string("row"), r));
        }
        jv_free(sched);
        jv_free(base);
        jv_free(ob);
    }
    jv_free(obs);
    if (fmt == RENDER_CSV)
        return render_records(out, fmt, obligation_cols, rows, NULL, err);

    jv footer = jv_array();
    if (sum[0].rows || !sum[1].rows) {
        footer = jv_array_append(footer,
                                 owed_row("Still owed (DUE)", sum[0].due, sum[0].due_er, any_er));
        footer = jv_array_append(footer,
                                 owed_row("Applied", sum[0].applied, sum[0].applied_er, any_er));
    }
    if (sum[1].rows) {
        footer = jv_array_append(
            footer, owed_row("Still to pay (DUE)", sum[1].due, sum[1].due_er, any_er));
        footer =
            jv_array_append(footer, owed_row("Paid", sum[1].applied, sum[1].applied_er, any_er));
    }
    char *title;
    if (guard_id && guard_name)
        title = xasprintf("Obligations of %s  %s", guard_id, guard_name);
    else if (guard_id || guard_name)
        title = xasprintf("Obligations of %s", guard_id ? guard_id : guard_name);
    else
        title = xstrdup("Obligations");
    render_opts o = {.title = title, .empty = "none", .footer = footer};
    int rc = render_records(out, fmt, obligation_cols, rows, &o, err);
    free(title);
    return rc;
}

/* ---- run totals ---- */

static const render_col run_head[] = {
    {.title = "Payrun", .path = "period.id"},
    {.title = "From", .path = "period.from", .type = RENDER_DATE},
    {.title = "To", .path = "period.to", .type = RENDER_DATE},
    {.title = "Status", .path = "status"},
    {.title = "Computed at", .path = "computed_at", .type = RENDER_DATE},
    {.title = "Approved by", .path = "approved_by"},
    {.title = "Closed at", .path = "closed_at", .type = RENDER_DATE},
    {0},
};

/* counts and amounts, one two-column table on a terminal */
static const render_col run_totals[] = {
    {.title = "Paysheets", .path = "counts.paysheets", .type = RENDER_INT},
    {.title = "  computed", .path = "counts.computed", .type = RENDER_INT},
    {.title = "  approved", .path = "counts.approved", .type = RENDER_INT},
    {.title = "  rejected", .path = "counts.rejected", .type = RENDER_INT},
    {.title = "  paid", .path = "counts.paid", .type = RENDER_INT},
    {.title = "  held", .path = "counts.held", .type = RENDER_INT},
    {.title = "  gross only", .path = "counts.gross_only", .type = RENDER_INT},
    {.title = "Guards not priced", .path = "counts.unpriced", .type = RENDER_INT},
    {.title = ""},
    {.title = "Gross pay", .path = "totals.gross", .type = RENDER_MONEY},
    {.title = "  additions", .path = "totals.additions", .type = RENDER_MONEY},
    {.title = "  adjustments", .path = "totals.adjustments", .type = RENDER_MONEY},
    {.title = "Taxable", .path = "totals.taxable", .type = RENDER_MONEY},
    {.title = "SSS, employee", .path = "totals.sss.ee", .type = RENDER_MONEY},
    {.title = "SSS, employer", .path = "totals.sss.er", .type = RENDER_MONEY},
    {.title = "SSS EC, employer", .path = "totals.sss.ec", .type = RENDER_MONEY},
    {.title = "PhilHealth, employee", .path = "totals.philhealth.ee", .type = RENDER_MONEY},
    {.title = "PhilHealth, employer", .path = "totals.philhealth.er", .type = RENDER_MONEY},
    {.title = "Pag-IBIG, employee", .path = "totals.hdmf.ee", .type = RENDER_MONEY},
    {.title = "Pag-IBIG, employer", .path = "totals.hdmf.er", .type = RENDER_MONEY},
    {.title = "Contributions, employee",
     .path = "totals.employee_contributions",
     .type = RENDER_MONEY},
    {.title = "Contributions, employer",
     .path = "totals.employer_contributions",
     .type = RENDER_MONEY},
    {.title = "Withholding tax", .path = "totals.tax", .type = RENDER_MONEY},
    {.title = "Loans", .path = "totals.loans", .type = RENDER_MONEY},
    {.title = "Other deductions", .path = "totals.deductions", .type = RENDER_MONEY},
    {.title = "Net pay", .path = "totals.net", .type = RENDER_MONEY},
    {.title = "Deferred", .path = "totals.deferred", .type = RENDER_MONEY},
    {.title = "Waived", .path = "totals.waived", .type = RENDER_MONEY},
    {0},
};

static const render_col run_blockers[] = {
    {.title = "Blocker", .path = "code"},
    {.title = "Count", .path = "count", .type = RENDER_INT},
    {.title = "What", .path = "message"},
    {0},
};

int view_run_totals(jv run, FILE *out, render_format fmt, armms_err *err)
{
    if (fmt == RENDER_NDJSON)
        return render_ndjson(out, run, err);
    const render_col *blocks[] = {run_head, run_totals};
    static const char *const titles[] = {NULL, ""};
    int rc = 0;
    for (int b = 0; b < 2 && !rc; b++) {
        render_opts o = {.title = fmt == RENDER_TABLE ? titles[b] : NULL, .no_header = b > 0};
        rc = render_kv(out, fmt, blocks[b], jv_copy(run), &o, err);
    }
    jv bl = jv_copy(render_get_peek(run, "blockers"));
    jv_free(run);
    if (jv_get_kind(bl) != JV_KIND_ARRAY || jv_array_length(jv_copy(bl)) == 0 || rc) {
        jv_free(bl);
        return rc;
    }
    if (fmt == RENDER_TABLE) {
        render_opts o = {.title = ""};
        return render_records(out, fmt, run_blockers, bl, &o, err);
    }
    /* CSV: key "blockers.CODE", value its count */
    jv rec = jv_object(), names = jv_array();
    jv_array_foreach(bl, i, x)
    {
        const char *code = str_peek(x, "code");
        if (code) {
            rec = jv_object_set(rec, jv_string(code), jv_copy(render_get_peek(x, "count")));
            names = jv_array_append(names, jv_string(code));
        }
        jv_free(x);
    }
    jv_free(bl);
    int n = jv_array_length(jv_copy(names));
    render_col *cols = xcalloc((size_t)n + 1, sizeof *cols);
    char **keys = xcalloc((size_t)n + 1, sizeof *keys);
    for (int i = 0; i < n; i++) {
        jv k = jv_array_get(jv_copy(names), i);
        keys[i] = xasprintf("blockers.%s", jv_string_value(k));
        jv_free(k);
        cols[i] = (render_col){.title = keys[i], .path = keys[i], .type = RENDER_INT};
    }
    jv_free(names);
    render_opts o = {.no_header = 1};
    rc =
        render_kv(out, fmt, cols, jv_object_set(jv_object(), jv_string("blockers"), rec), &o, err);
    for (int i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(cols);
    return rc;
}
