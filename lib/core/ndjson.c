/*
 * ndjson.c - see ndjson.h.
 */
#include "core/ndjson.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (1 << 20)

void line_reader_init(line_reader *r, int fd, const char *name)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->name = name;
    r->cap = NDJSON_MAX_LINE + 2 * READ_CHUNK;
    r->buf = xmalloc(r->cap + 1);
}

void line_reader_free(line_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* Read more bytes after end; 0 on data, 1 on eof, -1 on error. */
static int fill(line_reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    size_t room = r->cap - r->end;
    if (room > READ_CHUNK)
        room = READ_CHUNK;
    if (r->idle) {
        struct pollfd p = {r->fd, POLLIN, 0};
        if (poll(&p, 1, r->idle_ms) == 0)
            r->idle(r->idle_ctx);
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r->err = errno;
            return -1;
        }
        if (n == 0) {
            r->eof = 1;
            return 1;
        }
        r->end += (size_t)n;
        return 0;
    }
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* At the start of the input: drop a UTF-8 byte-order mark, note a UTF-16
 * one. */
int line_reader_start(line_reader *r)
{
    r->started = 1;
    while (r->end - r->pos < 3 && !r->eof)
        if (fill(r) < 0)
            return -1;
    const unsigned char *p = (const unsigned char *)r->buf + r->pos;
    size_t n = r->end - r->pos;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        r->pos += 3;
    else if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        r->utf16 = 1;
    return 0;
}

int line_next_raw(line_reader *r, char **line, size_t *len)
{
    if (!r->started && line_reader_start(r) < 0)
        return LINE_IOERR;
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->end - r->pos);
        if (!nl && !r->eof && r->end - r->pos <= NDJSON_MAX_LINE) {
            if (fill(r) < 0)
                return LINE_IOERR;
            continue;
        }
        if (!nl && r->end == r->pos && r->eof)
            return LINE_EOF;
        r->lineno++;
        if (!nl && r->end - r->pos > NDJSON_MAX_LINE) {
            /* Too long: report the head, then discard to the next newline. */
            static char head[256];
            memcpy(head, start, sizeof head - 1);
            head[sizeof head - 1] = 0;
            r->pos = r->end;
            for (;;) {
                int f = fill(r);
                if (f < 0)
                    return LINE_IOERR;
                char *q = memchr(r->buf, '\n', r->end);
                if (q) {
                    r->pos = (size_t)(q - r->buf) + 1;
                    break;
                }
                r->pos = r->end;
                if (f == 1)
                    break;
            }
            *line = head;
            *len = sizeof head - 1;
            return LINE_TOO_LONG;
        }
        size_t n = nl ? (size_t)(nl - start) : r->end - r->pos;
        r->pos += n + (nl ? 1 : 0);
        if (n > NDJSON_MAX_LINE) {
            *line = start;
            *len = 255;
            return LINE_TOO_LONG;
        }
        *line = start;
        *len = n + (nl ? 1 : 0);
        return LINE_OK;
    }
}

int line_next(line_reader *r, char **line, size_t *len)
{
    for (;;) {
        int st = line_next_raw(r, line, len);
        if (st != LINE_OK)
            return st;
        char *start = *line;
        size_t n = *len;
        if (n > 0 && start[n - 1] == '\n')
            n--;
        if (n > 0 && start[n - 1] == '\r')
            n--;
        start[n] = 0;
        if (blank(start, n))
            continue;
        *len = n;
        return LINE_OK;
    }
}

jv ndjson_parse_object(const char *line, size_t len, rejection *rj)
{
    rj->code = NULL;
    rj->msg[0] = 0;
    if (!utf8_valid(line, len)) {
        rejection_set(rj, "BAD_UTF8", "line is not valid UTF-8");
        return jv_invalid();
    }
    jv v = jv_parse_sized(line, (int)len);
    if (!jv_is_valid(v)) {
        jv m = jv_invalid_get_msg(v);
        const char *text = jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "unknown error";
        /* libjq ends its message with the whole line: "(while parsing '...')" */
        const char *quote = strstr(text, " (while parsing '");
        int n = quote ? (int)(quote - text) : (int)strlen(text);
        rejection_set(rj, "PARSE", "invalid JSON: %.*s", n, text);
        jv_free(m);
        return jv_invalid();
    }
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        rejection_set(rj, "NOT_OBJECT", "record is a JSON %s, not an object",
                      jv_kind_name(jv_get_kind(v)));
        jv_free(v);
        return jv_invalid();
    }
    return v;
}

void ndjson_write(FILE *out, jv v)
{
    jv s = jv_dump_string(v, 0);
    fwrite(jv_string_value(s), 1, (size_t)jv_string_length_bytes(jv_copy(s)), out);
    fputc('\n', out);
    jv_free(s);
}

