/*
 * t.h - a minimal TAP producer for the C unit tests of lib/.
 * Each check prints "ok N - what" or "not ok N - what" with the values that
 * differed; main() returns t_done(), nonzero when anything failed.
 */
#ifndef ARMMS_T_H
#define ARMMS_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_n, t_failed;

#define T_OK(cond, ...)                                                                           \
    do {                                                                                          \
        int t_c_ = (cond);                                                                        \
        printf("%sok %d - ", t_c_ ? "" : "not ", ++t_n);                                          \
        printf(__VA_ARGS__);                                                                      \
        printf("\n");                                                                             \
        if (!t_c_) {                                                                              \
            t_failed++;                                                                           \
            printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
        }                                                                                         \
    } while (0)

#define T_EQ_INT(got, want, ...)                                                                  \
    do {                                                                                          \
        long long t_g_ = (long long)(got), t_w_ = (long long)(want);                              \
        T_OK(t_g_ == t_w_, __VA_ARGS__);                                                          \
        if (t_g_ != t_w_)                                                                         \
            printf("#   got %lld, want %lld\n", t_g_, t_w_);                                      \
    } while (0)

#define T_EQ_STR(got, want, ...)                                                                  \
    do {                                                                                          \
        const char *t_g_ = (got), *t_w_ = (want);                                                 \
        int t_same_ = t_g_ && t_w_ && strcmp(t_g_, t_w_) == 0;                                    \
        T_OK(t_same_, __VA_ARGS__);                                                               \
        if (!t_same_)                                                                             \
            printf("#   got '%s', want '%s'\n", t_g_ ? t_g_ : "(null)", t_w_ ? t_w_ : "(null)");  \
    } while (0)

static int t_done(void)
{
    printf("1..%d\n", t_n);
    return t_failed ? 1 : 0;
}

#endif
