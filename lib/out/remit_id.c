/*
 * remit_id.c - the shape of the personal numbers the agencies key on.
 *
 * Only the format is checked. SSS prints its numbers as 10 digits
 * (NN-NNNNNNN-N; the R-3 form's instructions: "the correct 10-digit SS
 * number"); the last digit is commonly called a check digit, but SSS
 * publishes no rule for it and the public code that tests one disagrees,
 * so none is tested here (armms-remit(1), CHECK DIGITS). PhilHealth PINs
 * and Pag-IBIG MIDs are 12 digits, a TIN 9 digits with an optional 3- to
 * 5-digit branch code.
 */
#include <string.h>

#include "out/remit.h"

/* The digits of in (dashes and blanks dropped) into out; NULL or why the
 * text is not digits, or when it has more than max of them. */
static const char *digits_of(const char *in, char out[16], size_t max)
{
    size_t n = 0;
    out[0] = 0;
    if (!in || !*in)
        return "missing";
    for (const char *p = in; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        if (*p < '0' || *p > '9')
            return "not digits";
        if (n >= max)
            return "too many digits";
        out[n++] = *p;
    }
    out[n] = 0;
    return n ? NULL : "missing";
}

static const char *exactly(const char *in, char out[16], size_t len, const char *why)
{
    const char *bad = digits_of(in, out, 15);
    if (bad)
        return bad;
    return strlen(out) == len ? NULL : why;
}

const char *remit_sss_no(const char *in, char out[16])
{
    return exactly(in, out, 10, "not 10 digits");
}

const char *remit_philhealth_no(const char *in, char out[16])
{
    return exactly(in, out, 12, "not 12 digits");
}

const char *remit_hdmf_no(const char *in, char out[16])
{
    return exactly(in, out, 12, "not 12 digits");
}

const char *remit_tin(const char *in, char out[16])
{
    const char *bad = digits_of(in, out, 15);
    if (bad)
        return bad;
    size_t n = strlen(out);
    return n == 9 || (n >= 12 && n <= 14) ? NULL : "not 9 digits (and a 3- to 5-digit branch)";
}
