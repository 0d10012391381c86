/*
 * report_tk.c - the timekeeping reports (report.h): exceptions, DTRs,
 * timesheets, detachment summaries and the roster, read from tk.db with
 * hr.db ATTACHed read-only. Stored rows only: a DRAFT timesheet is shown
 * as the last stage run left it, never recomputed here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "out/report_int.h"

/* A stored list of codes ("A,B") as a JSON array, in SQL. */
#define CODES(col)                                                                                \
    "json(CASE WHEN coalesce(" col ", '') = '' THEN '[]' ELSE '[\"' || replace(" col              \
    ", ',', '\",\"') || '\"]' END)"

/* The latest version of each timesheet of the period, in the scope. */
#define LATEST_TS                                                                                 \
    "SELECT s.* FROM timesheet s WHERE s.period_id = :period"                                     \
    " AND s.version = (SELECT max(x.version) FROM timesheet x"                                    \
    "  WHERE x.timesheet_id = s.timesheet_id)"                                                    \
    " AND (:guard IS NULL OR s.guard_id = :guard)"                                                \
    " AND (:det IS NULL OR s.detachment_id = :det)"

/* ---- exceptions ---- */

/* Every anomaly of a time log nobody has adjusted (its adjustment_id is
 * empty), every DTR that is not COMPLETE, and every late arrival. */
static const char sql_exceptions[] =
    "SELECT json_object('kind', 'Exception', 'v', 1, 'date', l.work_date,"
    " 'guard_id', l.guard_id, 'name', " REPORT_NAME(
        "l.guard_id") ","
                      " 'detachment_id', coalesce(l.detachment_id, l.device_detachment_id),"
                      " 'device_detachment_id', l.device_detachment_id, 'shift_id', l.shift_id,"
                      " 'shift_date', l.shift_date, 'code', a.value, 'source', 'time_log',"
                      " 'time_log_id', l.time_log_id, 'ts', l.ts, 'type', l.type, 'status', "
                      "l.status,"
                      " 'needs_review', json(CASE l.open WHEN 1 THEN 'true' ELSE 'false' END))"
                      " FROM time_log l, json_each(" CODES(
                          "l.anomalies") ") a"
                                         " WHERE l.work_date BETWEEN :from AND :to AND "
                                         "coalesce(l.adjustment_id, '') = ''"
                                         " AND (:guard IS NULL OR l.guard_id = :guard)"
                                         " AND (:det IS NULL OR coalesce(l.detachment_id, "
                                         "l.device_detachment_id) = :det)";

/* The DTR part, simpler as its own statement: one row per DTR that is not
 * COMPLETE (its anomaly, or ABSENT) and one per late arrival. */
static const char sql_dtr_exceptions[] =
    "SELECT json_object('kind', 'Exception', 'v', 1, 'date', x.date, 'guard_id', x.guard_id,"
    " 'name', " REPORT_NAME(
        "x.guard_id") ", 'detachment_id', x.detachment_id,"
                      " 'shift_id', x.shift_id, 'shift_date', x.date,"
                      " 'code', CASE x.status WHEN 'ABSENT' THEN 'ABSENT' ELSE x.anomalies END,"
                      " 'source', 'dtr', 'time_in', x.time_in, 'time_out', x.time_out, 'status', "
                      "x.status)"
                      " FROM dtr x WHERE x.status NOT IN ('COMPLETE', 'LEAVE') AND x.date BETWEEN "
                      ":from AND :to"
                      " AND (:guard IS NULL OR x.guard_id = :guard) AND (:det IS NULL OR "
                      "x.detachment_id = :det)"
                      " UNION ALL"
                      " SELECT json_object('kind', 'Exception', 'v', 1, 'date', x.date, "
                      "'guard_id', x.guard_id,"
                      " 'name', " REPORT_NAME(
                          "x.guard_id") ", 'detachment_id', x.detachment_id,"
                                        " 'shift_id', x.shift_id, 'shift_date', x.date, 'code', "
                                        "'LATE', 'source', 'dtr',"
                                        " 'time_in', x.time_in, 'time_out', x.time_out, 'status', "
                                        "x.status, 'minutes', x.late)"
                                        " FROM dtr x WHERE x.late > 0 AND x.date BETWEEN :from "
                                        "AND :to"
                                        " AND (:guard IS NULL OR x.guard_id = :guard) AND (:det "
                                        "IS NULL OR x.detachment_id = :det)";

