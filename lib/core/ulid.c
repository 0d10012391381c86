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
    uint8_t b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (40 - 8 * i));
    memcpy(b + 6, rnd, 10);
    /* 128 bits -> 26 base32 digits, most significant first (2 pad bits). */
    int bit = -2;
    for (int i = 0; i < 26; i++, bit += 5) {
        unsigned v = 0;
        for (int k = 0; k < 5; k++) {
            int pos = bit + k;
            v <<= 1;
            if (pos >= 0)
                v |= (b[pos / 8] >> (7 - pos % 8)) & 1;
        }
        out[i] = crockford[v];
    }
    out[26] = 0;
}
