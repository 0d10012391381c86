/*
 * input.h - one pull interface over every input format a tool accepts.
 *
 * NDJSON: one object per line (see ndjson.h). CSV (libcsv): a header row of
 * column names, then one record per row; each row becomes an object of
 * strings, with empty fields as null. Other line formats (ZKTeco logs) use
 * INPUT_LINES and get the raw line back, for the caller to split.
 *
 * CSV records are cut at line boundaries here and each record is parsed by
 * libcsv alone, so a bad record costs only itself. A record is one line,
 * unless a quoted field holds a newline: then it runs on until the quote
 * closes, for at most CSV_RECORD_LINES lines and CSV_RECORD_MAX bytes. A
 * record that spans lines and does not come out as one well-formed row
 * (its quote never closes within those bounds or before the end of the
 * input, or the row has the wrong number of fields) is taken to be a stray
 * quote: its first line alone is rejected, and reading resumes at the line
 * after it. A field longer than CSV_FIELD_MAX or a line longer than
 * CSV_RECORD_MAX is a TOO_LONG Reject; memory stays bounded by these
 * limits whatever the input.
 *
 * Input people have: a UTF-8 byte-order mark at the start is dropped (by
 * the line reader); an input that starts with a UTF-16 one is refused
 * whole (one BAD_UTF8 Reject; CSV: a failure like a bad header) with the
 * iconv command that converts it. The first item of an input that is not
 * UTF-8 says, once, how to convert Windows-1252 text with iconv; the items
 * after it are refused without the hint. NDJSON whose first line is not
 * JSON but has commas is taken to be CSV: that line is one Reject saying
 * so (and, when the tool reads CSV too - csv_readable - to use --format
 * csv), and nothing more of the input is read.
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

#define CSV_RECORD_MAX NDJSON_MAX_LINE
#define CSV_RECORD_LINES 64
#define CSV_FIELD_MAX (64 * 1024)

enum { INPUT_EOF = 0, INPUT_OK = 1, INPUT_BAD = 2, INPUT_FLAT = 3, INPUT_PEEK = 4 };

typedef struct input_item {
    long line;       /* line number (CSV: of the record's first line; header = 1) */
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
    jv rows;       /* rows of the record being read: array of [row, raw] */
    jv queue;      /* parsed rows not yet returned: array of [line, row, raw] */
    int qpos;
    int header_done, eof;
    char *header_error;
    strbuf header_text; /* the header record as read */
    strbuf rec;         /* the lines of the record being read, as read */
    size_t rec_first;   /* length of its first line */
    long rec_line;      /* number of its first line */
    int rec_lines;
    strbuf replay; /* lines to read again before the input (a stray quote's) */
    size_t replay_pos;
    long replay_line; /* number of the next line in replay */
    int long_pending; /* a too long line waits behind replay */
    long long_line;
    strbuf long_head;
    strbuf raw;
    int csv_readable;        /* set by the caller: the tool reads CSV with --format csv */
    int hinted;              /* the iconv hint was given for this input */
    int first_seen;          /* NDJSON: a line was read */
    int stopped;             /* nothing more of the input is read (CSV read as NDJSON, UTF-16) */
    const char *const *keep; /* set by the caller: NDJSON records hold only these
                                fields (ndjson_parse_fields); NULL: all */
    /* set by the caller (NDJSON): a line ndjson_parse_flat takes comes back
     * as INPUT_FLAT, its members in flat[0..flat_n), no jv made; any other
     * line as before */
    ndjson_member *flat;
    int flat_max, flat_n;
    /* set by the caller (NDJSON, with keep): a line ndjson_parse_peek
     * takes comes back as INPUT_PEEK, the members it kept in
     * peek[0..peek_n) (C strings in peek_copy, valid until the next
     * input_next), no jv made; any other line as before */
    ndjson_member *peek;
    int peek_max, peek_n;
    strbuf peek_copy;
} input_source;

/* fd is read to its end; name is used in messages ("<stdin>" or a path). */
int input_open(input_source *r, int fd, const char *name, input_format fmt, armms_err *err);
void input_close(input_source *r);
/* INPUT_OK with *out (an object, or for INPUT_LINES a string), INPUT_FLAT
 * (only when r->flat is set: *out untouched, the line in it->raw), INPUT_PEEK
 * (likewise, only when r->peek is set), INPUT_BAD with
 * it->why set, INPUT_EOF, or -1 on an I/O error or a broken CSV header
 * (err filled). */
int input_next(input_source *r, jv *out, input_item *it, armms_err *err);
/* CSV: the header's column names (borrowed; valid after the first input_next). */
jv input_header_peek(input_source *r);
/* CSV: the header row as read, or NULL before it is read (borrowed). */
const char *input_header_text(const input_source *r);

/* Parse one CSV record (the input of a CSV Reject) under its header row,
 * as input_next would have: INPUT_OK with *out, or INPUT_BAD with rj
 * filled (also when the text is not exactly one record under a good
 * header). */
int input_csv_record(const char *header, size_t hlen, const char *record, size_t rlen, jv *out,
                     rejection *rj);

#endif
