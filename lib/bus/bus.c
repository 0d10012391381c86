/*
 * bus.c - connecting to NATS JetStream and keeping the stream (see bus.h).
 *
 * Invariants: a bus_t either holds a connection and a JetStream context
 * or nothing; no message body ever reaches an error message (a body is a
 * journal line, with what personal data the journal holds).
 */
#include "bus/bus.h"

#include <jv.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/ndjson.h"
#include "core/secure.h"

void bus_opts_init(bus_opts *o)
{
    memset(o, 0, sizeof *o);
    o->url = armms_env("ARMMS_NATS_URL");
    if (o->url && !*o->url)
        o->url = NULL;
    o->creds = armms_env("ARMMS_NATS_CREDS");
    if (o->creds && !*o->creds)
        o->creds = NULL;
    o->name = "armms";
    o->timeout_ms = 5000;
}

/* One URL of the list, [s, e). */
static int one_url_valid(const char *s, const char *e, char *why, size_t n)
{
    size_t len = (size_t)(e - s);
    const char *host;
    if (len > 7 && !strncmp(s, "nats://", 7))
        host = s + 7;
    else if (len > 6 && !strncmp(s, "tls://", 6))
        host = s + 6;
    else {
        snprintf(why, n, "'%.*s' is not a nats:// or tls:// URL", (int)(len > 60 ? 60 : len), s);
        return 0;
    }
    const char *at = memchr(host, '@', (size_t)(e - host));
    if (at)
        host = at + 1;
    const char *end = memchr(host, '/', (size_t)(e - host));
    if (!end)
        end = e;
    if (end != e && end + 1 != e) {
        snprintf(why, n, "a NATS URL names no path");
        return 0;
    }
    const char *colon = memchr(host, ':', (size_t)(end - host));
    if (colon == host || host == end) {
        snprintf(why, n, "the URL names no host");
        return 0;
    }
    for (const char *p = host; p < (colon ? colon : end); p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_')) {
            snprintf(why, n, "the URL's host has a '%c'", *p);
            return 0;
        }
    if (colon) {
        long port = 0;
        const char *p = colon + 1;
        if (p == end) {
            snprintf(why, n, "the URL's port is empty");
            return 0;
        }
        for (; p < end; p++) {
            if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535) {
                snprintf(why, n, "the URL's port is not a number from 1 to 65535");
                return 0;
            }
        }
        if (port == 0) {
            snprintf(why, n, "the URL's port is not a number from 1 to 65535");
            return 0;
        }
    }
    return 1;
}

int bus_url_valid(const char *url, char *why, size_t n)
{
    if (!url || !*url) {
        snprintf(why, n, "the broker's URL is empty");
        return 0;
    }
    for (const char *s = url;;) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        if (!one_url_valid(s, e, why, n))
            return 0;
        if (!*e)
            return 1;
        s = e + 1;
    }
}

void bus_url_shown(const char *url, char *buf, size_t n)
{
    strbuf b;
    sb_init(&b);
    for (const char *s = url; *s;) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        const char *scheme = strstr(s, "://");
        const char *at = memchr(s, '@', (size_t)(e - s));
        const char *colon =
            scheme && at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
        if (colon) {
            sb_add(&b, s, (size_t)(colon + 1 - s));
            sb_adds(&b, "***");
            sb_add(&b, at, (size_t)(e - at));
        } else {
            sb_add(&b, s, (size_t)(e - s));
        }
        if (!*e)
            break;
        sb_addc(&b, ',');
        s = e + 1;
    }
    snprintf(buf, n, "%s", b.s ? b.s : "");
    sb_free(&b);
}

int bus_err(armms_err *err, const bus_t *b, natsStatus s, jsErrCode jerr, const char *what)
{
    const char *url = b && b->url[0] ? b->url : "the broker";
    int code;
    switch (s) {
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_ADDRESS_MISSING:
        code = EXIT_UNAVAILABLE;
        break;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
        code = EXIT_NOPERM;
        break;
    default:
        code = EXIT_SOFTWARE;
    }
    if (jerr == JSStreamNotFoundErr)
        code = EXIT_CONFIG;
    else if (jerr == JSNoMessageFoundErr)
        code = EXIT_NOINPUT;
    else if (jerr && code == EXIT_SOFTWARE)
        code = EXIT_CONFIG; /* the broker refused what we asked (a setting) */
    const char *why = nats_GetLastError(NULL);
    if (!why || !*why)
        why = natsStatus_GetText(s);
    if (s == NATS_NO_RESPONDERS)
        why = "no stream takes the subject (armms-journal stream create makes it)";
    else if (s == NATS_NO_SERVER)
        why = "unreachable";
    if (jerr)
        return err_set(err, code, "broker %s: %s: %s (JetStream error %d)", url, what, why,
                       (int)jerr);
    return err_set(err, code, "broker %s: %s: %s", url, what, why);
}

