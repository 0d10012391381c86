/*
 * test_filing.c - clock_event_guard filed up to a mark (tk/ingest.h,
 * schema.c migration 16): a guard's clock events, as armms-timelog reads
 * them (tl_sql_events) and lists its scope, are the same whether the rows
 * are filed or still past the mark; tk_file_guards files exactly the rows
 * past it, in guard order, and moves the mark; a second call files nothing.
 *
 * Runs on a tk.db made by the store's own migrations in a fresh
 * ARMMS_HOME under /tmp, removed at the end.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store/tenant.h"
#include "t.h"
#include "tk/ingest.h"
#include "tk/timelog_int.h"

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(p);
}

static long long one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* n punches of guard G<k % 3>, a minute apart from from, rowids in order */
static int punches(sqlite3 *db, int from, int n)
{
    int bad = 0;
    for (int i = from; i < from + n; i++) {
        char *sql = xasprintf(
            "INSERT INTO clock_event(clock_event_id, dedupe_key, device_id, event_id, guard_id, "
            "ts,"
            " ts_offset, type, detachment_id, received_at) VALUES ('01M99B1XCVEYXG8DXJ6CWV%04d',"
            " 'D1\037E%d', 'D1', 'E%d', 'G%d', '2026-11-01T%02d:%02d:00Z', 480, 'IN', NULL,"
            " '2026-11-25T00:00:00Z')",
            /* later events earlier in time, as a late device's are */
            i, i, i, i % 3, 23 - i / 60 % 24, 59 - i % 60);
        bad += sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
        free(sql);
    }
    return bad;
}

/* What load_events reads for guard g in November, one text. */
static char *events_of(sqlite3 *db, const char *g)
{
    sqlite3_stmt *st = NULL;
    strbuf b;
    sb_init(&b);
    if (sqlite3_prepare_v2(db, tl_sql_events, -1, &st, NULL) != SQLITE_OK)
        return xstrdup("(prepare failed)");
    sqlite3_bind_text(st, 1, g, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, "2026-11-01T00:00:00Z", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, "2026-12-01T00:00:00Z", -1, SQLITE_STATIC);
    /* load_events sorts the punches it reads; so does this */
    strbuf rows[64];
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 64) {
        sb_init(&rows[n]);
        for (int c = 0; c < 5; c++)
            sb_addf(&rows[n], "%s|", (const char *)sqlite3_column_text(st, c));
        n++;
    }
    sqlite3_finalize(st);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(rows[j - 1].s, rows[j].s) > 0; j--) {
            strbuf x = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = x;
        }
    for (int i = 0; i < n; i++) {
        sb_addf(&b, "%s\n", rows[i].s);
        sb_free(&rows[i]);
    }
    return b.s;
}

int main(void)
{
    char home[] = "/tmp/armms-test-filing-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_USER", "unit-tester", 1);
    setenv("ARMMS_NOW", "2026-11-25T00:00:00Z", 1);
    tenant_t t;
    store_t s;
    armms_err err = {0};
    T_EQ_INT(tenant_resolve(&t, "unit", NULL, &err) || tenant_create(&t, NULL, &err) ||
                 store_open(&s, &t, "tk", STORE_CREATE | STORE_MIGRATE, &err),
             0, "a tk.db made by its migrations (%s)", err.msg);
    sqlite3 *db = s.db;
    T_EQ_INT(one(db, "SELECT upto FROM clock_event_filed"), 0, "an empty store's mark is 0");
    T_EQ_INT(tk_guards_unfiled(db), 0, "and nothing waits to be filed");

    /* 30 punches filed, then 45 more past the mark */
    T_EQ_INT(punches(db, 0, 30), 0, "30 punches in");
    long long filed = -1;
    T_EQ_INT(tk_file_guards(db, &filed), SQLITE_OK, "filed");
    T_EQ_INT(filed, 30, "all 30");
    T_EQ_INT(one(db, "SELECT upto FROM clock_event_filed"), 30, "the mark at the last row");
    T_EQ_INT(punches(db, 30, 45), 0, "45 more");
    T_EQ_INT(tk_guards_unfiled(db), 1, "now rows wait to be filed");
    T_EQ_INT(one(db, "SELECT count(*) FROM clock_event_guard"), 30, "the guard table has 30");

    char *before[3];
    const char *gs[3] = {"G0", "G1", "G2"};
    int counts_ok = 1;
    for (int g = 0; g < 3; g++) {
        before[g] = events_of(db, gs[g]);
        int lines = 0;
        for (const char *p = before[g]; *p; p++)
            lines += *p == '\n';
        counts_ok &= lines == 25;
    }
    T_OK(counts_ok, "each guard's 25 punches are read, 10 filed and 15 past the mark");
    T_EQ_INT(one(db, "SELECT count(*) FROM (SELECT DISTINCT guard_id FROM clock_event c "
                     "WHERE " TK_SQL_UNFILED ")"),
             3, "the scope finds the three guards past the mark too");

    T_EQ_INT(tk_file_guards(db, &filed), SQLITE_OK, "filed again");
    T_EQ_INT(filed, 45, "the 45 past the mark, no more");
    T_EQ_INT(one(db, "SELECT upto FROM clock_event_filed"), 75, "the mark at the last row");
    T_EQ_INT(one(db, "SELECT count(*) FROM clock_event_guard"), 75, "every row filed once");
    T_EQ_INT(one(db, "SELECT count(*) FROM clock_event_guard g JOIN clock_event c"
                     " ON c.rowid = g.ce WHERE g.guard_id = c.guard_id AND g.ts = c.ts"),
             75, "each under its own guard and time");
    int same = 1;
    for (int g = 0; g < 3; g++) {
        char *after = events_of(db, gs[g]);
        same &= strcmp(after, before[g]) == 0;
        free(after);
        free(before[g]);
    }
    T_OK(same, "each guard's punches read the same filed as past the mark");
    T_EQ_INT(tk_file_guards(db, &filed), SQLITE_OK, "a third time");
    T_EQ_INT(filed, 0, "files nothing");
    T_EQ_INT(tk_guards_unfiled(db), 0, "and nothing waits");

    store_close(&s);
    tenant_free(&t);
    nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
