/*
 * cli.c - see cli.h.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/progress.h"
#include "cli/rejects.h"
#include "core/input.h"
#include "core/ndjson.h"
#include "core/secure.h"
#include "core/suggest.h"
#include "iam/rbac.h"

const char *armms_prog = "armms";

/* Core's fatal failures: async-signal-safe writes, then exit 70. */
static _Noreturn void fatal(const char *what)
{
    static const char sep[] = ": fatal: ", erase[] = "\r\033[K";
    if (cli_progress_shown())
        (void)!write(2, erase, sizeof erase - 1);
    (void)!write(2, armms_prog, strlen(armms_prog));
    (void)!write(2, sep, sizeof sep - 1);
    (void)!write(2, what, strlen(what));
    (void)!write(2, "\n", 1);
    _exit(EXIT_SOFTWARE);
}

void cli_prog(const char *prog)
{
    armms_prog = prog;
    armms_fatal_handler = fatal;
}

void armms_warn(const char *fmt, ...)
{
    va_list ap;
    cli_progress_clear();
    fprintf(stderr, "%s: ", armms_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The tenant fatal messages name, once cli_tenant has resolved it. */
static char known_tenant[sizeof((tenant_t *)0)->id];

/* Whether msg names the tenant already: "tenant ID" as words. */
static int names_tenant(const char *msg)
{
    size_t n = strlen(known_tenant);
    for (const char *p = msg; (p = strstr(p, "tenant ")); p++) {
        const char *id = p + 7, *end = id + n;
        if ((p == msg || !isalnum((unsigned char)p[-1])) && !strncmp(id, known_tenant, n) &&
            !isalnum((unsigned char)*end) && *end != '_' && *end != '-')
            return 1;
    }
    return 0;
}

/* "PROG: tenant ID: message\n" on stderr, the one shape of a fatal message;
 * "PROG: message" before the tenant is known, or when it names the tenant
 * itself ("user 'u' of tenant ID may not ..."). */
static void vfail(const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    cli_progress_clear();
    if (!known_tenant[0] || names_tenant(msg))
        fprintf(stderr, "%s: %s\n", armms_prog, msg);
    else
        fprintf(stderr, "%s: tenant %s: %s\n", armms_prog, known_tenant, msg);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(fmt, ap);
    va_end(ap);
}

void armms_die(int code, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    va_start(ap, fmt);
    vfail(fmt, ap);
    va_end(ap);
    exit(code);
}

void armms_die_err(const armms_err *err)
{
    armms_die(err->code ? err->code : EXIT_SOFTWARE, "%s", err->msg);
}

void cli_init(cli_t *c, const char *prog, const char *usage)
{
    secure_init(); /* before anything reads the environment */
    memset(c, 0, sizeof *c);
    c->wait_s = -1;
    c->usage = usage;
    cli_prog(prog);
}

void cli_usage_error(const cli_t *c, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", armms_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", armms_prog);
    exit(EXIT_USAGE);
}

long cli_long(const cli_t *c, const char *name, const char *arg, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max)
        cli_usage_error(c, "invalid %s '%s' (want %ld..%ld)", name, arg, min, max);
    return v;
}

int cli_common(cli_t *c, int opt, const char *arg)
{
    switch (opt) {
    case 't':
        c->tenant = arg;
        return 1;
    case OPT_AS:
        c->actor = arg;
        return 1;
    case OPT_WAIT:
        c->wait_s = (int)cli_long(c, "--wait", arg, 0, 86400);
        return 1;
    case OPT_REJECTS:
        c->rejects = arg;
        return 1;
    case 'q':
        c->quiet = 1;
        return 1;
    case 'h':
        fputs(c->usage, stdout);
        exit(cli_finish(0));
    case OPT_VERSION:
        printf("%s %s\n", armms_prog, ARMMS_VERSION);
        exit(cli_finish(0));
    case OPT_COMPLETE:
        cli_complete(c, stdout);
        exit(cli_finish(0));
    case '?':
        fprintf(stderr, "Try '%s --help' for more information.\n", armms_prog);
        exit(EXIT_USAGE);
    }
    return 0;
}

