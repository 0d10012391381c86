/*
 * anchor.c - see anchor.h: one connection, one JetStream "get last
 * message for subject" request, and the connection closed again.
 *
 * Invariants: every libnats object made here is destroyed before return;
 * the connection never reconnects (a read that fails is an answer).
 */
#include "bus/anchor.h"

#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>

/* Split url into the server URL and the stream (after a '/' that follows
 * the host). */
static void split_url(const char *url, char **server, char **stream)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *slash = strchr(host, '/');
    if (slash && slash[1]) {
        *server = xasprintf("%.*s", (int)(slash - url), url);
        *stream = xstrdup(slash + 1);
    } else {
        *server = slash ? xasprintf("%.*s", (int)(slash - url), url) : xstrdup(url);
        *stream = xstrdup(BUS_DEFAULT_STREAM);
    }
}

int bus_anchor_last(const char *url, const char *tenant, strbuf *payload, armms_err *err)
{
    char *server, *stream, *subject = xasprintf("armms.%s.anchor", tenant);
    split_url(url, &server, &stream);
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsMsg *msg = NULL;
    jsErrCode jerr = 0;
    int rc = 0;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, server);
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(opts, 5000);
    if (s == NATS_OK)
        s = natsOptions_SetAllowReconnect(opts, false);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK) {
        rc = err_set(err, EXIT_UNAVAILABLE, "cannot reach the broker at %s: %s", server,
                     natsStatus_GetText(s));
        goto out;
    }
    if ((s = natsConnection_JetStream(&js, nc, NULL)) == NATS_OK)
        s = js_GetLastMsg(&msg, js, stream, subject, NULL, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr || jerr == JSStreamNotFoundErr) {
        rc = err_set(err, EXIT_DATAERR, "the broker at %s has no anchor on %s in stream %s",
                     server, subject, stream);
    } else if (s != NATS_OK) {
        rc = err_set(err, EXIT_UNAVAILABLE, "cannot read %s from stream %s at %s: %s", subject,
                     stream, server, nats_GetLastError(NULL));
    } else {
        sb_add(payload, natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    }
out:
    natsMsg_Destroy(msg);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    free(server);
    free(stream);
    free(subject);
    return rc;
}
