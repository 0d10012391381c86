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
    struct tl_ahead *ahead; /* timelog_ahead.c (NULL: none yet) */
    int ahead_off;          /* none could be started: the run reads on its own */
} tl_eng;

/* A guard's clock events in a window (?1 guard, ?2 and ?3 the window's
 * instants): clock_event_id, dedupe_key, ts, type, detachment_id. */
extern const char tl_sql_events[];
/* A new punch at the end of e->p, zeroed but for shift -1. */
punch *tl_new_punch(tl_eng *e);
/* timelog_ahead.c: 1 when e->p has been given the clock events of the
 * guard the flush recomputes (touch r->cur, which must be g, d0, d1),
 * read ahead by a thread; 0 when the caller reads them itself. */
int tl_ahead_take(tk_run *r, const ro_guard *g, day_t d0, day_t d1);
/* The flush has ended: its touches are no longer the thread's to read. */
void tl_ahead_end(tk_run *r);
/* The run ends: the thread's connection too. */
void tl_ahead_stop(struct tl_ahead *a);

/* One time_log row as ROW_COLS selects it, from st. */
void tl_read_row(sqlite3_stmt *st, tl_row *w);
/* The TimeLog record of w (was: the row before, or NULL) into b. */
void tl_row_json(tk_run *r, strbuf *b, const char *guard, const tl_row *w, const tl_row *was);

#endif
