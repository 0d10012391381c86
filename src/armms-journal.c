/*
 * armms-journal - read, verify, heal and seal the tenant's event journal.
 */
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/audit.h"
#include "cli/cli.h"
#include "store/journal.h"
#include "store/store.h"

static const char usage[] =
    "usage: armms-journal [-t TENANT] verify\n"
    "       armms-journal [-t TENANT] sync\n"
    "       armms-journal [-t TENANT] cat [--since SEQ] [--type TYPE] [--aggregate ID]\n"
    "                                     [--consumer NAME]\n"
    "       armms-journal [-t TENANT] history ID\n"
    "       armms-journal [-t TENANT] seal\n"
    "\n"
    "  verify     walk the SHA-256 chain from seq 1; exit 65 at the first bad line\n"
    "  sync       journal any committed change a crashed run left in an outbox\n"
    "  cat        print events (NDJSON) in seq order, optionally filtered;\n"
    "             --consumer NAME prints only events after NAME's cursor and moves\n"
    "             the cursor once they are written (at-least-once delivery)\n"
    "  history    the audit trail of one record (a guard, a timesheet id, a\n"
    "             change request...): who changed it, when, before and after\n"
    "  seal       gzip every closed segment\n"
    "\n"
    "  -t, --tenant ID   the tenant (or ARMMS_TENANT)\n"
    "      --as USER     act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECS   wait this long for a busy journal (default 30)\n"
    "  -q, --quiet       no summary on stderr\n"
    "  -h, --help        this text\n"
    "      --version     print the version\n";

enum { OPT_SINCE = OPT_TOOL_BASE, OPT_TYPE, OPT_AGGREGATE, OPT_CONSUMER };

typedef struct cat_ctx {
    long long since, last;
    const char *type, *aggregate;
    long printed;
} cat_ctx;

static int cat_cb(const char *line, size_t len, void *vctx)
{
    cat_ctx *c = vctx;
    long long seq = 0;
    if (sscanf(line, "{\"seq\":%lld,", &seq) != 1 || seq <= c->since)
        return 0;
    if (c->type || c->aggregate) {
        jv v = jv_parse_sized(line, (int)len);
        int keep = jv_get_kind(v) == JV_KIND_OBJECT;
        if (keep && c->type) {
            jv t = jv_object_get(jv_copy(v), jv_string("event_type"));
            keep = jv_get_kind(t) == JV_KIND_STRING && !strcmp(jv_string_value(t), c->type);
            jv_free(t);
        }
        if (keep && c->aggregate) {
            jv a = jv_object_get(jv_copy(v), jv_string("aggregate_id"));
            keep = jv_get_kind(a) == JV_KIND_STRING && !strcmp(jv_string_value(a), c->aggregate);
            jv_free(a);
        }
        jv_free(v);
        if (!keep) {
            c->last = seq;
            return 0;
        }
    }
    fwrite(line, 1, len, stdout);
    putchar('\n');
    c->printed++;
    c->last = seq;
    return ferror(stdout) ? 2 : 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"since", required_argument, NULL, OPT_SINCE},
                                             {"type", required_argument, NULL, OPT_TYPE},
                                             {"aggregate", required_argument, NULL, OPT_AGGREGATE},
                                             {"consumer", required_argument, NULL, OPT_CONSUMER},
                                             {0, 0, 0, 0}};
    cli_t c;
    cat_ctx cc = {0};
    const char *consumer = NULL;
    int opt;
    cli_init(&c, "armms-journal", usage);
    argv[0] = (char *)armms_prog; /* getopt names the tool, not its path */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_SINCE:
            cc.since = cli_long(&c, "--since", optarg, 0, 0x7fffffffffffffffL);
            break;
        case OPT_TYPE:
            cc.type = optarg;
            break;
        case OPT_AGGREGATE:
            cc.aggregate = optarg;
            break;
        case OPT_CONSUMER:
            if (!journal_consumer_valid(optarg))
                cli_usage_error(&c, "invalid consumer name '%s' ([a-z0-9_-]{1,64})", optarg);
            consumer = optarg;
            break;
        }
    }
    if (optind >= argc)
        cli_usage_error(&c, "missing command (verify, sync, cat, history or seal)");
    const char *cmd = argv[optind], *id = NULL;
    if (!strcmp(cmd, "history")) {
        if (optind + 1 >= argc)
            cli_usage_error(&c, "history needs the id of a record");
        id = argv[++optind];
    }
    if (optind + 1 < argc)
        cli_usage_error(&c, "unexpected argument '%s'", argv[optind + 1]);
    tenant_t t;
    armms_err err = {0};
    cli_tenant(&c, &t);
    /* sealing rewrites files; everything else reads (sync only journals
     * what was already committed) */
    cli_authorize(&t, !strcmp(cmd, "seal") ? "tenant.admin" : "journal.read");
    int rc = 0;
    if (!strcmp(cmd, "verify")) {
        journal_report rep;
        if (journal_verify(&t, &rep, &err))
            armms_die_err(&err);
        if (rep.problem[0]) {
            armms_warn("tenant %s: journal broken: %s (%lld events verified before it)", t.id,
                       rep.problem, rep.events);
            rc = EXIT_DATAERR;
        } else if (!c.quiet) {
            armms_warn("tenant %s: %lld events, chain intact", t.id, rep.events);
        }
    } else if (!strcmp(cmd, "sync")) {
        long long before, after;
        static const char *const modules[] = {"hr", "tk", "pay", "iam"};
        if (journal_last_seq(&t, &before, &err))
            armms_die_err(&err);
        for (int i = 0; i < 4; i++) {
            store_t s;
            if (store_open(&s, &t, modules[i], 0, &err)) /* opening heals */
                armms_die_err(&err);
            store_close(&s);
        }
        if (journal_last_seq(&t, &after, &err))
            armms_die_err(&err);
        if (!c.quiet)
            armms_warn("tenant %s: %lld events appended, journal at seq %lld", t.id,
                       after - before, after);
    } else if (!strcmp(cmd, "cat")) {
        if (consumer)
            if (journal_cursor_get(&t, consumer, &cc.since, &err))
                armms_die_err(&err);
        long long start = cc.since;
        rc = journal_each(&t, cat_cb, &cc, &err);
        int out_failed = cli_finish(0) != 0; /* says why when it fails */
        if (rc == 2 || out_failed) {
            /* Not delivered, so the cursor stays where it was. */
            tenant_free(&t);
            return EXIT_IOERR; /* cli_finish said why */
        }
        if (rc)
            armms_die_err(&err);
        if (consumer && cc.last > start && journal_cursor_set(&t, consumer, cc.last, &err))
            armms_die_err(&err);
    } else if (!strcmp(cmd, "history")) {
        long n;
        if (audit_history(&t, id, stdout, &n, &err))
            armms_die_err(&err);
        if (!c.quiet)
            armms_warn("tenant %s: %ld changes to %s", t.id, n, id);
    } else if (!strcmp(cmd, "seal")) {
        int sealed;
        if (journal_seal(&t, &sealed, &err))
            armms_die_err(&err);
        if (!c.quiet)
            armms_warn("tenant %s: %d segments sealed", t.id, sealed);
    } else {
        cli_usage_error(&c, "unknown command '%s' (verify, sync, cat, history or seal)", cmd);
    }
    tenant_free(&t);
    return cli_finish(rc);
}
