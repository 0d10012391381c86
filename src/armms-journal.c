/*
 * armms-journal - read, verify, heal and seal the tenant's event journal.
 */
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/audit.h"
#include "store/digest.h"
#include "store/journal.h"
#include "store/store.h"

enum { OPT_SINCE = OPT_TOOL_BASE, OPT_TYPE, OPT_AGGREGATE, OPT_CONSUMER, OPT_STORES };

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

typedef struct journal_run {
    cli_t c;
    cat_ctx cc;
    const char *consumer, *id;
    int stores; /* verify --stores */
    const cli_verb *verb;
    tenant_t t;
    char summary[300];
    armms_err err;
} journal_run;

static const char *const modules[] = {"hr", "tk", "pay", "iam"};

/* Each store's outbox, read before the walk (see journal_outbox_read). */
static int read_outboxes(journal_run *j, journal_outbox *o)
{
    for (int i = 0; i < 4; i++) {
        store_t s;
        if (store_open_ro(&s, &j->t, modules[i], &j->err))
            return j->err.code;
        int rc = journal_outbox_read(s.db, &o[i], &j->err);
        store_close(&s);
        if (rc)
            return rc;
    }
    return 0;
}

/* --stores: each store's audited tables against their running digests and
 * the last the journal recorded; one line per table that differs. */
static int verify_stores(journal_run *j, long *tables)
{
    strbuf problems;
    sb_init(&problems);
    if (digest_verify(&j->t, &problems, tables, &j->err)) {
        sb_free(&problems);
        return j->err.code;
    }
    int bad = problems.len > 0;
    for (char *line = problems.s, *nl; bad && line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        armms_warn("tenant %s: %s", j->t.id, line);
    }
    sb_free(&problems);
    return bad ? -EXIT_DATAERR : 0;
}

/* Exit 65 for a broken chain, lost events or (--stores) a store changed
 * without an event, 75 for a journal that is only behind its stores (sync
 * heals it), 0 when intact. */
static int run_verify(void *ctx)
{
    journal_run *j = ctx;
    journal_report rep;
    journal_outbox o[4];
    if (read_outboxes(j, o) || journal_verify(&j->t, &rep, &j->err))
        return j->err.code;
    if (rep.problem[0]) {
        armms_warn("tenant %s: journal broken: %s (%lld events verified before it)", j->t.id,
                   rep.problem, rep.events);
        return -EXIT_DATAERR;
    }
    long long behind = 0;
    strbuf which;
    sb_init(&which);
    for (int i = 0; i < 4; i++) {
        long long pending, from, to;
        journal_outbox_compare(&rep, modules[i], &o[i], &pending, &from, &to);
        if (from) {
            armms_warn("tenant %s: journal broken: it lacks %s outbox rows %lld..%lld, which "
                       "%s.db journaled and pruned (its last lines were removed) "
                       "(%lld events verified)",
                       j->t.id, modules[i], from, to, modules[i], rep.events);
            sb_free(&which);
            return -EXIT_DATAERR;
        }
        if (pending) {
            sb_addf(&which, "%s%s.db %lld", behind ? ", " : "", modules[i], pending);
            behind += pending;
        }
    }
    long tables = 0;
    int rc = j->stores ? verify_stores(j, &tables) : 0;
    if (rc) {
        sb_free(&which);
        return rc;
    }
    if (behind) {
        armms_warn("tenant %s: journal behind: %lld committed changes not yet journaled (%s); "
                   "run armms-journal sync (%lld events verified)",
                   j->t.id, behind, which.s, rep.events);
        sb_free(&which);
        return -EXIT_TEMPFAIL;
    }
    sb_free(&which);
    if (j->stores)
        snprintf(j->summary, sizeof j->summary,
                 "tenant %s: %lld events, chain intact; %ld audited tables match their digests",
                 j->t.id, rep.events, tables);
    else
        snprintf(j->summary, sizeof j->summary, "tenant %s: %lld events, chain intact", j->t.id,
                 rep.events);
    return 0;
}

static int run_sync(void *ctx)
{
    journal_run *j = ctx;
    long long before, after;
    if (journal_last_seq(&j->t, &before, &j->err))
        return j->err.code;
    for (int i = 0; i < 4; i++) {
        store_t s;
        if (store_open(&s, &j->t, modules[i], 0, &j->err)) /* opening heals */
            return j->err.code;
        store_close(&s);
    }
    if (journal_last_seq(&j->t, &after, &j->err))
        return j->err.code;
    snprintf(j->summary, sizeof j->summary, "tenant %s: %lld events appended, journal at seq %lld",
             j->t.id, after - before, after);
    return 0;
}

static int run_cat(void *ctx)
{
    journal_run *j = ctx;
    if (j->consumer && journal_cursor_get(&j->t, j->consumer, &j->cc.since, &j->err))
        return j->err.code;
    long long start = j->cc.since;
    int rc = journal_each(&j->t, cat_cb, &j->cc, &j->err);
    /* Not delivered, so the cursor stays where it was; the epilogue says
     * why. */
    if (rc == 2 || stream_close_check(stdout))
        return -EXIT_IOERR;
    if (rc)
        return rc;
    if (j->consumer && j->cc.last > start &&
        journal_cursor_set(&j->t, j->consumer, j->cc.last, &j->err))
        return j->err.code;
    return 0;
}

