/*
 * bank_profile.c - a bank profile read from its JSON text with libjq
 * (bank.h): every key checked, so a typing error in a profile is an error
 * naming the field, never a file the bank rejects.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "core/secure.h"
#include "out/bank.h"
#include "out/bank_field.h"

static const struct {
    const char *name;
    bank_value v;
} value_names[] = {
    {"period", BV_PERIOD},
    {"account", BV_ACCOUNT},
    {"name", BV_NAME},
    {"last_name", BV_LAST_NAME},
    {"first_name", BV_FIRST_NAME},
    {"employee_no", BV_EMPLOYEE_NO},
    {"guard_id", BV_GUARD_ID},
    {"bank_code", BV_BANK_CODE},
    {"net", BV_MONEY_NET},
    {"total", BV_MONEY_TOTAL},
    {"max_net", BV_MONEY_MAX},
    {"seq", BV_INT_SEQ},
    {"horizontal_hash", BV_INT_HASH},
    {"count", BV_INT_COUNT},
    {"account_total", BV_INT_ACCOUNT_TOTAL},
    {"hash_total", BV_INT_HASH_TOTAL},
    {"pay_date", BV_DATE_PAY},
    {"period_from", BV_DATE_FROM},
    {"period_to", BV_DATE_TO},
};

/* The parse's state: the origin and where in the profile it is. */
typedef struct pctx {
    const char *origin;
    char where[64];
    armms_err *err;
} pctx;

static int bad(pctx *c, const char *fmt, const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, arg);
    return err_set(c->err, EXIT_DATAERR, "profile %s: %s%s%s", c->origin, c->where,
                   c->where[0] ? ": " : "", msg);
}

/* obj[key] as a malloc'd string; def (may be NULL) when absent. */
static int get_str(pctx *c, jv obj, const char *key, const char *def, char **out)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    *out = NULL;
    if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
        jv_free(v);
        *out = def ? xstrdup(def) : NULL;
        return 0;
    }
    if (jv_get_kind(v) != JV_KIND_STRING) {
        jv_free(v);
        return bad(c, "'%s' is not a string", key);
    }
    *out = xstrdup(jv_string_value(v));
    jv_free(v);
    return 0;
}

static int get_int(pctx *c, jv obj, const char *key, int def, int min, int max, int *out)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    *out = def;
    if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
        jv_free(v);
        return 0;
    }
    double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1e18;
    jv_free(v);
    if (d < min || d > max || d != (int)d) {
        char m[120];
        snprintf(m, sizeof m, "'%s' is not a whole number from %d to %d", key, min, max);
        return bad(c, "%s", m);
    }
    *out = (int)d;
    return 0;
}

static int get_bool(pctx *c, jv obj, const char *key, int def, int *out)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    jv_kind k = jv_get_kind(v);
    jv_free(v);
    *out = def;
    if (k == JV_KIND_NULL || k == JV_KIND_INVALID)
        return 0;
    if (k != JV_KIND_TRUE && k != JV_KIND_FALSE)
        return bad(c, "'%s' is not true or false", key);
    *out = k == JV_KIND_TRUE;
    return 0;
}

/* Every key of obj must be one of the names in allowed (space-separated,
 * each followed by a space). */
static int check_keys(pctx *c, jv obj, const char *allowed)
{
    int rc = 0;
    jv keys = jv_keys(jv_copy(obj));
    for (int i = 0; !rc && i < jv_array_length(jv_copy(keys)); i++) {
        jv k = jv_array_get(jv_copy(keys), i);
        char probe[80];
        snprintf(probe, sizeof probe, " %s ", jv_string_value(k));
        if (!strstr(allowed, probe))
            rc = bad(c, "unknown key '%s'", jv_string_value(k));
        jv_free(k);
    }
    jv_free(keys);
    return rc;
}

