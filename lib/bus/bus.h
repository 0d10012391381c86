/*
 * bus.h - the connection to the message broker (NATS JetStream, through
 * libnats) and the stream the journal is published into.
 * Uses core only (publish.h adds the journal of store); never iam: the
 * tools check who may before they connect.
 *
 * The broker is named by a URL, nats://[USER:PASSWORD@]HOST[:PORT] (tls://
 * too; several, comma-separated, are servers of one cluster), from --url or
 * ARMMS_NATS_URL; ARMMS_NATS_CREDS names a NATS credentials file. In
 * messages the URL is shown with its password masked (bus_url_shown).
 *
 * Fixed names (armms-journal(1)): the stream ARMMS takes the subjects
 * armms.>; an event of tenant T is published on armms.T.<event_type>, the
 * chain head after each batch on armms.T.anchor.
 *
 * Errors: every call returns 0 or a sysexits code with err filled:
 *   69 the broker cannot be reached, or did not answer in time, or no
 *      stream takes the subject (EXIT_UNAVAILABLE);
 *   77 the broker refused the credentials or the subject (EXIT_NOPERM);
 *   78 the stream does not exist, or refused a setting (EXIT_CONFIG);
 *   66 no such message (bus_stream_get);
 *   70 anything else libnats reports.
 * The message names the URL as shown, never a message body.
 */
#ifndef ARMMS_BUS_H
#define ARMMS_BUS_H

#include <nats/nats.h>
#include <stdint.h>

#include "core/util.h"

#define BUS_STREAM "ARMMS"
#define BUS_SUBJECTS "armms.>"

typedef struct bus_opts {
    const char *url;   /* required */
    const char *creds; /* a NATS credentials file, or NULL */
    const char *name;  /* the connection's name, as the broker's monitoring shows it */
    int timeout_ms;    /* connecting, and each JetStream request (default 5000) */
    /* 1: libnats reconnects by itself after an outage (a subscriber);
     * 0: a lost connection stays closed and the caller reconnects (the
     * publisher, which retries with its own backoff) */
    int reconnect;
} bus_opts;

/* Defaults: url from ARMMS_NATS_URL, creds from ARMMS_NATS_CREDS (neither
 * is read in a multi-user installation's run: core/secure.h), name
 * "armms", timeout 5000 ms, no reconnect. */
void bus_opts_init(bus_opts *o);

/* 1 when url is a list of nats:// or tls:// URLs, each with a host and an
 * optional numeric port; else 0 with the reason in why. */
int bus_url_valid(const char *url, char *why, size_t n);
/* url with any password replaced by "***", for messages. */
void bus_url_shown(const char *url, char *buf, size_t n);

typedef struct bus {
    natsConnection *nc;
    jsCtx *js; /* with default options; a publisher makes its own (publish.h) */
    int timeout_ms;
    char url[256]; /* as shown */
} bus_t;

/* Connect and make the JetStream context. On failure b holds nothing to
 * close (bus_close is still safe). */
int bus_connect(bus_t *b, const bus_opts *o, armms_err *err);
/* 1 while the connection is up (not closed, not reconnecting). */
int bus_connected(const bus_t *b);
void bus_close(bus_t *b);
/* Release libnats itself, once, at the end of the process (so a leak
 * checker sees its threads gone). */
void bus_shutdown(void);

/* Fill err from a libnats status (and a JetStream error code, 0 if none),
 * the message "what: reason" with the URL named; returns the exit code. */
int bus_err(armms_err *err, const bus_t *b, natsStatus s, jsErrCode jerr, const char *what);

/* The stream's settings, for bus_stream_ensure. */
typedef struct bus_stream_cfg {
    const char *name;     /* default BUS_STREAM */
    const char *subjects; /* comma-separated; default BUS_SUBJECTS */
    int64_t dup_window_s; /* the duplicate window (default 2 h) */
    int64_t max_age_s;    /* 0: kept until max_bytes/max_msgs (default 0) */
    int64_t max_bytes;    /* -1: unlimited (default) */
    int64_t max_msgs;     /* -1: unlimited (default) */
    int replicas;         /* default 1 */
} bus_stream_cfg;
void bus_stream_cfg_init(bus_stream_cfg *c);

/* Create the stream with file storage and limits retention, or update it
 * to cfg when it exists with other settings; *what = "created", "updated"
 * or "unchanged". */
int bus_stream_ensure(bus_t *b, const bus_stream_cfg *cfg, const char **what, armms_err *err);
/* The stream's settings and state as one NDJSON record (kind Stream) in
 * out, with the message count of each subject matching filter (NULL: all
 * of the stream's subjects). */
int bus_stream_info(bus_t *b, const char *stream, const char *filter, strbuf *out, armms_err *err);
/* The message at stream sequence seq as one NDJSON record (kind
 * StreamMessage: seq, subject, time, headers, data — the data as a string,
 * byte for byte, null when it is not UTF-8) in out; *subject (malloc'd) its subject. 66 when
 * the stream holds no message at seq. */
int bus_stream_get(bus_t *b, const char *stream, uint64_t seq, strbuf *out, char **subject,
                   armms_err *err);
/* The last sequence the stream holds (0 when empty). */
int bus_stream_last(bus_t *b, const char *stream, uint64_t *first, uint64_t *last, armms_err *err);

/* A duration: "90s", "30m", "2h", "7d", or plain seconds; *secs. -1 when
 * it is none. */
int bus_duration_parse(const char *s, int64_t *secs);
/* secs as bus_duration_parse takes it, in its largest whole unit: 7200 ->
 * "2h". */
void bus_duration_text(int64_t secs, char *buf, size_t n);
/* A stream sequence "SEQ" or a range "FROM..TO" (from 1, to >= from): 0,
 * or -1 when it is neither. */
int bus_seq_range(const char *s, unsigned long long *from, unsigned long long *to);

#endif
