/*
 * suggest.h - "did you mean": the names nearest a mistyped one.
 * Uses util only.
 *
 * Distance is Damerau-Levenshtein in its optimal-string-alignment form:
 * the fewest insertions, deletions, substitutions and swaps of two
 * neighbouring characters that turn one name into the other, ASCII case
 * ignored ("injest" is 1 from "ingest", "timelgo" 1 from "timelog").
 * A name is offered when it is within suggest_limit of what was typed:
 * 1 for a word of up to four characters, else 2, so a short word is not
 * matched to everything short.
 *
 * A suggest_t collects the offered names at the smallest distance seen,
 * copied, so what was offered may go away before it is used.
 */
#ifndef ARMMS_SUGGEST_H
#define ARMMS_SUGGEST_H

#include <stddef.h>

#include "core/util.h"

/* The distance between a and b; a value above cap is returned as cap + 1
 * (the work stops there), as is any distance from a name longer than
 * SUGGEST_LONG. */
size_t suggest_distance(const char *a, const char *b, size_t cap);
/* The largest distance at which a name is offered for typed. */
size_t suggest_limit(const char *typed);

enum {
    SUGGEST_MAX = 4,  /* names kept at the best distance */
    SUGGEST_LONG = 64 /* a longer name (or typed word) is never near */
};

typedef struct suggest {
    const char *typed;
    size_t best; /* the distance of names[], or limit + 1 while none */
    size_t n;    /* names at that distance (only the first SUGGEST_MAX kept) */
    char names[SUGGEST_MAX][SUGGEST_LONG + 1];
} suggest_t;

void suggest_init(suggest_t *s, const char *typed);
/* Consider name; the same name offered twice counts once. */
void suggest_offer(suggest_t *s, const char *name);
/* Consider every word of a space-separated list. */
void suggest_offer_words(suggest_t *s, const char *words);
/* Append "'a'", "'a' or 'b'" or "'a', 'b' or 'c'" to b; 0 when there is no
 * name to suggest (b unchanged). */
int suggest_names(const suggest_t *s, strbuf *b);

#endif
