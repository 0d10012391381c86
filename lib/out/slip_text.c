/*
 * slip_text.c - a payslip as plain text (out/slip.h): a fixed layout of at
 * most 80 columns, counted in characters (UTF-8), no trailing blanks.
 * A label too long for its column gets a line of its own, with its figures
 * on the next, so no figure ever moves out of its column.
 */
#include <stdlib.h>
#include <string.h>

#include "out/slip.h"

enum { WIDTH = 80, LABEL = 32 };

/* Characters in s (its UTF-8 lead bytes). */
static int u8_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Bytes of s holding at most w characters. */
static size_t u8_cut(const char *s, int w)
{
    size_t i = 0;
    for (int n = 0; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == w)
            break;
    return i;
}

/* s in a column of w characters, left- or right-aligned, cut to fit. */
static void cell(strbuf *b, const char *s, int w, int right)
{
    int n = u8_width(s);
    if (n > w) {
        sb_add(b, s, u8_cut(s, w));
        return;
    }
    if (right)
        for (int i = n; i < w; i++)
            sb_addc(b, ' ');
    sb_adds(b, s);
    if (!right)
        for (int i = n; i < w; i++)
            sb_addc(b, ' ');
}

static void pad(strbuf *b, int w)
{
    cell(b, "", w, 0);
}

/* End the line being built: trailing blanks go. */
static void eol(strbuf *b)
{
    while (b->len && b->s[b->len - 1] == ' ')
        b->s[--b->len] = 0;
    sb_addc(b, '\n');
}

static void rule(strbuf *b, char c)
{
    for (int i = 0; i < WIDTH; i++)
        sb_addc(b, c);
    sb_addc(b, '\n');
}

/* A label in the first column; a long one has a line of its own. */
static void label(strbuf *b, const char *s)
{
    if (u8_width(s) < LABEL) {
        cell(b, s, LABEL, 0);
        return;
    }
    sb_adds(b, s);
    eol(b);
    pad(b, LABEL);
}

/* "Key         value" in a field of w characters. */
static void field(strbuf *b, const char *key, int kw, const char *val, int w)
{
    cell(b, key, kw, 0);
    cell(b, val, w - kw, 0);
}

/* text from column indent to the right edge, broken after sep (kept at the
 * end of a line but for its blanks); a part wider than the room is cut. */
static void wrap(strbuf *b, const char *text, const char *sep, int indent)
{
    size_t seplen = strlen(sep);
    int col = indent, room = WIDTH - indent;
    while (*text) {
        const char *next = strstr(text, sep);
        size_t n = next ? (size_t)(next - text) + seplen : strlen(text);
        char part[512];
        snprintf(part, sizeof part, "%.*s", (int)n, text);
        int w = u8_width(part), bare = w;
        while (bare && part[u8_cut(part, bare) - 1] == ' ')
            bare--;
        if (col > indent && col + bare > WIDTH) {
            eol(b);
            pad(b, indent);
            col = indent;
        }
        cell(b, part, w < room ? w : room, 0);
        col += w;
        text += n;
    }
}

static void header(strbuf *b, const out_slip *sl)
{
    const slip_run *r = sl->run;
    cell(b, r->agency, WIDTH - 9, 0);
    sb_adds(b, "  PAYSLIP");
    eol(b);
    char per[96];
    snprintf(per, sizeof per, "Period %s, %s to %s", r->period, r->from, r->to);
    cell(b, per, 56, 0);
    if (r->pay_date[0]) {
        char pd[32];
        snprintf(pd, sizeof pd, "Pay date %s", r->pay_date);
        cell(b, pd, WIDTH - 56, 1);
    }
    eol(b);
    rule(b, '=');
    /* the name may be long: then it has lines of its own, wrapped between
     * words, and the numbers go on the next line */
    if (u8_width(sl->name) > 36) {
        cell(b, "Name", 12, 0);
        wrap(b, sl->name, " ", 12);
        eol(b);
        pad(b, 50);
    } else
        field(b, "Name", 12, sl->name, 50);
    field(b, "Employee no.", 14, sl->employee_no, 30);
    eol(b);
    field(b, "Position", 12, sl->position, 50);
    field(b, "Guard id", 14, sl->guard_id, 30);
    eol(b);
    cell(b, "Detachment", 12, 0);
    wrap(b, sl->detachments, ", ", 12);
    eol(b);
}