static const char *str_of(jv rec, const char *key, char *buf, size_t n)
{
    jv v = jv_object_get(jv_copy(rec), jv_string(key));
    if (jv_get_kind(v) == JV_KIND_STRING)
        snprintf(buf, n, "%s", jv_string_value(v));
    else
        buf[0] = '\0';
    jv_free(v);
    return buf;
}

/* The command that fixes an exception (item 2 of the blockers' advice):
 * a punch that is there but counted in the wrong place is moved, a punch
 * that is missing is added, a stray one is voided. */
static void fix_of(jv rec, strbuf *b)
{
    char code[40], g[80], id[80], sh[80], d[16], det[80];
    str_of(rec, "code", code, sizeof code);
    str_of(rec, "guard_id", g, sizeof g);
    str_of(rec, "time_log_id", id, sizeof id);
    str_of(rec, "shift_id", sh, sizeof sh);
    str_of(rec, "shift_date", d, sizeof d);
    str_of(rec, "detachment_id", det, sizeof det);
    const char *shift = *sh ? sh : "S", *date = *d ? d : "D";
    if (!strcmp(code, "MISSING_OUT"))
        sb_addf(b,
                "armms-timelog adjust add --guard %s --type OUT --ts TS --shift %s --date %s"
                " --reason TEXT",
                g, shift, date);
    else if (!strcmp(code, "MISSING_IN") || !strcmp(code, "OUT_WITHOUT_IN"))
        sb_addf(b,
                "armms-timelog adjust add --guard %s --type IN --ts TS --shift %s --date %s"
                " --reason TEXT",
                g, shift, date);
    else if (!strcmp(code, "WRONG_DETACHMENT"))
        sb_addf(b,
                "armms-timelog adjust move %s --shift %s --date %s --detachment %s"
                " --reason TEXT",
                id, shift, date, *det ? det : "X");
    else if (!strcmp(code, "OFF_SHIFT"))
        sb_addf(b, "armms-timelog adjust move %s --shift S --date D --reason TEXT", id);
    else if (!strcmp(code, "NO_ASSIGNMENT"))
        sb_addf(b,
                "armms-import assignment (%s's assignment), or armms-timelog adjust void %s"
                " --reason TEXT",
                g, id);
    else if (!strcmp(code, "OUT_BEFORE_IN"))
        sb_addf(b,
                "armms-timelog adjust void TIME_LOG_ID (the wrong punch of %s %s) --reason TEXT",
                g, date);
    else if (!strcmp(code, "DUPLICATE_PUNCH"))
        sb_adds(b, "none: a duplicate is not counted");
    else if (!strcmp(code, "ABSENT"))
        sb_addf(b,
                "none when absent; on leave, armms-import leave (%s,%s,CODE); else"
                " armms-timelog adjust add --guard %s --type IN (and OUT) --shift %s --date %s",
                g, date, g, shift, date);
    else if (!strcmp(code, "LATE"))
        sb_adds(b, "none: late minutes are not paid");
    else
        sb_adds(b, "review the punch with armms-report dtr");
}

static jv with_fix(jv rec, void *ctx)
{
    strbuf b;
    sb_init(&b);
    sb_reset(&b);
    fix_of(rec, &b);
    rec = jv_object_set(rec, jv_string("fix"), jv_string(b.s));
    sb_free(&b);
    return rec;
}

static int by_exception(const void *pa, const void *pb)
{
    jv a = *(const jv *)pa, b = *(const jv *)pb;
    static const char *const keys[] = {"date", "guard_id", "code", "ts", "time_in"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char x[80], y[80];
        int c = strcmp(str_of(a, keys[i], x, sizeof x), str_of(b, keys[i], y, sizeof y));
        if (c)
            return c;
    }
    return 0;
}

