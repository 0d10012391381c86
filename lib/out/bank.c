/*
 * bank.c - a period's bank credit file from a profile (bank.h): the
 * credits and exceptions are read first (out/sheets.h), so a header can
 * carry the totals; then each record is written field by field as the
 * profile says, as text (fixed or delimited) or as a worksheet
 * (libxlsxwriter).
 */
#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/ndjson.h"
#include "core/secure.h"
#include "out/bank.h"
#include "out/bank_field.h"
#include "out/cell.h"

const char *const bank_reasons[4] = {"NET_ZERO", "NO_ACCOUNT", "OTHER_BANK", "BAD_ACCOUNT"};
enum { R_NET_ZERO, R_NO_ACCOUNT, R_OTHER_BANK, R_BAD_ACCOUNT };

#define MOD18 1000000000000000000ULL

typedef struct credit {
    char *guard_id, *employee_no, *last_name, *first_name, *bank_code, *account;
    int64_t net_c;
    uint64_t hash;
} credit;

typedef struct run {
    const bank_profile *p;
    const out_period *period;
    jv params;
    credit *cr;
    long ncr, capcr;
    bank_result *res;
    long capex;
} run;

static void add_exception(run *r, const out_sheet *sh, int reason, char *message)
{
    bank_result *res = r->res;
    if (res->nex == r->capex) {
        r->capex = r->capex ? 2 * r->capex : 64;
        res->ex = xrealloc(res->ex, r->capex * sizeof *res->ex);
    }
    bank_exception *e = &res->ex[res->nex++];
    e->guard_id = xstrdup(sh->guard_id);
    e->employee_no = xstrdup(sh->employee_no);
    e->name = sh->last_name[0] || sh->first_name[0]
                  ? xasprintf("%s, %s", sh->last_name, sh->first_name)
                  : xstrdup("");
    e->bank_code = xstrdup(sh->bank_code);
    e->bank_account = xstrdup(sh->bank_account);
    e->reason = bank_reasons[reason];
    e->message = message;
    e->net_c = sh->net_c;
    res->by_reason[reason]++;
    res->by_reason_c[reason] += sh->net_c;
}

/* The account with the profile's strip characters taken out (malloc'd),
 * or NULL with *why set when it is not one this profile takes. */
static char *account_check(const bank_profile *p, const char *raw, char **why)
{
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "");
    for (const char *c = raw; *c; c++) {
        if (strchr(p->acc_strip, *c))
            continue;
        if (!strchr(p->acc_charset, *c) || (unsigned char)*c < 0x20) {
            *why = xasprintf("the account holds '%c', which %s does not take (only %s)",
                             (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?',
                             p->name, p->acc_charset);
            sb_free(&b);
            return NULL;
        }
        sb_addc(&b, *c);
    }
    if ((int)b.len < p->acc_min || (int)b.len > p->acc_max) {
        if (p->acc_min == p->acc_max)
            *why = xasprintf("the account has %zu characters; %s takes %d", b.len, p->name,
                             p->acc_min);
        else
            *why = xasprintf("the account has %zu characters; %s takes %d to %d", b.len, p->name,
                             p->acc_min, p->acc_max);
        sb_free(&b);
        return NULL;
    }
    return b.s;
}

/* The horizontal hash of one credit: the account's digit slices (1-based
 * [position, length]; a slice past the end is what of it there is) as
 * numbers, summed, times the amount in centavos. */
static uint64_t horizontal_hash(const bank_profile *p, const char *acct, int64_t net_c)
{
    size_t n = strlen(acct);
    uint64_t sum = 0;
    for (int i = 0; i < p->nhash; i++) {
        uint64_t v = 0;
        for (int k = 0; k < p->hash_digits[i][1]; k++) {
            size_t at = (size_t)p->hash_digits[i][0] - 1 + k;
            if (at < n && isdigit((unsigned char)acct[at]))
                v = v * 10 + (uint64_t)(acct[at] - '0');
        }
        sum += v;
    }
    return (sum * (uint64_t)net_c) % MOD18;
}

/* The digits of an account as a number, mod 10^18. */
static uint64_t account_number(const char *acct)
{
    uint64_t v = 0;
    for (const char *c = acct; *c; c++)
        if (isdigit((unsigned char)*c))
            v = (v * 10 + (uint64_t)(*c - '0')) % MOD18;
    return v;
}

