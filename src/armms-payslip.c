/*
 * armms-payslip - the payslips of an approved payrun, as text or PDF
 * (lib/out/slip.c gathers them, slip_text.c and slip_pdf.c write them).
 * Options, where the output goes, the loop over guards and the summary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "core/clock.h"
#include "core/secure.h"
#include "out/slip.h"
#include "pay/period.h"

static const char usage[] =
    "usage: armms-payslip [-t TENANT] PERIOD [--guard G ...] [--format text|pdf]\n"
    "                     [-o FILE|DIR] [--combined] [--paper a4|letter]\n"
    "\n"
    "The payslips of PERIOD's payrun, which must be APPROVED or CLOSED: one per\n"
    "guard with an approved paysheet (or each --guard), from the stored paysheets\n"
    "and master data only. Text goes to standard output unless -o names a file;\n"
    "a PDF goes to a pipe, or with -o to DIR/PERIOD-GUARD.pdf a file per guard\n"
    "(DIR is made if missing), or with --combined -o FILE to one file.\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --guard G         only guard G (repeatable)\n"
    "      --format F        text (the default) or pdf\n"
    "  -o, --output PATH     a file (--combined, or text), else a directory\n"
    "      --combined        every payslip in one file\n"
    "      --paper P         a4 (the default) or letter\n" CLI_COMMON_OPTIONS CLI_EXIT_HEAD
        CLI_EXIT(" 0", "done") CLI_EXIT("64", "usage")
            CLI_EXIT("65", "the payrun is not approved (or the period has none), or some guards")
                CLI_EXIT_MORE("were rejected (the others were written)")
                    CLI_EXIT("69", "a font is missing") CLI_EXIT("73", "a file cannot be created")
                        CLI_EXIT("74", "output error (a full disk)")
                            CLI_EXIT_NOPERM CLI_EXIT_CONFIG;

enum { OPT_GUARD = OPT_TOOL_BASE, OPT_FORMAT, OPT_COMBINED, OPT_PAPER };

typedef struct slip_cli {
    cli_t c;
    const char *period, *output;
    char **guards;
    size_t nguards;
    int pdf, combined;
    slip_paper paper;
    tenant_t t;
    reject_sink rej;
    store_t s;
    slip_run run;
    FILE *out; /* the one output (stdout or -o FILE), NULL in directory mode */
    char *tmp, *dest;
    slip_pdf *doc;
    long written, rejected;
    armms_err err;
} slip_cli;

static void parse_options(slip_cli *p, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"guard", required_argument, NULL, OPT_GUARD},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"output", required_argument, NULL, 'o'},
                                             {"combined", no_argument, NULL, OPT_COMBINED},
                                             {"paper", required_argument, NULL, OPT_PAPER},
                                             {0, 0, 0, 0}};
    int opt;
    cli_init(&p->c, "armms-payslip", usage);
    argv[0] = (char *)armms_prog;
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS "o:", longopts, NULL)) != -1) {
        if (cli_common(&p->c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_GUARD:
            p->guards = xrealloc(p->guards, (p->nguards + 1) * sizeof *p->guards);
            p->guards[p->nguards++] = xstrdup(optarg);
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "pdf"))
                cli_usage_error(&p->c, "unknown format '%s' (text or pdf)", optarg);
            p->pdf = !strcmp(optarg, "pdf");
            break;
        case 'o':
            p->output = optarg;
            break;
        case OPT_COMBINED:
            p->combined = 1;
            break;
        case OPT_PAPER:
            if (strcmp(optarg, "a4") && strcmp(optarg, "letter"))
                cli_usage_error(&p->c, "unknown paper '%s' (a4 or letter)", optarg);
            p->paper = strcmp(optarg, "a4") ? SLIP_LETTER : SLIP_A4;
            break;
        }
    }
    if (optind >= argc)
        cli_usage_error(&p->c,
                        "missing PERIOD (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)");
    p->period = argv[optind++];
    if (optind < argc)
        cli_usage_error(&p->c, "unexpected argument '%s'", argv[optind]);
    day_t d0, d1;
    if (pay_period_kind(p->period, &d0, &d1, &(day_t){0}) < 0)
        cli_usage_error(&p->c,
                        "bad period '%s' (YYYY-MM-A, YYYY-MM-B, YYYY-13M or FINAL-YYYY-MM-DD)",
                        p->period);
    if (p->combined && !p->output)
        cli_usage_error(&p->c, "--combined needs -o FILE");
    if (p->pdf && !p->output && isatty(STDOUT_FILENO))
        cli_usage_error(&p->c, "a PDF goes to a file (-o) or a pipe, not a terminal");
    for (size_t i = 0; i < p->nguards; i++)
        if (!p->guards[i][0] || strchr(p->guards[i], '/'))
            cli_usage_error(&p->c, "bad guard id '%s'", p->guards[i]);
}

