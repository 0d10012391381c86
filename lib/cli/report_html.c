/*
 * report_html.c - the two review pages (report_view.h): one self-contained
 * HTML5 document each, with inline CSS and inline SVG charts drawn here.
 *
 * Invariants:
 *  1. Nothing is fetched: no script, no link, no image or font but what
 *     the page holds, so it opens the same offline, from a mail or an
 *     archive.
 *  2. Every text from the stores is escaped (& < > " '), so a name cannot
 *     become markup.
 *  3. The figures are the records' own: money integer centavos shown with
 *     render_money, minutes with render_minutes; chart geometry is the
 *     only arithmetic, in integers scaled to the largest value.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/report_view.h"

/* The colours of the day types and of the charts' bars. */
static const char *const palette[] = {"#2f6db5", "#e08a1e", "#3b9b5a", "#c4473a",
                                      "#8e5ac8", "#7b6a58", "#d66fb2", "#6f7f8f"};

static const char css[] =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2em;color:#222;max-width:1100px}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:2em;"
    "border-bottom:1px solid #ccc}p.sub{color:#666;margin-top:0}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
    "th,td{padding:.25em .6em;border-bottom:1px solid #e4e4e4;text-align:left}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.total td{font-weight:bold;border-top:2px solid #999}"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}.card{border:1px solid #ddd;border-radius:6px;"
    "padding:.6em 1em;min-width:9em}.card b{display:block;font-size:1.3em}"
    "svg text{font-size:11px;fill:#333}.legend span{display:inline-block;margin-right:1em}"
    ".legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;"
    "vertical-align:middle}p.none{color:#666;font-style:italic}";

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
}

/* A string field of rec (looked at), "" when absent. */
static const char *text_of(jv rec, const char *path)
{
    jv v = render_get_peek(rec, path);
    return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "";
}

/* A whole-number field of rec (looked at), 0 when absent. */
static long long num_of(jv rec, const char *path)
{
    jv v = render_get_peek(rec, path);
    return jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : 0;
}

typedef void (*fmt_fn)(strbuf *b, long long v);
static void fmt_minutes(strbuf *b, long long v)
{
    render_minutes(b, v);
}
static void fmt_money(strbuf *b, long long v)
{
    render_money(b, v, 1);
}
static void fmt_int(strbuf *b, long long v)
{
    render_int(b, v, 1);
}

static void put_fmt(FILE *out, fmt_fn f, long long v)
{
    strbuf b;
    sb_init(&b);
    sb_reset(&b);
    f(&b, v);
    fputs(b.s, out);
    sb_free(&b);
}

static void head(FILE *out, const char *title, const char *sub)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\"><title>",
          out);
    esc(out, title);
    fprintf(out, "</title><style>%s</style></head>\n<body>\n<h1>", css);
    esc(out, title);
    fputs("</h1>\n<p class=\"sub\">", out);
    esc(out, sub);
    fputs("</p>\n", out);
}

static void card(FILE *out, const char *label, fmt_fn f, long long v)
{
    fputs("<div class=\"card\">", out);
    esc(out, label);
    fputs("<b>", out);
    put_fmt(out, f, v);
    fputs("</b></div>", out);
}

/*
 * A horizontal bar chart: one row per label, each bar the stack of its k
 * values (n x k, row-major) in the palette's colours, scaled to the
 * largest row total; the total is written after the bar.
 */
