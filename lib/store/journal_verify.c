/*
 * journal_verify.c - the journal's read side (see journal.h): list the
 * segments, read their lines back (plain or gz), parse an envelope's chain
 * fields, journal_each, and journal_verify's walk of the whole chain with
 * the head and the stores' outboxes checked against it.
 *
 * Invariants: nothing here writes to the journal or takes its lock;
 * segments are read in number order and lines in file order, so in seq
 * order; the walk stops at the first bad line and reports where it is
 * (segment, line, seq) in the report rather than failing, returning an
 * error only when the journal cannot be read at all.
 */
#define _GNU_SOURCE
#include "store/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/sha.h"
#include "store/journal_int.h"

/* Segment numbers present, sorted. */
int jnl_list_segments(tenant_t *t, int **out, int *n, armms_err *err)
{
    char *dir = jpath(t, "");
    DIR *d = opendir(dir);
    *out = NULL;
    *n = 0;
    if (!d) {
        int e = errno;
        free(dir);
        if (e == ENOENT)
            return 0;
        return err_set(err, EXIT_IOERR, "cannot read journal directory: %s", strerror(e));
    }
    free(dir);
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (end == de->d_name || v <= 0 ||
            (strcmp(end, ".ndjson") != 0 && strcmp(end, ".ndjson.gz") != 0))
            continue;
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= (*out)[i] == v;
        if (dup)
            continue;
        if (*n == cap)
            *out = xrealloc(*out, sizeof **out * (size_t)(cap = cap ? cap * 2 : 16));
        (*out)[(*n)++] = (int)v;
    }
    closedir(d);
    for (int i = 1; i < *n; i++) /* insertion sort; segments are few */
        for (int j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
            int x = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = x;
        }
    return 0;
}

/* Read every line of one segment (plain or gz) and call cb. */
int jnl_segment_each(tenant_t *t, int seg, journal_cb cb, void *ctx, long long *torn,
                     armms_err *err)
{
    char *p = seg_path(t, seg, 0);
    if (faccessat(AT_FDCWD, p, F_OK, AT_EACCESS) != 0) {
        free(p);
        p = seg_path(t, seg, 1);
    }
    gzFile gz = gzopen(p, "rb");
    if (!gz) {
        err_set(err, EXIT_IOERR, "cannot open journal segment %s", p);
        free(p);
        return err->code;
    }
    free(p);
    gzbuffer(gz, 1 << 17);
    strbuf b;
    sb_init(&b);
    char chunk[1 << 16];
    int rc = 0, n;
    size_t start = 0;
    while (!rc && (n = gzread(gz, chunk, sizeof chunk)) > 0) {
        sb_add(&b, chunk, (size_t)n);
        char *nl;
        while (!rc && (nl = memchr(b.s + start, '\n', b.len - start))) {
            *nl = 0;
            rc = cb(b.s + start, (size_t)(nl - (b.s + start)), ctx);
            start = (size_t)(nl - b.s) + 1;
        }
        if (start > (1 << 20)) {
            memmove(b.s, b.s + start, b.len - start);
            b.len -= start;
            start = 0;
        }
    }
    if (n < 0)
        rc = err_set(err, EXIT_IOERR, "cannot read journal segment %06d", seg);
    if (torn)
        *torn = (long long)(b.len - start);
    gzclose(gz);
    sb_free(&b);
    return rc;
}

