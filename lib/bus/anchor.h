/*
 * anchor.h - the chain head a tenant's publisher left on the broker, read
 * back: the last message on subject armms.<tenant>.anchor of the JetStream
 * stream (BUS_STREAM unless the URL names another). Its payload is
 * {"tenant_id","seq","hash","at"}, the line a published batch ended at
 * (publish.h writes it); armms-journal verify --anchor checks that the
 * journal still has that line.
 *
 * Uses core and bus.h (the connection). Nothing here prints. Errors as
 * bus.h says (69 unreachable, 77 refused, 78 no such stream), and 66 when
 * the stream holds no anchor of the tenant.
 */
#ifndef ARMMS_BUS_ANCHOR_H
#define ARMMS_BUS_ANCHOR_H

#include "core/util.h"

/* url: nats://HOST[:PORT], optionally followed by /STREAM (credentials
 * from ARMMS_NATS_CREDS, as bus_opts_init reads them). *payload gets the
 * message's data. */
int bus_anchor_last(const char *url, const char *tenant, strbuf *payload, armms_err *err);

#endif
