/*
 * journal_int.h - what the files of the journal share and nobody else sees:
 * the head and envelope structs, the module table, the journal's file names,
 * segment listing and reading, envelope parsing, the journal lock, head
 * load/parse, the directory fsync and the outbox read. Included only by
 * lib/store/journal.c (open, find the end, append), journal_verify.c (read
 * back, verify, the outbox cross-check) and journal_seal.c (seal, cursors).
 * journal.h stays the public API and says what a line and the head hold.
 *
 * Invariants: a head as written to disk ends a whole outbox row (its offset
 * is just past that row's last line, its seq and hash are that line's);
 * jnl_head_load (which may truncate a torn tail) and every write run with
 * jnl_lock held; the readers (journal_each, journal_verify) take no lock
 * and never write.
 *
 * Uses core and store/tenant.h, as journal.h does.
 */
#ifndef ARMMS_JOURNAL_INT_H
#define ARMMS_JOURNAL_INT_H

#include <sqlite3.h>
#include <string.h>

#include "core/util.h"
#include "store/journal.h"
#include "store/outbox_rows.h"
#include "store/tenant.h"

static const char *const journal_modules[] = {"hr", "tk", "pay", "iam"};
#define NMOD (int)(sizeof journal_modules / sizeof *journal_modules)
static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

typedef struct head {
    int segment;
    long long offset, seq;
    char hash[65];
    long long mark[NMOD];
    char store_id[NMOD][33]; /* which store file each mark belongs to */
} head_t;

/* Fields of one envelope needed to continue the chain. */
typedef struct envelope {
    long long seq, src_id, src_i, src_n;
    char src[8];
    char hash[65], prev[65]; /* prev is "" in a short line (the line before's hash) */
    int is_short;            /* a short line (journal_line.c) */
} envelope;

/* The index of module m in journal_modules, -1 if none. */
static inline int mod_index(const char *m)
{
    for (int i = 0; i < NMOD; i++)
        if (strcmp(journal_modules[i], m) == 0)
            return i;
    return -1;
}

/* tenants/<t>/journal/NAME. */
static inline char *jpath(tenant_t *t, const char *name)
{
    return xasprintf("%s/journal/%s", t->dir, name);
}

/* Segment seg's file, plain or (gz) sealed. */
static inline char *seg_path(tenant_t *t, int seg, int gz)
{
    return xasprintf("%s/journal/%06d.ndjson%s", t->dir, seg, gz ? ".gz" : "");
}

/* journal.c */

/* Make a directory's entries (a rename, a new file) durable. */
int jnl_fsync_dir(const char *dir, armms_err *err);
/* jnl_fsync_dir on tenants/<t>/journal. */
int jnl_dir_sync(tenant_t *t, armms_err *err);
/* Parse the head's one line; -1 when it is not a v1 head. */
int jnl_head_parse(const char *s, head_t *h);
/* Find the true end of the journal and heal a torn tail. Under the lock. */
int jnl_head_load(tenant_t *t, head_t *h, armms_err *err);
/* Take the journal lock: *lfd holds it (closing it releases the lock). */
int jnl_lock(tenant_t *t, int *lfd, armms_err *err);
/* The store's outbox: the last id it ever gave a row, and the rows still
 * held past mark with the first of them. -1 on an SQLite error. */
int jnl_outbox_state(sqlite3 *db, long long mark, long long *last_id, long long *held,
                     long long *first_held);

/* journal_verify.c */

/* Segment numbers present, sorted (*out is NULL and *n 0 for none). */
int jnl_list_segments(tenant_t *t, int **out, int *n, armms_err *err);
/* Call cb for every line of one segment (plain or gz); *torn (if given) =
 * the bytes after the last newline. */
int jnl_segment_each(tenant_t *t, int seg, journal_cb cb, void *ctx, long long *torn,
                     armms_err *err);
/* The chain fields of one line, full or short; -1 when it is not an
 * envelope. Does not check the hash (journal_verify does). */
int jnl_envelope_read(const char *line, size_t len, envelope *e);

/* journal_line.c: the short line of a clock event (format 2) */

/* Whether envelope e may be written as a short line. */
int jnl_short_ok(const ce_env *e);
/* The short line of envelope e, the line at seq of outbox row src_id
 * (event src_i of src_n) whose full line hashes to hash, into b. */
void jnl_short_write(strbuf *b, long long seq, const ce_env *e, long long src_id, long long src_i,
                     long long src_n, const char *hash);
/* Whether a line is a short one (it may still be damaged). */
int jnl_line_is_short(const char *line, size_t len);
/* A short line's chain fields: src "tk", prev "" (the line before's). -1
 * when it is damaged. */
int jnl_short_envelope(const char *line, size_t len, envelope *e);

/* A reader's memory of the line before, in the segment being read. */
typedef struct jnl_expander {
    char prev[65];
    int have_prev;
    char tenant[96]; /* its ,"tenant_id":T */
    size_t tenant_len;
    strbuf out;
} jnl_expander;
void jnl_expander_init(jnl_expander *x);
/* A new segment begins: nothing before it. */
void jnl_expander_reset(jnl_expander *x);
void jnl_expander_free(jnl_expander *x);
/* The full line of segment line `line`: itself for a full line, else its
 * expansion (in x, valid until the next call). -1 for a short line that
 * cannot be expanded (damaged, or no line before it): *out is the line as
 * it is. Every line of a segment goes through, in order. */
int jnl_expand(jnl_expander *x, const char *line, size_t len, const char **out, size_t *olen);
/* jnl_expand for a line the reader passes over: remembered, not expanded. */
void jnl_expander_pass(jnl_expander *x, const char *line, size_t len);

#endif
