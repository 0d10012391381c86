/*
 * test_journal_line.c - the short line of a clock event (journal format 2,
 * lib/store/journal_line.c): written from an envelope as the append
 * renders it, it expands to the very bytes of the full line format 1
 * writes (so the same hash), for values a JSON string can hold (quotes,
 * backslashes, control characters, UTF-8, the patterns the reader looks
 * for inside values, null members); a short line with no line before it in
 * its segment, or damaged, is refused, never expanded to something else.
 *
 * Includes journal_int.h, private to the journal's files, because the
 * short line is theirs: no tool sees it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "core/sha.h"
#include "store/journal_int.h"
#include "store/outbox_rows.h"
#include "t.h"

/* The values of one clock event. */
typedef struct ev {
    char id[27];
    const char *event_id, *device, *guard, *ts, *local, *type, *det, *received_at, *actor;
} ev;

/* Its envelope as the append renders it from the row. */
static void render_env(strbuf *env, ce_env *e, const ev *v, const char *tenant)
{
    strbuf a;
    sb_init(&a);
    sb_add_json_kv(&a, "actor", v->actor);
    ce_envelope_begin(env, e, v->id, tenant, v->received_at, a.s, a.len);
    ce_record(env, v->id, v->event_id, v->device, v->guard, v->ts, v->local, v->type, v->det,
              v->received_at);
    ce_envelope_end(env, e, "", 0);
    sb_free(&a);
}

/* Format 1's line of envelope e (journal.h): seq first, src..prev after,
 * then the hash of all that. hash receives it. */
static void full_line(strbuf *b, const ce_env *e, long long seq, long long src_id, long long i,
                      long long n, const char *prev, char hash[65])
{
    sb_reset(b);
    sb_addf(b, "{\"seq\":%lld,", seq);
    sb_add(b, e->s + 1, e->len - 2);
    sb_addf(b, ",\"src\":\"tk\",\"src_id\":%lld,\"src_i\":%lld,\"src_n\":%lld,\"prev\":\"%s\"",
            src_id, i, n, prev);
    sha256_hex(b->s, b->len, hash);
    sb_addf(b, ",\"hash\":\"%s\"}", hash);
}

static void short_line(strbuf *b, const ce_env *e, long long seq, long long src_id, long long i,
                       long long n, const char *hash)
{
    sb_reset(b);
    jnl_short_write(b, seq, e, src_id, i, n, hash);
    b->s[--b->len] = 0; /* the newline */
}

static ev plain(int k)
{
    ev v = {.event_id = "DEV1-1-200001",
            .device = "DEV1-1",
            .guard = "G00001",
            .ts = "2026-10-31T21:35:00Z",
            .local = "2026-11-01T05:35:00+08:00",
            .type = "IN",
            .det = "DET001",
            .received_at = "2026-11-25T00:00:00Z",
            .actor = "bench"};
    snprintf(v.id, sizeof v.id, "01M99B1XCVEYXG8DXJ6CWV%04d", k);
    return v;
}

/* A run of events: the first in full, the rest short; each expands to its
 * full line. Returns how many did. */
static int run_expands(const ev *evs, int n, const char *tenant, int *shorter)
{
    strbuf env, full, sh;
    sb_init(&env);
    sb_init(&full);
    sb_init(&sh);
    jnl_expander x;
    jnl_expander_init(&x);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000", h[65];
    int same = 0;
    *shorter = 1;
    for (int k = 0; k < n; k++) {
        ce_env e;
        render_env(&env, &e, &evs[k], tenant);
        full_line(&full, &e, 100 + k, 7, k + 1, n, prev, h);
        const char *out;
        size_t olen;
        if (k == 0) {
            same += jnl_expand(&x, full.s, full.len, &out, &olen) == 0 && out == full.s;
        } else {
            if (!jnl_short_ok(&e))
                break;
            short_line(&sh, &e, 100 + k, 7, k + 1, n, h);
            *shorter &= sh.len < full.len;
            int ok = jnl_expand(&x, sh.s, sh.len, &out, &olen) == 0;
            same += ok && olen == full.len && memcmp(out, full.s, olen) == 0;
            if (ok && (olen != full.len || memcmp(out, full.s, olen)))
                printf("#   full  %s\n#   short %s\n#   expd  %.*s\n", full.s, sh.s, (int)olen,
                       out);
        }
        memcpy(prev, h, 65);
    }
    jnl_expander_free(&x);
    sb_free(&env);
    sb_free(&full);
    sb_free(&sh);
    return same;
}