static void svg_bars(FILE *out, const char *id, size_t n, const char *const *labels,
                     const long long *vals, size_t k, fmt_fn f)
{
    const long long label_w = 170, plot_w = 520, row_h = 22, top = 6;
    long long max = 1;
    for (size_t i = 0; i < n; i++) {
        long long t = 0;
        for (size_t j = 0; j < k; j++)
            t += vals[i * k + j] > 0 ? vals[i * k + j] : 0;
        if (t > max)
            max = t;
    }
    long long h = top * 2 + row_h * (long long)n;
    fprintf(out,
            "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%lld\" height=\"%lld\" "
            "role=\"img\">\n",
            id, label_w + plot_w + 110, h);
    for (size_t i = 0; i < n; i++) {
        long long y = top + row_h * (long long)i, x = label_w, t = 0;
        fprintf(out, "<text x=\"%lld\" y=\"%lld\" text-anchor=\"end\">", label_w - 6,
                y + row_h / 2 + 4);
        esc(out, labels[i]);
        fputs("</text>", out);
        for (size_t j = 0; j < k; j++) {
            long long v = vals[i * k + j] > 0 ? vals[i * k + j] : 0;
            long long w = v * plot_w / max;
            t += v;
            if (v == 0)
                continue;
            fprintf(out,
                    "<rect x=\"%lld\" y=\"%lld\" width=\"%lld\" height=\"%lld\" fill=\"%s\">"
                    "<title>",
                    x, y + 3, w > 0 ? w : 1, row_h - 6, palette[j % 8]);
            esc(out, labels[i]);
            fputs(": ", out);
            put_fmt(out, f, v);
            fputs("</title></rect>", out);
            x += w;
        }
        fprintf(out, "<text x=\"%lld\" y=\"%lld\">", x + 6, y + row_h / 2 + 4);
        put_fmt(out, f, t);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
}

/* The legend of the series some row has a value of (vals n x k). */
static void legend(FILE *out, size_t n, const long long *vals, size_t k, const char *const *series)
{
    fputs("<p class=\"legend\">", out);
    for (size_t j = 0; j < k; j++) {
        int used = 0;
        for (size_t i = 0; i < n && !used; i++)
            used = vals[i * k + j] > 0;
        if (!used)
            continue;
        fprintf(out, "<span><i style=\"background:%s\"></i>", palette[j % 8]);
        esc(out, series[j]);
        fputs("</span>", out);
    }
    fputs("</p>\n", out);
}

/* A column chart of counts: one column per bin, labelled under it. */
static void svg_columns(FILE *out, const char *id, size_t n, const char *const *labels,
                        const long long *counts)
{
    const long long col_w = 64, plot_h = 180, top = 16, bottom = 40;
    long long max = 1;
    for (size_t i = 0; i < n; i++)
        if (counts[i] > max)
            max = counts[i];
    fprintf(out,
            "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%lld\" height=\"%lld\" "
            "role=\"img\">\n",
            id, col_w * (long long)n + 20, top + plot_h + bottom);
    fprintf(out, "<line x1=\"10\" y1=\"%lld\" x2=\"%lld\" y2=\"%lld\" stroke=\"#999\"/>\n",
            top + plot_h, 10 + col_w * (long long)n, top + plot_h);
    for (size_t i = 0; i < n; i++) {
        long long hgt = counts[i] * plot_h / max, x = 10 + col_w * (long long)i;
        if (counts[i] > 0 && hgt == 0)
            hgt = 1;
        fprintf(out,
                "<rect class=\"bin\" x=\"%lld\" y=\"%lld\" width=\"%lld\" height=\"%lld\" "
                "fill=\"%s\"><title>",
                x + 4, top + plot_h - hgt, col_w - 8, hgt, palette[0]);
        esc(out, labels[i]);
        fprintf(out, ": %lld</title></rect>", counts[i]);
        fprintf(out, "<text x=\"%lld\" y=\"%lld\" text-anchor=\"middle\">%lld</text>",
                x + col_w / 2, top + plot_h - hgt - 3, counts[i]);
        fprintf(out, "<text x=\"%lld\" y=\"%lld\" text-anchor=\"middle\">", x + col_w / 2,
                top + plot_h + 14);
        esc(out, labels[i]);
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
}

typedef struct hcol {
    const char *title, *path;
    fmt_fn f; /* NULL: text */
    int sum;
} hcol;

/* An HTML table of records (looked at) under cols, with a totals row when
 * a column sums and there are two rows or more. */
static void html_table(FILE *out, const hcol *cols, jv recs, const char *empty)
{
    int n = jv_array_length(jv_copy(recs));
    if (n == 0) {
        fputs("<p class=\"none\">", out);
        esc(out, empty);
        fputs("</p>\n", out);
        return;
    }
    fputs("<table><thead><tr>", out);
    int sums = 0;
    for (const hcol *c = cols; c->title; c++) {
        fprintf(out, "<th%s>", c->f ? " class=\"n\"" : "");
        esc(out, c->title);
        fputs("</th>", out);
        sums |= c->sum;
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    long long tot[32] = {0};
    for (int i = 0; i < n; i++) {
        jv rec = jv_array_get(jv_copy(recs), i);
        fputs("<tr>", out);
        int k = 0;
        for (const hcol *c = cols; c->title; c++, k++) {
            if (c->f) {
                long long v = num_of(rec, c->path);
                tot[k] += v;
                fputs("<td class=\"n\">", out);
                put_fmt(out, c->f, v);
            } else {
                fputs("<td>", out);
                esc(out, text_of(rec, c->path));
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
        jv_free(rec);
    }
    if (sums && n > 1) {
        fputs("<tr class=\"total\">", out);
        int k = 0, labelled = 0;
        for (const hcol *c = cols; c->title; c++, k++) {
            if (c->sum) {
                fputs("<td class=\"n\">", out);
                put_fmt(out, c->f, tot[k]);
            } else {
                fputs(labelled ? "<td>" : "<td>TOTAL", out);
                labelled = 1;
            }
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static int finish(FILE *out, armms_err *err)
{
    fputs("</body></html>\n", out);
    if (ferror(out))
        return err_set(err, EXIT_IOERR, "cannot write the output");
    return 0;
}

/* ---- the timekeeping review ---- */

static const char *const day_types[] = {"ordinary",        "rest",
                                        "special",         "special_rest",
                                        "regular_holiday", "regular_holiday_rest",
                                        "double_holiday",  "double_holiday_rest"};
static const char *const day_type_titles[] = {"Ordinary",        "Rest day",
                                              "Special day",     "Special day, rest day",
                                              "Regular holiday", "Regular holiday, rest day",
                                              "Double holiday",  "Double holiday, rest day"};

int report_html_timekeeping(const char *tenant, const char *period, jv detachments, jv anomalies,
                            jv absences, FILE *out, armms_err *err)
{
    char sub[200];
    snprintf(sub, sizeof sub, "Tenant %s, pay period %s", tenant, period);
    head(out, "Timekeeping review", sub);
    size_t n = (size_t)jv_array_length(jv_copy(detachments));
    long long heads = 0, days = 0, absent = 0, reliefs = 0, worked = 0;
    const char **labels = xcalloc(n ? n : 1, sizeof *labels);
    long long *vals = xcalloc((n ? n : 1) * 8, sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        jv d = jv_array_get(jv_copy(detachments), (int)i);
        heads += num_of(d, "heads");
        days += num_of(d, "days_worked");
        absent += num_of(d, "days_absent");
        reliefs += num_of(d, "reliefs");
        worked += num_of(d, "totals.worked");
        labels[i] = text_of(d, "detachment_id"); /* lent by detachments, which lives on */
        for (size_t j = 0; j < 8; j++) {
            char path[48];
            snprintf(path, sizeof path, "minutes.%s", day_types[j]);
            vals[i * 8 + j] = num_of(d, path);
        }
        jv_free(d);
    }
    fputs("<div class=\"cards\">", out);
    card(out, "Detachments", fmt_int, (long long)n);
    card(out, "Guard postings", fmt_int, heads);
    card(out, "Days worked", fmt_int, days);
    card(out, "Hours worked", fmt_minutes, worked);
    card(out, "Absences", fmt_int, absent);
    card(out, "Reliefs", fmt_int, reliefs);
    fputs("</div>\n<h2 id=\"hours\">Hours by day type per detachment</h2>\n", out);
    if (n) {
        svg_bars(out, "hours-chart", n, labels, vals, 8, fmt_minutes);
        legend(out, n, vals, 8, day_type_titles);
    }
    static const hcol det_cols[] = {
        {"Detachment", "detachment_id", NULL, 0},
        {"Name", "name", NULL, 0},
        {"Heads", "heads", fmt_int, 1},
        {"Days", "days_worked", fmt_int, 1},
        {"Absent", "days_absent", fmt_int, 1},
        {"Incomplete", "days_incomplete", fmt_int, 1},
        {"Reliefs", "reliefs", fmt_int, 1},
        {"Worked", "totals.worked", fmt_minutes, 1},
        {"Regular", "totals.regular", fmt_minutes, 1},
        {"Overtime", "totals.ot", fmt_minutes, 1},
        {"Night diff.", "totals.nd", fmt_minutes, 1},
        {"Late", "totals.late", fmt_minutes, 1},
        {NULL, NULL, NULL, 0},
    };
    html_table(out, det_cols, detachments, "no timesheets in this period");
    free(labels);
    free(vals);

    fputs("<h2 id=\"anomalies\">Anomalies by code</h2>\n", out);
    size_t na = (size_t)jv_array_length(jv_copy(anomalies));
    if (na) {
        const char **codes = xcalloc(na, sizeof *codes);
        long long *counts = xcalloc(na, sizeof *counts);
        for (size_t i = 0; i < na; i++) {
            jv a = jv_array_get(jv_copy(anomalies), (int)i);
            codes[i] = text_of(a, "code");
            counts[i] = num_of(a, "count");
            jv_free(a);
        }
        svg_bars(out, "anomaly-chart", na, codes, counts, 1, fmt_int);
        free(codes);
        free(counts);
    }
    static const hcol an_cols[] = {
        {"Code", "code", NULL, 0}, {"Count", "count", fmt_int, 1}, {NULL, NULL, NULL, 0}};
    html_table(out, an_cols, anomalies, "no anomalies");

    fputs("<h2 id=\"absences\">Absences</h2>\n", out);
    static const hcol ab_cols[] = {
        {"Date", "date", NULL, 0},      {"Guard", "guard_id", NULL, 0},
        {"Name", "name", NULL, 0},      {"Detachment", "detachment_id", NULL, 0},
        {"Shift", "shift_id", NULL, 0}, {NULL, NULL, NULL, 0}};
    html_table(out, ab_cols, absences, "no absences");
    jv_free(detachments);
    jv_free(anomalies);
    jv_free(absences);
    return finish(out, err);
}

/* ---- the payrun review ---- */

/* The previous period's net of guard, or -1 when it has none. */
static long long prev_net(jv previous, const char *guard)
{
    jv_array_foreach(previous, i, rec)
    {
        if (!strcmp(text_of(rec, "guard_id"), guard)) {
            long long v = num_of(rec, "net");
            jv_free(rec);
            return v;
        }
        jv_free(rec);
    }
    return -1;
}

typedef struct change_row {
    jv rec; /* a PaysheetSummary with previous_net and change added */
    long long mag;
} change_row;

static int by_change(const void *pa, const void *pb)
{
    const change_row *a = pa, *b = pb;
    if (a->mag != b->mag)
        return a->mag < b->mag ? 1 : -1;
    return strcmp(text_of(a->rec, "guard_id"), text_of(b->rec, "guard_id"));
}

int report_html_payrun(const char *tenant, jv payrun, jv sheets, jv previous, FILE *out,
                       armms_err *err)
{
    char sub[200], title[120];
    snprintf(title, sizeof title, "Payrun review %s", text_of(payrun, "period.id"));
    snprintf(sub, sizeof sub, "Tenant %s, %s to %s, status %s", tenant,
             text_of(payrun, "period.from"), text_of(payrun, "period.to"),
             text_of(payrun, "status"));
    head(out, title, sub);
    fputs("<div class=\"cards\">", out);
    card(out, "Paysheets", fmt_int, num_of(payrun, "counts.paysheets"));
    card(out, "Gross pay", fmt_money, num_of(payrun, "totals.gross"));
    card(out, "Net pay", fmt_money, num_of(payrun, "totals.net"));
    card(out, "Deferred", fmt_money, num_of(payrun, "totals.deferred"));
    card(out, "Held", fmt_int, num_of(payrun, "counts.held"));
    fputs("</div>\n<h2 id=\"totals\">Totals</h2>\n<table>\n", out);
    static const struct {
        const char *title, *path;
    } tot[] = {
        {"Gross pay", "totals.gross"},
        {"Additions", "totals.additions"},
        {"Adjustments", "totals.adjustments"},
        {"Taxable", "totals.taxable"},
        {"SSS, employee", "totals.sss.ee"},
        {"SSS, employer", "totals.sss.er"},
        {"SSS EC, employer", "totals.sss.ec"},
        {"PhilHealth, employee", "totals.philhealth.ee"},
        {"PhilHealth, employer", "totals.philhealth.er"},
        {"Pag-IBIG, employee", "totals.hdmf.ee"},
        {"Pag-IBIG, employer", "totals.hdmf.er"},
        {"Withholding tax", "totals.tax"},
        {"Loans", "totals.loans"},
        {"Other deductions", "totals.deductions"},
        {"Net pay", "totals.net"},
        {"Deferred", "totals.deferred"},
        {"Waived", "totals.waived"},
    };
    for (size_t i = 0; i < sizeof tot / sizeof *tot; i++) {
        fputs("<tr><td>", out);
        esc(out, tot[i].title);
        fputs("</td><td class=\"n\">", out);
        put_fmt(out, fmt_money, num_of(payrun, tot[i].path));
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);

    /* the net pay distribution: 10 bins of equal width, whole pesos */
    fputs("<h2 id=\"net\">Net pay distribution</h2>\n", out);
    int n = jv_array_length(jv_copy(sheets));
    long long lo = 0, hi = 0;
    int any = 0;
    jv_array_foreach(sheets, i, rec)
    {
        jv v = render_get_peek(rec, "net");
        if (jv_get_kind(v) == JV_KIND_NUMBER) {
            long long x = (long long)jv_number_value(v);
            lo = any && lo < x ? lo : x;
            hi = any && hi > x ? hi : x;
            any = 1;
        }
        jv_free(rec);
    }
    if (any) {
        enum { NBINS = 10 };
        long long step = (hi - lo) / NBINS + 1, counts[NBINS] = {0};
        step = (step + 99) / 100 * 100; /* whole pesos */
        jv_array_foreach(sheets, i, rec)
        {
            jv v = render_get_peek(rec, "net");
            if (jv_get_kind(v) == JV_KIND_NUMBER)
                counts[((long long)jv_number_value(v) - lo) / step]++;
            jv_free(rec);
        }
        char *lab[NBINS];
        for (int b = 0; b < NBINS; b++) {
            strbuf s;
            sb_init(&s);
            sb_reset(&s);
            render_int(&s, (lo + step * b) / 100, 1);
            lab[b] = s.s;
        }
        svg_columns(out, "net-chart", NBINS, (const char *const *)lab, counts);
        fputs("<p class=\"sub\">Paysheets by net pay, in pesos from each column's "
              "lower bound; ",
              out);
        put_fmt(out, fmt_int, n);
        fputs(" paysheets.</p>\n", out);
        for (int b = 0; b < NBINS; b++)
            free(lab[b]);
    } else {
        fputs("<p class=\"none\">no netted paysheets</p>\n", out);
    }

    fputs("<h2 id=\"deferrals\">Deferrals</h2>\n", out);
    jv deferred = jv_array();
    jv_array_foreach(sheets, i, rec)
    {
        if (num_of(rec, "deferred") > 0)
            deferred = jv_array_append(deferred, rec);
        else
            jv_free(rec);
    }
    static const hcol def_cols[] = {{"Guard", "guard_id", NULL, 0},
                                    {"Name", "name", NULL, 0},
                                    {"Net", "net", fmt_money, 1},
                                    {"Deferred", "deferred", fmt_money, 1},
                                    {NULL, NULL, NULL, 0}};
    html_table(out, def_cols, deferred, "nothing deferred");
    jv_free(deferred);

    fputs("<h2 id=\"changes\">Largest changes from the previous period</h2>\n", out);
    size_t nc = 0;
    change_row *rows = xcalloc((size_t)(n ? n : 1), sizeof *rows);
    jv_array_foreach(sheets, i, rec)
    {
        long long before = prev_net(previous, text_of(rec, "guard_id"));
        if (before < 0) {
            jv_free(rec);
            continue;
        }
        long long now = num_of(rec, "net"), d = now - before;
        rec = jv_object_set(rec, jv_string("previous_net"), jv_number((double)before));
        rec = jv_object_set(rec, jv_string("change"), jv_number((double)d));
        rows[nc].rec = rec;
        rows[nc++].mag = d < 0 ? -d : d;
    }
    qsort(rows, nc, sizeof *rows, by_change);
    jv top = jv_array();
    for (size_t i = 0; i < nc; i++) {
        if (i < 10)
            top = jv_array_append(top, rows[i].rec);
        else
            jv_free(rows[i].rec);
    }
    free(rows);
    static const hcol ch_cols[] = {{"Guard", "guard_id", NULL, 0},
                                   {"Name", "name", NULL, 0},
                                   {"Previous net", "previous_net", fmt_money, 0},
                                   {"Net", "net", fmt_money, 0},
                                   {"Change", "change", fmt_money, 0},
                                   {NULL, NULL, NULL, 0}};
    html_table(out, ch_cols, top, "no paysheets of these guards in the previous period");
    jv_free(top);
    jv_free(payrun);
    jv_free(sheets);
    jv_free(previous);
    return finish(out, err);
}
