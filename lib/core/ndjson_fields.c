/*
 * ndjson_fields.c - ndjson_parse_fields (ndjson.h): a record's wanted
 * fields through yajl's event parser, the rest checked and passed over.
 *
 * A timekeeping stage reads every record of the stage before it to learn
 * which guard-days it touches, from a handful of its fields; building the
 * whole record with libjq was most of what a stage in a pipe spent on its
 * input (~8 us a TimeLog line against ~2 us here). Whatever this parser
 * does not take as a plain object - a parse error, a value that is not an
 * object, deep nesting, a number over 63 characters, or any backslash
 * escape (where the two libraries could decode a bad one differently) -
 * goes to ndjson_parse_object, so libjq has the last word and its messages
 * stay the Rejects' text.
 */
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "core/ndjson.h"
#include "core/util.h"

/* Deeper than this, libjq decides (its own limit, and its error, is 256) */
enum { FAST_DEPTH = 64 };

typedef struct peek {
    const char *const *keep;
    int depth; /* containers open */
    int skip;  /* > 0: passing over a value not kept, opened at this depth */
    int nb;    /* containers being built: b[0] the record */
    jv b[FAST_DEPTH + 1];
    jv key[FAST_DEPTH + 1]; /* an object's key for the value to come (null: not kept) */
    jv done;                /* the record, once its object closed */
    yajl_handle h;
    size_t end; /* just past the record's closing brace */
} peek;

const char *const ndjson_keep_all[] = {NULL};

int ndjson_yajl_whole(const char *line, size_t len, size_t end)
{
    if (end == 0 || end > len || memchr(line, '\v', len) || memchr(line, '\f', len))
        return 0;
    for (size_t i = end; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != '\n')
            return 0;
    return 1;
}

int ndjson_key_in(const char *const *keep, const char *s, size_t n)
{
    for (const char *const *k = keep; *k; k++)
        if ((n ? (*k)[0] == s[0] : (*k)[0] == 0) && strncmp(*k, s, n) == 0 && (*k)[n] == 0)
            return 1;
    return 0;
}

static int kept(const peek *p, const unsigned char *s, size_t n)
{
    return p->keep == ndjson_keep_all || ndjson_key_in(p->keep, (const char *)s, n);
}

/* A value inside the record: into the container being built, or dropped. */
static int put(peek *p, jv v)
{
    if (p->skip || p->nb == 0) {
        jv_free(v);
        return p->nb != 0; /* a bare value: not a record, libjq says why */
    }
    jv *c = &p->b[p->nb - 1];
    if (jv_get_kind(*c) == JV_KIND_ARRAY) {
        *c = jv_array_append(*c, v);
    } else if (jv_get_kind(p->key[p->nb - 1]) == JV_KIND_STRING) {
        *c = jv_object_set(*c, p->key[p->nb - 1], v);
        p->key[p->nb - 1] = jv_null();
    } else {
        jv_free(v);
    }
    return 1;
}

/* A member's value put would drop: under a key not kept (most of a
 * record's), so it is not built at all. */
static int unwanted(const peek *p)
{
    return p->skip || (p->nb > 0 && jv_get_kind(p->b[p->nb - 1]) == JV_KIND_OBJECT &&
                       jv_get_kind(p->key[p->nb - 1]) != JV_KIND_STRING);
}

static int on_null(void *ctx)
{
    return unwanted(ctx) ? 1 : put(ctx, jv_null());
}

static int on_bool(void *ctx, int b)
{
    return unwanted(ctx) ? 1 : put(ctx, jv_bool(b));
}

static int on_number(void *ctx, const char *s, size_t n)
{
    peek *p = ctx;
    if (p->skip)
        return 1;
    char buf[64];
    if (n >= sizeof buf)
        return 0; /* libjq reads such a number its own way */
    if (unwanted(p))
        return 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return put(p, jv_number(strtod(buf, NULL)));
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
    peek *p = ctx;
    return unwanted(p) ? 1 : put(p, jv_string_sized((const char *)s, (int)n));
}

/* Whether the value about to open is wanted: inside an array or under a
 * kept key of the container being built. */
static int wanted(const peek *p)
{
    if (p->nb == 0)
        return 1;
    return jv_get_kind(p->b[p->nb - 1]) == JV_KIND_ARRAY ||
           jv_get_kind(p->key[p->nb - 1]) == JV_KIND_STRING;
}

static int open_container(peek *p, jv c)
{
    if (++p->depth > FAST_DEPTH || (p->nb == 0 && jv_get_kind(c) != JV_KIND_OBJECT)) {
        jv_free(c);
        return 0;
    }
    if (p->skip || !wanted(p)) {
        if (!p->skip)
            p->skip = p->depth;
        jv_free(c);
        return 1;
    }
    p->b[p->nb] = c;
    p->key[p->nb] = jv_null();
    p->nb++;
    return 1;
}

static int close_container(peek *p)
{
    if (p->skip) {
        if (p->skip == p->depth)
            p->skip = 0;
        p->depth--;
        return 1;
    }
    p->depth--;
    jv c = p->b[--p->nb];
    jv_free(p->key[p->nb]);
    if (p->nb == 0) {
        p->done = c;
        p->end = yajl_get_bytes_consumed(p->h);
        return 1;
    }
    /* the key that opened it is its parent's, still pending */
    return put(p, c);
}

