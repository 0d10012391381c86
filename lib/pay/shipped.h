/*
 * shipped.h - the payroll rules ARMMS ships: one CSV per rule kind in the
 * project's data/ folder (premium, pay_policy, minimum_wage,
 * deduction_priority, contribution, tax), each row citing its source,
 * embedded in the library when it is built (the Makefile generates their
 * table from the CSV files of data/), and their loading into a tenant's pay.db.
 *
 * The load is the installation's own data, not a person's change: it
 * bypasses approval routes but goes through the import of each kind, so
 * every row it adds is journaled and audited like any import, under the
 * acting user. It is insert-only (md_insert_only): a tenant's own rows
 * are never overwritten, and loading again changes nothing.
 *
 * Uses core, store and md.
 */
#ifndef ARMMS_PAY_SHIPPED_H
#define ARMMS_PAY_SHIPPED_H

#include <stddef.h>

#include "md/masterdata.h"

typedef struct pay_shipped_file {
    const char *kind; /* the md kind, from the file name */
    const char *name; /* "data/premium.csv" */
    const char *text; /* the CSV as shipped */
    size_t len;
} pay_shipped_file;

/* Every shipped file, ending with an entry whose kind is NULL (generated). */
extern const pay_shipped_file pay_shipped_files[];

/* Load every shipped file into t's pay.db, insert-only; counts add up in
 * *n, a refused row is a Reject in rej (the rest land). */
int pay_shipped_load(tenant_t *t, reject_sink *rej, md_counts *n, armms_err *err);

#endif
