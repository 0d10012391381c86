/*
 * armms-journal - read, verify, heal and seal the tenant's event journal.
 */
#include <jv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/anchor.h"
#include "cli/cli.h"
#include "core/secure.h"
#include "out/archive.h"
#include "store/audit.h"
#include "store/digest.h"
#include "store/journal.h"
#include "store/store.h"

enum { OPT_SINCE = OPT_TOOL_BASE, OPT_TYPE, OPT_AGGREGATE, OPT_CONSUMER, OPT_STORES };
/* verify, seal: the upkeep options */
enum { OPT_ANCHOR = OPT_TOOL_BASE + 40, OPT_FROM_CHECKPOINT, OPT_RETAIN };

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
    /* verify --anchor (each as given), --from-checkpoint; seal --retain */
    const char **anchor_args;
    size_t nanchor_args;
    int from_checkpoint;
    int retain; /* -1: no retention */
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

/* A file named by --anchor: journal head's output, a checkpoint, a payrun
 * archive (.tar.gz: its MANIFEST's JournalHead record) or its MANIFEST. */
static int anchor_file(journal_run *j, FILE *f, const char *name, journal_anchor **a, size_t *n)
{
    strbuf b;
    sb_init(&b);
    char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&b, buf, k);
    int rc = ferror(f) ? err_set(&j->err, EXIT_IOERR, "cannot read %s", name) : 0;
    fclose(f);
    if (!rc && b.len >= 2 && (unsigned char)b.s[0] == 0x1f && (unsigned char)b.s[1] == 0x8b) {
        strbuf man;
        sb_init(&man);
        rc = out_archive_manifest(b.s, b.len, &man, &j->err);
        if (rc)
            err_wrap(&j->err, "--anchor %s", name);
        sb_free(&b);
        b = man;
    }
    int added = rc ? -1 : journal_anchors_ndjson(b.s, b.len, name, a, n, &j->err);
    sb_free(&b);
    if (added == 0)
        rc = err_set(&j->err, EXIT_DATAERR, "--anchor %s holds no anchor (a seq and a hash)", name);
    else if (added < 0 && !rc)
        rc = j->err.code;
    return rc;
}

/* Every --anchor: a nats:// URL, a file, or a hash ("sha256:HEX", HEX,
 * "SEQ:HASH"). */
static int read_anchors(journal_run *j, journal_anchor **a, size_t *n)
{
    for (size_t i = 0; i < j->nanchor_args; i++) {
        const char *s = j->anchor_args[i];
        if (!strncmp(s, "nats://", 7)) {
            strbuf p;
            sb_init(&p);
            int rc = bus_anchor_last(s, j->t.id, &p, &j->err);
            int added = rc ? -1 : journal_anchors_ndjson(p.s, p.len, s, a, n, &j->err);
            sb_free(&p);
            if (rc)
                return rc;
            if (added <= 0)
                return added < 0 ? j->err.code
                                 : err_set(&j->err, EXIT_DATAERR,
                                           "the anchor message at %s holds no seq and hash", s);
            continue;
        }
        FILE *f = caller_fopen(s, "rb");
        if (f) {
            if (anchor_file(j, f, s, a, n))
                return j->err.code;
            continue;
        }
        journal_anchor x;
        if (journal_anchor_parse(s, &x) != 0)
            return err_set(&j->err, EXIT_USAGE,
                           "--anchor %s: no such file, and not a hash (sha256:HEX, 64 hex "
                           "digits, SEQ:HASH) nor a nats:// URL",
                           s);
        *a = xrealloc(*a, sizeof **a * (*n + 1));
        (*a)[(*n)++] = x;
    }
    return 0;
}

/* Exit 65 for a broken chain, an anchor the journal no longer matches,
 * lost events or (--stores) a store changed without an event, 75 for a
 * journal that is only behind its stores (sync heals it), 0 when intact. */
static int run_verify(void *ctx)
{
    journal_run *j = ctx;
    journal_report rep;
    journal_outbox o[4];
    journal_anchor *anchors = NULL;
    size_t nanchors = 0;
    if (read_anchors(j, &anchors, &nanchors)) {
        free(anchors);
        return j->err.code;
    }
    journal_verify_opts vo = {.from_checkpoint = j->from_checkpoint,
                              .anchors = anchors,
                              .nanchors = nanchors};
    int vrc = read_outboxes(j, o) || journal_verify_ex(&j->t, &vo, &rep, &j->err);
    free(anchors);
    if (vrc)
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
    char from[80] = "", anch[64] = "";
    if (rep.from_seq)
        snprintf(from, sizeof from, " (seq %lld on, from the checkpoint at seq %lld)",
                 rep.from_seq + 1, rep.checkpoint_seq);
    if (nanchors)
        snprintf(anch, sizeof anch, "; %lld anchor%s match%s", rep.anchors,
                 rep.anchors == 1 ? "" : "s", rep.anchors == 1 ? "es" : "");
    if (j->stores)
        snprintf(j->summary, sizeof j->summary,
                 "tenant %s: %lld events%s, chain intact%s; %ld audited tables match their "
                 "digests",
                 j->t.id, rep.events, from, anch, tables);
    else
        snprintf(j->summary, sizeof j->summary, "tenant %s: %lld events%s, chain intact%s",
                 j->t.id, rep.events, from, anch);
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
    if (j->retain < 0) {
        if (journal_seal(&j->t, &sealed, &j->err))
            return j->err.code;
        snprintf(j->summary, sizeof j->summary, "tenant %s: %d segments sealed", j->t.id, sealed);
        return 0;
    }
    journal_retention r;
    if (journal_retain(&j->t, j->retain, &r, &j->err))
        return j->err.code;
    int n = snprintf(j->summary, sizeof j->summary, "tenant %s: %d segments sealed, ", j->t.id,
                     r.sealed);
    if (r.removed)
        n += snprintf(j->summary + n, sizeof j->summary - (size_t)n,
                      "%d removed (%06d..%06d)", r.removed, r.first_removed, r.last_removed);
    else
        n += snprintf(j->summary + n, sizeof j->summary - (size_t)n, "none removed");
    if (r.held_by[0])
        snprintf(j->summary + n, sizeof j->summary - (size_t)n,
                 "; segment %06d (to seq %lld) is kept: %s", r.held_segment,
                 r.held_last, r.held_by);
    return 0;
}

