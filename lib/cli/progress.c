/*
 * progress.c - see progress.h.
 */
#include "cli/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/secure.h"

/* One tool, one line. */
static struct {
    progress p;
    int shown; /* the line is on the terminal now */
} line;

/* Invariant 1. */
static int wanted(const cli_t *c, FILE *out)
{
    struct stat o, e;
    if (c->quiet || !isatty(STDERR_FILENO))
        return 0;
    if (out && fstat(fileno(out), &o) == 0 && fstat(STDERR_FILENO, &e) == 0 &&
        S_ISCHR(o.st_mode) && o.st_rdev == e.st_rdev)
        return 0;
    return 1;
}

/* "100,000" */
static void grouped(char *buf, size_t n, long v)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%ld", v < 0 ? -v : v), o = 0;
    if (v < 0 && o + 1 < (int)n)
        buf[o++] = '-';
    for (int i = 0; i < len && o + 1 < (int)n; i++) {
        if (i && (len - i) % 3 == 0 && o + 2 < (int)n)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
}

static void draw(void *ctx, long done, long total, const char *unit)
{
    (void)ctx;
    char d[32], t[32];
    grouped(d, sizeof d, done);
    if (total > 0) {
        grouped(t, sizeof t, total);
        cli_progress_show("%s / %s %s", d, t, unit);
    } else {
        cli_progress_show("%s %s", d, unit);
    }
}

progress *cli_progress(const cli_t *c, FILE *out)
{
    if (!wanted(c, out))
        return NULL;
    long ms = CLI_PROGRESS_MS;
    const char *env = armms_env("ARMMS_PROGRESS_MS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v >= 0 && v <= 3600000)
            ms = v;
    }
    progress_start(&line.p, draw, NULL, ms);
    return &line.p;
}

/* The line in one write: stderr is unbuffered, and a redraw in pieces
 * would flicker. */
void cli_progress_show(const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s: %s", armms_prog, text);
    line.shown = 1;
}

void cli_progress_clear(void)
{
    if (!line.shown)
        return;
    fputs("\r\033[K", stderr);
    line.shown = 0;
}

int cli_progress_shown(void)
{
    return line.shown;
}
