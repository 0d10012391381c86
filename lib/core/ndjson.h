/*
 * ndjson.h - line-oriented record input and compact record output.
 *
 * Reading: lines are split by the reader itself (a large read buffer and
 * memchr), so one bad line never costs the lines after it; each line is then
 * parsed alone with jv_parse_sized (libjq 1.6's streaming parser drops the
 * rest of its buffer after a syntax error). A line longer than NDJSON_MAX_LINE
 * is skipped to its end and reported, never truncated into a record.
 * Blank lines are skipped. A trailing CR is dropped. A UTF-8 byte-order
 * mark at the start of the input (a spreadsheet's "CSV UTF-8") is dropped;
 * a UTF-16 one is noted (utf16) for the caller to refuse the input.
 *
 * THE jv RULE, kept by every module of ARMMS (it is libjq's own): a
 * function that takes a jv consumes it - frees it or hands it on - on
 * success and on failure alike; a caller that still needs the value passes
 * jv_copy(v). The one exception is named: a function whose name ends in
 * _peek only looks at its jv argument, which stays the caller's, and any
 * pointer it returns (a string inside the value) lives as long as that
 * value. A jv returned by a function is the caller's to consume, except
 * from a _peek function, which lends it.
 *
 * Uses core/util.h and core/reject.h.
 */
#ifndef ARMMS_NDJSON_H
#define ARMMS_NDJSON_H

#include <jv.h>
#include <stdio.h>

#include "core/reject.h"
#include "core/util.h"

#define NDJSON_MAX_LINE (1024 * 1024)

typedef struct line_reader {
    int fd;
    const char *name; /* "<stdin>" or a path, for messages */
    long lineno;      /* number of the line last returned, 1-based */
    char *buf;
    size_t cap, pos, end;
    int eof, err;
    int started; /* the start of the input was looked at for a byte-order mark */
    int utf16;   /* the input starts with a UTF-16 byte-order mark */
    /* Called before a read that would block (no input ready), so a tool fed
     * a trickle commits and reports what it has instead of waiting. */
    void (*idle)(void *ctx);
    void *idle_ctx;
    /* How long input must stay quiet before idle is called: 0 calls it at
     * once; a few milliseconds let a downstream stage take an upstream
     * transaction's records, written in several pipe writes, as one batch. */
    int idle_ms;
} line_reader;

enum { LINE_OK = 0, LINE_EOF = 1, LINE_TOO_LONG = 2, LINE_IOERR = 3 };

void line_reader_init(line_reader *r, int fd, const char *name);
/* Look at the start of the input (the first line_next does it too): 0, or
 * -1 on a read error (errno in r->err). */
int line_reader_start(line_reader *r);
void line_reader_free(line_reader *r);
/* Next non-blank line. *line points into the reader's buffer, valid until
 * the next call, NUL-terminated at *len. On LINE_TOO_LONG, *line holds the
 * first bytes of the line (for the Reject) and *len their count. */
int line_next(line_reader *r, char **line, size_t *len);
/* The next line as read, blank or not, with its newline (none on a last
 * line without one) and any CR kept; not NUL-terminated. Too long lines as
 * for line_next. For readers that split records themselves (CSV). */
int line_next_raw(line_reader *r, char **line, size_t *len);

/* Parse one line into an object. Returns the object, or jv_invalid() with
 * *rj filled (BAD_UTF8, PARSE, NOT_OBJECT); rj->code is NULL on success.
 * A PARSE message never quotes the line (it may hold personal numbers; the
 * Reject's input is where the line goes, masked). */
jv ndjson_parse_object(const char *line, size_t len, rejection *rj);
/* ndjson_parse_object for a reader that looks at a few fields only: the
 * object holds the fields keep names (a NULL-terminated list), each whole,
 * and as a rule none of the others (a line left to libjq, below, has them
 * all), though the line is checked as JSON all the same. Parsed with
 * yajl's event parser, so a record costs a fraction of libjq's building it
 * whole; whatever yajl does not take as a plain object goes to
 * ndjson_parse_object, so a line is refused exactly when, and with the
 * message, libjq refuses it (ndjson_fields.c). */
