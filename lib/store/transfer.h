/*
 * transfer.h - a tenant moved to another host: exported to one .tar.gz
 * while tools run, and restored from it.
 * Uses core, store (tenant, journal) and libarchive.
 *
 * The archive holds the four stores as SQLite's online backup made them
 * (and notify.db, armms-notify's own store, when the tenant has one),
 * tenant.conf, every journal segment, the journal's head and its consumer
 * cursors, and manifest.json last: kind TenantExport, the tenant, when,
 * and each file's path, size and SHA-256. The journal lock is held from
 * before the first store is copied until the journal is: no event can be
 * appended meanwhile, so every event the journal holds is of a change the
 * copied stores have, and a change whose events were not yet appended is
 * in its store's outbox, journaled by the first run after a restore, as
 * after a crash.
 *
 * A restore refuses (EXIT_DATAERR, nothing left behind) an archive that is
 * not one: a name outside that list or not a regular file, a file twice, a
 * file the manifest does not name or names with another size or SHA-256, a
 * missing file, a journal whose chain does not verify. The tenant it makes
 * is the one the manifest names, which must not exist yet; it appears
 * whole, by one rename, or not at all.
 */
#ifndef ARMMS_TRANSFER_H
#define ARMMS_TRANSFER_H

#include "core/util.h"
#include "store/tenant.h"

/* Export t to the file path (written with the caller's rights, through a
 * temporary beside it renamed into place); *files is how many it holds. */
int tenant_export(tenant_t *t, const char *path, long *files, armms_err *err);
/* Restore the archive at path into home; *id is the tenant it made (64
 * bytes), *files how many files it held. */
int tenant_restore(const char *path, const char *only_id, char *id, long *files, armms_err *err);

#endif
