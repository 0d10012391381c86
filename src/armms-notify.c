/*
 * armms-notify - each guard's payslip by mail when a payrun closes
 * (lib/out/notify.c: notify.db, the events and the delivery; notify_mail.c
 * the message and the sendmail call). Options, the verb, the records on
 * standard output (addresses masked), the summary and the exit code.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "core/email.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "out/notify.h"

static const char usage[] =
    "usage: armms-notify [-t TENANT] [send] [-] [--from ADDR] [--subject TEMPLATE]\n"
    "                    [--once | --follow [--interval SECONDS]] [--dry-run DIR]\n"
    "                    [--attempts N] [--backoff SECONDS] [--paper a4|letter]\n"
    "       armms-notify [-t TENANT] list [--status STATUS] [--period P] [--skipped]\n"
    "       armms-notify [-t TENANT] dead [--period P]\n"
    "       armms-notify [-t TENANT] retry ID [--from ADDR]\n"
    "\n"
    "send (the default): take the PayrunClosed events of the tenant's journal past\n"
    "the consumer cursor journal/cursors/notify (or, with -, event envelopes on\n"
    "standard input, as the journal or a broker carries them), queue one message\n"
    "per guard of the closed run with an e-mail address, and hand every message\n"
    "due to the mail program: the guard's payslip PDF attached. A message that\n"
    "fails is tried again later (RETRY) and, after --attempts tries, put on the\n"
    "dead-letter list (DEAD). Nothing is ever sent twice: see armms-notify(1).\n"
    "list prints the messages (NotifyMessage records), dead the dead letters,\n"
    "retry ID sends a RETRY or DEAD message again now, to the guard's address as\n"
    "hr.db holds it now. The state is tenants/T/notify.db; no event is journaled.\n"
    "The mail program is $ARMMS_SENDMAIL (a shell command line reading the message\n"
    "on standard input, e.g. \"msmtp -t\"), else " NOTIFY_SENDMAIL ".\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --from ADDR       the From: address (or tenant.conf notify_from)\n"
    "      --subject TEMPLATE  the subject: {period} {agency} {guard} {name} are\n"
    "                        replaced (or notify_subject; the default is\n"
    "                        \"" NOTIFY_SUBJECT "\")\n"
    "      --once            one pass, for cron (the default)\n"
    "      --follow          a pass every --interval until SIGTERM or SIGINT, for a\n"
    "                        service\n"
    "      --interval SECONDS  between the passes of --follow (default 60)\n"
    "      --dry-run DIR     write each message due to DIR/PERIOD-GUARD.eml instead;\n"
    "                        change nothing (no cursor, no status)\n"
    "      --attempts N      tries before a message is DEAD (or notify_attempts;\n"
    "                        default 5)\n"
    "      --backoff SECONDS  before the first retry, doubling each time up to a\n"
    "                        day (or notify_backoff_s; default 300)\n"
    "      --paper P         a4 (the default) or letter\n"
    "      --status STATUS   list: PENDING, SENDING, SENT, RETRY or DEAD\n"
    "      --period P        list, dead: only the messages of period P\n"
    "      --skipped         list: the guards without an address too\n" CLI_COMMON_OPTIONS
        CLI_EXIT_HEAD CLI_EXIT(" 0", "done: every message due was handed over (guards without an")
            CLI_EXIT_MORE("address are counted, not an error)") CLI_EXIT("64", "usage")
                CLI_EXIT("65", "some input events were rejected (the others were taken), or")
                    CLI_EXIT_MORE("retry named a message that cannot be retried")
                        CLI_EXIT("69", "some messages were not sent: left to RETRY, or DEAD;")
                            CLI_EXIT_MORE("or the mail program cannot be run at all")
                                CLI_EXIT("70", "internal error")
                                    CLI_EXIT("73", "the --dry-run directory cannot be made")
                                        CLI_EXIT("74", "I/O error: standard output or the journal")
                                            CLI_EXIT("75",
                                                     "the tenant is busy past --wait, or another")
                                                CLI_EXIT_MORE("armms-notify is delivering")
                                                    CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum {
    OPT_FROM = OPT_TOOL_BASE,
    OPT_SUBJECT,
    OPT_ONCE,
    OPT_FOLLOW,
    OPT_INTERVAL,
    OPT_DRY,
    OPT_ATTEMPTS,
    OPT_BACKOFF,
    OPT_PAPER,
    OPT_STATUS,
    OPT_PERIOD,
    OPT_SKIPPED,
};

typedef struct notify_cli {
    cli_t c;
    const char *verb, *status, *period;
    long long id;
    int from_stdin, follow, skipped_too;
    long interval;
    notify_opts o;
    tenant_t t;
    reject_sink rej;
    armms_err err;
    notify_counts total;
    char skipped[400]; /* the guards skipped, named in the summary */
    int out_bad;
} notify_cli;

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Every record to standard output, its address masked; a failure or a
 * skipped guard also told on stderr, masked. */
