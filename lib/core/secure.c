/*
 * secure.c - see secure.h.
 */
#define _GNU_SOURCE
#include "core/secure.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

extern const char armms_system_dir[];

static int secure = -1;
static gid_t priv_gid; /* the effective group the run was started with */

/* Read by libraries when present: removed in a secure run (glibc drops
 * some of these for AT_SECURE itself; the rest are ours to drop). */
static const char *const scrubbed[] = {"TMPDIR",  "SQLITE_TMPDIR", "TZDIR",    "LOCPATH",
                                       "NLSPATH", "GCONV_PATH",    "JQ_COLORS"};

/* The only names a secure run reads through armms_env. */
static const char *const trusted[] = {"ARMMS_TENANT", "ARMMS_USER", "TERM", "NO_COLOR"};

void secure_init(void)
{
    if (secure >= 0)
        return;
    secure = getauxval(AT_SECURE) != 0 || getegid() != getgid() || geteuid() != getuid();
    priv_gid = getegid();
    if (!secure)
        return;
    for (size_t i = 0; i < sizeof scrubbed / sizeof *scrubbed; i++)
        unsetenv(scrubbed[i]);
    /* libjq looks for ~/.jq through HOME: point it nowhere */
    setenv("HOME", "/nonexistent", 1);
}

int secure_on(void)
{
    if (secure < 0)
        secure_init();
    return secure;
}

const char *secure_data_dir(void)
{
    return armms_system_dir;
}

const char *armms_env(const char *name)
{
    if (!secure_on())
        return getenv(name);
    for (size_t i = 0; i < sizeof trusted / sizeof *trusted; i++)
        if (!strcmp(name, trusted[i]))
            return getenv(name);
    return NULL;
}

const char *secure_login(void)
{
    static char name[64];
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        snprintf(name, sizeof name, "%s", pw && pw->pw_name ? pw->pw_name : "");
    }
    return name;
}

/* The caller's group for the call between as_caller and as_tool. */
static void as_caller(void)
{
    if (secure_on() && getegid() != getgid() && setegid(getgid()) != 0)
        abort(); /* never go on with the installation's group by mistake */
}

static void as_tool(int *saved)
{
    *saved = errno;
    if (secure_on() && getegid() != priv_gid && setegid(priv_gid) != 0)
        abort();
    errno = *saved;
}

FILE *caller_fopen(const char *path, const char *mode)
{
    int e;
    as_caller();
    FILE *f = fopen(path, mode);
    as_tool(&e);
    return f;
}

int caller_open(const char *path, int flags, mode_t mode)
{
    int e;
    as_caller();
    int fd = open(path, flags, mode);
    as_tool(&e);
    return fd;
}

int caller_rename(const char *from, const char *to)
{
    int e;
    as_caller();
    int rc = rename(from, to);
    as_tool(&e);
    return rc;
}

int caller_mkdir(const char *path, mode_t mode)
{
    int e;
    as_caller();
    int rc = mkdir(path, mode);
    as_tool(&e);
    return rc;
}

int caller_mkstemp(char *tmpl)
{
    int e;
    as_caller();
    int fd = mkstemp(tmpl);
    as_tool(&e);
    return fd;
}

int caller_unlink(const char *path)
{
    int e;
    as_caller();
    int rc = unlink(path);
    as_tool(&e);
    return rc;
}

DIR *caller_opendir(const char *path)
{
    int e;
    as_caller();
    DIR *d = opendir(path);
    as_tool(&e);
    return d;
}

void caller_begin(void)
{
    as_caller();
}

void caller_end(void)
{
    int e;
    as_tool(&e);
}