static int on_sheet(const out_sheet *sh, void *ctx, armms_err *err)
{
    run *r = ctx;
    const bank_profile *p = r->p;
    r->res->sheets++;
    r->res->sheets_net_c += sh->net_c;
    char *why = NULL, *acct = NULL;
    if (sh->net_c <= 0) {
        char m[64];
        snprintf(m, sizeof m, "%s%lld.%02lld", sh->net_c < 0 ? "-" : "",
                 (long long)(llabs(sh->net_c) / 100), (long long)(llabs(sh->net_c) % 100));
        add_exception(r, sh, R_NET_ZERO, xasprintf("net pay is %s: nothing to credit", m));
        return 0;
    }
    if (!sh->known) {
        add_exception(r, sh, R_NO_ACCOUNT, xasprintf("guard %s is not in hr.db", sh->guard_id));
        return 0;
    }
    if (!sh->bank_code[0] || !sh->bank_account[0]) {
        add_exception(r, sh, R_NO_ACCOUNT,
                      xasprintf("no %s in the guard's master data",
                                !sh->bank_code[0] ? "bank_code" : "bank_account"));
        return 0;
    }
    if (!bank_profile_pays(p, sh->bank_code)) {
        add_exception(r, sh, R_OTHER_BANK,
                      xasprintf("bank %s: not paid by profile %s", sh->bank_code, p->name));
        return 0;
    }
    if (!(acct = account_check(p, sh->bank_account, &why))) {
        add_exception(r, sh, R_BAD_ACCOUNT, why);
        return 0;
    }
    if (r->ncr == r->capcr) {
        r->capcr = r->capcr ? 2 * r->capcr : 256;
        r->cr = xrealloc(r->cr, r->capcr * sizeof *r->cr);
    }
    credit *c = &r->cr[r->ncr++];
    c->guard_id = xstrdup(sh->guard_id);
    c->employee_no = xstrdup(sh->employee_no);
    c->last_name = xstrdup(sh->last_name);
    c->first_name = xstrdup(sh->first_name);
    c->bank_code = xstrdup(sh->bank_code);
    c->account = acct;
    c->net_c = sh->net_c;
    c->hash = p->nhash ? horizontal_hash(p, acct, sh->net_c) : 0;
    bank_result *res = r->res;
    res->count++;
    res->total_c += c->net_c;
    if (c->net_c > res->max_c)
        res->max_c = c->net_c;
    res->account_total = (res->account_total + account_number(acct)) % MOD18;
    res->hash_total = (res->hash_total + c->hash) % MOD18;
    (void)err;
    return 0;
}

/* ---- one field's text ------------------------------------------------ */

/* s in the profile's encoding and case: ascii loses accents (U+00C0 to
 * U+00FF to their base letter) and has '?' for any other non-ASCII
 * character; control characters become spaces in a fixed file. */
static void add_text(strbuf *b, const bank_profile *p, const char *s)
{
    static const char latin1[] =
        "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        unsigned ch = *c;
        if (ch >= 0x80 && p->ascii) {
            if (ch == 0xC3 && c[1] >= 0x80 && c[1] <= 0xBF) {
                ch = (unsigned char)latin1[c[1] - 0x80];
                c++;
            } else {
                while ((c[1] & 0xC0) == 0x80)
                    c++;
                ch = '?';
            }
        } else if (ch < 0x20 && p->kind == BANK_FIXED)
            ch = ' ';
        if (p->uppercase && ch < 0x80)
            ch = (unsigned)toupper((int)ch);
        sb_addc(b, (char)ch);
    }
}

static void add_date(strbuf *b, const char *pattern, const char *iso)
{
    /* iso is YYYY-MM-DD */
    for (const char *c = pattern; *c;) {
        if (!strncmp(c, "YYYY", 4)) {
            sb_add(b, iso, 4);
            c += 4;
        } else if (!strncmp(c, "YY", 2)) {
            sb_add(b, iso + 2, 2);
            c += 2;
        } else if (!strncmp(c, "MM", 2)) {
            sb_add(b, iso + 5, 2);
            c += 2;
        } else if (!strncmp(c, "DD", 2)) {
            sb_add(b, iso + 8, 2);
            c += 2;
        } else
            sb_addc(b, *c++);
    }
}

