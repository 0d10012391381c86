/*
 * actions.h - the code that applies each routed action, handed to the
 * approval layer (iam/change.h) from above so that it never includes the
 * domains it serves. May use every layer below the CLI.
 */
#ifndef ARMMS_ACTIONS_H
#define ARMMS_ACTIONS_H

/* Register every action's executor with change_register. A tool that
 * approves change requests calls it before change_approve. */
void cli_actions_register(void);

#endif
