/*
 * armms-import - load master data of one kind from NDJSON or CSV files.
 * Every rule lives in lib/md/; this is options and a loop.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/actions.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "core/input.h"
#include "core/suggest.h"
#include "iam/change.h"
#include "md/masterdata.h"
#include "pay/period.h"

static const char usage_head[] =
    "usage: armms-import [-t TENANT] [--format ndjson|csv] [--rejects FILE]\n"
    "                    KIND [FILE...]\n"
    "       armms-import [-t TENANT] period --generate YEAR\n"
    "\n"
    "Upsert master data of KIND by its natural key. The kinds:\n";

/* The kinds themselves are md's one list (md_kind_names, md_kind_find). */
static const char usage_tail[] =
    "A KIND whose route needs approval (rate, by default) makes a change request\n"
    "(a ChangeRequest record on stdout; see armms-approve). Reads the files\n"
    "(or standard input); a FILE ending in .csv is CSV unless --format says\n"
    "otherwise. CSV has a header row with the same column names as NDJSON and\n"
    "money in pesos (695.00); NDJSON money is integer centavos (69500).\n"
    "\n"
    "  -t, --tenant ID       the tenant (or ARMMS_TENANT)\n"
    "      --format FMT      ndjson (default) or csv\n"
    "      --generate YEAR   with KIND period: add the 24 semi-monthly periods of\n"
    "                        YEAR that are not defined yet\n" CLI_COMMON_HELP;

enum { OPT_FORMAT = OPT_TOOL_BASE, OPT_GENERATE };

struct run {
    md_import *mi;
    const char *format;
    reject_sink *rej;
    md_counts *n;
    armms_err *err;
};

static int import_input(int fd, const char *name, int csv_name, void *ctx)
{
    struct run *r = ctx;
    int csv = r->format ? !strcmp(r->format, "csv") : csv_name;
    return md_import_fd(r->mi, fd, name, csv ? INPUT_CSV : INPUT_NDJSON, r->rej, r->n, r->err);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS,
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"generate", required_argument, NULL, OPT_GENERATE},
                                             {0, 0, 0, 0}};
    cli_t c;
    const char *format = NULL;
    long year = 0;
    int opt;
    static strbuf usage; /* static: reachable until exit, as c.usage */
    cli_init(&c, "armms-import", NULL);
    sb_init(&usage);
    sb_adds(&usage, usage_head);
    cli_wrap(&usage, 2, md_kind_names());
    sb_adds(&usage, usage_tail);
    c.usage = usage.s;
    c.words = md_kind_names();
    /* before md_import_open: obligation schedules are pay's (pay/obligation.h) */
    cli_actions_register();
    argv[0] = (char *)armms_prog; /* getopt names the tool, not its path */
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_FORMAT:
            if (strcmp(optarg, "ndjson") && strcmp(optarg, "csv"))
                cli_usage_error(&c, "unknown format '%s' (ndjson or csv)", optarg);
            format = optarg;
            break;
        case OPT_GENERATE:
            year = cli_long(&c, "--generate", optarg, 1900, 9999);
            break;
        }
    }
    if (optind >= argc)
        cli_usage_error(&c, "missing KIND (one of: %s)", md_kind_names());
    const md_kind *k = md_kind_find(argv[optind]);
    if (!k) {
        suggest_t near;
        strbuf b;
        suggest_init(&near, argv[optind]);
        suggest_offer_words(&near, md_kind_names());
        sb_init(&b);
        if (suggest_names(&near, &b))
            cli_usage_error(&c, "unknown kind '%s' (did you mean %s? one of: %s)", argv[optind],
                            b.s, md_kind_names());
        cli_usage_error(&c, "unknown kind '%s' (one of: %s)", argv[optind], md_kind_names());
    }
    if (year && strcmp(argv[optind], "period") != 0)
        cli_usage_error(&c, "--generate goes with the kind period");
    if (year && optind + 1 < argc)
        cli_usage_error(&c, "--generate takes no files");

    tenant_t t;
    reject_sink rej;
    armms_err err = {0};
    md_import *mi = NULL;
    md_counts n = {0};
    change_t ch;
    cli_tenant(&c, &t);
    if (change_open(&ch, &t, md_kind_action(k), &err))
        armms_die_err(&err);
    cli_rejects(&c, &rej);
    if (md_import_open(&mi, k, &t, &err) || change_begin(&ch, md_store(mi), &err))
        armms_die_err(&err);
    md_import_progress(mi, cli_progress(&c, NULL));
    md_import_limit(mi, &ch.who);
    int rc = 0, missing = 0, made = 0;
    if (year) {
        jv ps = pay_year_periods((int)year);
        md_insert_only(mi, 1);
        rc = md_begin(mi, &err);
        for (int i = 0; !rc && i < jv_array_length(jv_copy(ps)); i++)
            rc = md_upsert(mi, jv_array_get(jv_copy(ps), i), 0, &rej, "--generate", i + 1, NULL, 0,
                           &n, &err);
        if (!rc)
            rc = md_commit(mi, &err);
        jv_free(ps);
    } else {
        struct run r = {mi, format, &rej, &n, &err};
        rc = cli_each_input(argc - optind - 1, argv + optind + 1, import_input, &r, &missing);
    }
    if (!rc && ch.requesting) {
        /* Routed: nothing changed; the accepted records wait for approval. */
        char summary[200];
        snprintf(summary, sizeof summary, "%s: %ld records (%ld new, %ld changed, %ld unchanged)",
                 argv[optind], n.read - n.rejected, n.inserted, n.updated, n.unchanged);
        cli_progress_clear(); /* the ChangeRequest goes to stdout, perhaps that terminal */
        rc = change_submit(&ch, md_effect(mi), summary, stdout, &made, &err);
    }
    if (!rc && n.refused) {
        /* the records at the actor's detachments landed; the others are
         * Rejects, and the run says whose they are */
        strbuf at;
        sb_init(&at);
        rbac_dets(&ch.who, &at);
        rc = err_set(&err, EXIT_NOPERM,
                     "user '%s' of tenant %s may %s only at %s: not at %s (%ld records refused)",
                     ch.who.user, t.id, md_kind_action(k), at.s, md_refused(mi), n.refused);
        sb_free(&at);
    }
    md_import_close(mi);
    char line[400];
    const char *outcome =
        ch.requesting && !rc ? change_outcome(&ch, made, line, sizeof line) : NULL;
    const char *requested = ch.requesting ? " (requested, not applied)" : "";
    change_close(&ch);
    int code = missing ? EXIT_NOINPUT : n.rejected ? EXIT_DATAERR : 0;
    return cli_end(&c, code, rc ? &err : NULL,
                   "%s: %ld read, %ld inserted, %ld updated, %ld unchanged, %ld rejected%s%s%s",
                   argv[optind], n.read, n.inserted, n.updated, n.unchanged, n.rejected, requested,
                   outcome ? "\n" : "", outcome ? outcome : "");
}
