/*
 * armms - run armms-VERB, as git runs git-VERB. The tool is looked for
 * beside this program first, then on PATH. The verbs of this version are
 * one table: the usage, --complete and the "did you mean" of a verb that
 * runs nothing all come from it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/secure.h"
#include "core/suggest.h"

static const cli_verb verbs[] = {
    {.name = "init", .help = "create or migrate a tenant"},
    {.name = "import",
     .help = "load master data (guards, assignments, rates, users,\n"
             "roles, routes, ...)"},
    {.name = "ingest", .help = "record clock events"},
    {.name = "timelog", .help = "match clock events to shifts; timekeepers' adjustments"},
    {.name = "dtr", .help = "daily time records: paired punches, minute buckets"},
    {.name = "timesheet", .help = "timesheets per period: validate, finalize"},
    {.name = "approve", .help = "change requests: verify, approve, reject"},
    {.name = "pay", .help = "gross pay from sealed timesheets"},
    {.name = "deduct", .help = "contributions, withholding tax and deductions: net pay"},
    {.name = "payrun", .help = "a period's payrun: open, compute, approve, close"},
    {.name = "payslip", .help = "payslips of an approved payrun (text, PDF)"},
    {.name = "notify", .help = "each guard's payslip by mail when a payrun closes"},
    {.name = "bank", .help = "the bank credit file of an approved payrun"},
    {.name = "register", .help = "the payroll register (CSV, XLSX)"},
    {.name = "remit", .help = "SSS, Pag-IBIG, PhilHealth and BIR files"},
    {.name = "report", .help = "read-only reports: exceptions, DTRs, timesheets, rosters, pay"},
    {.name = "archive", .help = "pack an approved payrun's files into a journaled archive"},
    {.name = "journal", .help = "read, verify and seal the journal; a record's history"},
    {.name = "sample", .help = "generate the demo tenant and clock events"},
    {0},
};

static const char usage_head[] = "usage: armms VERB [ARGS...]\n"
                                 "\n"
                                 "Runs armms-VERB with ARGS. Verbs:\n";

static const char usage_tail[] =
    "\n"
    "Any other VERB runs armms-VERB when one is installed.\n"
    "See armms(7) for the pipeline and armms-VERB(1) for each tool.\n"
    "\n"
    "  -h, --help     this text\n"
    "      --version  print the version\n" CLI_EXIT_HEAD CLI_EXIT(
        " 0", "--help, --version; else the exit status of the tool run")
        CLI_EXIT("64", "usage: no verb, or no tool armms-VERB (the nearest named)")
            CLI_EXIT("69", "armms-VERB exists but cannot be run");

/* "armms: 'injest' is not an armms verb (did you mean 'ingest'?)" */
static _Noreturn void no_such_tool(const char *verb)
{
    suggest_t near;
    strbuf b;
    suggest_init(&near, verb);
    for (const cli_verb *v = verbs; v->name; v++)
        suggest_offer(&near, v->name);
    sb_init(&b);
    if (suggest_names(&near, &b))
        armms_die(EXIT_USAGE, "'%s' is not an armms verb (did you mean %s?)", verb, b.s);
    armms_die(EXIT_USAGE, "'%s' is not an armms verb; try 'armms --help'", verb);
}

int main(int argc, char **argv)
{
    cli_t c;
    strbuf u;
    sb_init(&u);
    sb_adds(&u, usage_head);
    cli_verb_list(&u, verbs);
    sb_adds(&u, usage_tail);
    cli_init(&c, "armms", u.s);
    c.verbs = verbs;
    if (argc < 2) {
        fputs(u.s, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
        cli_common(&c, 'h', NULL);
    if (!strcmp(argv[1], "--version"))
        cli_common(&c, OPT_VERSION, NULL);
    if (!strcmp(argv[1], "--complete"))
        cli_common(&c, OPT_COMPLETE, NULL);
    if (strchr(argv[1], '/') || argv[1][0] == '-')
        armms_die(EXIT_USAGE, "'%s' is not a verb; try 'armms --help'", argv[1]);
    /* the tool runs with its own rights: a set-group-id front end gives
     * up the installation's group for good before it looks on PATH */
    if (secure_on() && setregid(getgid(), getgid()) != 0)
        armms_die(EXIT_SOFTWARE, "cannot give up the installation's group: %s", strerror(errno));
    char *tool = xasprintf("armms-%s", argv[1]);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const char *verb = argv[1];
    argv[1] = tool;
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            char *path = xasprintf("%s/%s", self, tool);
            if (access(path, X_OK) == 0)
                execv(path, argv + 1);
            free(path);
        }
    }
    execvp(tool, argv + 1);
    if (errno == ENOENT)
        no_such_tool(verb);
    armms_die(EXIT_UNAVAILABLE, "cannot run %s: %s", tool, strerror(errno));
}
