/*
 * rejects.c - see rejects.h.
 */
#include "cli/rejects.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/render.h"
#include "core/input.h"
#include "core/ndjson.h"

/* The digits a personal number has at least (a TIN has 9); dates and
 * employee numbers have fewer. */
enum { PERSONAL_DIGITS = 9 };

/* Mask every run of digits and dashes with PERSONAL_DIGITS or more digits
 * in s, the way render_mask masks a field; 1 when one was. */
static int mask_digits(const char *s, size_t n, strbuf *out)
{
    int any = 0;
    size_t i = 0;
    while (i < n) {
        if (s[i] < '0' || s[i] > '9') {
            sb_addc(out, s[i++]);
            continue;
        }
        size_t j = i, end = i;
        int digits = 0;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '-')) {
            if (s[j] != '-') {
                digits++;
                end = j + 1;
            }
            j++;
        }
        if (digits >= PERSONAL_DIGITS) {
            char *run = xmalloc(end - i + 1);
            memcpy(run, s + i, end - i);
            run[end - i] = 0;
            render_mask(out, run);
            free(run);
            any = 1;
        } else {
            sb_add(out, s + i, end - i);
        }
        i = end;
    }
    return any;
}

/* One CSV field as the project's CSV input writes it: plain unless it
 * needs quotes, then by libcsv's writer. */
static void csv_cell(strbuf *b, const char *s, size_t n)
{
    int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        sb_add(b, s, n);
        return;
    }
    size_t need = csv_write(NULL, 0, s, n);
    sb_grow(b, need + 1);
    csv_write(b->s + b->len, need, s, n);
    b->len += need;
    b->s[b->len] = 0;
}

/* A CSV row read under its header (obj, consumed; its keys in column
 * order) written back with its personal cells masked: 1, or 0 when it has
 * none (out untouched). */
static int mask_row(jv obj, strbuf *out)
{
    int found = 0;
    jv_object_foreach(obj, key, val)
    {
        if (reject_personal(jv_string_value(key)) && jv_get_kind(val) == JV_KIND_STRING)
            found = 1;
        jv_free(key);
        jv_free(val);
    }
    if (!found) {
        jv_free(obj);
        return 0;
    }
    int first = 1;
    jv_object_foreach(obj, key, val)
    {
        if (!first)
            sb_addc(out, ',');
        first = 0;
        if (jv_get_kind(val) == JV_KIND_STRING) {
            const char *s = jv_string_value(val);
            if (reject_personal(jv_string_value(key))) {
                strbuf m;
                sb_init(&m);
                render_mask(&m, s);
                csv_cell(out, m.s, m.len);
                sb_free(&m);
            } else {
                csv_cell(out, s, (size_t)jv_string_length_bytes(jv_copy(val)));
            }
        }
        jv_free(key);
        jv_free(val);
    }
    jv_free(obj);
    return 1;
}

int cli_rejects_mask(const char *input, size_t len, const reject_origin *o, strbuf *out)
{
    const char *fmt = o->format ? o->format : "ndjson";
    if (!strcmp(fmt, "csv") && o->header) {
        jv v;
        rejection rj;
        if (input_csv_record(o->header, strlen(o->header), input, len, &v, &rj) == INPUT_OK)
            return mask_row(v, out);
    } else if (!strcmp(fmt, "ndjson") && len < (size_t)REJECT_INPUT_MAX) {
        jv v = jv_parse_sized(input, (int)len);
        if (jv_get_kind(v) == JV_KIND_OBJECT || jv_get_kind(v) == JV_KIND_ARRAY) {
            int found = 0;
            v = render_masked(v, &found);
            if (!found) {
                jv_free(v);
                return 0;
            }
            char *s = json_compact(v);
            sb_adds(out, s);
            free(s);
            return 1;
        }
        jv_free(v);
    }
    /* not a record (or one cut short): no field names to go by */
    if (mask_digits(input, len, out))
        return 1;
    sb_reset(out);
    return 0;
}

/* ---- the cap on a terminal ---- */

static struct cap {
    const tenant_t *t;
    long shown, total;
    strbuf held; /* the Rejects shown, to head the file of the rest */
    FILE *rest;  /* the file of the rest, once the cap is reached */
    char *path;
    int failed; /* the file could not be made: the rest stay on stderr */
} cap;

/* A new file for the run's Rejects in the tenant's rejects/ directory. */
static FILE *rest_open(void)
{
    char *dir = tenant_path(cap.t, "rejects");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
    cap.path = xasprintf("%s/%s-%s-%ld.ndjson", dir, armms_prog, when, (long)getpid());
    free(dir);
    int fd = open(cap.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

static int put(FILE *f, const char *s, size_t n)
{
    if (fwrite(s, 1, n, f) != n || fflush(f) != 0)
        return errno ? errno : EIO;
    return 0;
}

/* A Reject on the terminal: on its own line, never after a progress line. */
static int put_tty(FILE *f, const char *line, size_t len)
{
    cli_progress_clear();
    return put(f, line, len);
}

static int cap_write(reject_sink *r, const char *line, size_t len)
{
    if (!cap.t) /* no tenant to keep the rest in: every Reject is shown */
        return put_tty(r->f, line, len);
    cap.total++;
    if (!cap.rest && (cap.failed || cap.shown < CLI_REJECTS_SHOWN)) {
        cap.shown++;
        if (!cap.failed)
            sb_add(&cap.held, line, len);
        return put_tty(r->f, line, len);
    }
    if (!cap.rest) {
        cap.rest = rest_open();
        if (!cap.rest) {
            armms_warn("cannot make a file for the Rejects past the first %d (%s): the rest "
                       "follow here",
                       CLI_REJECTS_SHOWN, strerror(errno));
            cap.failed = 1;
            sb_free(&cap.held);
            cap.total--;
            return cap_write(r, line, len);
        }
        int e = put(cap.rest, cap.held.s, cap.held.len);
        sb_free(&cap.held);
        if (e)
            return e;
    }
    return put(cap.rest, line, len);
}

/* The line that says where the rest went: 0, or an errno. */
static int cap_end(void)
{
    sb_free(&cap.held);
    if (!cap.rest)
        return 0;
    int e = fclose(cap.rest) != 0 ? (errno ? errno : EIO) : 0;
    cap.rest = NULL;
    armms_warn("%ld more Rejects not shown; all %ld are in %s", cap.total - cap.shown, cap.total,
               cap.path);
    free(cap.path);
    cap.path = NULL;
    return e;
}

/* A run that dies after the cap still says where its Rejects are. */
static void cap_atexit(void)
{
    (void)cap_end();
}

void cli_rejects_guard(reject_sink *r, const tenant_t *t)
{
    r->mask = cli_rejects_mask;
    if (r->owned || r->f != stderr || !isatty(fileno(stderr)))
        return;
    r->write = cap_write;
    if (!t)
        return;
    cap.t = t;
    sb_init(&cap.held);
    atexit(cap_atexit);
}

int cli_rejects_unguard(reject_sink *r)
{
    if (r->write != cap_write)
        return 0;
    r->write = NULL;
    return cap_end();
}
