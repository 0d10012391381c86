/*
 * test_deduct.c - the pure arithmetic of net pay and waivers
 * (pay/deduct.h, pay/waiver.h): the net floor a policy sets, settling
 * deductions against it, and how a waiver moves an installment. Figures
 * by hand; then properties over random inputs (a fixed seed, so a failure
 * reproduces): gross - applied deductions = net, net never below a floor
 * that deferrals can keep, and the amount still owed conserved across any
 * sequence of waivers.
 */
#include <stdlib.h>

#include "core/clock.h"
#include "pay/deduct.h"
#include "pay/waiver.h"
#include "t.h"

/* 20% of taxable above 10,000.00 after the contributions: a stand-in
 * table, enough to see tax move when a contribution is deferred. */
typedef struct {
    money_t taxable;
} tctx;
static money_t tax20(money_t stat, void *ctx)
{
    money_t t = ((tctx *)ctx)->taxable - stat - 1000000;
    return t > 0 ? money_scale(t, 2000, 10000) : 0;
}

static void floors(void)
{
    money_t f = -1;
    T_OK(deduct_floor("0", 500000, &f) == 0 && f == 0, "floor \"0\" is zero");
    T_OK(deduct_floor("500.00", 500000, &f) == 0 && f == 50000, "floor \"500.00\" is 50000");
    T_OK(deduct_floor("30%", 1234567, &f) == 0 && f == 370370,
         "floor 30%% of 12,345.67 is 3,703.70 (3,703.701 rounded once)");
    T_OK(deduct_floor("12.5%", 100001, &f) == 0 && f == 12500,
         "floor 12.5%% of 1,000.01 is 125.00 (125.00125 rounded)");
    T_OK(deduct_floor("abc", 100, &f) == -1, "a floor of another form is refused");
    T_OK(deduct_floor("101%", 100, &f) == -1, "a share above 100%% is refused");
    T_OK(deduct_floor("", 100, &f) == -1, "an empty floor is refused");
}

/* Five days worked: gross 4,000.00; SSS 250.00, PhilHealth 453.20,
 * Pag-IBIG 0 (taken in the A run), a loan of 1,500.00 and a cash advance
 * of 2,000.00; floor 1,000.00. Applying all leaves 4,000 - 4,203.20 < 0:
 * the cash advance (last) goes: 4,000 - 2,203.20 = 1,796.80 >= 1,000. */
