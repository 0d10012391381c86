/*
 * money.c - see money.h.
 */
#include "core/money.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>

#define MONEY_MAX_PESOS 90000000000000LL /* keeps centavos far inside int64 */

int money_parse(const char *s, money_t *c)
{
    int neg = 0, ndig = 0, frac = 0, fdig = 0, seen_comma = 0, since_comma = 0;
    long long pesos = 0;
    while (*s == ' ')
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s && *s != '.'; s++) {
        if (*s == ',') {
            /* 1,250.00: the first group has 1-3 digits, later ones 3 */
            if (ndig == 0 || (seen_comma ? since_comma != 3 : since_comma > 3))
                return -1;
            seen_comma = 1;
            since_comma = 0;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            return -1;
        pesos = pesos * 10 + (*s - '0');
        if (pesos > MONEY_MAX_PESOS)
            return -1;
        ndig++;
        since_comma++;
    }
    if (seen_comma && since_comma != 3)
        return -1;
    if (*s == '.') {
        for (s++; *s && isdigit((unsigned char)*s); s++) {
            if (++fdig > 2)
                return -1;
            frac = frac * 10 + (*s - '0');
        }
        if (fdig == 0 && ndig == 0)
            return -1;
        if (fdig == 1)
            frac *= 10;
    }
    while (*s == ' ')
        s++;
    if (*s || (ndig == 0 && fdig == 0))
        return -1;
    *c = (money_t)(pesos * 100 + frac) * (neg ? -1 : 1);
    return 0;
}

void money_format(money_t c, char *buf)
{
    unsigned long long a = c < 0 ? (unsigned long long)(-(c + 1)) + 1 : (unsigned long long)c;
    snprintf(buf, 24, "%s%llu.%02llu", c < 0 ? "-" : "", a / 100, a % 100);
}

int money_from_json_number(double d, money_t *c)
{
    if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
        return -1;
    *c = (money_t)d;
    return 0;
}

money_t money_scale(money_t amount, int64_t num, int64_t den)
{
    __int128 p = (__int128)amount * num;
    int neg = p < 0;
    if (neg)
        p = -p;
    __int128 q = (p + den / 2) / den; /* half up on the magnitude */
    return (money_t)(neg ? -q : q);
}
