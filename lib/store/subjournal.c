/*
 * subjournal.c - the default SQLite VFS with one change: a statement
 * journal's writes reach its file in pieces the unix VFS can write.
 *
 * SQLite's unix VFS writes at most 128 KiB - 1 bytes in one call: its
 * seekAndWrite masks the length to 17 bits (an assert checks it, and a
 * release build leaves the assert out). A statement journal kept in
 * memory (store.c, STMT_JOURNAL_SPILL) that outgrows its spill size moves
 * to a temporary file by writing each of its in-memory chunks in one call,
 * and SQLite's chunk is as large as the spill size: a 4 MiB chunk went out
 * as a write of 0 bytes, which SQLite took for a full disk ("database or
 * disk is full") and rolled the whole transaction back.
 *
 * Every other file (stores, their WAL and shared memory, temporary tables
 * and sorts) is opened by the default VFS itself and keeps its own
 * methods: nothing is added to its reads and writes. A statement journal
 * is wrapped, and only its writes change.
 */
#include <sqlite3.h>
#include <string.h>

#include "store/subjournal.h"

/* A piece well under the unix VFS's limit. */
enum { PIECE = 64 << 10 };

typedef struct {
    sqlite3_file base;  /* pMethods: the wrapper's */
    sqlite3_file *real; /* the default VFS's file, which follows */
} sj_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs sj_vfs;

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((sj_file *)f)->real;
}

static int sj_close(sqlite3_file *f)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
}

static int sj_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xRead(r, buf, n, off);
}

static int sj_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    sqlite3_file *r = real_of(f);
    const char *p = buf;
    while (n > 0) {
        int k = n < PIECE ? n : PIECE;
        int rc = r->pMethods->xWrite(r, p, k, off);
        if (rc != SQLITE_OK)
            return rc;
        p += k;
        off += k;
        n -= k;
    }
    return SQLITE_OK;
}

static int sj_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xTruncate(r, size);
}

static int sj_sync(sqlite3_file *f, int flags)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xSync(r, flags);
}

static int sj_size(sqlite3_file *f, sqlite3_int64 *size)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xFileSize(r, size);
}

static int sj_lock(sqlite3_file *f, int lock)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xLock(r, lock);
}

static int sj_unlock(sqlite3_file *f, int lock)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xUnlock(r, lock);
}

static int sj_reserved(sqlite3_file *f, int *out)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xCheckReservedLock(r, out);
}

static int sj_control(sqlite3_file *f, int op, void *arg)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xFileControl(r, op, arg);
}

static int sj_sector(sqlite3_file *f)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xSectorSize(r);
}

static int sj_device(sqlite3_file *f)
{
    sqlite3_file *r = real_of(f);
    return r->pMethods->xDeviceCharacteristics(r);
}

/* Version 1: a statement journal is never shared memory nor mapped. */
static const sqlite3_io_methods sj_methods = {
    .iVersion = 1,
    .xClose = sj_close,
    .xRead = sj_read,
    .xWrite = sj_write,
    .xTruncate = sj_truncate,
    .xSync = sj_sync,
    .xFileSize = sj_size,
    .xLock = sj_lock,
    .xUnlock = sj_unlock,
    .xCheckReservedLock = sj_reserved,
    .xFileControl = sj_control,
    .xSectorSize = sj_sector,
    .xDeviceCharacteristics = sj_device,
};

static int sj_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)vfs;
    if (!(flags & SQLITE_OPEN_SUBJOURNAL))
        return real_vfs->xOpen(real_vfs, name, file, flags, out);
    sj_file *p = (sj_file *)file;
    p->real = (sqlite3_file *)(p + 1);
    p->real->pMethods = NULL;
    int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out);
    /* SQLite closes a file whose xOpen left methods set, even on failure */
    p->base.pMethods = p->real->pMethods ? &sj_methods : NULL;
    return rc;
}

int subjournal_register(void)
{
    if (real_vfs)
        return SQLITE_OK;
    sqlite3_vfs *def = sqlite3_vfs_find(NULL);
    if (!def)
        return SQLITE_ERROR;
    /* Everything but xOpen is the default VFS's, called with this VFS:
     * the unix VFS reads only the fields copied here (pAppData, the
     * path length) from the VFS it is given. */
    sj_vfs = *def;
    sj_vfs.pNext = NULL;
    sj_vfs.zName = "armms-subjournal";
    sj_vfs.szOsFile = (int)sizeof(sj_file) + def->szOsFile;
    sj_vfs.xOpen = sj_open;
    real_vfs = def;
    int rc = sqlite3_vfs_register(&sj_vfs, 1);
    if (rc != SQLITE_OK)
        real_vfs = NULL;
    return rc;
}