int bus_connect(bus_t *b, const bus_opts *o, armms_err *err)
{
    memset(b, 0, sizeof *b);
    bus_url_shown(o->url ? o->url : "", b->url, sizeof b->url);
    b->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
    natsOptions *no = NULL;
    natsStatus s = natsOptions_Create(&no);
    if (s == NATS_OK)
        s = natsOptions_SetURL(no, o->url);
    if (s == NATS_OK)
        s = natsOptions_SetName(no, o->name ? o->name : "armms");
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(no, b->timeout_ms);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(no, o->reconnect ? true : false);
    /* the servers a cluster gossips stay out of a loopback or private set-up */
    if (s == NATS_OK)
        s = natsOptions_SetIgnoreDiscoveredServers(no, true);
    if (s == NATS_OK && o->creds)
        s = natsOptions_SetUserCredentialsFromFiles(no, o->creds, NULL);
    if (s != NATS_OK) {
        natsOptions_Destroy(no);
        return bus_err(err, b, s, 0, "cannot set up the connection");
    }
    s = natsConnection_Connect(&b->nc, no);
    natsOptions_Destroy(no);
    if (s != NATS_OK) {
        b->nc = NULL;
        return bus_err(err, b, s, 0, "cannot connect");
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = b->timeout_ms;
    s = natsConnection_JetStream(&b->js, b->nc, &jo);
    if (s != NATS_OK) {
        int rc = bus_err(err, b, s, 0, "no JetStream");
        bus_close(b);
        return rc;
    }
    return 0;
}

int bus_connected(const bus_t *b)
{
    return b->nc && natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED;
}

void bus_close(bus_t *b)
{
    if (b->js)
        jsCtx_Destroy(b->js);
    if (b->nc) {
        natsConnection_Close(b->nc);
        natsConnection_Destroy(b->nc);
    }
    b->js = NULL;
    b->nc = NULL;
}

void bus_shutdown(void)
{
    nats_CloseAndWait(2000);
}

/* ---- the stream ---- */

void bus_stream_cfg_init(bus_stream_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->name = BUS_STREAM;
    c->subjects = BUS_SUBJECTS;
    c->dup_window_s = 2 * 3600;
    c->max_bytes = -1;
    c->max_msgs = -1;
    c->replicas = 1;
}

int bus_duration_parse(const char *s, int64_t *secs)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    long long v = strtoll(s, &end, 10);
    long long mul = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        mul = 60, end++;
    else if (*end == 'h')
        mul = 3600, end++;
    else if (*end == 'd')
        mul = 86400, end++;
    if (*end || v < 0 || v > (long long)100 * 365 * 86400 / mul)
        return -1;
    *secs = v * mul;
    return 0;
}

#define NS 1000000000LL

