/*
 * scope.c - see scope.h.
 */
#include "cli/scope.h"

#include <string.h>
#include <unistd.h>

#include "core/input.h"
#include "tk/stale.h"

int tk_scope_opt(tk_scope *s, int opt, const char *arg)
{
    switch (opt) {
    case OPT_PERIOD:
        s->period = arg;
        return 1;
    case OPT_FROM:
        s->from_s = arg;
        return 1;
    case OPT_TO:
        s->to_s = arg;
        return 1;
    case OPT_GUARD:
        s->guard = arg;
        return 1;
    case OPT_REPROCESS:
        s->reprocess = 1;
        return 1;
    }
    return 0;
}

void tk_scope_check(const cli_t *c, tk_scope *s)
{
    if (s->period && (s->from_s || s->to_s))
        cli_usage_error(c, "give --period or --from/--to, not both");
    if (s->period) {
        if (period_parse(s->period, &s->from, &s->to))
            cli_usage_error(c, "--period '%s' is not YYYY-MM-A or YYYY-MM-B", s->period);
        s->has = 1;
    } else if (s->from_s || s->to_s) {
        if (!s->from_s || !s->to_s)
            cli_usage_error(c, "--from and --to go together");
        if (date_parse(s->from_s, &s->from) || date_parse(s->to_s, &s->to))
            cli_usage_error(c, "--from and --to take dates (YYYY-MM-DD)");
        if (s->to < s->from)
            cli_usage_error(c, "--to %s is before --from %s", s->to_s, s->from_s);
        if (s->to - s->from > 366)
            cli_usage_error(c, "a scope is at most a year; run one per period");
        s->has = 1;
    }
    if (s->guard && !s->has)
        cli_usage_error(c, "--guard needs --period or --from/--to");
    if (s->reprocess && !s->has)
        cli_usage_error(c, "--reprocess needs --period or --from/--to");
}

/* Input quiet this long flushes what has been read (stream mode only). */
enum { TK_IDLE_MS = 100 };

struct input {
    tk_run *r;
    const tk_scope *s;
    armms_err *err;
};

static int read_input(int fd, const char *name, int csv_name, void *ctx)
{
    struct input *in = ctx;
    tk_run *r = in->r;
    input_source rs;
    if (input_open(&rs, fd, name, INPUT_NDJSON, in->err))
        return in->err->code;
    rs.keep = r->stage->in_fields; /* all a stage looks at in a record (stage.h) */
    /* a record's kept members as C strings, no jv, for the lines
     * ndjson_parse_peek takes (nearly all: the stages' own output) */
    ndjson_member kept[32];
    rs.peek = kept;
    rs.peek_max = (int)(sizeof kept / sizeof *kept);
    /* A select run recomputes its scope once, after its input has ended;
     * a stream run flushes whenever its input goes quiet. */
    if (!in->s->has) {
        rs.lr.idle = tk_run_idle;
        rs.lr.idle_ctx = r;
        rs.lr.idle_ms = TK_IDLE_MS;
    }
    int rc = 0, st;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, in->err)) != INPUT_EOF) {
        if (r->flush_err.code) {
            *in->err = r->flush_err;
            rc = in->err->code;
        } else if (st < 0) {
            rc = in->err->code;
        } else if (st == INPUT_BAD) {
            tk_run_reject(r, &it.why, name, it.line, it.raw, it.raw_len);
        } else if (st == INPUT_PEEK) {
            tk_rec view = {jv_invalid(), kept, rs.peek_n};
            rc = tk_run_record(r, &view, name, it.line, it.raw, it.raw_len, in->err);
        } else {
            tk_rec view = tk_rec_of(rec);
            rc = tk_run_record(r, &view, name, it.line, it.raw, it.raw_len, in->err);
            jv_free(rec);
        }
        /* a stream that does not pause flushes every chunk of touches;
         * a select run drains its input whole before it recomputes */
        if (!rc && !in->s->has && tk_run_full(r))
            rc = tk_run_flush(r, in->err);
    }
    input_close(&rs);
    (void)csv_name;
    return rc;
}

int tk_cli_run(tk_run *r, const tk_scope *s, int nfiles, char **files, int *missing,
               armms_err *err)
{
    struct input in = {r, s, err};
    *missing = 0;
    tk_run_async(r); /* into a pipe: the next stage reads while this one goes on */
    r->changed_only = s->reprocess;
    int rc = 0;
    /* No progress while the input is read: what a stream's quiet spells
     * flush is small, and in a pipe the stage before draws its own line. */
    progress *shown = r->progress;
    r->progress = NULL;
    if (nfiles || cli_stdin_wanted(s->has))
        rc = cli_each_input(nfiles, files, read_input, &in, missing);
    r->progress = shown;
    if (!rc && r->flush_err.code) {
        *err = r->flush_err;
        rc = err->code;
    }
    if (!rc && s->has)
        rc = tk_run_select(r, s->guard, s->from, s->to, err);
    /* Without a scope, what changes left stale (tk/stale.h) comes due too:
     * master data changes are read from the journal only by a run that
     * read no records (cron's), so a stream stays fast. */
    long long clock = -1;
    if (!rc && !s->has && !r->n.read) {
        r->changed_only = 1; /* nothing named a record: write what changed */
        rc = tk_stale_pull(r, 1, err);
        /* the clock cursor is the tenant's: a run limited to some
         * detachments (rbac.h) would move it past the others' events */
        if (!rc && !rbac_limited(r->who))
            rc = tk_stale_clock(r, &clock, err);
    }
    if (!rc && !s->has)
        rc = tk_stale_touch(r, err);
    if (!rc)
        rc = tk_run_flush(r, err);
    if (!rc) /* the records out before the clock cursor moves past them */
        rc = tk_run_drain(r, err);
    if (!rc)
        rc = tk_stale_clock_done(r, clock, err);
    if (!rc)
        rc = tk_run_refusals(r, "timekeeping.run", err);
    return rc;
}

int tk_cli_code(const tk_run *r, int missing)
{
    return missing ? EXIT_NOINPUT : r->n.rejected ? EXIT_DATAERR : 0;
}

const char *tk_cli_summary(const tk_run *r, const char *what, char *buf, size_t n)
{
    snprintf(buf, n, "%ld read, %ld rejected, %ld %s recomputed, %ld changed", r->n.read,
             r->n.rejected, r->n.recomputed, what, r->n.changed);
    return buf;
}
