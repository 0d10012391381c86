/*
 * sysdir.c - the data directory of a multi-user installation (secure.h).
 * One definition in its own object, so `make install-system` links the
 * tools with the directory it is given (SYSTEM_DIR) in place of this one.
 */
#ifdef ARMMS_SYSTEM_DIR
#if defined(__SANITIZE_ADDRESS__)
/* A sanitizer build installed set-group-id (the multi-user tests under
 * SAN=1): LeakSanitizer cannot stop the world of a process that is not
 * dumpable, and a secure process reads no ASAN_OPTIONS, so leak checks are
 * off here; memory errors are still caught. Never in a plain build. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif
#else
#define ARMMS_SYSTEM_DIR "/var/lib/armms"
#endif

extern const char armms_system_dir[];
const char armms_system_dir[] = ARMMS_SYSTEM_DIR;
