/*
 * armms-journal - read, verify, heal and seal the tenant's event journal,
 * and publish it to the message broker (NATS JetStream) or a command.
 */
#include <jv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/anchor.h"
#include "bus/bus.h"
#include "bus/publish.h"
#include "cli/cli.h"
#include "cli/journal_cli.h"
#include "cli/render.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "out/archive.h"
#include "store/audit.h"
#include "store/digest.h"
#include "store/journal.h"
#include "store/store.h"

enum {
    OPT_SINCE = OPT_TOOL_BASE,
    OPT_TYPE,
    OPT_AGGREGATE,
    OPT_CONSUMER,
    OPT_STORES,
    OPT_URL,
    OPT_NAME,
    OPT_ONCE,
    OPT_FOLLOW,
    OPT_EXEC,
    OPT_BATCH,
    OPT_POLL,
    OPT_STREAM,
    OPT_SUBJECTS,
    OPT_DUP_WINDOW,
    OPT_MAX_AGE,
    OPT_REPLICAS,
};
/* verify, seal: the upkeep options */
enum { OPT_ANCHOR = OPT_TOOL_BASE + 40, OPT_FROM_CHECKPOINT, OPT_RETAIN };

typedef struct cat_ctx {
    long long since, last;
    const char *type, *aggregate;
    long printed;
    int masked; /* stdout is a terminal: personal numbers masked */
} cat_ctx;

