/*
 * actions.h - the code that applies each routed action, handed to the
 * approval layer (iam/change.h) from above so that it never includes the
 * domains it serves; and the code that writes what a layer above derives
 * from master data (an obligation's schedule, pay/obligation.h), handed
 * to md (md_register) for the same reason. Uses every layer below the
 * CLI.
 */
#ifndef ARMMS_ACTIONS_H
#define ARMMS_ACTIONS_H

/* Register every action's executor with change_register, and every master
 * data hook with md_register. A tool that approves change requests or
 * imports master data calls it before change_approve or md_import_open. */
void cli_actions_register(void);

#endif
