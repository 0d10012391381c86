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

/* Is segment seg sealed (only its .gz on disk)? */
static int seg_sealed(tenant_t *t, int seg)
{
    char *p = seg_path(t, seg, 0);
    int plain = faccessat(AT_FDCWD, p, F_OK, AT_EACCESS) == 0;
    free(p);
    return !plain;
}

/* Read every line of one segment (plain or gz) and call cb. *gzbad (when
 * given) is set, instead of an error, when the compressed data is torn or
 * damaged: the lines before the damage were all handed to cb. */
static int segment_read(tenant_t *t, int seg, journal_cb cb, void *ctx, long long *torn,
                        int *gzbad, armms_err *err)
{
    /* An open segment is read with read(2) straight into the line buffer,
     * a sealed one through zlib into it: no copy in between (a payroll
     * pull reads every line of a period's journal, gigabytes at 100,000
     * guards). */
    int sealed = !!seg_sealed(t, seg), fd = -1;
    char *p = seg_path(t, seg, sealed);
    gzFile gz = NULL;
    if (sealed) {
        if ((gz = gzopen(p, "rb")))
            gzbuffer(gz, 1 << 17);
    } else {
        fd = open(p, O_RDONLY | O_CLOEXEC);
    }
    if (sealed ? !gz : fd < 0) {
        err_set(err, EXIT_IOERR, "cannot open journal segment %s", p);
        free(p);
        return err->code;
    }
    free(p);
    enum { CHUNK = 1 << 20 };
    strbuf b;
    sb_init(&b);
    int rc = 0, rerr = 0;
    long n = 0;
    size_t start = 0;
    while (!rc) {
        sb_grow(&b, CHUNK);
        n = sealed ? gzread(gz, b.s + b.len, CHUNK) : (long)read(fd, b.s + b.len, CHUNK);
        if (n < 0 && !sealed && errno == EINTR)
            continue;
        if (n <= 0) {
            rerr = n < 0 && !sealed;
            break;
        }
        size_t from = b.len;
        b.len += (size_t)n;
        char *nl;
        while (!rc && (nl = memchr(b.s + from, '\n', b.len - from))) {
            *nl = 0;
            rc = cb(b.s + start, (size_t)(nl - (b.s + start)), ctx);
            start = from = (size_t)(nl - b.s) + 1;
        }
        if (start > (1 << 20)) {
            memmove(b.s, b.s + start, b.len - start);
            b.len -= start;
            start = 0;
        }
    }
    if (!rc && rerr)
        rc = err_set(err, EXIT_IOERR, "cannot read journal segment %06d", seg);
    if (!rc && sealed) {
        int zerr = Z_OK;
        gzerror(gz, &zerr);
        if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
            /* a cut (Z_BUF_ERROR: unexpected end of file) or a corrupt
             * stream; zlib may report the cut only as the end of the data */
            if (gzbad && (zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR))
                *gzbad = 1;
            else
                rc = err_set(err, EXIT_IOERR, "cannot read journal segment %06d", seg);
        }
    }
    if (torn)
        *torn = (long long)(b.len - start);
    if (sealed)
        gzclose(gz);
    else
        close(fd);
    sb_free(&b);
    return rc;
}

int jnl_segment_each(tenant_t *t, int seg, journal_cb cb, void *ctx, long long *torn,
                     armms_err *err)
{
    return segment_read(t, seg, cb, ctx, torn, NULL, err);
}