/* What a field holds: its class and value. */
typedef struct fval {
    enum { FV_TEXT, FV_MONEY, FV_INT } cls;
    const char *text; /* FV_TEXT, before encoding */
    int64_t c;        /* FV_MONEY: centavos */
    uint64_t n;       /* FV_INT */
    char date[16];
} fval;

static void field_value(const run *r, const bank_field *f, const credit *c, long seq, fval *v)
{
    const bank_result *res = r->res;
    memset(v, 0, sizeof *v);
    v->cls = FV_TEXT;
    v->text = "";
    switch (f->value) {
    case BV_CONST:
        v->text = f->text;
        break;
    case BV_PARAM: {
        jv pv = jv_object_get(jv_copy(r->params), jv_string(f->text));
        /* the params object keeps the string alive */
        v->text = jv_get_kind(pv) == JV_KIND_STRING ? jv_string_value(pv) : "";
        jv_free(pv);
        break;
    }
    case BV_PERIOD:
        v->text = r->period->id;
        break;
    case BV_ACCOUNT:
        v->text = c->account;
        break;
    case BV_NAME:
        v->text = NULL; /* composed by the caller */
        break;
    case BV_LAST_NAME:
        v->text = c->last_name;
        break;
    case BV_FIRST_NAME:
        v->text = c->first_name;
        break;
    case BV_EMPLOYEE_NO:
        v->text = c->employee_no;
        break;
    case BV_GUARD_ID:
        v->text = c->guard_id;
        break;
    case BV_BANK_CODE:
        v->text = c->bank_code;
        break;
    case BV_MONEY_NET:
        v->cls = FV_MONEY;
        v->c = c->net_c;
        break;
    case BV_MONEY_TOTAL:
        v->cls = FV_MONEY;
        v->c = res->total_c;
        break;
    case BV_MONEY_MAX:
        v->cls = FV_MONEY;
        v->c = res->max_c;
        break;
    case BV_INT_SEQ:
        v->cls = FV_INT;
        v->n = (uint64_t)seq;
        break;
    case BV_INT_HASH:
        v->cls = FV_INT;
        v->n = c->hash;
        break;
    case BV_INT_COUNT:
        v->cls = FV_INT;
        v->n = (uint64_t)res->count;
        break;
    case BV_INT_ACCOUNT_TOTAL:
        v->cls = FV_INT;
        v->n = res->account_total;
        break;
    case BV_INT_HASH_TOTAL:
        v->cls = FV_INT;
        v->n = res->hash_total;
        break;
    case BV_DATE_PAY:
    case BV_DATE_FROM:
    case BV_DATE_TO:
        snprintf(v->date, sizeof v->date, "%s",
                 f->value == BV_DATE_PAY    ? r->period->pay_date
                 : f->value == BV_DATE_FROM ? r->period->from
                                            : r->period->to);
        v->text = v->date;
        break;
    }
}

/* The field's characters before width and padding, in b. */
static int field_text(const run *r, const bank_field *f, const credit *c, const fval *v, strbuf *b,
                      armms_err *err)
{
    sb_reset(b);
    sb_adds(b, "");
    if (v->cls == FV_MONEY) {
        static const int64_t unit[] = {100, 10, 1};
        if (v->c % unit[f->decimals])
            return err_set(err, EXIT_DATAERR,
                           "profile %s: field '%s' has %d decimals; %lld centavos need 2",
                           r->p->name, f->title, f->decimals, (long long)v->c);
        int64_t whole = v->c / 100, frac = (v->c % 100) / unit[f->decimals];
        if (!f->decimals)
            sb_addf(b, "%lld", (long long)whole);
        else if (f->implied)
            sb_addf(b, "%lld%0*lld", (long long)whole, f->decimals, (long long)frac);
        else
            sb_addf(b, "%lld.%0*lld", (long long)whole, f->decimals, (long long)frac);
    } else if (v->cls == FV_INT)
        sb_addf(b, "%llu", (unsigned long long)v->n);
    else if (BV_IS_DATE(f->value))
        add_date(b, f->date, v->text);
    else if (f->value == BV_NAME) {
        strbuf n;
        sb_init(&n);
        sb_addf(&n, "%s, %s", c->last_name, c->first_name);
        add_text(b, r->p, n.s);
        sb_free(&n);
    } else
        add_text(b, r->p, v->text);
    return 0;
}

