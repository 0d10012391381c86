/*
 * armms-ingest - record clock events from device exports. Rules live in
 * lib/tk/; this is options, a loop over inputs and the summary.
 */
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "core/input.h"
#include "iam/rbac.h"
#include "tk/ingest.h"

static const char usage[] =
    "usage: armms-ingest [-t TENANT] [--format ndjson|csv|zk|zk-push] [--device ID]\n"
    "                    [--tz ZONE] [--map FILTER] [--rejects FILE] [FILE...]\n"
    "       armms-ingest [-t TENANT] --held\n"
    "\n"
    "Validate clock events, drop replays, append the new ones to the tenant's\n"
    "clock events and journal them. Accepted events (with their clock_event_id)\n"
    "go to standard output; a summary and any Reject records go to standard error.\n"
    "A punch for a guard or detachment not in HR data is held, and recorded by\n"
    "the first run after HR data has it; events a crashed run committed but never\n"
    "wrote are written first.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --format FMT      ndjson (default; a FILE ending in .csv is csv), csv\n"
    "                        (header row), zk (ZKTeco USB\n"
    "                        1_attlog.dat: PIN, time, device, state, ...), or zk-push\n"
    "                        (the push protocol's ATTLOG: PIN, time, state, ...)\n"
    "      --device ID       device id for records without one (required for zk-push;\n"
    "                        with zk it replaces the log's machine number)\n"
    "      --tz ZONE         zone of the device clock for zk formats (default: the\n"
    "                        tenant's zone)\n"
    "      --map FILTER      a jq program run on each input record first; it may\n"
    "                        emit zero or more ClockEvent objects (a record it makes\n"
    "                        none of is MAP_EMPTY; no input at all exits 66)\n"
    "      --max-future H    reject events over H hours ahead of now (default 24)\n"
    "      --batch N         events per transaction (default 200000)\n"
    "      --held            list the held punches (HeldPunch records) and exit\n" CLI_COMMON_HELP;

enum { OPT_FORMAT = OPT_TOOL_BASE, OPT_DEVICE, OPT_TZ, OPT_MAP, OPT_MAX_FUTURE, OPT_BATCH };
enum { OPT_HELD = OPT_BATCH + 1 };

/* After each batch, on a terminal (cli/progress.h): the counts so far. */
static void show_progress(const ingest_counts *n, void *ctx)
{
    if (progress_due(ctx))
        cli_progress_show("%ld read, %ld accepted, %ld duplicates, %ld rejected", n->read,
                          n->accepted, n->duplicates, n->rejected);
}

struct run {
    ingest_t *in;
    int fmt, fmt_given;
    armms_err *err;
};

