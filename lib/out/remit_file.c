/*
 * remit_file.c - the files handed to the agencies: the SSS R3 text file
 * (fixed width) and CSV for the portals that take a spreadsheet.
 *
 * R3 layout (armms-remit(1) has the table, its source and confidence):
 * lines end in CR LF; names are cut and padded to their widths in ASCII
 * (letters with accents lose them, anything else becomes '?'), amounts are
 * pesos with two decimals, right-aligned and blank-padded, in the slot of
 * the applicable month's place in its quarter (Jan/Apr/Jul/Oct first).
 * A record whose SSS number has not the 10 digits SSS prints is left out
 * of the file and counted as listed: the tool shows it.
 */
#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "out/remit.h"

/* ---- CSV ---- */

void remit_csv_cell(strbuf *b, const char *text)
{
    /* a cell a spreadsheet would read as a formula is made text */
    if (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
        text[0] == '\r')
        sb_addc(b, '\'');
    sb_adds(b, text);
}

static void csv_put(FILE *f, const char *s, size_t n)
{
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        csv_fwrite(f, s, n);
    else
        fwrite(s, 1, n, f);
}

static jv field_peek(jv rec, const char *field)
{
    return jv_object_get(jv_copy(rec), jv_string(field));
}

int remit_write_csv(FILE *f, const remit_csv_col *cols, jv records, armms_err *err)
{
    strbuf b;
    sb_init(&b);
    for (const remit_csv_col *c = cols; c->header; c++) {
        if (c != cols)
            fputc(',', f);
        csv_put(f, c->header, strlen(c->header));
    }
    fputc('\n', f);
    jv_array_foreach(records, i, rec)
    {
        for (const remit_csv_col *c = cols; c->header; c++) {
            if (c != cols)
                fputc(',', f);
            jv v = field_peek(rec, c->field);
            sb_reset(&b);
            jv_kind k = jv_get_kind(v);
            if (c->type == RC_MONEY && k == JV_KIND_NUMBER) {
                char m[32];
                money_format((money_t)jv_number_value(v), m);
                sb_adds(&b, m);
            } else if (c->type == RC_INT && k == JV_KIND_NUMBER) {
                sb_addf(&b, "%lld", (long long)jv_number_value(v));
            } else if (c->type == RC_BOOL && (k == JV_KIND_TRUE || k == JV_KIND_FALSE)) {
                sb_adds(&b, k == JV_KIND_TRUE ? "Y" : "N");
            } else if (k == JV_KIND_STRING) {
                remit_csv_cell(&b, jv_string_value(v));
            } else if (k == JV_KIND_NUMBER) {
                sb_addf(&b, "%lld", (long long)jv_number_value(v));
            }
            jv_free(v);
            csv_put(f, b.s ? b.s : "", b.len);
        }
        fputc('\n', f);
        jv_free(rec);
    }
    sb_free(&b);
    if (ferror(f))
        return err_set(err, EXIT_IOERR, "cannot write the file: write error");
    return 0;
}

/* ---- R3 ---- */

/* text as ASCII, cut or blank-padded to exactly w columns. Latin-1 letters
 * (UTF-8 C3 xx) lose their accents; other non-ASCII characters are '?'. */
static void fixed_text(strbuf *b, const char *text, size_t w)
{
    static const char latin[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p && n < w) {
        char c;
        if (*p < 0x80) {
            c = *p >= 0x20 && *p < 0x7f ? (char)*p : ' ';
            p++;
        } else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
            c = latin[p[1] - 0x80];
            p += 2;
        } else {
            c = '?';
            p++;
            while ((*p & 0xc0) == 0x80)
                p++;
        }
        sb_addc(b, c);
        n++;
    }
    for (; n < w; n++)
        sb_addc(b, ' ');
}

/* pesos with two decimals, right-aligned in w columns */
static void fixed_money(strbuf *b, money_t c, int w)
{
    char m[32];
    money_format(c, m);
    sb_addf(b, "%*s", w, m);
}

static long long num_peek(jv rec, const char *field)
{
    jv v = field_peek(rec, field);
    long long n = jv_get_kind(v) == JV_KIND_NUMBER ? (long long)jv_number_value(v) : 0;
    jv_free(v);
    return n;
}

