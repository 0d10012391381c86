/*
 * journal_cli.c - see journal_cli.h: the parts of armms-journal that read
 * files a person names and talk to the broker's stream.
 */
#include "cli/journal_cli.h"

#include <stdlib.h>
#include <string.h>

#include "bus/anchor.h"
#include "core/secure.h"
#include "out/archive.h"

/* A file named by --anchor: journal head's output, a checkpoint, a payrun
 * archive (.tar.gz: its MANIFEST's JournalHead record) or its MANIFEST. */
static int anchor_file(FILE *f, const char *name, journal_anchor **a, size_t *n, armms_err *err)
{
    strbuf b;
    sb_init(&b);
    char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&b, buf, k);
    int rc = ferror(f) ? err_set(err, EXIT_IOERR, "cannot read %s", name) : 0;
    fclose(f);
    if (!rc && b.len >= 2 && (unsigned char)b.s[0] == 0x1f && (unsigned char)b.s[1] == 0x8b) {
        strbuf man;
        sb_init(&man);
        rc = out_archive_manifest(b.s, b.len, &man, err);
        if (rc)
            err_wrap(err, "--anchor %s", name);
        sb_free(&b);
        b = man;
    }
    int added = rc ? -1 : journal_anchors_ndjson(b.s, b.len, name, a, n, err);
    sb_free(&b);
    if (added == 0)
        rc = err_set(err, EXIT_DATAERR, "--anchor %s holds no anchor (a seq and a hash)", name);
    else if (added < 0 && !rc)
        rc = err->code;
    return rc;
}

/* Every --anchor: a nats:// URL, a file, or a hash ("sha256:HEX", HEX,
 * "SEQ:HASH"). */
int cli_read_anchors(const char *const *args, size_t nargs, const char *tenant, journal_anchor **a,
                     size_t *n, armms_err *err)
{
    for (size_t i = 0; i < nargs; i++) {
        const char *s = args[i];
        if (!strncmp(s, "nats://", 7)) {
            strbuf p;
            sb_init(&p);
            int rc = bus_anchor_last(s, tenant, &p, err);
            bus_shutdown();
            int added = rc ? -1 : journal_anchors_ndjson(p.s, p.len, s, a, n, err);
            sb_free(&p);
            if (rc)
                return rc;
            if (added <= 0)
                return added < 0 ? err->code
                                 : err_set(err, EXIT_DATAERR,
                                           "the anchor message at %s holds no seq and hash", s);
            continue;
        }
        FILE *f = caller_fopen(s, "rb");
        if (f) {
            if (anchor_file(f, s, a, n, err))
                return err->code;
            continue;
        }
        journal_anchor x;
        if (journal_anchor_parse(s, &x) != 0)
            return err_set(err, EXIT_USAGE,
                           "--anchor %s: no such file, and not a hash (sha256:HEX, 64 hex "
                           "digits, SEQ:HASH) nor a nats:// URL",
                           s);
        *a = xrealloc(*a, sizeof **a * (*n + 1));
        (*a)[(*n)++] = x;
    }
    return 0;
}

int cli_stream_create(const bus_opts *o, const bus_stream_cfg *cfg, char *summary, size_t n,
                      armms_err *err)
{
    bus_t b;
    const char *what = NULL;
    int rc = bus_connect(&b, o, err);
    if (!rc)
        rc = bus_stream_ensure(&b, cfg, &what, err);
    char age[32] = "none", dup[32];
    if (cfg->max_age_s)
        bus_duration_text(cfg->max_age_s, age, sizeof age);
    bus_duration_text(cfg->dup_window_s, dup, sizeof dup);
    if (!rc)
        snprintf(summary, n,
                 "stream %s %s on %s: subjects %s, file storage, limits retention, duplicate "
                 "window %s, max age %s",
                 cfg->name, what, b.url, cfg->subjects, dup, age);
    bus_close(&b);
    bus_shutdown();
    return rc;
}

int cli_stream_info(const bus_opts *o, const char *stream, armms_err *err)
{
    bus_t b;
    strbuf out;
    sb_init(&out);
    int rc = bus_connect(&b, o, err);
    if (!rc)
        rc = bus_stream_info(&b, stream, NULL, &out, err);
    if (!rc)
        fwrite(out.s, 1, out.len, stdout);
    sb_free(&out);
    bus_close(&b);
    bus_shutdown();
    return rc;
}

int cli_stream_get(const bus_opts *o, const char *stream, const char *tenant,
                   unsigned long long from, unsigned long long to, char *summary, size_t n,
                   armms_err *err)
{
    char prefix[80];
    snprintf(prefix, sizeof prefix, "armms.%s.", tenant);
    bus_t b;
    int rc = bus_connect(&b, o, err);
    uint64_t first = 0, last = 0;
    if (!rc && from != to)
        rc = bus_stream_last(&b, stream, &first, &last, err);
    if (!rc && from != to && to > last)
        to = last;
    long printed = 0, others = 0, missing = 0;
    for (unsigned long long seq = from; !rc && seq <= to; seq++) {
        strbuf out;
        char *subject = NULL;
        sb_init(&out);
        rc = bus_stream_get(&b, stream, seq, &out, &subject, err);
        if (rc == EXIT_NOINPUT && from != to) {
            missing++; /* deleted, or aged out */
            rc = 0;
        } else if (!rc && strncmp(subject, prefix, strlen(prefix))) {
            others++;
            if (from == to)
                rc = err_set(err, EXIT_NOPERM,
                             "message %llu of stream %s is another tenant's (subject %s)", seq,
                             stream, subject);
        } else if (!rc) {
            fwrite(out.s, 1, out.len, stdout);
            printed++;
        }
        free(subject);
        sb_free(&out);
    }
    bus_close(&b);
    bus_shutdown();
    if (!rc && from != to)
        snprintf(summary, n,
                 "tenant %s: %ld messages of stream %s printed (%ld of other tenants skipped, "
                 "%ld absent)",
                 tenant, printed, stream, others, missing);
    return rc;
}
