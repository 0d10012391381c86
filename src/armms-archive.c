/*
 * armms-archive - the payrun archive: pack the files made for an approved
 * period into one .tar.gz with a manifest, journal its SHA-256, verify an
 * archive against the journal and its own manifest, list what was
 * journaled. The archive and its rules live in lib/out/archive.c; this is
 * options, one table of verbs, the output file and the messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/render.h"
#include "core/clock.h"
#include "core/secure.h"
#include "iam/rbac.h"
#include "out/archive.h"
#include "pay/payrun.h"
#include "pay/period.h"

typedef struct archive_cli {
    cli_t c;
    const char *operand, *dir, *output, *period, *format;
    const cli_verb *verb;
    tenant_t t;
    rbac_t who;
    store_t s;
    int lock;
    char summary[600];
    int code;
    armms_err err;
} archive_cli;

/* ---- create ---- */

/* Refuse an output inside the directory packed: a rerun would pack the
 * archive itself, and no two runs would agree. */
static int output_inside(const char *dir, const char *out)
{
    char d[PATH_MAX], o[PATH_MAX];
    char *copy = xstrdup(out);
    int inside = 0;
    if (realpath(dir, d) && realpath(dirname(copy), o)) {
        size_t n = strlen(d);
        inside = !strncmp(o, d, n) && (o[n] == 0 || o[n] == '/' || (n == 1 && d[0] == '/'));
    }
    free(copy);
    return inside;
}

/* Write the archive: to standard output for "-", straight into a path
 * that is not a regular file (a device), else through PATH.tmp, fsync'd
 * and renamed, so a reader never sees half an archive. */
