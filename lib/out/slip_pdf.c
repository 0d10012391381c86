/*
 * slip_pdf.c - payslips as a PDF made with libharu (Debian libhpdf-dev):
 * A4 or US letter, a page per payslip (more when one runs long), the same
 * sections as the text (out/slip.h), figures right-aligned on their
 * column's edge.
 *
 * Text is UTF-8 in DejaVu Sans (a TrueType font with Latin coverage,
 * embedded), so ñ, Ñ and é print as written and pdftotext gives them back.
 *
 * Invariants:
 *  1. the same payslips give the same bytes: the creation and change dates
 *     are the payrun's stamp (never the clock), and without encryption
 *     libharu writes no /ID (tests/85-payslip.bats compares two runs);
 *  2. libharu's errors come back through the handler into p->status and
 *     are returned as EXIT_* codes; nothing is printed.
 */
#include <hpdf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/slip.h"

struct slip_pdf {
    HPDF_Doc doc;
    HPDF_Font font, bold;
    float w, h; /* page size in points */
    float l, r; /* the left and right edges of the text */
    HPDF_Page page;
    float y;    /* the baseline of the next row */
    int status; /* libharu's last error number, 0 when none */
    int pages;
    const out_slip *cur; /* the slip being drawn, for a continued page */
};

enum { MARGIN = 42, BOTTOM = 56 };
#define ROW 12.5f
#define BODY 8.5f

static void on_error(HPDF_STATUS no, HPDF_STATUS detail, void *user)
{
    (void)detail;
    slip_pdf *p = user;
    if (!p->status)
        p->status = (int)no;
}

static int hpdf_fail(slip_pdf *p, const char *what, armms_err *err)
{
    return err_set(err, EXIT_SOFTWARE, "pdf: %s (libharu error 0x%04X)", what,
                   (unsigned)p->status);
}

int slip_pdf_open(slip_pdf **out, slip_paper paper, const char *stamp, armms_err *err)
{
    *out = NULL;
    if (access(SLIP_FONT, R_OK) || access(SLIP_FONT_BOLD, R_OK))
        return err_set(err, EXIT_UNAVAILABLE,
                       "font %s is missing (Debian package fonts-dejavu-core)",
                       access(SLIP_FONT, R_OK) ? SLIP_FONT : SLIP_FONT_BOLD);
    slip_pdf *p = xcalloc(1, sizeof *p);
    p->doc = HPDF_New(on_error, p);
    if (!p->doc) {
        free(p);
        armms_fatal("out of memory");
    }
    if (paper == SLIP_LETTER)
        p->w = 612, p->h = 792;
    else
        p->w = 595.276f, p->h = 841.89f;
    p->l = MARGIN;
    p->r = p->w - MARGIN;
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    const char *n1 = HPDF_LoadTTFontFromFile(p->doc, SLIP_FONT, HPDF_TRUE);
    const char *n2 = HPDF_LoadTTFontFromFile(p->doc, SLIP_FONT_BOLD, HPDF_TRUE);
    if (n1)
        p->font = HPDF_GetFont(p->doc, n1, "UTF-8");
    if (n2)
        p->bold = HPDF_GetFont(p->doc, n2, "UTF-8");
    /* dates from the payrun, never the clock (invariant 1) */
    HPDF_Date d = {0};
    d.ind = 'Z';
    if (sscanf(stamp, "%4d-%2d-%2dT%2d:%2d:%2d", &d.year, &d.month, &d.day, &d.hour, &d.minutes,
               &d.seconds) != 6)
        d = (HPDF_Date){2000, 1, 1, 0, 0, 0, 'Z', 0, 0};
    HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, d);
    HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_MOD_DATE, d);
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "armms-payslip");
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, "Payslips");
    if (p->status || !p->font || !p->bold) {
        int rc = hpdf_fail(p, "cannot load the DejaVu fonts", err);
        slip_pdf_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void slip_pdf_free(slip_pdf *p)
{
    if (!p)
        return;
    HPDF_Free(p->doc);
    free(p);
}

/* ---- drawing ---------------------------------------------------------- */

static void text_at(slip_pdf *p, HPDF_Font f, float size, float x, const char *s)
{
    if (!s || !*s)
        return;
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, f, size);
    HPDF_Page_TextOut(p->page, x, p->y, s);
    HPDF_Page_EndText(p->page);
}

static float width_of(slip_pdf *p, HPDF_Font f, float size, const char *s)
{
    HPDF_Page_SetFontAndSize(p->page, f, size);
    return HPDF_Page_TextWidth(p->page, s);
}

/* s ending at x (figures line up on their right edge). */
static void text_right(slip_pdf *p, HPDF_Font f, float size, float x, const char *s)
{
    if (s && *s)
        text_at(p, f, size, x - width_of(p, f, size, s), s);
}

