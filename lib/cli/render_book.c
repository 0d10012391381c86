/*
 * render_book.c - see render.h: a workbook of sheets, one per report or
 * record, written with libxlsxwriter to a scratch file and copied to the
 * output, so a workbook goes down a pipe like any other format.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "cli/render.h"
#include "cli/render_int.h"
#include "core/clock.h"
#include "core/secure.h"
#include "out/cell.h"
#include "store/store.h"

/* ---- XLSX ---- */

struct render_book {
    char path[64];
    lxw_workbook *wb;
    lxw_format *bold, *money, *minutes, *date, *pct, *title;
    int sheets;
};

render_book *render_book_new(armms_err *err)
{
    render_book *bk = xcalloc(1, sizeof *bk);
    const char *dir = armms_env("TMPDIR");
    snprintf(bk->path, sizeof bk->path, "%s/armms-xlsx.XXXXXX",
             dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = caller_mkstemp(bk->path);
    if (fd < 0) {
        err_set(err, EXIT_CANTCREAT, "cannot make a temporary file for the workbook");
        free(bk);
        return NULL;
    }
    close(fd);
    bk->wb = workbook_new(bk->path);
    if (!bk->wb) {
        caller_unlink(bk->path);
        err_set(err, EXIT_CANTCREAT, "cannot start a workbook");
        free(bk);
        return NULL;
    }
    /* dated by the tools' clock (ARMMS_NOW pins it), so the same report
     * of the same store is the same bytes */
    char now[32];
    instant_t at;
    now_iso(now);
    lxw_doc_properties props = {.created = iso_parse(now, &at, NULL) ? 0 : (time_t)at};
    workbook_set_properties(bk->wb, &props);
    bk->bold = workbook_add_format(bk->wb);
    format_set_bold(bk->bold);
    bk->title = workbook_add_format(bk->wb);
    format_set_bold(bk->title);
    format_set_font_size(bk->title, 12);
    bk->money = workbook_add_format(bk->wb);
    format_set_num_format(bk->money, "#,##0.00");
    bk->minutes = workbook_add_format(bk->wb);
    format_set_num_format(bk->minutes, "[h]:mm");
    bk->date = workbook_add_format(bk->wb);
    format_set_num_format(bk->date, "yyyy-mm-dd");
    bk->pct = workbook_add_format(bk->wb);
    format_set_num_format(bk->pct, "0.0%");
    return bk;
}

static lxw_worksheet *book_add(render_book *bk, const char *name)
{
    char nm[32];
    bk->sheets++;
    if (name && *name) {
        /* XLSX forbids []:*?/\ in a sheet name and allows 31 characters */
        size_t k = 0;
        for (const char *p = name; *p && k < 31; p++)
            nm[k++] = strchr("[]:*?/\\", *p) ? '_' : *p;
        nm[k] = '\0';
    } else {
        snprintf(nm, sizeof nm, "Sheet%d", bk->sheets);
    }
    return workbook_add_worksheet(bk->wb, nm);
}

/* One cell of column c of rec in a sheet: a number, a date or text. */
static void book_cell(render_book *bk, lxw_worksheet *ws, lxw_row_t r, lxw_col_t col,
                      const render_col *c, jv rec, strbuf *safe)
{
    jv v = render_get_peek(rec, c->path);
    long long n;
    render_type t = render_is_personal(c->path) ? RENDER_MASKED : c->type;
    if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
        return;
    if (render_numeric(t) && render_whole(v, &n)) {
        /* a display value for the spreadsheet; the stored figure stays integer */
        if (t == RENDER_MONEY)
            worksheet_write_number(ws, r, col, (double)n / 100.0, bk->money);
        else if (t == RENDER_MINUTES)
            worksheet_write_number(ws, r, col, (double)n / 1440.0, bk->minutes);
        else if (t == RENDER_BP)
            worksheet_write_number(ws, r, col, (double)n / 10000.0, bk->pct);
        else
            worksheet_write_number(ws, r, col, (double)n, NULL);
        return;
    }
    int y, m, d;
    if (t == RENDER_DATE && jv_get_kind(v) == JV_KIND_STRING && strlen(jv_string_value(v)) == 10 &&
        sscanf(jv_string_value(v), "%4d-%2d-%2d", &y, &m, &d) == 3) {
        lxw_datetime dt = {.year = y, .month = m, .day = d};
        worksheet_write_datetime(ws, r, col, &dt, bk->date);
        return;
    }
    char *s = render_cell_text(c, RENDER_CSV, rec);
    worksheet_write_string(ws, r, col, out_cell_text(safe, s), NULL);
    free(s);
}

int render_book_sheet(render_book *bk, const char *name, const render_col *cols, jv records,
                      const render_opts *o, armms_err *err)
{
    lxw_worksheet *ws = book_add(bk, name);
    strbuf safe;
    render_sb_start(&safe);
    lxw_row_t row = 0;
    if (o && o->title && *o->title)
        worksheet_write_string(ws, row++, 0, out_cell_text(&safe, o->title), bk->title);
    lxw_col_t k = 0;
    for (const render_col *c = cols; c->title; c++) {
        if (!render_shown(c, RENDER_CSV))
            continue;
        worksheet_write_string(ws, row, k, c->title, bk->bold);
        int w = (int)strlen(c->title) + 2;
        if (c->type == RENDER_TEXT && c->max_width > w)
            w = c->max_width < 40 ? c->max_width : 40;
        worksheet_set_column(ws, k, k, w < 10 ? 10 : w, NULL);
        k++;
    }
    row++;
    jv_array_foreach(records, i, rec)
    {
        k = 0;
        for (const render_col *c = cols; c->title; c++)
            if (render_shown(c, RENDER_CSV))
                book_cell(bk, ws, row, k++, c, rec, &safe);
        row++;
        jv_free(rec);
    }
    jv_free(records);
    sb_free(&safe);
    return 0;
}

int render_book_kv(render_book *bk, const char *name, const render_col *fields, jv record,
                   armms_err *err)
{
    lxw_worksheet *ws = book_add(bk, name);
    strbuf safe;
    render_sb_start(&safe);
    worksheet_write_string(ws, 0, 0, "key", bk->bold);
    worksheet_write_string(ws, 0, 1, "value", bk->bold);
    worksheet_set_column(ws, 0, 1, 24, NULL);
    lxw_row_t row = 1;
    for (const render_col *f = fields; f->title; f++) {
        if (!f->path || !render_shown(f, RENDER_CSV))
            continue;
        jv v = render_get_peek(record, f->path);
        if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
            continue;
        worksheet_write_string(ws, row, 0, f->path, NULL);
        book_cell(bk, ws, row, 1, f, record, &safe);
        row++;
    }
    jv_free(record);
    sb_free(&safe);
    return 0;
}

int render_book_end(render_book *bk, FILE *out, armms_err *err)
{
    int rc = 0;
    lxw_error e = workbook_close(bk->wb);
    if (e != LXW_NO_ERROR)
        rc = err_set(err, EXIT_CANTCREAT, "cannot write the workbook: %s", lxw_strerror(e));
    FILE *in = rc ? NULL : caller_fopen(bk->path, "rb");
    if (!rc && !in)
        rc = err_set(err, EXIT_CANTCREAT, "cannot read the workbook back");
    if (in) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, n, out) != n)
                break;
        fclose(in);
        if (!rc)
            rc = render_out_status(out, err);
    }
    caller_unlink(bk->path);
    free(bk);
    return rc;
}
