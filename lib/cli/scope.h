/*
 * scope.h - the command line the three timekeeping tools share: scope
 * options (select mode), reading upstream records (stream mode) and the
 * summary, so armms-timelog, armms-dtr and armms-timesheet stay thin.
 *
 * Input rule: records named as FILE arguments (or "-") are read; with no
 * FILE, standard input is read when it is a pipe or socket, or when no
 * scope is given and it is not a terminal. So `armms-timelog --period P |
 * armms-dtr --period P` waits for its upstream, and a select run from cron
 * (standard input a terminal, a file or /dev/null) reads nothing. A select
 * run inside a `... | while read` loop does read the loop's pipe: give it
 * </dev/null there.
 *
 * Uses the CLI layer (cli.h: usage errors, warnings, inputs), core input
 * and tk's stage driver.
 */
#ifndef ARMMS_SCOPE_H
#define ARMMS_SCOPE_H

#include "cli/cli.h"
#include "tk/stage.h"

enum { OPT_PERIOD = 1050, OPT_FROM, OPT_TO, OPT_GUARD, OPT_REPROCESS };

#define TK_SCOPE_LONGOPTS                                                                         \
    {"period", required_argument, NULL, OPT_PERIOD}, {"from", required_argument, NULL, OPT_FROM}, \
        {"to", required_argument, NULL, OPT_TO}, {"guard", required_argument, NULL, OPT_GUARD},   \
    {                                                                                             \
        "reprocess", no_argument, NULL, OPT_REPROCESS                                             \
    }

#define TK_SCOPE_HELP                                                                             \
    "      --period P        select mode: recompute pay period P (YYYY-MM-A|B)\n"                 \
    "      --from D --to D   select mode: recompute dates D..D (YYYY-MM-DD)\n"                    \
    "      --guard G         limit select mode to one guard\n"                                    \
    "      --reprocess       with a scope: rebuild it and output only what changed\n"

typedef struct tk_scope {
    const char *guard, *period;
    const char *from_s, *to_s;
    day_t from, to;
    int has; /* a scope was given */
    int reprocess;
} tk_scope;

/* 1 when opt was a scope option. */
int tk_scope_opt(tk_scope *s, int opt, const char *arg);
/* Check the scope options together; dies with 64 on misuse. */
void tk_scope_check(const cli_t *c, tk_scope *s);
/* Read the inputs (see the input rule), touch the scope, recompute. The
 * run's progress (r->progress, cli_progress's line) counts the guards
 * recomputed once the input has ended: nothing is shown while it is read. */
int tk_cli_run(tk_run *r, const tk_scope *s, int nfiles, char **files, int *missing,
               armms_err *err);
/* The exit code the counts call for: 66 when an input was missing, 65 when
 * a record was rejected, else 0 (cli_end closes the sink and may make it
 * 74). */
int tk_cli_code(const tk_run *r, int missing);
/* The summary line cli_end prints: "N read, N rejected, N WHAT recomputed,
 * N changed", in buf. */
const char *tk_cli_summary(const tk_run *r, const char *what, char *buf, size_t n);

#endif
