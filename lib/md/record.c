/*
 * record.c - a parsed record against the store and the journal: binding
 * it to statements, reading it back from a row, comparing two versions and
 * writing it as JSON (event payloads and change effects).
 *
 * Invariants: a record's values are in its kind's field order; a text
 * value that is not null has s set (read back from the store or parsed).
 */
#include "md/md_int.h"

#include <stdlib.h>
#include <string.h>

void rec_free(md_rec *r)
{
    for (int i = 0; i < MD_MAXF; i++)
        free(r->v[i].s);
}

const char *md_col(const md_field *f)
{
    return f->column ? f->column : f->name;
}

int is_text(const md_field *f)
{
    return f->type != FT_MONEY && f->type != FT_INT && f->type != FT_BOOL;
}

void bind_val(sqlite3_stmt *st, int idx, const md_field *f, const md_val *v)
{
    if (v->null)
        sqlite3_bind_null(st, idx);
    else if (is_text(f))
        sqlite3_bind_text(st, idx, v->s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, idx, v->i);
}

const char *md_rec_text(const md_rec *r, const char *field)
{
    const md_val *v = V(r, field);
    assert(is_text(&r->k->f[md_fidx(r->k, field)]));
    return v->null ? NULL : v->s;
}

int md_rec_int(const md_rec *r, const char *field, int64_t *out)
{
    const md_val *v = V(r, field);
    assert(!is_text(&r->k->f[md_fidx(r->k, field)]));
    if (v->null)
        return 0;
    *out = v->i;
    return 1;
}

/* A record as JSON: every field, null when absent (event payloads); or,
 * with replay set, as NDJSON input that imports to the same row, absent
 * and empty values left out (a change request's effect). Money is in
 * centavos, lists are strings. */
static void rec_json(strbuf *b, const md_rec *r, int replay)
{
    const md_kind *k = r->k;
    int first = 1;
    sb_addc(b, '{');
    for (int i = 0; i < k->nf; i++) {
        const md_field *f = &k->f[i];
        const md_val *v = &r->v[i];
        if (replay && (v->null || (is_text(f) && !*v->s)))
            continue;
        if (!first)
            sb_addc(b, ',');
        first = 0;
        sb_add_json_str(b, f->name, strlen(f->name));
        sb_addc(b, ':');
        if (v->null)
            sb_adds(b, "null");
        else if (f->type == FT_BOOL)
            sb_adds(b, v->i ? "true" : "false");
        else if (!is_text(f))
            sb_addf(b, "%lld", (long long)v->i);
        else
            sb_add_json_str(b, v->s, strlen(v->s));
    }
    sb_addc(b, '}');
}

void payload_rec(strbuf *b, const md_rec *r)
{
    rec_json(b, r, 0);
}

void replay_rec(strbuf *b, const md_rec *r)
{
    rec_json(b, r, 1);
}

void rec_from_row(const md_kind *k, sqlite3_stmt *st, int c0, md_rec *r)
{
    memset(r, 0, sizeof *r);
    r->k = k;
    for (int i = 0; i < k->nf; i++) {
        if (sqlite3_column_type(st, c0 + i) == SQLITE_NULL)
            r->v[i].null = 1;
        else if (is_text(&k->f[i]))
            r->v[i].s = xstrdup((const char *)sqlite3_column_text(st, c0 + i));
        else
            r->v[i].i = sqlite3_column_int64(st, c0 + i);
    }
}

int rec_equal(const md_rec *a, const md_rec *b)
{
    assert(a->k == b->k);
    for (int i = 0; i < a->k->nf; i++) {
        const md_val *x = &a->v[i], *y = &b->v[i];
        if (x->null != y->null)
            return 0;
        if (x->null)
            continue;
        if (is_text(&a->k->f[i]) ? strcmp(x->s, y->s) != 0 : x->i != y->i)
            return 0;
    }
    return 1;
}

void aggregate_id(strbuf *agg, const md_rec *r)
{
    const md_kind *k = r->k;
    for (int i = 0; i < k->nf; i++)
        if (k->f[i].flags & MD_KEY) {
            const md_val *v = &r->v[i];
            if (agg->len)
                sb_addc(agg, '/');
            if (is_text(&k->f[i]))
                sb_adds(agg, v->null ? "" : v->s);
            else
                sb_addf(agg, "%lld", (long long)v->i);
        }
    if (k->id_column)
        sb_addf(agg, "@%s", V(r, "valid_from")->s);
}