int jnl_envelope_read(const char *line, size_t len, envelope *e)
{
    static const char tag[] = ",\"hash\":\"";
    if (len < 75 + 10 || memcmp(line + len - 75, tag, sizeof tag - 1) != 0 ||
        memcmp(line + len - 2, "\"}", 2) != 0)
        return -1;
    memcpy(e->hash, line + len - 66, 64);
    e->hash[64] = 0;
    jv v = jv_parse_sized(line, (int)len);
    if (jv_get_kind(v) != JV_KIND_OBJECT) {
        jv_free(v);
        return -1;
    }
    jv seq = jv_object_get(jv_copy(v), jv_string("seq"));
    jv src = jv_object_get(jv_copy(v), jv_string("src"));
    jv sid = jv_object_get(jv_copy(v), jv_string("src_id"));
    jv si = jv_object_get(jv_copy(v), jv_string("src_i"));
    jv sn = jv_object_get(jv_copy(v), jv_string("src_n"));
    jv prev = jv_object_get(jv_copy(v), jv_string("prev"));
    int ok = jv_get_kind(seq) == JV_KIND_NUMBER && jv_get_kind(src) == JV_KIND_STRING &&
             jv_get_kind(sid) == JV_KIND_NUMBER && jv_get_kind(si) == JV_KIND_NUMBER &&
             jv_get_kind(sn) == JV_KIND_NUMBER && jv_get_kind(prev) == JV_KIND_STRING &&
             jv_string_length_bytes(jv_copy(prev)) == 64;
    if (ok) {
        e->seq = (long long)jv_number_value(seq);
        e->src_id = (long long)jv_number_value(sid);
        e->src_i = (long long)jv_number_value(si);
        e->src_n = (long long)jv_number_value(sn);
        snprintf(e->src, sizeof e->src, "%s", jv_string_value(src));
        memcpy(e->prev, jv_string_value(prev), 65);
    }
    jv_free(seq);
    jv_free(src);
    jv_free(sid);
    jv_free(si);
    jv_free(sn);
    jv_free(prev);
    jv_free(v);
    return ok ? 0 : -1;
}

int journal_each(tenant_t *t, journal_cb cb, void *ctx, armms_err *err)
{
    int *segs, n, rc = 0;
    if (jnl_list_segments(t, &segs, &n, err))
        return err->code;
    for (int i = 0; !rc && i < n; i++)
        rc = jnl_segment_each(t, segs[i], cb, ctx, NULL, err);
    free(segs);
    return rc;
}

/* verify_cb's verdict that the chain breaks here (rep->problem says how):
 * below every sysexits code, so it is never mistaken for a read error. */
enum { CHAIN_BROKEN = 1 };

typedef struct verify_ctx {
    tenant_t *t;
    journal_report *rep;
    char prev[65];
    long long seq;
    int seg;             /* the segment being read */
    long long line, off; /* lines and bytes of it read so far */
    long long want;      /* the head's seq (-1 without a head) */
    char want_hash[65];  /* the hash of the line at seq want */
    int want_seg;        /* where that line ends */
    long long want_off;
} verify_ctx;

static int verify_cb(const char *line, size_t len, void *vctx)
{
    verify_ctx *c = vctx;
    envelope e;
    long long at = c->seq + 1;
    c->line++;
    c->off += (long long)len + 1;
    char *pr = c->rep->problem;
    size_t np = sizeof c->rep->problem;
    if (jnl_envelope_read(line, len, &e) != 0) {
        snprintf(pr, np,
                 "segment %06d line %lld: the line after seq %lld is not a journal envelope",
                 c->seg, c->line, c->seq);
    } else {
        char h[65];
        sha256_hex(line, len - 75, h);
        if (strcmp(h, e.hash) != 0) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld: hash does not match its content (edited)",
                     c->seg, c->line, e.seq);
        } else if (e.seq != at) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld found where %lld was expected (gap, "
                     "reorder or deletion)",
                     c->seg, c->line, e.seq, at);
        } else if (strcmp(e.prev, c->prev) != 0) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld: prev does not match the hash of seq %lld "
                     "(chain broken)",
                     c->seg, c->line, e.seq, c->seq);
        } else {
            memcpy(c->prev, e.hash, 65);
            c->seq = e.seq;
            c->rep->events++;
            int m = mod_index(e.src);
            if (e.src_i == e.src_n && m >= 0 && e.src_id > c->rep->mark[m])
                c->rep->mark[m] = e.src_id;
            if (e.seq == c->want) {
                memcpy(c->want_hash, e.hash, 65);
                c->want_seg = c->seg;
                c->want_off = c->off;
            }
            return 0;
        }
    }
    c->rep->bad_seq = at;
    c->rep->bad_segment = c->seg;
    c->rep->bad_line = c->line;
    return CHAIN_BROKEN;
}

