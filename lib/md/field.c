/*
 * field.c - one input record to its normal form: a parser per field type,
 * chosen by the field's type from one table, and the record-wide rules
 * (unknown fields, required ones, defaults, valid_from before valid_to).
 *
 * Invariants: a parser returns 0 with out filled, or REJECTED with rj
 * filled and out left without an allocation; a text value comes out
 * trimmed (CSV), 1 to 64 characters (200 for FT_TEXT) and free of control
 * characters; lists come out as "a,b,c" - ids sorted and unique, rest
 * days in week order.
 */
#include "md/md_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/money.h"
#include "core/ndjson.h"

/* Parse v (looked at) for field f into out. from_csv: the value is text
 * as typed (CSV, or a default): money in pesos, numbers as digits, stray
 * spaces trimmed. */
typedef int (*field_parser)(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj);

enum { LIST_MAX = 64, LIST_ITEM = 64 };

/* The string inside v, or NULL; CSV cells may carry stray leading spaces. */
static const char *cell_peek(jv v, int from_csv)
{
    if (jv_get_kind(v) != JV_KIND_STRING)
        return NULL;
    const char *s = jv_string_value(v);
    while (from_csv && *s == ' ')
        s++;
    return s;
}

static int parse_money_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    const char *s = cell_peek(v, from_csv);
    if (jv_get_kind(v) == JV_KIND_NUMBER && !from_csv) {
        if (money_from_json_number(jv_number_value(v), &out->i))
            return rejection_set(rj, "BAD_FIELD", "%s must be whole centavos", f->name);
    } else if (s && from_csv) {
        if (money_parse(s, &out->i))
            return rejection_set(rj, "BAD_FIELD", "%s '%s' is not an amount in pesos", f->name, s);
    } else {
        return rejection_set(rj, "BAD_FIELD", "%s must be %s", f->name,
                             from_csv ? "pesos like 695.00"
                                      : "integer centavos (695.00 pesos = 69500)");
    }
    if (f->min && out->i < f->min)
        return rejection_set(rj, "BAD_FIELD", "%s must be positive", f->name);
    return 0;
}

