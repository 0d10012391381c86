/*
 * reject.c - see reject.h.
 */
#include "core/reject.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/secure.h"
#include "core/util.h"

int rejection_set(rejection *rj, const char *code, const char *fmt, ...)
{
    va_list ap;
    rj->code = code;
    va_start(ap, fmt);
    vsnprintf(rj->msg, sizeof rj->msg, fmt, ap);
    va_end(ap);
    return REJECTED;
}

int reject_open(reject_sink *r, const char *path)
{
    memset(r, 0, sizeof *r);
    r->f = caller_fopen(path, "a");
    r->owned = 1;
    return r->f ? 0 : -1;
}

void reject_attach(reject_sink *r, FILE *f)
{
    memset(r, 0, sizeof *r);
    r->f = f;
}

int reject_close(reject_sink *r)
{
    if (r->f && r->owned && fclose(r->f) != 0 && !r->err)
        r->err = errno;
    r->f = NULL;
    if (r->err) {
        errno = r->err;
        return -1;
    }
    return 0;
}

/* Copy s into b replacing each invalid UTF-8 byte with U+FFFD. */
static void add_lossy(strbuf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xC0)
            len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + len <= n && utf8_valid(s + i, len) && (c < 0x80 || c >= 0xC0)) {
            sb_add(b, s + i, len);
            i += len;
        } else {
            sb_adds(b, "\xEF\xBF\xBD");
            i++;
        }
    }
}

int reject_personal(const char *field)
{
    static const char *const names[] = {"bank_account",  "tin",     "sss_no",
                                        "philhealth_no", "hdmf_no", "email"};
    const char *last = strrchr(field, '.');
    last = last ? last + 1 : field;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(last, names[i]) == 0)
            return 1;
    return 0;
}

void reject_emit(reject_sink *r, const rejection *rj, const char *source, long line,
                 const char *input, size_t input_len)
{
    assert(rj->code && (r->f || r->write));
    const char *code = rj->code, *message = rj->msg;
    strbuf b, in, masked;
    sb_init(&b);
    sb_init(&in);
    sb_init(&masked);
    int cut = 0, hidden = 0;
    if (input) {
        if (input_len > REJECT_INPUT_MAX) {
            input_len = REJECT_INPUT_MAX;
            cut = 1;
        }
        add_lossy(&in, input, input_len);
        if (r->mask && r->mask(in.s, in.len, &r->origin, &masked)) {
            hidden = 1;
            sb_reset(&in);
            sb_add(&in, masked.s, masked.len);
        }
    }
    sb_adds(&b, "{\"kind\":\"Reject\",\"v\":1,\"code\":");
    sb_add_json_str(&b, code, strlen(code));
    sb_adds(&b, ",\"message\":");
    sb_add_json_str(&b, message, strlen(message));
    sb_adds(&b, ",\"source\":");
    sb_add_json_str(&b, source ? source : "<stdin>", strlen(source ? source : "<stdin>"));
    sb_addf(&b, ",\"line\":%ld,\"input\":", line);
    if (input)
        sb_add_json_str(&b, in.s, in.len);
    else
        sb_adds(&b, "null");
    if (cut)
        sb_adds(&b, ",\"truncated\":true");
    if (hidden)
        sb_adds(&b, ",\"masked\":true");
    const reject_origin *o = &r->origin;
    const char *const keys[] = {"format", "header", "device", "zone", "map", "import"};
    const char *const vals[] = {o->format, o->header, o->device, o->zone, o->map, o->import};
    for (int i = 0; i < 6; i++)
        if (vals[i]) {
            sb_addc(&b, ',');
            sb_add_json_str(&b, keys[i], strlen(keys[i]));
            sb_addc(&b, ':');
            sb_reset(&in);
            add_lossy(&in, vals[i], strlen(vals[i]));
            sb_add_json_str(&b, in.s, in.len);
        }
    sb_adds(&b, "}\n");
    if (r->write) {
        int e = r->write(r, b.s, b.len);
        if (e && !r->err)
            r->err = e;
    } else if ((fwrite(b.s, 1, b.len, r->f) != b.len || fflush(r->f) != 0) && !r->err) {
        r->err = errno ? errno : EIO;
    }
    r->count++;
    sb_free(&b);
    sb_free(&in);
    sb_free(&masked);
}

/* The string at key of rec, or NULL; looked at, so it lives in rec. */
static const char *str_peek(jv rec, const char *key, size_t *len)
{
    jv v = jv_object_get(jv_copy(rec), jv_string(key));
    const char *s = NULL;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        s = jv_string_value(v);
        if (len)
            *len = (size_t)jv_string_length_bytes(jv_copy(v));
    }
    jv_free(v); /* rec still holds the string */
    return s;
}

int reject_is_peek(jv rec)
{
    const char *k = jv_get_kind(rec) == JV_KIND_OBJECT ? str_peek(rec, "kind", NULL) : NULL;
    return k && !strcmp(k, "Reject");
}

void reject_fed_peek(jv rec, reject_fed *f)
{
    memset(f, 0, sizeof *f);
    f->code = str_peek(rec, "code", NULL);
    f->message = str_peek(rec, "message", NULL);
    f->source = str_peek(rec, "source", NULL);
    f->input = str_peek(rec, "input", &f->input_len);
    jv ln = jv_object_get(jv_copy(rec), jv_string("line"));
    if (jv_get_kind(ln) == JV_KIND_NUMBER)
        f->line = (long)jv_number_value(ln);
    jv_free(ln);
    jv tr = jv_object_get(jv_copy(rec), jv_string("truncated"));
    jv mk = jv_object_get(jv_copy(rec), jv_string("masked"));
    f->masked = jv_get_kind(mk) == JV_KIND_TRUE;
    f->whole = f->input && jv_get_kind(tr) != JV_KIND_TRUE && !f->masked &&
               !(f->code && !strcmp(f->code, "TOO_LONG"));
    jv_free(tr);
    jv_free(mk);
    f->origin.format = str_peek(rec, "format", NULL);
    f->origin.header = str_peek(rec, "header", NULL);
    f->origin.device = str_peek(rec, "device", NULL);
    f->origin.zone = str_peek(rec, "zone", NULL);
    f->origin.map = str_peek(rec, "map", NULL);
    f->origin.import = str_peek(rec, "import", NULL);
}

int reject_fed_whole(const reject_fed *f, rejection *rj)
{
    if (f->whole)
        return 0;
    static const char again[] = "fed back, but its personal numbers are masked";
    if (f->masked && f->message && !strncmp(f->message, again, sizeof again - 1))
        return rejection_set(rj, f->code ? f->code : "PARSE", "%s", f->message);
    if (f->masked)
        return rejection_set(rj, f->code ? f->code : "PARSE",
                             "%s: import the record from its source again (%.300s)", again,
                             f->message ? f->message : "");
    return rejection_set(rj, f->code ? f->code : "PARSE",
                         "fed back, but its input was not kept whole: %.400s",
                         f->message ? f->message : "");
}
