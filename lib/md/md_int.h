/*
 * md_int.h - what the files of lib/md share and nobody else sees: the shape
 * of a kind (kinds.c), of a parsed record (field.c, record.c) and of one
 * import run (import.c, upsert.c). masterdata.h stays the public API.
 *
 * Invariants:
 *  - a kind has at most MD_MAXF fields, and a record holds one md_val per
 *    field in the kind's field order;
 *  - a present text value (is_text) has s set; a null one has s NULL or "";
 *  - a kind with an id_column is effective-dated and has the fields
 *    valid_from (MD_FROM) and valid_to (MD_TO).
 *
 * Uses core, store and iam (the change layer, for md_apply).
 */
#ifndef ARMMS_MD_INT_H
#define ARMMS_MD_INT_H

#include <assert.h>
#include <stdint.h>

#include "core/reject.h"
#include "core/util.h"
#include "md/masterdata.h"
#include "store/store.h"

typedef enum {
    FT_ID,
    FT_TEXT,
    FT_DATE,
    FT_TIME,
    FT_MONEY,
    FT_INT,
    FT_BOOL,
    FT_ENUM,
    FT_DAYS,
    FT_LIST, /* ids, each of which must exist in ref ("*" too, for scopes) */
    FT_PERIOD,
    FT_NAMES, /* names that may hold spaces (clients), each of which must exist in
               * ref: a list, or one string split on ';'; stored sorted, joined by ';' */
    FT_COUNT  /* the number of field types: the size of field.c's parser table */
} ftype;

enum { MD_REQ = 1, MD_KEY = 2, MD_FROM = 4, MD_TO = 8 };

typedef struct md_field {
    const char *name;
    ftype type;
    unsigned flags;
    const char *arg;    /* FT_ENUM: "a|b|c" */
    const char *ref;    /* "module.table.column" the value must exist in */
    const char *column; /* store column when it differs from the name */
    const char *dflt;   /* text value when absent */
    long min, max;      /* FT_INT; FT_MONEY: min only */
} md_field;

typedef struct md_val {
    int null;
    char *s;   /* normalised text (ids, dates, enums, lists) */
    int64_t i; /* money, ints, bools */
} md_val;

#define MD_MAXF 24

struct md_rec {
    const md_kind *k;
    md_val v[MD_MAXF];
};

/* A check over one record's own fields: 0, or REJECTED with rj filled. */
typedef int (*md_check_fn)(const md_rec *r, rejection *rj);
/* An invariant over the whole table, checked after the upsert inside the
 * record's savepoint: REJECTED undoes the record. */
typedef int (*md_after_fn)(store_t *s, const md_rec *r, rejection *rj);

struct md_kind {
    const char *name, *module, *table;
    const char *id_column; /* effective-dated kinds: generated version id */
    const char *event, *aggregate_type;
    const md_field *f;
    int nf;
    md_check_fn check;
    const char *(*event_for)(const md_rec *r);
    md_after_fn after;
    /* Rows derived from each record are written by a layer above
     * (md_register); an import of the kind without that code fails rather
     * than leave them out. */
    int needs_hook;
    /* The action (and scope) that changes the kind when it is not
     * "<kind>.update" (leave: "leave.record"). */
    const char *action;
    /* Another module store the kind's checks read, attached read-only
     * (leave: "tk", whether the guard worked the day). */
    const char *attach;
    /* A field that is no column: a record with it stands for one record
     * per date from its key date field "date" to it, each upserted (and
     * rejected) alone under the record's line (leave: "to"). */
    const char *range_to;
};

struct md_import {
    const md_kind *k;
    int insert_only;
    strbuf accepted; /* capture: the accepted records, normalised, for the effect */
    long naccepted;
    store_t s;
    sqlite3_stmt *ref[MD_MAXF];
    sqlite3_stmt *sel, *ins, *upd;
    md_written_fn written;                  /* the kind's registered hook, or NULL */
    sqlite3_stmt *hook_stmt[MD_HOOK_STMTS]; /* the hook's statements */
    progress *progress;                     /* md_import_fd ticks once a record (NULL: none) */
    const struct rbac *who;                 /* md_import_limit's actor, or NULL */
    char refused[256];                      /* the detachments refused, "DET2, DET7" */
};

/* ---- kinds.c ---- */

/* The index of the field called name, or -1. */
int md_fidx(const md_kind *k, const char *name);
/* The value of a field the kind has (asserted). */
const md_val *md_val_of(const md_rec *r, const char *name);
#define V(r, name) md_val_of((r), (name))

/* ---- field.c ---- */

/* Fill r from the input object (consumed): every field parsed to its normal
 * form, required ones present, dates in order and the kind's own check
 * passed. 0, or REJECTED with rj filled; r is to be rec_free'd either way. */
int md_rec_parse(const md_kind *k, jv obj, int from_csv, md_rec *r, rejection *rj);

/* ---- record.c ---- */

void rec_free(md_rec *r);
/* The store column of a field. */
const char *md_col(const md_field *f);
/* Values held as text rather than as an integer. */
int is_text(const md_field *f);
void bind_val(sqlite3_stmt *st, int idx, const md_field *f, const md_val *v);
/* A record as an event payload: every field, null when absent. */
void payload_rec(strbuf *b, const md_rec *r);
/* A record as NDJSON input that imports to the same row (an effect). */
void replay_rec(strbuf *b, const md_rec *r);
/* Read a stored row (columns in field order starting at column c0) into r. */
void rec_from_row(const md_kind *k, sqlite3_stmt *st, int c0, md_rec *r);
int rec_equal(const md_rec *a, const md_rec *b);
/* The aggregate id of a record's events: its key parts joined by '/', and
 * for a dated version '@' and its start. */
void aggregate_id(strbuf *agg, const md_rec *r);

/* ---- import.c ---- */

/* The hook registered for kind k (md_register), or NULL. */
md_written_fn md_hook_of(const md_kind *k);

#endif
