/*
 * anchor.h - the chain head a tenant's publisher left on the broker, read
 * back: the last message on subject armms.<tenant>.anchor of a JetStream
 * stream (default ARMMS). Its payload is {"tenant_id","seq","hash","at"},
 * the line the published batch ended at; armms-journal verify --anchor
 * checks the journal still has that line.
 *
 * Uses core only (and libnats). Nothing here prints; a broker that cannot
 * be reached is EXIT_UNAVAILABLE, a stream or subject with no anchor
 * EXIT_DATAERR.
 */
#ifndef ARMMS_BUS_ANCHOR_H
#define ARMMS_BUS_ANCHOR_H

#include "core/util.h"

#define BUS_DEFAULT_STREAM "ARMMS"

/* url: nats://HOST:PORT, optionally followed by /STREAM. *payload gets the
 * message's data. */
int bus_anchor_last(const char *url, const char *tenant, strbuf *payload, armms_err *err);

#endif