/* libjq's own text of v (looked at), for what the fast paths leave to it. */
static void canon_jq(strbuf *b, jv v)
{
    jv s = jv_dump_string(jv_copy(v), 0);
    sb_add(b, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
    jv_free(s);
}

void sb_add_canon_str(strbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '"' ||
            s[i] == '\\') {
            jv v = jv_string_sized(s, (int)n);
            canon_jq(b, v);
            jv_free(v);
            return;
        }
    sb_grow(b, n + 2);
    sb_addc(b, '"');
    sb_add(b, s, n);
    sb_addc(b, '"');
}

static void canon_str(strbuf *b, jv v)
{
    sb_add_canon_str(b, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
}

typedef struct canon_kv {
    const char *k;
    int n;
    jv key, val;
} canon_kv;

static int canon_kv_cmp(const void *a, const void *b)
{
    const canon_kv *x = a, *y = b;
    int c = memcmp(x->k, y->k, (size_t)(x->n < y->n ? x->n : y->n));
    return c ? c : x->n - y->n;
}

/* What jv_dump_string(v, JV_PRINT_SORTED) writes, without its per-object
 * key sort through jv values (most of the cost of sealing a snapshot):
 * keys in byte order, which for UTF-8 is code point order, as libjq's. */
static void canon_top(strbuf *b, jv v, int sorted, const char *const *skip);

static void canon(strbuf *b, jv v, int sorted)
{
    canon_top(b, v, sorted, NULL);
}

/* canon, leaving out the members of a top-level object whose key is in
 * skip (NULL-terminated; NULL for none). */
static void canon_top(strbuf *b, jv v, int sorted, const char *const *skip)
{
    switch (jv_get_kind(v)) {
    case JV_KIND_NULL:
        sb_adds(b, "null");
        break;
    case JV_KIND_TRUE:
        sb_adds(b, "true");
        break;
    case JV_KIND_FALSE:
        sb_adds(b, "false");
        break;
    case JV_KIND_NUMBER: {
        double d = jv_number_value(v);
        if (d == (double)(long long)d && d > -1e16 && d < 1e16 && !(d == 0 && signbit(d)))
            sb_addf(b, "%lld", (long long)d);
        else
            canon_jq(b, v);
        break;
    }
    case JV_KIND_STRING:
        canon_str(b, v);
        break;
    case JV_KIND_ARRAY: {
        int n = jv_array_length(jv_copy(v));
        sb_addc(b, '[');
        for (int i = 0; i < n; i++) {
            jv x = jv_array_get(jv_copy(v), i);
            if (i)
                sb_addc(b, ',');
            canon(b, x, sorted);
            jv_free(x);
        }
        sb_addc(b, ']');
        break;
    }
    case JV_KIND_OBJECT: {
        int n = jv_object_length(jv_copy(v)), i = 0;
        canon_kv stack[32], *kv = n <= 32 ? stack : xmalloc((size_t)n * sizeof *kv);
        jv_object_foreach(v, key, val)
        {
            kv[i].key = key;
            kv[i].val = val;
            kv[i].k = jv_string_value(key);
            kv[i].n = jv_string_length_bytes(jv_copy(key));
            i++;
        }
        if (sorted)
            qsort(kv, (size_t)i, sizeof *kv, canon_kv_cmp);
        sb_addc(b, '{');
        for (int k = 0, first = 1; k < i; k++) {
            int drop = 0;
            for (const char *const *sk = skip; sk && *sk && !drop; sk++)
                drop = (int)strlen(*sk) == kv[k].n && !memcmp(*sk, kv[k].k, (size_t)kv[k].n);
            if (drop) {
                jv_free(kv[k].key);
                jv_free(kv[k].val);
                continue;
            }
            if (!first)
                sb_addc(b, ',');
            first = 0;
            canon_str(b, kv[k].key);
            sb_addc(b, ':');
            canon(b, kv[k].val, sorted);
            jv_free(kv[k].key);
            jv_free(kv[k].val);
        }
        sb_addc(b, '}');
        if (kv != stack)
            free(kv);
        break;
    }
    default:
        canon_jq(b, v);
    }
}

char *json_canonical(jv v)
{
    strbuf b;
    sb_init(&b);
    canon(&b, v, 1);
    jv_free(v);
    return b.s;
}

char *json_canonical_without(jv v, const char *const *skip)
{
    strbuf b;
    sb_init(&b);
    canon_top(&b, v, 1, skip);
    return b.s;
}

char *json_compact(jv v)
{
    strbuf b;
    sb_init(&b);
    canon(&b, v, 0);
    jv_free(v);
    return b.s;
}

const char *json_str_peek(jv obj, const char *key, int *bad)
{
    /* jv objects own their values; peeking without a copy is safe while obj
     * lives, and avoids a refcount round trip per field. */
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING)
        s = jv_string_value(v);
    else if (jv_get_kind(v) != JV_KIND_NULL && jv_get_kind(v) != JV_KIND_INVALID && bad)
        *bad = 1;
    jv_free(v); /* obj still holds a reference, so s stays valid */
    return s;
}

int json_has_peek(jv obj, const char *key)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    int has = jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL;
    jv_free(v);
    return has;
}