static int parse_field(pctx *c, jv f, int detail, bank_field *out)
{
    memset(out, 0, sizeof *out);
    out->pad = ' ';
    out->decimals = 2;
    if (jv_get_kind(f) != JV_KIND_OBJECT)
        return bad(c, "%s", "a field is not an object");
    int rc =
        check_keys(c, f, " title const value width align pad decimals implied date overflow ");
    char *value = NULL, *align = NULL, *pad = NULL, *overflow = NULL;
    if (!rc)
        rc = get_str(c, f, "title", "", &out->title);
    if (!rc)
        rc = get_str(c, f, "const", NULL, &out->text);
    if (!rc)
        rc = get_str(c, f, "value", NULL, &value);
    if (!rc && !out->text == !value)
        rc = bad(c, "%s", "a field has exactly one of 'const' and 'value'");
    if (!rc && value) {
        if (!strncmp(value, "param:", 6) && value[6]) {
            out->value = BV_PARAM;
            out->text = xstrdup(value + 6);
        } else {
            size_t i;
            for (i = 0; i < sizeof value_names / sizeof value_names[0]; i++)
                if (!strcmp(value, value_names[i].name))
                    break;
            if (i == sizeof value_names / sizeof value_names[0])
                rc = bad(c, "unknown value '%s'", value);
            else
                out->value = value_names[i].v;
        }
        if (!rc && !detail && BV_IS_DETAIL(out->value))
            rc = bad(c, "'%s' is a detail value: a header or trailer has no guard", value);
    }
    if (!rc)
        rc = get_int(c, f, "width", 0, 0, 1000, &out->width);
    if (!rc)
        rc = get_int(c, f, "decimals", 2, 0, 2, &out->decimals);
    if (!rc)
        rc = get_bool(c, f, "implied", 0, &out->implied);
    if (!rc)
        rc = get_str(c, f, "align", "left", &align);
    if (!rc && strcmp(align, "left") && strcmp(align, "right"))
        rc = bad(c, "align '%s' is not left or right", align);
    if (!rc)
        out->right = !strcmp(align, "right");
    if (!rc)
        rc = get_str(c, f, "pad", " ", &pad);
    if (!rc && strlen(pad) != 1)
        rc = bad(c, "pad '%s' is not one character", pad);
    if (!rc)
        out->pad = pad[0];
    if (!rc)
        rc = get_str(c, f, "date", "YYYY-MM-DD", &out->date);
    if (!rc)
        rc = get_str(c, f, "overflow",
                     BV_IS_INT(out->value) || BV_IS_MONEY(out->value) ? "error" : "truncate",
                     &overflow);
    if (!rc) {
        if (!strcmp(overflow, "error"))
            out->overflow = BANK_OVERFLOW_ERROR;
        else if (!strcmp(overflow, "truncate"))
            out->overflow = BANK_OVERFLOW_TRUNCATE;
        else if (!strcmp(overflow, "keep_right"))
            out->overflow = BANK_OVERFLOW_KEEP_RIGHT;
        else
            rc = bad(c, "overflow '%s' is not error, truncate or keep_right", overflow);
    }
    free(value);
    free(align);
    free(pad);
    free(overflow);
    return rc;
}

static int parse_record(pctx *c, jv rec, int detail, const char *what, int i, bank_record *out)
{
    out->f = NULL;
    out->n = 0;
    if (jv_get_kind(rec) != JV_KIND_ARRAY)
        return bad(c, "%s is not an array of fields", what);
    int n = jv_array_length(jv_copy(rec)), rc = 0;
    out->f = xcalloc(n ? n : 1, sizeof *out->f);
    for (int k = 0; !rc && k < n; k++) {
        if (i >= 0)
            snprintf(c->where, sizeof c->where, "%s record %d field %d", what, i + 1, k + 1);
        else
            snprintf(c->where, sizeof c->where, "%s field %d", what, k + 1);
        jv fe = jv_array_get(jv_copy(rec), k);
        rc = parse_field(c, fe, detail, &out->f[k]);
        jv_free(fe);
        out->n = k + 1;
    }
    c->where[0] = 0;
    return rc;
}

static int parse_records(pctx *c, jv obj, const char *key, bank_record **out, int *n)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    *out = NULL;
    *n = 0;
    if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
        jv_free(v);
        return 0;
    }
    if (jv_get_kind(v) != JV_KIND_ARRAY) {
        jv_free(v);
        return bad(c, "'%s' is not an array of records", key);
    }
    int m = jv_array_length(jv_copy(v)), rc = 0;
    *out = xcalloc(m ? m : 1, sizeof **out);
    for (int i = 0; !rc && i < m; i++) {
        jv r = jv_array_get(jv_copy(v), i);
        rc = parse_record(c, r, 0, key, i, &(*out)[i]);
        jv_free(r);
        *n = i + 1;
    }
    jv_free(v);
    return rc;
}

