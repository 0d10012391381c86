/*
 * shipped.c - see shipped.h. Each embedded CSV is handed to the import of
 * its kind through an anonymous temporary file, so it is read exactly as
 * `armms-import KIND data/KIND.csv` reads it.
 */
#include "pay/shipped.h"

#include <stdio.h>

static int load_one(tenant_t *t, const pay_shipped_file *f, reject_sink *rej, md_counts *n,
                    armms_err *err)
{
    const md_kind *k = md_kind_find(f->kind);
    if (!k)
        return err_set(err, EXIT_SOFTWARE, "%s: no kind %s", f->name, f->kind);
    FILE *tmp = tmpfile();
    if (!tmp)
        return err_set(err, EXIT_IOERR, "%s: cannot make a temporary file", f->name);
    if (fwrite(f->text, 1, f->len, tmp) != f->len || fflush(tmp) || fseek(tmp, 0, SEEK_SET)) {
        fclose(tmp);
        return err_set(err, EXIT_IOERR, "%s: cannot write a temporary file", f->name);
    }
    md_import *mi = NULL;
    int rc = md_import_open(&mi, k, t, err);
    if (!rc) {
        md_insert_only(mi, 1);
        rc = md_import_fd(mi, fileno(tmp), f->name, INPUT_CSV, rej, n, err);
        if (rc)
            store_rollback(md_store(mi));
    }
    md_import_close(mi);
    fclose(tmp);
    return rc;
}

int pay_shipped_load(tenant_t *t, reject_sink *rej, md_counts *n, armms_err *err)
{
    for (const pay_shipped_file *f = pay_shipped_files; f->kind; f++)
        if (load_one(t, f, rej, n, err))
            return err->code;
    return 0;
}
