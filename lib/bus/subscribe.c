/*
 * subscribe.c - durable pull consumers of the stream (see subscribe.h).
 *
 * Invariants:
 *  1. a batch is acknowledged only after the callback returned 0 for it,
 *     and those acks are flushed to the broker before the next fetch, so
 *     the next fetch of the run never brings it again (unless the callback
 *     took longer than the ack wait: then it comes again, a duplicate);
 *  2. a batch the callback failed is negatively acknowledged (delivered
 *     again at once, to the next run: drain stops);
 *  3. no message body reaches an error message (bus.c's rule): a body is a
 *     journal line and is the caller's to show, masked, in a Reject.
 */
#include "bus/subscribe.h"

#include <jv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ndjson.h"
#include "core/reject.h"
#include "core/sha.h"

typedef struct consumer {
    char durable[201];
    char subject[256];
    char next[400]; /* $JS.API.CONSUMER.MSG.NEXT.<stream>.<durable> */
} consumer;

struct bus_sub {
    bus_t *b;
    char stream[128];
    int batch;
    int64_t ack_wait_ns;
    char description[200];
    consumer c[BUS_SUB_MAX];
    int n;
    natsInbox *inbox;      /* where the pulled messages come */
    natsSubscription *sub; /* on inbox */
};

void bus_sub_opts_init(bus_sub_opts *o)
{
    memset(o, 0, sizeof *o);
    o->stream = BUS_STREAM;
    o->batch = BUS_SUB_BATCH;
    o->ack_wait_s = BUS_SUB_ACK_WAIT;
}

int bus_durable_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 200)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}

int bus_sub_open(bus_sub **out, bus_t *b, const bus_sub_opts *o, armms_err *err)
{
    bus_sub_opts d;
    if (!o) {
        bus_sub_opts_init(&d);
        o = &d;
    }
    bus_sub *s = xcalloc(1, sizeof *s);
    s->b = b;
    snprintf(s->stream, sizeof s->stream, "%s", o->stream && *o->stream ? o->stream : BUS_STREAM);
    s->batch = o->batch > 0 ? o->batch : BUS_SUB_BATCH;
    s->ack_wait_ns = (int64_t)(o->ack_wait_s > 0 ? o->ack_wait_s : BUS_SUB_ACK_WAIT) * 1000000000;
    snprintf(s->description, sizeof s->description, "%s",
             o->description ? o->description : "an ARMMS consumer");
    *out = s;
    natsStatus st = natsInbox_Create(&s->inbox);
    if (st == NATS_OK)
        st = natsConnection_SubscribeSync(&s->sub, b->nc, s->inbox);
    return st == NATS_OK ? 0 : bus_err(err, b, st, 0, "cannot subscribe to its inbox");
}

void bus_sub_close(bus_sub *s)
{
    if (!s)
        return;
    /* the inbox only: the durables and their acks stay on the broker */
    if (s->sub) {
        natsSubscription_Unsubscribe(s->sub);
        natsSubscription_Destroy(s->sub);
    }
    natsInbox_Destroy(s->inbox);
    free(s);
}

/* Make the durable, or check the one there and bring its ack wait to
 * ours. */