/* A file is written beside its place and renamed into it, so a reader
 * never sees half a payslip; a path that is not a regular file (a device,
 * a pipe) is written in place. No fsync: a payslip is made again, the same
 * bytes, from the store. */
static int open_dest(slip_cli *p, const char *path)
{
    struct stat sb;
    free(p->tmp);
    free(p->dest);
    p->tmp = NULL;
    p->dest = xstrdup(path);
    const char *name = path;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            return err_set(&p->err, EXIT_CANTCREAT, "%s is a directory (a file was named)", path);
    } else {
        p->tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
        name = p->tmp;
    }
    if (!(p->out = caller_fopen(name, "wb")))
        return err_set(&p->err, EXIT_CANTCREAT, "cannot create %s: %s", name, strerror(errno));
    return 0;
}

static int close_dest(slip_cli *p, int rc)
{
    if (!p->out)
        return rc;
    int bad = fflush(p->out) != 0 || ferror(p->out);
    bad |= fclose(p->out) != 0;
    p->out = NULL;
    if (!rc && bad)
        rc = err_set(&p->err, EXIT_IOERR, "cannot write %s: %s", p->dest, strerror(errno));
    if (p->tmp) {
        if (!rc && caller_rename(p->tmp, p->dest) != 0)
            rc = err_set(&p->err, EXIT_IOERR, "cannot rename %s: %s", p->tmp, strerror(errno));
        if (rc)
            caller_unlink(p->tmp);
    }
    return rc;
}

static int one_pdf(slip_cli *p, const out_slip *sl)
{
    char *path = xasprintf("%s/%s-%s.pdf", p->output, p->period, sl->guard_id);
    slip_pdf *doc = NULL;
    int rc = slip_pdf_open(&doc, p->paper, p->run.stamp, &p->err);
    if (!rc)
        rc = slip_pdf_add(doc, sl, &p->err);
    if (!rc)
        rc = open_dest(p, path);
    if (!rc)
        rc = slip_pdf_write(doc, p->out, &p->err);
    rc = close_dest(p, rc);
    slip_pdf_free(doc);
    free(path);
    return rc;
}

static int one_text(slip_cli *p, const out_slip *sl)
{
    char *path = xasprintf("%s/%s-%s.txt", p->output, p->period, sl->guard_id);
    int rc = open_dest(p, path);
    if (!rc)
        rc = slip_text(p->out, sl, &p->err);
    rc = close_dest(p, rc);
    free(path);
    return rc;
}