static void settle_by_hand(void)
{
    net_item it[] = {
        {25000, 1, 1, 1},  /* SSS */
        {45320, 1, 1, 1},  /* PhilHealth */
        {150000, 0, 1, 1}, /* loan */
        {200000, 0, 1, 1}, /* cash advance */
    };
    tctx tc = {400000};
    money_t tax;
    money_t net = deduct_settle(it, 4, 400000, 100000, tax20, &tc, &tax);
    T_EQ_INT(net, 179680, "net after the floor deferred the cash advance");
    T_OK(it[0].applied && it[1].applied && it[2].applied && !it[3].applied,
         "only the lowest-priority item is deferred");
    T_EQ_INT(tax, 0, "no tax below 10,000.00");

    /* floor 3,000.00: the loan goes too; then 4,000 - 703.20 = 3,296.80 */
    for (int i = 0; i < 4; i++)
        it[i].applied = 1;
    net = deduct_settle(it, 4, 400000, 300000, tax20, &tc, &tax);
    T_EQ_INT(net, 329680, "a higher floor defers the loan as well");
    T_OK(!it[2].applied && !it[3].applied && it[1].applied, "loan and cash advance deferred");

    /* a non-deferrable item stays even when the floor cannot be kept */
    net_item one[] = {{390000, 0, 0, 1}};
    net = deduct_settle(one, 1, 400000, 100000, NULL, NULL, &tax);
    T_OK(one[0].applied && net == 10000, "a non-deferrable item is never deferred");

    /* deferring a contribution raises tax: taxable 15,000.00, SSS 1,000.00
     * -> tax 20% x 4,000.00 = 800.00; deferred -> 20% x 5,000.00 = 1,000.00 */
    net_item c[] = {{100000, 1, 1, 1}};
    tctx t2 = {1500000};
    net = deduct_settle(c, 1, 1500000, 1450000, tax20, &t2, &tax);
    T_OK(!c[0].applied && tax == 100000 && net == 1400000,
         "tax is computed again after a contribution is deferred (net %lld, tax %lld)",
         (long long)net, (long long)tax);
}

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void settle_properties(void)
{
    int bad_sum = 0, bad_floor = 0, cases = 2000;
    for (int k = 0; k < cases; k++) {
        net_item it[12];
        size_t n = 1 + rnd(12);
        money_t gross = rnd(5000000);
        for (size_t i = 0; i < n; i++) {
            it[i].amount = rnd(300000);
            it[i].statutory = rnd(2);
            it[i].deferrable = rnd(4) != 0;
            it[i].applied = rnd(5) != 0;
        }
        int was[12];
        for (size_t i = 0; i < n; i++)
            was[i] = it[i].applied;
        tctx tc = {gross};
        money_t floor = rnd(4) == 0 ? 0 : rnd((unsigned)gross + 1), tax;
        money_t net = deduct_settle(it, n, gross, floor, tax20, &tc, &tax);
        money_t applied = 0, stat = 0, fixed = 0, fixed_stat = 0;
        for (size_t i = 0; i < n; i++) {
            if (it[i].applied) {
                applied += it[i].amount;
                stat += it[i].statutory ? it[i].amount : 0;
            }
            if (was[i] && !it[i].deferrable) {
                fixed += it[i].amount;
                fixed_stat += it[i].statutory ? it[i].amount : 0;
            }
            if (!was[i] && it[i].applied)
                bad_sum++; /* nothing is ever applied by the floor */
        }
        if (net != gross - tax20(stat, &tc) - applied || tax != tax20(stat, &tc))
            bad_sum++;
        /* the floor can be kept when deferring everything deferrable keeps it */
        money_t best = gross - tax20(fixed_stat, &tc) - fixed;
        if (best >= floor && net < floor)
            bad_floor++;
    }
    T_EQ_INT(bad_sum, 0, "gross - tax - applied = net, over %d random cases", cases);
    T_EQ_INT(bad_floor, 0, "net never below a floor deferrals can keep, over %d cases", cases);
}

static void row(sched *s, long seq, const char *p, money_t amt, money_t er, int st)
{
    sched_row r = {0};
    r.seq = seq;
    snprintf(r.period, sizeof r.period, "%s", p);
    r.amount = amt;
    r.employer_share = er;
    r.status = st;
    sched_add(s, &r);
}