/* b padded or cut to the field's width. */
static int field_fit(const run *r, const bank_field *f, const credit *c, strbuf *b, armms_err *err)
{
    int w = f->width;
    if (!w)
        return 0;
    if ((int)b->len > w) {
        if (f->overflow == BANK_OVERFLOW_ERROR)
            return err_set(err, EXIT_DATAERR,
                           "profile %s: '%s' of %s is %zu characters, more than the %d of"
                           " field '%s'",
                           r->p->name, b->s, c ? c->guard_id : "the file", b->len, w, f->title);
        if (f->overflow == BANK_OVERFLOW_KEEP_RIGHT) {
            memmove(b->s, b->s + b->len - w, (size_t)w);
        } else if (!r->p->ascii) {
            /* cut on a character boundary */
            while (w > 0 && ((unsigned char)b->s[w] & 0xC0) == 0x80)
                w--;
        }
        b->len = (size_t)w;
        b->s[w] = 0;
    }
    size_t fill = (size_t)f->width - b->len;
    if (!fill)
        return 0;
    strbuf o;
    sb_init(&o);
    if (!f->right)
        sb_add(&o, b->s, b->len);
    for (size_t i = 0; i < fill; i++)
        sb_addc(&o, f->pad);
    if (f->right)
        sb_add(&o, b->s, b->len);
    sb_reset(b);
    sb_add(b, o.s, o.len);
    sb_free(&o);
    return 0;
}

/* ---- text files (fixed, delimited) -------------------------------------- */

static int needs_quotes(const char *s, size_t n, char delim)
{
    if (!n)
        return 0;
    if (s[0] == ' ' || s[n - 1] == ' ')
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return 0;
}

static int text_record(run *r, FILE *out, const bank_record *rec, const credit *c, long seq,
                       int last, armms_err *err)
{
    const bank_profile *p = r->p;
    strbuf line, cell, safe;
    sb_init(&line);
    sb_init(&cell);
    sb_init(&safe);
    sb_adds(&line, "");
    int rc = 0;
    for (int k = 0; !rc && k < rec->n; k++) {
        const bank_field *f = &rec->f[k];
        fval v;
        field_value(r, f, c, seq, &v);
        rc = field_text(r, f, c, &v, &cell, err);
        if (!rc)
            rc = field_fit(r, f, c, &cell, err);
        if (rc)
            break;
        if (p->kind == BANK_FIXED) {
            sb_add(&line, cell.s, cell.len);
            continue;
        }
        if (k)
            sb_addc(&line, p->delimiter);
        const char *t = v.cls == FV_TEXT ? out_cell_text(&safe, cell.s) : cell.s;
        size_t tn = strlen(t);
        if (needs_quotes(t, tn, p->delimiter)) {
            size_t need = csv_write(NULL, 0, t, tn);
            sb_grow(&line, need + 1);
            csv_write(line.s + line.len, need, t, tn);
            line.len += need;
            line.s[line.len] = 0;
        } else
            sb_add(&line, t, tn);
    }
    if (!rc && p->kind == BANK_FIXED && p->record_width) {
        if ((int)line.len > p->record_width)
            rc = err_set(err, EXIT_DATAERR, "profile %s: a record is %zu columns, more than %d",
                         p->name, line.len, p->record_width);
        while (!rc && (int)line.len < p->record_width)
            sb_addc(&line, ' ');
    }
    if (!rc && (!last || p->final_newline))
        sb_adds(&line, p->crlf ? "\r\n" : "\n");
    if (!rc && fwrite(line.s, 1, line.len, out) != line.len)
        rc = err_set(err, EXIT_IOERR, "cannot write the bank file: %s", strerror(errno));
    sb_free(&line);
    sb_free(&cell);
    sb_free(&safe);
    return rc;
}