static int ensure_consumer(bus_sub *s, const char *durable, const char *subject, armms_err *err)
{
    char what[300];
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_GetConsumerInfo(&ci, s->b->js, s->stream, durable, NULL, &jerr);
    if (st == NATS_NOT_FOUND && jerr == JSConsumerNotFoundErr) {
        jsConsumerConfig cc;
        jsConsumerConfig_Init(&cc);
        cc.Durable = durable;
        cc.Description = s->description;
        cc.DeliverPolicy = js_DeliverAll;
        cc.AckPolicy = js_AckExplicit;
        cc.AckWait = s->ack_wait_ns;
        cc.FilterSubject = subject;
        jerr = 0;
        st = js_AddConsumer(&ci, s->b->js, s->stream, &cc, NULL, &jerr);
        jsConsumerInfo_Destroy(ci);
        if (st != NATS_OK) {
            snprintf(what, sizeof what, "cannot make durable consumer %s on stream %s", durable,
                     s->stream);
            return bus_err(err, s->b, st, jerr, what);
        }
        return 0;
    }
    if (st != NATS_OK) {
        snprintf(what, sizeof what, "cannot read durable consumer %s on stream %s", durable,
                 s->stream);
        return bus_err(err, s->b, st, jerr, what);
    }
    int rc = 0;
    jsConsumerConfig *cfg = ci->Config;
    const char *filter = cfg && cfg->FilterSubject ? cfg->FilterSubject : "";
    if (!cfg || strcmp(filter, subject) || cfg->AckPolicy != js_AckExplicit) {
        rc = err_set(err, EXIT_CONFIG,
                     "broker %s: durable consumer %s on stream %s takes %s%s, not %s: it is "
                     "another consumer's (name another durable)",
                     s->b->url, durable, s->stream, *filter ? filter : "every subject",
                     cfg && cfg->AckPolicy != js_AckExplicit ? " without explicit acks" : "",
                     subject);
    } else if (cfg->AckWait != s->ack_wait_ns) {
        jsConsumerConfig cc = *cfg;
        cc.AckWait = s->ack_wait_ns;
        jsConsumerInfo *ui = NULL;
        jerr = 0;
        st = js_UpdateConsumer(&ui, s->b->js, s->stream, &cc, NULL, &jerr);
        jsConsumerInfo_Destroy(ui);
        if (st != NATS_OK) {
            snprintf(what, sizeof what, "cannot set the ack wait of durable consumer %s", durable);
            rc = bus_err(err, s->b, st, jerr, what);
        }
    }
    jsConsumerInfo_Destroy(ci);
    return rc;
}

int bus_sub_add(bus_sub *s, const char *durable, const char *subject, armms_err *err)
{
    if (s->n == BUS_SUB_MAX)
        return err_set(err, EXIT_SOFTWARE, "more than %d consumers on one subscription",
                       BUS_SUB_MAX);
    if (!bus_durable_valid(durable))
        return err_set(err, EXIT_USAGE,
                       "durable consumer name '%.80s' is not 1 to 200 letters, digits, '-' or '_'",
                       durable ? durable : "");
    if (!subject || !*subject || strlen(subject) >= sizeof s->c[0].subject)
        return err_set(err, EXIT_SOFTWARE, "a consumer needs a subject");
    int rc = ensure_consumer(s, durable, subject, err);
    if (rc)
        return rc;
    consumer *c = &s->c[s->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->durable, sizeof c->durable, "%s", durable);
    snprintf(c->subject, sizeof c->subject, "%s", subject);
    snprintf(c->next, sizeof c->next, "$JS.API.CONSUMER.MSG.NEXT.%s.%s", s->stream, durable);
    return 0;
}

/* The subject's tokens: armms.<tenant>.<type>, into tenant and type. */
static int subject_parts(const char *subject, char *tenant, size_t tn, char *type, size_t yn)
{
    if (strncmp(subject, "armms.", 6))
        return 0;
    const char *t = subject + 6, *dot = strchr(t, '.');
    if (!dot || dot == t || strchr(dot + 1, '.') || !dot[1])
        return 0;
    snprintf(tenant, tn, "%.*s", (int)(dot - t), t);
    snprintf(type, yn, "%s", dot + 1);
    return 1;
}