/* s at x in at most size points, smaller (down to 6) when it would run
 * past max points: a long name never runs into the next column. */
static void text_fit(slip_pdf *p, HPDF_Font f, float size, float x, float max, const char *s)
{
    while (size > 6 && width_of(p, f, size, s) > max)
        size -= 0.5f;
    text_at(p, f, size, x, s);
}

static void hline(slip_pdf *p, float y, float wd, float gray)
{
    HPDF_Page_SetLineWidth(p->page, wd);
    HPDF_Page_SetGrayStroke(p->page, gray);
    HPDF_Page_MoveTo(p->page, p->l, y);
    HPDF_Page_LineTo(p->page, p->r, y);
    HPDF_Page_Stroke(p->page);
    HPDF_Page_SetGrayStroke(p->page, 0);
}

static void band(slip_pdf *p, float y, float hgt, float gray)
{
    HPDF_Page_SetGrayFill(p->page, gray);
    HPDF_Page_Rectangle(p->page, p->l, y, p->r - p->l, hgt);
    HPDF_Page_Fill(p->page);
    HPDF_Page_SetGrayFill(p->page, 0);
}

static void footer(slip_pdf *p)
{
    const out_slip *sl = p->cur;
    char s[256];
    /* the approval, not the run's status: a payslip is the same before and
     * after its run closes */
    snprintf(s, sizeof s, "%s · %s · payrun approved %s, %s", sl->guard_id, sl->run->period,
             sl->run->stamp, "amounts in Philippine pesos");
    float y = p->y;
    p->y = 30;
    HPDF_Page_SetGrayFill(p->page, 0.4f);
    text_at(p, p->font, 7, p->l, s);
    HPDF_Page_SetGrayFill(p->page, 0);
    p->y = y;
}

static void new_page(slip_pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetWidth(p->page, p->w);
    HPDF_Page_SetHeight(p->page, p->h);
    p->pages++;
    p->y = p->h - MARGIN - 12;
    footer(p);
}

/* Room for n more rows, else a continued page. */
static void need(slip_pdf *p, int n)
{
    if (p->y - n * ROW >= BOTTOM)
        return;
    new_page(p);
    const out_slip *sl = p->cur;
    char s[384];
    snprintf(s, sizeof s, "%s · %s · %s (continued)", sl->run->agency, sl->run->period, sl->name);
    text_at(p, p->bold, BODY, p->l, s);
    p->y -= 2 * ROW;
}

static void section(slip_pdf *p, const char *title, int rows)
{
    need(p, rows + 3);
    p->y -= ROW + 9;
    band(p, p->y - 3.5f, ROW + 1, 0.9f);
    text_at(p, p->bold, BODY, p->l + 3, title);
}

static void heading(slip_pdf *p, float x, int right, const char *s)
{
    HPDF_Page_SetGrayFill(p->page, 0.35f);
    if (right)
        text_right(p, p->bold, 7.5f, x, s);
    else
        text_at(p, p->bold, 7.5f, x, s);
    HPDF_Page_SetGrayFill(p->page, 0);
}

/* A label that does not fit its column gets a row of its own. */
static void label(slip_pdf *p, const char *s, float x, float col)
{
    if (width_of(p, p->font, BODY, s) > col - 6) {
        text_at(p, p->font, BODY, x, s);
        p->y -= ROW;
        need(p, 1);
        return;
    }
    text_at(p, p->font, BODY, x, s);
}

/* ---- one payslip ------------------------------------------------------ */

