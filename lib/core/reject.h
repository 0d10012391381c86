/*
 * reject.h - why a record is refused, and the Reject record that says so.
 * Uses core/util.h only.
 *
 * The one rule for rejections: a check that can refuse one input record
 * takes a `rejection *` and, to refuse it, returns rejection_set(...)
 * (REJECTED) with a code and a message. It returns 0 when the record is
 * fine, and a sysexits code with an armms_err filled (util.h) only for a
 * failure that must stop the run. A rejection never stops the run; it
 * travels up unchanged to reject_emit, the one writer of Reject records.
 *
 * A Reject is one NDJSON line per bad input record,
 * {"kind":"Reject","v":1,"code","message","source","line","input"}, written
 * to the sink a tool opened (its --rejects FILE, or a stream it attached).
 * `input` is the offending record as a string (invalid UTF-8 replaced by
 * U+FFFD), whole up to REJECT_INPUT_MAX (the input record limit); a longer
 * one is cut there and marked "truncated":true. After it come the fields
 * of the sink's origin that are set - how the record was read: "format",
 * "header" (CSV), "device", "zone", "map" (ingest), "import" (the kind an
 * import was of) - so the record can be fed back and read again the same
 * way. A tool that rejected anything still commits the good records and
 * exits 65.
 *
 * Personal numbers (reject_personal: bank accounts, TIN, SSS, PhilHealth
 * and Pag-IBIG numbers, and the e-mail address) never leave in a Reject: a sink given a mask
 * (the CLI layer gives every sink one) writes the input masked, marked
 * "masked":true, and such a Reject is not fed back (its record is read
 * again from its source). A sink may also be given its own way of
 * writing its lines (the CLI layer caps them on a terminal).
 */
#ifndef ARMMS_REJECT_H
#define ARMMS_REJECT_H

#include <jv.h>
#include <stdio.h>

#include "core/util.h"

/* Returned by a check that refused a record: below every sysexits code, so
 * it is never mistaken for a failure of the run. */
enum { REJECTED = 1 };

typedef struct rejection {
    const char *code; /* a static Reject code ("BAD_FIELD"); NULL: not rejected */
    char msg[512];    /* lowercase, no trailing full stop */
} rejection;

/* Fill rj and return REJECTED, so a check can `return rejection_set(...)`. */
int rejection_set(rejection *rj, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* How the records of a source are read, written into each of its Rejects
 * (all borrowed; NULL fields are left out). The tool sets it on the sink
 * before the records it applies to. */
typedef struct reject_origin {
    const char *format; /* "ndjson", "csv", "zk", "zk-push" */
    const char *header; /* CSV: the header row as read */
    const char *device; /* --device */
    const char *zone;   /* zk formats: the zone of the device clock */
    const char *map;    /* --map program */
    const char *import; /* armms-import: the KIND */
} reject_origin;

enum { REJECT_INPUT_MAX = 1024 * 1024 };

/* A Reject record fed back as input, read (looked at: every pointer lives
 * in the record). The tools that accept their own Rejects re-read `input`
 * the way `origin` says it was first read. */
typedef struct reject_fed {
    const char *code, *message, *source; /* source NULL: not recorded */
    const char *input;                   /* NULL when the Reject holds none */
    size_t input_len;
    long line;  /* 0: not recorded */
    int whole;  /* input kept whole: not truncated, not a TOO_LONG, not masked */
    int masked; /* its input was masked */
    reject_origin origin;
} reject_fed;

/* True when rec (looked at) is a Reject record. */
int reject_is_peek(jv rec);
/* Read the Reject record rec (looked at) into *f. */
void reject_fed_peek(jv rec, reject_fed *f);
/* REJECTED, with rj filled, when f cannot be fed back because its input was
 * not kept whole (the same code again); else 0. */
int reject_fed_whole(const reject_fed *f, rejection *rj);

/* Whether a field of that name is a personal number (the last part of a
 * dotted path counts: "guard.tin"). */
int reject_personal(const char *field);

struct reject_sink;
/* The input of a Reject as it may be shown: 1 with the masked text in out
 * (a strbuf the caller initialised), 0 when it shows nothing personal. */
typedef int (*reject_mask_fn)(const char *input, size_t len, const reject_origin *o, strbuf *out);
/* Write one Reject line (len bytes, with its newline): 0, or an errno. */
typedef int (*reject_write_fn)(struct reject_sink *r, const char *line, size_t len);

typedef struct reject_sink {
    reject_origin origin;
    FILE *f;
    int owned; /* opened by reject_open: closed by reject_close */
    long count;
    int err;               /* errno of the first failed write, 0 if none */
    reject_mask_fn mask;   /* NULL: the input as read */
    reject_write_fn write; /* NULL: to f */
    void *ctx;             /* the write function's */
} reject_sink;

/* Append to the file at path. 0, or -1 with errno. */
int reject_open(reject_sink *r, const char *path);
/* Write to a stream the caller owns (the CLI layer attaches stderr). */
void reject_attach(reject_sink *r, FILE *f);
/* 0, or -1 with errno when any Reject could not be written: a tool must
 * then fail (74), since a lost Reject is a silently dropped record. */
int reject_close(reject_sink *r);
/* Write one Reject for rj (rj->code set) read from source at line. */
void reject_emit(reject_sink *r, const rejection *rj, const char *source, long line,
                 const char *input, size_t input_len);

#endif