/* The head against the line it names. */
static void verify_head(verify_ctx *c, const head_t *h)
{
    journal_report *rep = c->rep;
    char *pr = rep->problem;
    size_t np = sizeof rep->problem;
    rep->head_seq = h->seq;
    if (h->seq > c->seq) {
        snprintf(pr, np,
                 "journal ends at seq %lld (segment %06d line %lld) but its head records seq %lld "
                 "(truncated)",
                 c->seq, c->seg, c->line, h->seq);
        rep->bad_seq = c->seq + 1;
        rep->bad_segment = c->seg;
        rep->bad_line = c->line + 1;
    } else if (h->seq == 0) {
        if (strcmp(h->hash, zero_hash) != 0)
            snprintf(pr, np, "the head records no events but a hash that is not 64 zeros");
    } else if (strcmp(h->hash, c->want_hash) != 0) {
        snprintf(pr, np,
                 "the head records seq %lld with hash %.12s..., but that line (segment %06d) "
                 "hashes to %.12s... (head or line replaced)",
                 h->seq, h->hash, c->want_seg, c->want_hash);
        rep->bad_seq = h->seq;
    } else if ((h->segment != c->want_seg || h->offset != c->want_off) &&
               !(h->segment == c->want_seg + 1 && h->offset == 0)) {
        /* (a head may name the next segment before anything is in it) */
        snprintf(pr, np,
                 "the head places seq %lld at segment %06d byte %lld, but it ends at segment "
                 "%06d byte %lld",
                 h->seq, h->segment, h->offset, c->want_seg, c->want_off);
        rep->bad_seq = h->seq;
    }
}

int journal_verify(tenant_t *t, journal_report *rep, armms_err *err)
{
    memset(rep, 0, sizeof *rep);
    verify_ctx c = {.t = t, .rep = rep, .want = -1};
    memcpy(c.prev, zero_hash, 65);
    head_t h;
    int have = 0;
    char *p = jpath(t, "head");
    FILE *f = fopen(p, "r");
    free(p);
    if (f) {
        char line[1024];
        have = fgets(line, sizeof line, f) && jnl_head_parse(line, &h) == 0;
        fclose(f);
    }
    if (have)
        c.want = h.seq;
    int *segs, n, rc = 0;
    if (jnl_list_segments(t, &segs, &n, err))
        return err->code;
    for (int i = 0; !rc && i < n; i++) {
        long long torn = 0;
        c.seg = segs[i];
        c.line = c.off = 0;
        rc = jnl_segment_each(t, segs[i], verify_cb, &c, &torn, err);
        if (rc && rc != CHAIN_BROKEN)
            break; /* I/O error */
        if (!rc && torn) {
            snprintf(rep->problem, sizeof rep->problem,
                     "segment %06d line %lld: ends in a torn line after seq %lld", segs[i],
                     c.line + 1, c.seq);
            rep->bad_seq = c.seq + 1;
            rep->bad_segment = segs[i];
            rep->bad_line = c.line + 1;
            rc = CHAIN_BROKEN;
        }
    }
    free(segs);
    if (rc && rc != CHAIN_BROKEN)
        return rc;
    if (!rep->problem[0] && have)
        verify_head(&c, &h);
    return 0;
}

int journal_outbox_read(sqlite3 *db, journal_outbox *o, armms_err *err)
{
    long long held, first;
    if (jnl_outbox_state(db, 0, &o->last_id, &held, &first) != 0)
        return err_set(err, EXIT_SOFTWARE, "journal: %s", sqlite3_errmsg(db));
    o->rows = held;
    o->first = held ? first : o->last_id + 1;
    return 0;
}

void journal_outbox_compare(const journal_report *rep, const char *module, const journal_outbox *o,
                            long long *pending, long long *lost_from, long long *lost_to)
{
    int m = mod_index(module);
    long long j = m >= 0 ? rep->mark[m] : 0;
    *lost_from = *lost_to = 0;
    /* held rows form the range [first, last_id]: pruning cuts a prefix */
    *pending = o->last_id > j ? o->last_id - (j >= o->first ? j : o->first - 1) : 0;
    if (*pending > o->rows)
        *pending = o->rows;
    if (j < o->first - 1) {
        *lost_from = j + 1;
        *lost_to = o->first - 1;
    }
}
