/*
 * register.c - the payroll register (register.h): rows from the approved
 * paysheets, amounts per code read in one pass of SQLite's JSON functions
 * over the stored records, written as CSV or XLSX.
 */
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/secure.h"
#include "out/cell.h"
#include "out/register.h"

/* Columns always present, so registers of different periods line up. */
static const char *const fixed_deductions[] = {"SSS", "PHILHEALTH", "HDMF", "TAX"};
static const char *const fixed_employer[] = {"SSS_ER", "SSS_EC", "PHILHEALTH_ER", "HDMF_ER"};

typedef struct build {
    out_register *r;
    long cap;
} build;

static char *dup0(const char *s)
{
    return xstrdup(s ? s : "");
}

static int on_sheet(const out_sheet *sh, void *ctx, armms_err *err)
{
    build *b = ctx;
    out_register *r = b->r;
    if (r->nrows == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        r->rows = xrealloc(r->rows, (size_t)b->cap * sizeof *r->rows);
    }
    reg_row *w = &r->rows[r->nrows++];
    w->guard_id = dup0(sh->guard_id);
    w->employee_no = dup0(sh->employee_no);
    w->last_name = dup0(sh->last_name);
    w->first_name = dup0(sh->first_name);
    w->position_id = dup0(sh->position_id);
    w->bank_code = dup0(sh->bank_code);
    /* gross and net ride in v until the columns are known */
    w->v = xcalloc(2, sizeof *w->v);
    w->v[0] = sh->gross_c;
    w->v[1] = sh->net_c;
    (void)err;
    return 0;
}

static int find_col(const out_register *r, const char *code, int kind)
{
    for (int i = 0; i < r->ncols; i++)
        if (r->cols[i].kind == kind && !strcmp(r->cols[i].code, code))
            return i;
    return -1;
}

static void add_col(out_register *r, const char *code, int kind)
{
    if (find_col(r, code, kind) >= 0)
        return;
    r->cols = xrealloc(r->cols, (size_t)(r->ncols + 1) * sizeof *r->cols);
    r->cols[r->ncols].code = xstrdup(code);
    r->cols[r->ncols].kind = kind;
    r->ncols++;
}

/* Every item of the period's approved paysheets, read in one pass over
 * each stored record: (guard, 0 line | 1 applied deduction, position,
 * code, amount, employer share, EC). */
static const char items_sql[] =
    "SELECT p.guard_id, 0, CAST(j.key AS INTEGER), j.value->>'code', j.value->>'amount',"
    " NULL, NULL FROM paysheet p, json_each(p.record, '$.lines') j WHERE" OUT_SHEETS_WHERE
    " UNION ALL"
    " SELECT p.guard_id, 1, CAST(j.key AS INTEGER), j.value->>'code', j.value->>'amount',"
    " j.value->>'employer_share', j.value->>'ec'"
    " FROM paysheet p, json_each(p.record, '$.deductions') j WHERE" OUT_SHEETS_WHERE
    " AND j.value->>'status' = 'APPLIED'";

static int cmp_row(const void *key, const void *elem)
{
    return strcmp(key, ((const reg_row *)elem)->guard_id);
}

/* A code as the pass meets it: its kind, the smallest position any
 * paysheet gives it, whether it is one of the fixed columns. */
typedef struct seen_col {
    char *code;
    int kind, at, fixed;
} seen_col;

typedef struct seen {
    seen_col *v;
    int n;
    int64_t **val; /* per row: amounts by seen column, grown as codes appear */
    int *nval;
} seen;

static int seen_find(seen *c, const char *code, int kind, int at, int fixed)
{
    for (int i = 0; i < c->n; i++)
        if (c->v[i].kind == kind && !strcmp(c->v[i].code, code)) {
            if (at < c->v[i].at)
                c->v[i].at = at;
            return i;
        }
    c->v = xrealloc(c->v, (size_t)(c->n + 1) * sizeof *c->v);
    c->v[c->n] = (seen_col){xstrdup(code), kind, at, fixed};
    return c->n++;
}