void cli_tenant(cli_t *c, tenant_t *t)
{
    armms_err err = {0};
    if (tenant_resolve(t, c->tenant, c->actor, &err) || tenant_require(t, &err) ||
        rbac_identify(t, &err))
        armms_die_err(&err);
    if (c->wait_s >= 0)
        t->wait_ms = c->wait_s * 1000;
    c->t = t;
    snprintf(known_tenant, sizeof known_tenant, "%s", t->id);
}

void cli_authorize(tenant_t *t, const char *scope)
{
    armms_err err = {0};
    rbac_t who;
    if (rbac_load(&who, t, &err) || rbac_require(&who, scope, &err)) {
        rbac_free(&who);
        armms_die_err(&err);
    }
    rbac_free(&who);
}

void cli_rejects(cli_t *c, reject_sink *r)
{
    if (!c->rejects || strcmp(c->rejects, "-") == 0)
        reject_attach(r, stderr);
    else if (reject_open(r, c->rejects) != 0)
        armms_die(EXIT_CANTCREAT, "cannot open rejects file %s: %s", c->rejects, strerror(errno));
    cli_rejects_guard(r, c->t); /* masked always; capped on a terminal */
    c->rej = r;
}

int cli_each_input(int n, char **paths, cli_input_fn fn, void *ctx, int *missing)
{
    *missing = 0;
    if (n == 0)
        return fn(0, "<stdin>", 0, ctx);
    for (int i = 0; i < n; i++) {
        const char *path = paths[i];
        int std = strcmp(path, "-") == 0;
        int fd = std ? 0 : caller_open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) {
            armms_warn("cannot open %s: %s", path, strerror(errno));
            *missing = 1;
            continue;
        }
        size_t len = strlen(path);
        int rc = fn(fd, std ? "<stdin>" : path, len > 4 && !strcmp(path + len - 4, ".csv"), ctx);
        if (!std)
            close(fd);
        if (rc)
            return rc;
    }
    return 0;
}

int cli_stdin_wanted(int select)
{
    struct stat st;
    if (fstat(0, &st) != 0)
        return 0;
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return 1;
    return !select && !isatty(0);
}

struct records {
    cli_record_fn fn;
    void *ctx;
    reject_sink *rej;
    long *read, *rejected;
    armms_err *err;
};

static void record_reject(struct records *r, const rejection *rj, const char *name, long line,
                          const char *raw, size_t len)
{
    reject_emit(r->rej, rj, name, line, raw, len);
    (*r->read)++;
    (*r->rejected)++;
}

static int read_records(int fd, const char *name, int csv_name, void *ctx)
{
    struct records *r = ctx;
    input_source rs;
    if (input_open(&rs, fd, name, INPUT_NDJSON, r->err))
        return r->err->code;
    int rc = 0, st;
    jv rec;
    input_item it;
    while (!rc && (st = input_next(&rs, &rec, &it, r->err)) != INPUT_EOF) {
        if (st < 0) {
            rc = r->err->code;
        } else if (st == INPUT_BAD) {
            record_reject(r, &it.why, name, it.line, it.raw, it.raw_len);
        } else if (reject_is_peek(rec)) {
            /* a Reject fed back: its input again (a record refused for
             * master data that is there now lands) */
            reject_fed f;
            rejection rj = {0};
            reject_fed_peek(rec, &f);
            jv v = reject_fed_whole(&f, &rj) ? jv_invalid()
                                             : ndjson_parse_object(f.input, f.input_len, &rj);
            if (jv_is_valid(v))
                rc = r->fn(v, name, it.line, f.input, f.input_len, r->ctx, r->err);
            else
                record_reject(r, &rj, name, it.line, it.raw, it.raw_len);
            jv_free(rec);
        } else {
            rc = r->fn(rec, name, it.line, it.raw, it.raw_len, r->ctx, r->err);
        }
    }
    input_close(&rs);
    (void)csv_name;
    return rc;
}

int cli_each_record(int n, char **paths, cli_record_fn fn, void *ctx, reject_sink *rej, long *read,
                    long *rejected, int *missing, armms_err *err)
{
    struct records r = {fn, ctx, rej, read, rejected, err};
    return cli_each_input(n, paths, read_records, &r, missing);
}

