/*
 * test_stale.c - the read side of tk/stale.h, as a report tool uses it on
 * its own connection: marks overlapping a period (and of one guard), their
 * count, the command that brings a stage current, and the master data
 * changes no timekeeping run has read yet.
 *
 * Runs in a fresh ARMMS_HOME under /tmp, removed at the end; the marks are
 * written with plain SQL, as the stages would have left them.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/tenant.h"
#include "t.h"
#include "tk/stale.h"

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    return remove(path);
}

struct seen {
    char text[512];
};

static int collect(const tk_stale *m, void *ctx)
{
    struct seen *s = ctx;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s%s %s %s..%s %s", n ? "; " : "", m->guard,
             m->stage, m->from, m->to, m->reason);
    return 0;
}

static int stop_at_first(const tk_stale *m, void *ctx)
{
    ++*(int *)ctx;
    return 7;
}

int main(void)
{
    char home[] = "/tmp/armms-test-stale-XXXXXX";
    if (!mkdtemp(home)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("ARMMS_HOME", home, 1);
    setenv("ARMMS_NOW", "2026-11-25T00:00:00Z", 1);

    char buf[200];
    tk_stale_command("dtr", "acme", buf, sizeof buf);
    T_EQ_STR(buf, "armms-dtr -t acme | armms-timesheet -t acme",
             "a stale DTR is brought current by the DTR run piped on to the timesheet");
    tk_stale_command("timelog", "acme", buf, sizeof buf);
    T_EQ_STR(buf, "armms-timelog -t acme | armms-dtr -t acme | armms-timesheet -t acme",
             "a stale time log by the whole chain");
    tk_stale_command("timesheet", "acme", buf, sizeof buf);
    T_EQ_STR(buf, "armms-timesheet -t acme", "a stale timesheet by the timesheet run alone");
    T_EQ_STR(tk_stale_next("timelog"), "dtr", "the DTR follows the time log");
    T_OK(tk_stale_next("timesheet") == NULL, "nothing of timekeeping follows the timesheet");

    tenant_t t;
    armms_err err = {0};
    store_t s;
    T_EQ_INT(tenant_resolve(&t, "acme", "ana", &err), 0, "tenant acme resolves (%s)", err.msg);
    T_EQ_INT(tenant_create(&t, NULL, &err), 0, "tenant acme is created (%s)", err.msg);
    T_EQ_INT(store_open(&s, &t, "tk", STORE_CREATE | STORE_MIGRATE, &err), 0,
             "tk.db is created (%s)", err.msg);

    long n = -1;
    T_EQ_INT(tk_stale_unread(&t, s.db, &n, &err), 0, "unread changes are counted (%s)", err.msg);
    T_EQ_INT(n, 0, "before any timekeeping run nothing derived can be stale");
    T_EQ_INT(tk_stale_count(s.db, NULL, NULL, &n, &err), 0, "marks are counted");
    T_EQ_INT(n, 0, "a new tenant has no marks");

    const char *rows =
        "INSERT INTO stale VALUES ('dtr', 'G1', '2026-10-20', '2026-10-20', 'adjustment', 'x');"
        "INSERT INTO stale VALUES ('timesheet', 'G1', '2026-10-20', '2026-10-20', 'dtr', 'x');"
        "INSERT INTO stale VALUES ('timelog', 'G2', '2026-10-30', '2026-11-02', 'assignment', "
        "'x');"
        "INSERT INTO stale VALUES ('dtr', 'G3', '2026-11-20', '2026-11-21', 'holiday', 'x');"
        "INSERT INTO stale_source VALUES ('md', 0);";
    T_EQ_INT(sqlite3_exec(s.db, rows, NULL, NULL, NULL), SQLITE_OK, "marks are written");

    struct seen all = {""}, oct = {""}, nov_g2 = {""};
    T_EQ_INT(tk_stale_each(s.db, NULL, NULL, collect, &all, &err), 0, "every mark is walked");
    T_EQ_STR(all.text,
             "G1 dtr 2026-10-20..2026-10-20 adjustment; G1 timesheet 2026-10-20..2026-10-20 dtr; "
             "G2 timelog 2026-10-30..2026-11-02 assignment; G3 dtr 2026-11-20..2026-11-21 holiday",
             "by guard, then stage in chain order, then date");
    T_EQ_INT(tk_stale_each(s.db, "2026-10-B", NULL, collect, &oct, &err), 0,
             "a period's marks are walked");
    T_EQ_STR(oct.text,
             "G1 dtr 2026-10-20..2026-10-20 adjustment; G1 timesheet 2026-10-20..2026-10-20 dtr; "
             "G2 timelog 2026-10-30..2026-11-02 assignment",
             "a mark reaching into the period counts in it");
    T_EQ_INT(tk_stale_each(s.db, "2026-11-A", "G2", collect, &nov_g2, &err), 0,
             "one guard's marks of a period are walked");
    T_EQ_STR(nov_g2.text, "G2 timelog 2026-10-30..2026-11-02 assignment",
             "and a mark reaching out of the period too");
    T_EQ_INT(tk_stale_count(s.db, "2026-11-B", NULL, &n, &err), 0, "marks are counted");
    T_EQ_INT(n, 1, "2026-11-B has G3's mark only");
    T_EQ_INT(tk_stale_count(s.db, "2026-12-A", NULL, &n, &err), 0, "marks are counted");
    T_EQ_INT(n, 0, "2026-12-A has none");

    int calls = 0;
    T_EQ_INT(tk_stale_each(s.db, NULL, NULL, stop_at_first, &calls, &err), 7,
             "the callback's nonzero return stops the walk and is returned");
    T_EQ_INT(calls, 1, "after one mark");
    T_EQ_INT(tk_stale_count(s.db, "2026-13-A", NULL, &n, &err), EXIT_USAGE,
             "a period that is not one is a usage error");

    T_EQ_INT(tk_stale_unread(&t, s.db, &n, &err), 0, "unread changes are counted (%s)", err.msg);
    T_EQ_INT(n, 0, "an empty journal holds no unread change");

    store_close(&s);
    tenant_free(&t);
    nftw(home, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return t_done();
}
