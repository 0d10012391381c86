/*
 * sysdir.c - the data directory of a multi-user installation (secure.h).
 * One definition in its own object, so `make install-system` links the
 * tools with the directory it is given (SYSTEM_DIR) in place of this one.
 */
#ifndef ARMMS_SYSTEM_DIR
#define ARMMS_SYSTEM_DIR "/var/lib/armms"
#endif

extern const char armms_system_dir[];
const char armms_system_dir[] = ARMMS_SYSTEM_DIR;
