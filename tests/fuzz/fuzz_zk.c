/*
 * fuzz_zk.c - clock-event intake: ingest_zk_line over the lines of the
 * input (read as armms-ingest reads them, input_next with INPUT_LINES),
 * into a throwaway tenant whose guards G1 and G2 have the PINs 1001 and
 * 1002. The first line may choose the layout:
 *   push     the rest is the push protocol's ATTLOG (device PUSH1)
 *   ndjson   the rest is NDJSON clock events (ingest_record)
 * otherwise the whole input is a USB 1_attlog.dat.
 *
 * Properties (a failure aborts): the library never fails the run (every
 * bad line is a Reject); every line read is accepted, a duplicate,
 * held (a PIN or guard HR data does not know yet) or rejected; fed a
 * second time, the same input accepts and holds nothing (a replay is a
 * duplicate, never a second event).
 */
#include <stdio.h>
#include <string.h>

#include "core/input.h"
#include "fuzz.h"
#include "tk/ingest.h"

enum { ZK, PUSH, NDJSON };

static tenant_t t;
static FILE *out;
static reject_sink rej;
static ingest_t *in[3];

int fuzz_setup(void)
{
    armms_err err = {0};
    if (fuzz_tenant_make(&t))
        return -1;
    out = fopen("/dev/null", "w");
    if (!out || reject_open(&rej, "/dev/null"))
        return -1;
    ingest_opts o = {.max_future_s = 24 * 3600, .batch = 1000000};
    ingest_opts op = o;
    op.device = "PUSH1";
    if (ingest_open(&in[ZK], &t, &o, out, &rej, &err) ||
        ingest_open(&in[PUSH], &t, &op, out, &rej, &err) ||
        ingest_open(&in[NDJSON], &t, &o, out, &rej, &err)) {
        fprintf(stderr, "fuzz: ingest_open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

void fuzz_teardown(void)
{
    armms_err err = {0};
    for (int i = 0; i < 3; i++) {
        if (ingest_close(in[i], &err))
            fuzz_fail("ingest_close: %s", err.msg);
        in[i] = NULL;
    }
    reject_close(&rej);
    fclose(out);
    fuzz_tenant_remove(&t);
}

/* Feed the input once; the counts it added are in *d. */
static void feed(int mode, const uint8_t *data, size_t len, ingest_counts *d)
{
    ingest_t *ig = in[mode];
    const ingest_counts before = *ingest_counts_of(ig);
    input_source src;
    armms_err err = {0};
    if (input_open(&src, fuzz_fd(data, len), "fuzz", mode == NDJSON ? INPUT_NDJSON : INPUT_LINES,
                   &err))
        fuzz_fail("input_open: %s", err.msg);
    long lines = 0;
    int st, rc = 0;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&src, &rec, &it, &err)) != INPUT_EOF) {
        if (st < 0)
            fuzz_fail("input_next: %s", err.msg);
        lines++;
        if (st == INPUT_BAD) {
            ingest_reject(ig, &it.why, "fuzz", it.line, it.raw, it.raw_len);
        } else if (mode == NDJSON) {
            rc = ingest_record(ig, rec, "fuzz", it.line, it.raw, it.raw_len, &err);
        } else {
            rc = ingest_zk_line(ig, it.raw, it.raw_len, mode == PUSH, "fuzz", it.line, &err);
            jv_free(rec);
        }
    }
    input_close(&src);
    if (rc || ingest_flush(ig, &err))
        fuzz_fail("the run failed (%d): %s", err.code, err.msg);
    const ingest_counts *now = ingest_counts_of(ig);
    d->read = now->read - before.read;
    d->accepted = now->accepted - before.accepted;
    d->duplicates = now->duplicates - before.duplicates;
    d->rejected = now->rejected - before.rejected;
    d->held = now->held - before.held;
    if (d->read != lines)
        fuzz_fail("%ld lines fed, %ld read", lines, d->read);
    if (d->read != d->accepted + d->duplicates + d->held + d->rejected)
        fuzz_fail("%ld read but %ld accepted + %ld duplicates + %ld held + %ld rejected", d->read,
                  d->accepted, d->duplicates, d->held, d->rejected);
}

static int first_line_is(const uint8_t *data, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len > n && memcmp(data, word, n) == 0 &&
           (data[n] == '\n' || (data[n] == '\r' && len > n + 1 && data[n + 1] == '\n'));
}

void fuzz_one(const uint8_t *data, size_t len)
{
    int mode = ZK;
    if (first_line_is(data, len, "push"))
        mode = PUSH;
    else if (first_line_is(data, len, "ndjson"))
        mode = NDJSON;
    if (mode != ZK) {
        const uint8_t *nl = memchr(data, '\n', len);
        len -= (size_t)(nl + 1 - data);
        data = nl + 1;
    }
    ingest_counts first, again;
    feed(mode, data, len, &first);
    feed(mode, data, len, &again);
    if (fuzz_verbose)
        fprintf(stderr, "  %s: %ld read, %ld accepted, %ld duplicates, %ld rejected\n",
                mode == PUSH     ? "zk-push"
                : mode == NDJSON ? "ndjson"
                                 : "zk",
                first.read, first.accepted, first.duplicates, first.rejected);
    if (again.accepted != 0 || again.held != 0)
        fuzz_fail("the same input fed twice accepted %ld and held %ld the second time",
                  again.accepted, again.held);
}
