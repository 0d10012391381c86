/*
 * fuzz_main.c - the driver shared by the harnesses (see fuzz.h): afl++
 * persistent mode when built with afl-clang-fast, a replay of files and
 * directories otherwise (or when the afl build is given arguments).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static int memfd = -1;
static int set_up;
int fuzz_verbose;

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

int fuzz_fd(const uint8_t *data, size_t len)
{
    if (memfd < 0 && (memfd = memfd_create("fuzz-input", 0)) < 0)
        fuzz_fail("memfd_create: %s", strerror(errno));
    if (ftruncate(memfd, 0) != 0)
        fuzz_fail("ftruncate: %s", strerror(errno));
    for (size_t off = 0; off < len;) {
        ssize_t n = pwrite(memfd, data + off, len - off, (off_t)off);
        if (n <= 0)
            fuzz_fail("pwrite: %s", strerror(errno));
        off += (size_t)n;
    }
    if (lseek(memfd, 0, SEEK_SET) != 0)
        fuzz_fail("lseek: %s", strerror(errno));
    return memfd;
}

static void setup_once(void)
{
    if (set_up)
        return;
    if (fuzz_setup() != 0)
        fuzz_fail("setup failed");
    set_up = 1;
}

static void finish(void)
{
    if (set_up)
        fuzz_teardown();
    set_up = 0;
    if (memfd >= 0)
        close(memfd);
    memfd = -1;
}

/* Run one file; 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "fuzz: %s: cannot read\n", path);
        return -1;
    }
    setup_once();
    fuzz_one(buf, len);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run path, or every regular file of the directory path (sorted, not
 * recursing, skipping dot files); *ran counts the inputs. */
static int run_path(const char *path, long *ran)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        *ran += 1;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        if (!names || asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
            fuzz_fail("out of memory");
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            *ran += 1;
            if (fuzz_verbose)
                fprintf(stderr, "fuzz: %s\n", names[i]);
            rc |= run_file(names[i]);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    fuzz_verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (argc > 1) {
        long ran = 0;
        int rc = 0;
        for (int i = 1; i < argc; i++)
            rc |= run_path(argv[i], &ran);
        finish();
        if (!getenv("FUZZ_QUIET"))
            fprintf(stderr, "%s: %ld inputs replayed%s\n", argv[0], ran,
                    rc ? ", some unreadable" : "");
        return rc ? 66 : 0;
    }
#ifdef __AFL_HAVE_MANUAL_CONTROL
    /* The fork server starts here: each child makes its own tenant. */
    __AFL_INIT();
#ifdef __AFL_FUZZ_TESTCASE_LEN
    const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
    setup_once();
    /* A child runs this many inputs, then a fresh one starts (with a fresh
     * tenant): the state one input leaves cannot pile up for ever. */
    while (__AFL_LOOP(2000))
        fuzz_one(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
    finish();
    return 0;
#endif
#endif
    /* No arguments, no afl: one input on standard input. */
    size_t cap = 1 << 16, len = 0;
    ssize_t n;
    uint8_t *in = malloc(cap);
    while (in && (n = read(0, in + len, cap - len)) > 0) {
        len += (size_t)n;
        if (len == cap && !(in = realloc(in, cap *= 2)))
            break;
    }
    if (!in)
        fuzz_fail("out of memory");
    setup_once();
    fuzz_one(in, len);
    free(in);
    finish();
    return 0;
}