static void bad(bus_msg *m, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(bus_msg *m, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    m->code = code;
    vsnprintf(m->why, sizeof m->why, fmt, ap);
    va_end(ap);
}

/* Check one delivered message against the journal's rules and the fixed
 * names: fills m->seq, and m->code/why when it fails. */
static void check_msg(bus_msg *m, natsMsg *msg)
{
    rejection rj = {0};
    jv ev = ndjson_parse_object(m->data, m->len, &rj);
    const char *hdr = NULL;
    char tenant[80], type[160];
    if (!jv_is_valid(ev)) {
        jv_free(ev);
        if (natsMsgHeader_Get(msg, "Armms-Seq", &hdr) == NATS_OK && hdr)
            m->seq = strtoll(hdr, NULL, 10);
        bad(m, "BAD_EVENT", "the message is not a journal line: %s", rj.msg);
        return;
    }
    jv sq = jv_object_get(jv_copy(ev), jv_string("seq"));
    if (jv_get_kind(sq) == JV_KIND_NUMBER && jv_number_value(sq) >= 1)
        m->seq = (long long)jv_number_value(sq);
    jv_free(sq);
    int b = 0;
    const char *id = json_str_peek(ev, "event_id", &b), *ty = json_str_peek(ev, "event_type", &b),
               *te = json_str_peek(ev, "tenant_id", &b), *hash = json_str_peek(ev, "hash", &b);
    char hex[65];
    /* a line ends in ,"hash":"<64 hex>"} (store/journal.h) */
    static const char tail[] = ",\"hash\":\"";
    size_t at = m->len >= 75 ? m->len - 75 : 0;
    if (!m->seq || !id || !ty || !te || !hash)
        bad(m, "BAD_EVENT",
            "the message is not a journal line: seq, event_id, event_type, "
            "tenant_id or hash missing");
    else if (m->len < 75 || memcmp(m->data + at, tail, 9) || strlen(hash) != 64 ||
             memcmp(m->data + at + 9, hash, 64) || memcmp(m->data + m->len - 2, "\"}", 2))
        bad(m, "BAD_HASH", "the line does not end in its hash");
    else if (sha256_hex(m->data, at, hex), strcmp(hex, hash))
        bad(m, "BAD_HASH",
            "the line's hash %.16s... is not the SHA-256 of its bytes (%.16s...): it was changed "
            "after it was journaled",
            hash, hex);
    else if (!subject_parts(m->subject, tenant, sizeof tenant, type, sizeof type))
        bad(m, "BAD_EVENT", "subject %.80s is not armms.<tenant>.<event type>", m->subject);
    else if (strcmp(te, tenant))
        bad(m, "BAD_EVENT", "the event is tenant %.60s's, published on tenant %.60s's subject", te,
            tenant);
    else if (strcmp(ty, type))
        bad(m, "BAD_EVENT", "the event is a %.60s, published on the subject of %.60s", ty, type);
    else if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &hdr) == NATS_OK && hdr && strcmp(hdr, id))
        bad(m, "BAD_EVENT", "header Nats-Msg-Id %.40s is not the event_id %.40s", hdr, id);
    else if (natsMsgHeader_Get(msg, "Armms-Hash", &hdr) == NATS_OK && hdr && strcmp(hdr, hash))
        bad(m, "BAD_EVENT", "header Armms-Hash %.16s... is not the line's hash %.16s...", hdr,
            hash);
    else if (natsMsgHeader_Get(msg, "Armms-Seq", &hdr) == NATS_OK && hdr &&
             strtoll(hdr, NULL, 10) != m->seq)
        bad(m, "BAD_EVENT", "header Armms-Seq %.20s is not the line's seq %lld", hdr, m->seq);
    jv_free(ev);
}

/* Hand one fetched list to fn and settle it with the broker. */
static int settle(bus_sub *s, natsMsg **msgs, int count, bus_batch_fn fn, void *ctx,
                  armms_err *err)
{
    bus_msg *m = xcalloc((size_t)count, sizeof *m);
    for (int i = 0; i < count; i++) {
        natsMsg *msg = msgs[i];
        m[i].data = natsMsg_GetData(msg);
        m[i].len = (size_t)natsMsg_GetDataLength(msg);
        if (!m[i].data)
            m[i].data = "";
        while (m[i].len && (m[i].data[m[i].len - 1] == '\n' || m[i].data[m[i].len - 1] == '\r'))
            m[i].len--;
        m[i].subject = natsMsg_GetSubject(msg);
        jsMsgMetaData *meta = NULL;
        if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
            m[i].stream_seq = meta->Sequence.Stream;
            m[i].delivered = meta->NumDelivered;
            jsMsgMetaData_Destroy(meta);
        }
        check_msg(&m[i], msg);
    }
    int rc = fn(m, count, ctx, err);
    free(m);
    /* JetStream's acknowledgement protocol: the body to the message's
     * reply subject ($JS.ACK...) */
    natsStatus st = NATS_OK;
    for (int i = 0; i < count && st == NATS_OK; i++)
        st = natsConnection_PublishString(s->b->nc, natsMsg_GetReply(msgs[i]),
                                          rc ? "-NAK" : "+ACK");
    if (st == NATS_OK)
        st = natsConnection_FlushTimeout(s->b->nc, s->b->timeout_ms);
    if (!rc && st != NATS_OK)
        rc = bus_err(err, s->b, st, 0, "cannot acknowledge what was taken (it comes again)");
    return rc;
}