static int ingest_input(int fd, const char *name, int csv_name, void *ctx)
{
    struct run *r = ctx;
    return ingest_fd(r->in, fd, name, csv_name && !r->fmt_given ? INGEST_CSV : r->fmt, r->err);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"format", required_argument, NULL, OPT_FORMAT},
        {"device", required_argument, NULL, OPT_DEVICE},
        {"tz", required_argument, NULL, OPT_TZ},
        {"map", required_argument, NULL, OPT_MAP},
        {"max-future", required_argument, NULL, OPT_MAX_FUTURE},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"held", no_argument, NULL, OPT_HELD},
        {0, 0, 0, 0}};
    cli_t c;
    ingest_opts o = {.max_future_s = 24 * 3600, .batch = 200000};
    int fmt = INGEST_NDJSON, fmt_given = 0, opt, held = 0;
    cli_init(&c, "armms-ingest", usage);
    argv[0] = (char *)armms_prog; /* getopt names the tool, not its path */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_FORMAT:
            fmt_given = 1;
            fmt = -1;
            for (int i = 0; i < INGEST_NFORMATS; i++)
                if (!strcmp(optarg, ingest_format_names[i]))
                    fmt = i;
            if (fmt < 0)
                cli_usage_error(&c, "unknown format '%s' (ndjson, csv, zk or zk-push)", optarg);
            break;
        case OPT_DEVICE:
            o.device = optarg;
            break;
        case OPT_TZ:
            o.zone = optarg;
            break;
        case OPT_MAP:
            o.map = optarg;
            break;
        case OPT_MAX_FUTURE:
            o.max_future_s = cli_long(&c, "--max-future", optarg, 0, 876000) * 3600;
            break;
        case OPT_BATCH:
            o.batch = cli_long(&c, "--batch", optarg, 1, 10000000);
            break;
        case OPT_HELD:
            held = 1;
            break;
        }
    }
    if (held && optind < argc)
        cli_usage_error(&c, "--held reads no input");
    if (fmt == INGEST_ZK_PUSH && !o.device)
        cli_usage_error(&c, "--format zk-push needs --device (the push log names no device)");

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    ingest_t *in = NULL;
    cli_tenant(&c, &t);
    cli_authorize(&t, "clock.ingest");
    rbac_t who;
    if (rbac_load(&who, &t, &err))
        armms_die_err(&err);
    cli_rejects(&c, &rej);
    progress *shown = cli_progress(&c, stdout);
    if (shown) {
        o.progress = show_progress;
        o.progress_ctx = shown;
    }
    if (ingest_open(&in, &t, &o, stdout, &rej, &err))
        armms_die_err(&err);
    if (held) {
        long nheld = 0;
        int rc = ingest_held_report(in, stdout, &nheld, &err);
        ingest_close(in, &err);
        rbac_free(&who);
        return cli_end(&c, 0, rc ? &err : NULL, "%ld held", nheld);
    }
    int missing = 0;
    struct run r = {in, fmt, fmt_given, &err};
    /* What an earlier run committed but never wrote, then what HR data now
     * lets go, then the input. */
    int rc = ingest_replay_unsent(in, &err) || ingest_release(in, &err) ? err.code : 0;
    if (rbac_limited(&who))
        ingest_limit(in, &who);
    if (!rc)
        rc = cli_each_input(argc - optind, argv + optind, ingest_input, &r, &missing);
    if (!rc)
        rc = ingest_flush(in, &err);
    ingest_counts n = *ingest_counts_of(in);
    if (!rc && n.refused) {
        strbuf at;
        sb_init(&at);
        rbac_dets(&who, &at);
        rc = err_set(&err, EXIT_NOPERM,
                     "user '%s' of tenant %s may clock.ingest only at %s: not at %s (%ld records "
                     "refused)",
                     who.user, t.id, at.s, ingest_refused(in), n.refused);
        sb_free(&at);
    }
    rbac_free(&who);
    ingest_close(in, &err);
    /* A newly held punch is 65 like a Reject: someone must add the guard or
     * detachment to HR data before it can be paid. */
    int code = missing ? EXIT_NOINPUT : n.rejected || n.held ? EXIT_DATAERR : 0;
    /* A map that lands nothing is a mistake to say, not a quiet success:
     * no input at all (the program before the pipe wrote none) is 66, input
     * the map made nothing of is 65. */
    if (o.map && !rc && n.read == 0) {
        armms_warn("--map read no input records: nothing was ingested (did the command "
                   "before the pipe write any?)");
        code = code ? code : EXIT_NOINPUT;
    } else if (o.map && !rc && n.mapped == 0) {
        armms_warn("--map made no clock event of the %ld records read: try the program on one "
                   "of them with jq",
                   n.read);
        code = EXIT_DATAERR;
    }
    char more[96] = "";
    if (n.held)
        snprintf(more, sizeof more, ", %ld held", n.held);
    if (n.released)
        snprintf(more + strlen(more), sizeof more - strlen(more), ", %ld released", n.released);
    if (n.replayed)
        snprintf(more + strlen(more), sizeof more - strlen(more), ", %ld replayed", n.replayed);
    return cli_end(&c, code, rc ? &err : NULL,
                   "%ld read, %ld accepted, %ld duplicates, %ld rejected%s", n.read, n.accepted,
                   n.duplicates, n.rejected, more);
}