static int parse_strings(pctx *c, jv obj, const char *key, char ***out, int *n)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    *out = NULL;
    *n = 0;
    if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
        jv_free(v);
        return 0;
    }
    int rc = 0;
    if (jv_get_kind(v) != JV_KIND_ARRAY)
        rc = bad(c, "'%s' is not an array of strings", key);
    int m = rc ? 0 : jv_array_length(jv_copy(v));
    *out = xcalloc(m + 1, sizeof **out);
    for (int i = 0; !rc && i < m; i++) {
        jv s = jv_array_get(jv_copy(v), i);
        if (jv_get_kind(s) != JV_KIND_STRING)
            rc = bad(c, "'%s' is not an array of strings", key);
        else
            (*out)[(*n)++] = xstrdup(jv_string_value(s));
        jv_free(s);
    }
    jv_free(v);
    return rc;
}

static int parse_account(pctx *c, jv obj, bank_profile *p)
{
    jv a = jv_object_get(jv_copy(obj), jv_string("account"));
    int rc = 0;
    if (jv_get_kind(a) != JV_KIND_OBJECT)
        rc = bad(c, "%s", "'account' {min, max, charset, strip} is missing");
    snprintf(c->where, sizeof c->where, "account");
    if (!rc)
        rc = check_keys(c, a, " min max charset strip ");
    if (!rc)
        rc = get_int(c, a, "min", 1, 1, 64, &p->acc_min);
    if (!rc)
        rc = get_int(c, a, "max", 64, p->acc_min, 64, &p->acc_max);
    if (!rc)
        rc = get_str(c, a, "charset", "0123456789", &p->acc_charset);
    if (!rc)
        rc = get_str(c, a, "strip", " -", &p->acc_strip);
    jv_free(a);
    if (!rc)
        c->where[0] = 0;
    return rc;
}

static int parse_hash(pctx *c, jv obj, bank_profile *p)
{
    jv h = jv_object_get(jv_copy(obj), jv_string("horizontal_hash"));
    int rc = 0;
    if (jv_get_kind(h) == JV_KIND_NULL || !jv_is_valid(h)) {
        jv_free(h);
        return 0;
    }
    snprintf(c->where, sizeof c->where, "horizontal_hash");
    jv d = jv_get_kind(h) == JV_KIND_OBJECT ? jv_object_get(jv_copy(h), jv_string("digits"))
                                            : jv_null();
    if (jv_get_kind(d) != JV_KIND_ARRAY || jv_array_length(jv_copy(d)) > 8)
        rc = bad(c, "%s", "'digits' is not an array of at most 8 [position, length] pairs");
    for (int i = 0; !rc && i < jv_array_length(jv_copy(d)); i++) {
        jv pr = jv_array_get(jv_copy(d), i);
        jv a = jv_array_get(jv_copy(pr), 0), b = jv_array_get(jv_copy(pr), 1);
        if (jv_get_kind(a) != JV_KIND_NUMBER || jv_get_kind(b) != JV_KIND_NUMBER ||
            jv_number_value(a) < 1 || jv_number_value(a) > 64 || jv_number_value(b) < 1 ||
            jv_number_value(b) > 4)
            rc = bad(c, "%s", "a digits pair is not [position 1-64, length 1-4]");
        else {
            p->hash_digits[i][0] = (int)jv_number_value(a);
            p->hash_digits[i][1] = (int)jv_number_value(b);
            p->nhash = i + 1;
        }
        jv_free(a);
        jv_free(b);
        jv_free(pr);
    }
    jv_free(d);
    jv_free(h);
    if (!rc)
        c->where[0] = 0;
    return rc;
}

/* Whether a record uses a parameter the profile does not declare. */
static int check_params(pctx *c, const bank_profile *p, const bank_record *r, const char *what)
{
    for (int k = 0; k < r->n; k++) {
        const bank_field *f = &r->f[k];
        if (f->value == BV_INT_HASH && !p->nhash)
            return bad(c, "%s uses horizontal_hash but the profile has no 'horizontal_hash'",
                       what);
        if (f->value != BV_PARAM)
            continue;
        int i;
        for (i = 0; i < p->nparams; i++)
            if (!strcmp(p->params[i], f->text))
                break;
        if (i == p->nparams) {
            char m[160];
            snprintf(m, sizeof m, "%s uses param:%s, which 'params' does not list", what, f->text);
            return bad(c, "%s", m);
        }
    }
    return 0;
}

