/*
 * deduct_net.c - the pure arithmetic of deduct.h: the net floor a policy
 * sets, and settling deductions against it.
 *
 * Invariants (asserted):
 *  1. the result is gross - tax - the applied amounts;
 *  2. an item is only ever deferred when it is deferrable;
 *  3. the floor defers items from the last (lowest priority) back, whole.
 */
#include <assert.h>
#include <string.h>

#include "pay/deduct.h"

int deduct_floor(const char *policy, money_t gross, money_t *floor)
{
    size_t n = policy ? strlen(policy) : 0;
    if (n == 0)
        return -1;
    if (policy[n - 1] == '%') {
        char num[32];
        money_t bp; /* the share as hundredths of a percent: "30" -> 3000 */
        if (n - 1 >= sizeof num)
            return -1;
        memcpy(num, policy, n - 1);
        num[n - 1] = 0;
        if (money_parse(num, &bp) != 0 || bp < 0 || bp > 10000)
            return -1;
        *floor = gross > 0 ? money_scale(gross, bp, 10000) : 0;
        return 0;
    }
    money_t c;
    if (money_parse(policy, &c) != 0 || c < 0)
        return -1;
    *floor = c;
    return 0;
}

static money_t net_of(const net_item *it, size_t n, money_t gross, net_tax_fn tax, void *ctx,
                      money_t *tax_out)
{
    money_t stat = 0, applied = 0;
    for (size_t i = 0; i < n; i++)
        if (it[i].applied) {
            applied += it[i].amount;
            if (it[i].statutory)
                stat += it[i].amount;
        }
    *tax_out = tax ? tax(stat, ctx) : 0;
    return gross - *tax_out - applied;
}

money_t deduct_settle(net_item *it, size_t n, money_t gross, money_t floor, net_tax_fn tax,
                      void *ctx, money_t *tax_out)
{
    money_t net = net_of(it, n, gross, tax, ctx, tax_out);
    for (size_t k = n; k-- > 0 && net < floor;) {
        if (!it[k].applied || !it[k].deferrable)
            continue;
        it[k].applied = 0;
        net = net_of(it, n, gross, tax, ctx, tax_out);
    }
    return net;
}