static const char *str_peek(jv rec, const char *field, strbuf *tmp)
{
    jv v = field_peek(rec, field);
    sb_reset(tmp);
    if (jv_get_kind(v) == JV_KIND_STRING)
        sb_adds(tmp, jv_string_value(v));
    jv_free(v);
    return tmp->s ? tmp->s : "";
}

int remit_r3_slot(const char *month, const char *am)
{
    if (strlen(am) < 7 || strlen(month) < 7)
        return -1;
    int first = (atoi(month + 5) - 1) / 3 * 3 + 1, slot = atoi(am + 5) - first;
    return atoi(am) == atoi(month) && slot >= 0 && slot <= 2 ? slot : -1;
}

int remit_write_r3(FILE *f, jv records, const char *month, const remit_employer *emp,
                   remit_written *w, armms_err *err)
{
    char er_no[16];
    memset(w, 0, sizeof *w);
    if (remit_sss_no(emp->sss_no, er_no))
        return err_set(err, EXIT_DATAERR, "employer SSS number '%s' is not 10 digits",
                       emp->sss_no ? emp->sss_no : "");
    int year = atoi(month), mon = atoi(month + 5);
    strbuf b, t;
    sb_init(&b);
    sb_init(&t);
    /* 00: type, employer name (30), applicable month MMYYYY, employer number (10) */
    sb_adds(&b, "00");
    fixed_text(&b, emp->name, 30);
    sb_addf(&b, "%02d%04d", mon, year);
    sb_adds(&b, er_no);
    sb_adds(&b, "\r\n");
    fwrite(b.s, 1, b.len, f);
    jv_array_foreach(records, i, rec)
    {
        jv ok = field_peek(rec, "id_ok");
        int valid = jv_get_kind(ok) == JV_KIND_TRUE;
        jv_free(ok);
        if (!valid) {
            w->listed++;
            jv_free(rec);
            continue;
        }
        const char *am = str_peek(rec, "applicable_month", &t);
        int slot = remit_r3_slot(month, am);
        if (slot < 0) {
            /* a contribution of another quarter has no slot here */
            w->listed++;
            jv_free(rec);
            continue;
        }
        money_t ss = num_peek(rec, "ss_ee") + num_peek(rec, "ss_er");
        money_t ec = num_peek(rec, "ec");
        w->ss[slot] += ss;
        w->ec[slot] += ec;
        w->mpf[slot] += num_peek(rec, "mpf_ee") + num_peek(rec, "mpf_er");
        sb_reset(&b);
        /* 20: type, surname (15), given name (15), middle initial (1), SS
         * number (10), SS of the quarter's months (3 x 8), three unused
         * 6-column slots, EC of the months (3 x 6), remark (7, "N") */
        sb_adds(&b, "20");
        fixed_text(&b, str_peek(rec, "last_name", &t), 15);
        fixed_text(&b, str_peek(rec, "first_name", &t), 15);
        fixed_text(&b, str_peek(rec, "middle_initial", &t), 1);
        sb_adds(&b, str_peek(rec, "sss_no", &t));
        for (int k = 0; k < 3; k++)
            fixed_money(&b, k == slot ? ss : 0, 8);
        for (int k = 0; k < 3; k++)
            fixed_money(&b, 0, 6);
        for (int k = 0; k < 3; k++)
            fixed_money(&b, k == slot ? ec : 0, 6);
        sb_addf(&b, "%7s", "N");
        sb_adds(&b, "\r\n");
        fwrite(b.s, 1, b.len, f);
        w->records++;
        jv_free(rec);
    }
    /* 99: type, SS totals (3 x 12), three unused 10-column slots, EC totals (3 x 10) */
    sb_reset(&b);
    sb_adds(&b, "99");
    for (int k = 0; k < 3; k++)
        fixed_money(&b, w->ss[k], 12);
    for (int k = 0; k < 3; k++)
        fixed_money(&b, 0, 10);
    for (int k = 0; k < 3; k++)
        fixed_money(&b, w->ec[k], 10);
    sb_adds(&b, "\r\n");
    fwrite(b.s, 1, b.len, f);
    sb_free(&b);
    sb_free(&t);
    if (ferror(f))
        return err_set(err, EXIT_IOERR, "cannot write the R3 file: write error");
    return 0;
}