static void waive_by_hand(void)
{
    rejection rj = {0};
    sched s = {0};
    snprintf(s.frequency, sizeof s.frequency, "B");
    row(&s, 1, "2026-11-B", 100000, 0, SR_APPLIED);
    row(&s, 2, "2026-12-B", 100000, 0, SR_DUE);
    row(&s, 3, "2027-01-B", 100000, 0, SR_DUE);
    T_OK(sched_waive(&s, 1, WAIVE_CARRY, 0, NULL, SR_WAIVED, "W1", &rj) == 0, "carry");
    T_OK(s.n == 4 && s.r[1].status == SR_WAIVED && !strcmp(s.r[3].period, "2027-01-A") &&
             s.r[3].amount == 100000 && s.r[3].moved_from == 2 && s.r[3].seq == 4,
         "carry: the next period (2027-01-A) takes the amount, moved_from 2");
    T_OK(sched_waive(&s, 2, WAIVE_RESPREAD, 3, NULL, SR_WAIVED, "W2", &rj) == 0, "respread 3");
    /* 1,000.00 / 3 = 333.33, 333.33, 333.34 after the last row (2027-01-B):
     * 2027-02-B, 2027-03-B, 2027-04-B on frequency B */
    T_OK(s.n == 7 && !strcmp(s.r[4].period, "2027-02-B") && !strcmp(s.r[6].period, "2027-04-B") &&
             s.r[4].amount == 33333 && s.r[5].amount == 33333 && s.r[6].amount == 33334,
         "respread: three rows on B after the last, the last taking the remainder");
    T_OK(sched_waive(&s, 3, WAIVE_MOVE, 0, "2027-06-A", SR_WAIVED, "W3", &rj) == 0, "move");
    T_OK(s.n == 8 && !strcmp(s.r[7].period, "2027-06-A") && s.r[7].amount == 100000,
         "move: one row in the named period");
    T_EQ_INT(sched_owed(&s), 300000, "still owed: 3,000.00 after three waivers");
    T_OK(sched_waive(&s, 1, WAIVE_CARRY, 0, NULL, SR_WAIVED, "W4", &rj) == REJECTED,
         "a waived row cannot be waived again");
    T_OK(sched_waive(&s, 7, WAIVE_MOVE, 0, "2027-05-B", SR_WAIVED, "W5", &rj) == REJECTED,
         "a move must go later");
    sched_free(&s);

    /* employer shares move with the amount */
    sched c = {0};
    snprintf(c.frequency, sizeof c.frequency, "B");
    row(&c, 1, "2026-11-B", 76000, 154001, SR_DUE);
    sched_waive(&c, 0, WAIVE_RESPREAD, 2, NULL, SR_DEFERRED, "W6", &rj);
    T_OK(c.r[1].employer_share == 77000 && c.r[2].employer_share == 77001 &&
             c.r[0].status == SR_DEFERRED,
         "a contribution's employer share is split with it");
    sched_free(&c);
}

static void waive_properties(void)
{
    int bad = 0, runs = 500;
    for (int k = 0; k < runs; k++) {
        sched s = {0};
        static const char *const fr[] = {"each", "A", "B"};
        snprintf(s.frequency, sizeof s.frequency, "%s", fr[rnd(3)]);
        char p[12] = "2026-01-A";
        int rows = 1 + (int)rnd(8);
        for (int i = 0; i < rows; i++) {
            row(&s, i + 1, p, 1 + rnd(500000), rnd(3) ? 0 : rnd(200000),
                rnd(3) ? SR_DUE : SR_APPLIED);
            period_next(p, p);
        }
        money_t owed = sched_owed(&s), er = 0;
        for (size_t i = 0; i < s.n; i++)
            er += s.r[i].employer_share;
        for (int step = 0; step < 20; step++) {
            size_t i = rnd((unsigned)s.n);
            int pol = (int)rnd(3);
            char to[12];
            snprintf(to, sizeof to, "%s", s.r[i].period);
            for (unsigned j = 1 + rnd(6); j-- > 0;)
                period_next(to, to);
            rejection rj = {0};
            size_t before = s.n;
            money_t amt = s.r[i].amount;
            int rc = sched_waive(&s, i, pol, 1 + (int)rnd(5), to, rnd(2) ? SR_WAIVED : SR_DEFERRED,
                                 "W", &rj);
            if (rc == 0) {
                money_t moved = 0;
                for (size_t j = before; j < s.n; j++)
                    moved += s.r[j].amount;
                if (moved != amt)
                    bad++;
            }
            if (sched_owed(&s) != owed)
                bad++;
        }
        money_t er_due = 0;
        for (size_t i = 0; i < s.n; i++)
            if (s.r[i].status == SR_DUE || s.r[i].status == SR_APPLIED)
                er_due += s.r[i].employer_share;
        if (er_due != er)
            bad++;
        sched_free(&s);
    }
    T_EQ_INT(bad, 0,
             "the amount still owed (and the employer share) is conserved across %d random "
             "sequences of 20 waivers",
             runs);
}

int main(void)
{
    floors();
    settle_by_hand();
    settle_properties();
    waive_by_hand();
    waive_properties();
    return t_done();
}