static void record(jv rec, void *ctx)
{
    notify_cli *p = ctx;
    const char *kind = json_str_peek(rec, "kind", &(int){0});
    if (kind && !strcmp(kind, "NotifySkipped") && strcmp(p->verb, "list")) {
        const char *g = json_str_peek(rec, "guard_id", &(int){0});
        size_t l = strlen(p->skipped);
        if (g && l + strlen(g) + 8 < sizeof p->skipped)
            snprintf(p->skipped + l, sizeof p->skipped - l, "%s%s", l ? ", " : "", g);
        else if (g && l + 5 < sizeof p->skipped && !strstr(p->skipped, "..."))
            snprintf(p->skipped + l, sizeof p->skipped - l, ", ...");
    }
    const char *st = json_str_peek(rec, "status", &(int){0});
    if (kind && !strcmp(kind, "NotifyMessage") && st &&
        (!strcmp(st, "RETRY") || !strcmp(st, "DEAD")) && strcmp(p->verb, "list") &&
        strcmp(p->verb, "dead") && !p->c.quiet) {
        strbuf m;
        sb_init(&m);
        email_mask(&m, json_str_peek(rec, "email", &(int){0}));
        const char *next = json_str_peek(rec, "next_at", &(int){0});
        armms_warn("message %.0f (%s/%s to %s): %s%s%s: %s",
                   jv_number_value(jv_object_get(jv_copy(rec), jv_string("message_id"))),
                   json_str_peek(rec, "period", &(int){0}),
                   json_str_peek(rec, "guard_id", &(int){0}), m.s, st, next ? " at " : "",
                   next ? next : "", json_str_peek(rec, "last_error", &(int){0}));
        sb_free(&m);
    }
    armms_err e = {0};
    if (render_ndjson(stdout, rec, &e))
        p->out_bad = 1;
    fflush(stdout);
}

static const char *conf(const tenant_t *t, const char *key)
{
    for (int i = 0; i < t->nconf; i++)
        if (!strcmp(t->conf[i].key, key) && t->conf[i].val[0])
            return t->conf[i].val;
    return NULL;
}