/* Sort an array of records with cmp. */
static jv sorted(jv arr, int (*cmp)(const void *, const void *))
{
    int n = jv_array_length(jv_copy(arr));
    if (n < 2)
        return arr;
    jv *v = xmalloc(sizeof *v * (size_t)n);
    for (int i = 0; i < n; i++)
        v[i] = jv_array_get(jv_copy(arr), i);
    jv_free(arr);
    qsort(v, (size_t)n, sizeof *v, cmp);
    jv out = jv_array();
    for (int i = 0; i < n; i++)
        out = jv_array_append(out, v[i]);
    free(v);
    return out;
}

int report_exceptions(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "tk", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_exceptions, sc, NULL, NULL, with_fix, NULL, out, err);
    if (!rc)
        rc = report_rows(&s, sql_dtr_exceptions, sc, NULL, NULL, with_fix, NULL, out, err);
    store_close(&s);
    if (!rc)
        *out = sorted(*out, by_exception);
    return rc;
}

/* By count, most first, then by code. */
static int by_count(const void *pa, const void *pb)
{
    jv a = *(const jv *)pa, b = *(const jv *)pb;
    jv na = jv_object_get(jv_copy(a), jv_string("count")),
       nb = jv_object_get(jv_copy(b), jv_string("count"));
    double x = jv_number_value(na), y = jv_number_value(nb);
    jv_free(na);
    jv_free(nb);
    if (x != y)
        return x < y ? 1 : -1;
    char ca[40], cb[40];
    return strcmp(str_of(a, "code", ca, sizeof ca), str_of(b, "code", cb, sizeof cb));
}

int report_anomaly_counts(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    jv ex;
    *out = jv_array();
    if (report_exceptions(t, sc, &ex, err))
        return err->code;
    jv counts = jv_object();
    jv_array_foreach(ex, i, rec)
    {
        jv code = jv_object_get(rec, jv_string("code"));
        if (jv_get_kind(code) != JV_KIND_STRING) {
            jv_free(code);
            continue;
        }
        jv n = jv_object_get(jv_copy(counts), jv_copy(code));
        double k = jv_get_kind(n) == JV_KIND_NUMBER ? jv_number_value(n) : 0;
        jv_free(n);
        counts = jv_object_set(counts, code, jv_number(k + 1));
    }
    jv_free(ex);
    jv_object_foreach(counts, k, v)
    {
        jv rec = jv_object();
        rec = jv_object_set(rec, jv_string("code"), k);
        rec = jv_object_set(rec, jv_string("count"), v);
        *out = jv_array_append(*out, rec);
    }
    jv_free(counts);
    *out = sorted(*out, by_count);
    return 0;
}

/* ---- DTRs ---- */

static const char sql_dtr[] =
    "SELECT json_object('kind', 'DTRReport', 'v', 1, 'guard_id', d.guard_id,"
    " 'name', " REPORT_NAME(
        "d.guard_id") ", 'date', d.date, 'detachment_id', d.detachment_id,"
                      " 'shift_id', d.shift_id, 'day_type', d.day_type, 'time_in', d.time_in,"
                      " 'time_out', d.time_out, 'status', d.status, 'anomalies', " CODES(
                          "d.anomalies") ","
                                         " 'minutes', json_object('worked', d.worked, 'regular', "
                                         "d.regular, 'ot', d.ot, 'nd', d.nd,"
                                         "  'nd_ot', d.nd_ot, 'late', d.late, 'undertime', "
                                         "d.undertime),"
                                         " 'relieves_guard_id', nullif(d.relieves_guard_id, ''),"
                                         " 'relieved_by', nullif(d.relieved_by, ''))"
                                         " FROM dtr d WHERE d.date BETWEEN :from AND :to AND "
                                         "(:guard IS NULL OR d.guard_id = :guard)"
                                         " AND (:det IS NULL OR d.detachment_id = :det)"
                                         " ORDER BY d.guard_id, d.date, d.shift_id, "
                                         "d.detachment_id";

/* An instant's local HH:MM in the tenant's zone, under key. */
static jv local_hhmm(jv rec, const tz_t *tz, const char *from, const char *key)
{
    char iso[40], loc[40];
    str_of(rec, from, iso, sizeof iso);
    instant_t at;
    if (!*iso || iso_parse(iso, &at, NULL))
        return rec;
    iso_format_offset(at, tz_offset_at(tz, at), loc);
    return jv_object_set(rec, jv_string(key), jv_string_sized(loc + 11, 5));
}

