/*
 * archive.h - the payrun archive: one .tar.gz that packs the files made
 * for an approved period (payslips, bank files, register, remittances)
 * with a MANIFEST naming the SHA-256 of each and the exact paysheet
 * versions the period pays; its own SHA-256 is journaled, so a later edit
 * of any byte is detectable.
 *
 * The archive (gzip'd ustar, written with libarchive; names as UTF-8 bytes):
 *   PERIOD/MANIFEST   the first entry, NDJSON (below)
 *   PERIOD/REL        every regular file under the directory handed in,
 *                     REL its path below it, sorted bytewise
 * MANIFEST lines, in this order, keys in this order:
 *   {"kind":"PayrunArchiveManifest","v":1,"period":P,"approved_at":T,
 *    "files":N,"paysheets":M}
 *   {"kind":"JournalHead","tenant_id":T,"seq":S,"hash":H}  the journal's
 *                     chain head as the run's approval left it: the line
 *                     of its last PayrunApproved event (absent when that
 *                     line is no longer in the journal), an anchor for
 *                     armms-journal verify --anchor
 *   {"kind":"ArchiveFile","path":REL,"size":BYTES,"sha256":HEX}  one per file
 *   {"kind":"ArchivedPaysheet","paysheet_id":ID,"version":V,"status":S,
 *    "digest":HEX}   one per APPROVED or PAID paysheet, by paysheet_id
 *
 * Invariants:
 *  1. Byte-identical for the same inputs: every entry has mtime T (the
 *     payrun's approved_at, else its closed_at; never the clock), uid and
 *     gid 0, uname and gname "root", mode 0644 (0755 when the owner may
 *     execute the file), no atime, ctime or birth time; the gzip header
 *     has no time stamp and no name. The run's status is not in the
 *     archive, so an approved run archives the same before and after its
 *     close.
 *  2. Only regular files: a symbolic link, a device, a FIFO or a socket
 *     under the directory is refused (EXIT_DATAERR naming it), as is a
 *     name that is not UTF-8 or a file named MANIFEST at the top.
 *  3. Only a payrun APPROVED or CLOSED is archived (EXIT_DATAERR).
 *  4. Journaling is idempotent: pay.db payrun_archive keeps one row per
 *     (period, sha256); the same archive again records nothing, a
 *     different one is the period's next archive (seq 1, 2, ...) with one
 *     PayrunArchived event (aggregate Payrun / period) in the same
 *     transaction.
 *
 * Nothing here prints: verify's findings are lines handed back in a
 * buffer, for the tool to show.
 *
 * Uses pay (payrun status), store and core (sha, util); libarchive.
 */
#ifndef ARMMS_OUT_ARCHIVE_H
#define ARMMS_OUT_ARCHIVE_H

#include <jv.h>
#include <stddef.h>

#include "core/util.h"
#include "store/store.h"

typedef struct out_archive {
    char period[16];
    char sha256[65];          /* of the .tar.gz bytes */
    char manifest_sha256[65]; /* of the MANIFEST entry's bytes */
    size_t size;              /* of the .tar.gz */
    long files;               /* regular files packed (MANIFEST not counted) */
    long paysheets;           /* paysheets the manifest names */
    strbuf bytes;             /* the .tar.gz itself */
} out_archive;

/* Build the archive of period from the files under dir into a (bytes
 * and facts; release with out_archive_free). Reads pay.db (s, the pay
 * store) only. */
int out_archive_build(store_t *s, const char *period, const char *dir, out_archive *a,
                      armms_err *err);
void out_archive_free(out_archive *a);

/* The MANIFEST entry's bytes of the payrun archive bytes[0..n) into
 * *manifest (EXIT_DATAERR when it is not a payrun archive). */
int out_archive_manifest(const void *bytes, size_t n, strbuf *manifest, armms_err *err);

/* Record a as written to file_name: a payrun_archive row and a
 * PayrunArchived event, unless the period has that sha256 already
 * (*created 0; *seq is then the earlier archive's number). */
int out_archive_journal(store_t *s, const out_archive *a, const char *file_name, int *created,
                        long *seq, armms_err *err);

/* The PayrunArchive records of period (an array, the caller's), by seq:
 * {kind, v, period, seq, file, sha256, size, manifest_sha256, files,
 * paysheets, archived_by, archived_at}. */
int out_archive_list(store_t *s, const char *period, jv *records, armms_err *err);

/* What verify found. */
typedef struct out_verdict {
    char period[16];          /* the manifest's (or the one asked for) */
    char sha256[65];          /* of the bytes checked */
    char manifest_sha256[65]; /* of their MANIFEST ("" without one) */
    long seq;                 /* the journaled archive it is, 0 when none */
    long journaled;           /* archives journaled for the period */
    char file[256];           /* the journaled file name of seq */
    char archived_at[32];
    long files, paysheets;
    long mismatches; /* lines in the findings */
} out_verdict;

/* Check the .tar.gz bytes (n of them) against the journal and against its
 * own manifest: its SHA-256 is one journaled for the period (period NULL:
 * the manifest's), every entry's size and SHA-256 is the manifest's, no
 * entry is missing or extra, and the paysheets it names are the
 * period's approved ones as pay.db holds them now. Each mismatch is one
 * line appended to findings; 0 is returned whatever it found (an
 * EXIT_* code only when the store could not be read). */
int out_archive_verify(store_t *s, const void *bytes, size_t n, const char *period,
                       strbuf *findings, out_verdict *v, armms_err *err);

#endif