/* The row of the detail fields' titles (delimited). */
static int text_titles(run *r, FILE *out, armms_err *err)
{
    bank_record t = {.n = r->p->detail.n};
    t.f = xcalloc((size_t)t.n, sizeof *t.f);
    for (int k = 0; k < t.n; k++) {
        t.f[k].value = BV_CONST;
        t.f[k].text = r->p->detail.f[k].title;
        t.f[k].title = r->p->detail.f[k].title;
        t.f[k].pad = ' ';
    }
    int rc = text_record(r, out, &t, NULL, 0, 0, err);
    free(t.f);
    return rc;
}

static int write_text(run *r, const char *tmp, armms_err *err)
{
    FILE *out = caller_fopen(tmp, "wb");
    if (!out)
        return err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", tmp, strerror(errno));
    const bank_profile *p = r->p;
    long nrec = p->nheader + (p->titles ? 1 : 0) + r->ncr + p->ntrailer, at = 0;
    int rc = 0;
    for (int i = 0; !rc && i < p->nheader; i++)
        rc = text_record(r, out, &p->header[i], NULL, 0, ++at == nrec, err);
    if (!rc && p->titles && p->kind == BANK_DELIMITED) {
        rc = text_titles(r, out, err);
        ++at;
    }
    for (long i = 0; !rc && i < r->ncr; i++)
        rc = text_record(r, out, &p->detail, &r->cr[i], i + 1, ++at == nrec, err);
    for (int i = 0; !rc && i < p->ntrailer; i++)
        rc = text_record(r, out, &p->trailer[i], NULL, 0, ++at == nrec, err);
    if (fflush(out) || ferror(out) || fsync(fileno(out))) {
        if (!rc)
            rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
    }
    if (fclose(out) && !rc)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
    return rc;
}

/* ---- spreadsheets --------------------------------------------------------- */

static int xlsx_record(run *r, lxw_worksheet *ws, lxw_format *money, lxw_format *whole,
                       lxw_row_t row, const bank_record *rec, const credit *c, long seq,
                       armms_err *err)
{
    strbuf cell, safe;
    sb_init(&cell);
    sb_init(&safe);
    int rc = 0;
    for (int k = 0; !rc && k < rec->n; k++) {
        const bank_field *f = &rec->f[k];
        fval v;
        field_value(r, f, c, seq, &v);
        lxw_error e;
        if (v.cls == FV_MONEY)
            /* a worksheet number is a double: centavos become pesos here only */
            e = worksheet_write_number(ws, row, (lxw_col_t)k, (double)v.c / 100.0, money);
        else if (v.cls == FV_INT)
            e = worksheet_write_number(ws, row, (lxw_col_t)k, (double)v.n, whole);
        else {
            rc = field_text(r, f, c, &v, &cell, err);
            if (!rc)
                rc = field_fit(r, f, c, &cell, err);
            if (rc)
                break;
            e = cell.len ? worksheet_write_string(ws, row, (lxw_col_t)k,
                                                  out_cell_text(&safe, cell.s), NULL)
                         : LXW_NO_ERROR;
        }
        if (e)
            rc = err_set(err, EXIT_SOFTWARE, "worksheet: %s", lxw_strerror(e));
    }
    sb_free(&cell);
    sb_free(&safe);
    return rc;
}

static int write_xlsx(run *r, const char *tmp, armms_err *err)
{
    const bank_profile *p = r->p;
    lxw_workbook *wb = workbook_new(tmp);
    if (!wb)
        return err_set(err, EXIT_CANTCREAT, "cannot create %s", tmp);
    lxw_doc_properties props = {.title = p->title,
                                .subject = (char *)r->period->id,
                                .author = "ARMMS",
                                .created = (time_t)r->period->approved_epoch};
    workbook_set_properties(wb, &props);
    lxw_worksheet *ws = workbook_add_worksheet(wb, p->sheet);
    lxw_format *money = workbook_add_format(wb), *whole = workbook_add_format(wb),
               *bold = workbook_add_format(wb);
    format_set_num_format(money, "0.00");
    format_set_num_format(whole, "0");
    format_set_bold(bold);
    int rc = ws ? 0 : err_set(err, EXIT_SOFTWARE, "worksheet '%s' refused", p->sheet);
    lxw_row_t row = 0;
    for (int i = 0; !rc && i < p->nheader; i++)
        rc = xlsx_record(r, ws, money, whole, row++, &p->header[i], NULL, 0, err);
    if (!rc && p->titles) {
        strbuf safe;
        sb_init(&safe);
        for (int k = 0; k < p->detail.n; k++)
            worksheet_write_string(ws, row, (lxw_col_t)k,
                                   out_cell_text(&safe, p->detail.f[k].title), bold);
        sb_free(&safe);
        row++;
    }
    for (long i = 0; !rc && i < r->ncr; i++)
        rc = xlsx_record(r, ws, money, whole, row++, &p->detail, &r->cr[i], i + 1, err);
    for (int i = 0; !rc && i < p->ntrailer; i++)
        rc = xlsx_record(r, ws, money, whole, row++, &p->trailer[i], NULL, 0, err);
    caller_begin(); /* it creates the file the caller named */
    lxw_error e = workbook_close(wb);
    caller_end();
    if (e && !rc)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, lxw_strerror(e));
    return rc;
}