static jv with_local(jv rec, void *ctx)
{
    const tz_t *tz = ctx;
    rec = local_hhmm(rec, tz, "time_in", "in");
    return local_hhmm(rec, tz, "time_out", "out");
}

int report_dtr(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "tk", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_dtr, sc, NULL, NULL, with_local, &t->tz, out, err);
    store_close(&s);
    return rc;
}

/* ---- timesheets ---- */

static const char sql_timesheets[] =
    "SELECT json_object('kind', 'TimesheetReport', 'v', 1, 'timesheet_id', s.timesheet_id,"
    " 'guard_id', s.guard_id, 'name', " REPORT_NAME(
        "s.guard_id") ","
                      " 'detachment_id', s.detachment_id, 'shift_id', s.shift_id,"
                      " 'position_id', s.record ->> '$.position_id', 'period', s.record -> "
                      "'$.period',"
                      " 'version', s.version, 'status', s.status,"
                      " 'days_worked', s.record ->> '$.days_worked', 'days_absent', s.record ->> "
                      "'$.days_absent',"
                      " 'days_incomplete', s.record ->> '$.days_incomplete',"
                      " 'minutes', s.record -> '$.minutes', 'totals', s.record -> '$.totals',"
                      " 'checksum', s.checksum)"
                      " FROM (" LATEST_TS ") s ORDER BY s.guard_id, s.detachment_id, s.shift_id";

int report_timesheets(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "tk", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_timesheets, sc, NULL, NULL, NULL, NULL, out, err);
    store_close(&s);
    return rc;
}

/* ---- detachments ---- */

/* Minutes worked by day type are regular plus overtime (night
 * differential minutes are a part of those, not more of them). */
static const char sql_detachments[] =
    "WITH ts AS (" LATEST_TS "),"
    " bytype AS (SELECT ts.detachment_id AS det, m.key AS day_type,"
    "  sum((m.value ->> '$.regular') + (m.value ->> '$.ot')) AS worked"
    "  FROM ts, json_each(ts.record, '$.minutes') m GROUP BY 1, 2)"
    " SELECT json_object('kind', 'DetachmentSummary', 'v', 1, 'detachment_id', ts.detachment_id,"
    " 'name', (SELECT d.name FROM hr.detachment d WHERE d.detachment_id = ts.detachment_id),"
    " 'client', (SELECT d.client FROM hr.detachment d WHERE d.detachment_id = ts.detachment_id),"
    " 'period', :period, 'heads', count(DISTINCT ts.guard_id), 'timesheets', count(*),"
    " 'finalized', sum(ts.status != 'DRAFT'),"
    " 'days_worked', sum(ts.record ->> '$.days_worked'),"
    " 'days_absent', sum(ts.record ->> '$.days_absent'),"
    " 'days_incomplete', sum(ts.record ->> '$.days_incomplete'),"
    " 'reliefs', (SELECT count(*) FROM dtr r WHERE r.detachment_id = ts.detachment_id"
    "  AND r.date BETWEEN :from AND :to AND coalesce(r.relieves_guard_id, '') != ''"
    "  AND r.status NOT IN ('ABSENT', 'LEAVE')),"
    " 'minutes', json((SELECT json_group_object(b.day_type, b.worked) FROM bytype b"
    "  WHERE b.det = ts.detachment_id AND b.worked > 0)),"
    " 'totals', json_object('worked', sum(ts.record ->> '$.totals.worked'),"
    "  'regular', sum(ts.record ->> '$.totals.regular'), 'ot', sum(ts.record ->> '$.totals.ot'),"
    "  'nd', sum(ts.record ->> '$.totals.nd'), 'nd_ot', sum(ts.record ->> '$.totals.nd_ot'),"
    "  'late', sum(ts.record ->> '$.totals.late'),"
    "  'undertime', sum(ts.record ->> '$.totals.undertime')))"
    " FROM ts GROUP BY ts.detachment_id ORDER BY ts.detachment_id";