static void seen_add(seen *c, long row, int col, int64_t a)
{
    if (c->nval[row] <= col) {
        c->val[row] = xrealloc(c->val[row], (size_t)(col + 1) * sizeof **c->val);
        memset(c->val[row] + c->nval[row], 0, (size_t)(col + 1 - c->nval[row]) * sizeof **c->val);
        c->nval[row] = col + 1;
    }
    c->val[row][col] += a;
}

/* Non-fixed columns of a kind by their first position, then by code. */
static int seen_cmp(const void *x, const void *y)
{
    const seen_col *a = *(seen_col *const *)x, *b = *(seen_col *const *)y;
    if (a->fixed != b->fixed)
        return b->fixed - a->fixed;
    if (a->fixed)
        return 0;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return strcmp(a->code, b->code);
}

/* The columns (every code once, in the order the paysheets first list
 * them, the fixed ones first) and each guard's amount per column, from
 * one read of the items. */
static int columns_and_amounts(store_t *s, out_register *r, armms_err *err)
{
    seen c = {0};
    c.val = xcalloc((size_t)r->nrows + 1, sizeof *c.val);
    c.nval = xcalloc((size_t)r->nrows + 1, sizeof *c.nval);
    seen_find(&c, "BASIC", REG_EARNING, -1, 1);
    for (size_t i = 0; i < sizeof fixed_deductions / sizeof *fixed_deductions; i++)
        seen_find(&c, fixed_deductions[i], REG_DEDUCTION, -1, 1);
    for (size_t i = 0; i < sizeof fixed_employer / sizeof *fixed_employer; i++)
        seen_find(&c, fixed_employer[i], REG_EMPLOYER, -1, 1);
    sqlite3_stmt *st;
    int rc = 0, step;
    if (sqlite3_prepare_v2(s->db, items_sql, -1, &st, NULL))
        rc = err_set(err, EXIT_SOFTWARE, "register items: %s", sqlite3_errmsg(s->db));
    else {
        sqlite3_bind_text(st, 1, r->period.id, -1, SQLITE_STATIC);
        char code[160];
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            const char *g = (const char *)sqlite3_column_text(st, 0);
            const char *cd = (const char *)sqlite3_column_text(st, 3);
            reg_row *row = bsearch(g, r->rows, (size_t)r->nrows, sizeof *r->rows, cmp_row);
            if (!row || !cd)
                continue;
            long ri = row - r->rows;
            int ded = sqlite3_column_int(st, 1), at = sqlite3_column_int(st, 2);
            int k = seen_find(&c, cd, ded ? REG_DEDUCTION : REG_EARNING, at, 0);
            seen_add(&c, ri, k, sqlite3_column_int64(st, 4));
            for (int e = 0; ded && e < 2; e++) {
                if (sqlite3_column_type(st, 5 + e) == SQLITE_NULL)
                    continue;
                snprintf(code, sizeof code, "%s%s", cd, e ? "_EC" : "_ER");
                k = seen_find(&c, code, REG_EMPLOYER, at, 0);
                seen_add(&c, ri, k, sqlite3_column_int64(st, 5 + e));
            }
        }
        if (step != SQLITE_DONE)
            rc = err_set(err, EXIT_SOFTWARE, "register items: %s", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
    }
    /* the register's order: earnings, gross, deductions, their total,
     * net, employer shares */
    seen_col **ord = xcalloc((size_t)c.n + 1, sizeof *ord);
    for (int i = 0; i < c.n; i++)
        ord[i] = &c.v[i];
    qsort(ord, (size_t)c.n, sizeof *ord, seen_cmp);
    static const int order[] = {REG_EARNING,    REG_GROSS, REG_DEDUCTION,
                                REG_DEDUCTIONS, REG_NET,   REG_EMPLOYER};
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        if (order[k] == REG_GROSS)
            add_col(r, "GROSS", REG_GROSS);
        else if (order[k] == REG_DEDUCTIONS)
            add_col(r, "DEDUCTIONS", REG_DEDUCTIONS);
        else if (order[k] == REG_NET)
            add_col(r, "NET", REG_NET);
        else
            for (int i = 0; i < c.n; i++)
                if (ord[i]->kind == order[k])
                    add_col(r, ord[i]->code, order[k]);
    }
    free(ord);
    r->col_gross = find_col(r, "GROSS", REG_GROSS);
    r->col_net = find_col(r, "NET", REG_NET);
    int ded = find_col(r, "DEDUCTIONS", REG_DEDUCTIONS);
    int *to = xcalloc((size_t)c.n + 1, sizeof *to);
    for (int i = 0; i < c.n; i++)
        to[i] = find_col(r, c.v[i].code, c.v[i].kind);
    for (long i = 0; i < r->nrows; i++) {
        int64_t gross = r->rows[i].v[0], net = r->rows[i].v[1];
        free(r->rows[i].v);
        r->rows[i].v = xcalloc((size_t)r->ncols, sizeof *r->rows[i].v);
        r->rows[i].v[r->col_gross] = gross;
        r->rows[i].v[r->col_net] = net;
        for (int k = 0; k < c.nval[i]; k++) {
            r->rows[i].v[to[k]] += c.val[i][k];
            if (c.v[k].kind == REG_DEDUCTION)
                r->rows[i].v[ded] += c.val[i][k];
        }
        free(c.val[i]);
    }
    free(to);
    for (int i = 0; i < c.n; i++)
        free(c.v[i].code);
    free(c.v);
    free(c.val);
    free(c.nval);
    r->totals = xcalloc((size_t)r->ncols, sizeof *r->totals);
    for (long i = 0; i < r->nrows; i++)
        for (int k = 0; k < r->ncols; k++)
            r->totals[k] += r->rows[i].v[k];
    return rc;
}

