/*
 * armms - run armms-VERB, as git runs git-VERB. The tool is looked for
 * beside this program first, then on PATH.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char usage[] = "usage: armms VERB [ARGS...]\n"
                            "\n"
                            "Runs armms-VERB with ARGS. Verbs:\n"
                            "  init      create or migrate a tenant\n"
                            "  import    load master data (guards, assignments, rates, users,\n"
                            "            roles, routes, ...)\n"
                            "  ingest    record clock events\n"
                            "  timelog   match clock events to shifts; timekeepers' adjustments\n"
                            "  dtr       daily time records: paired punches, minute buckets\n"
                            "  timesheet timesheets per period: validate, finalize\n"
                            "  approve   change requests: verify, approve, reject\n"
                            "  journal   read, verify and seal the journal; a record's history\n"
                            "  sample    generate the demo tenant and clock events\n"
                            "\n"
                            "See armms(7) for the pipeline and armms-VERB(1) for each tool.\n";

int main(int argc, char **argv)
{
    cli_prog("armms");
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("armms %s\n", ARMMS_VERSION);
        return 0;
    }
    if (strchr(argv[1], '/') || argv[1][0] == '-')
        armms_die(EXIT_USAGE, "'%s' is not a verb; try 'armms --help'", argv[1]);
    char *tool = xasprintf("armms-%s", argv[1]);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
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
    armms_die(errno == ENOENT ? EXIT_USAGE : EXIT_UNAVAILABLE, "cannot run %s: %s", tool,
              strerror(errno));
}
