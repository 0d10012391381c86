/*
 * zk.c - ZKTeco attendance log lines (ingest_zk_line): split a line, read
 * its punch (PIN, date time, device, status), and record it as a
 * ClockEvent object through ingest_record, or hold it when the PIN is no
 * guard's employee_no yet.
 *
 * Invariants: a line is counted read exactly once; wall-clock times are
 * read in the device's zone (--tz, else the tenant's); a Reject's message
 * is cut at ZK_MSG_MAX bytes.
 */
#include <string.h>

#include "tk/ingest_int.h"

/* A ZKTeco line's punch, read from its fields. */
typedef struct zk_punch {
    day_t day;
    int minute, sec;
    const char *type, *device; /* device: NULL for push lines without --device */
    char guard[80];
} zk_punch;

/* ZKTeco messages have always been cut at 255 bytes (a long field in a
 * damaged line would otherwise fill the Reject). */
enum { ZK_MSG_MAX = 256 };

/* Split a ZKTeco line and read its punch: 0 or REJECTED. tok holds the
 * fields (pointing into buf); nt their count. */
static int zk_parse(ingest_t *in, char **tok, int nt, int push, zk_punch *p, rejection *rj)
{
    int si = push ? 3 : 4; /* the status column */
    if (nt < si + 1)
        return rejection_set(rj, "BAD_FIELD",
                             "ZKTeco line has %d fields; want PIN, date time,%s status, ...", nt,
                             push ? "" : " device,");
    int hms;
    if (date_parse(tok[1], &p->day) || hms_parse(tok[2], &hms))
        return rejection_set(rj, "BAD_TS", "'%s %s' is not a time (YYYY-MM-DD HH:MM:SS)", tok[1],
                             tok[2]);
    p->minute = hms / 60;
    p->sec = hms % 60;
    const char *st = tok[si];
    if (!strcmp(st, "0") || !strcmp(st, "4"))
        p->type = "IN"; /* check-in, overtime-in */
    else if (!strcmp(st, "1") || !strcmp(st, "5"))
        p->type = "OUT"; /* check-out, overtime-out */
    else if (!strcmp(st, "2") || !strcmp(st, "3"))
        return rejection_set(rj, "UNSUPPORTED_PUNCH",
                             "punch state %s is a break punch; ARMMS records IN and OUT", st);
    else
        return rejection_set(rj, "BAD_FIELD", "unknown punch state '%s'", st);
    p->device = in->o.device ? in->o.device : push ? NULL : tok[3];
    sqlite3_bind_text(in->pin, 1, tok[0], -1, SQLITE_STATIC);
    if (sqlite3_step(in->pin) == SQLITE_ROW)
        snprintf(p->guard, sizeof p->guard, "%s", (const char *)sqlite3_column_text(in->pin, 0));
    sqlite3_reset(in->pin);
    if (!p->guard[0])
        return rejection_set(rj, "UNKNOWN_GUARD", "no guard has employee_no (PIN) %s", tok[0]);
    return 0;
}

/* Hold a ZKTeco punch whose PIN is no guard's employee_no (yet): 0 when
 * held (or a duplicate of a held punch), REJECTED with rj filled (the
 * original UNKNOWN_GUARD when the PIN or device is no id), or an EXIT_*
 * code. */
static int zk_hold(ingest_t *in, const char *pin, const zk_punch *p, const char *source,
                   long lineno, rejection *rj, armms_err *err)
{
    if (!p->device || !ing_id_ok(p->device, 64) || !ing_id_ok(pin, 64))
        return REJECTED; /* rj keeps UNKNOWN_GUARD */
    clock_ev ev = {.device = p->device, .type = p->type};
    ev.at = tz_instant_of(&in->zone, p->day, p->minute) + p->sec;
    ev.off = tz_offset_at(&in->zone, ev.at);
    if (ev.at > in->now + in->o.max_future_s)
        return REJECTED;
    snprintf(ev.utype, sizeof ev.utype, "%s", p->type);
    if (ing_ensure_tx(in, err))
        return err->code;
    int rc = ing_ev_hold(in, &ev, pin, "UNKNOWN_GUARD", source, lineno, rj, err);
    if (rc)
        return rc;
    return ing_batch_step(in, err);
}

int ingest_zk_line(ingest_t *in, const char *line, size_t len, int push, const char *source,
                   long lineno, armms_err *err)
{
    /* PIN, date time, [device,] status, verify, workcode ...; fields are
     * tab-separated, and the date and time are split by a space. */
    char buf[512], *tok[12], *save = NULL;
    int nt = 0;
    if (memchr(line, 0, len)) {
        in->n.read++;
        rejection rj;
        rejection_set(&rj, "BAD_FIELD", "ZKTeco line contains a NUL byte");
        ing_reject_why(in, &rj, source, lineno, line, len);
        return 0;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
    for (char *t = strtok_r(buf, " \t", &save); t && nt < 12; t = strtok_r(NULL, " \t", &save))
        tok[nt++] = t;
    in->n.read++;
    zk_punch p = {0};
    rejection rj;
    if (zk_parse(in, tok, nt, push, &p, &rj) == REJECTED) {
        if (ing_holdable(&rj)) {
            int rc = zk_hold(in, tok[0], &p, source, lineno, &rj, err);
            if (rc != REJECTED)
                return rc;
        }
        rj.msg[ZK_MSG_MAX - 1] = '\0';
        ing_reject_why(in, &rj, source, lineno, line, len);
        return 0;
    }
    instant_t at = tz_instant_of(&in->zone, p.day, p.minute) + p.sec;
    char ts[32];
    iso_format_offset(at, tz_offset_at(&in->zone, at), ts);
    jv rec = jv_object();
    rec = jv_object_set(rec, jv_string("device_id"), jv_string(p.device));
    rec = jv_object_set(rec, jv_string("guard_id"), jv_string(p.guard));
    rec = jv_object_set(rec, jv_string("ts"), jv_string(ts));
    rec = jv_object_set(rec, jv_string("type"), jv_string(p.type));
    in->n.read--; /* ingest_record counts it */
    return ingest_record(in, rec, source, lineno, line, len, err);
}
