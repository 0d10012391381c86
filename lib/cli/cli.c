/*
 * cli.c - see cli.h.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iam/rbac.h"

const char *armms_prog = "armms";

/* Core's fatal failures: async-signal-safe writes, then exit 70. */
static _Noreturn void fatal(const char *what)
{
    static const char sep[] = ": fatal: ";
    (void)!write(2, armms_prog, strlen(armms_prog));
    (void)!write(2, sep, sizeof sep - 1);
    (void)!write(2, what, strlen(what));
    (void)!write(2, "\n", 1);
    _exit(EXIT_SOFTWARE);
}

void cli_prog(const char *prog)
{
    armms_prog = prog;
    armms_fatal_handler = fatal;
}

void armms_warn(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", armms_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void armms_die(int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", armms_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(code);
}

void armms_die_err(const armms_err *err)
{
    armms_die(err->code ? err->code : EXIT_SOFTWARE, "%s", err->msg);
}

void cli_init(cli_t *c, const char *prog, const char *usage)
{
    memset(c, 0, sizeof *c);
    c->wait_s = -1;
    c->usage = usage;
    cli_prog(prog);
}

void cli_usage_error(const cli_t *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", armms_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", armms_prog);
    exit(EXIT_USAGE);
}

long cli_long(const cli_t *c, const char *name, const char *arg, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max)
        cli_usage_error(c, "invalid %s '%s' (want %ld..%ld)", name, arg, min, max);
    return v;
}

int cli_common(cli_t *c, int opt, const char *arg)
{
    switch (opt) {
    case 't':
        c->tenant = arg;
        return 1;
    case OPT_AS:
        c->actor = arg;
        return 1;
    case OPT_WAIT:
        c->wait_s = (int)cli_long(c, "--wait", arg, 0, 86400);
        return 1;
    case OPT_REJECTS:
        c->rejects = arg;
        return 1;
    case 'q':
        c->quiet = 1;
        return 1;
    case 'h':
        fputs(c->usage, stdout);
        exit(cli_finish(0));
    case OPT_VERSION:
        printf("%s %s\n", armms_prog, ARMMS_VERSION);
        exit(cli_finish(0));
    case '?':
        fprintf(stderr, "Try '%s --help' for more information.\n", armms_prog);
        exit(EXIT_USAGE);
    }
    return 0;
}

void cli_tenant(const cli_t *c, tenant_t *t)
{
    armms_err err = {0};
    if (tenant_resolve(t, c->tenant, c->actor, &err) || tenant_require(t, &err))
        armms_die_err(&err);
    if (c->wait_s >= 0)
        t->wait_ms = c->wait_s * 1000;
}

void cli_authorize(tenant_t *t, const char *scope)
{
    armms_err err = {0};
    rbac_t who;
    if (rbac_load(&who, t, &err) || rbac_require(&who, scope, &err)) {
        rbac_free(&who);
        armms_die_err(&err);
    }
    rbac_free(&who);
}

void cli_rejects(const cli_t *c, reject_sink *r)
{
    if (!c->rejects || strcmp(c->rejects, "-") == 0) {
        reject_attach(r, stderr);
        return;
    }
    if (reject_open(r, c->rejects) != 0)
        armms_die(EXIT_CANTCREAT, "cannot open rejects file %s: %s", c->rejects, strerror(errno));
}

int cli_each_input(int n, char **paths, cli_input_fn fn, void *ctx, int *missing)
{
    *missing = 0;
    if (n == 0)
        return fn(0, "<stdin>", 0, ctx);
    for (int i = 0; i < n; i++) {
        const char *path = paths[i];
        int std = strcmp(path, "-") == 0;
        int fd = std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            armms_warn("cannot open %s: %s", path, strerror(errno));
            *missing = 1;
            continue;
        }
        size_t len = strlen(path);
        int rc = fn(fd, std ? "<stdin>" : path, len > 4 && !strcmp(path + len - 4, ".csv"), ctx);
        if (!std)
            close(fd);
        if (rc)
            return rc;
    }
    return 0;
}

int cli_rejects_close(reject_sink *r, int code)
{
    if (reject_close(r) != 0) {
        fprintf(stderr, "%s: write error on Reject records: %s\n", armms_prog, strerror(errno));
        return EXIT_IOERR;
    }
    return code;
}

int cli_finish(int code)
{
    errno = 0;
    if (stream_close_check(stdout) != 0) {
        int e = errno ? errno : EIO;
        fprintf(stderr, "%s: write error on standard output: %s\n", armms_prog, strerror(e));
        return code ? code : EXIT_IOERR;
    }
    return code;
}