/* The subjects list of cfg, split (malloc'd array of pointers into *buf). */
static const char **split_subjects(const char *subjects, char **buf, int *n)
{
    *buf = xstrdup(subjects);
    int cap = 1;
    for (const char *p = subjects; *p; p++)
        cap += *p == ',';
    const char **list = xcalloc((size_t)cap, sizeof *list);
    *n = 0;
    for (char *save = NULL, *tok = strtok_r(*buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        if (*tok)
            list[(*n)++] = tok;
    return list;
}

static int same_config(const jsStreamConfig *a, const jsStreamConfig *want)
{
    if (a->Retention != want->Retention || a->Storage != want->Storage ||
        a->Duplicates != want->Duplicates || a->MaxAge != want->MaxAge ||
        a->MaxBytes != want->MaxBytes || a->MaxMsgs != want->MaxMsgs ||
        a->Replicas != want->Replicas || a->SubjectsLen != want->SubjectsLen ||
        a->Discard != want->Discard)
        return 0;
    for (int i = 0; i < a->SubjectsLen; i++)
        if (strcmp(a->Subjects[i], want->Subjects[i]))
            return 0;
    return 1;
}

int bus_stream_ensure(bus_t *b, const bus_stream_cfg *cfg, const char **what, armms_err *err)
{
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    char *buf;
    int n;
    const char **subjects = split_subjects(cfg->subjects, &buf, &n);
    sc.Name = cfg->name;
    sc.Description = "ARMMS tenant journals, one subject per tenant and event type";
    sc.Subjects = subjects;
    sc.SubjectsLen = n;
    sc.Retention = js_LimitsPolicy;
    sc.Storage = js_FileStorage;
    sc.Discard = js_DiscardOld;
    sc.Duplicates = cfg->dup_window_s * NS;
    sc.MaxAge = cfg->max_age_s * NS;
    sc.MaxBytes = cfg->max_bytes;
    sc.MaxMsgs = cfg->max_msgs;
    sc.Replicas = cfg->replicas;

    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, cfg->name, NULL, &jerr);
    int rc = 0;
    if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        jsStreamInfo_Destroy(si);
        si = NULL;
        jerr = 0;
        s = js_AddStream(&si, b->js, &sc, NULL, &jerr);
        *what = "created";
        if (s != NATS_OK)
            rc = bus_err(err, b, s, jerr, "cannot create the stream");
    } else if (s != NATS_OK) {
        rc = bus_err(err, b, s, jerr, "cannot read the stream");
    } else if (same_config(si->Config, &sc)) {
        *what = "unchanged";
    } else {
        jsStreamInfo_Destroy(si);
        si = NULL;
        jerr = 0;
        s = js_UpdateStream(&si, b->js, &sc, NULL, &jerr);
        *what = "updated";
        if (s != NATS_OK)
            rc = bus_err(err, b, s, jerr, "cannot update the stream");
    }
    jsStreamInfo_Destroy(si);
    free(subjects);
    free(buf);
    return rc;
}

static jv iso_ns(int64_t ns)
{
    char buf[32];
    if (ns <= 0)
        return jv_null();
    iso_format_utc((instant_t)(ns / NS), buf);
    return jv_string(buf);
}

int bus_stream_info(bus_t *b, const char *stream, const char *filter, strbuf *out, armms_err *err)
{
    jsOptions o;
    jsOptions_Init(&o);
    o.Wait = b->timeout_ms;
    o.Stream.Info.SubjectsFilter = filter ? filter : ">";
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, stream, &o, &jerr);
    if (s == NATS_NOT_FOUND) {
        jsStreamInfo_Destroy(si);
        return err_set(err, EXIT_CONFIG,
                       "broker %s: no stream %s (armms-journal stream create makes it)", b->url,
                       stream);
    }
    if (s != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return bus_err(err, b, s, jerr, "cannot read the stream");
    }
    const jsStreamConfig *c = si->Config;
    const jsStreamState *st = &si->State;
    jv subjects = jv_array();
    for (int i = 0; i < c->SubjectsLen; i++)
        subjects = jv_array_append(subjects, jv_string(c->Subjects[i]));
    jv counts = jv_object();
    for (int i = 0; st->Subjects && i < st->Subjects->Count; i++)
        counts = jv_object_set(counts, jv_string(st->Subjects->List[i].Subject),
                               jv_number((double)st->Subjects->List[i].Msgs));
    jv r = jv_object();
    r = jv_object_set(r, jv_string("kind"), jv_string("Stream"));
    r = jv_object_set(r, jv_string("v"), jv_number(1));
    r = jv_object_set(r, jv_string("stream"), jv_string(c->Name));
    r = jv_object_set(r, jv_string("subjects"), subjects);
    r = jv_object_set(r, jv_string("storage"),
                      jv_string(c->Storage == js_FileStorage ? "file" : "memory"));
    r = jv_object_set(r, jv_string("retention"),
                      jv_string(c->Retention == js_LimitsPolicy     ? "limits"
                                : c->Retention == js_InterestPolicy ? "interest"
                                                                    : "workqueue"));
    r = jv_object_set(r, jv_string("dup_window_s"), jv_number((double)(c->Duplicates / NS)));
    r = jv_object_set(r, jv_string("max_age_s"), jv_number((double)(c->MaxAge / NS)));
    r = jv_object_set(r, jv_string("max_bytes"), jv_number((double)c->MaxBytes));
    r = jv_object_set(r, jv_string("max_msgs"), jv_number((double)c->MaxMsgs));
    r = jv_object_set(r, jv_string("replicas"), jv_number((double)c->Replicas));
    r = jv_object_set(r, jv_string("messages"), jv_number((double)st->Msgs));
    r = jv_object_set(r, jv_string("bytes"), jv_number((double)st->Bytes));
    r = jv_object_set(r, jv_string("first_seq"), jv_number((double)st->FirstSeq));
    r = jv_object_set(r, jv_string("first_time"), iso_ns(st->FirstTime));
    r = jv_object_set(r, jv_string("last_seq"), jv_number((double)st->LastSeq));
    r = jv_object_set(r, jv_string("last_time"), iso_ns(st->LastTime));
    r = jv_object_set(r, jv_string("consumers"), jv_number((double)st->Consumers));
    r = jv_object_set(r, jv_string("subject_messages"), counts);
    char *text = json_compact(r);
    sb_adds(out, text);
    sb_addc(out, '\n');
    free(text);
    jsStreamInfo_Destroy(si);
    return 0;
}