static int write_output(const char *path, const strbuf *b, armms_err *err)
{
    if (!strcmp(path, "-")) {
        if (fwrite(b->s, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
            return err_set(err, EXIT_IOERR, "cannot write the archive to standard output: %s",
                           strerror(errno));
        return 0;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            return err_set(err, EXIT_CANTCREAT, "%s is a directory", path);
        int fd = caller_open(path, O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0)
            return err_set(err, EXIT_CANTCREAT, "cannot open %s: %s", path, strerror(errno));
        int bad = write_all(fd, b->s, b->len) != 0;
        int e = errno;
        if (close(fd) != 0 && !bad)
            bad = 1, e = errno;
        return bad ? err_set(err, EXIT_IOERR, "cannot write %s: %s", path, strerror(e)) : 0;
    }
    char *tmp = xasprintf("%s.tmp", path);
    int fd = caller_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return err->code;
    }
    int rc = 0;
    if (write_all(fd, b->s, b->len) != 0 || fsync(fd) != 0)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = err_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
    if (!rc && caller_rename(tmp, path) != 0)
        rc =
            err_set(err, EXIT_CANTCREAT, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc)
        caller_unlink(tmp);
    free(tmp);
    return rc;
}

static int run_create(void *ctx)
{
    archive_cli *p = ctx;
    out_archive a = {0}; /* out_archive_build initialises it; freeing a zeroed one is fine */
    int created = 0, rc = 0;
    long seq = 0;
    p->lock = -1;
    /* under the period's payrun lock: its status cannot move meanwhile */
    if (!(rc = payrun_lock(&p->t, p->operand, &p->lock, &p->err)) &&
        !(rc = store_open(&p->s, &p->t, "pay", 0, &p->err))) {
        rc = out_archive_build(&p->s, p->operand, p->dir, &a, &p->err);
        /* the file first: a journaled archive that is not on disk is worse
         * than a file not journaled yet, which a rerun journals */
        if (!rc)
            rc = write_output(p->output, &a.bytes, &p->err);
        char *copy = xstrdup(p->output);
        const char *name = strcmp(p->output, "-") ? basename(copy) : "-";
        if (!rc)
            rc = out_archive_journal(&p->s, &a, name, &created, &seq, &p->err);
        free(copy);
        store_close(&p->s);
    }
    payrun_unlock(p->lock);
    if (!rc && created)
        snprintf(p->summary, sizeof p->summary,
                 "archive %ld of %s written to %s: %ld files, %ld paysheets, %zu bytes\n"
                 "sha256 %s journaled (PayrunArchived)",
                 seq, p->operand, p->output, a.files, a.paysheets, a.size, a.sha256);
    else if (!rc)
        snprintf(p->summary, sizeof p->summary,
                 "archive of %s written to %s: %ld files, %ld paysheets, %zu bytes\n"
                 "sha256 %s is archive %ld of %s, journaled already: nothing journaled",
                 p->operand, p->output, a.files, a.paysheets, a.size, a.sha256, seq, p->operand);
    out_archive_free(&a);
    return rc;
}

/* ---- verify ---- */

static int read_file(const char *path, strbuf *b, armms_err *err)
{
    int fd = strcmp(path, "-") ? caller_open(path, O_RDONLY | O_CLOEXEC, 0) : 0;
    if (fd < 0)
        return err_set(err, EXIT_NOINPUT, "cannot open %s: %s", path, strerror(errno));
    int rc = 0;
    for (;;) {
        sb_grow(b, 1 << 16);
        ssize_t k = read(fd, b->s + b->len, b->cap - b->len - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = err_set(err, EXIT_IOERR, "cannot read %s: %s", path, strerror(errno));
        if (k <= 0)
            break;
        b->len += (size_t)k;
        b->s[b->len] = 0;
    }
    if (fd)
        close(fd);
    return rc;
}

static int run_verify(void *ctx)
{
    archive_cli *p = ctx;
    strbuf bytes, found;
    sb_init(&bytes);
    sb_init(&found);
    out_verdict v;
    int rc = read_file(p->operand, &bytes, &p->err);
    if (!rc && !(rc = store_open(&p->s, &p->t, "pay", 0, &p->err))) {
        rc = out_archive_verify(&p->s, bytes.s ? bytes.s : "", bytes.len, p->period, &found, &v,
                                &p->err);
        store_close(&p->s);
    }
    if (!rc) {
        /* the findings are the answer, not a summary: -q keeps them */
        for (char *line = found.s, *nl; line && *line; line = nl) {
            if ((nl = strchr(line, '\n')))
                *nl++ = 0;
            armms_warn("%s: %s", p->operand, line);
        }
        if (v.mismatches) {
            p->code = EXIT_DATAERR;
            snprintf(p->summary, sizeof p->summary, "%s: %ld mismatch%s: not an archive journaled",
                     p->operand, v.mismatches, v.mismatches == 1 ? "" : "es");
        } else {
            char later[120] = "";
            if (v.journaled > v.seq)
                snprintf(later, sizeof later, "; archive %ld is the latest", v.journaled);
            snprintf(p->summary, sizeof p->summary,
                     "%s: matches archive %ld of %s (journaled as %s at %s): %ld files and %ld "
                     "paysheets as its manifest names them%s",
                     p->operand, v.seq, v.period, v.file, v.archived_at, v.files, v.paysheets,
                     later);
        }
    }
    sb_free(&bytes);
    sb_free(&found);
    return rc;
}

/* ---- list ---- */

static const render_col list_cols[] = {
    {.title = "No", .path = "seq", .type = RENDER_INT},
    {.title = "Archived at", .path = "archived_at", .type = RENDER_DATE},
    {.title = "By", .path = "archived_by"},
    {.title = "File", .path = "file", .max_width = 40},
    {.title = "Files", .path = "files", .type = RENDER_INT},
    {.title = "Paysheets", .path = "paysheets", .type = RENDER_INT},
    {.title = "Bytes", .path = "size", .type = RENDER_INT},
    {.title = "SHA-256", .path = "sha256"},
    {.title = "Manifest SHA-256", .path = "manifest_sha256", .flags = RENDER_CSV_ONLY},
    {.title = "Period", .path = "period", .flags = RENDER_CSV_ONLY},
    {0},
};

static int run_list(void *ctx)
{
    archive_cli *p = ctx;
    jv recs = jv_null();
    int rc = store_open(&p->s, &p->t, "pay", 0, &p->err);
    if (!rc) {
        rc = out_archive_list(&p->s, p->operand, &recs, &p->err);
        store_close(&p->s);
    }
    if (rc) {
        jv_free(recs);
        return rc;
    }
    char title[80], empty[80];
    snprintf(title, sizeof title, "Archives of %s", p->operand);
    snprintf(empty, sizeof empty, "no archive of %s journaled", p->operand);
    render_opts o = {.title = title, .empty = empty};
    return render_records(stdout, render_format_pick(p->format), list_cols, recs, &o, &p->err);
}

static const cli_verb verbs[] = {
    {.name = "create",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .more = "DIR",
     .synopsis = "-o FILE.tar.gz",
     .help = "pack every regular file under DIR, with a MANIFEST of their SHA-256\n"
             "and of the period's approved paysheets, into FILE (- for standard\n"
             "output); journal its SHA-256 once (PayrunArchived)",
     .scope = "payrun.run",
     .run = run_create},
    {.name = "verify",
     .operand = "FILE",
     .needs = "an archive (FILE.tar.gz)",
     .synopsis = "[PERIOD]",
     .help = "check FILE against the journaled archives of its period and against\n"
             "its own manifest; a line for each mismatch, exit 65",
     .scope = "paysheet.read",
     .run = run_verify},
    {.name = "list",
     .operand = "PERIOD",
     .needs = "a period (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
     .synopsis = "[--format table|ndjson|csv]",
     .help = "the archives journaled for the period",
     .scope = "paysheet.read",
     .run = run_list},
    {0},
};

static const char intro[] =
    "\n"
    "The archive of an APPROVED or CLOSED payrun proves what was paid: the same\n"
    "files and paysheets give the same bytes (entry times are the payrun's\n"
    "approval time), and its SHA-256 is journaled, so an edit of any file is\n"
    "found by verify.\n"
    "\n";

static const char options[] =
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "  -o, --output FILE     create: the archive to write (- for standard output)\n"
    "      --format F        list: table (the default on a terminal), ndjson, csv\n"
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"
    "      --wait SECONDS    wait this long for a busy tenant (default 30)\n"
    "  -q, --quiet           no summary on stderr (verify's mismatches still)\n"
    "  -h, --help            this text\n"
    "      --version         print the version\n" CLI_EXIT_HEAD CLI_EXIT(
        " 0", "done (verify: everything matches)") CLI_EXIT("64", "usage")
        CLI_EXIT("65", "the run is not approved, a file is refused, or verify found a mismatch")
            CLI_EXIT("66", "no such directory or archive")
                CLI_EXIT("73", "the archive cannot be created")
                    CLI_EXIT("74", "it cannot be written (a full disk)")
                        CLI_EXIT("75", "the tenant or the period's payrun is busy past --wait")
                            CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_FORMAT = OPT_TOOL_BASE };

static void parse_options(archive_cli *p, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"output", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init_verbs(&p->c, "armms-archive", argv, "[-t TENANT]", verbs, intro, options);
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1) {
        if (cli_common(&p->c, opt, optarg))
            continue;
        switch (opt) {
        case 'o':
            p->output = optarg;
            break;
        case OPT_FORMAT:
            if (render_format_parse(optarg) < 0)
                cli_usage_error(&p->c, "unknown format '%s' (table, ndjson or csv)", optarg);
            p->format = optarg;
            break;
        }
    }
}

