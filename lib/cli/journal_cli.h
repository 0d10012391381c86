/*
 * journal_cli.h - what armms-journal does beyond its options and its
 * loops: the anchors verify --anchor names (files a person names, opened
 * with the caller's rights, or the broker's last anchor) and the commands
 * on the broker's stream, which print.
 */
#ifndef ARMMS_CLI_JOURNAL_CLI_H
#define ARMMS_CLI_JOURNAL_CLI_H

#include <stddef.h>

#include "bus/bus.h"
#include "core/util.h"
#include "store/journal.h"

/* Every --anchor as given: a nats:// URL (the tenant's last anchor
 * message), a file (armms-journal head's output, a checkpoint, a payrun
 * archive or its MANIFEST) or a hash ("sha256:HEX", HEX, "SEQ:HASH"),
 * appended to *a (*n of them). 0 or an EXIT_* code. */
int cli_read_anchors(const char *const *args, size_t nargs, const char *tenant, journal_anchor **a,
                     size_t *n, armms_err *err);

/* stream create: the stream made or brought to cfg; summary says what. */
int cli_stream_create(const bus_opts *o, const bus_stream_cfg *cfg, char *summary, size_t n,
                      armms_err *err);
/* stream info: the Stream record on standard output. */
int cli_stream_info(const bus_opts *o, const char *stream, armms_err *err);
/* stream get: the tenant's messages from..to as StreamMessage records on
 * standard output; one message of another tenant is 77, a range passes
 * them over (summary counts them). */
int cli_stream_get(const bus_opts *o, const char *stream, const char *tenant,
                   unsigned long long from, unsigned long long to, char *summary, size_t n,
                   armms_err *err);

#endif
