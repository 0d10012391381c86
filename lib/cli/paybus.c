/*
 * paybus.c - see paybus.h.
 *
 * Invariant: a batch is acknowledged (bus_sub_drain, after on_batch
 * returned 0) only after pay_stream_commit committed what it landed; a
 * failure in between leaves the batch to be delivered again, which the
 * inbox takes as duplicates.
 */
#include "cli/paybus.h"

#include <stdlib.h>
#include <string.h>

#include "core/reject.h"

void paybus_init(paybus *pb)
{
    memset(pb, 0, sizeof *pb);
    pb->ack_wait_s = BUS_SUB_ACK_WAIT;
    pb->batch = BUS_SUB_BATCH;
}

int paybus_opt(paybus *pb, const cli_t *c, int opt, const char *arg)
{
    char why[200];
    switch (opt) {
    case OPT_PAYBUS_FROM:
        if (!bus_url_valid(arg, why, sizeof why))
            cli_usage_error(c, "--from: %s", why);
        pb->url = arg;
        return 1;
    case OPT_PAYBUS_STREAM:
        if (!bus_durable_valid(arg))
            cli_usage_error(c, "--stream '%s' is not a stream name (letters, digits, '-', '_')",
                            arg);
        pb->stream = arg;
        return 1;
    case OPT_PAYBUS_DURABLE:
        /* room for the "-TimesheetFinalized" the consumers add */
        if (!bus_durable_valid(arg) || strlen(arg) > 160)
            cli_usage_error(c, "--durable '%s' is not 1 to 160 letters, digits, '-' or '_'", arg);
        pb->durable = arg;
        return 1;
    case OPT_PAYBUS_ACK_WAIT:
        pb->ack_wait_s = cli_long(c, "--ack-wait", arg, 1, 86400);
        return 1;
    case OPT_PAYBUS_BATCH:
        pb->batch = cli_long(c, "--batch", arg, 1, 10000);
        return 1;
    }
    return 0;
}

void paybus_check(const paybus *pb, const cli_t *c, int applies, const char *where)
{
    if (!pb->url && (pb->stream || pb->durable || pb->ack_wait_s != BUS_SUB_ACK_WAIT ||
                     pb->batch != BUS_SUB_BATCH))
        cli_usage_error(c, "--stream, --durable, --ack-wait and --batch go with --from");
    if (pb->url && !applies)
        cli_usage_error(c, "--from goes with %s", where);
}

int paybus_open(paybus *pb, const tenant_t *t, armms_err *err)
{
    if (!pb->url)
        return 0;
    if (pb->durable)
        snprintf(pb->name, sizeof pb->name, "%s", pb->durable);
    else
        snprintf(pb->name, sizeof pb->name, "pay-%s", t->id);
    bus_opts o;
    bus_opts_init(&o);
    o.url = pb->url;
    o.name = "armms-pay";
    o.reconnect = 0; /* one run: a lost broker stops it, what is committed stays */
    int rc = bus_connect(&pb->b, &o, err);
    if (rc)
        return rc;
    bus_sub_opts so;
    bus_sub_opts_init(&so);
    if (pb->stream)
        so.stream = pb->stream;
    so.ack_wait_s = (int)pb->ack_wait_s;
    so.batch = (int)pb->batch;
    char desc[200];
    snprintf(desc, sizeof desc, "ARMMS payroll inbox of tenant %s (armms-pay --from)", t->id);
    so.description = desc;
    rc = bus_sub_open(&pb->sub, &pb->b, &so, err);
    static const char *const types[] = {"TimesheetFinalized", "TimesheetAdjusted"};
    for (int i = 0; !rc && i < 2; i++) {
        char durable[256], subject[256];
        snprintf(durable, sizeof durable, "%s-%s", pb->name, types[i]);
        snprintf(subject, sizeof subject, "armms.%s.%s", t->id, types[i]);
        rc = bus_sub_add(pb->sub, durable, subject, err);
    }
    return rc;
}

/* One fetched batch: each message lands (or is a Reject) in the run's
 * transaction, committed before the batch is acknowledged. */
static int on_batch(bus_msg *m, int n, void *ctx, armms_err *err)
{
    paybus *pb = ctx;
    for (int i = 0; i < n; i++) {
        if (m[i].code) {
            rejection rj = {0};
            rejection_set(&rj, m[i].code, "%s", m[i].why);
            reject_emit(pb->rej, &rj, m[i].subject, m[i].seq, m[i].data, m[i].len);
            pb->n->read++;
            pb->n->rejected++;
            continue;
        }
        int rc = pay_stream_event(pb->ps, m[i].data, m[i].len, m[i].seq, m[i].subject, err);
        if (rc)
            return rc;
    }
    return pay_stream_commit(pb->ps, err);
}

static int source(pay_stream *ps, void *ctx, armms_err *err)
{
    paybus *pb = ctx;
    return bus_sub_drain(pb->sub, on_batch, pb, &pb->got, err);
}

void paybus_attach(paybus *pb, pay_stream *ps, reject_sink *rej, pay_counts *n)
{
    if (!pb->url)
        return;
    pb->ps = ps;
    pb->rej = rej;
    pb->n = n;
    pay_stream_source(ps, source, pb);
}

void paybus_close(paybus *pb)
{
    if (!pb->url)
        return;
    bus_sub_close(pb->sub);
    pb->sub = NULL;
    bus_close(&pb->b);
    bus_shutdown();
}
