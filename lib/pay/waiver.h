/*
 * waiver.h - waivers: the payroll officer's decision that an installment
 * of an obligation (a loan, a deduction, a statutory contribution) is not
 * taken in a period, and where its amount goes instead.
 *
 * A waiver never forgives: it moves an amount between rows of the
 * obligation's schedule (pay.db obligation_schedule), so the amount still
 * owed - the sum of the DUE and APPLIED rows - is the same before and
 * after (Labor Code art. 113 allows the deduction; the waiver only changes
 * when it is taken). The rows of the period become WAIVED (an officer's
 * waiver) or DEFERRED (the net floor, pay/deduct.h), and new DUE rows take
 * their amounts, each naming the row it came from (moved_from):
 *  - carry:       one row in the next period (the next period takes two);
 *  - respread N:  N rows after the obligation's last row, on its frequency
 *                 (A, B or each period), the amount split evenly and the
 *                 last row taking the remainder;
 *  - move P:      one row in period P (later than the waived one).
 * The employer share of a statutory row moves with its amount (split the
 * same way), so the share the agency owes stays recorded.
 *
 * Route obligation.waive (payroll_officer requests, controller verifies,
 * hr_manager approves by default): nothing changes before approval. Every
 * waiver is a row of pay.db waiver and an ObligationWaived event with the
 * schedule rows before and after. Refused: a period without a DUE or
 * APPLIED row of the obligation, an APPLIED row of a CLOSED payrun, a move
 * to a closed or earlier period, and a statutory contribution not yet
 * computed for the period (its amount is not known: run armms-deduct for
 * the period first).
 *
 * The plan functions below are pure (no store): the waiver and the net
 * floor both use them, and the unit tests check conservation on them.
 *
 * Uses core, store, iam (change requests) and pay (deduct, paysheet).
 */
#ifndef ARMMS_PAY_WAIVER_H
#define ARMMS_PAY_WAIVER_H

#include <stddef.h>
#include <stdio.h>

#include "core/money.h"
#include "core/reject.h"
#include "iam/change.h"
#include "store/store.h"

enum { SR_DUE, SR_APPLIED, SR_WAIVED, SR_DEFERRED };
extern const char *const sched_status_names[]; /* "DUE", "APPLIED", ... */

/* One installment row of a schedule. */
typedef struct sched_row {
    long seq;
    char period[12];
    money_t amount, employer_share;
    int status;      /* SR_* */
    long moved_from; /* 0: none */
    char waiver_id[40];
    int added; /* made by the plan */
} sched_row;

typedef struct sched {
    sched_row *r;
    size_t n, cap;
    char frequency[8]; /* "each", "A" or "B" */
} sched;

enum { WAIVE_CARRY, WAIVE_RESPREAD, WAIVE_MOVE };
extern const char *const waive_policy_names[]; /* "carry", "respread", "move" */

/* The amount still owed: the sum of the DUE and APPLIED rows. */
money_t sched_owed(const sched *s);
/* Append a row (copied) and return it. */
sched_row *sched_add(sched *s, const sched_row *row);
void sched_free(sched *s);

/* Waive row i (DUE or APPLIED) of s with policy: the row becomes to_status
 * (SR_WAIVED or SR_DEFERRED, waiver_id set) and new DUE rows (added = 1,
 * waiver_id set) take its amount and employer share. n is respread's
 * count (1..600), to is move's period. REJECTED with rj when the plan is
 * impossible (a bad count, a move not later than the row). The owed sum
 * is unchanged. */
int sched_waive(sched *s, size_t i, int policy, int n, const char *to, int to_status,
                const char *waiver_id, rejection *rj);

/* ---- the route ---- */

typedef struct waive_req {
    const char *obligation_id, *period, *reason;
    int policy;            /* WAIVE_* */
    int installments;      /* respread */
    const char *to_period; /* move */
    long seq;              /* 0: every DUE or APPLIED row of the period; else that row */
} waive_req;

/* Waive through ch (route obligation.waive) on s (pay.db): requesting
 * stores a change request (*made); a direct route applies it at once.
 * After the commit the Waiver record (the ObligationWaived payload, kind
 * "Waiver") goes to out, and the guard's paysheets the waiver touches
 * (its period, the periods its new rows landed in) that are computed and
 * not closed are taken to net again (pay/deduct.h) and follow it; their
 * Rejects go to rej. The executor does the same on approval. */
int pay_waive_change(change_t *ch, store_t *s, const waive_req *w, FILE *out, reject_sink *rej,
                     int *made, armms_err *err);
/* The obligation.waive executor (change.h). */
int pay_waive_apply(change_t *ch, jv effect, FILE *out, reject_sink *rej, armms_err *err);

/* Within the caller's transaction: apply one waiver on s (no route), with
 * the schedule check and the journal event; reason "NET_FLOOR" or
 * "NOT_PAID" makes the rows DEFERRED instead of WAIVED. *rec (may be NULL) gets
 * the Waiver record. REJECTED with rj when it cannot be applied. */
int pay_waive_in_tx(store_t *s, const waive_req *w, const char *request_id, jv *rec, rejection *rj,
                    armms_err *err);

/* The Obligation records of a guard, each with its schedule rows, to out
 * (kind "Obligation", ordered by obligation_id). */
int pay_obligations_write(store_t *s, const char *guard, FILE *out, armms_err *err);

#endif
