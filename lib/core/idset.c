/*
 * idset.c - see idset.h. Load factor stays at or below 1/2.
 */
#include "core/idset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

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

void idmap_init(idmap *m)
{
    m->cap = 1024;
    m->n = 0;
    m->key = xcalloc(m->cap, sizeof *m->key);
    m->val = xcalloc(m->cap, sizeof *m->val);
}

void idmap_free(idmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key);
    free(m->val);
    m->key = NULL;
    m->val = NULL;
}

static size_t map_slot(char **key, size_t cap, const char *k)
{
    size_t i = fnv1a(k) & (cap - 1);
    while (key[i] && strcmp(key[i], k) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

int idmap_get(const idmap *m, const char *key)
{
    size_t i = map_slot(m->key, m->cap, key);
    return m->key[i] ? m->val[i] : -1;
}

void idmap_put(idmap *m, const char *key, int val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap * 2;
        char **nk = xcalloc(cap, sizeof *nk);
        int *nv = xcalloc(cap, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++)
            if (m->key[i]) {
                size_t j = map_slot(nk, cap, m->key[i]);
                nk[j] = m->key[i];
                nv[j] = m->val[i];
            }
        free(m->key);
        free(m->val);
        m->key = nk;
        m->val = nv;
        m->cap = cap;
    }
    size_t i = map_slot(m->key, m->cap, key);
    if (!m->key[i]) {
        m->key[i] = xstrdup(key);
        m->n++;
    }
    m->val[i] = val;
}
