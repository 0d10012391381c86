/*
 * actions.c - see actions.h. The one table that knows which code applies
 * which action.
 */
#include "cli/actions.h"

#include "iam/change.h"
#include "md/masterdata.h"
#include "tk/timelog.h"
#include "tk/timesheet.h"

static const change_executor executors[] = {
    {"timesheet.finalize", timesheet_apply},
    {"timelog.adjust", timelog_apply},
    {"*.update", md_apply}, /* every master data kind */
    {NULL, NULL},
};

void cli_actions_register(void)
{
    change_register(executors);
}
