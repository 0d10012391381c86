/*
 * waiver_plan.c - the pure part of waiver.h: how a waived row's amount is
 * moved to new rows of the same schedule.
 *
 * Invariants (asserted):
 *  1. sched_waive leaves sched_owed unchanged;
 *  2. the new rows of one waiver add up to the waived amount and employer
 *     share exactly (the last row takes the remainder);
 *  3. a new row's seq is larger than every seq before it.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "pay/waiver.h"

const char *const sched_status_names[] = {"DUE", "APPLIED", "WAIVED", "DEFERRED", NULL};
const char *const waive_policy_names[] = {"carry", "respread", "move", NULL};

money_t sched_owed(const sched *s)
{
    money_t sum = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].status == SR_DUE || s->r[i].status == SR_APPLIED)
            sum += s->r[i].amount;
    return sum;
}

sched_row *sched_add(sched *s, const sched_row *row)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->r = xrealloc(s->r, s->cap * sizeof *s->r);
    }
    s->r[s->n] = *row;
    return &s->r[s->n++];
}

void sched_free(sched *s)
{
    free(s->r);
    memset(s, 0, sizeof *s);
}

static long next_seq(const sched *s)
{
    long m = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->r[i].seq > m)
            m = s->r[i].seq;
    return m + 1;
}

/* The first period after p that the frequency takes (buf >= 12 bytes). */
static void next_on_frequency(const char *freq, const char *p, char *buf)
{
    char cur[12];
    snprintf(cur, sizeof cur, "%s", p);
    do
        period_next(cur, cur);
    while (freq[0] != 'e' && freq[0] && cur[8] != freq[0]);
    memcpy(buf, cur, 12);
}

int sched_waive(sched *s, size_t i, int policy, int n, const char *to, int to_status,
                const char *waiver_id, rejection *rj)
{
    assert(i < s->n);
    assert(to_status == SR_WAIVED || to_status == SR_DEFERRED);
    if (s->r[i].status != SR_DUE && s->r[i].status != SR_APPLIED)
        return rejection_set(rj, "CONFLICT", "installment %ld is %s, not DUE or APPLIED",
                             s->r[i].seq, sched_status_names[s->r[i].status]);
    if (policy == WAIVE_RESPREAD && (n < 1 || n > 600))
        return rejection_set(rj, "BAD_FIELD", "respread needs 1 to 600 installments, not %d", n);
    day_t f, t;
    if (policy == WAIVE_MOVE && (!to || period_parse(to, &f, &t) != 0))
        return rejection_set(rj, "BAD_FIELD", "move needs a period YYYY-MM-A|B");
    if (policy == WAIVE_MOVE && strcmp(to, s->r[i].period) <= 0)
        return rejection_set(rj, "BAD_FIELD", "move to %s: not later than %s", to, s->r[i].period);
    money_t owed = sched_owed(s);
    sched_row old = s->r[i];
    s->r[i].status = to_status;
    snprintf(s->r[i].waiver_id, sizeof s->r[i].waiver_id, "%s", waiver_id);
    long seq = next_seq(s);
    int count = policy == WAIVE_RESPREAD ? n : 1;
    char period[12];
    if (policy == WAIVE_CARRY)
        period_next(old.period, period);
    else if (policy == WAIVE_MOVE)
        snprintf(period, sizeof period, "%s", to);
    else {
        /* after the schedule's last row */
        snprintf(period, sizeof period, "%s", old.period);
        for (size_t k = 0; k < s->n; k++)
            if (strcmp(s->r[k].period, period) > 0)
                snprintf(period, sizeof period, "%s", s->r[k].period);
        next_on_frequency(s->frequency, period, period);
    }
    money_t left = old.amount, left_er = old.employer_share;
    money_t each = old.amount / count, each_er = old.employer_share / count;
    for (int k = 0; k < count; k++) {
        sched_row nr = {0};
        nr.seq = seq + k;
        snprintf(nr.period, sizeof nr.period, "%s", period);
        nr.amount = k == count - 1 ? left : each;
        nr.employer_share = k == count - 1 ? left_er : each_er;
        left -= nr.amount;
        left_er -= nr.employer_share;
        nr.status = SR_DUE;
        nr.moved_from = old.seq;
        nr.added = 1;
        snprintf(nr.waiver_id, sizeof nr.waiver_id, "%s", waiver_id);
        sched_add(s, &nr);
        if (k + 1 < count)
            next_on_frequency(s->frequency, period, period);
    }
    assert(left == 0 && left_er == 0);
    assert(sched_owed(s) == owed);
    (void)owed;
    return 0;
}