static int parse_bool_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    jv_kind kind = jv_get_kind(v);
    const char *s = cell_peek(v, from_csv);
    if (kind == JV_KIND_TRUE || kind == JV_KIND_FALSE)
        out->i = kind == JV_KIND_TRUE;
    else if (s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")))
        out->i = 1;
    else if (s && (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")))
        out->i = 0;
    else
        return rejection_set(rj, "BAD_FIELD", "%s must be true or false", f->name);
    return 0;
}

static int parse_int_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    const char *s = cell_peek(v, from_csv);
    long long x;
    if (jv_get_kind(v) == JV_KIND_NUMBER && !from_csv) {
        money_t m; /* a whole number: the same test as whole centavos */
        if (money_from_json_number(jv_number_value(v), &m))
            return rejection_set(rj, "BAD_FIELD", "%s must be a whole number", f->name);
        x = m;
    } else if (s && from_csv) {
        char *end;
        x = strtoll(s, &end, 10);
        if (end == s || *end)
            return rejection_set(rj, "BAD_FIELD", "%s '%s' is not a whole number", f->name, s);
    } else {
        return rejection_set(rj, "BAD_FIELD", "%s must be a number", f->name);
    }
    if (x < f->min || x > f->max)
        return rejection_set(rj, "BAD_FIELD", "%s %lld is outside %ld..%ld", f->name, x, f->min,
                             f->max);
    out->i = x;
    return 0;
}

/* The items of a list: a JSON array of strings, or one string split on
 * commas, semicolons and spaces. Returns their number, or -1 (REJECTED
 * into rj). */
static int list_items_peek(const md_field *f, jv v, char items[LIST_MAX][LIST_ITEM], rejection *rj)
{
    int ni = 0;
    if (jv_get_kind(v) == JV_KIND_ARRAY) {
        int len = jv_array_length(jv_copy(v));
        for (int i = 0; i < len; i++) {
            jv e = jv_array_get(jv_copy(v), i);
            if (jv_get_kind(e) != JV_KIND_STRING || ni == LIST_MAX ||
                strlen(jv_string_value(e)) >= LIST_ITEM ||
                strlen(jv_string_value(e)) != (size_t)jv_string_length_bytes(jv_copy(e))) {
                jv_free(e);
                rejection_set(rj, "BAD_FIELD", "%s must be a list of names", f->name);
                return -1;
            }
            snprintf(items[ni++], LIST_ITEM, "%s", jv_string_value(e));
            jv_free(e);
        }
        return ni;
    }
    if (strlen(jv_string_value(v)) != (size_t)jv_string_length_bytes(jv_copy(v))) {
        rejection_set(rj, "BAD_FIELD", "%s contains a control character", f->name);
        return -1;
    }
    char *dup = xstrdup(jv_string_value(v)), *save = NULL;
    for (char *tok = strtok_r(dup, ", ;", &save); tok; tok = strtok_r(NULL, ", ;", &save)) {
        if (ni == LIST_MAX || strlen(tok) >= LIST_ITEM) {
            free(dup);
            rejection_set(rj, "BAD_FIELD", "%s has too many or too long names", f->name);
            return -1;
        }
        snprintf(items[ni++], LIST_ITEM, "%s", tok);
    }
    free(dup);
    return ni;
}

static int list_item_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ids keep their case, as the ids they name do; sorted and unique. */
static int ids_norm(const md_field *f, char items[][LIST_ITEM], int ni, strbuf *out, rejection *rj)
{
    char *ptr[LIST_MAX];
    for (int i = 0; i < ni; i++) {
        for (char *c = items[i]; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("_.-*", *c))
                return rejection_set(rj, "BAD_FIELD", "%s: '%s' is not a name", f->name, items[i]);
        ptr[i] = items[i];
    }
    qsort(ptr, (size_t)ni, sizeof *ptr, list_item_cmp);
    for (int i = 0; i < ni; i++)
        if (i == 0 || strcmp(ptr[i], ptr[i - 1]) != 0) {
            if (out->len)
                sb_addc(out, ',');
            sb_adds(out, ptr[i]);
        }
    return 0;
}

/* Rest days come out in week order, each once, spelled as weekday_names. */
static int days_norm(const md_field *f, char items[][LIST_ITEM], int ni, strbuf *out,
                     rejection *rj)
{
    int seen[7] = {0};
    for (int i = 0; i < ni; i++) {
        int found = -1;
        for (int k = 0; k < 7; k++)
            if (strcasecmp(items[i], weekday_names[k]) == 0)
                found = k;
        if (found < 0)
            return rejection_set(rj, "BAD_FIELD", "%s: unknown weekday '%s' (use MON..SUN)",
                                 f->name, items[i]);
        seen[found] = 1;
    }
    for (int k = 0; k < 7; k++)
        if (seen[k]) {
            if (out->len)
                sb_addc(out, ',');
            sb_adds(out, weekday_names[k]);
        }
    return 0;
}

/* FT_LIST and FT_DAYS. */
static int parse_list_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    if (jv_get_kind(v) != JV_KIND_ARRAY && !cell_peek(v, from_csv))
        return rejection_set(rj, "BAD_FIELD", "%s must be a list or a string", f->name);
    char items[LIST_MAX][LIST_ITEM];
    int ni = list_items_peek(f, v, items, rj);
    if (ni < 0)
        return REJECTED;
    if (ni == 0)
        return rejection_set(rj, "BAD_FIELD", "%s is empty", f->name);
    strbuf b;
    sb_init(&b);
    int rc = f->type == FT_LIST ? ids_norm(f, items, ni, &b, rj) : days_norm(f, items, ni, &b, rj);
    if (rc) {
        sb_free(&b);
        return rc;
    }
    out->s = b.s;
    return 0;
}

/* FT_NAMES: each name trimmed, 1 to 200 characters without control
 * characters; sorted and unique, joined by ';'. */
static int parse_names_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *items[LIST_MAX], *dup = NULL;
    int ni = 0;
    if (jv_get_kind(v) == JV_KIND_ARRAY) {
        strbuf b;
        sb_init(&b);
        jv_array_foreach(v, i, e)
        {
            if (jv_get_kind(e) == JV_KIND_STRING && !strchr(jv_string_value(e), ';'))
                sb_addf(&b, "%s%s", i ? ";" : "", jv_string_value(e));
            else
                sb_adds(&b, ";\x01"); /* refused below: a control character */
            jv_free(e);
        }
        dup = b.s ? b.s : xstrdup("");
    } else {
        const char *s = cell_peek(v, from_csv);
        if (!s)
            return rejection_set(rj, "BAD_FIELD", "%s must be a list or a string", f->name);
        if (strlen(s) != (size_t)jv_string_length_bytes(jv_copy(v)))
            return rejection_set(rj, "BAD_FIELD", "%s contains a control character", f->name);
        dup = xstrdup(s);
    }
    int rc = 0;
    for (char *p = dup, *end; p && !rc; p = end ? end + 1 : NULL) {
        if ((end = strchr(p, ';')))
            *end = 0;
        while (*p == ' ')
            p++;
        size_t len = strlen(p);
        while (len && p[len - 1] == ' ')
            p[--len] = 0;
        for (size_t i = 0; i < len && !rc; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                rc = rejection_set(rj, "BAD_FIELD", "%s contains a control character", f->name);
        if (!rc && len > 200)
            rc = rejection_set(rj, "BAD_FIELD", "%s: a name is 1 to 200 characters", f->name);
        else if (!rc && len && ni == LIST_MAX)
            rc = rejection_set(rj, "BAD_FIELD", "%s has too many names", f->name);
        else if (!rc && len)
            items[ni++] = p;
    }
    if (!rc && ni == 0)
        rc = rejection_set(rj, "BAD_FIELD", "%s is empty", f->name);
    if (!rc) {
        qsort(items, (size_t)ni, sizeof *items, list_item_cmp);
        strbuf b;
        sb_init(&b);
        for (int i = 0; i < ni; i++)
            if (i == 0 || strcmp(items[i], items[i - 1]) != 0)
                sb_addf(&b, "%s%s", b.len ? ";" : "", items[i]);
        out->s = b.s;
    }
    free(dup);
    return rc;
}

