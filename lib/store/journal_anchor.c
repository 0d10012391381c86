/*
 * journal_anchor.c - points of the chain kept outside it (see journal.h):
 * anchors read from a command line or from NDJSON (journal head's output,
 * a payrun archive's JournalHead record, a broker's anchor message), and
 * the checkpoint file read back.
 *
 * Invariants: an anchor's hash is 64 lowercase hex digits and its seq is
 * positive, or 0 for "the line with this hash"; nothing here touches the
 * journal's segments or takes its lock.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <ctype.h>
#include <errno.h>
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/journal_int.h"

/* 64 hex digits (either case), copied lowercased into out. */
static int hex64(const char *s, size_t n, char *out)
{
    if (n != 64)
        return -1;
    for (size_t i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[64] = 0;
    return 0;
}

static int hash_spec(const char *s, char *out)
{
    if (!strncmp(s, "sha256:", 7))
        s += 7;
    return hex64(s, strlen(s), out);
}

int journal_anchor_parse(const char *s, journal_anchor *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->source, sizeof a->source, "%s", s);
    if (strlen(a->source) > 40) /* a hash alone: shown shortened */
        snprintf(a->source + 37, sizeof a->source - 37, "...");
    const char *colon = strchr(s, ':');
    if (colon && colon > s && strncmp(s, "sha256:", 7) != 0) {
        char *end;
        errno = 0;
        long long seq = strtoll(s, &end, 10);
        if (end != colon || errno || seq <= 0 || !isdigit((unsigned char)*s))
            return -1;
        a->seq = seq;
        return hash_spec(colon + 1, a->hash);
    }
    return hash_spec(s, a->hash);
}

/* One NDJSON line's anchor: 1 when it is one, 0 when it is no anchor, -1
 * when it looks like one but is damaged. */
static int ndjson_anchor(jv v, journal_anchor *a)
{
    if (jv_get_kind(v) != JV_KIND_OBJECT)
        return 0;
    jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
    jv hash = jv_object_get(jv_copy(v), jv_string("hash"));
    jv ten = jv_object_get(jv_copy(v), jv_string("tenant_id"));
    int rc = 0;
    if (jv_get_kind(seq) == JV_KIND_NUMBER || jv_get_kind(hash) == JV_KIND_STRING) {
        rc = -1;
        if (jv_get_kind(seq) == JV_KIND_NUMBER && jv_get_kind(hash) == JV_KIND_STRING) {
            double d = jv_number_value(seq);
            const char *h = jv_string_value(hash);
            if (d >= 1 && d == (double)(long long)d && hex64(h, strlen(h), a->hash) == 0) {
                a->seq = (long long)d;
                rc = 1;
            }
        }
        if (rc == 1 && jv_get_kind(ten) == JV_KIND_STRING)
            snprintf(a->tenant, sizeof a->tenant, "%s", jv_string_value(ten));
    }
    jv_free(seq);
    jv_free(hash);
    jv_free(ten);
    return rc;
}

int journal_anchors_ndjson(const char *text, size_t len, const char *source, journal_anchor **a,
                           size_t *n, armms_err *err)
{
    int added = 0;
    long lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
        const char *line = text + pos;
        pos += l + 1;
        lineno++;
        if (l == 0 || line[0] != '{')
            continue;
        jv v = jv_parse_sized(line, (int)l);
        journal_anchor x = {0};
        int r = ndjson_anchor(v, &x);
        jv_free(v);
        if (r < 0) {
            err_set(err, EXIT_DATAERR,
                    "%s:%ld: an anchor needs a seq from 1 and a hash of 64 hex digits", source,
                    lineno);
            return -1;
        }
        if (r == 0)
            continue;
        snprintf(x.source, sizeof x.source, "%s:%ld", source, lineno);
        *a = xrealloc(*a, sizeof **a * (*n + 1));
        (*a)[(*n)++] = x;
        added++;
    }
    return added;
}

/* The checkpoint file's one line, parsed; *v invalid when there is none. */
static int checkpoint_load(tenant_t *t, jv *v, armms_err *err)
{
    *v = jv_invalid();
    char *p = jpath(t, "checkpoint");
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return errno == ENOENT ? 0
                               : err_set(err, EXIT_IOERR, "cannot read the journal checkpoint: %s",
                                         strerror(errno));
    strbuf b;
    sb_init(&b);
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&b, buf, k);
    fclose(f);
    *v = jv_parse_sized(b.s, (int)b.len);
    if (!jv_is_valid(*v)) {
        jv_free(*v);
        *v = jv_null(); /* there, but damaged */
    }
    sb_free(&b);
    return 0;
}

int journal_checkpoint_digests(tenant_t *t, char **json, armms_err *err)
{
    *json = NULL;
    jv v;
    if (checkpoint_load(t, &v, err))
        return err->code;
    jv d = jv_get_kind(v) == JV_KIND_OBJECT ? jv_object_get(jv_copy(v), jv_string("digests"))
                                            : jv_invalid();
    if (jv_get_kind(d) == JV_KIND_OBJECT) {
        jv text = jv_dump_string(jv_copy(d), 0);
        *json = xstrdup(jv_string_value(text));
        jv_free(text);
    }
    jv_free(d);
    jv_free(v);
    return 0;
}

int journal_checkpoint_read(tenant_t *t, journal_checkpoint *ck, int *have, armms_err *err)
{
    memset(ck, 0, sizeof *ck);
    *have = 0;
    jv v;
    if (checkpoint_load(t, &v, err))
        return err->code;
    if (jv_get_kind(v) == JV_KIND_INVALID) {
        jv_free(v);
        return 0;
    }
    int ok = jv_get_kind(v) == JV_KIND_OBJECT;
    journal_anchor a = {0};
    ok = ok && ndjson_anchor(v, &a) == 1;
    if (ok) {
        jv seg = jv_object_get(jv_copy(v), jv_string("segment"));
        jv at = jv_object_get(jv_copy(v), jv_string("at"));
        jv marks = jv_object_get(jv_copy(v), jv_string("marks"));
        ok = jv_get_kind(seg) == JV_KIND_NUMBER && jv_number_value(seg) >= 1 &&
             jv_get_kind(marks) == JV_KIND_OBJECT &&
             (!a.tenant[0] || strcmp(a.tenant, t->id) == 0);
        if (ok) {
            ck->segment = (int)jv_number_value(seg);
            if (jv_get_kind(at) == JV_KIND_STRING)
                snprintf(ck->at, sizeof ck->at, "%s", jv_string_value(at));
            for (int i = 0; ok && i < NMOD; i++) {
                jv m = jv_object_get(jv_copy(marks), jv_string(journal_modules[i]));
                ok = jv_get_kind(m) == JV_KIND_NUMBER && jv_number_value(m) >= 0;
                ck->mark[i] = ok ? (long long)jv_number_value(m) : 0;
                jv_free(m);
            }
        }
        jv_free(seg);
        jv_free(at);
        jv_free(marks);
    }
    jv_free(v);
    if (!ok)
        return err_set(err, EXIT_SOFTWARE, "tenant %s: the journal checkpoint is damaged", t->id);
    ck->seq = a.seq;
    memcpy(ck->hash, a.hash, 65);
    *have = 1;
    return 0;
}
