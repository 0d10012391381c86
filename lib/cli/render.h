/*
 * render.h - records shown three ways: an aligned table on a terminal,
 * NDJSON (the records as they are, the project's rule when stdout is not a
 * terminal) or CSV. Every view of payroll (paysheets, obligations, run
 * totals; payslips and reports next) describes its columns in a static
 * table of render_col and hands the records over; nothing here knows a
 * record kind.
 *
 * A column: a title (the table's header), a dotted field path into each
 * record ("period.id", "minutes.regular"), a type, width hints and flags.
 * How each type reads:
 *   type          table            csv            ndjson
 *   TEXT, DATE    as is            as is          as stored
 *   MONEY         "1,250.00"       "1250.00"      integer centavos
 *   MINUTES       "155:21"         "155:21"       integer minutes
 *   INT           "1,042"          "1042"         integer
 *   BP            "130%" "137.5%"  "130%"         integer basis points
 *   MASKED        "****6789"       "****6789"     "****6789"
 *
 * Invariants:
 *  1. No personal data leaves unmasked. A MASKED column shows only the last
 *     4 characters ("****" for a value of 4 or fewer). A field named
 *     bank_account, tin, sss_no, philhealth_no or hdmf_no is masked
 *     whatever its column's type, and wherever it sits in an NDJSON record
 *     (render_ndjson masks the whole tree before writing).
 *  2. Money is integer centavos in and out; no floating point touches an
 *     amount. A value of the wrong JSON type is shown as its JSON text,
 *     never as a number it is not.
 *  3. Table widths are display columns, not bytes: UTF-8 is decoded,
 *     combining marks take no column, East Asian wide characters two.
 *     Control characters in a cell become '?', so a record cannot break
 *     the table's lines. Lines carry no trailing blanks.
 *  4. CSV fields are quoted by libcsv's writer (csv_fwrite) whenever they
 *     hold a comma, a quote, a line break or edge blanks; other fields go
 *     plain, like the project's CSV input. Lines end in "\n".
 *  5. A totals row or footer appears in the table alone: CSV and NDJSON
 *     carry data rows only, for a program to add up itself.
 *  6. Spreadsheets read what they are given: a CSV or XLSX text cell that
 *     a spreadsheet would take for a formula goes through out_cell_text
 *     (out/cell.h); dates are ISO text in CSV (which spreadsheets read as
 *     dates) and date cells in XLSX; in XLSX money is a number formatted
 *     #,##0.00, minutes a duration [h]:mm, basis points a percentage. An
 *     XLSX workbook (libxlsxwriter) is written whole to the output, one
 *     sheet per table (render_book).
 *
 * Memory: the jv rule (core/ndjson.h): records passed in are consumed;
 * _peek functions only look.
 *
 * Uses out (cell), core (util, ndjson), libcsv and libxlsxwriter; prints
 * (the CLI layer).
 */
#ifndef ARMMS_CLI_RENDER_H
#define ARMMS_CLI_RENDER_H

#include <jv.h>
#include <stdio.h>

#include "core/util.h"

typedef enum render_format { RENDER_TABLE, RENDER_NDJSON, RENDER_CSV, RENDER_XLSX } render_format;

/* "table", "ndjson", "csv" or "xlsx" as its format; -1 for anything else. */
int render_format_parse(const char *name);
/* The format for out when the user named none: table on a terminal,
 * NDJSON otherwise. */
render_format render_format_default(FILE *out);
/* name parsed (a tool has checked it with render_format_parse), or
 * render_format_default(stdout) when name is NULL or unknown. */
render_format render_format_pick(const char *name);
const char *render_format_name(render_format f);

typedef enum render_type {
    RENDER_TEXT,
    RENDER_MONEY,   /* centavos */
    RENDER_MINUTES, /* minutes, shown h:mm */
    RENDER_INT,
    RENDER_BP,   /* basis points, shown as a percentage */
    RENDER_DATE, /* ISO text */
    RENDER_MASKED,
} render_type;

enum {
    RENDER_SUM = 1 << 0,        /* summed in the table's totals row */
    RENDER_RIGHT = 1 << 1,      /* right-aligned even as text */
    RENDER_TABLE_ONLY = 1 << 2, /* not a CSV column */
    RENDER_CSV_ONLY = 1 << 3,   /* not a table column */
    RENDER_GROUP = 1 << 4,      /* table: blank while the row's GROUP cells
                                   repeat the row above's (an obligation
                                   over its schedule rows) */
    RENDER_OPTIONAL = 1 << 5,   /* table: left out when no row has a value */
};