static int on_start_map(void *ctx)
{
    return open_container(ctx, jv_object());
}

static int on_start_array(void *ctx)
{
    return open_container(ctx, jv_array());
}

static int on_end(void *ctx)
{
    return close_container(ctx);
}

static int on_key(void *ctx, const unsigned char *s, size_t n)
{
    peek *p = ctx;
    if (p->skip)
        return 1;
    jv_free(p->key[p->nb - 1]);
    p->key[p->nb - 1] =
        p->nb > 1 || kept(p, s, n) ? jv_string_sized((const char *)s, (int)n) : jv_null();
    return 1;
}

static const yajl_callbacks callbacks = {
    on_null,      on_bool, NULL,   NULL,           on_number, on_string,
    on_start_map, on_key,  on_end, on_start_array, on_end,
};

jv ndjson_parse_fields(const char *line, size_t len, const char *const *keep, rejection *rj)
{
    if (memchr(line, '\\', len))
        return ndjson_parse_object(line, len, rj);
    rj->code = NULL;
    rj->msg[0] = 0;
    if (!utf8_valid(line, len)) {
        rejection_set(rj, "BAD_UTF8", "line is not valid UTF-8");
        return jv_invalid();
    }
    peek p = {.keep = keep, .done = jv_invalid()};
    yajl_handle h = yajl_alloc(&callbacks, NULL, &p);
    if (!h)
        armms_fatal("out of memory");
    p.h = h;
    int ok = yajl_parse(h, (const unsigned char *)line, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok && jv_is_valid(p.done) &&
             ndjson_yajl_whole(line, len, p.end);
    yajl_free(h);
    while (p.nb > 0) { /* stopped part way: what was being built */
        p.nb--;
        jv_free(p.b[p.nb]);
        jv_free(p.key[p.nb]);
    }
    if (ok)
        return p.done;
    jv_free(p.done);
    return ndjson_parse_object(line, len, rj);
}

/* ndjson_parse_flat: the members of a flat object, as slices of the line. */
typedef struct flat {
    ndjson_member *m;
    int max, n, depth;
    yajl_handle h;
    size_t end; /* just past the record's closing brace */
} flat;

static int flat_put(flat *f, int kind, const char *s, size_t n)
{
    if (f->depth != 1 || f->n == 0 || f->m[f->n - 1].kind != -1)
        return 0; /* a bare value, or one inside a nested container */
    ndjson_member *m = &f->m[f->n - 1];
    m->kind = kind;
    m->val = s;
    m->vlen = n;
    return 1;
}

static int flat_null(void *ctx)
{
    return flat_put(ctx, JV_KIND_NULL, NULL, 0);
}

static int flat_bool(void *ctx, int b)
{
    return flat_put(ctx, b ? JV_KIND_TRUE : JV_KIND_FALSE, NULL, 0);
}

static int flat_number(void *ctx, const char *s, size_t n)
{
    return n < 64 && flat_put(ctx, JV_KIND_NUMBER, s, n);
}

static int flat_string(void *ctx, const unsigned char *s, size_t n)
{
    return flat_put(ctx, JV_KIND_STRING, (const char *)s, n);
}

static int flat_start(void *ctx)
{
    flat *f = ctx;
    return f->depth++ == 0; /* the record itself, nothing inside it */
}

static int flat_array(void *ctx)
{
    return 0;
}

static int flat_end(void *ctx)
{
    flat *f = ctx;
    if (--f->depth == 0)
        f->end = yajl_get_bytes_consumed(f->h);
    return f->n == 0 || f->m[f->n - 1].kind != -1;
}

static int flat_key(void *ctx, const unsigned char *s, size_t n)
{
    flat *f = ctx;
    if (f->n == f->max)
        return 0;
    f->m[f->n++] = (ndjson_member){(const char *)s, n, -1, NULL, 0};
    return 1;
}

static const yajl_callbacks flat_callbacks = {
    flat_null,  flat_bool, NULL,     NULL,       flat_number, flat_string,
    flat_start, flat_key,  flat_end, flat_array, NULL,
};

int ndjson_parse_flat(const char *line, size_t len, ndjson_member *m, int max, int *n)
{
    *n = 0;
    if (memchr(line, '\\', len) || !utf8_valid(line, len))
        return -1;
    flat f = {m, max, 0, 0, NULL, 0};
    yajl_handle h = yajl_alloc(&flat_callbacks, NULL, &f);
    if (!h)
        armms_fatal("out of memory");
    f.h = h;
    int ok = yajl_parse(h, (const unsigned char *)line, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok && f.depth == 0 &&
             ndjson_yajl_whole(line, len, f.end);
    yajl_free(h);
    /* an object was parsed (a bare value fails above); a key given twice is
     * libjq's to settle (the last one wins there) */
    for (int i = 0; ok && i < f.n; i++)
        for (int j = 0; ok && j < i; j++)
            ok = !(m[i].klen == m[j].klen && memcmp(m[i].key, m[j].key, m[i].klen) == 0);
    *n = ok ? f.n : 0;
    return ok ? 0 : -1;
}
