/*
 * ulid.c - see ulid.h. Randomness comes from getrandom(2).
 */
#include "core/ulid.h"

#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void ulid_new(char *out)
{
    static uint64_t last_ms;
    static uint8_t rnd[10];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    if (ms <= last_ms) {
        ms = last_ms;
        for (int i = 9; i >= 0 && ++rnd[i] == 0; i--)
            ;
    } else {
        size_t got = 0;
        while (got < sizeof rnd) {
            ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);
            if (r > 0)
                got += (size_t)r;
        }
        rnd[0] &= 0x7f; /* room to increment within a millisecond */
        last_ms = ms;
    }
    ulid_encode(ms, rnd, out);
}

void ulid_encode(uint64_t ms, const uint8_t rnd[10], char *out)
{
    /* 128 bits (48 of time, 80 random) -> 26 base32 digits, least
     * significant last; the 2 bits above the 128 are zero. hi holds the
     * time and the first 2 random bytes, lo the other 8. */
    uint64_t hi = (ms & 0xffffffffffffULL) << 16 | (uint64_t)rnd[0] << 8 | rnd[1], lo = 0;
    for (int i = 2; i < 10; i++)
        lo = lo << 8 | rnd[i];
    for (int i = 25; i >= 0; i--) {
        out[i] = crockford[lo & 31];
        lo = lo >> 5 | (hi & 31) << 59;
        hi >>= 5;
    }
    out[26] = 0;
}
