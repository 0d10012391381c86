/*
 * records.h - one pull interface over every input format a tool accepts.
 *
 * NDJSON: one object per line (see ndjson.h). CSV (libcsv): a header row of
 * column names, then one record per row; each row becomes an object of
 * strings, with empty fields as null. Other line formats (ZKTeco logs) use
 * RECFMT_LINES and get the raw line back, for the caller to split.
 *
 * For every item the source reports where it came from (line or row number,
 * raw text) so a Reject can name it; an unreadable item comes back as
 * REC_BAD with a code and message, and the items after it still come.
 *
 * Memory: *out from rec_next is owned by the caller (jq's rule: consumed by
 * whatever it is passed to, or jv_free'd).
 */
#ifndef ARMMS_RECORDS_H
#define ARMMS_RECORDS_H

#include <csv.h>
#include <jv.h>

#include "ndjson.h"

typedef enum { RECFMT_NDJSON, RECFMT_CSV, RECFMT_LINES } rec_format;

enum { REC_EOF = 0, REC_OK = 1, REC_BAD = 2 };

typedef struct rec_item {
    long line;       /* line number (NDJSON, lines) or row number (CSV, header = 1) */
    const char *raw; /* the item's text, for Rejects; valid until the next call */
    size_t raw_len;
    const char *code; /* REC_BAD: reject code */
    char msg[256];
} rec_item;

typedef struct rec_source {
    rec_format fmt;
    line_reader lr;
    /* CSV */
    struct csv_parser csv;
    jv header;     /* array of column names */
    jv row;        /* fields of the row being parsed */
    strbuf rowraw; /* the row being parsed, re-quoted, for Rejects */
    jv queue;      /* parsed rows not yet returned: array of [rowno, object, raw] */
    int qpos;
    long rowno;
    int header_done, eof;
    char *header_error;
    strbuf raw;
} rec_source;

/* fd is read to its end; name is used in messages ("<stdin>" or a path). */
int rec_open(rec_source *r, int fd, const char *name, rec_format fmt, armms_err *err);
void rec_close(rec_source *r);
/* REC_OK with *out (an object, or for RECFMT_LINES a string), REC_BAD with
 * it->code set, REC_EOF, or -1 on an I/O error or a broken CSV header
 * (err filled). */
int rec_next(rec_source *r, jv *out, rec_item *it, armms_err *err);
/* CSV: the header's column names (borrowed; valid after the first rec_next). */
jv rec_header(rec_source *r);

#endif