static void draw_header(slip_pdf *p, const out_slip *sl)
{
    const slip_run *r = sl->run;
    float tag = width_of(p, p->bold, 14, "PAYSLIP");
    text_fit(p, p->bold, 14, p->l, p->r - p->l - tag - 16, r->agency);
    text_right(p, p->bold, 14, p->r, "PAYSLIP");
    p->y -= 17;
    char s[128];
    snprintf(s, sizeof s, "Pay period %s, %s to %s", r->period, r->from, r->to);
    text_at(p, p->font, 9, p->l, s);
    if (r->pay_date[0]) {
        snprintf(s, sizeof s, "Pay date %s", r->pay_date);
        text_right(p, p->font, 9, p->r, s);
    }
    p->y -= 8;
    hline(p, p->y, 1.2f, 0);
    p->y -= ROW + 2;
    float k2 = p->l + 0.62f * (p->r - p->l), v2 = k2 + 64;
    heading(p, p->l, 0, "Name");
    if (width_of(p, p->bold, 10, sl->name) > k2 - p->l - 72) {
        /* a long name has the row to itself, the numbers go below */
        text_fit(p, p->bold, 10, p->l + 64, p->r - p->l - 64, sl->name);
        p->y -= ROW + 1;
    } else
        text_at(p, p->bold, 10, p->l + 64, sl->name);
    heading(p, k2, 0, "Employee no.");
    text_fit(p, p->font, BODY, v2, p->r - v2, sl->employee_no);
    p->y -= ROW + 1;
    heading(p, p->l, 0, "Position");
    text_fit(p, p->font, BODY, p->l + 64, k2 - p->l - 72, sl->position);
    heading(p, k2, 0, "Guard id");
    text_fit(p, p->font, BODY, v2, p->r - v2, sl->guard_id);
    p->y -= ROW;
    heading(p, p->l, 0, "Detachment");
    /* detachments wrapped within the page */
    const char *d = sl->detachments;
    float x = p->l + 64;
    while (*d) {
        const char *comma = strstr(d, ", ");
        size_t n = comma ? (size_t)(comma - d) + (comma[2] ? 1 : 0) : strlen(d);
        char one[256];
        snprintf(one, sizeof one, "%.*s", (int)n, d);
        float w = width_of(p, p->font, BODY, one);
        if (x > p->l + 64 && x + w > p->r) {
            p->y -= ROW;
            x = p->l + 64;
        }
        text_at(p, p->font, BODY, x, one);
        x += w + width_of(p, p->font, BODY, " ");
        d += comma ? (size_t)(comma - d) + 2 : n;
    }
}

static void draw_earnings(slip_pdf *p, const out_slip *sl)
{
    float W = p->r - p->l, c_dates = p->l + 0.40f * W, c_hours = p->l + 0.62f * W,
          c_rate = p->l + 0.75f * W, c_mult = p->l + 0.85f * W;
    section(p, "EARNINGS", 2);
    p->y -= ROW + 2;
    heading(p, p->l, 0, "Item");
    heading(p, c_dates, 0, "Dates");
    heading(p, c_hours, 1, "Hours");
    heading(p, c_rate, 1, "Daily rate");
    heading(p, c_mult, 1, "Multiplier");
    heading(p, p->r, 1, "Amount");
    jv lines = jv_object_get(jv_copy(sl->paysheet), jv_string("lines"));
    int n = jv_get_kind(lines) == JV_KIND_ARRAY ? jv_array_length(jv_copy(lines)) : 0;
    for (int i = 0; i < n; i++) {
        jv l = jv_array_get(jv_copy(lines), i);
        slip_earning e;
        slip_earning_cells(l, &e);
        p->y -= ROW;
        need(p, 1);
        label(p, e.label, p->l, c_dates - p->l);
        text_at(p, p->font, BODY, c_dates, e.dates);
        text_right(p, p->font, BODY, c_hours, e.hours);
        text_right(p, p->font, BODY, c_rate, e.rate);
        text_right(p, p->font, BODY, c_mult, e.mult);
        text_right(p, p->font, BODY, p->r, e.amount);
        free(e.label);
        jv_free(l);
    }
    jv_free(lines);
    char g[32];
    slip_money(slip_int(sl->paysheet, "gross", NULL), g);
    p->y -= 5;
    hline(p, p->y + ROW - 9, 0.4f, 0.6f);
    p->y -= ROW - 4;
    need(p, 1);
    text_at(p, p->bold, BODY, c_rate - 40, "Gross pay");
    text_right(p, p->bold, BODY, p->r, g);
}

static void draw_deductions(slip_pdf *p, const out_slip *sl)
{
    float W = p->r - p->l, c_ee = p->l + 0.58f * W, c_er = p->l + 0.73f * W,
          c_st = p->l + 0.77f * W;
    section(p, "DEDUCTIONS", 2);
    p->y -= ROW + 2;
    heading(p, p->l, 0, "Item");
    heading(p, c_ee, 1, "Employee");
    heading(p, c_er, 1, "Employer share");
    heading(p, c_st, 0, "Status");
    jv ds = jv_object_get(jv_copy(sl->paysheet), jv_string("deductions"));
    int n = jv_get_kind(ds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ds)) : 0;
    money_t ee = 0, er = 0;
    for (int i = 0; i < n; i++) {
        jv d = jv_array_get(jv_copy(ds), i);
        char amt[32], ers[32] = "", st[64];
        int has_er, has_ec;
        money_t a = slip_int(d, "amount", NULL), e = slip_int(d, "employer_share", &has_er),
                ec = slip_int(d, "ec", &has_ec);
        slip_money(a, amt);
        if (has_er)
            slip_money(e, ers);
        slip_ded_status(d, st);
        if (!st[0])
            ee += a, er += e + ec;
        p->y -= ROW;
        need(p, 1);
        label(p, slip_str(d, "label"), p->l, c_ee - 70 - p->l);
        text_right(p, p->font, BODY, c_ee, amt);
        text_right(p, p->font, BODY, c_er, ers);
        text_at(p, st[0] ? p->bold : p->font, BODY, c_st, st);
        if (has_ec && ec) {
            char ecs[32];
            slip_money(ec, ecs);
            p->y -= ROW;
            need(p, 1);
            text_at(p, p->font, BODY, p->l + 10, "Employees' Compensation");
            text_right(p, p->font, BODY, c_er, ecs);
            text_at(p, st[0] ? p->bold : p->font, BODY, c_st, st);
        }
        jv_free(d);
    }
    jv_free(ds);
    char t1[32], t2[32];
    slip_money(ee, t1);
    slip_money(er, t2);
    p->y -= 5;
    hline(p, p->y + ROW - 9, 0.4f, 0.6f);
    p->y -= ROW - 4;
    need(p, 1);
    text_at(p, p->bold, BODY, p->l, "Total deductions");
    text_right(p, p->bold, BODY, c_ee, t1);
    text_right(p, p->bold, BODY, c_er, t2);
}

