/*
 * anchor.c - see anchor.h: one connection (bus_connect), one JetStream
 * "last message for subject" request, and the connection closed again.
 *
 * Invariants: every libnats object made here is destroyed before return;
 * the connection never reconnects (a read that fails is an answer).
 */
#include "bus/anchor.h"

#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"

/* Split url into the server URL and the stream (a path after the host). */
static void split_url(const char *url, char **server, char **stream)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    const char *slash = strchr(host, '/');
    *server = slash ? xasprintf("%.*s", (int)(slash - url), url) : xstrdup(url);
    *stream = xstrdup(slash && slash[1] ? slash + 1 : BUS_STREAM);
}

int bus_anchor_last(const char *url, const char *tenant, strbuf *payload, armms_err *err)
{
    char *server, *stream, *subject = xasprintf("armms.%s.anchor", tenant);
    split_url(url, &server, &stream);
    char why[200];
    bus_t b = {0};
    int rc = 0;
    if (!bus_url_valid(server, why, sizeof why)) {
        rc = err_set(err, EXIT_USAGE, "--anchor %s: %s", server, why);
        goto out;
    }
    bus_opts o;
    bus_opts_init(&o);
    o.url = server;
    o.name = "armms-journal verify";
    if ((rc = bus_connect(&b, &o, err)))
        goto out;
    natsMsg *msg = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetLastMsg(&msg, b.js, stream, subject, NULL, &jerr);
    if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
        rc = err_set(err, EXIT_NOINPUT, "broker %s: stream %s holds no anchor on %s", b.url,
                     stream, subject);
    else if (s != NATS_OK)
        rc = bus_err(err, &b, s, jerr, "the last anchor cannot be read");
    else
        sb_add(payload, natsMsg_GetData(msg), (size_t)natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
out:
    bus_close(&b);
    free(server);
    free(stream);
    free(subject);
    return rc;
}
