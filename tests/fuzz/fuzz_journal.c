/*
 * fuzz_journal.c - the journal's reader over a segment of any bytes: the
 * input is written as a tenant's only segment (no head, no checkpoint),
 * then journal_verify walks it and journal_each reads it, short lines
 * (journal format 2) expanded from the line before them.
 *
 * Properties (a failure aborts): neither fails but on a read error (a
 * damaged line is a verdict, never a crash); journal_each gives every
 * line; and when verify finds the chain intact, every line journal_each
 * gives is a full envelope that continues it: seq 1, 2, ..., prev the hash
 * of the line before (64 zeros for the first), hash the SHA-256 of its
 * bytes before ,"hash":, no short line among them. So what verify vouches
 * for is what every reader sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sha.h"
#include "fuzz.h"
#include "store/journal.h"

static tenant_t t;
static char *seg, *head, *ck;

int fuzz_setup(void)
{
    if (fuzz_tenant_make(&t))
        return -1;
    seg = xasprintf("%s/journal/000001.ndjson", t.dir);
    head = xasprintf("%s/journal/head", t.dir);
    ck = xasprintf("%s/journal/checkpoint", t.dir);
    return 0;
}

void fuzz_teardown(void)
{
    free(seg);
    free(head);
    free(ck);
    fuzz_tenant_remove(&t);
}

typedef struct walk {
    long long lines, seq;
    char prev[65];
    int intact, bad;
} walk;

static int each_cb(const char *line, size_t len, void *vctx)
{
    walk *w = vctx;
    w->lines++;
    if (!w->intact || w->bad)
        return 0;
    char want[96], h[65];
    snprintf(want, sizeof want, "{\"seq\":%lld,\"event_id\":", ++w->seq);
    static const char tag[] = ",\"hash\":\"";
    if (len < 75 + strlen(want) || strncmp(line, want, strlen(want)) ||
        memcmp(line + len - 75, tag, 9) || memcmp(line + len - 2, "\"}", 2)) {
        w->bad = 1;
        return 0;
    }
    sha256_hex(line, len - 75, h);
    char prev[80];
    snprintf(prev, sizeof prev, ",\"prev\":\"%s\"", w->prev);
    size_t pl = strlen(prev); /* ,"prev":"<64 hex>" */
    if (memcmp(line + len - 66, h, 64) || len < 75 + pl + strlen(want) ||
        memcmp(line + len - 75 - pl, prev, pl))
        w->bad = 1;
    memcpy(w->prev, h, 65);
    return 0;
}

static int count_cb(const char *line, size_t len, void *vctx)
{
    (*(long long *)vctx)++;
    return 0;
}

void fuzz_one(const uint8_t *data, size_t len)
{
    unlink(head);
    unlink(ck);
    int fd = open(seg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
        fuzz_fail("cannot write the segment: %s", strerror(errno));
    journal_report rep;
    armms_err err = {0};
    if (journal_verify(&t, &rep, &err))
        fuzz_fail("journal_verify failed: %s", err.msg);
    long long nl = 0;
    for (size_t i = 0; i < len; i++)
        nl += data[i] == '\n';
    walk w = {.intact = !rep.problem[0]};
    memset(w.prev, '0', 64);
    if (journal_each(&t, each_cb, &w, &err))
        fuzz_fail("journal_each failed: %s", err.msg);
    if (w.lines != nl)
        fuzz_fail("journal_each gave %lld lines of %lld", w.lines, nl);
    if (w.intact && (w.bad || rep.events != nl))
        fuzz_fail("verify found %lld events intact, but line %lld as read is not a full line "
                  "continuing the chain",
                  rep.events, w.seq);
    long long after = 0;
    if (nl > 1 && journal_each_after(&t, 1, count_cb, &after, &err))
        fuzz_fail("journal_each_after failed: %s", err.msg);
    if (fuzz_verbose)
        fprintf(stderr, "%lld lines, %s\n", nl, w.intact ? "intact" : rep.problem);
}