jv ndjson_parse_fields(const char *line, size_t len, const char *const *keep, rejection *rj);
/* keep for a reader that wants every field (a record checked in full, as
 * ingest's): the object is libjq's, built by the faster parser. */
extern const char *const ndjson_keep_all[];
/* A member of a flat object: key and value as slices of the line (not
 * NUL-terminated); kind a jv_kind (a number's text, a string's bytes,
 * nothing for null, true and false). */
typedef struct ndjson_member {
    const char *key;
    size_t klen;
    int kind;
    const char *val;
    size_t vlen;
} ndjson_member;
/* For a reader that checks every member of a record itself and needs no
 * jv: 0 when the line is an object of at most max members, each a string,
 * number, boolean or null, with no key twice, no backslash and valid
 * UTF-8 (*n members into m, in their order); -1 for anything else, which
 * the caller hands to ndjson_parse_object (so libjq decides every refusal
 * and its message). What a flat line holds is exactly what libjq reads in
 * it: a string's bytes are the value, a number's text is what libjq
 * converts. */
int ndjson_parse_flat(const char *line, size_t len, ndjson_member *m, int max, int *n);
/* For the yajl readers above: whether yajl's reading of line is JSON's,
 * the record having ended at end (just past its closing brace, 0: it did
 * not end): only JSON's whitespace after it, and no vertical tab or form
 * feed anywhere (yajl takes both for whitespace; JSON and libjq do not).
 * yajl also takes an unfinished token after the record (`{..}"}`) as
 * input still to come; this refuses that too. */
int ndjson_yajl_whole(const char *line, size_t len, size_t end);
/* And whether the key s[0..n) (not NUL-terminated) is one of keep's. */
int ndjson_key_in(const char *const *keep, const char *s, size_t n);
/* For a reader that looks at a few members of a record (a timekeeping
 * stage's touch check, ndjson_peek.c): 0 when the line is an object that
 * yajl takes as it stands (no backslash, valid UTF-8, nesting within 64,
 * numbers under 64 characters) and whose members under the keys in keep
 * (NULL-terminated) number at most max with the members of the objects
 * among them, no kept key twice. Those go into m[0..*n), in their order,
 * key and value NUL-terminated inside copy (the line's bytes, rewritten
 * by each call; a string's bytes, a number's text, nothing for null,
 * true and false); a kept object is one member (kind JV_KIND_OBJECT, vlen
 * = how many follow it) followed by its own members, whose containers are
 * members of kind JV_KIND_OBJECT or JV_KIND_ARRAY holding nothing, as a
 * kept array is. -1 for anything else: the caller hands the line to
 * ndjson_parse_fields, so libjq decides every refusal and its message. */
int ndjson_parse_peek(const char *line, size_t len, const char *const *keep, ndjson_member *m,
                      int max, int *n, strbuf *copy);

/* Write v compactly and a newline (consumes v). Keys keep insertion order. */
void ndjson_write(FILE *out, jv v);
/* Canonical form: sorted keys, compact; returned string is malloc'd. */
char *json_canonical(jv v);
/* The canonical form of v (looked at) without the members of its top
 * level whose keys are in skip (NULL-terminated); malloc'd. */
char *json_canonical_without(jv v, const char *const *skip);
/* The text jv_dump_string(v, 0) writes - compact, keys in insertion
 * order - by the same writer as json_canonical (consumes v; malloc'd). */
char *json_compact(jv v);
/* A JSON string of s[0..n) as both of those write it: printable ASCII
 * without a quote or backslash as it is, anything else escaped as libjq
 * does. For a writer that builds a record's canonical text itself. */
void sb_add_canon_str(strbuf *b, const char *s, size_t n);

/* The string at key of obj (looked at), or NULL when absent/null; *bad set
 * when present but not a string. */
const char *json_str_peek(jv obj, const char *key, int *bad);
int json_has_peek(jv obj, const char *key);

#endif