int report_detachments(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    store_t s;
    *out = jv_array();
    if (report_open(&s, t, "tk", "hr", err))
        return err->code;
    int rc = report_rows(&s, sql_detachments, sc, NULL, NULL, NULL, NULL, out, err);
    store_close(&s);
    return rc;
}

/* ---- the roster ---- */

static const char sql_roster[] =
    "SELECT json_object('kind', 'RosterEntry', 'v', 1, 'date', :date,"
    " 'detachment_id', a.detachment_id,"
    " 'detachment', (SELECT d.name FROM hr.detachment d WHERE d.detachment_id = a.detachment_id),"
    " 'shift_id', a.shift_id, 'guard_id', a.guard_id, 'name', " REPORT_NAME(
        "a.guard_id") ","
                      " 'assignment_kind', a.kind, 'relieves_guard_id', a.relieves_guard_id,"
                      " 'relieves_name', " REPORT_NAME(
                          "a.relieves_guard_id") ","
                                                 " 'relieved_by', (SELECT "
                                                 "group_concat(r.guard_id, ',') FROM "
                                                 "hr.assignment r"
                                                 "  WHERE r.kind = 'reliever' AND "
                                                 "r.relieves_guard_id = a.guard_id AND "
                                                 "r.valid_from <= :date"
                                                 "  AND coalesce(nullif(r.valid_to, ''), "
                                                 "'9999-12-31') >= :date),"
                                                 " 'rest_day', json(CASE WHEN a.kind = 'regular' "
                                                 "AND instr((SELECT g.rest_days FROM hr.guard g"
                                                 "  WHERE g.guard_id = a.guard_id), :dow) THEN "
                                                 "'true' ELSE 'false' END),"
                                                 " 'dtr_status', (SELECT x.status FROM dtr x "
                                                 "WHERE x.guard_id = a.guard_id AND x.date = :date"
                                                 "  AND x.shift_id = a.shift_id AND "
                                                 "x.detachment_id = a.detachment_id))"
                                                 " FROM hr.assignment a WHERE a.valid_from <= "
                                                 ":date"
                                                 " AND coalesce(nullif(a.valid_to, ''), "
                                                 "'9999-12-31') >= :date"
                                                 " AND (:guard IS NULL OR a.guard_id = :guard) "
                                                 "AND (:det IS NULL OR a.detachment_id = :det)"
                                                 " ORDER BY a.detachment_id, a.shift_id, a.kind, "
                                                 "a.guard_id";

/* A regular post is open when its guard rests, is absent or on leave that
 * day and no reliever relieves him. */
static jv with_open(jv rec, void *ctx)
{
    char kind[16], st[16], by[8];
    str_of(rec, "assignment_kind", kind, sizeof kind);
    str_of(rec, "dtr_status", st, sizeof st);
    str_of(rec, "relieved_by", by, sizeof by);
    jv rest = jv_object_get(jv_copy(rec), jv_string("rest_day"));
    int away = jv_get_kind(rest) == JV_KIND_TRUE || !strcmp(st, "ABSENT") || !strcmp(st, "LEAVE");
    jv_free(rest);
    int open = !strcmp(kind, "regular") && away && !*by;
    const char *post = open                      ? "OPEN"
                       : *by                     ? "RELIEVED"
                       : strcmp(kind, "regular") ? "RELIEVER"
                       : !strcmp(st, "ABSENT")   ? "ABSENT"
                                                 : "POSTED";
    rec = jv_object_set(rec, jv_string("post"), jv_string(post));
    return jv_object_set(rec, jv_string("open"), open ? jv_true() : jv_false());
}

int report_roster(tenant_t *t, const report_scope *sc, jv *out, armms_err *err)
{
    static const char *const dows[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    day_t d;
    *out = jv_array();
    if (!sc->date || date_parse(sc->date, &d))
        return err_set(err, EXIT_USAGE, "'%s' is not a date (YYYY-MM-DD)",
                       sc->date ? sc->date : "");
    int w = weekday(d);
    store_t s;
    if (report_open(&s, t, "tk", "hr", err))
        return err->code;
    int rc =
        report_rows(&s, sql_roster, sc, ":dow", dows[(w % 7 + 7) % 7], with_open, NULL, out, err);
    store_close(&s);
    return rc;
}