static void test_plain(void)
{
    ev evs[5];
    for (int k = 0; k < 5; k++)
        evs[k] = plain(k);
    evs[2].event_id = NULL; /* a device with no ids of its own */
    evs[3].det = NULL;      /* no detachment */
    int shorter;
    T_EQ_INT(run_expands(evs, 5, "acme", &shorter), 5,
             "a full line then four short ones expand to format 1's bytes, null members too");
    T_OK(shorter, "each short line is shorter than its full line");
}

static void test_hard_values(void)
{
    ev evs[6];
    for (int k = 0; k < 6; k++)
        evs[k] = plain(k);
    evs[1].actor = "a\"b\\\\\",\"ce\":{\"clock_event_id\":\"x";
    evs[1].device = ",\"received_at\":\"1999\"}";
    evs[2].guard = "Pe\xc3\xb1"
                   "a \xe2\x80\x94 \xf0\x9f\x98\x80";
    evs[2].det = "tab\there\nnl\x01\x1f";
    evs[3].actor = NULL; /* a null actor */
    evs[4].event_id = "\\\\\\\"";
    evs[4].received_at = "2026-11-25T00:00:00.123456Z";
    evs[5].actor = ",\"tenant_id\":\"evil\",\"aggregate_type\":";
    int shorter;
    T_EQ_INT(run_expands(evs, 6, "acme", &shorter), 6,
             "quotes, backslashes, control characters, UTF-8 and the reader's own patterns "
             "inside values expand to format 1's bytes");
    T_EQ_INT(run_expands(evs, 6, "t-0_9", &shorter), 6, "a tenant with - and _ is carried over");
}

/* Random values over an alphabet of what JSON makes hard. */
static void test_random(void)
{
    static const char *const bits[] = {"\"",
                                       "\\",
                                       ",",
                                       "{",
                                       "}",
                                       ":",
                                       "a",
                                       "Z",
                                       "0",
                                       " ",
                                       "\t",
                                       "\x01",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\"ce\"",
                                       ",\"received_at\":",
                                       ",\"hash\":\"",
                                       "null",
                                       "/"};
    srand(15);
    char buf[6][64];
    int bad = 0;
    for (int it = 0; it < 500; it++) {
        ev evs[3];
        for (int k = 0; k < 3; k++) {
            evs[k] = plain(k);
            for (int f = 0; f < 2; f++) {
                char *s = buf[k * 2 + f];
                s[0] = 0;
                int m = rand() % 6;
                for (int j = 0; j < m; j++)
                    strcat(s, bits[rand() % (int)(sizeof bits / sizeof *bits)]);
            }
            evs[k].device = buf[k * 2];
            evs[k].actor = buf[k * 2 + 1];
        }
        int shorter;
        bad += run_expands(evs, 3, "acme", &shorter) != 3;
    }
    T_EQ_INT(bad, 0, "500 runs of random values: every short line expands to its full line");
}

