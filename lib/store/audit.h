/*
 * audit.h - the history of one record from the audit trail.
 * Uses core and store/store.h.
 *
 * Every module store keeps an audit table, written by store_emit in the
 * transaction of each change (who, when, the event, its payload with before
 * and after where the change has them, and the change request it applied).
 * The history of a record is its rows in every store, in time order, with
 * the approval steps of any change request that names it as a target.
 */
#ifndef ARMMS_AUDIT_H
#define ARMMS_AUDIT_H

#include <stdio.h>

#include "core/util.h"
#include "store/tenant.h"

/* Write AuditEntry records for aggregate id to out; *n is how many. */
int audit_history(tenant_t *t, const char *id, FILE *out, long *n, armms_err *err);

#endif
