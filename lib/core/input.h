/*
 * input.h - one pull interface over every input format a tool accepts.
 *
 * NDJSON: one object per line (see ndjson.h). CSV (libcsv): a header row of
 * column names, then one record per row; each row becomes an object of
 * strings, with empty fields as null. Other line formats (ZKTeco logs) use
 * INPUT_LINES and get the raw line back, for the caller to split.
 *
 * For every item the source reports where it came from (line or row number,
 * raw text) so a Reject can name it; an unreadable item comes back as
 * INPUT_BAD with a rejection, and the items after it still come.
 *
 * Memory: *out from input_next is the caller's (the jv rule, ndjson.h).
 *
 * Uses core/util.h, core/ndjson.h, core/reject.h and libcsv.
 */
#ifndef ARMMS_INPUT_H
#define ARMMS_INPUT_H

#include <csv.h>
#include <jv.h>

#include "core/ndjson.h"
#include "core/reject.h"

typedef enum { INPUT_NDJSON, INPUT_CSV, INPUT_LINES } input_format;

enum { INPUT_EOF = 0, INPUT_OK = 1, INPUT_BAD = 2 };

typedef struct input_item {
    long line;       /* line number (NDJSON, lines) or row number (CSV, header = 1) */
    const char *raw; /* the item's text, for Rejects; valid until the next call */
    size_t raw_len;
    rejection why; /* INPUT_BAD: why the item is not a record */
} input_item;

typedef struct input_source {
    input_format fmt;
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
} input_source;

/* fd is read to its end; name is used in messages ("<stdin>" or a path). */
int input_open(input_source *r, int fd, const char *name, input_format fmt, armms_err *err);
void input_close(input_source *r);
/* INPUT_OK with *out (an object, or for INPUT_LINES a string), INPUT_BAD with
 * it->why set, INPUT_EOF, or -1 on an I/O error or a broken CSV header
 * (err filled). */
int input_next(input_source *r, jv *out, input_item *it, armms_err *err);
/* CSV: the header's column names (borrowed; valid after the first input_next). */
jv input_header_peek(input_source *r);

#endif