int bank_write(store_t *s, const out_period *p, const bank_profile *profile, jv params,
               const char *path, bank_result *res, armms_err *err)
{
    memset(res, 0, sizeof *res);
    run r = {.p = profile, .period = p, .params = params, .res = res};
    int rc = 0;
    if (jv_get_kind(params) != JV_KIND_OBJECT) {
        jv_free(params);
        r.params = params = jv_object();
    }
    for (int i = 0; !rc && i < profile->nparams; i++) {
        jv v = jv_object_get(jv_copy(params), jv_string(profile->params[i]));
        if (jv_get_kind(v) != JV_KIND_STRING || !jv_string_length_bytes(jv_copy(v)))
            rc = err_set(err, EXIT_USAGE,
                         "profile %s needs %s: --set %s=VALUE, or bank.%s.%s in tenant.conf",
                         profile->name, profile->params[i], profile->params[i], profile->name,
                         profile->params[i]);
        jv_free(v);
    }
    if (!rc)
        rc = out_sheets_each(s, p, on_sheet, &r, err);
    char *tmp = xasprintf("%s.tmp", path);
    if (!rc)
        rc = profile->kind == BANK_XLSX ? write_xlsx(&r, tmp, err) : write_text(&r, tmp, err);
    if (!rc && caller_rename(tmp, path))
        rc =
            err_set(err, EXIT_CANTCREAT, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc)
        caller_unlink(tmp);
    free(tmp);
    for (long i = 0; i < r.ncr; i++) {
        credit *c = &r.cr[i];
        free(c->guard_id);
        free(c->employee_no);
        free(c->last_name);
        free(c->first_name);
        free(c->bank_code);
        free(c->account);
    }
    free(r.cr);
    jv_free(params);
    return rc;
}

void bank_result_free(bank_result *r)
{
    for (long i = 0; i < r->nex; i++) {
        bank_exception *e = &r->ex[i];
        free(e->guard_id);
        free(e->employee_no);
        free(e->name);
        free(e->bank_code);
        free(e->bank_account);
        free(e->message);
    }
    free(r->ex);
    r->ex = NULL;
    r->nex = 0;
}

jv bank_exception_record(const bank_exception *e, const char *period, const char *profile)
{
    jv o = jv_object();
    o = jv_object_set(o, jv_string("kind"), jv_string("BankException"));
    o = jv_object_set(o, jv_string("v"), jv_number(1));
    o = jv_object_set(o, jv_string("period"), jv_string(period));
    o = jv_object_set(o, jv_string("profile"), jv_string(profile));
    o = jv_object_set(o, jv_string("guard_id"), jv_string(e->guard_id));
    o = jv_object_set(o, jv_string("employee_no"), jv_string(e->employee_no));
    o = jv_object_set(o, jv_string("name"), jv_string(e->name));
    o = jv_object_set(o, jv_string("bank_code"),
                      e->bank_code[0] ? jv_string(e->bank_code) : jv_null());
    o = jv_object_set(o, jv_string("bank_account"),
                      e->bank_account[0] ? jv_string(e->bank_account) : jv_null());
    o = jv_object_set(o, jv_string("net"), jv_number((double)e->net_c));
    o = jv_object_set(o, jv_string("reason"), jv_string(e->reason));
    o = jv_object_set(o, jv_string("message"), jv_string(e->message));
    return o;
}