int cli_rejects_close(reject_sink *r, int code)
{
    int e = cli_rejects_unguard(r);
    if (e && !r->err)
        r->err = e;
    if (reject_close(r) != 0) {
        fail("write error on Reject records: %s", strerror(errno));
        return EXIT_IOERR;
    }
    return code;
}

int cli_finish(int code)
{
    errno = 0;
    if (stream_close_check(stdout) != 0) {
        int e = errno ? errno : EIO;
        fail("write error on standard output: %s", strerror(e));
        return code ? code : EXIT_IOERR;
    }
    return code;
}

int cli_end(cli_t *c, int code, const armms_err *err, const char *fmt, ...)
{
    cli_progress_clear(); /* the summary takes its line */
    /* A closed sink has no stream (reject_close), so it is not closed twice. */
    if (c->rej && c->rej->f)
        code = cli_rejects_close(c->rej, code);
    /* A tenant missing or of another schema stops a run before it reads
     * anything: its summary of nothing would only stand above the reason. */
    if (fmt && !c->quiet && !(err && err->code == EXIT_CONFIG)) {
        char buf[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        for (char *line = buf, *nl; line; line = nl) {
            if ((nl = strchr(line, '\n')))
                *nl++ = 0;
            armms_warn("%s", line);
        }
    }
    if (err)
        armms_die_err(err);
    if (c->t)
        tenant_free(c->t);
    c->t = NULL;
    return cli_finish(code);
}

/* ---- verbs ---- */

/* "a, b or c" from the table. */
static void verb_names(strbuf *b, const cli_verb *verbs)
{
    for (const cli_verb *v = verbs; v->name; v++) {
        if (v != verbs)
            sb_adds(b, v[1].name ? ", " : " or ");
        sb_adds(b, v->name);
    }
}

const cli_verb *cli_verb_pick(const cli_t *c, const cli_verb *verbs, const char *what, int argc,
                              char **argv, const char **operand)
{
    *operand = NULL;
    if (optind >= argc) {
        strbuf b;
        sb_init(&b);
        verb_names(&b, verbs);
        cli_usage_error(c, "missing %s (%s)", what, b.s);
    }
    const char *name = argv[optind++];
    const cli_verb *v = verbs;
    while (v->name && strcmp(v->name, name))
        v++;
    if (!v->name) {
        suggest_t near;
        strbuf b;
        suggest_init(&near, name);
        for (v = verbs; v->name; v++)
            suggest_offer(&near, v->name);
        sb_init(&b);
        if (suggest_names(&near, &b))
            cli_usage_error(c, "unknown %s '%s' (did you mean %s?)", what, name, b.s);
        cli_usage_error(c, "unknown %s '%s'", what, name);
    }
    if (v->operand) {
        if (optind >= argc)
            cli_usage_error(c, "%s needs %s", v->name, v->needs ? v->needs : v->operand);
        *operand = argv[optind++];
    }
    int more = 0;
    for (const char *m = v->more; m && *m; m += strcspn(m, " "), m += strspn(m, " "))
        more++;
    if (argc - optind < more)
        cli_usage_error(c, "%s needs %s", v->name, v->more);
    if (optind + more < argc)
        cli_usage_error(c, "unexpected argument '%s'", argv[optind + more]);
    if (more)
        return v;
    if (optind < argc)
        cli_usage_error(c, "unexpected argument '%s'", argv[optind]);
    return v;
}

/* Append s to b, breaking lines at 80 columns at spaces outside brackets
 * (an option stays with its argument: "--reason TEXT"); a continued line
 * is indented by indent. col is the current column; returns the new one. */
static size_t add_wrapped(strbuf *b, const char *s, size_t col, size_t indent, int *lines)
{
    while (*s) {
        size_t len = 0;
        int depth = 0;
        for (;;) {
            while (s[len] && (depth || s[len] != ' ')) {
                depth += s[len] == '[' ? 1 : s[len] == ']' ? -1 : 0;
                len++;
            }
            /* "--opt ARG": take ARG too */
            if (s[0] == '-' && s[len] == ' ' && s[len + 1] && s[len + 1] != '-' &&
                s[len + 1] != '[' && !memchr(s, ' ', len))
                len++;
            else
                break;
        }
        if (col + 1 + len > 80 && col > indent) {
            sb_addc(b, '\n');
            for (col = 0; col < indent; col++)
                sb_addc(b, ' ');
            ++*lines;
        } else {
            sb_addc(b, ' ');
            col++;
        }
        sb_add(b, s, len);
        col += len;
        s += len;
        while (*s == ' ')
            s++;
    }
    return col;
}

/* One usage line; continued lines are indented under the verb's first
 * argument, or under the program's when that takes more than two lines. */
static int verb_line(strbuf *b, const char *lead, const cli_verb *v, size_t indent)
{
    int lines = 1;
    size_t col = 7 + strlen(armms_prog);
    sb_adds(b, armms_prog);
    if (lead && *lead)
        col = add_wrapped(b, lead, col, col, &lines);
    col = add_wrapped(b, v->name, col, col, &lines);
    if (!indent)
        indent = col + 1;
    if (v->operand)
        col = add_wrapped(b, v->operand, col, indent, &lines);
    if (v->more)
        col = add_wrapped(b, v->more, col, indent, &lines);
    if (v->synopsis)
        add_wrapped(b, v->synopsis, col, indent, &lines);
    sb_addc(b, '\n');
    return lines;
}

/* The widest line of a verb's usage; its first line is printed after the
 * 7 columns of "usage: ". */
static size_t widest(const strbuf *line)
{
    size_t w = 0, at = 0, first = 7;
    for (size_t i = 0; i <= line->len; i++)
        if (i == line->len || line->s[i] == '\n') {
            if (i - at + first > w)
                w = i - at + first;
            at = i + 1;
            first = 0;
        }
    return w;
}

void cli_verb_synopsis(strbuf *b, const char *lead, const cli_verb *verbs)
{
    for (const cli_verb *v = verbs; v->name; v++) {
        strbuf line;
        sb_init(&line);
        if (verb_line(&line, lead, v, 0) > 2 || widest(&line) > 80) {
            sb_reset(&line);
            verb_line(&line, lead, v, 7 + strlen(armms_prog) + 1);
        }
        sb_adds(b, b->len ? "       " : "usage: ");
        sb_add(b, line.s, line.len);
        sb_free(&line);
    }
}

void cli_wrap(strbuf *b, size_t indent, const char *text)
{
    int lines = 1;
    for (size_t i = 0; i + 1 < indent; i++)
        sb_addc(b, ' ');
    add_wrapped(b, text, indent ? indent - 1 : 0, indent, &lines);
    sb_addc(b, '\n');
}

void cli_verb_list(strbuf *b, const cli_verb *verbs)
{
    size_t w = 0;
    for (const cli_verb *v = verbs; v->name; v++)
        if (strlen(v->name) > w)
            w = strlen(v->name);
    for (const cli_verb *v = verbs; v->name; v++) {
        sb_addf(b, "  %-*s  ", (int)w, v->name);
        for (const char *h = v->help ? v->help : ""; *h; h++) {
            sb_addc(b, *h);
            if (*h == '\n')
                sb_addf(b, "  %-*s  ", (int)w, "");
        }
        sb_addc(b, '\n');
    }
}

/* ---- completion ---- */

/* A metavar: capitals, digits and punctuation ("FILE", "KEY=VALUE"). */
static int is_metavar(const char *s, size_t n)
{
    if (!n || !isupper((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (islower((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Add "line\n" to b unless b has it already; b starts with a newline,
 * so every line is found as "\nline\n". */
static void complete_line(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complete_line(strbuf *b, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + 1, sizeof line - 2, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof line - 2)
        return;
    line[0] = '\n';
    line[n + 1] = '\n';
    line[n + 2] = 0;
    if (!strstr(b->s, line))
        sb_adds(b, line + 1);
}

/* An option token at p (n characters, "--name" or "-x") and what follows
 * it up to end: its metavar, or the values of "--name a|b|c". */
static void complete_option(strbuf *b, const char *p, size_t n, const char *shortopt,
                            const char *end)
{
    const char *arg = p + n;
    arg += strspn(arg, " ");
    size_t an = 0;
    if (arg < end) {
        an = strcspn(arg, " ])\n");
        if (an > (size_t)(end - arg))
            an = (size_t)(end - arg);
    }
    const char *meta = NULL;
    size_t mn = 0;
    if (p[n] == ' ' && is_metavar(arg, an)) {
        meta = arg;
        mn = an;
    } else if (p[n] == ' ' && an && islower((unsigned char)*arg) && memchr(arg, '|', an)) {
        meta = "VALUE";
        mn = 5;
        for (const char *w = arg; w < arg + an;) {
            size_t wn = strcspn(w, "|");
            if (w + wn > arg + an)
                wn = (size_t)(arg + an - w);
            complete_line(b, "value %.*s %.*s", (int)n, p, (int)wn, w);
            w += wn + 1;
        }
    }
    complete_line(b, "option %.*s%s%.*s", (int)n, p, meta ? " " : "", (int)mn, meta ? meta : "");
    if (shortopt && *shortopt)
        complete_line(b, "option %s%s%.*s", shortopt, meta ? " " : "", (int)mn, meta ? meta : "");
}

/* The options of the synopsis (the usage's first paragraph): every
 * "--name" after a space, "[", "(" or "|". */
static void complete_synopsis(strbuf *b, const char *usage)
{
    const char *end = strstr(usage, "\n\n");
    if (!end)
        end = usage + strlen(usage);
    for (const char *p = usage; (p = strstr(p, "--")) && p < end; p += 2) {
        if (p == usage || !strchr(" [(|", p[-1]) || !islower((unsigned char)p[2]))
            continue;
        complete_option(b, p, strcspn(p, " ]|)\n"), NULL, end);
    }
}

/* The option lines: "  -t, --tenant ID   the tenant", the option part
 * ending at two spaces. */
static void complete_option_lines(strbuf *b, const char *usage)
{
    for (const char *l = usage; *l; l += strcspn(l, "\n"), l += *l == '\n') {
        const char *p = l + strspn(l, " "), *nl = l + strcspn(l, "\n");
        if (p - l < 2 || *p != '-' || p >= nl)
            continue;
        const char *end = strstr(p, "  ");
        if (!end || end > nl)
            end = nl;
        char shortopt[3] = "";
        while (p < end) {
            size_t n = strcspn(p, " ,");
            if (p + n > end)
                n = (size_t)(end - p);
            if (n == 2 && p[0] == '-' && p[1] != '-') {
                memcpy(shortopt, p, 2);
            } else if (n > 2 && p[0] == '-' && p[1] == '-') {
                complete_option(b, p, n, shortopt, end);
                shortopt[0] = 0;
            }
            p += n;
            p += strspn(p, " ,");
        }
    }
}

void cli_complete(const cli_t *c, FILE *out)
{
    strbuf b;
    sb_init(&b);
    sb_addc(&b, '\n');
    const char *lead = c->verb_lead ? c->verb_lead : "", *sep = c->verb_lead ? " " : "";
    if (c->verb_lead && c->verbs)
        complete_line(&b, "verb %s", c->verb_lead);
    for (const cli_verb *v = c->verbs; v && v->name; v++)
        complete_line(&b, "verb %s%s%s", lead, sep, v->name);
    for (const char *w = c->words; w && *w; w += strspn(w, " ")) {
        size_t n = strcspn(w, " ");
        if (n)
            complete_line(&b, "verb %.*s", (int)n, w);
        w += n;
    }
    if (c->usage) {
        complete_option_lines(&b, c->usage);
        complete_synopsis(&b, c->usage);
    }
    if (b.len > 1)
        fputs(b.s + 1, out);
    sb_free(&b);
}

void cli_init_verbs(cli_t *c, const char *prog, char **argv, const char *lead,
                    const cli_verb *verbs, const char *intro, const char *options)
{
    strbuf u;
    cli_init(c, prog, NULL);
    sb_init(&u);
    cli_verb_synopsis(&u, lead, verbs);
    sb_adds(&u, intro);
    cli_verb_list(&u, verbs);
    sb_adds(&u, options);
    c->usage = u.s; /* lives until exit */
    c->verbs = verbs;
    argv[0] = (char *)armms_prog;
}
