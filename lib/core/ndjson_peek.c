/*
 * ndjson_peek.c - ndjson_parse_peek (ndjson.h): the few members of a
 * record a reader looks at, as C strings in a copy of the line, through
 * yajl's event parser; no libjq value is made.
 *
 * A timekeeping stage in a pipe reads every record of the stage before it
 * for a handful of fields (its guard, its dates); building even those as
 * libjq values, and looking each one up by key, cost more than the yajl
 * pass itself. What this parser does not take - a parse error, a value
 * that is not an object, deep nesting, a long number, a backslash, bad
 * UTF-8, a kept key twice, more members than the caller has room for -
 * is the caller's to hand to ndjson_parse_fields, so libjq still decides
 * every refusal and its message.
 */
#include <string.h>
#include <yajl/yajl_parse.h>

#include "core/ndjson.h"
#include "core/util.h"

enum { PEEK_DEPTH = 64 };

typedef struct pk {
    const char *const *keep;
    ndjson_member *m;
    int max, n;
    int depth;
    int skip;        /* > 0: passing over a container opened at this depth */
    int obj;         /* the kept object being filled (its member), -1: none */
    int key_kept;    /* the key before the value to come is recorded */
    const char *key; /* that key */
    size_t klen;
    yajl_handle h;
    size_t end; /* just past the record's closing brace */
} pk;

/* Whether the value to come is one to record: under a kept key of the
 * record, or any key of a kept object. */
static int recording(const pk *p)
{
    return !p->skip && ((p->depth == 1 && p->key_kept) || (p->depth == 2 && p->obj >= 0));
}

static int add(pk *p, int kind, const char *s, size_t n)
{
    if (p->n == p->max)
        return 0;
    p->m[p->n++] = (ndjson_member){p->key, p->klen, kind, s, n};
    return 1;
}

static int scalar(pk *p, int kind, const char *s, size_t n)
{
    if (p->depth == 0)
        return 0; /* a bare value: not a record, libjq says why */
    return recording(p) ? add(p, kind, s, n) : 1;
}

static int on_null(void *ctx)
{
    return scalar(ctx, JV_KIND_NULL, NULL, 0);
}

static int on_bool(void *ctx, int b)
{
    return scalar(ctx, b ? JV_KIND_TRUE : JV_KIND_FALSE, NULL, 0);
}

static int on_number(void *ctx, const char *s, size_t n)
{
    return n < 64 && scalar(ctx, JV_KIND_NUMBER, s, n);
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    return scalar(ctx, JV_KIND_STRING, (const char *)s, n);
}

static int open_container(pk *p, int kind)
{
    int rec = recording(p); /* as its parent sees it */
    if (++p->depth > PEEK_DEPTH)
        return 0;
    if (p->depth == 1)
        return kind == JV_KIND_OBJECT; /* the record itself */
    if (!rec) {
        if (!p->skip)
            p->skip = p->depth;
        return 1;
    }
    if (!add(p, kind, NULL, 0))
        return 0;
    if (kind == JV_KIND_OBJECT && p->depth == 2) {
        p->obj = p->n - 1; /* its members follow it */
    } else {
        p->skip = p->depth; /* recorded as there, what it holds is not */
    }
    return 1;
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, JV_KIND_OBJECT);
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, JV_KIND_ARRAY);
}

static int on_end(void *ctx)
{
    pk *p = ctx;
    if (p->skip == p->depth) {
        p->skip = 0;
    } else if (!p->skip && p->depth == 2 && p->obj >= 0) {
        p->m[p->obj].vlen = (size_t)(p->n - p->obj - 1);
        p->obj = -1;
    }
    if (--p->depth == 0)
        p->end = yajl_get_bytes_consumed(p->h);
    return 1;
}

static int on_key(void *ctx, const unsigned char *s, size_t n)
{
    pk *p = ctx;
    if (p->skip)
        return 1;
    p->key = (const char *)s;
    p->klen = n;
    p->key_kept = p->depth == 1 ? ndjson_key_in(p->keep, (const char *)s, n) : 1;
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null,      on_bool, NULL,   NULL,           on_number, on_string,
    on_start_map, on_key,  on_end, on_start_array, on_end,
};

/* No key twice among m[0..n) (one level: an object's members are passed
 * over here and checked on their own). */
static int keys_once(const ndjson_member *m, int n)
{
    for (int i = 0; i < n; i += m[i].kind == JV_KIND_OBJECT ? 1 + (int)m[i].vlen : 1) {
        for (int j = i + (m[i].kind == JV_KIND_OBJECT ? 1 + (int)m[i].vlen : 1); j < n;
             j += m[j].kind == JV_KIND_OBJECT ? 1 + (int)m[j].vlen : 1)
            if (m[i].klen == m[j].klen && memcmp(m[i].key, m[j].key, m[i].klen) == 0)
                return 0;
        if (m[i].kind == JV_KIND_OBJECT && !keys_once(m + i + 1, (int)m[i].vlen))
            return 0;
    }
    return 1;
}

int ndjson_parse_peek(const char *line, size_t len, const char *const *keep, ndjson_member *m,
                      int max, int *n, strbuf *copy)
{
    *n = 0;
    if (memchr(line, '\\', len) || !utf8_valid(line, len))
        return -1;
    pk p = {.keep = keep, .m = m, .max = max, .obj = -1};
    yajl_handle h = yajl_alloc(&callbacks, NULL, &p);
    if (!h)
        armms_fatal("out of memory");
    p.h = h;
    int ok = yajl_parse(h, (const unsigned char *)line, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok && p.depth == 0 && p.obj < 0 &&
             ndjson_yajl_whole(line, len, p.end);
    yajl_free(h);
    if (!ok || !keys_once(m, p.n))
        return -1;
    /* Into the copy, each key and value ended by a NUL where its closing
     * quote (or, after a number, the next delimiter) was. */
    sb_reset(copy);
    sb_add(copy, line, len);
    for (int i = 0; i < p.n; i++) {
        m[i].key = copy->s + (m[i].key - line);
        copy->s[(m[i].key - copy->s) + (ptrdiff_t)m[i].klen] = 0;
        if (m[i].kind == JV_KIND_STRING || m[i].kind == JV_KIND_NUMBER) {
            m[i].val = copy->s + (m[i].val - line);
            copy->s[(m[i].val - copy->s) + (ptrdiff_t)m[i].vlen] = 0;
        }
    }
    *n = p.n;
    return 0;
}
