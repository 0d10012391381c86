/*
 * timelog_int.h - what timelog.c (pairing and the recompute) shares with
 * timelog_adjust.c (a timekeeper's corrections and held punches),
 * private to the two.
 */
#ifndef ARMMS_TIMELOG_INT_H
#define ARMMS_TIMELOG_INT_H

#include <sqlite3.h>

#include "core/clock.h"
#include "core/util.h"
#include "tk/stage.h"

typedef struct tl_row {
    char id[65], source[12], ts[24], type[4], det[65], shift[65], shift_date[11], work_date[11],
        status[10], anomalies[96], dev_det[65], relieves[65], adj[65];
    int open;
} tl_row;

typedef struct punch {
    char id[65], key[256];
    int source_adj;
    instant_t ts;
    int is_in;
    char dev_det[65];
    int forced, f_shift; /* an add placed on an instance, or a move */
    day_t f_date;
    char f_det[65];
    int voided;
    char adj[65]; /* the adjustment that voided or moved it, or that added it */
    /* result */
    int shift; /* -1: no instance */
    day_t date, work_date;
    char det[65], relieves[65];
    int status;
    char anomalies[96];
} punch;

typedef struct tl_eng {
    sqlite3_stmt *q_events, *q_adds, *q_over, *q_rows, *up, *q_known, *q_log, *ins_adj;
    punch *p;
    int np, cap;
    tl_row *rows;
    int nrows, caprows;
} tl_eng;

/* One time_log row as ROW_COLS selects it, from st. */
void tl_read_row(sqlite3_stmt *st, tl_row *w);
/* The TimeLog record of w (was: the row before, or NULL) into b. */
void tl_row_json(tk_run *r, strbuf *b, const char *guard, const tl_row *w, const tl_row *was);

#endif
