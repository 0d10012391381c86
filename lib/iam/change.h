/*
 * change.h - request -> verify -> approve: one mechanism under every tool
 * that changes data.
 * Uses core, store and iam/rbac.h; the code that applies each action is
 * handed in from above (change_register).
 *
 * A tool that changes data names its action ("rate.update",
 * "timesheet.finalize", ...). change_open checks the actor may do or request
 * it (rbac.h) and reads its route. When the route names an approver, the
 * run does not change data: the tool runs its usual code inside a captured
 * transaction (store.h, CAPTURE_REQUEST), which is rolled back, and
 * change_submit stores a change request with
 *  - the effect: what the tool needs to do the same change again (records,
 *    a period, ...), as JSON;
 *  - the preview: every event the change would emit, with before and after;
 *  - the fingerprint: sha256 of the before-state the change read.
 * Approving runs the same tool code again on the effect (change_apply_*), in
 * one transaction of the same store that also marks the request APPROVED;
 * it commits only when the before-state is unchanged, so a stale request is
 * refused rather than applied over newer data.
 *
 * Rules kept here:
 *  - a request lives in the store of the data it changes (hr, tk, pay or
 *    iam), so decision and effect commit atomically;
 *  - maker-checker: the requester never verifies or approves their own
 *    request, and whoever verified it does not also approve it;
 *  - the verifier holds the route's verifier role, the approver its approver
 *    role (as routed when the request was made); a route with a verifier is
 *    approved only after verification;
 *  - a request is decided once: APPROVED, REJECTED (a reason is required),
 *    WITHDRAWN (by its requester) and STALE are final;
 *  - every step is journaled: ApprovalRequested, ApprovalVerified,
 *    ApprovalGranted, ApprovalRejected, ApprovalWithdrawn, ApprovalStale.
 */
#ifndef ARMMS_CHANGE_H
#define ARMMS_CHANGE_H

#include <jv.h>
#include <stdio.h>

#include "core/reject.h"
#include "iam/rbac.h"
#include "store/store.h"

typedef struct change {
    tenant_t *t;
    rbac_t who;
    route_t route;
    int requesting; /* this run makes a request instead of changing data */
    store_t *s;     /* the store the change writes */
    /* approving: the request being applied */
    char request_id[40], fingerprint[65];
    const char *note;
} change_t;

/* Check the actor may do action (or request it, when routed). EXIT_NOPERM
 * with a message otherwise. */
int change_open(change_t *ch, tenant_t *t, const char *action, armms_err *err);
void change_close(change_t *ch);
/* The line a tool prints on stderr after it made (or, with nothing to
 * change, did not make) a request. */
const char *change_outcome(const change_t *ch, int made, char *buf, size_t n);
/* Requesting: start capturing the change on s. Otherwise nothing. */
int change_begin(change_t *ch, store_t *s, armms_err *err);
/* Requesting: roll the captured change back and store it as a request
 * (effect consumed), journal ApprovalRequested, and write the ChangeRequest
 * record to out. A change that would emit nothing is not stored (*made 0). */
int change_submit(change_t *ch, jv effect, const char *summary, FILE *out, int *made,
                  armms_err *err);

/* ---- armms-approve ---- */

typedef struct change_filter {
    const char *status; /* NULL: PENDING and VERIFIED */
    const char *action;
    int mine;       /* requested by the actor */
    int actionable; /* the actor may verify or approve it now */
    int all;        /* every status */
} change_filter;

/* ChangeRequest records, oldest first, across the tenant's stores. */
int change_list(tenant_t *t, const rbac_t *who, const change_filter *f, FILE *out, armms_err *err);
/* One request in full: effect and preview included. A user limited to
 * detachments (rbac.h) is refused one that names another (EXIT_NOPERM). */
int change_show(tenant_t *t, const rbac_t *who, const char *id, FILE *out, armms_err *err);
int change_verify(tenant_t *t, const rbac_t *who, const char *id, const char *note, FILE *out,
                  armms_err *err);
int change_reject(tenant_t *t, const rbac_t *who, const char *id, const char *reason, FILE *out,
                  armms_err *err);
int change_withdraw(tenant_t *t, const rbac_t *who, const char *id, FILE *out, armms_err *err);
/* Apply the request by its action's own code; the records that code writes
 * (e.g. TimesheetFinalized) go to out after the commit. A stale request is
 * marked STALE and refused with EXIT_DATAERR. */
int change_approve(tenant_t *t, const rbac_t *who, const char *id, const char *note, FILE *out,
                   armms_err *err);

/* ---- for the code that applies an action (masterdata, timesheet, ...) ---- */

/* Start applying the request on s: begin the captured transaction and check,
 * under the write lock, that the request is still undecided. */
int change_apply_begin(change_t *ch, store_t *s, armms_err *err);
/* Compare the before-state with the request's, mark it APPROVED, journal
 * ApprovalGranted and commit; or roll back, mark it STALE and refuse. */
int change_apply_end(change_t *ch, armms_err *err);

/* An action's executor: apply effect (consumed) through ch. */
typedef int (*change_apply_fn)(change_t *ch, jv effect, FILE *out, reject_sink *rej,
                               armms_err *err);

/* Which code applies which action. This layer sits below the domains it
 * serves, so it never includes them: the layer above hands it the table
 * (cli/actions.h), which is kept, not copied. action "*.update" matches
 * every action ending in ".update". The table ends with {NULL, NULL}.
 * change_approve of an action no entry names fails with EXIT_SOFTWARE. */
typedef struct change_executor {
    const char *action;
    change_apply_fn fn;
} change_executor;
void change_register(const change_executor *table);

#endif
