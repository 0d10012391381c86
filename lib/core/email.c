/*
 * email.c - see email.h.
 */
#include "core/email.h"

#include <stdlib.h>
#include <string.h>

static int local_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>[]:;,\"\\@", c);
}

static int label_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

int email_valid(const char *s, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n > 254)
        return *why = "longer than 254 characters", 0;
    if (!at || strchr(at + 1, '@'))
        return *why = "not one local part, one '@' and a domain", 0;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64)
        return *why = "the part before '@' is empty or longer than 64 characters", 0;
    for (size_t i = 0; i < local; i++)
        if (!local_char((unsigned char)s[i]))
            return *why = "a space, a control character or one of ()<>[]:;,\"\\ before '@'", 0;
    if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
        return *why = "a dot at the start or end of the part before '@', or two dots", 0;
    const char *d = at + 1;
    int labels = 0;
    for (;;) {
        size_t l = 0;
        while (label_char((unsigned char)d[l]))
            l++;
        if (l == 0 || l > 63 || d[0] == '-' || d[l - 1] == '-')
            return *why = "the domain is not dot-separated names of letters, digits and hyphens",
                   0;
        labels++;
        d += l;
        if (!*d)
            break;
        if (*d != '.')
            return *why = "the domain is not dot-separated names of letters, digits and hyphens",
                   0;
        d++;
    }
    if (labels < 2)
        return *why = "the domain has no dot (example.com)", 0;
    return 1;
}

void email_mask(strbuf *b, const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s) {
        sb_adds(b, "***");
        if (at)
            sb_adds(b, at);
        return;
    }
    /* the first character, a whole UTF-8 sequence */
    size_t k = 1;
    while (s + k < at && ((unsigned char)s[k] & 0xc0) == 0x80)
        k++;
    sb_add(b, s, k);
    sb_adds(b, "***");
    sb_adds(b, at);
}

static int word_end(unsigned char c)
{
    return c <= 0x20 || strchr("\"'<>()[],;:=", c);
}

void email_mask_text(strbuf *b, const char *text, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (word_end((unsigned char)text[i])) {
            sb_addc(b, text[i++]);
            continue;
        }
        size_t j = i;
        int at = 0;
        while (j < n && !word_end((unsigned char)text[j]))
            at |= text[j++] == '@';
        if (at) {
            char *w = xmalloc(j - i + 1);
            memcpy(w, text + i, j - i);
            w[j - i] = 0;
            email_mask(b, w);
            free(w);
        } else {
            sb_add(b, text + i, j - i);
        }
        i = j;
    }
}
