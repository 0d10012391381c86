/*
 * reject.h - the Reject record: one NDJSON line per bad input record,
 * {"kind":"Reject","v":1,"code","message","source","line","input"}, written
 * to stderr or to --rejects FILE. `input` is the offending line as a string
 * (invalid UTF-8 replaced by U+FFFD, cut at 4 KiB). A tool that rejected
 * anything still commits the good records and exits 65.
 */
#ifndef ARMMS_REJECT_H
#define ARMMS_REJECT_H

#include <stdio.h>

typedef struct reject_sink {
    FILE *f;
    long count;
    int err; /* errno of the first failed write, 0 if none */
} reject_sink;

/* path NULL or "-" = stderr. 0, or -1 with errno. */
int reject_open(reject_sink *r, const char *path);
/* 0, or -1 with errno when any Reject could not be written: a tool must
 * then fail (74), since a lost Reject is a silently dropped record. */
int reject_close(reject_sink *r);
void reject_emit(reject_sink *r, const char *code, const char *message, const char *source,
                 long line, const char *input, size_t input_len);

#endif
