/*
 * snaplines.c - a sealed timesheet's day lines, packed once for pricing
 * (see pay_int.h).
 *
 * The snapshot is walked once by SQLite's json_tree: each node a row with
 * its id, its parent's id, its key, its type and, for a scalar, its value.
 * A day's nodes come after the day's own row (document order), so one
 * pass keeps the day being read and writes its lines when the next day
 * starts. Only the columns read are computed: no node is rendered as
 * text.
 */
#include <stdio.h>
#include <string.h>

#include "pay/pay_int.h"

const char snaplines_sql[] =
    "SELECT 0, id, parent, key, type, atom FROM json_tree(?1, '$.days')"
    " UNION ALL SELECT 1, id, parent, key, type, atom FROM json_tree(?1, '$.unworked_holidays')";

enum { MAX_TYPES = 16 };

/* The day (or unworked holiday) being read, and its containers' ids. */
typedef struct item {
    int on;
    long long index, id;
    char date[40], own[40];
    long long worked;
    long long totals, minutes, leave, last, last_leave; /* -1: none */
    int paid, present, last_paid;
    int ntype;
    struct {
        long long id;
        char name[40];
        long long m[4];
    } type[MAX_TYPES];
} item;

static void item_start(item *it, long long id, long long index)
{
    memset(it, 0, sizeof *it);
    it->on = 1;
    it->id = id;
    it->index = index;
    it->totals = it->minutes = it->leave = it->last = it->last_leave = -1;
}

/* Tabs and newlines in buf as spaces: they split the packed fields. */
static void blank_splits(char *buf)
{
    for (char *c = buf; *c; c++)
        if (*c == '\t' || *c == '\n')
            *c = ' ';
}

/* A member of the day or holiday itself that both kinds have (its date,
 * its day type): read into it, 1; else 0. */
static int own_field(item *it, sqlite3_stmt *st, const char *key)
{
    char *to = !strcmp(key, "date") ? it->date : !strcmp(key, "day_type") ? it->own : NULL;
    if (!to)
        return 0;
    _Static_assert(sizeof it->date == sizeof it->own, "date and own are one size");
    snprintf(to, sizeof it->date, "%s", pay_col(st, 5));
    blank_splits(to);
    return 1;
}

/* JSON true or the number 1 (the test `->> key = 1` makes). */
static int is_one_num(sqlite3_stmt *st, const char *type)
{
    return (!strcmp(type, "true") || !strcmp(type, "integer") || !strcmp(type, "real")) &&
           sqlite3_column_double(st, 5) == 1.0;
}

/* JSON true or the integer 1 (`->> key` of SQL type integer and 1). */
static int is_one_int(sqlite3_stmt *st, const char *type)
{
    return (!strcmp(type, "true") || !strcmp(type, "integer")) && sqlite3_column_int64(st, 5) == 1;
}

static void item_flush(item *it, int unworked, strbuf *out)
{
    if (!it->on)
        return;
    if (unworked) {
        sb_addf(out, "U\t%lld\t%s\t%s\t%d\t%d\n", it->index, it->date, it->own, it->present,
                it->last_paid);
    } else {
        for (int i = 0; i < it->ntype; i++)
            sb_addf(out, "D\t%lld\t%s\t%s\t%lld\t%s\t%lld\t%lld\t%lld\t%lld\n", it->index,
                    it->date, it->own, it->worked, it->type[i].name, it->type[i].m[0],
                    it->type[i].m[1], it->type[i].m[2], it->type[i].m[3]);
        if (it->paid)
            sb_addf(out, "L\t%lld\n", it->index);
    }
    it->on = 0;
}

static const char *const bucket_keys[4] = {"regular", "ot", "nd", "nd_ot"};

/* One node of a day's subtree. */
static void day_node(item *it, sqlite3_stmt *st, long long id, long long parent, const char *key,
                     const char *type)
{
    if (parent == it->id) {
        if (own_field(it, st, key))
            return;
        if (!strcmp(key, "totals") && !strcmp(type, "object"))
            it->totals = id;
        else if (!strcmp(key, "minutes") && !strcmp(type, "object"))
            it->minutes = id;
        else if (!strcmp(key, "leave") && !strcmp(type, "object"))
            it->leave = id;
    } else if (parent == it->totals) {
        if (!strcmp(key, "worked"))
            it->worked = sqlite3_column_int64(st, 5);
    } else if (parent == it->minutes) {
        if (it->ntype < MAX_TYPES) {
            it->type[it->ntype].id = id;
            snprintf(it->type[it->ntype].name, sizeof it->type[0].name, "%s", key);
            blank_splits(it->type[it->ntype].name);
            it->ntype++;
        }
    } else if (parent == it->leave) {
        if (!strcmp(key, "paid"))
            it->paid = is_one_num(st, type);
    } else {
        for (int i = 0; i < it->ntype; i++)
            if (parent == it->type[i].id)
                for (int k = 0; k < 4; k++)
                    if (!strcmp(key, bucket_keys[k]))
                        it->type[i].m[k] = sqlite3_column_int64(st, 5);
    }
}

/* One node of an unworked holiday's subtree. */
static void unworked_node(item *it, sqlite3_stmt *st, long long id, long long parent,
                          const char *key, const char *type)
{
    if (parent == it->id) {
        if (!own_field(it, st, key) && !strcmp(key, "last_scheduled") && !strcmp(type, "object"))
            it->last = id;
    } else if (parent == it->last) {
        if (!strcmp(key, "present"))
            it->present = is_one_int(st, type);
        else if (!strcmp(key, "leave") && !strcmp(type, "object"))
            it->last_leave = id;
    } else if (parent == it->last_leave) {
        if (!strcmp(key, "paid"))
            it->last_paid = is_one_int(st, type);
    }
}

int snaplines_pack(sqlite3_stmt *st, const char *json, size_t len, strbuf *out)
{
    item it = {0};
    int tag = -1, rc;
    long long root = -1;
    sb_reset(out);
    sb_addc(out, 0);
    out->len = 0;
    sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int t = sqlite3_column_int(st, 0);
        long long id = sqlite3_column_int64(st, 1);
        const char *type = pay_col(st, 4);
        if (t != tag) { /* the next array */
            item_flush(&it, tag == 1, out);
            tag = t;
            root = -1;
        }
        if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
            root = !strcmp(type, "array") ? id : -1;
            continue;
        }
        long long parent = sqlite3_column_int64(st, 2);
        if (root >= 0 && parent == root) { /* an element: the next day or holiday */
            item_flush(&it, t == 1, out);
            if (!strcmp(type, "object"))
                item_start(&it, id, sqlite3_column_int64(st, 3));
            continue;
        }
        if (!it.on)
            continue;
        const char *key = pay_col(st, 3);
        if (t == 0)
            day_node(&it, st, id, parent, key, type);
        else
            unworked_node(&it, st, id, parent, key, type);
    }
    item_flush(&it, tag == 1, out);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : rc;
}