static int one_guard(slip_cli *p, const char *guard)
{
    out_slip sl;
    rejection rj = {0};
    int rc = slip_load(&p->run, guard, &sl, &rj, &p->err);
    if (rc == REJECTED) {
        reject_emit(&p->rej, &rj, "guard", 0, guard, strlen(guard));
        p->rejected++;
        rc = 0;
    } else if (!rc) {
        if (p->doc)
            rc = slip_pdf_add(p->doc, &sl, &p->err);
        else if (p->out) {
            if (p->written && fputs("\f", p->out) == EOF)
                rc = err_set(&p->err, EXIT_IOERR, "cannot write the payslips");
            if (!rc)
                rc = slip_text(p->out, &sl, &p->err);
        } else
            rc = p->pdf ? one_pdf(p, &sl) : one_text(p, &sl);
        if (!rc)
            p->written++;
    }
    slip_free(&sl);
    return rc;
}

static int run(slip_cli *p)
{
    int rc = store_open_ro(&p->s, &p->t, "pay", &p->err);
    if (!rc)
        rc = store_attach_ro(&p->s, "hr", &p->err);
    if (!rc)
        rc = slip_run_open(&p->run, &p->s, &p->t, p->period, &p->err);
    if (!rc && !p->nguards)
        rc = slip_run_guards(&p->run, &p->guards, &p->nguards, &p->err);
    /* where it goes: one stream (stdout, a file) or a directory; for text,
     * -o names a file unless it is a directory already */
    int single = !p->output || p->combined;
    if (!rc && !single) {
        struct stat sb;
        int isdir = stat(p->output, &sb) == 0 && S_ISDIR(sb.st_mode);
        if (!p->pdf && !isdir)
            single = 1;
        else if (!isdir && caller_mkdir(p->output, 0777) != 0)
            rc = err_set(&p->err, EXIT_CANTCREAT, "cannot make the directory %s: %s%s", p->output,
                         strerror(errno),
                         errno == EEXIST ? " (one PDF for all: --combined -o FILE)" : "");
    }
    if (!rc && single) {
        if (p->output)
            rc = open_dest(p, p->output);
        else
            p->out = stdout;
    }
    if (!rc && single && p->pdf)
        rc = slip_pdf_open(&p->doc, p->paper, p->run.stamp, &p->err);
    progress *shown = cli_progress(&p->c, p->out);
    for (size_t i = 0; !rc && i < p->nguards; i++) {
        rc = one_guard(p, p->guards[i]);
        progress_tick(shown, (long)i + 1, (long)p->nguards, "payslips");
    }
    if (!rc && p->doc && p->written)
        rc = slip_pdf_write(p->doc, p->out, &p->err);
    slip_pdf_free(p->doc);
    if (p->out == stdout)
        p->out = NULL; /* cli_end checks standard output */
    else if (p->out && !rc && p->pdf && !p->written) {
        /* nothing to write: no empty file is left behind */
        fclose(p->out);
        p->out = NULL;
        if (p->tmp)
            caller_unlink(p->tmp);
    } else
        rc = close_dest(p, rc);
    store_close(&p->s);
    return rc;
}

int main(int argc, char **argv)
{
    static slip_cli p;
    parse_options(&p, argc, argv);
    cli_tenant(&p.c, &p.t);
    cli_authorize(&p.t, "paysheet.read");
    cli_rejects(&p.c, &p.rej);
    int rc = run(&p);
    for (size_t i = 0; i < p.nguards; i++)
        free(p.guards[i]);
    free(p.guards);
    free(p.tmp);
    char where[600] = "", rej[64] = "";
    if (p.output)
        snprintf(where, sizeof where, " in %s", p.output);
    if (p.rejected)
        snprintf(rej, sizeof rej, "; %ld guard%s rejected", p.rejected,
                 p.rejected == 1 ? "" : "s");
    free(p.dest);
    if (rc) /* no summary: the message says what went wrong */
        return cli_end(&p.c, 0, &p.err, NULL);
    return cli_end(&p.c, p.rejected ? EXIT_DATAERR : 0, NULL, "%s: %ld payslip%s written (%s%s)%s",
                   p.period, p.written, p.written == 1 ? "" : "s", p.pdf ? "pdf" : "text", where,
                   rej);
}