static void parse_options(notify_cli *p, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"from", required_argument, NULL, OPT_FROM},
                                             {"subject", required_argument, NULL, OPT_SUBJECT},
                                             {"once", no_argument, NULL, OPT_ONCE},
                                             {"follow", no_argument, NULL, OPT_FOLLOW},
                                             {"interval", required_argument, NULL, OPT_INTERVAL},
                                             {"dry-run", required_argument, NULL, OPT_DRY},
                                             {"attempts", required_argument, NULL, OPT_ATTEMPTS},
                                             {"backoff", required_argument, NULL, OPT_BACKOFF},
                                             {"paper", required_argument, NULL, OPT_PAPER},
                                             {"status", required_argument, NULL, OPT_STATUS},
                                             {"period", required_argument, NULL, OPT_PERIOD},
                                             {"skipped", no_argument, NULL, OPT_SKIPPED},
                                             {0, 0, 0, 0}};
    int opt, once = 0;
    cli_init(&p->c, "armms-notify", usage);
    p->c.words = "send list dead retry"; /* what --complete offers first */
    argv[0] = (char *)armms_prog;
    p->interval = 60;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&p->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_FROM:
            p->o.from = optarg;
            break;
        case OPT_SUBJECT:
            p->o.subject = optarg;
            break;
        case OPT_ONCE:
            once = 1;
            break;
        case OPT_FOLLOW:
            p->follow = 1;
            break;
        case OPT_INTERVAL:
            p->interval = cli_long(&p->c, "--interval", optarg, 1, 86400);
            break;
        case OPT_DRY:
            p->o.dry_dir = optarg;
            break;
        case OPT_ATTEMPTS:
            p->o.max_attempts = (int)cli_long(&p->c, "--attempts", optarg, 1, 100);
            break;
        case OPT_BACKOFF:
            p->o.backoff_s = (int)cli_long(&p->c, "--backoff", optarg, 1, 86400);
            break;
        case OPT_PAPER:
            if (strcmp(optarg, "a4") && strcmp(optarg, "letter"))
                cli_usage_error(&p->c, "unknown paper '%s' (a4 or letter)", optarg);
            p->o.paper = strcmp(optarg, "a4") ? SLIP_LETTER : SLIP_A4;
            break;
        case OPT_STATUS:
            if (strcmp(optarg, "PENDING") && strcmp(optarg, "SENDING") && strcmp(optarg, "SENT") &&
                strcmp(optarg, "RETRY") && strcmp(optarg, "DEAD"))
                cli_usage_error(
                    &p->c, "unknown status '%s' (PENDING, SENDING, SENT, RETRY or DEAD)", optarg);
            p->status = optarg;
            break;
        case OPT_PERIOD:
            p->period = optarg;
            break;
        case OPT_SKIPPED:
            p->skipped_too = 1;
            break;
        }
    }
    p->verb = "send";
    if (optind < argc && (!strcmp(argv[optind], "send") || !strcmp(argv[optind], "list") ||
                          !strcmp(argv[optind], "dead") || !strcmp(argv[optind], "retry")))
        p->verb = argv[optind++];
    if (!strcmp(p->verb, "retry")) {
        if (optind >= argc)
            cli_usage_error(&p->c, "retry needs ID (armms-notify dead lists them)");
        char *end;
        errno = 0;
        p->id = strtoll(argv[optind], &end, 10);
        if (errno || end == argv[optind] || *end || p->id < 1)
            cli_usage_error(&p->c, "bad message id '%s'", argv[optind]);
        optind++;
    } else if (!strcmp(p->verb, "send") && optind < argc && !strcmp(argv[optind], "-")) {
        p->from_stdin = 1;
        optind++;
    }
    if (optind < argc)
        cli_usage_error(&p->c, "unexpected argument '%s'", argv[optind]);
    int sending = !strcmp(p->verb, "send") || !strcmp(p->verb, "retry");
    if (once && p->follow)
        cli_usage_error(&p->c, "--once and --follow exclude each other");
    if ((p->follow || p->o.dry_dir || p->from_stdin) && strcmp(p->verb, "send"))
        cli_usage_error(&p->c, "--follow, --dry-run and - go with send");
    if (p->follow && p->from_stdin)
        cli_usage_error(&p->c, "--follow reads the journal, not standard input");
    if ((p->status || p->skipped_too) && strcmp(p->verb, "list"))
        cli_usage_error(&p->c, "--status and --skipped go with list");
    if (!sending && (p->o.from || p->o.subject))
        cli_usage_error(&p->c, "--from and --subject go with send and retry");
}

/* One pass: take the events, deliver what is due. */
static int pass(notify_cli *p)
{
    notify *n = NULL;
    int sending = !strcmp(p->verb, "send") || !strcmp(p->verb, "retry");
    int rc = notify_open(&n, &p->t, &p->o, sending, record, p, &p->err);
    if (!rc && !strcmp(p->verb, "list"))
        rc = notify_list(n, p->status, p->period, p->skipped_too, &p->err);
    else if (!rc && !strcmp(p->verb, "dead"))
        rc = notify_list(n, "DEAD", p->period, 0, &p->err);
    else if (!rc && !strcmp(p->verb, "retry"))
        rc = notify_retry(n, p->id, &p->err);
    else if (!rc && p->from_stdin) {
        line_reader lr;
        line_reader_init(&lr, 0, "<stdin>");
        char *line;
        size_t len;
        long lineno = 0;
        int r;
        while (!rc && (r = line_next(&lr, &line, &len)) != LINE_EOF) {
            lineno++;
            rejection rj = {0};
            if (r == LINE_IOERR) {
                rc = err_set(&p->err, EXIT_IOERR, "cannot read standard input");
                break;
            }
            long closed = notify_counts_of(n)->closed;
            int k = r == LINE_TOO_LONG ? rejection_set(&rj, "TOO_LONG", "the line is too long")
                                       : notify_take_line(n, line, len, &rj, &p->err);
            if (k == REJECTED)
                reject_emit(&p->rej, &rj, "<stdin>", lineno, line, len);
            else
                rc = k;
            /* a pipe from a subscription never ends: a close is delivered
             * as soon as it is taken */
            if (!rc && notify_counts_of(n)->closed > closed)
                rc = notify_deliver(n, 0, &p->err);
        }
        line_reader_free(&lr);
        if (!rc)
            rc = notify_deliver(n, 0, &p->err);
    } else if (!rc) {
        rc = notify_take_journal(n, &p->rej, &p->err);
        if (!rc)
            rc = notify_deliver(n, 0, &p->err);
    }
    if (n) {
        const notify_counts *k = notify_counts_of(n);
        long *dst = (long *)&p->total;
        const long *src = (const long *)k;
        for (size_t i = 0; i < sizeof *k / sizeof(long); i++)
            dst[i] += src[i];
    }
    notify_close(n);
    return rc;
}