static void check_period(const cli_t *c, const char *period)
{
    day_t d0, d1;
    if (pay_period_kind(period, &d0, &d1, &(day_t){0}) < 0)
        cli_usage_error(c, "bad period '%s' (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
                        period);
}

static void check_verb(archive_cli *p, int argc, char **argv)
{
    const cli_t *c = &p->c;
    /* verify's PERIOD is optional; the verb table knows fixed operands only */
    if (optind < argc && !strcmp(argv[optind], "verify") && argc - optind == 3)
        p->period = argv[--argc];
    p->verb = cli_verb_pick(c, verbs, "command", argc, argv, &p->operand);
    const char *cmd = p->verb->name;
    if (strcmp(cmd, "verify"))
        check_period(c, p->operand);
    else if (p->period)
        check_period(c, p->period);
    if (!strcmp(cmd, "create")) {
        p->dir = argv[optind];
        if (!p->output)
            cli_usage_error(c, "create needs -o FILE.tar.gz (- for standard output)");
        if (strcmp(p->output, "-") && output_inside(p->dir, p->output))
            cli_usage_error(c, "the archive %s would be inside %s, which it packs", p->output,
                            p->dir);
    } else if (p->output)
        cli_usage_error(c, "-o goes with create");
    if (p->format && strcmp(cmd, "list"))
        cli_usage_error(c, "--format goes with list");
}

int main(int argc, char **argv)
{
    static archive_cli p;
    parse_options(&p, argc, argv);
    check_verb(&p, argc, argv);
    cli_tenant(&p.c, &p.t);
    if (rbac_load(&p.who, &p.t, &p.err) || rbac_require(&p.who, p.verb->scope, &p.err))
        armms_die_err(&p.err);
    if (!p.who.active)
        armms_die(EXIT_NOPERM, "user %s is not an active user of tenant %s", p.who.user, p.t.id);
    int rc = p.verb->run(&p);
    rbac_free(&p.who);
    if (!p.summary[0])
        return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, NULL);
    return cli_end(&p.c, rc ? 0 : p.code, rc ? &p.err : NULL, "%s", p.summary);
}