int jnl_envelope_read(const char *line, size_t len, envelope *e)
{
    if (jnl_line_is_short(line, len))
        return jnl_short_envelope(line, len, e);
    e->is_short = 0;
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

long long journal_line_seq(const char *line, size_t len)
{
    if (len < 8 || strncmp(line, "{\"seq\":", 7))
        return 0;
    return strtoll(line + 7, NULL, 10);
}

int journal_each(tenant_t *t, journal_cb cb, void *ctx, armms_err *err)
{
    return journal_each_after(t, 0, cb, ctx, err);
}

/* The seq of a segment's first line; 0 when it has none or it cannot be
 * read (the walk then starts before it, which is always right). */
static long long seg_first_seq(tenant_t *t, int seg)
{
    int sealed = !!seg_sealed(t, seg);
    char *p = seg_path(t, seg, sealed);
    gzFile gz = gzopen(p, "rb");
    free(p);
    if (!gz)
        return 0;
    char head[32] = "";
    int n = gzread(gz, head, sizeof head - 1);
    gzclose(gz);
    long long seq = 0;
    if (n > 0 && sscanf(head, "{\"seq\":%lld,", &seq) != 1)
        seq = 0;
    return seq;
}

/* journal_each_after's reading: every line through the expander, and
 * those past after given to the caller as full lines. */
typedef struct each_ctx {
    journal_cb cb;
    void *ctx;
    long long after;
    jnl_expander x;
} each_ctx;

static int each_cb(const char *line, size_t len, void *vctx)
{
    each_ctx *c = vctx;
    if (c->after > 0 && journal_line_seq(line, len) <= c->after) {
        jnl_expander_pass(&c->x, line, len);
        return 0;
    }
    const char *full;
    size_t flen;
    jnl_expand(&c->x, line, len, &full, &flen); /* a damaged line is given as it is */
    return c->cb(full, flen, c->ctx);
}

int journal_each_after(tenant_t *t, long long after, journal_cb cb, void *ctx, armms_err *err)
{
    int *segs, n, rc = 0;
    if (jnl_list_segments(t, &segs, &n, err))
        return err->code;
    /* the last segment whose first line is at or before after + 1: the
     * ones before it hold only lines at or before after (first seqs rise
     * with the segments) */
    int from = 0, lo = 1, hi = n - 1;
    while (after > 0 && lo <= hi) {
        int mid = (lo + hi) / 2;
        long long first = seg_first_seq(t, segs[mid]);
        if (first > 0 && first <= after + 1) {
            from = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    each_ctx c = {.cb = cb, .ctx = ctx, .after = after};
    jnl_expander_init(&c.x);
    for (int i = from; !rc && i < n; i++) {
        jnl_expander_reset(&c.x);
        rc = jnl_segment_each(t, segs[i], each_cb, &c, NULL, err);
    }
    jnl_expander_free(&c.x);
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
    int prev_seg;        /* the one read before it (0 for none) */
    long long prev_line; /* its lines */
    long long line, off; /* lines and bytes of it read so far */
    long long want;      /* the head's seq (-1 without a head) */
    char want_hash[65];  /* the hash of the line at seq want */
    int want_seg;        /* where that line ends */
    long long want_off;
    /* the start: */
    int trust_first; /* the first segments are gone: the first line's prev
                        is taken as given, to be vouched for by ck */
    int skip;        /* --from-checkpoint: lines before ck.seq are passed over */
    int have_ck;
    journal_checkpoint ck;
    /* the anchors with a seq, sorted by it, and the next one due */
    journal_anchor **by_seq;
    size_t nby_seq, next;
    journal_anchor **by_hash;
    size_t nby_hash;
    long long gap_seq; /* a gap was found: the first seq missing */
    jnl_expander x;    /* short lines are verified as their full lines */
} verify_ctx;

static void mark_bad(verify_ctx *c, long long seq, int seg, long long line)
{
    c->rep->bad_seq = seq;
    c->rep->bad_segment = seg;
    c->rep->bad_line = line;
}

/* A line that verified: it extends the chain. */
static void verify_take(verify_ctx *c, const envelope *e)
{
    memcpy(c->prev, e->hash, 65);
    c->seq = e->seq;
    c->rep->events++;
    int m = mod_index(e->src);
    if (e->src_i == e->src_n && m >= 0 && e->src_id > c->rep->mark[m])
        c->rep->mark[m] = e->src_id;
    if (e->seq == c->want) {
        memcpy(c->want_hash, e->hash, 65);
        c->want_seg = c->seg;
        c->want_off = c->off;
    }
    c->rep->last_seq = e->seq;
    memcpy(c->rep->last_hash, e->hash, 65);
    c->rep->last_segment = c->seg;
}

/* The checkpoint and the anchors against the line at e->seq (verified). */
static int verify_points(verify_ctx *c, const envelope *e)
{
    char *pr = c->rep->problem;
    size_t np = sizeof c->rep->problem;
    if (c->have_ck && e->seq == c->ck.seq && strcmp(e->hash, c->ck.hash) != 0) {
        snprintf(pr, np,
                 "segment %06d line %lld: seq %lld hashes to %.12s..., the checkpoint says "
                 "%.12s... (rewritten before the checkpoint)",
                 c->seg, c->line, e->seq, e->hash, c->ck.hash);
        mark_bad(c, e->seq, c->seg, c->line);
        return CHAIN_BROKEN;
    }
    for (; c->next < c->nby_seq && c->by_seq[c->next]->seq <= e->seq; c->next++) {
        journal_anchor *a = c->by_seq[c->next];
        if (a->seq < e->seq)
            continue; /* before the walk began: judged after it */
        a->found_seq = e->seq;
        c->rep->anchors++;
        if (strcmp(a->hash, e->hash) != 0) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld hashes to %.12s..., the anchor (%s) says "
                     "%.12s... (the chain was rewritten from seq %lld on)",
                     c->seg, c->line, e->seq, e->hash, a->source, a->hash, e->seq);
            mark_bad(c, e->seq, c->seg, c->line);
            return CHAIN_BROKEN;
        }
    }
    for (size_t i = 0; i < c->nby_hash; i++)
        if (!c->by_hash[i]->found_seq && strcmp(c->by_hash[i]->hash, e->hash) == 0) {
            c->by_hash[i]->found_seq = e->seq;
            c->rep->anchors++;
        }
    return 0;
}

static int verify_cb(const char *line, size_t len, void *vctx)
{
    verify_ctx *c = vctx;
    envelope e;
    c->line++;
    c->off += (long long)len + 1;
    char *pr = c->rep->problem;
    size_t np = sizeof c->rep->problem;
    /* a short line is verified as its full line, expanded from the line
     * before it */
    const char *raw = line;
    size_t raw_len = len;
    int was_short = jnl_line_is_short(line, len);
    int ok = jnl_expand(&c->x, line, len, &line, &len) == 0;
    if (ok && was_short) {
        /* its chain fields are where the short line has them (no libjq
         * parse: that is most of a full line's cost here), and prev is
         * what the expansion put in (",\"prev\":\"<64>\",\"hash\":..." ends it) */
        ok = jnl_short_envelope(raw, raw_len, &e) == 0;
        if (ok) {
            memcpy(e.prev, line + len - 140, 64);
            e.prev[64] = 0;
        }
    } else if (ok) {
        ok = jnl_envelope_read(line, len, &e) == 0;
    }
    if (ok && c->skip) {
        if (e.seq < c->ck.seq)
            return 0; /* vouched for by the checkpoint */
        c->skip = 0;
        if (e.seq == c->ck.seq) {
            char h[65];
            sha256_hex(line, len - 75, h);
            if (strcmp(h, e.hash) != 0 || strcmp(e.hash, c->ck.hash) != 0) {
                snprintf(pr, np,
                         "segment %06d line %lld: seq %lld is not the line the checkpoint "
                         "names (its hash %.12s..., the checkpoint's %.12s...)",
                         c->seg, c->line, e.seq, h, c->ck.hash);
                mark_bad(c, e.seq, c->seg, c->line);
                return CHAIN_BROKEN;
            }
            c->rep->last_seq = e.seq;
            memcpy(c->rep->last_hash, e.hash, 65);
            c->rep->last_segment = c->seg;
            if (e.seq == c->want) {
                memcpy(c->want_hash, e.hash, 65);
                c->want_seg = c->seg;
                c->want_off = c->off;
            }
            return verify_points(c, &e);
        }
    }
    if (ok && c->trust_first) {
        c->trust_first = 0;
        if (e.seq <= c->ck.seq) {
            /* a kept segment from before the checkpoint: its lines are
             * checked, and the checkpoint's line vouches for their start */
            memcpy(c->prev, e.prev, 65);
            c->seq = e.seq - 1;
            c->rep->from_seq = c->seq;
        }
    }
    long long at = c->seq + 1;
    if (!ok) {
        snprintf(pr, np,
                 "segment %06d line %lld: the line after seq %lld is not a journal envelope",
                 c->seg, c->line, c->seq);
    } else {
        char h[65];
        sha256_hex(line, len - 75, h);
        /* a short line out of place takes the wrong line before it, so its
         * hash fails too: the gap or reorder is what to report */
        if (strcmp(h, e.hash) != 0 && !(was_short && e.seq != at)) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld: hash does not match its content (edited)",
                     c->seg, c->line, e.seq);
        } else if (e.seq > at && c->line == 1 && c->prev_seg) {
            /* the segment before ended early */
            snprintf(pr, np,
                     "segment %06d line %lld: missing: the segment ends at seq %lld but segment "
                     "%06d begins at seq %lld (seq %lld..%lld gone: segment %06d truncated)",
                     c->prev_seg, c->prev_line + 1, c->seq, c->seg, e.seq, at, e.seq - 1,
                     c->prev_seg);
            mark_bad(c, at, c->prev_seg, c->prev_line + 1);
            return CHAIN_BROKEN;
        } else if (e.seq > at) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld found where %lld was expected (seq "
                     "%lld..%lld missing)",
                     c->seg, c->line, e.seq, at, at, e.seq - 1);
            c->gap_seq = at;
        } else if (e.seq < at) {
            snprintf(pr, np,
                     "segment %06d line %lld: seq %lld found after seq %lld (reordered or "
                     "repeated)",
                     c->seg, c->line, e.seq, c->seq);
        } else if (strcmp(e.prev, c->prev) != 0) {
            if (c->have_ck && c->seq == c->ck.seq)
                snprintf(pr, np,
                         "segment %06d line %lld: seq %lld: prev is not the checkpoint's hash "
                         "(seq %lld %.12s...)",
                         c->seg, c->line, e.seq, c->ck.seq, c->ck.hash);
            else
                snprintf(pr, np,
                         "segment %06d line %lld: seq %lld: prev does not match the hash of seq "
                         "%lld (chain broken)",
                         c->seg, c->line, e.seq, c->seq);
        } else {
            verify_take(c, &e);
            return verify_points(c, &e);
        }
    }
    mark_bad(c, at, c->seg, c->line);
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
    } else if (!c->want_hash[0]) {
        snprintf(pr, np, "the head records seq %lld, before the first line read (seq %lld)",
                 h->seq, rep->from_seq + 1);
        rep->bad_seq = h->seq;
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

/* Anchors the walk did not reach: past the end, before the start, or a
 * hash no line has. */
static void verify_anchors_left(verify_ctx *c)
{
    journal_report *rep = c->rep;
    char *pr = rep->problem;
    size_t np = sizeof rep->problem;
    for (size_t i = 0; i < c->nby_seq && !pr[0]; i++) {
        journal_anchor *a = c->by_seq[i];
        if (a->found_seq)
            continue;
        if (a->seq > c->seq) {
            snprintf(pr, np,
                     "the anchor (%s) names seq %lld with hash %.12s..., but the journal ends at "
                     "seq %lld (seq %lld..%lld removed, or the tail rewritten)",
                     a->source, a->seq, a->hash, c->seq, c->seq + 1, a->seq);
            rep->bad_seq = a->seq;
        } else if (c->have_ck && a->seq == c->ck.seq) {
            if (strcmp(a->hash, c->ck.hash) != 0) {
                snprintf(pr, np,
                         "the anchor (%s) says seq %lld hashes to %.12s..., the checkpoint says "
                         "%.12s... (rewritten)",
                         a->source, a->seq, a->hash, c->ck.hash);
                rep->bad_seq = a->seq;
            } else {
                a->found_seq = a->seq;
                rep->anchors++;
            }
        } else {
            snprintf(pr, np,
                     "the anchor (%s) names seq %lld, before seq %lld where the walk began "
                     "(segments removed, or --from-checkpoint): it cannot be checked",
                     a->source, a->seq, rep->from_seq + 1);
            rep->bad_seq = a->seq;
        }
    }
    for (size_t i = 0; i < c->nby_hash && !pr[0]; i++)
        if (!c->by_hash[i]->found_seq) {
            snprintf(pr, np,
                     "no line of the journal (seq %lld..%lld) hashes to the anchor (%s) %.12s... "
                     "(rewritten, or another tenant's)",
                     rep->from_seq + 1, c->seq, c->by_hash[i]->source, c->by_hash[i]->hash);
            rep->bad_seq = -1;
        }
}

static int anchor_cmp(const void *x, const void *y)
{
    const journal_anchor *a = *(journal_anchor *const *)x, *b = *(journal_anchor *const *)y;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Where the walk begins: seq 1, or the checkpoint (asked for, or the first
 * segments are gone). *first is the index of the first segment to read.
 * Returns CHAIN_BROKEN (with the problem) when it cannot begin at all. */
static int verify_start(verify_ctx *c, const journal_verify_opts *o, const int *segs, int n,
                        int *first)
{
    journal_report *rep = c->rep;
    char *pr = rep->problem;
    size_t np = sizeof rep->problem;
    *first = 0;
    int from_ck = o && o->from_checkpoint;
    if (!from_ck && (n == 0 || segs[0] == 1))
        return 0;
    if (!c->have_ck) {
        if (from_ck)
            snprintf(pr, np, "there is no checkpoint to start from (armms-journal checkpoint)");
        else
            snprintf(pr, np,
                     "the journal begins at segment %06d: segments 000001..%06d are gone and "
                     "there is no checkpoint to start from",
                     segs[0], segs[0] - 1);
        rep->bad_segment = n ? 1 : 0;
        rep->bad_line = 1;
        return CHAIN_BROKEN;
    }
    rep->checkpoint_seq = c->ck.seq;
    for (int i = 0; i < NMOD; i++)
        rep->mark[i] = c->ck.mark[i];
    memcpy(c->prev, c->ck.hash, 65);
    c->seq = c->ck.seq;
    rep->from_seq = c->ck.seq;
    rep->last_seq = c->ck.seq;
    memcpy(rep->last_hash, c->ck.hash, 65);
    rep->last_segment = c->ck.segment;
    if (from_ck) {
        while (*first < n && segs[*first] < c->ck.segment)
            (*first)++;
        c->skip = *first < n && segs[*first] == c->ck.segment;
    } else {
        c->trust_first = 1;
    }
    return 0;
}

/* After a gap: is the missing seq further on (the lines were moved) or
 * nowhere (deleted)? */
typedef struct find_ctx {
    long long seq, line;
    int found;
} find_ctx;

static int find_cb(const char *line, size_t len, void *vctx)
{
    find_ctx *f = vctx;
    long long seq;
    f->line++;
    if (sscanf(line, "{\"seq\":%lld,", &seq) == 1 && seq == f->seq) {
        f->found = 1;
        return CHAIN_BROKEN; /* stop */
    }
    return 0;
}

static void explain_gap(verify_ctx *c, const int *segs, int n)
{
    journal_report *rep = c->rep;
    size_t used = strlen(rep->problem);
    for (int i = 0; i < n; i++) {
        if (segs[i] < rep->bad_segment)
            continue;
        find_ctx f = {.seq = c->gap_seq};
        armms_err e = {0};
        int gzbad = 0;
        if (segment_read(c->t, segs[i], find_cb, &f, NULL, &gzbad, &e) > CHAIN_BROKEN)
            return;
        if (f.found) {
            snprintf(rep->problem + used, sizeof rep->problem - used,
                     ": seq %lld is at segment %06d line %lld (reordered)", f.seq, segs[i],
                     f.line);
            return;
        }
    }
    snprintf(rep->problem + used, sizeof rep->problem - used,
             ": seq %lld is nowhere after it (deleted)", c->gap_seq);
}

int journal_verify_ex(tenant_t *t, const journal_verify_opts *o, journal_report *rep,
                      armms_err *err)
{
    memset(rep, 0, sizeof *rep);
    memcpy(rep->last_hash, zero_hash, 65);
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
    if (journal_checkpoint_read(t, &c.ck, &c.have_ck, err))
        return err->code;
    rep->checkpoint_seq = c.have_ck ? c.ck.seq : 0;
    if (o && o->nanchors) {
        c.by_seq = xcalloc(o->nanchors, sizeof *c.by_seq);
        c.by_hash = xcalloc(o->nanchors, sizeof *c.by_hash);
        for (size_t i = 0; i < o->nanchors; i++) {
            o->anchors[i].found_seq = 0;
            if (o->anchors[i].seq > 0)
                c.by_seq[c.nby_seq++] = &o->anchors[i];
            else
                c.by_hash[c.nby_hash++] = &o->anchors[i];
        }
        qsort(c.by_seq, c.nby_seq, sizeof *c.by_seq, anchor_cmp);
    }
    for (size_t i = 0; o && i < o->nanchors; i++)
        if (o->anchors[i].tenant[0] && strcmp(o->anchors[i].tenant, t->id) != 0) {
            snprintf(rep->problem, sizeof rep->problem, "the anchor (%s) is of tenant %s, not %s",
                     o->anchors[i].source, o->anchors[i].tenant, t->id);
            rep->bad_seq = o->anchors[i].seq;
            free(c.by_seq);
            free(c.by_hash);
            return 0;
        }
    int *segs, n, rc = 0, i0 = 0;
    if (jnl_list_segments(t, &segs, &n, err)) {
        free(c.by_seq);
        free(c.by_hash);
        return err->code;
    }
    jnl_expander_init(&c.x);
    rc = verify_start(&c, o, segs, n, &i0);
    rep->first_segment = i0 < n ? segs[i0] : 0;
    for (int i = i0; !rc && i < n; i++) {
        long long torn = 0;
        int gzbad = 0;
        if (i > i0 && segs[i] != segs[i - 1] + 1) {
            snprintf(rep->problem, sizeof rep->problem,
                     "segment %06d is missing (after seq %lld, the end of segment %06d)",
                     segs[i - 1] + 1, c.seq, segs[i - 1]);
            mark_bad(&c, c.seq + 1, segs[i - 1] + 1, 1);
            rc = CHAIN_BROKEN;
            break;
        }
        c.prev_seg = i > i0 ? segs[i - 1] : 0;
        c.prev_line = c.line;
        c.seg = segs[i];
        c.line = c.off = 0;
        jnl_expander_reset(&c.x);
        rc = segment_read(t, segs[i], verify_cb, &c, &torn, &gzbad, err);
        if (rc && rc != CHAIN_BROKEN)
            break; /* I/O error */
        if (!rc && gzbad) {
            snprintf(rep->problem, sizeof rep->problem,
                     "segment %06d line %lld: the sealed segment's compressed data is torn or "
                     "damaged after seq %lld",
                     segs[i], c.line + 1, c.seq);
            mark_bad(&c, c.seq + 1, segs[i], c.line + 1);
            rc = CHAIN_BROKEN;
        } else if (!rc && torn) {
            snprintf(rep->problem, sizeof rep->problem,
                     "segment %06d line %lld: ends in a torn line after seq %lld", segs[i],
                     c.line + 1, c.seq);
            mark_bad(&c, c.seq + 1, segs[i], c.line + 1);
            rc = CHAIN_BROKEN;
        }
    }
    jnl_expander_free(&c.x);
    if (rc == CHAIN_BROKEN && c.gap_seq)
        explain_gap(&c, segs, n);
    free(segs);
    if (!rc && c.skip) {
        snprintf(rep->problem, sizeof rep->problem,
                 "the checkpoint names seq %lld in segment %06d, which ends before it", c.ck.seq,
                 c.ck.segment);
        mark_bad(&c, c.ck.seq, c.ck.segment, c.line + 1);
        rc = CHAIN_BROKEN;
    }
    if (!rc && c.have_ck && c.seq < c.ck.seq) {
        snprintf(rep->problem, sizeof rep->problem,
                 "the journal ends at seq %lld but its checkpoint names seq %lld (truncated)",
                 c.seq, c.ck.seq);
        mark_bad(&c, c.seq + 1, c.seg, c.line + 1);
        rc = CHAIN_BROKEN;
    }
    if (rc && rc != CHAIN_BROKEN) {
        free(c.by_seq);
        free(c.by_hash);
        return rc;
    }
    if (!rep->problem[0] && have)
        verify_head(&c, &h);
    if (!rep->problem[0])
        verify_anchors_left(&c);
    free(c.by_seq);
    free(c.by_hash);
    return 0;
}

int journal_verify(tenant_t *t, journal_report *rep, armms_err *err)
{
    return journal_verify_ex(t, NULL, rep, err);
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
