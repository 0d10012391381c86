/*
 * paybus.h - payroll's snapshots from the message broker: the --from
 * source of armms-pay and armms-payrun compute, in place of the tenant's
 * journal (bus/subscribe.h for the consumer, pay/gross.h for the source).
 *
 * What it does: select mode's "take what is new" fetches, through two
 * durable pull consumers of the stream, the tenant's TimesheetFinalized
 * (subject armms.<tenant>.TimesheetFinalized) and TimesheetAdjusted
 * (armms.<tenant>.TimesheetAdjusted) events that timekeeping's host
 * published (armms-journal publish), and lands them in the inbox exactly
 * as the journal's are landed (the same checksum check, CONFLICT and
 * duplicate rules, the same touches), one transaction per fetched batch;
 * the batch is acknowledged after that transaction commits. A message the
 * bus finds malformed (its line's hash, its subject, its headers) is a
 * Reject (BAD_HASH, BAD_EVENT) with the subject as source and the event's
 * seq as line, and is acknowledged with its batch: it is recorded, and
 * will not come again. The durable consumers are <DURABLE>-TimesheetFinalized
 * and <DURABLE>-TimesheetAdjusted, DURABLE by default "pay-<tenant>".
 *
 * The broker is connected to before any store is opened, so a broker that
 * cannot be reached stops the run (69) having changed nothing.
 */
#ifndef ARMMS_CLI_PAYBUS_H
#define ARMMS_CLI_PAYBUS_H

#include "bus/subscribe.h"
#include "cli/cli.h"
#include "pay/gross.h"

enum {
    OPT_PAYBUS_FROM = OPT_TOOL_BASE + 200,
    OPT_PAYBUS_STREAM,
    OPT_PAYBUS_DURABLE,
    OPT_PAYBUS_ACK_WAIT,
    OPT_PAYBUS_BATCH,
};

/* clang-format off */
#define PAYBUS_LONGOPTS                                           \
    {"from", required_argument, NULL, OPT_PAYBUS_FROM},           \
    {"stream", required_argument, NULL, OPT_PAYBUS_STREAM},       \
    {"durable", required_argument, NULL, OPT_PAYBUS_DURABLE},     \
    {"ack-wait", required_argument, NULL, OPT_PAYBUS_ACK_WAIT},   \
    {"batch", required_argument, NULL, OPT_PAYBUS_BATCH}
/* clang-format on */

#define PAYBUS_HELP                                                                               \
    "      --from URL        with --period: take new snapshots from the broker at URL\n"          \
    "                        (nats://HOST[:PORT]) instead of the tenant's journal\n"              \
    "      --stream NAME     the stream (default ARMMS)\n"                                        \
    "      --durable NAME    the durable consumers' name (default pay-TENANT)\n"                  \
    "      --ack-wait SECS   seconds the broker waits for an ack before it delivers\n"            \
    "                        again (default 60)\n"                                                \
    "      --batch N         messages one fetch takes at most, landed in one\n"                   \
    "                        transaction and then acknowledged (default 256)\n"

typedef struct paybus {
    const char *url, *stream, *durable; /* the options; url NULL: no broker */
    long ack_wait_s, batch;
    /* while open */
    bus_t b;
    bus_sub *sub;
    pay_stream *ps;
    reject_sink *rej;
    pay_counts *n;
    long got; /* messages fetched */
    char name[201];
} paybus;

void paybus_init(paybus *pb);
/* 1 when opt was one of PAYBUS_LONGOPTS (taken), else 0; dies with 64 on
 * a bad value. */
int paybus_opt(paybus *pb, const cli_t *c, int opt, const char *arg);
/* Dies with 64 when a broker option is given without --from, or --from
 * where it cannot apply (applies 0: "--from goes with WHERE"). */
void paybus_check(const paybus *pb, const cli_t *c, int applies, const char *where);
/* Connect and make or bind the two durable consumers of tenant t. 0 when
 * there is no --from. */
int paybus_open(paybus *pb, const tenant_t *t, armms_err *err);
/* The source of ps's select mode (no-op without --from); its Rejects go
 * to rej and count in n, as the stream's do. */
void paybus_attach(paybus *pb, pay_stream *ps, reject_sink *rej, pay_counts *n);
void paybus_close(paybus *pb);

#endif
