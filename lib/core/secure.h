/*
 * secure.h - a run of a multi-user installation: the tools set-group-id to
 * the group that owns the data directory (see armms-security(7)).
 * Uses util only.
 *
 * A run is secure when it was started set-user-id or set-group-id (the
 * kernel's AT_SECURE, or effective ids other than the real ones). Then:
 *  - the data directory is the installation's (secure_data_dir), never
 *    ARMMS_HOME, XDG_DATA_HOME or HOME;
 *  - environment that could redirect or falsify a run is not read: every
 *    ARMMS_ test hook (ARMMS_NOW, the journal segment size, crash points,
 *    the progress rate), TZDIR, TMPDIR and SQLITE_TMPDIR (armms_env gives
 *    NULL for them; secure_init removes the ones libraries read), and HOME
 *    names no directory, so no library reads a file of the caller's;
 *  - a file the caller names (input, -o, --rejects, --profile) is opened
 *    with the caller's own group (the caller_* calls below): the tool
 *    never reads or writes for a person a file that person could not;
 *    the stores and the journal are opened with the installation's group.
 * In a personal run (today's ARMMS_HOME, one user) all of this is a no-op.
 */
#ifndef ARMMS_SECURE_H
#define ARMMS_SECURE_H

#include <dirent.h>
#include <stdio.h>
#include <sys/types.h>

/* Decide whether the run is secure and, when it is, scrub the environment;
 * call first thing in main (the CLI layer's cli_init does). */
void secure_init(void);
/* 1 in a secure run. */
int secure_on(void);
/* The data directory of a multi-user installation (built in). */
const char *secure_data_dir(void);
/* getenv, but NULL in a secure run for every name that is a test hook or
 * could redirect the run (see above); names a secure run may read:
 * ARMMS_TENANT, ARMMS_USER (refused later unless permitted), TERM. */
const char *armms_env(const char *name);

/* The login name of the real user ("" when the uid has none). */
const char *secure_login(void);

/* Files the caller names, opened with the caller's real group; errno as
 * the call it wraps. */
FILE *caller_fopen(const char *path, const char *mode);
int caller_open(const char *path, int flags, mode_t mode);
int caller_rename(const char *from, const char *to);
int caller_mkdir(const char *path, mode_t mode);
int caller_mkstemp(char *tmpl);
int caller_unlink(const char *path);
DIR *caller_opendir(const char *path);
/* Around a library call that opens a file the caller named by itself
 * (libxlsxwriter's workbook_close): the caller's group in between. Nothing
 * of the tenant may be opened between the two. */
void caller_begin(void);
void caller_end(void);

#endif
