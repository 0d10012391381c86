/*
 * setdigest.c - see setdigest.h.
 */
#include "core/setdigest.h"

#include "core/sha.h"

void setdigest_add(unsigned char acc[SETDIGEST_LEN], const unsigned char h[SETDIGEST_LEN])
{
    unsigned carry = 0;
    for (int i = SETDIGEST_LEN - 1; i >= 0; i--) {
        unsigned v = (unsigned)acc[i] + h[i] + carry;
        acc[i] = (unsigned char)v;
        carry = v >> 8;
    }
}

void setdigest_sub(unsigned char acc[SETDIGEST_LEN], const unsigned char h[SETDIGEST_LEN])
{
    unsigned borrow = 0;
    for (int i = SETDIGEST_LEN - 1; i >= 0; i--) {
        unsigned sub = (unsigned)h[i] + borrow;
        borrow = acc[i] < sub;
        acc[i] = (unsigned char)(acc[i] + 256u - sub);
    }
}

void setdigest_update(unsigned char acc[SETDIGEST_LEN], int sign, const void *data, size_t n)
{
    unsigned char h[SETDIGEST_LEN];
    sha256_raw(data, n, h);
    if (sign < 0)
        setdigest_sub(acc, h);
    else
        setdigest_add(acc, h);
}

void setdigest_hex(const unsigned char acc[SETDIGEST_LEN], char hex[2 * SETDIGEST_LEN + 1])
{
    static const char x[] = "0123456789abcdef";
    for (int i = 0; i < SETDIGEST_LEN; i++) {
        hex[2 * i] = x[acc[i] >> 4];
        hex[2 * i + 1] = x[acc[i] & 15];
    }
    hex[2 * SETDIGEST_LEN] = 0;
}

static int nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int setdigest_parse(const char *hex, unsigned char acc[SETDIGEST_LEN])
{
    for (int i = 0; i < SETDIGEST_LEN; i++) {
        int hi = nibble(hex[2 * i]), lo = hi < 0 ? -1 : nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        acc[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * SETDIGEST_LEN] ? -1 : 0;
}
