/*
 * journal_line.c - the journal's short line (format 2) for a clock event:
 * written by the append (journal.c), turned back into the full envelope
 * by every reader (journal_verify.c), and read for its chain fields.
 *
 * A ClockEventRecorded envelope rendered from its clock_event row repeats
 * the row's clock_event_id three times and its received_at twice, and
 * names its type, version, aggregate type, source module and tenant, and
 * the hash of the line before it, all of which the segment already holds
 * or the type fixes. Its short line keeps the rest:
 *
 *   {"seq":N,"src_id":I,"src_i":K,"src_n":M,"actor":A,"ce":{C},"hash":"H"}
 *
 * where C is the payload's members after "kind" and "v" (so it begins with
 * "clock_event_id" and ends with "received_at"), A the envelope's actor as
 * it was written, and H the hash of the full line: the SHA-256 of the
 * envelope exactly as format 1 writes it, with tenant_id that of the line
 * before and prev that line's hash. So the chain, every hash, the anchors
 * and every line a reader, the publisher or a subscriber sees are those of
 * format 1; only the bytes on disk are fewer.
 *
 * A short line always follows a clock event of the same append in its
 * segment (the first clock event of an append, and one after an event of
 * another type, are written in full), so a reader expands it from the line
 * before, whose tenant_id it takes, and a segment still opens with a full
 * line.
 *
 * The fields are found by the structure the writer gives them, not by a
 * general JSON parse: each pattern looked for (,"ce":{"clock_event_id":",
 * ,"received_at":, ,"tenant_id":, ,"aggregate_type":) opens with a comma
 * and an unescaped quote, which cannot occur inside a JSON string, so its
 * first (or last) occurrence is where the member is. Verify hashes the
 * expanded line, so a short line that was edited, or expanded against the
 * wrong line before it, is caught as an edit.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "store/journal_int.h"

static const char payload_head[] = "{\"kind\":\"ClockEvent\",\"v\":1,";
static const char hash_tag[] = ",\"hash\":\"";
static const char ce_tag[] = ",\"ce\":{\"clock_event_id\":\"";
static const char recv_tag[] = ",\"received_at\":";
static const char tenant_tag[] = ",\"tenant_id\":";
static const char agg_tag[] = ",\"aggregate_type\":";
#define LIT(s) s, sizeof s - 1
/* where the clock_event_id's 26 characters begin in C */
#define CE_ID_AT (sizeof ce_tag - 1 - (sizeof ",\"ce\":{" - 1))

int jnl_short_ok(const ce_env *e)
{
    return !e->tail && e->payload_len > sizeof payload_head - 1 &&
           memcmp(e->s + e->payload_at, LIT(payload_head)) == 0;
}

void jnl_short_write(strbuf *b, long long seq, const ce_env *e, long long src_id, long long src_i,
                     long long src_n, const char *hash)
{
    sb_adds(b, "{\"seq\":");
    sb_add_int(b, seq);
    sb_adds(b, ",\"src_id\":");
    sb_add_int(b, src_id);
    sb_adds(b, ",\"src_i\":");
    sb_add_int(b, src_i);
    sb_adds(b, ",\"src_n\":");
    sb_add_int(b, src_n);
    sb_adds(b, ",\"actor\":");
    sb_add(b, e->s + e->actor_at, e->actor_len);
    sb_adds(b, ",\"ce\":{");
    size_t skip = sizeof payload_head - 1;
    sb_add(b, e->s + e->payload_at + skip, e->payload_len - skip);
    sb_add(b, LIT(hash_tag));
    sb_add(b, hash, 64);
    sb_adds(b, "\"}\n");
}

/* Digits at *p (no sign, no leading zero but "0", at most 18), moving *p
 * past them; -1 when there are none. */