static int cat_cb(const char *line, size_t len, void *vctx)
{
    cat_ctx *c = vctx;
    long long seq = journal_line_seq(line, len);
    if (seq <= c->since)
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
    if (c->masked) {
        /* for a person's eyes, as every tool shows personal numbers */
        jv v = jv_parse_sized(line, (int)len);
        if (jv_get_kind(v) == JV_KIND_OBJECT)
            ndjson_write(stdout, render_masked(v, NULL));
        else
            jv_free(v);
    } else {
        /* for a consumer: the journal's bytes, whose hashes it can check */
        fwrite(line, 1, len, stdout);
        putchar('\n');
    }
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
    int stream_cmd; /* verb is one of stream_verbs */
    /* publish and stream */
    publish_opts pub;
    const char *url_opt; /* --url as given (the first publish/stream option seen) */
    const char *pub_opt, *stream_opt;
    int once, follow;
    char cursor[80];
    bus_stream_cfg scfg;
    tenant_t t;
    char summary[600];
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
    if (cli_read_anchors(j->anchor_args, j->nanchor_args, j->t.id, &anchors, &nanchors, &j->err)) {
        free(anchors);
        return j->err.code;
    }
    journal_verify_opts vo = {
        .from_checkpoint = j->from_checkpoint, .anchors = anchors, .nanchors = nanchors};
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
    j->cc.masked = isatty(STDOUT_FILENO);
    int rc = journal_each_after(&j->t, j->cc.since, cat_cb, &j->cc, &j->err);
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

/* The audit trail's entries, their personal numbers masked (a view for
 * people, wherever it is written). */
static int run_history(void *ctx)
{
    journal_run *j = ctx;
    long n;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return err_set(&j->err, EXIT_SOFTWARE, "out of memory");
    int rc = audit_history(&j->t, j->id, mem, &n, &j->err);
    fclose(mem);
    for (char *at = buf, *nl; !rc && at && (nl = strchr(at, '\n')); at = nl + 1) {
        jv v = jv_parse_sized(at, (int)(nl - at));
        if (jv_get_kind(v) == JV_KIND_OBJECT)
            ndjson_write(stdout, render_masked(v, NULL));
        else
            jv_free(v);
    }
    free(buf);
    if (rc)
        return rc;
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
        n += snprintf(j->summary + n, sizeof j->summary - (size_t)n, "%d removed (%06d..%06d)",
                      r.removed, r.first_removed, r.last_removed);
    else
        n += snprintf(j->summary + n, sizeof j->summary - (size_t)n, "none removed");
    if (r.held_by[0])
        snprintf(j->summary + n, sizeof j->summary - (size_t)n,
                 "; segment %06d (to seq %lld) is kept: %s", r.held_segment, r.held_last,
                 r.held_by);
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

static volatile sig_atomic_t stop_follow;

static void on_stop(int sig)
{
    (void)sig;
    stop_follow = 1;
}

/* Follow mode's word on an outage beginning or ending. */
static void note(void *ctx, const char *msg)
{
    journal_run *j = ctx;
    if (!j->c.quiet)
        armms_warn("%s", msg);
}

static int run_publish(void *ctx)
{
    journal_run *j = ctx;
    publish_opts *o = &j->pub;
    o->cursor = j->cursor;
    o->follow = !j->once;
    o->note = note;
    o->note_ctx = j;
    if (o->follow) {
        struct sigaction sa = {.sa_handler = on_stop};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        o->stop = &stop_follow;
    }
    publish_report r;
    int rc = publish_run(&j->t, o, &r, &j->err);
    if (!o->exec)
        bus_shutdown();
    char held[64] = "";
    if (!o->exec)
        snprintf(held, sizeof held, " (%lld already held)", r.duplicates);
    if (r.published)
        snprintf(j->summary, sizeof j->summary,
                 "tenant %s: published %lld events %s in %lld batch%s%s%s, cursor %s at seq %lld "
                 "of %lld",
                 j->t.id, r.published, o->exec ? "to the command" : "to the broker", r.batches,
                 r.batches == 1 ? "" : "es", held, r.outages ? " across outages" : "", o->cursor,
                 r.cursor, r.head);
    else
        snprintf(j->summary, sizeof j->summary,
                 "tenant %s: published nothing, cursor %s at seq %lld of %lld", j->t.id, o->cursor,
                 r.cursor, r.head);
    if (rc) {
        /* say what was delivered before the failure, then the failure */
        if (r.published && !j->c.quiet)
            armms_warn("%s", j->summary);
        j->summary[0] = 0;
    }
    return rc;
}

static int run_stream_create(void *ctx)
{
    journal_run *j = ctx;
    j->pub.bus.name = "armms-journal stream";
    return cli_stream_create(&j->pub.bus, &j->scfg, j->summary, sizeof j->summary, &j->err);
}

static int run_stream_info(void *ctx)
{
    journal_run *j = ctx;
    j->pub.bus.name = "armms-journal stream";
    return cli_stream_info(&j->pub.bus, j->scfg.name, &j->err);
}

/* The tenant's messages only: another tenant's are not this user's to see. */
static int run_stream_get(void *ctx)
{
    journal_run *j = ctx;
    unsigned long long from, to;
    bus_seq_range(j->id, &from, &to); /* checked before the tenant was opened */
    j->pub.bus.name = "armms-journal stream";
    return cli_stream_get(&j->pub.bus, j->scfg.name, j->t.id, from, to, j->summary,
                          sizeof j->summary, &j->err);
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
    {.name = "publish",
     .synopsis = "[--url URL | --exec CMD] [--name NAME] [--once | --follow] [--batch N] "
                 "[--poll MS]",
     .help = "deliver every event after the publisher's cursor to NATS JetStream\n"
             "(subject armms.TENANT.EVENT_TYPE, message id = event_id) or to\n"
             "--exec CMD (`sh -c CMD`) in NDJSON batches; the cursor moves only\n"
             "over what the broker acknowledged (the command took, exiting 0);\n"
             "--once delivers what is there and exits, --follow (the default)\n"
             "keeps delivering new events, retrying while the broker is down",
     .scope = "journal.read",
     .run = run_publish},
    /* its commands are stream_verbs (check_verb picks from them); this
     * entry names it in the command list, the messages and completion */
    {.name = "stream",
     .operand = "ACTION",
     .needs = "a stream command (create, info or get)",
     .help = "the broker's stream: create, info, get (below)"},
    {0},
};

/* armms-journal stream ACTION: the broker's stream, not a tenant's (get
 * reads a message, and only the tenant's own). */
static const cli_verb stream_verbs[] = {
    {.name = "create",
     .synopsis = "[--stream NAME] [--subjects LIST] [--dup-window DURATION] "
                 "[--max-age DURATION] [--replicas N]",
     .help = "create the stream the journal is published into (file storage,\n"
             "limits retention, a duplicate window, default 2h), or update it\n"
             "to these settings; running it again changes nothing",
     .run = run_stream_create},
    {.name = "info",
     .synopsis = "[--stream NAME]",
     .help = "the stream's settings and state, with each subject's message count\n"
             "(NDJSON)",
     .run = run_stream_info},
    {.name = "get",
     .operand = "SEQ",
     .needs = "a stream sequence (SEQ or FROM..TO)",
     .synopsis = "[--stream NAME]",
     .help = "the tenant's message(s) at stream sequence SEQ (or FROM..TO): subject,\n"
             "headers and data (NDJSON)",
     .scope = "journal.read",
     .run = run_stream_get},
    {0},
};

static const char options[] =
    "\n"
    "Publishing (publish, stream):\n"
    "      --url URL          the broker, nats://[USER:PASSWORD@]HOST[:PORT] (or\n"
    "                         ARMMS_NATS_URL; ARMMS_NATS_CREDS: a credentials file)\n"
    "      --name NAME        a publisher of its own, cursor publish-NAME\n"
    "      --once             deliver what the journal holds, then exit (for cron)\n"
    "      --follow           keep delivering new events (the default; a service)\n"
    "      --exec CMD         pipe each batch to `sh -c CMD` instead of the broker\n"
    "      --batch N          events per batch (default 256)\n"
    "      --poll MS          follow: read the journal's head every MS ms\n"
    "                         (default 1000, or ARMMS_PUBLISH_POLL_MS)\n"
    "      --stream NAME      the stream (default ARMMS)\n"
    "      --subjects LIST    create: its subjects, comma-separated (default armms.>)\n"
    "      --dup-window DURATION\n"
    "                         create: the duplicate window (90s, 30m, 2h, 1d;\n"
    "                         default 2h)\n"
    "      --max-age DURATION create: drop messages older than this (default: keep)\n"
    "      --replicas N       create: copies in a cluster (default 1)\n"
    "\n"
    "  -t, --tenant ID   the tenant (or ARMMS_TENANT)\n"
    "      --as USER     act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECS   wait this long for a busy journal (default 30)\n"
    "  -q, --quiet       no summary on stderr\n"
    "  -h, --help        this text\n"
    "      --version     print the version\n" CLI_EXIT_HEAD CLI_EXIT(
        " 0", "done (verify: the chain is intact)") CLI_EXIT("64", "usage")
        CLI_EXIT("65", "verify: the chain is broken, or a store changed without an event")
            CLI_EXIT("66", "stream get: the stream holds no message at SEQ") CLI_EXIT(
                "69", "publish, stream: the broker is unreachable or did not acknowledge,")
                CLI_EXIT_MORE("or the --exec command failed (the cursor stays where it was)")
                    CLI_EXIT("70", "internal error, a damaged journal or consumer cursor")
                        CLI_EXIT("74", "I/O error: the journal, standard output, a cursor")
                            CLI_EXIT(
                                "75",
                                "busy past --wait, or verify: changes not yet journaled (sync)")
                                CLI_EXIT_NOPERM CLI_EXIT_MORE(
                                    "(publish, stream: or the broker refused the credentials)")
                                    CLI_EXIT("78", "the tenant does not exist, or its stores are "
                                                   "of another version;")
                                        CLI_EXIT_MORE("publish, stream: the stream does not exist "
                                                      "or refused a setting");

static void parse_options(journal_run *j, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"since", required_argument, NULL, OPT_SINCE},
        {"type", required_argument, NULL, OPT_TYPE},
        {"aggregate", required_argument, NULL, OPT_AGGREGATE},
        {"consumer", required_argument, NULL, OPT_CONSUMER},
        {"stores", no_argument, NULL, OPT_STORES},
        {"url", required_argument, NULL, OPT_URL},
        {"name", required_argument, NULL, OPT_NAME},
        {"once", no_argument, NULL, OPT_ONCE},
        {"follow", no_argument, NULL, OPT_FOLLOW},
        {"exec", required_argument, NULL, OPT_EXEC},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"poll", required_argument, NULL, OPT_POLL},
        {"stream", required_argument, NULL, OPT_STREAM},
        {"subjects", required_argument, NULL, OPT_SUBJECTS},
        {"dup-window", required_argument, NULL, OPT_DUP_WINDOW},
        {"max-age", required_argument, NULL, OPT_MAX_AGE},
        {"replicas", required_argument, NULL, OPT_REPLICAS},
        {"anchor", required_argument, NULL, OPT_ANCHOR},
        {"from-checkpoint", no_argument, NULL, OPT_FROM_CHECKPOINT},
        {"retain", required_argument, NULL, OPT_RETAIN},
        {0, 0, 0, 0}};
    int opt;
    j->retain = -1;
    cli_init_verbs(&j->c, "armms-journal", argv, "[-t TENANT]", verbs, "\n", options);
    /* the usage again, with the stream commands after the verbs' */
    static strbuf u; /* static: reachable until exit, as c.usage */
    static cli_verb shown[sizeof verbs / sizeof *verbs];
    for (size_t i = 0, n = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (!verbs[i].name || strcmp(verbs[i].name, "stream"))
            shown[n++] = verbs[i];
    sb_init(&u);
    cli_verb_synopsis(&u, "[-t TENANT]", shown);
    cli_verb_synopsis(&u, "stream", stream_verbs);
    sb_adds(&u, "\n");
    cli_verb_list(&u, verbs);
    sb_adds(&u, "\nstream ACTION: the broker's stream (create and info read no tenant)\n");
    cli_verb_list(&u, stream_verbs);
    sb_adds(&u, options);
    free((char *)j->c.usage); /* cli_init_verbs' own, without the stream lines */
    j->c.usage = u.s;
    publish_opts_init(&j->pub);
    bus_stream_cfg_init(&j->scfg);
    const char *poll = armms_env("ARMMS_PUBLISH_POLL_MS");
    if (poll && *poll)
        j->pub.poll_ms = (int)cli_long(&j->c, "ARMMS_PUBLISH_POLL_MS", poll, 10, 3600000);
    const char *kill_at = armms_env("ARMMS_PUBLISH_KILL_AT");
    if (kill_at && *kill_at)
        j->pub.kill_at = atoll(kill_at);
    int64_t secs;
    char why[200];
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
        case OPT_URL:
            if (!bus_url_valid(optarg, why, sizeof why))
                cli_usage_error(&j->c, "--url: %s", why);
            j->pub.bus.url = j->url_opt = optarg;
            break;
        case OPT_NAME:
            snprintf(j->cursor, sizeof j->cursor, "publish-%s", optarg);
            if (!journal_consumer_valid(j->cursor))
                cli_usage_error(&j->c, "invalid publisher name '%s' ([a-z0-9_-]{1,56})", optarg);
            j->pub_opt = "--name";
            break;
        case OPT_ONCE:
            j->once = 1;
            j->pub_opt = "--once";
            break;
        case OPT_FOLLOW:
            j->follow = 1;
            j->pub_opt = "--follow";
            break;
        case OPT_EXEC:
            if (!*optarg)
                cli_usage_error(&j->c, "--exec needs a command");
            j->pub.exec = optarg;
            j->pub_opt = "--exec";
            break;
        case OPT_BATCH:
            j->pub.batch = j->pub.max_pending = (int)cli_long(&j->c, "--batch", optarg, 1, 65536);
            j->pub_opt = "--batch";
            break;
        case OPT_POLL:
            j->pub.poll_ms = (int)cli_long(&j->c, "--poll", optarg, 10, 3600000);
            j->pub_opt = "--poll";
            break;
        case OPT_STREAM:
            if (!optarg[0] || strpbrk(optarg, ". *>\t/\\"))
                cli_usage_error(&j->c, "invalid stream name '%s'", optarg);
            j->scfg.name = optarg;
            j->stream_opt = j->stream_opt ? j->stream_opt : "";
            break;
        case OPT_SUBJECTS:
            if (!optarg[0] || strpbrk(optarg, " \t"))
                cli_usage_error(&j->c, "invalid subjects '%s'", optarg);
            j->scfg.subjects = optarg;
            j->stream_opt = "--subjects";
            break;
        case OPT_DUP_WINDOW:
            if (bus_duration_parse(optarg, &secs) || secs < 1)
                cli_usage_error(&j->c, "--dup-window: '%s' is not a duration (90s, 30m, 2h, 1d)",
                                optarg);
            j->scfg.dup_window_s = secs;
            j->stream_opt = "--dup-window";
            break;
        case OPT_MAX_AGE:
            if (bus_duration_parse(optarg, &secs))
                cli_usage_error(&j->c, "--max-age: '%s' is not a duration (90s, 30m, 2h, 1d)",
                                optarg);
            j->scfg.max_age_s = secs;
            j->stream_opt = "--max-age";
            break;
        case OPT_REPLICAS:
            j->scfg.replicas = (int)cli_long(&j->c, "--replicas", optarg, 1, 5);
            j->stream_opt = "--replicas";
            break;
        }
    }
    if (!j->cursor[0])
        snprintf(j->cursor, sizeof j->cursor, "publish");
}