static void draw_loans(slip_pdf *p, const out_slip *sl)
{
    if (!sl->nloans)
        return;
    float c_bal = p->l + 0.58f * (p->r - p->l);
    section(p, "LOAN BALANCES AFTER THIS PERIOD", (int)sl->nloans);
    heading(p, c_bal, 1, "Balance");
    for (size_t i = 0; i < sl->nloans; i++) {
        char lab[256], bal[32];
        snprintf(lab, sizeof lab, "%s (%s)", sl->loans[i].label, sl->loans[i].obligation_id);
        slip_money(sl->loans[i].balance_c, bal);
        p->y -= ROW;
        need(p, 1);
        label(p, lab, p->l, c_bal - 70 - p->l);
        text_right(p, p->font, BODY, c_bal, bal);
    }
}

static void ytd_pair(slip_pdf *p, const char *k1, money_t v1, const char *k2, money_t v2)
{
    float mid = p->l + 0.5f * (p->r - p->l);
    char a[32], b[32];
    slip_money(v1, a);
    slip_money(v2, b);
    p->y -= ROW;
    text_at(p, p->font, BODY, p->l, k1);
    text_right(p, p->font, BODY, mid - 24, a);
    text_at(p, p->font, BODY, mid + 12, k2);
    text_right(p, p->font, BODY, p->r, b);
}

static void draw_ytd(slip_pdf *p, const out_slip *sl)
{
    const slip_ytd *y = &sl->ytd;
    char t[128];
    snprintf(t, sizeof t, "YEAR TO DATE %d  (%d-01-A to %s, %ld paysheet%s)", y->year, y->year,
             sl->run->period, y->paysheets, y->paysheets == 1 ? "" : "s");
    section(p, t, 3);
    ytd_pair(p, "Gross pay", y->gross_c, "SSS", y->sss_c);
    ytd_pair(p, "Withholding tax", y->tax_c, "PhilHealth", y->philhealth_c);
    ytd_pair(p, "Employee contributions", y->sss_c + y->philhealth_c + y->hdmf_c, "Pag-IBIG",
             y->hdmf_c);
}

static void draw_net(slip_pdf *p, const out_slip *sl)
{
    char net[32];
    slip_money(slip_int(sl->paysheet, "net", NULL), net);
    need(p, 3);
    p->y -= ROW + 12;
    band(p, p->y - 7, 24, 0.82f);
    text_at(p, p->bold, 12, p->l + 6, "NET PAY");
    text_right(p, p->bold, 12, p->r - 6, net);
}

int slip_pdf_add(slip_pdf *p, const out_slip *sl, armms_err *err)
{
    p->cur = sl;
    new_page(p);
    draw_header(p, sl);
    draw_earnings(p, sl);
    draw_deductions(p, sl);
    draw_loans(p, sl);
    draw_ytd(p, sl);
    draw_net(p, sl);
    p->cur = NULL;
    if (p->status)
        return hpdf_fail(p, "cannot draw a payslip", err);
    return 0;
}

int slip_pdf_write(slip_pdf *p, FILE *out, armms_err *err)
{
    if (HPDF_SaveToStream(p->doc) != HPDF_OK || p->status)
        return hpdf_fail(p, "cannot make the document", err);
    HPDF_ResetStream(p->doc);
    for (;;) {
        HPDF_BYTE buf[16384];
        HPDF_UINT32 n = sizeof buf;
        HPDF_STATUS st = HPDF_ReadFromStream(p->doc, buf, &n);
        if (n && fwrite(buf, 1, n, out) != n)
            return err_set(err, EXIT_IOERR, "cannot write the pdf");
        if (st == HPDF_STREAM_EOF)
            break;
        if (st != HPDF_OK)
            return hpdf_fail(p, "cannot read the document back", err);
    }
    p->status = 0;
    return 0;
}
