/*
 * suggest.c - see suggest.h.
 */
#include "core/suggest.h"

#include <ctype.h>
#include <string.h>

static int same(char a, char b)
{
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

size_t suggest_distance(const char *a, const char *b, size_t cap)
{
    size_t m = strlen(a), n = strlen(b);
    if (m > SUGGEST_LONG || n > SUGGEST_LONG || (m > n ? m - n : n - m) > cap)
        return cap + 1;
    /* three rows of the table: i - 2, i - 1 and i */
    size_t rows[3][SUGGEST_LONG + 1];
    size_t *two = rows[0], *one = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= n; j++)
        one[j] = j;
    for (size_t i = 1; i <= m; i++) {
        size_t low = cur[0] = i;
        for (size_t j = 1; j <= n; j++) {
            size_t d = one[j - 1] + !same(a[i - 1], b[j - 1]);
            if (one[j] + 1 < d)
                d = one[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]) &&
                two[j - 2] + 1 < d)
                d = two[j - 2] + 1;
            cur[j] = d;
            if (d < low)
                low = d;
        }
        if (low > cap)
            return cap + 1;
        size_t *t = two;
        two = one;
        one = cur;
        cur = t;
    }
    return one[n] > cap ? cap + 1 : one[n];
}

size_t suggest_limit(const char *typed)
{
    return strlen(typed) <= 4 ? 1 : 2;
}

void suggest_init(suggest_t *s, const char *typed)
{
    memset(s, 0, sizeof *s);
    s->typed = typed;
    s->best = suggest_limit(typed) + 1;
}

/* Offer the len characters of name. */
static void offer(suggest_t *s, const char *name, size_t len)
{
    char copy[SUGGEST_LONG + 1];
    if (len > SUGGEST_LONG)
        return;
    memcpy(copy, name, len);
    copy[len] = 0;
    size_t limit = suggest_limit(s->typed), d = suggest_distance(s->typed, copy, limit);
    if (d > limit || d > s->best)
        return;
    if (d < s->best) {
        s->best = d;
        s->n = 0;
    }
    for (size_t i = 0; i < s->n && i < SUGGEST_MAX; i++)
        if (strcmp(s->names[i], copy) == 0)
            return;
    if (s->n < SUGGEST_MAX)
        memcpy(s->names[s->n], copy, len + 1);
    s->n++;
}

void suggest_offer(suggest_t *s, const char *name)
{
    offer(s, name, strlen(name));
}

void suggest_offer_words(suggest_t *s, const char *words)
{
    for (const char *p = words; *p; p += strspn(p, " ")) {
        size_t len = strcspn(p, " ");
        if (len)
            offer(s, p, len);
        p += len;
    }
}

int suggest_names(const suggest_t *s, strbuf *b)
{
    size_t n = s->n < SUGGEST_MAX ? s->n : SUGGEST_MAX;
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_adds(b, i + 1 == n ? " or " : ", ");
        sb_addf(b, "'%s'", s->names[i]);
    }
    return n > 0;
}
