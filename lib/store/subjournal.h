/*
 * subjournal.h - the SQLite VFS every store opens through: the default
 * one, with a statement journal's writes split into pieces the unix VFS
 * can make (subjournal.c says why).
 * Uses SQLite only.
 */
#ifndef ARMMS_STORE_SUBJOURNAL_H
#define ARMMS_STORE_SUBJOURNAL_H

/* Registers the VFS as SQLite's default, once (later calls do nothing);
 * call it after sqlite3_config and before the first database is opened.
 * Returns an SQLite result code. */
int subjournal_register(void);

#endif
