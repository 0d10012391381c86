/*
 * subscribe.h - a consumer's side of the broker: JetStream durable pull
 * consumers that hand the journal lines published into the stream
 * (armms-journal publish) to a callback in batches, acknowledging a batch
 * only after the callback has committed what it made of it.
 * Uses bus and core; never store's stores: what a batch becomes, and in
 * which transaction, is the caller's.
 *
 * The consumer. One durable pull consumer per filter subject, on the
 * stream (default BUS_STREAM), named by the caller (a name of letters,
 * digits, '-' and '_': payroll's are "pay-<tenant>-<EventType>"), with
 * explicit acknowledgement and delivery from the stream's first message.
 * It is made on the first bus_sub_add and kept by the broker, so what it
 * has acknowledged stays acknowledged across runs, hosts and broker
 * restarts: the durable is the consumer's cursor, as journal/cursors/NAME
 * is a local consumer's. Its acknowledgement wait (how long the broker
 * waits for an ack before it delivers a message again) is set to the
 * caller's on each add. A durable that exists with another filter subject
 * is refused (78), never changed: it is another consumer's.
 *
 * Delivery guarantees (what the caller may rely on):
 *  1. At least once. A message is acknowledged only after the callback
 *     returned 0 for its batch, which it does only after its own
 *     transaction committed. A run killed before that, or a callback that
 *     fails (its batch is then negatively acknowledged), leaves the batch
 *     unacknowledged: the broker delivers it again, after the ack wait
 *     (a killed run) or at once (a failed one), to the next run. An ack
 *     lost on the way is a redelivery too. So the caller must land
 *     idempotently: an inbox of processed event ids in its own store, in
 *     the transaction of the effect (pay/inbox.h).
 *  2. Per-subject order. One consumer delivers its subject in stream
 *     order, which for one tenant is journal order (the publisher
 *     publishes in seq order); a redelivery may come after later
 *     messages. Across subjects (two consumers) there is no order.
 *  3. No duplicates from publishing twice within the stream's duplicate
 *     window (the message id is the event_id); past it, or after a
 *     redelivery, the caller's inbox drops them.
 *  4. Taking what is new: bus_sub_drain fetches what the broker holds for
 *     the consumer now, a bounded batch at a time, without waiting for
 *     more, and returns when none is left. A message delivered to a run
 *     that died is not "new" until its ack wait has passed.
 *
 * Fetching. Each fetch is one JetStream pull request ($JS.API.CONSUMER.
 * MSG.NEXT.<stream>.<durable>, {"batch":N,"no_wait":true}) answered on a
 * subscription inbox of this connection: the broker sends what it holds
 * now, up to N, and ends the request with a 404 status when that was
 * fewer. libnats' natsSubscription_Fetch cannot send no_wait without an
 * expiry, and with one the broker holds an empty request to its end, so
 * every run would wait out the timeout on each consumer. Acks are the
 * protocol's too: "+ACK" (or "-NAK") to the message's $JS.ACK reply.
 *
 * Each message's data is one journal line (the event envelope, bytes as
 * journaled), with headers Nats-Msg-Id = event_id, Armms-Seq = seq and
 * Armms-Hash = hash. Before the callback sees it, a message is checked:
 * the line's hash is the SHA-256 of its bytes before ',"hash":' (the
 * journal's rule, store/journal.h), the envelope's tenant_id and
 * event_type are the subject's, and the headers present agree with the
 * envelope. A message that fails is still handed over, with code and why
 * set, for the caller to refuse (a Reject) and so to acknowledge: a
 * message that can never land is not delivered forever.
 *
 * Errors: bus.h's (69 when the broker cannot be reached or stops
 * answering, 78 when the stream is missing or a durable is another's).
 */
#ifndef ARMMS_BUS_SUBSCRIBE_H
#define ARMMS_BUS_SUBSCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"
#include "core/util.h"

enum {
    BUS_SUB_BATCH = 256,   /* messages a fetch asks for at most (default) */
    BUS_SUB_ACK_WAIT = 60, /* seconds the broker waits for an ack (default) */
    BUS_SUB_MAX = 8,       /* consumers on one subscription */
};

/* One delivered message, as the callback sees it (everything borrowed,
 * valid during the callback). */
typedef struct bus_msg {
    const char *data; /* the journal line, without a trailing newline */
    size_t len;
    const char *subject;
    long long seq;       /* the event's seq (the envelope's; else Armms-Seq; else 0) */
    uint64_t stream_seq; /* its place in the stream */
    uint64_t delivered;  /* 1 the first time; more on a redelivery */
    const char *code;    /* NULL: a well-formed event of the subject; else why it is
                            not ("BAD_HASH", "BAD_EVENT"), a Reject code */
    char why[200];       /* with code: lowercase, no full stop */
} bus_msg;

/* Handed each batch (n >= 1). Return 0 only after what the batch became
 * is committed: the batch is then acknowledged. A nonzero (an EXIT_* code,
 * err filled) stops bus_sub_drain with it, the batch unacknowledged. */
typedef int (*bus_batch_fn)(bus_msg *msgs, int n, void *ctx, armms_err *err);

typedef struct bus_sub_opts {
    const char *stream;      /* default BUS_STREAM */
    int batch;               /* default BUS_SUB_BATCH */
    int ack_wait_s;          /* default BUS_SUB_ACK_WAIT */
    const char *description; /* of the durables made, as the broker shows them */
} bus_sub_opts;
void bus_sub_opts_init(bus_sub_opts *o);

typedef struct bus_sub bus_sub;

/* A subscription on the connection b (borrowed: close it after). */
int bus_sub_open(bus_sub **s, bus_t *b, const bus_sub_opts *o, armms_err *err);
/* Add the durable consumer durable filtering subject (made if need be;
 * see above), to be drained in the order added. */
int bus_sub_add(bus_sub *s, const char *durable, const char *subject, armms_err *err);
/* Fetch, consumer by consumer, what is there, in batches to fn, each
 * acknowledged after fn returned 0 (the acks flushed to the broker before
 * the next fetch); return when no consumer has more. *got (may be NULL)
 * counts the messages handed over. */
int bus_sub_drain(bus_sub *s, bus_batch_fn fn, void *ctx, long *got, armms_err *err);
void bus_sub_close(bus_sub *s);

/* 1 when name can be a durable consumer's name (1 to 200 of [A-Za-z0-9_-]). */
int bus_durable_valid(const char *name);

#endif