int bank_profile_parse(const char *text, size_t len, const char *origin, bank_profile **out,
                       armms_err *err)
{
    pctx c = {.origin = origin, .err = err};
    *out = NULL;
    jv obj = jv_parse_sized(text, (int)len);
    if (!jv_is_valid(obj)) {
        jv msg = jv_invalid_get_msg(obj);
        int rc = err_set(err, EXIT_DATAERR, "profile %s: not JSON: %s", origin,
                         jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "?");
        jv_free(msg);
        return rc;
    }
    if (jv_get_kind(obj) != JV_KIND_OBJECT) {
        jv_free(obj);
        return err_set(err, EXIT_DATAERR, "profile %s: not a JSON object", origin);
    }
    bank_profile *p = xcalloc(1, sizeof *p);
    p->origin = xstrdup(origin);
    char *kind = NULL, *delim = NULL, *eol = NULL, *enc = NULL;
    int rc = check_keys(&c, obj,
                        " name title source confidence kind delimiter line_ending final_newline"
                        " encoding uppercase record_width titles sheet bank_codes account params"
                        " horizontal_hash header detail trailer ");
    if (!rc)
        rc = get_str(&c, obj, "name", NULL, &p->name);
    if (!rc && (!p->name || !p->name[0]))
        rc = bad(&c, "%s", "'name' is missing");
    if (!rc)
        rc = get_str(&c, obj, "title", p->name, &p->title);
    if (!rc)
        rc = get_str(&c, obj, "source", NULL, &p->source);
    if (!rc)
        rc = get_str(&c, obj, "confidence", NULL, &p->confidence);
    if (!rc && (!p->source || !p->confidence))
        rc = bad(&c, "%s", "'source' and 'confidence' say where the layout came from: both");
    if (!rc)
        rc = get_str(&c, obj, "kind", NULL, &kind);
    if (!rc) {
        if (kind && !strcmp(kind, "fixed"))
            p->kind = BANK_FIXED;
        else if (kind && !strcmp(kind, "delimited"))
            p->kind = BANK_DELIMITED;
        else if (kind && !strcmp(kind, "xlsx"))
            p->kind = BANK_XLSX;
        else
            rc = bad(&c, "kind '%s' is not fixed, delimited or xlsx", kind ? kind : "");
    }
    if (!rc)
        rc = get_str(&c, obj, "delimiter", ",", &delim);
    if (!rc && (strlen(delim) != 1 || strchr("\"\r\n", delim[0])))
        rc = bad(&c, "delimiter '%s' is not one character (nor a quote or line break)", delim);
    if (!rc)
        p->delimiter = delim[0];
    if (!rc)
        rc = get_str(&c, obj, "line_ending", "lf", &eol);
    if (!rc && strcmp(eol, "lf") && strcmp(eol, "crlf"))
        rc = bad(&c, "line_ending '%s' is not lf or crlf", eol);
    if (!rc)
        p->crlf = !strcmp(eol, "crlf");
    if (!rc)
        rc = get_str(&c, obj, "encoding", "utf-8", &enc);
    if (!rc && strcmp(enc, "utf-8") && strcmp(enc, "ascii"))
        rc = bad(&c, "encoding '%s' is not utf-8 or ascii", enc);
    if (!rc)
        p->ascii = !strcmp(enc, "ascii");
    if (!rc)
        rc = get_bool(&c, obj, "final_newline", 1, &p->final_newline);
    if (!rc)
        rc = get_bool(&c, obj, "uppercase", 0, &p->uppercase);
    if (!rc)
        rc = get_bool(&c, obj, "titles", 0, &p->titles);
    if (!rc)
        rc = get_int(&c, obj, "record_width", 0, 0, 4000, &p->record_width);
    if (!rc)
        rc = get_str(&c, obj, "sheet", "Sheet1", &p->sheet);
    if (!rc && (!p->sheet[0] || strlen(p->sheet) > 31 || strpbrk(p->sheet, "[]:*?/\\")))
        rc = bad(&c, "sheet '%s' is not a worksheet name (1-31 characters, none of []:*?/\\)",
                 p->sheet);
    if (!rc)
        rc = parse_strings(&c, obj, "bank_codes", &p->bank_codes, &p->nbank);
    if (!rc)
        rc = parse_strings(&c, obj, "params", &p->params, &p->nparams);
    if (!rc)
        rc = parse_account(&c, obj, p);
    if (!rc)
        rc = parse_hash(&c, obj, p);
    if (!rc)
        rc = parse_records(&c, obj, "header", &p->header, &p->nheader);
    if (!rc)
        rc = parse_records(&c, obj, "trailer", &p->trailer, &p->ntrailer);
    if (!rc) {
        jv d = jv_object_get(jv_copy(obj), jv_string("detail"));
        rc = parse_record(&c, d, 1, "detail", -1, &p->detail);
        jv_free(d);
        if (!rc && !p->detail.n)
            rc = bad(&c, "%s", "'detail' has no field");
    }
    for (int i = 0; !rc && i < p->nheader; i++)
        rc = check_params(&c, p, &p->header[i], "header");
    for (int i = 0; !rc && i < p->ntrailer; i++)
        rc = check_params(&c, p, &p->trailer[i], "trailer");
    if (!rc)
        rc = check_params(&c, p, &p->detail, "detail");
    /* a fixed record's widths must fit its record width */
    for (int i = -1;
         !rc && p->kind == BANK_FIXED && p->record_width && i < p->nheader + p->ntrailer; i++) {
        const bank_record *r = i < 0            ? &p->detail
                               : i < p->nheader ? &p->header[i]
                                                : &p->trailer[i - p->nheader];
        int w = 0, open = 0;
        for (int k = 0; k < r->n; k++) {
            w += r->f[k].width ? r->f[k].width
                               : (r->f[k].text && !r->f[k].value ? (int)strlen(r->f[k].text) : 0);
            open |= !r->f[k].width && r->f[k].value != BV_CONST;
        }
        if (open)
            rc = bad(&c, "%s", "a fixed record with record_width gives every value a width");
        else if (w > p->record_width) {
            char m[120];
            snprintf(m, sizeof m, "a record is %d columns wide, more than record_width %d", w,
                     p->record_width);
            rc = bad(&c, "%s", m);
        }
    }
    free(kind);
    free(delim);
    free(eol);
    free(enc);
    jv_free(obj);
    if (rc) {
        bank_profile_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int bank_profile_load(const char *spec, bank_profile **out, armms_err *err)
{
    size_t n = strlen(spec);
    int is_file = strchr(spec, '/') || (n > 8 && !strcmp(spec + n - 8, ".profile"));
    if (!is_file) {
        for (const out_bank_shipped *s = out_bank_profiles; s->name; s++)
            if (!strcmp(s->name, spec))
                return bank_profile_parse(s->text, s->len, s->path, out, err);
        return err_set(err, EXIT_USAGE, "no bank profile '%s' (--list-profiles names them)", spec);
    }
    FILE *f = caller_fopen(spec, "rb");
    if (!f)
        return err_set(err, EXIT_NOINPUT, "cannot read profile %s: %s", spec, strerror(errno));
    strbuf b;
    sb_init(&b);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&b, buf, got);
    int ioerr = ferror(f);
    fclose(f);
    int rc = ioerr ? err_set(err, EXIT_NOINPUT, "cannot read profile %s", spec)
                   : bank_profile_parse(b.s ? b.s : "", b.len, spec, out, err);
    sb_free(&b);
    return rc;
}

static void free_record(bank_record *r)
{
    for (int k = 0; r && k < r->n; k++) {
        free(r->f[k].title);
        free(r->f[k].text);
        free(r->f[k].date);
    }
    if (r)
        free(r->f);
}

void bank_profile_free(bank_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->title);
    free(p->source);
    free(p->confidence);
    free(p->origin);
    free(p->sheet);
    free(p->acc_charset);
    free(p->acc_strip);
    for (int i = 0; i < p->nbank; i++)
        free(p->bank_codes[i]);
    free(p->bank_codes);
    for (int i = 0; i < p->nparams; i++)
        free(p->params[i]);
    free(p->params);
    for (int i = 0; i < p->nheader; i++)
        free_record(&p->header[i]);
    for (int i = 0; i < p->ntrailer; i++)
        free_record(&p->trailer[i]);
    free(p->header);
    free(p->trailer);
    free_record(&p->detail);
    free(p);
}

int bank_profile_pays(const bank_profile *p, const char *bank_code)
{
    if (!bank_code || !bank_code[0])
        return 0;
    if (!p->nbank)
        return 1;
    for (int i = 0; i < p->nbank; i++)
        if (!strcmp(p->bank_codes[i], bank_code))
            return 1;
    return 0;
}