/* What every text type shares: a string, trimmed (CSV), of a sane length
 * and free of control characters. *t is its malloc'd copy on success. */
static int text_cell_peek(const md_field *f, jv v, int from_csv, char **t, rejection *rj)
{
    const char *s = cell_peek(v, from_csv);
    if (!s)
        return rejection_set(rj, "BAD_FIELD", "%s must be a string", f->name);
    size_t len = strlen(s), max = f->type == FT_TEXT ? 200u : 64u;
    /* A NUL inside would end the C string early: the value is longer. */
    size_t whole = (size_t)jv_string_length_bytes(jv_copy(v)) - (size_t)(s - jv_string_value(v));
    while (len && s[len - 1] == ' ' && from_csv && len == whole)
        len--, whole--;
    if (len != whole)
        return rejection_set(rj, "BAD_FIELD", "%s contains a control character", f->name);
    if (len == 0 || len > max)
        return rejection_set(rj, "BAD_FIELD", "%s must be 1 to %d characters", f->name, (int)max);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return rejection_set(rj, "BAD_FIELD", "%s contains a control character", f->name);
    *t = xmalloc(len + 1);
    memcpy(*t, s, len);
    (*t)[len] = 0;
    return 0;
}

/* A text value that passes ok (the text) or is refused with fmt, which
 * names the field and then the value. */
static int text_done(const md_field *f, char *t, int ok, const char *fmt, md_val *out,
                     rejection *rj)
{
    if (!ok) {
        /* a personal number is never echoed, even in a message */
        rejection_set(rj, "BAD_FIELD", fmt, f->name, reject_personal(f->name) ? "****" : t);
        free(t);
        return REJECTED;
    }
    out->s = t;
    return 0;
}

static int parse_text_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    int rc = text_cell_peek(f, v, from_csv, &t, rj);
    if (!rc)
        out->s = t;
    return rc;
}

static int parse_id_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    if (text_cell_peek(f, v, from_csv, &t, rj))
        return REJECTED;
    /* bank accounts may be spaced */
    int ok = f->name[0] == 'b' || !strchr(t, ' ');
    return text_done(f, t, ok, "%s '%s' contains a space", out, rj);
}

static int parse_date_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    day_t d;
    if (text_cell_peek(f, v, from_csv, &t, rj))
        return REJECTED;
    return text_done(f, t, !date_parse(t, &d), "%s '%s' is not a date (YYYY-MM-DD)", out, rj);
}

static int parse_time_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    int m;
    if (text_cell_peek(f, v, from_csv, &t, rj))
        return REJECTED;
    return text_done(f, t, !hhmm_parse(t, &m, 0), "%s '%s' is not a time (HH:MM)", out, rj);
}

static int parse_period_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    day_t a, b;
    if (text_cell_peek(f, v, from_csv, &t, rj))
        return REJECTED;
    return text_done(f, t, !period_parse(t, &a, &b),
                     "%s '%s' is not a period id (YYYY-MM-A or YYYY-MM-B)", out, rj);
}

/* One of f->arg's "a|b|c", case aside; the value takes the table's
 * spelling. */
static int parse_enum_peek(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    char *t;
    if (text_cell_peek(f, v, from_csv, &t, rj))
        return REJECTED;
    size_t len = strlen(t);
    int ok = 0;
    for (const char *p = f->arg; *p && !ok;) {
        size_t l = strcspn(p, "|");
        if (l == len && strncasecmp(p, t, l) == 0) {
            memcpy(t, p, l);
            ok = 1;
        }
        p += l + (p[l] == '|');
    }
    if (!ok) {
        rejection_set(rj, "BAD_FIELD", "%s '%s' is not one of %s", f->name, t, f->arg);
        free(t);
        return REJECTED;
    }
    out->s = t;
    return 0;
}

