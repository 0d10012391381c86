/*
 * rejects.h - how a tool's Reject records reach a person: masked always,
 * and on a terminal not as a flood.
 *
 * Invariants:
 *  1. No personal number is written in a Reject, to a terminal, a pipe or
 *     a --rejects file alike (a rejects file is a log): a record read as
 *     JSON, or a CSV row read under its header, has its personal fields
 *     (core/reject.h reject_personal) masked as render.h masks them; a
 *     line that cannot be read as a record has every run of 9 or more
 *     digits (dashes between them allowed) masked, as a personal number
 *     would be. Such a Reject says "masked":true and is not fed back.
 *  2. Nothing is dropped: when stderr is a terminal and no --rejects FILE
 *     was given, the first CLI_REJECTS_SHOWN Rejects are shown; from the
 *     one after, every Reject of the run (those shown too) goes to a new
 *     file in the tenant's rejects/ directory (0600), and the run ends
 *     with one line saying how many were not shown and where they are.
 *  3. A Reject shown on a terminal starts a line of its own: the progress
 *     line (cli/progress.h) is erased first.
 *
 * Uses core (reject, input, ndjson), store (tenant) and cli/render; prints.
 */
#ifndef ARMMS_CLI_REJECTS_H
#define ARMMS_CLI_REJECTS_H

#include "core/reject.h"
#include "store/tenant.h"

enum { CLI_REJECTS_SHOWN = 20 };

/* Give r (open, on a file or attached to stderr) the mask; when it writes
 * to stderr and stderr is a terminal, invariant 3, and when t is known
 * also the cap. */
void cli_rejects_guard(reject_sink *r, const tenant_t *t);
/* Before r is closed: end the cap (the line saying where the rest went).
 * 0, or an errno when the file of the rest could not be written. */
int cli_rejects_unguard(reject_sink *r);

/* The mask of invariant 1 (a reject_mask_fn), for tests and other sinks. */
int cli_rejects_mask(const char *input, size_t len, const reject_origin *o, strbuf *out);

#endif
