/*
 * render_int.h - what render.c (tables, CSV, NDJSON) shares with
 * render_book.c (XLSX), private to the two.
 */
#ifndef ARMMS_RENDER_INT_H
#define ARMMS_RENDER_INT_H

#include <stdio.h>

#include "cli/render.h"
#include "core/util.h"

/* sb_init, and the buffer is "" at once. */
void render_sb_start(strbuf *b);
/* A column path that holds personal data (masked wherever it is shown). */
int render_is_personal(const char *path);
/* v is a number without a fraction: *n set, 1. */
int render_whole(jv v, long long *n);
/* Columns of type t are numbers (right-aligned, summed). */
int render_numeric(render_type t);
/* The text of column c of rec in format fmt (malloc'd). */
char *render_cell_text(const render_col *c, render_format fmt, jv rec);
/* EXIT_IOERR when out has failed. */
int render_out_status(FILE *out, armms_err *err);
/* Column c is shown in format fmt. */
int render_shown(const render_col *c, render_format fmt);

#endif
