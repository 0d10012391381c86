/*
 * idset.c - see idset.h. Load factor stays at or below 1/2.
 */
#include "idset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void idset_init(idset *s, size_t limit)
{
    s->cap = 1024;
    s->n = 0;
    s->limit = limit;
    s->slot = xcalloc(s->cap, sizeof *s->slot);
}

void idset_free(idset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
    s->slot = NULL;
}

int idset_has(const idset *s, const char *id)
{
    for (size_t i = fnv1a(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i])
            return 0;
        if (strcmp(s->slot[i], id) == 0)
            return 1;
    }
}

static void put(char **slot, size_t cap, char *id)
{
    size_t i = fnv1a(id) & (cap - 1);
    while (slot[i])
        i = (i + 1) & (cap - 1);
    slot[i] = id;
}

void idset_add(idset *s, const char *id)
{
    if (s->n >= s->limit || idset_has(s, id))
        return;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap * 2;
        char **slot = xcalloc(cap, sizeof *slot);
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                put(slot, cap, s->slot[i]);
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    put(s->slot, s->cap, xstrdup(id));
    s->n++;
}
