/*
 * actions.c - see actions.h. The one table that knows which code applies
 * which action, and the one that knows which code derives rows from which
 * master data kind.
 */
#include "cli/actions.h"

#include "iam/change.h"
#include "md/masterdata.h"
#include "pay/obligation.h"
#include "pay/payrun.h"
#include "pay/waiver.h"
#include "tk/timelog.h"
#include "tk/timesheet.h"

static const change_executor executors[] = {
    {"timesheet.finalize", timesheet_apply},
    {"timelog.adjust", timelog_apply},
    {"paysheet.reject", payrun_reject_apply},
    {"payrun.close", payrun_close_apply},
    {"obligation.waive", pay_waive_apply},
    {"*.update", md_apply},     /* every master data kind */
    {"leave.record", md_apply}, /* the kind leave (md_kind_action) */
    {NULL, NULL},
};

/* Rows md writes through code from above: it may not include pay. */
static const md_hook md_hooks[] = {
    {"obligation", pay_obligation_schedule},
    {NULL, NULL},
};

void cli_actions_register(void)
{
    change_register(executors);
    md_register(md_hooks);
}