static int run_history(void *ctx)
{
    journal_run *j = ctx;
    long n;
    if (audit_history(&j->t, j->id, stdout, &n, &j->err))
        return j->err.code;
    snprintf(j->summary, sizeof j->summary, "tenant %s: %ld changes to %s", j->t.id, n, j->id);
    return 0;
}

static int run_seal(void *ctx)
{
    journal_run *j = ctx;
    int sealed;
    if (journal_seal(&j->t, &sealed, &j->err))
        return j->err.code;
    snprintf(j->summary, sizeof j->summary, "tenant %s: %d segments sealed", j->t.id, sealed);
    return 0;
}

/* The one list of verbs. Sealing rewrites files; everything else reads
 * (sync only journals what was already committed). */
static const cli_verb verbs[] = {
    {.name = "verify",
     .synopsis = "[--stores]",
     .help = "walk the SHA-256 chain from seq 1; exit 65 at the first bad line,\n"
             "75 when committed changes are not yet journaled (run sync);\n"
             "--stores also recomputes each store's audited tables and exits 65\n"
             "naming each table changed without an event",
     .scope = "journal.read",
     .run = run_verify},
    {.name = "sync",
     .help = "journal any committed change a crashed run left in an outbox",
     .scope = "journal.read",
     .run = run_sync},
    {.name = "cat",
     .synopsis = "[--since SEQ] [--type TYPE] [--aggregate ID] [--consumer NAME]",
     .help = "print events (NDJSON) in seq order, optionally filtered;\n"
             "--consumer NAME prints only events after NAME's cursor and moves\n"
             "the cursor once they are written (at-least-once delivery)",
     .scope = "journal.read",
     .run = run_cat},
    {.name = "history",
     .operand = "ID",
     .needs = "the id of a record",
     .help = "the audit trail of one record (a guard, a timesheet id, a\n"
             "change request...): who changed it, when, before and after",
     .scope = "journal.read",
     .run = run_history},
    {.name = "seal",
     .help = "gzip every closed segment",
     .scope = "tenant.admin",
     .run = run_seal},
    {0},
};

static const char options[] =
    "\n"
    "  -t, --tenant ID   the tenant (or ARMMS_TENANT)\n"
    "      --as USER     act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECS   wait this long for a busy journal (default 30)\n"
    "  -q, --quiet       no summary on stderr\n"
    "  -h, --help        this text\n"
    "      --version     print the version\n" CLI_EXIT_HEAD CLI_EXIT(
        " 0", "done (verify: the chain is intact)") CLI_EXIT("64", "usage")
        CLI_EXIT("65", "verify: the chain is broken, or a store changed without an event")
            CLI_EXIT("70", "internal error, a damaged journal or consumer cursor")
                CLI_EXIT("74", "I/O error: the journal, standard output, a cursor")
                    CLI_EXIT("75", "busy past --wait, or verify: changes not yet journaled (sync)")
                        CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

static void parse_options(journal_run *j, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"since", required_argument, NULL, OPT_SINCE},
                                             {"type", required_argument, NULL, OPT_TYPE},
                                             {"aggregate", required_argument, NULL, OPT_AGGREGATE},
                                             {"consumer", required_argument, NULL, OPT_CONSUMER},
                                             {"stores", no_argument, NULL, OPT_STORES},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&j->c, "armms-journal", argv, "[-t TENANT]", verbs, "\n", options);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&j->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_SINCE:
            j->cc.since = cli_long(&j->c, "--since", optarg, 0, 0x7fffffffffffffffL);
            break;
        case OPT_TYPE:
            j->cc.type = optarg;
            break;
        case OPT_AGGREGATE:
            j->cc.aggregate = optarg;
            break;
        case OPT_STORES:
            j->stores = 1;
            break;
        case OPT_CONSUMER:
            if (!journal_consumer_valid(optarg))
                cli_usage_error(&j->c, "invalid consumer name '%s' ([a-z0-9_-]{1,64})", optarg);
            j->consumer = optarg;
            break;
        }
    }
}

/* Before any tenant is read. */
static void check_verb(journal_run *j, int argc, char **argv)
{
    j->verb = cli_verb_pick(&j->c, verbs, "command", argc, argv, &j->id);
    if (j->stores && j->verb->run != run_verify)
        cli_usage_error(&j->c, "--stores is an option of verify only");
}

static void open_tenant(journal_run *j)
{
    cli_tenant(&j->c, &j->t);
    cli_authorize(&j->t, j->verb->scope);
}

/* rc: 0, an error in j->err, or minus an exit code already explained. */
static int finish(journal_run *j, int rc)
{
    if (rc < 0)
        return cli_end(&j->c, -rc, NULL, NULL);
    return cli_end(&j->c, 0, rc ? &j->err : NULL, j->summary[0] ? "%s" : NULL, j->summary);
}

int main(int argc, char **argv)
{
    static journal_run j;
    parse_options(&j, argc, argv);
    check_verb(&j, argc, argv);
    open_tenant(&j);
    return finish(&j, j.verb->run(&j));
}