static long long digits_at(const char **p, const char *end)
{
    const char *s = *p;
    long long v = 0;
    int n = 0;
    while (s < end && *s >= '0' && *s <= '9' && n < 19) {
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (n == 0 || n > 18 || (n > 1 && **p == '0'))
        return -1;
    *p = s;
    return v;
}

static int lit_at(const char **p, const char *end, const char *lit, size_t n)
{
    if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* The members of a short line. */
typedef struct short_line {
    long long seq, src_id, src_i, src_n;
    const char *actor, *ce, *recv, *hash; /* actor's and received_at's value, C, H */
    size_t actor_len, ce_len, recv_len;
} short_line;

static int short_parse(const char *line, size_t len, short_line *s)
{
    const char *p = line, *end = line + len;
    if (len < 75 + 40 || memcmp(end - 75, LIT(hash_tag)) != 0 || memcmp(end - 2, "\"}", 2) != 0 ||
        end[-76] != '}')
        return -1;
    s->hash = end - 66;
    if (strspn(s->hash, "0123456789abcdef") != 64) /* '"' follows it */
        return -1;
    end -= 75; /* what comes before ,"hash" */
    if (lit_at(&p, end, LIT("{\"seq\":")) || (s->seq = digits_at(&p, end)) < 1 ||
        lit_at(&p, end, LIT(",\"src_id\":")) || (s->src_id = digits_at(&p, end)) < 1 ||
        lit_at(&p, end, LIT(",\"src_i\":")) || (s->src_i = digits_at(&p, end)) < 1 ||
        lit_at(&p, end, LIT(",\"src_n\":")) || (s->src_n = digits_at(&p, end)) < s->src_i ||
        lit_at(&p, end, LIT(",\"actor\":")))
        return -1;
    const char *ce = memmem(p, (size_t)(end - p), LIT(ce_tag));
    if (!ce || ce == p)
        return -1;
    s->actor = p;
    s->actor_len = (size_t)(ce - p);
    s->ce = ce + sizeof ",\"ce\":{" - 1;   /* "clock_event_id":... */
    s->ce_len = (size_t)(end - 1 - s->ce); /* without its closing brace */
    if (s->ce_len < CE_ID_AT + 27 || s->ce[CE_ID_AT + 26] != '"')
        return -1;
    /* the last ,"received_at": of C is the member (it is C's last), a
     * few bytes from its end */
    const char *r = s->ce + s->ce_len - (sizeof recv_tag - 1);
    while (r > s->ce && memcmp(r, LIT(recv_tag)) != 0)
        r--;
    if (r <= s->ce)
        return -1;
    s->recv = r + sizeof recv_tag - 1;
    s->recv_len = (size_t)(s->ce + s->ce_len - s->recv);
    return s->recv_len >= 2 ? 0 : -1;
}

int jnl_line_is_short(const char *line, size_t len)
{
    const char *p = line + 7, *end = line + len;
    return len > 7 && memcmp(line, "{\"seq\":", 7) == 0 && digits_at(&p, end) > 0 &&
           lit_at(&p, end, LIT(",\"src_id\":")) == 0;
}

int jnl_short_envelope(const char *line, size_t len, envelope *e)
{
    short_line s;
    if (short_parse(line, len, &s) != 0)
        return -1;
    e->seq = s.seq;
    e->src_id = s.src_id;
    e->src_i = s.src_i;
    e->src_n = s.src_n;
    memcpy(e->src, "tk", 3);
    memcpy(e->hash, s.hash, 64);
    e->hash[64] = 0;
    e->prev[0] = 0;
    e->is_short = 1;
    return 0;
}

void jnl_expander_init(jnl_expander *x)
{
    memset(x, 0, sizeof *x);
    sb_init(&x->out);
}

void jnl_expander_reset(jnl_expander *x)
{
    x->have_prev = 0;
    x->tenant_len = 0;
}

void jnl_expander_free(jnl_expander *x)
{
    sb_free(&x->out);
}

/* Remember a full line for the short line that may follow it: its hash
 * and its ,"tenant_id":T. */
static void remember_full(jnl_expander *x, const char *line, size_t len)
{
    x->have_prev = len > 75 && memcmp(line + len - 75, LIT(hash_tag)) == 0;
    if (x->have_prev) {
        memcpy(x->prev, line + len - 66, 64);
        x->prev[64] = 0;
    }
    x->tenant_len = 0;
    const char *t = memmem(line, len < 512 ? len : 512, LIT(tenant_tag));
    const char *a = t ? memmem(t, (size_t)(line + len - t), LIT(agg_tag)) : NULL;
    if (a && (size_t)(a - t) <= sizeof x->tenant) {
        x->tenant_len = (size_t)(a - t);
        memcpy(x->tenant, t, x->tenant_len);
    }
}

void jnl_expander_pass(jnl_expander *x, const char *line, size_t len)
{
    if (!jnl_line_is_short(line, len)) {
        remember_full(x, line, len);
    } else if (x->have_prev && len > 75 && memcmp(line + len - 75, LIT(hash_tag)) == 0) {
        memcpy(x->prev, line + len - 66, 64);
    } else {
        x->have_prev = 0;
    }
}

int jnl_expand(jnl_expander *x, const char *line, size_t len, const char **out, size_t *olen)
{
    *out = line;
    *olen = len;
    if (!jnl_line_is_short(line, len)) {
        remember_full(x, line, len);
        return 0;
    }
    short_line s;
    if (!x->have_prev || !x->tenant_len || short_parse(line, len, &s) != 0) {
        x->have_prev = 0;
        return -1;
    }
    strbuf *b = &x->out;
    sb_reset(b);
    sb_adds(b, "{\"seq\":");
    sb_add_int(b, s.seq);
    sb_adds(b, ",\"event_id\":\"");
    sb_add(b, s.ce + CE_ID_AT, 26);
    sb_adds(b, "\",\"event_type\":\"ClockEventRecorded\",\"version\":1");
    sb_add(b, x->tenant, x->tenant_len);
    sb_adds(b, ",\"aggregate_type\":\"clock_event\",\"aggregate_id\":\"");
    sb_add(b, s.ce + CE_ID_AT, 26);
    sb_adds(b, "\",\"occurred_at\":");
    sb_add(b, s.recv, s.recv_len);
    sb_adds(b, ",\"actor\":");
    sb_add(b, s.actor, s.actor_len);
    sb_adds(b, ",\"payload\":");
    sb_add(b, LIT(payload_head));
    sb_add(b, s.ce, s.ce_len);
    sb_adds(b, "},\"src\":\"tk\",\"src_id\":");
    sb_add_int(b, s.src_id);
    sb_adds(b, ",\"src_i\":");
    sb_add_int(b, s.src_i);
    sb_adds(b, ",\"src_n\":");
    sb_add_int(b, s.src_n);
    sb_adds(b, ",\"prev\":\"");
    sb_add(b, x->prev, 64);
    sb_addc(b, '"');
    sb_add(b, LIT(hash_tag));
    sb_add(b, s.hash, 64);
    sb_adds(b, "\"}");
    memcpy(x->prev, s.hash, 64);
    *out = b->s;
    *olen = b->len;
    return 0;
}