static void test_refused(void)
{
    strbuf env, full, sh;
    sb_init(&env);
    sb_init(&full);
    sb_init(&sh);
    ev a = plain(1), b = plain(2);
    ce_env ea, eb;
    char h1[65], h2[65];
    render_env(&env, &ea, &a, "acme");
    full_line(&full, &ea, 10, 3, 1, 2,
              "0000000000000000000000000000000000000000000000000000000000000000", h1);
    char *first = xstrdup(full.s);
    size_t first_len = full.len;
    render_env(&env, &eb, &b, "acme");
    full_line(&full, &eb, 11, 3, 2, 2, h1, h2);
    short_line(&sh, &eb, 11, 3, 2, 2, h2);

    jnl_expander x;
    jnl_expander_init(&x);
    const char *out;
    size_t olen;
    T_EQ_INT(jnl_expand(&x, sh.s, sh.len, &out, &olen), -1,
             "a short line that opens a segment is refused");
    T_OK(out == sh.s && olen == sh.len, "and given back as it is");

    envelope e;
    T_EQ_INT(jnl_envelope_read(sh.s, sh.len, &e), 0, "a short line's chain fields are read");
    T_OK(e.is_short && e.seq == 11 && e.src_id == 3 && e.src_i == 2 && e.src_n == 2 &&
             strcmp(e.src, "tk") == 0 && strcmp(e.hash, h2) == 0 && e.prev[0] == 0,
         "seq, src tk, src_id/i/n and hash; prev left to the line before");

    /* damaged copies: each refused */
    const char *what[] = {"the hash cut short", "a letter in the seq", "no ce member",
                          "no received_at", "a seq of 0"};
    for (int d = 0; d < 5; d++) {
        char *bad = xstrdup(sh.s);
        size_t n = sh.len;
        if (d == 0) {
            memmove(bad + n - 10, bad + n - 2, 3);
            n -= 8;
        } else if (d == 1) {
            bad[8] = 'x';
        } else if (d == 2) {
            char *c = strstr(bad, ",\"ce\":{");
            c[3] = 'x';
        } else if (d == 3) {
            char *c = strstr(bad, ",\"received_at\":");
            c[3] = 'x';
        } else {
            memcpy(bad + 7, "0", 1);
            memmove(bad + 8, bad + 9, n - 8);
            n--;
        }
        jnl_expander_reset(&x);
        jnl_expand(&x, first, first_len, &out, &olen);
        int not_short = d == 1 || d == 4;
        T_EQ_INT(jnl_expand(&x, bad, n, &out, &olen), not_short ? 0 : -1, "%s: %s", what[d],
                 not_short ? "not a short line (a damaged full one, for verify to name)"
                           : "refused");
        if (not_short)
            T_EQ_INT(jnl_envelope_read(bad, n, &e), -1, "%s: not an envelope either", what[d]);
        free(bad);
    }
    jnl_expander_reset(&x);
    jnl_expand(&x, first, first_len, &out, &olen);
    T_EQ_INT(jnl_expand(&x, sh.s, sh.len, &out, &olen), 0, "after its full line it expands");
    T_OK(olen == full.len && memcmp(out, full.s, olen) == 0, "to the full line");
    /* passed over, then the next one expands from it */
    ev c = plain(3);
    ce_env ec;
    char h3[65];
    render_env(&env, &ec, &c, "acme");
    full_line(&full, &ec, 12, 3, 3, 3, h2, h3);
    short_line(&sh, &ec, 12, 3, 3, 3, h3);
    jnl_expander_reset(&x);
    jnl_expander_pass(&x, first, first_len);
    strbuf s2;
    sb_init(&s2);
    short_line(&s2, &eb, 11, 3, 2, 2, h2);
    jnl_expander_pass(&x, s2.s, s2.len);
    T_EQ_INT(jnl_expand(&x, sh.s, sh.len, &out, &olen), 0,
             "a short line after lines passed over expands");
    T_OK(olen == full.len && memcmp(out, full.s, olen) == 0, "with the hash of the one before");
    jnl_expander_free(&x);
    free(first);
    sb_free(&s2);
    sb_free(&env);
    sb_free(&full);
    sb_free(&sh);
}

int main(void)
{
    test_plain();
    test_hard_values();
    test_random();
    test_refused();
    return t_done();
}
