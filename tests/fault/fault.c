/*
 * fault.c - a fault-injection shim for the crash tests (tests/95-crash.bats).
 * Built by the Makefile as tests/fault/fault.so and loaded with LD_PRELOAD.
 * It is test code only: nothing in bin/ links it.
 *
 * Configured by the environment:
 *   ARMMS_FAULT=KIND:N:ACTION   fault the Nth call (from 1) of KIND
 *     KIND    write (write, pwrite, pwrite64), fsync, fdatasync, sync (either
 *             of fsync and fdatasync), rename
 *     ACTION  fail   the call does nothing and returns -1 with EIO
 *             tear   (write) half the bytes are written, then -1 with EIO
 *             crash  the process dies by SIGKILL at the call: a write
 *                    writes half its bytes first, anything else does not
 *                    happen at all
 *             after  the call is made, then the process dies by SIGKILL
 *   ARMMS_FAULT_PATH=PREFIX     count only calls on files whose path (the fd's
 *                               /proc/self/fd link; a rename's source or
 *                               target) starts with PREFIX; default: all
 *   ARMMS_FAULT_LOG=FILE        append "KIND N ACTION PATH" to FILE when the
 *                               fault fires, so a test can tell that N was
 *                               reached (a run with fewer calls is clean)
 * Calls are counted per process; a child process counts on its own. The
 * crash is a process crash (the page cache survives), not a power cut.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum { K_NONE, K_WRITE, K_FSYNC, K_FDATASYNC, K_SYNC, K_RENAME };
enum { A_FAIL, A_TEAR, A_CRASH, A_AFTER };

static int kind = -1, action;
static long target, seen;
static char prefix[PATH_MAX];
static size_t prefix_len;

static void init(void)
{
    if (kind >= 0)
        return;
    kind = K_NONE;
    const char *e = getenv("ARMMS_FAULT");
    if (!e)
        return;
    char k[16], a[16];
    if (sscanf(e, "%15[a-z]:%ld:%15[a-z]", k, &target, a) != 3 || target < 1)
        return;
    static const char *const kinds[] = {"", "write", "fsync", "fdatasync", "sync", "rename"};
    static const char *const actions[] = {"fail", "tear", "crash", "after"};
    int ki = K_NONE, ai = -1;
    for (int i = 1; i < 6; i++)
        if (strcmp(k, kinds[i]) == 0)
            ki = i;
    for (int i = 0; i < 4; i++)
        if (strcmp(a, actions[i]) == 0)
            ai = i;
    if (ki == K_NONE || ai < 0)
        return;
    const char *p = getenv("ARMMS_FAULT_PATH");
    if (p && *p) {
        if (!realpath(p, prefix))
            snprintf(prefix, sizeof prefix, "%s", p);
        prefix_len = strlen(prefix);
    }
    kind = ki;
    action = ai;
}

static int under_prefix(const char *path)
{
    return prefix_len == 0 ||
           (strncmp(path, prefix, prefix_len) == 0 &&
            (path[prefix_len] == 0 || path[prefix_len] == '/' || prefix[prefix_len - 1] == '/'));
}

static void fd_path(int fd, char *out, size_t n)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t got = readlink(link, out, n - 1);
    out[got > 0 ? got : 0] = 0;
}

static void note(const char *k, const char *path)
{
    static const char *const actions[] = {"fail", "tear", "crash", "after"};
    const char *log = getenv("ARMMS_FAULT_LOG");
    if (!log)
        return;
    static ssize_t (*real_write)(int, const void *, size_t);
    if (!real_write)
        real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    char line[PATH_MAX + 64];
    int len = snprintf(line, sizeof line, "%s %ld %s %s\n", k, target, actions[action], path);
    if (len > 0)
        (void)!real_write(fd, line, (size_t)len);
    close(fd);
}

/* Does this call fire the fault? k is the call's kind; path names its file. */
static int fires(int k, const char *path)
{
    init();
    if (kind == K_NONE || seen >= target)
        return 0;
    int match = kind == k || (kind == K_SYNC && (k == K_FSYNC || k == K_FDATASYNC));
    if (!match || !under_prefix(path))
        return 0;
    if (++seen != target)
        return 0;
    static const char *const kinds[] = {"", "write", "fsync", "fdatasync", "sync", "rename"};
    note(kinds[kind], path);
    return 1;
}

static int fires_fd(int k, int fd)
{
    init();
    if (kind == K_NONE || seen >= target)
        return 0;
    char path[PATH_MAX];
    fd_path(fd, path, sizeof path);
    return fires(k, path);
}

static void die(void)
{
    kill(getpid(), SIGKILL);
    _exit(137);
}

/* The libc function a wrapper stands for. */
#define REAL(name)                                                                                 \
    static __typeof__(&name) real_##name;                                                          \
    if (!real_##name)                                                                              \
    real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

/* A faulted write: fail, tear (half, then fail), crash (half, then die). */
static ssize_t write_fault(ssize_t (*half)(const void *, size_t, void *), const void *buf,
                           size_t n, void *ctx)
{
    if (action == A_AFTER) {
        half(buf, n, ctx);
        die();
    }
    if (action != A_FAIL && n > 1)
        half(buf, n / 2, ctx);
    if (action == A_CRASH)
        die();
    errno = EIO;
    return -1;
}

typedef struct wctx {
    int fd;
    off_t off;
    int positional;
} wctx;

static ssize_t do_write(const void *buf, size_t n, void *vctx)
{
    wctx *c = vctx;
    if (c->positional) {
        REAL(pwrite64);
        return real_pwrite64(c->fd, buf, n, c->off);
    }
    REAL(write);
    return real_write(c->fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write);
    if (!fires_fd(K_WRITE, fd))
        return real_write(fd, buf, n);
    wctx c = {fd, 0, 0};
    return write_fault(do_write, buf, n, &c);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite);
    if (!fires_fd(K_WRITE, fd))
        return real_pwrite(fd, buf, n, off);
    wctx c = {fd, off, 1};
    return write_fault(do_write, buf, n, &c);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    REAL(pwrite64);
    if (!fires_fd(K_WRITE, fd))
        return real_pwrite64(fd, buf, n, off);
    wctx c = {fd, off, 1};
    return write_fault(do_write, buf, n, &c);
}

static int sync_fault(int (*real)(int), int fd)
{
    if (action == A_AFTER) {
        real(fd);
        die();
    }
    if (action == A_CRASH || action == A_TEAR)
        die();
    errno = EIO;
    return -1;
}

int fsync(int fd)
{
    REAL(fsync);
    return fires_fd(K_FSYNC, fd) ? sync_fault(real_fsync, fd) : real_fsync(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync);
    return fires_fd(K_FDATASYNC, fd) ? sync_fault(real_fdatasync, fd) : real_fdatasync(fd);
}

int rename(const char *from, const char *to)
{
    REAL(rename);
    char abs[PATH_MAX];
    if (!realpath(from, abs))
        snprintf(abs, sizeof abs, "%s", from);
    init();
    int hit = kind == K_RENAME && (under_prefix(abs) || under_prefix(to)) ? fires(K_RENAME, abs)
                                                                            : 0;
    if (!hit)
        return real_rename(from, to);
    if (action == A_AFTER) {
        real_rename(from, to);
        die();
    }
    if (action == A_CRASH || action == A_TEAR)
        die();
    errno = EIO;
    return -1;
}