int main(int argc, char **argv)
{
    static notify_cli p;
    parse_options(&p, argc, argv);
    cli_tenant(&p.c, &p.t);
    /* the payroll officer's read scope: the messages carry payslips, read
     * from the approved paysheets as armms-payslip reads them */
    cli_authorize(&p.t, "paysheet.read");
    cli_rejects(&p.c, &p.rej);
    if (!p.o.from)
        p.o.from = conf(&p.t, "notify_from");
    if (!p.o.subject)
        p.o.subject = conf(&p.t, "notify_subject");
    if (!p.o.subject)
        p.o.subject = NOTIFY_SUBJECT;
    long v;
    if (!p.o.max_attempts) {
        if (tenant_conf_long(&p.t, "notify_attempts", 5, 1, 100, &v, &p.err))
            return cli_end(&p.c, 0, &p.err, NULL);
        p.o.max_attempts = (int)v;
    }
    if (!p.o.backoff_s) {
        if (tenant_conf_long(&p.t, "notify_backoff_s", 300, 1, 86400, &v, &p.err))
            return cli_end(&p.c, 0, &p.err, NULL);
        p.o.backoff_s = (int)v;
    }
    const char *sm = armms_env("ARMMS_SENDMAIL");
    p.o.sendmail = sm && *sm ? sm : NOTIFY_SENDMAIL;
    int sending = !strcmp(p.verb, "send") || !strcmp(p.verb, "retry");
    if (sending) {
        const char *why;
        if (!p.o.from)
            cli_usage_error(&p.c,
                            "no From: address (--from ADDR, or notify_from= in tenant.conf)");
        if (!email_valid(p.o.from, &why))
            cli_usage_error(&p.c, "--from: not an e-mail address (%s)", why);
    }
    if (p.o.dry_dir && caller_mkdir(p.o.dry_dir, 0777) != 0 && errno != EEXIST) {
        err_set(&p.err, EXIT_CANTCREAT, "cannot make the directory %s: %s", p.o.dry_dir,
                strerror(errno));
        return cli_end(&p.c, 0, &p.err, NULL);
    }
    int rc = 0;
    if (p.follow) {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        while (!rc && !stop) {
            rc = pass(&p);
            /* a service rides out what passes by itself: another run
             * holding the store, a mail program not (yet) there */
            if (rc == EXIT_TEMPFAIL || rc == EXIT_UNAVAILABLE) {
                armms_warn("%s; trying again in %ld s", p.err.msg, p.interval);
                memset(&p.err, 0, sizeof p.err);
                rc = 0;
            }
            for (long s = 0; !rc && !stop && s < p.interval; s++)
                sleep(1);
        }
    } else {
        rc = pass(&p);
    }
    if (rc)
        return cli_end(&p.c, 0, &p.err, NULL);
    const notify_counts *k = &p.total;
    int code = k->retry || k->dead || k->interrupted ? EXIT_UNAVAILABLE
               : k->rejected                         ? EXIT_DATAERR
                                                     : 0;
    if (p.out_bad)
        code = EXIT_IOERR;
    if (!sending)
        return cli_end(&p.c, code, NULL, NULL);
    char skipped[480] = "", interrupted[160] = "";
    if (k->skipped)
        snprintf(skipped, sizeof skipped, "; %ld guard%s without an e-mail address: %s",
                 k->skipped, k->skipped == 1 ? "" : "s", p.skipped);
    if (k->interrupted)
        snprintf(interrupted, sizeof interrupted,
                 "; %ld message%s interrupted by an earlier run made DEAD (see armms-notify dead)",
                 k->interrupted, k->interrupted == 1 ? "" : "s");
    return cli_end(&p.c, code, NULL,
                   "%s%ld event%s read, %ld payrun%s closed (%ld seen before), %ld queued;"
                   " %ld %s, %ld to retry, %ld dead%s%s%s",
                   p.o.dry_dir ? "dry run: " : "", k->events, k->events == 1 ? "" : "s", k->closed,
                   k->closed == 1 ? "" : "s", k->seen, k->queued, k->sent,
                   p.o.dry_dir ? "written" : "sent", k->retry, k->dead, skipped, interrupted,
                   k->rejected ? "; some events rejected" : "");
}