int bus_stream_last(bus_t *b, const char *stream, uint64_t *first, uint64_t *last, armms_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, stream, NULL, &jerr);
    if (s != NATS_OK) {
        jsStreamInfo_Destroy(si);
        if (s == NATS_NOT_FOUND)
            return err_set(err, EXIT_CONFIG,
                           "broker %s: no stream %s (armms-journal stream create makes it)",
                           b->url, stream);
        return bus_err(err, b, s, jerr, "cannot read the stream");
    }
    *first = si->State.FirstSeq;
    *last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    return 0;
}

int bus_stream_get(bus_t *b, const char *stream, uint64_t seq, strbuf *out, char **subject,
                   armms_err *err)
{
    natsMsg *m = NULL;
    jsErrCode jerr = 0;
    *subject = NULL;
    natsStatus s = js_GetMsg(&m, b->js, stream, seq, NULL, &jerr);
    if (s != NATS_OK) {
        natsMsg_Destroy(m);
        if (s == NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
            return err_set(err, EXIT_NOINPUT, "stream %s holds no message %llu", stream,
                           (unsigned long long)seq);
        return bus_err(err, b, s, jerr, "cannot get the message");
    }
    jv h = jv_object();
    const char **keys = NULL;
    int nkeys = 0;
    if (natsMsgHeader_Keys(m, &keys, &nkeys) == NATS_OK) {
        for (int i = 0; i < nkeys; i++) {
            const char *v = NULL;
            if (natsMsgHeader_Get(m, keys[i], &v) == NATS_OK && v)
                h = jv_object_set(h, jv_string(keys[i]), jv_string(v));
        }
        free((void *)keys);
    }
    /* the data as a string, byte for byte (a journal line is JSON, but
     * parsing it again could change how its numbers are written) */
    const char *data = natsMsg_GetData(m);
    int len = natsMsg_GetDataLength(m);
    jv d = len <= 0                                ? jv_string("")
           : data && utf8_valid(data, (size_t)len) ? jv_string_sized(data, len)
                                                   : jv_null();
    jv r = jv_object();
    r = jv_object_set(r, jv_string("kind"), jv_string("StreamMessage"));
    r = jv_object_set(r, jv_string("v"), jv_number(1));
    r = jv_object_set(r, jv_string("stream"), jv_string(stream));
    r = jv_object_set(r, jv_string("seq"), jv_number((double)natsMsg_GetSequence(m)));
    r = jv_object_set(r, jv_string("subject"), jv_string(natsMsg_GetSubject(m)));
    r = jv_object_set(r, jv_string("time"), iso_ns(natsMsg_GetTime(m)));
    r = jv_object_set(r, jv_string("headers"), h);
    r = jv_object_set(r, jv_string("data"), d);
    char *text = json_compact(r);
    sb_adds(out, text);
    sb_addc(out, '\n');
    free(text);
    *subject = xstrdup(natsMsg_GetSubject(m));
    natsMsg_Destroy(m);
    return 0;
}

/* 7200 -> "2h", as --dup-window takes it. */
void bus_duration_text(int64_t s, char *buf, size_t n)
{
    if (s % 86400 == 0)
        snprintf(buf, n, "%lldd", (long long)(s / 86400));
    else if (s % 3600 == 0)
        snprintf(buf, n, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(buf, n, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, n, "%llds", (long long)s);
}

/* SEQ or FROM..TO; 0 or -1. */
int bus_seq_range(const char *s, unsigned long long *from, unsigned long long *to)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    *from = strtoull(s, &end, 10);
    *to = *from;
    if (end[0] == '.' && end[1] == '.') {
        const char *t = end + 2;
        if (*t < '0' || *t > '9')
            return -1;
        *to = strtoull(t, &end, 10);
    }
    return *end || *from == 0 || *to < *from ? -1 : 0;
}