static void earnings(strbuf *b, const out_slip *sl)
{
    rule(b, '-');
    cell(b, "EARNINGS", LABEL, 0);
    cell(b, "Dates", 11, 0);
    cell(b, "Hours", 7, 1);
    cell(b, "Daily rate", 11, 1);
    cell(b, "Mult", 7, 1);
    cell(b, "Amount", 12, 1);
    eol(b);
    jv lines = jv_object_get(jv_copy(sl->paysheet), jv_string("lines"));
    int n = jv_get_kind(lines) == JV_KIND_ARRAY ? jv_array_length(jv_copy(lines)) : 0;
    for (int i = 0; i < n; i++) {
        jv l = jv_array_get(jv_copy(lines), i);
        slip_earning e;
        slip_earning_cells(l, &e);
        label(b, e.label);
        cell(b, e.dates, 11, 0);
        cell(b, e.hours, 7, 1);
        cell(b, e.rate, 11, 1);
        cell(b, e.mult, 7, 1);
        cell(b, e.amount, 12, 1);
        eol(b);
        free(e.label);
        jv_free(l);
    }
    jv_free(lines);
    char g[32];
    slip_money(slip_int(sl->paysheet, "gross", NULL), g);
    pad(b, 50);
    cell(b, "Gross pay", 18, 0);
    cell(b, g, 12, 1);
    eol(b);
}

static void deductions(strbuf *b, const out_slip *sl)
{
    rule(b, '-');
    cell(b, "DEDUCTIONS", LABEL, 0);
    cell(b, "Employee", 12, 1);
    cell(b, "Employer", 12, 1);
    sb_adds(b, "  Status");
    eol(b);
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
        if (!st[0]) { /* only what was taken counts in the totals */
            ee += a;
            er += e + ec;
        }
        label(b, slip_str(d, "label"));
        cell(b, amt, 12, 1);
        cell(b, ers, 12, 1);
        sb_adds(b, "  ");
        cell(b, st, WIDTH - LABEL - 26, 0);
        eol(b);
        if (has_ec && ec) {
            char ecs[32];
            slip_money(ec, ecs);
            label(b, "  Employees' Compensation");
            pad(b, 12);
            cell(b, ecs, 12, 1);
            sb_adds(b, "  ");
            cell(b, st, WIDTH - LABEL - 26, 0);
            eol(b);
        }
        jv_free(d);
    }
    jv_free(ds);
    char t1[32], t2[32];
    slip_money(ee, t1);
    slip_money(er, t2);
    cell(b, "Total deductions", LABEL, 0);
    cell(b, t1, 12, 1);
    cell(b, t2, 12, 1);
    eol(b);
}

static void loans(strbuf *b, const out_slip *sl)
{
    if (!sl->nloans)
        return;
    rule(b, '-');
    cell(b, "LOAN BALANCES AFTER THIS PERIOD", LABEL + 12 - 7, 0);
    sb_adds(b, "Balance");
    eol(b);
    for (size_t i = 0; i < sl->nloans; i++) {
        char lab[256], bal[32];
        snprintf(lab, sizeof lab, "%s (%s)", sl->loans[i].label, sl->loans[i].obligation_id);
        slip_money(sl->loans[i].balance_c, bal);
        label(b, lab);
        cell(b, bal, 12, 1);
        eol(b);
    }
}

static void ytd_pair(strbuf *b, const char *k1, money_t v1, const char *k2, money_t v2)
{
    char a[32], c[32];
    slip_money(v1, a);
    slip_money(v2, c);
    cell(b, k1, 22, 0);
    cell(b, a, 16, 1);
    pad(b, 4);
    cell(b, k2, 22, 0);
    cell(b, c, 16, 1);
    eol(b);
}

static void ytd(strbuf *b, const out_slip *sl)
{
    const slip_ytd *y = &sl->ytd;
    rule(b, '-');
    sb_addf(b, "YEAR TO DATE %d, %d-01-A to %s (%ld paysheet%s)", y->year, y->year,
            sl->run->period, y->paysheets, y->paysheets == 1 ? "" : "s");
    eol(b);
    ytd_pair(b, "Gross pay", y->gross_c, "SSS", y->sss_c);
    ytd_pair(b, "Withholding tax", y->tax_c, "PhilHealth", y->philhealth_c);
    ytd_pair(b, "Contributions", y->sss_c + y->philhealth_c + y->hdmf_c, "Pag-IBIG", y->hdmf_c);
}

int slip_text(FILE *out, const out_slip *sl, armms_err *err)
{
    strbuf b;
    sb_init(&b);
    header(&b, sl);
    earnings(&b, sl);
    deductions(&b, sl);
    loans(&b, sl);
    ytd(&b, sl);
    rule(&b, '=');
    char net[32];
    slip_money(slip_int(sl->paysheet, "net", NULL), net);
    cell(&b, "NET PAY", WIDTH - 20, 0);
    cell(&b, net, 20, 1);
    eol(&b);
    size_t n = fwrite(b.s, 1, b.len, out);
    int bad = n != b.len;
    sb_free(&b);
    if (bad)
        return err_set(err, EXIT_IOERR, "cannot write the payslip of %s", sl->guard_id);
    return 0;
}