/* Before any tenant is read. */
static void check_verb(journal_run *j, int argc, char **argv)
{
    if (optind < argc && !strcmp(argv[optind], "stream")) {
        optind++;
        j->verb = cli_verb_pick(&j->c, stream_verbs, "stream command", argc, argv, &j->id);
        j->stream_cmd = 1;
    } else {
        j->verb = cli_verb_pick(&j->c, verbs, "command", argc, argv, &j->id);
    }
    if (j->stores && j->verb->run != run_verify)
        cli_usage_error(&j->c, "--stores is an option of verify only");
    if ((j->nanchor_args || j->from_checkpoint) && j->verb->run != run_verify)
        cli_usage_error(&j->c, "--%s is an option of verify only",
                        j->nanchor_args ? "anchor" : "from-checkpoint");
    if (j->retain >= 0 && j->verb->run != run_seal)
        cli_usage_error(&j->c, "--retain is an option of seal only");
    int publish = j->verb->run == run_publish, create = j->verb->run == run_stream_create;
    if (j->pub_opt && !publish)
        cli_usage_error(&j->c, "%s is an option of publish only", j->pub_opt);
    if (j->stream_opt && j->stream_opt[0] && !create)
        cli_usage_error(&j->c, "%s is an option of stream create only", j->stream_opt);
    if (j->stream_opt && !j->stream_cmd)
        cli_usage_error(&j->c, "--stream is an option of the stream commands only");
    if (j->url_opt && !publish && !j->stream_cmd)
        cli_usage_error(&j->c, "--url is an option of publish and the stream commands only");
    if (j->once && j->follow)
        cli_usage_error(&j->c, "--once and --follow exclude each other");
    if (publish && j->pub.exec && j->url_opt)
        cli_usage_error(&j->c, "--exec and --url exclude each other");
    char why[200];
    if ((publish && !j->pub.exec) || j->stream_cmd) {
        if (!j->pub.bus.url)
            cli_usage_error(&j->c, "%s needs the broker: --url URL or ARMMS_NATS_URL%s",
                            j->stream_cmd ? "stream" : "publish",
                            j->stream_cmd ? "" : " (or --exec CMD)");
        if (!bus_url_valid(j->pub.bus.url, why, sizeof why))
            cli_usage_error(&j->c, "ARMMS_NATS_URL: %s", why);
    }
    unsigned long long from, to;
    if (j->verb->run == run_stream_get && bus_seq_range(j->id, &from, &to))
        cli_usage_error(&j->c, "'%s' is not a stream sequence (SEQ or FROM..TO)", j->id);
}

static void open_tenant(journal_run *j)
{
    /* stream create and info act on the broker alone: its own accounts
     * decide who may (armms-journal(1)) */
    if (j->stream_cmd && !j->verb->scope)
        return;
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
