/*
 * archive_int.h - what archive.c (building, journaling, listing) and
 * archive_verify.c (checking) share, private to them.
 */
#ifndef ARMMS_OUT_ARCHIVE_INT_H
#define ARMMS_OUT_ARCHIVE_INT_H

#include "out/sheets.h"

/* The archive's manifest, PERIOD/MANIFEST. */
#define MANIFEST_NAME "MANIFEST"

/* The approved paysheets of period ?1, as the manifest lists them. */
#define ARCHIVE_PAYSHEETS_SQL                                                                     \
    "SELECT paysheet_id, version, status, digest FROM paysheet"                                   \
    " WHERE period_id = ?1 AND" OUT_SHEET_APPROVED("") " ORDER BY paysheet_id"

#endif