int out_register_build(store_t *s, const out_period *p, out_register **out, armms_err *err)
{
    out_register *r = xcalloc(1, sizeof *r);
    r->period = *p;
    build b = {.r = r};
    int rc = out_sheets_each(s, p, on_sheet, &b, err);
    if (!rc)
        rc = columns_and_amounts(s, r, err);
    if (rc) {
        out_register_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

void out_register_free(out_register *r)
{
    if (!r)
        return;
    for (long i = 0; i < r->nrows; i++) {
        reg_row *w = &r->rows[i];
        free(w->guard_id);
        free(w->employee_no);
        free(w->last_name);
        free(w->first_name);
        free(w->position_id);
        free(w->bank_code);
        free(w->v);
    }
    free(r->rows);
    for (int k = 0; k < r->ncols; k++)
        free(r->cols[k].code);
    free(r->cols);
    free(r->totals);
    free(r);
}

/* ---- CSV ---------------------------------------------------------------- */

static const char *const text_titles[] = {"guard_id",   "employee_no", "last_name",
                                          "first_name", "position_id", "bank_code"};
#define NTEXT 6

static const char *row_text(const reg_row *w, int k)
{
    const char *t[NTEXT] = {w->guard_id,   w->employee_no, w->last_name,
                            w->first_name, w->position_id, w->bank_code};
    return t[k];
}

/* One CSV field: quoted by libcsv when it holds a comma, a quote, a line
 * break or edge blanks (cli/render.h's rule). */
static void csv_field(FILE *out, const char *s, int first)
{
    size_t n = strlen(s);
    if (!first)
        fputc(',', out);
    if (n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' '))
        csv_fwrite(out, s, n);
    else
        fwrite(s, 1, n, out);
}

static void csv_money(FILE *out, int64_t c)
{
    uint64_t a = c < 0 ? (uint64_t)(-(c + 1)) + 1 : (uint64_t)c;
    fprintf(out, ",%s%llu.%02llu", c < 0 ? "-" : "", (unsigned long long)(a / 100),
            (unsigned long long)(a % 100));
}

int out_register_csv(const out_register *r, FILE *out, armms_err *err)
{
    for (int k = 0; k < NTEXT; k++)
        csv_field(out, text_titles[k], !k);
    for (int k = 0; k < r->ncols; k++)
        csv_field(out, r->cols[k].code, 0);
    fputc('\n', out);
    strbuf safe;
    sb_init(&safe);
    for (long i = 0; i < r->nrows; i++) {
        for (int k = 0; k < NTEXT; k++)
            csv_field(out, out_cell_text(&safe, row_text(&r->rows[i], k)), !k);
        for (int k = 0; k < r->ncols; k++)
            csv_money(out, r->rows[i].v[k]);
        fputc('\n', out);
    }
    sb_free(&safe);
    if (fflush(out) || ferror(out))
        return err_set(err, EXIT_IOERR, "cannot write the register: %s", strerror(errno));
    return 0;
}

/* ---- XLSX --------------------------------------------------------------- */

int out_register_xlsx(const out_register *r, const char *path, armms_err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    lxw_workbook *wb = workbook_new(tmp);
    if (!wb) {
        free(tmp);
        return err_set(err, EXIT_CANTCREAT, "cannot create %s", path);
    }
    char title[64];
    snprintf(title, sizeof title, "Payroll register %s", r->period.id);
    lxw_doc_properties props = {.title = title,
                                .subject = (char *)r->period.id,
                                .author = "ARMMS",
                                .created = (time_t)r->period.approved_epoch};
    workbook_set_properties(wb, &props);
    lxw_worksheet *ws = workbook_add_worksheet(wb, r->period.id);
    lxw_format *bold = workbook_add_format(wb), *money = workbook_add_format(wb),
               *total = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_num_format(money, "#,##0.00");
    format_set_num_format(total, "#,##0.00");
    format_set_bold(total);
    format_set_top(total, LXW_BORDER_THIN);
    strbuf safe;
    sb_init(&safe);
    for (int k = 0; k < NTEXT; k++)
        worksheet_write_string(ws, 0, (lxw_col_t)k, text_titles[k], bold);
    for (int k = 0; k < r->ncols; k++)
        worksheet_write_string(ws, 0, (lxw_col_t)(NTEXT + k),
                               out_cell_text(&safe, r->cols[k].code), bold);
    lxw_row_t row = 1;
    for (long i = 0; i < r->nrows; i++, row++) {
        for (int k = 0; k < NTEXT; k++) {
            const char *t = row_text(&r->rows[i], k);
            if (t[0])
                worksheet_write_string(ws, row, (lxw_col_t)k, out_cell_text(&safe, t), NULL);
        }
        /* a worksheet number is a double: centavos become pesos here only */
        for (int k = 0; k < r->ncols; k++)
            worksheet_write_number(ws, row, (lxw_col_t)(NTEXT + k),
                                   (double)r->rows[i].v[k] / 100.0, money);
    }
    worksheet_write_string(ws, row, 0, "TOTAL", total);
    for (int k = 1; k < NTEXT; k++)
        worksheet_write_blank(ws, row, (lxw_col_t)k, total);
    for (int k = 0; k < r->ncols; k++)
        worksheet_write_number(ws, row, (lxw_col_t)(NTEXT + k), (double)r->totals[k] / 100.0,
                               total);
    worksheet_freeze_panes(ws, 1, 4);
    worksheet_set_column(ws, 2, 3, 18, NULL);
    worksheet_set_column(ws, NTEXT, (lxw_col_t)(NTEXT + r->ncols), 12, NULL);
    sb_free(&safe);
    caller_begin(); /* it creates the file the caller named */
    lxw_error e = workbook_close(wb);
    caller_end();
    int rc = 0;
    if (e)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", path, lxw_strerror(e));
    else if (caller_rename(tmp, path))
        rc =
            err_set(err, EXIT_CANTCREAT, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc)
        caller_unlink(tmp);
    free(tmp);
    return rc;
}