static int run_checkpoint(void *ctx)
{
    journal_run *j = ctx;
    char at[32];
    now_iso(at);
    journal_checkpoint ck;
    journal_report rep;
    if (journal_checkpoint_write(&j->t, at, &ck, &rep, &j->err))
        return j->err.code;
    if (rep.problem[0]) {
        armms_warn("tenant %s: journal broken: %s (%lld events verified before it); no "
                   "checkpoint written",
                   j->t.id, rep.problem, rep.events);
        return -EXIT_DATAERR;
    }
    snprintf(j->summary, sizeof j->summary,
             "tenant %s: checkpoint at seq %lld (segment %06d), %lld events verified", j->t.id,
             ck.seq, ck.segment, rep.events);
    return 0;
}

/* The head as an anchor to keep elsewhere: one NDJSON line. */
static int run_head(void *ctx)
{
    journal_run *j = ctx;
    long long seq;
    char hash[65], at[32];
    if (journal_head_get(&j->t, &seq, hash, &j->err))
        return j->err.code;
    now_iso(at);
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"tenant_id\":");
    sb_add_json_str(&b, j->t.id, strlen(j->t.id));
    sb_addf(&b, ",\"seq\":%lld", seq);
    sb_add_json_kv(&b, "hash", hash);
    sb_add_json_kv(&b, "at", at);
    sb_adds(&b, "}\n");
    fwrite(b.s, 1, b.len, stdout);
    sb_free(&b);
    return stream_close_check(stdout) ? -EXIT_IOERR : 0;
}

/* The one list of verbs. Sealing rewrites files; everything else reads
 * (sync only journals what was already committed). */
static const cli_verb verbs[] = {
    {.name = "verify",
     .synopsis = "[--stores] [--from-checkpoint] [--anchor ANCHOR]...",
     .help = "walk the SHA-256 chain from seq 1 (or from the checkpoint once the\n"
             "first segments are removed); exit 65 at the first bad line,\n"
             "75 when committed changes are not yet journaled (run sync);\n"
             "--stores also recomputes each store's audited tables and exits 65\n"
             "naming each table changed without an event; --anchor checks the\n"
             "line at a head kept elsewhere (SEQ:HASH, a hash, a file from head,\n"
             "a payrun archive, or nats://HOST:PORT[/STREAM]) and exits 65 when\n"
             "the journal no longer has it",
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
     .synopsis = "[--retain N]",
     .help = "gzip every closed segment; --retain N then removes the sealed\n"
             "segments older than the newest N, each only once the checkpoint\n"
             "and every consumer cursor are past it",
     .scope = "tenant.admin",
     .run = run_seal},
    {.name = "checkpoint",
     .help = "verify the chain and record its last line in journal/checkpoint",
     .scope = "tenant.admin",
     .run = run_checkpoint},
    {.name = "head",
     .help = "print the chain head {tenant_id, seq, hash, at} to keep elsewhere\n"
             "as an anchor for verify --anchor",
     .scope = "journal.read",
     .run = run_head},
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
                                             {"anchor", required_argument, NULL, OPT_ANCHOR},
                                             {"from-checkpoint", no_argument, NULL,
                                              OPT_FROM_CHECKPOINT},
                                             {"retain", required_argument, NULL, OPT_RETAIN},
                                             {0, 0, 0, 0}};
    int opt;
    j->retain = -1;
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
        case OPT_ANCHOR:
            j->anchor_args =
                xrealloc(j->anchor_args, sizeof *j->anchor_args * (j->nanchor_args + 1));
            j->anchor_args[j->nanchor_args++] = optarg;
            break;
        case OPT_FROM_CHECKPOINT:
            j->from_checkpoint = 1;
            break;
        case OPT_RETAIN:
            j->retain = (int)cli_long(&j->c, "--retain", optarg, 0, 1000000);
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
    if ((j->nanchor_args || j->from_checkpoint) && j->verb->run != run_verify)
        cli_usage_error(&j->c, "--%s is an option of verify only",
                        j->nanchor_args ? "anchor" : "from-checkpoint");
    if (j->retain >= 0 && j->verb->run != run_seal)
        cli_usage_error(&j->c, "--retain is an option of seal only");
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
    int rc = j.verb->run(&j);
    free(j.anchor_args);
    return finish(&j, rc);
}