/* A status message of the pull protocol (no data, a Status header):
 * its code, else 0 for a message. */
static int status_of(natsMsg *msg, const char **desc)
{
    const char *v = NULL;
    *desc = NULL;
    if (natsMsg_GetDataLength(msg) > 0 || natsMsgHeader_Get(msg, "Status", &v) != NATS_OK || !v)
        return 0;
    natsMsgHeader_Get(msg, "Description", desc);
    return atoi(v);
}

/* One pull request of consumer c: up to s->batch messages into msgs, *n
 * of them; *more = 0 when the broker said it has no more now. */
static int pull(bus_sub *s, consumer *c, natsMsg **msgs, int *n, int *more, armms_err *err)
{
    char req[64], what[300];
    /* no_wait without expires: the broker sends what it has at once and
     * ends the request with a 404 when that is less than the batch */
    snprintf(req, sizeof req, "{\"batch\":%d,\"no_wait\":true}", s->batch);
    *n = 0;
    *more = 1;
    natsStatus st = natsConnection_PublishRequestString(s->b->nc, c->next, s->inbox, req);
    while (st == NATS_OK && *n < s->batch) {
        natsMsg *msg = NULL;
        st = natsSubscription_NextMsg(&msg, s->sub, s->b->timeout_ms);
        if (st != NATS_OK)
            break;
        const char *desc;
        int code = status_of(msg, &desc);
        if (!code && natsMsg_GetReply(msg) && !strncmp(natsMsg_GetReply(msg), "$JS.ACK.", 8)) {
            msgs[(*n)++] = msg;
            continue;
        }
        if (code == 404 || code == 408) { /* no messages; the request ended */
            natsMsg_Destroy(msg);
            *more = 0;
            return 0;
        }
        if (code == 100 || !code) { /* a heartbeat, or a stray message */
            natsMsg_Destroy(msg);
            continue;
        }
        snprintf(what, sizeof what, "durable consumer %s", c->durable);
        int rc = err_set(err, code == 409 ? EXIT_CONFIG : EXIT_UNAVAILABLE, "broker %s: %s: %d %s",
                         s->b->url, what, code, desc ? desc : "refused the pull request");
        natsMsg_Destroy(msg);
        return rc;
    }
    if (st != NATS_OK) {
        snprintf(what, sizeof what, "cannot fetch through durable consumer %s", c->durable);
        return bus_err(err, s->b, st, 0, what);
    }
    return 0;
}

int bus_sub_drain(bus_sub *s, bus_batch_fn fn, void *ctx, long *got, armms_err *err)
{
    int rc = 0;
    natsMsg **msgs = xcalloc((size_t)s->batch, sizeof *msgs);
    for (int i = 0; !rc && i < s->n; i++) {
        int n = 0, more = 1;
        while (!rc && more) {
            rc = pull(s, &s->c[i], msgs, &n, &more, err);
            if (!rc && n) {
                if (got)
                    *got += n;
                rc = settle(s, msgs, n, fn, ctx, err);
            }
            for (int k = 0; k < n; k++)
                natsMsg_Destroy(msgs[k]);
        }
    }
    free(msgs);
    return rc;
}