typedef struct render_col {
    const char *title; /* table header */
    const char *path;  /* dotted field path into the record */
    render_type type;
    int min_width;    /* table: at least this many columns */
    int max_width;    /* table: a longer cell is cut to this, ending in "…"; 0 none */
    unsigned flags;   /* RENDER_* above */
    const char *name; /* CSV header; NULL: the path with '.' as '_' */
} render_col;
/* A column table ends with an entry whose title is NULL; it has at most
 * RENDER_MAX_COLS columns (assert()ed). */
#define RENDER_MAX_COLS 64

typedef struct render_opts {
    const char *title;       /* table: a line above the table ("": a blank one) */
    const char *empty;       /* table: printed (after the title) instead of a
                                header when there are no records */
    const char *total_label; /* table: a totals row of the RENDER_SUM columns,
                                labelled in the first column without SUM */
    jv footer;               /* table: rows (an array) under a rule after the
                                records; consumed. Invalid (as in a zeroed
                                struct) or null: none */
    int no_header;           /* table: no header and no rule; render_kv's CSV:
                                no "key,value" line (a block continuing one) */
    int bom;                 /* CSV: a UTF-8 byte-order mark first (for
                                spreadsheets that want one) */
    const char *sheet;       /* XLSX: the sheet's name (NULL: "Sheet1") */
} render_opts;

/* Render records (an array of objects, consumed) under cols to out in fmt.
 * o may be NULL (a zeroed render_opts is the default); its footer is consumed. 0, or EXIT_IOERR
 * with err set when out could not be written. NDJSON writes each record through render_ndjson. */
int render_records(FILE *out, render_format fmt, const render_col *cols, jv records,
                   const render_opts *o, armms_err *err);

/* A key/value block of one record (consumed): the table has the fields'
 * titles and values in two columns, no header; CSV has "key,value" rows,
 * the key being each field's path; NDJSON the record itself. A field whose
 * path is absent from the record is left out; a field whose path is NULL
 * is a blank line between groups of the table. */
int render_kv(FILE *out, render_format fmt, const render_col *fields, jv record,
              const render_opts *o, armms_err *err);

/* A workbook of several tables, written whole to out by render_book_end
 * (XLSX): render_records and render_kv in RENDER_XLSX make a book of one
 * sheet. Sheet names are cut to the 31 characters XLSX allows. */
typedef struct render_book render_book;
render_book *render_book_new(armms_err *err);
/* One sheet of records (consumed) under cols; titled by o->title (may be
 * NULL) in its first row. */
int render_book_sheet(render_book *bk, const char *name, const render_col *cols, jv records,
                      const render_opts *o, armms_err *err);
/* One sheet of key/value rows of record (consumed), as render_kv's CSV. */
int render_book_kv(render_book *bk, const char *name, const render_col *fields, jv record,
                   armms_err *err);
/* Write the workbook to out and free it (also on error). */
int render_book_end(render_book *bk, FILE *out, armms_err *err);

/* Write one record (consumed) compactly with a newline, the personal
 * fields of invariant 1 masked wherever they are. */
int render_ndjson(FILE *out, jv record, armms_err *err);

/* v (consumed) with the personal fields of invariant 1 masked wherever
 * they are; *found (when not NULL) is how many values were masked. */
jv render_masked(jv v, int *found);

/* Append v (looked at) as a cell of type in fmt (table or csv) to b. A
 * null or absent value appends nothing. */
void render_cell_peek(strbuf *b, render_type type, render_format fmt, jv v);
/* The value at a dotted path of rec (looked at; lent, like every _peek
 * result), or jv_invalid() when a step is missing. */
jv render_get_peek(jv rec, const char *path);

/* The formatters behind the cells, for views composing text. */
void render_money(strbuf *b, long long centavos, int grouped); /* "-1,250.00" / "-1250.00" */
void render_minutes(strbuf *b, long long minutes);             /* "155:21", "-0:39" */
void render_bp(strbuf *b, long long bp);                       /* "130%", "137.5%" */
void render_int(strbuf *b, long long n, int grouped);          /* "1,042" / "1042" */
void render_mask(strbuf *b, const char *s); /* "****6789", an address "j***@example.com" */
/* Display columns of n bytes of UTF-8 text. */
size_t render_width(const char *s, size_t n);

#endif
