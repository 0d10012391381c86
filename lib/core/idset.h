/*
 * idset.h - a set of short strings (open addressing, FNV-1a), used to
 * remember ids already looked up in a store so a hot loop asks SQLite once
 * per id. Bounded: past `limit` entries it stops growing (lookups then fall
 * back to the store), so memory stays flat in input size.
 *
 * Uses core/util.h.
 */
#ifndef ARMMS_IDSET_H
#define ARMMS_IDSET_H

#include <stddef.h>

typedef struct idset {
    char **slot;
    size_t cap, n, limit;
} idset;

void idset_init(idset *s, size_t limit);
void idset_free(idset *s);
int idset_has(const idset *s, const char *id);
/* Add id (copied); does nothing when full or present. */
void idset_add(idset *s, const char *id);

/* A map from short strings to ints (same hashing, unbounded): an index
 * into a caller's array, e.g. guard id -> roster slot. */
typedef struct idmap {
    char **key;
    int *val;
    size_t cap, n;
} idmap;

void idmap_init(idmap *m);
void idmap_free(idmap *m);
/* The value of key, or -1. */
int idmap_get(const idmap *m, const char *key);
/* Set key (copied) to val (>= 0). */
void idmap_put(idmap *m, const char *key, int val);

#endif
