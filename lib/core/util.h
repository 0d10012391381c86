/*
 * util.h - errors, allocation and growable buffers shared by every tool.
 *
 * THE ERROR RULE, kept by every module of ARMMS:
 *  - a library function never prints and never exits. It returns 0 on
 *    success or a sysexits code (EXIT_*), with an armms_err filled by
 *    err_set: a lowercase message without a full stop, naming what failed
 *    (the tenant, the file, the record). Only the tools and the CLI layer
 *    print and choose the exit code;
 *  - one bad input record is not an error of the run: it is a rejection
 *    (core/reject.h), returned as REJECTED through the same int, and
 *    written by reject_emit alone;
 *  - an invariant a comment states is assert()ed where it must hold.
 * Allocation failure is the one exception: xmalloc and friends call the
 * out-of-memory handler (armms_oom; the CLI layer's prints
 * "PROG: fatal: out of memory" and exits 70), because no caller can do
 * better.
 *
 * Uses nothing of ARMMS: this is the bottom of the core layer.
 */
#ifndef ARMMS_UTIL_H
#define ARMMS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* sysexits(3) codes, as fixed by the design contract. */
enum {
    EX_OK_ = 0,
    EXIT_USAGE = 64,
    EXIT_DATAERR = 65,
    EXIT_NOINPUT = 66,
    EXIT_UNAVAILABLE = 69,
    EXIT_SOFTWARE = 70,
    EXIT_CANTCREAT = 73,
    EXIT_IOERR = 74,
    EXIT_TEMPFAIL = 75, /* tenant busy: lock held past --wait */
    EXIT_NOPERM = 77,   /* not permitted (RBAC) */
    EXIT_CONFIG = 78,   /* tenant missing or schema mismatch */
};

typedef struct armms_err {
    int code;       /* sysexits code, 0 when no error */
    char msg[1024]; /* lowercase, no trailing full stop */
} armms_err;

/* Set err and return its code, so callers can write `return err_set(...)`. */
int err_set(armms_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefix an existing message: "context: old message". */
int err_wrap(armms_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A failure no caller can do better with (out of memory, libcrypto unable
 * to hash): armms_fatal hands `what` to the handler the CLI layer installed
 * (it prints "PROG: fatal: WHAT" and exits 70); with none, it aborts. */
extern void (*armms_fatal_handler)(const char *what);
_Noreturn void armms_fatal(const char *what);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;
void sb_init(strbuf *b);
void sb_free(strbuf *b);
void sb_reset(strbuf *b);
void sb_grow(strbuf *b, size_t extra);
void sb_add(strbuf *b, const char *s, size_t n);
void sb_adds(strbuf *b, const char *s);
void sb_addc(strbuf *b, char c);
void sb_addf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v in decimal, as "%lld" writes it, without printf's cost. */
void sb_add_int(strbuf *b, long long v);
/* Copy src (NULL: "") into dst of size n (n > 0), cut to fit and always
 * terminated: snprintf(dst, n, "%s", src) without the format's cost. */
void str_copy(char *dst, size_t n, const char *src);
/* Append s as a JSON string literal (quoted, escaped). s must be UTF-8. */
void sb_add_json_str(strbuf *b, const char *s, size_t n);

/* Append ,"key":"value" (value escaped; NULL writes null). For writers that
 * build records in a fixed field order without a jv round trip. */
void sb_add_json_kv(strbuf *b, const char *key, const char *value);
/* The same for a record's fixed keys: key_colon is written as it is
 * (",\"guard_id\":", not escaped), then value as a JSON string, or null
 * when value is NULL. */
void sb_add_json_lkv(strbuf *b, const char *key_colon, const char *value);

/* Write all of buf to fd, retrying short writes. 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t n);
/* Flush and check a stdio stream at exit; sbase habit: `> /dev/full` fails. */
int stream_close_check(FILE *f);

/* True when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int utf8_valid(const char *s, size_t n);

#endif
