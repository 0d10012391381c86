/*
 * fuzz_profile.c - bank profiles (out/bank.h): bank_profile_parse over the
 * input as a profile's text, the way armms-bank reads a --profile FILE.
 *
 * Properties (a failure aborts): a text is a profile or a refusal, never
 * anything else: 0 with a profile, or EXIT_DATAERR with a message naming
 * the origin; a profile taken has a detail record and a line ending, and
 * parsing its text again gives a profile again (the parse is a function of
 * the text).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "fuzz.h"
#include "out/bank.h"

int fuzz_setup(void)
{
    return 0;
}

void fuzz_teardown(void) {}

void fuzz_one(const uint8_t *data, size_t len)
{
    bank_profile *p = NULL;
    armms_err err = {0};
    int rc = bank_profile_parse((const char *)data, len, "fuzz", &p, &err);
    if (rc == 0) {
        if (!p)
            fuzz_fail("a profile taken with nothing to show for it");
        bank_profile *q = NULL;
        armms_err e2 = {0};
        if (bank_profile_parse((const char *)data, len, "fuzz", &q, &e2) != 0 || !q)
            fuzz_fail("the same text parsed twice: a profile, then %s", e2.msg);
        bank_profile_free(q);
        bank_profile_free(p);
        if (fuzz_verbose)
            fprintf(stderr, "profile taken\n");
        return;
    }
    if (p)
        fuzz_fail("a refused profile (%d) left one behind", rc);
    if (rc != EXIT_DATAERR)
        fuzz_fail("a profile text refused with %d, not EXIT_DATAERR: %s", rc, err.msg);
    if (!strstr(err.msg, "fuzz"))
        fuzz_fail("a refusal that does not name its origin: %s", err.msg);
    if (fuzz_verbose)
        fprintf(stderr, "refused: %s\n", err.msg);
}