static const field_parser parsers[FT_COUNT] = {
    [FT_ID] = parse_id_peek,     [FT_TEXT] = parse_text_peek,     [FT_DATE] = parse_date_peek,
    [FT_TIME] = parse_time_peek, [FT_MONEY] = parse_money_peek,   [FT_INT] = parse_int_peek,
    [FT_BOOL] = parse_bool_peek, [FT_ENUM] = parse_enum_peek,     [FT_DAYS] = parse_list_peek,
    [FT_LIST] = parse_list_peek, [FT_PERIOD] = parse_period_peek, [FT_NAMES] = parse_names_peek,
};

/* Every key of obj is a field of k, or "v" with the value 1. */
static int known_keys_peek(const md_kind *k, jv obj, rejection *rj)
{
    int rc = 0;
    jv_object_foreach(obj, key, val)
    {
        const char *name = jv_string_value(key);
        if (!rc && md_fidx(k, name) < 0 && strcmp(name, "v") != 0)
            rc = rejection_set(rj, "UNKNOWN_FIELD", "%s has no field '%s'", k->name, name);
        if (!rc && strcmp(name, "v") == 0 && jv_get_kind(val) != JV_KIND_NULL &&
            !(jv_get_kind(val) == JV_KIND_NUMBER && jv_number_value(val) == 1) &&
            !(jv_get_kind(val) == JV_KIND_STRING && !strcmp(jv_string_value(val), "1")))
            rc =
                rejection_set(rj, "BAD_FIELD", "v must be 1 (this ARMMS reads version 1 records)");
        jv_free(key);
        jv_free(val);
    }
    return rc;
}

/* One field from its input value v (consumed): absent, its default, or
 * parsed by its type's parser. */
static int field_fill(const md_field *f, jv v, int from_csv, md_val *out, rejection *rj)
{
    int absent = !jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL ||
                 (jv_get_kind(v) == JV_KIND_STRING && from_csv &&
                  strspn(jv_string_value(v), " ") == strlen(jv_string_value(v)));
    if (absent && f->dflt) {
        jv_free(v);
        if (f->type == FT_INT || f->type == FT_BOOL) {
            out->i = f->type == FT_BOOL ? !strcmp(f->dflt, "true") : atol(f->dflt);
            return 0;
        }
        if (!*f->dflt) { /* "" keys, e.g. a nationwide holiday's region */
            out->s = xstrdup("");
            return 0;
        }
        v = jv_string(f->dflt);
        absent = 0;
    }
    int rc = 0;
    if (absent) {
        out->null = 1;
        if (f->flags & MD_REQ)
            rc = rejection_set(rj, "MISSING_FIELD", "%s is required", f->name);
    } else {
        /* a default is text as typed, whatever the input format */
        int as_text = from_csv || (f->dflt && jv_get_kind(v) == JV_KIND_STRING &&
                                   !strcmp(jv_string_value(v), f->dflt));
        assert(f->type < FT_COUNT && parsers[f->type]);
        rc = parsers[f->type](f, v, as_text, out, rj);
    }
    jv_free(v);
    return rc;
}

/* valid_to, when given, is not before valid_from. */
static int dates_in_order(const md_rec *r, rejection *rj)
{
    const md_kind *k = r->k;
    const md_val *from = NULL, *to = NULL;
    for (int i = 0; i < k->nf; i++) {
        if (k->f[i].flags & MD_FROM)
            from = &r->v[i];
        if (k->f[i].flags & MD_TO)
            to = &r->v[i];
    }
    if (from && to && !to->null && strcmp(to->s, from->s) < 0)
        return rejection_set(rj, "BAD_RANGE", "valid_to %s is before valid_from %s", to->s,
                             from->s);
    return 0;
}

int md_rec_parse(const md_kind *k, jv obj, int from_csv, md_rec *r, rejection *rj)
{
    assert(k->nf <= MD_MAXF);
    memset(r, 0, sizeof *r);
    r->k = k;
    int rc = known_keys_peek(k, obj, rj);
    for (int i = 0; !rc && i < k->nf; i++)
        rc = field_fill(&k->f[i], jv_object_get(jv_copy(obj), jv_string(k->f[i].name)), from_csv,
                        &r->v[i], rj);
    jv_free(obj);
    if (!rc)
        rc = dates_in_order(r, rj);
    if (!rc && k->check)
        rc = k->check(r, rj);
    return rc;
}
