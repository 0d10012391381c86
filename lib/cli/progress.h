/*
 * progress.h - the progress line of a long run on a terminal:
 * "armms-timelog: 41,200 / 100,000 guards", drawn again in place on
 * standard error as the run goes (core/progress.h rates it).
 *
 * Invariants:
 *  1. The line is shown only when standard error is a terminal, -q was not
 *     given, and the stream the tool writes its records to is not that
 *     same terminal (the records would cut the line, and show how far the
 *     run is themselves). Anywhere else - a file, a pipe, cron - nothing is
 *     written and no clock is read: cli_progress returns NULL.
 *  2. It never shares a line with anything else: every line the CLI layer
 *     writes on standard error (the summary, warnings, fatal messages,
 *     Rejects) erases it first ("\r", then clear to the end of the line),
 *     and cli_end erases it before the summary, so a run leaves no trace
 *     of it.
 *  3. Standard output is the same with or without it.
 *
 * ARMMS_PROGRESS_MS: how often the line is drawn again, in milliseconds
 * (default 250, and the first time only after as long; 0 draws it for
 * every item, for tests).
 *
 * Uses core/progress.h and cli.h; prints.
 */
#ifndef ARMMS_CLI_PROGRESS_H
#define ARMMS_CLI_PROGRESS_H

#include "cli/cli.h"
#include "core/progress.h"

enum { CLI_PROGRESS_MS = 250 };

/* The tool's progress line, to hand to the library's long loops (each
 * names what it counts); NULL when it is not shown (invariant 1). out is
 * where this run writes its records (stdout, a file), NULL when it writes
 * none while the line may be up (armms-import, payslips to a directory). */
progress *cli_progress(const cli_t *c, FILE *out);
/* Draw a line of the tool's own making (ingest's counts) in its place;
 * only for a tool cli_progress gave a line to. */
void cli_progress_show(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Erase the line if it is shown (invariant 2). */
void cli_progress_clear(void);
/* Whether it is shown, for a writer that may not use stdio (a fatal
 * failure's). */
int cli_progress_shown(void);

#endif
