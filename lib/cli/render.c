/*
 * render.c - see render.h.
 */
#include "cli/render.h"
#include "cli/render_int.h"

#include <assert.h>
#include <csv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/email.h"
#include "core/ndjson.h"
#include "out/cell.h"

/* sb_init, and the buffer is "" at once (sb_init leaves it unterminated
 * until the first append). */
void render_sb_start(strbuf *b)
{
    sb_init(b);
    sb_reset(b);
}

/* ---- formats ---- */

static const char *const format_names[] = {"table", "ndjson", "csv", "xlsx"};
#define NFORMATS (int)(sizeof format_names / sizeof *format_names)

int render_format_parse(const char *name)
{
    for (int i = 0; name && i < NFORMATS; i++)
        if (strcmp(name, format_names[i]) == 0)
            return i;
    return -1;
}

render_format render_format_default(FILE *out)
{
    return isatty(fileno(out)) ? RENDER_TABLE : RENDER_NDJSON;
}

render_format render_format_pick(const char *name)
{
    int f = render_format_parse(name);
    return f < 0 ? render_format_default(stdout) : (render_format)f;
}

const char *render_format_name(render_format f)
{
    return (unsigned)f < (unsigned)NFORMATS ? format_names[f] : "?";
}

/* ---- numbers ---- */

/* |n| without overflow at LLONG_MIN */
static unsigned long long mag(long long n)
{
    return n < 0 ? (unsigned long long)(-(n + 1)) + 1 : (unsigned long long)n;
}

/* a, in decimal, with a comma every three digits when grouped */
static void add_digits(strbuf *b, unsigned long long a, int grouped)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", a);
    for (int i = 0; i < n; i++) {
        if (grouped && i > 0 && (n - i) % 3 == 0)
            sb_addc(b, ',');
        sb_addc(b, d[i]);
    }
}

void render_money(strbuf *b, long long centavos, int grouped)
{
    unsigned long long a = mag(centavos);
    if (centavos < 0)
        sb_addc(b, '-');
    add_digits(b, a / 100, grouped);
    sb_addf(b, ".%02llu", a % 100);
}

void render_minutes(strbuf *b, long long minutes)
{
    unsigned long long a = mag(minutes);
    sb_addf(b, "%s%llu:%02llu", minutes < 0 ? "-" : "", a / 60, a % 60);
}

void render_bp(strbuf *b, long long bp)
{
    unsigned long long a = mag(bp);
    if (bp < 0)
        sb_addc(b, '-');
    sb_addf(b, "%llu", a / 100);
    unsigned frac = (unsigned)(a % 100);
    if (frac % 10)
        sb_addf(b, ".%02u", frac);
    else if (frac)
        sb_addf(b, ".%u", frac / 10);
    sb_addc(b, '%');
}

void render_int(strbuf *b, long long n, int grouped)
{
    if (n < 0)
        sb_addc(b, '-');
    add_digits(b, mag(n), grouped);
}

/* ---- text ---- */

void render_mask(strbuf *b, const char *s)
{
    /* an e-mail address: its first character and its domain */
    if (strchr(s, '@')) {
        email_mask_text(b, s, strlen(s)); /* each address in it, if it is not one */
        return;
    }
    /* the last 4 characters (code points, not bytes) */
    size_t n = strlen(s), start = n;
    int chars = 0;
    while (start > 0 && chars < 4) {
        start--;
        if (((unsigned char)s[start] & 0xc0) != 0x80)
            chars++;
    }
    sb_adds(b, "****");
    if (start > 0)
        sb_adds(b, s + start);
}

/* Decode one code point of s[0..n); *len its bytes (1 for a bad byte,
 * whose value is then returned as U+FFFD). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    int k = c < 0x80             ? 0
            : (c & 0xe0) == 0xc0 ? 1
            : (c & 0xf0) == 0xe0 ? 2
            : (c & 0xf8) == 0xf0 ? 3
                                 : -1;
    *len = 1;
    if (k == 0)
        return c;
    if (k < 0 || (size_t)k >= n)
        return 0xfffd;
    uint32_t cp = c & (0x3f >> k);
    for (int i = 1; i <= k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0xfffd;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *len = (size_t)k + 1;
    return cp;
}

/* Columns a code point takes on a terminal: 0 for combining marks and
 * zero-width characters, 2 for East Asian wide and fullwidth ones (the
 * blocks of Unicode's EastAsianWidth W and F), else 1. The C library's
 * wcwidth would need a UTF-8 locale the tools do not set. */
static int cp_width(uint32_t cp)
{
    static const uint32_t zero[][2] = {
        {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a}, {0x064b, 0x065f},
        {0x1ab0, 0x1aff}, {0x1dc0, 0x1dff}, {0x200b, 0x200f}, {0x2028, 0x202e}, {0x2060, 0x2064},
        {0x20d0, 0x20ff}, {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
    };
    static const uint32_t wide[][2] = {
        {0x1100, 0x115f},   {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},
        {0x4e00, 0x9fff},   {0xa000, 0xa4cf},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
        {0xfe30, 0xfe4f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f},
        {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
    };
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        if (cp >= zero[i][0] && cp <= zero[i][1])
            return 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (cp >= wide[i][0] && cp <= wide[i][1])
            return 2;
    return 1;
}

size_t render_width(const char *s, size_t n)
{
    size_t w = 0, len;
    for (size_t i = 0; i < n; i += len)
        w += (size_t)cp_width(utf8_next((const unsigned char *)s + i, n - i, &len));
    return w;
}

/* Cut b to at most max columns, the last one an ellipsis. */
static void cut_to_width(strbuf *b, size_t max)
{
    if (max == 0 || render_width(b->s, b->len) <= max)
        return;
    size_t w = 0, i = 0, len;
    while (i < b->len) {
        int cw = cp_width(utf8_next((const unsigned char *)b->s + i, b->len - i, &len));
        if (w + (size_t)cw > max - 1)
            break;
        w += (size_t)cw;
        i += len;
    }
    b->len = i;
    b->s[i] = '\0';
    sb_adds(b, "\xe2\x80\xa6"); /* U+2026 HORIZONTAL ELLIPSIS */
}

/* ---- values ---- */

int render_is_personal(const char *path)
{
    return reject_personal(path); /* one list, core/reject.h */
}

jv render_get_peek(jv rec, const char *path)
{
    jv cur = rec;
    const char *p = path;
    for (;;) {
        if (jv_get_kind(cur) != JV_KIND_OBJECT)
            return jv_invalid();
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        jv v = jv_object_get(jv_copy(cur), jv_string_sized(p, (int)n));
        if (!jv_is_valid(v))
            return v;
        /* the object still holds v: drop our reference and lend it */
        jv_free(v);
        cur = v;
        if (!dot)
            return cur;
        p = dot + 1;
    }
}

/* A whole number a long long holds exactly (JSON numbers are doubles). */
int render_whole(jv v, long long *n)
{
    if (jv_get_kind(v) != JV_KIND_NUMBER)
        return 0;
    double d = jv_number_value(v);
    if (d != floor(d) || fabs(d) > 9007199254740992.0)
        return 0;
    *n = (long long)d;
    return 1;
}

static void add_raw(strbuf *b, jv v)
{
    long long n;
    if (jv_get_kind(v) == JV_KIND_STRING) {
        sb_add(b, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
    } else if (render_whole(v, &n)) {
        sb_addf(b, "%lld", n);
    } else {
        jv s = jv_dump_string(jv_copy(v), 0);
        sb_adds(b, jv_string_value(s));
        jv_free(s);
    }
}

void render_cell_peek(strbuf *b, render_type type, render_format fmt, jv v)
{
    long long n;
    int grouped = fmt == RENDER_TABLE;
    if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
        return;
    switch (type) {
    case RENDER_MONEY:
    case RENDER_MINUTES:
    case RENDER_INT:
    case RENDER_BP:
        if (!render_whole(v, &n)) {
            add_raw(b, v);
            return;
        }
        if (type == RENDER_MONEY)
            render_money(b, n, grouped);
        else if (type == RENDER_MINUTES)
            render_minutes(b, n);
        else if (type == RENDER_INT)
            render_int(b, n, grouped);
        else
            render_bp(b, n);
        return;
    case RENDER_MASKED: {
        strbuf raw;
        render_sb_start(&raw);
        add_raw(&raw, v);
        render_mask(b, raw.s);
        sb_free(&raw);
        return;
    }
    case RENDER_TEXT:
    case RENDER_DATE:
        add_raw(b, v);
        return;
    }
}

int render_numeric(render_type t)
{
    return t == RENDER_MONEY || t == RENDER_MINUTES || t == RENDER_INT || t == RENDER_BP;
}

/* The cell of column c for rec (looked at) in fmt, as a malloc'd string. */
char *render_cell_text(const render_col *c, render_format fmt, jv rec)
{
    strbuf b;
    render_sb_start(&b);
    render_type t = render_is_personal(c->path) ? RENDER_MASKED : c->type;
    render_cell_peek(&b, t, fmt, render_get_peek(rec, c->path));
    if (fmt == RENDER_TABLE) {
        for (size_t i = 0; i < b.len; i++)
            if ((unsigned char)b.s[i] < 0x20 || b.s[i] == 0x7f)
                b.s[i] = '?';
        if (c->max_width > 0)
            cut_to_width(&b, (size_t)c->max_width);
    }
    return b.s;
}

/* ---- the table ---- */

typedef struct grid {
    size_t ncols, nrows, cap;
    char **text;          /* nrows x ncols, malloc'd */
    unsigned char *right; /* per cell */
    unsigned char *rule;  /* per row: a rule is drawn above it */
    int rule_end;         /* and one below the last row */
    unsigned char *skip;  /* per column: left out (NULL: none is) */
} grid;

static void grid_row(grid *g)
{
    if (g->nrows == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->text = xrealloc(g->text, g->cap * g->ncols * sizeof *g->text);
        g->right = xrealloc(g->right, g->cap * g->ncols);
        g->rule = xrealloc(g->rule, g->cap);
    }
    memset(g->text + g->nrows * g->ncols, 0, g->ncols * sizeof *g->text);
    memset(g->right + g->nrows * g->ncols, 0, g->ncols);
    g->rule[g->nrows] = 0;
    g->nrows++;
}

static void grid_set(grid *g, size_t col, char *text, int right)
{
    size_t i = (g->nrows - 1) * g->ncols + col;
    free(g->text[i]);
    g->text[i] = text;
    g->right[i] = (unsigned char)right;
}

static void grid_free(grid *g)
{
    for (size_t i = 0; i < g->nrows * g->ncols; i++)
        free(g->text[i]);
    free(g->text);
    free(g->right);
    free(g->rule);
    free(g->skip);
}

static void put_line(FILE *out, strbuf *line)
{
    while (line->len > 0 && line->s[line->len - 1] == ' ')
        line->len--;
    fwrite(line->s, 1, line->len, out);
    fputc('\n', out);
    sb_reset(line);
}

static void grid_write(FILE *out, const grid *g, const size_t *minw)
{
    size_t *w = xcalloc(g->ncols ? g->ncols : 1, sizeof *w);
    for (size_t c = 0; c < g->ncols; c++) {
        w[c] = minw ? minw[c] : 0;
        for (size_t r = 0; r < g->nrows; r++) {
            const char *s = g->text[r * g->ncols + c];
            size_t cw = s ? render_width(s, strlen(s)) : 0;
            if (cw > w[c])
                w[c] = cw;
        }
    }
    strbuf line;
    render_sb_start(&line);
    for (size_t r = 0; r <= g->nrows; r++) {
        int first = 1;
        if (r < g->nrows ? g->rule[r] : g->rule_end) {
            for (size_t c = 0; c < g->ncols; c++) {
                if (g->skip && g->skip[c])
                    continue;
                if (!first)
                    sb_adds(&line, "  ");
                first = 0;
                for (size_t k = 0; k < w[c]; k++)
                    sb_addc(&line, '-');
            }
            put_line(out, &line);
        }
        if (r == g->nrows)
            break;
        first = 1;
        for (size_t c = 0; c < g->ncols; c++) {
            if (g->skip && g->skip[c])
                continue;
            const char *s = g->text[r * g->ncols + c];
            s = s ? s : "";
            size_t cw = render_width(s, strlen(s)), pad = w[c] - cw;
            int right = g->right[r * g->ncols + c];
            if (!first)
                sb_adds(&line, "  ");
            first = 0;
            for (size_t k = 0; right && k < pad; k++)
                sb_addc(&line, ' ');
            sb_adds(&line, s);
            for (size_t k = 0; !right && k < pad; k++)
                sb_addc(&line, ' ');
        }
        put_line(out, &line);
    }
    sb_free(&line);
    free(w);
}

int render_shown(const render_col *c, render_format fmt)
{
    return fmt == RENDER_CSV ? !(c->flags & RENDER_TABLE_ONLY) : !(c->flags & RENDER_CSV_ONLY);
}

static int right_aligned(const render_col *c)
{
    return (c->flags & RENDER_RIGHT) || render_numeric(c->type);
}

int render_out_status(FILE *out, armms_err *err)
{
    if (ferror(out))
        return err_set(err, EXIT_IOERR, "cannot write the output");
    return 0;
}

static int table_records(FILE *out, const render_col *cols, jv records, const render_opts *o,
                         jv footer)
{
    size_t ncols = 0, nrec = (size_t)jv_array_length(jv_copy(records));
    const render_col *vis[RENDER_MAX_COLS];
    for (const render_col *c = cols; c->title; c++) {
        assert(ncols < RENDER_MAX_COLS);
        if (render_shown(c, RENDER_TABLE))
            vis[ncols++] = c;
    }
    if (o->title)
        fprintf(out, "%s\n", o->title);
    if (nrec == 0 && o->empty) {
        fprintf(out, "%s\n", o->empty);
        return 0;
    }
    grid g = {.ncols = ncols};
    size_t minw[RENDER_MAX_COLS];
    for (size_t c = 0; c < ncols; c++)
        minw[c] = vis[c]->min_width > 0 ? (size_t)vis[c]->min_width : 0;
    if (!o->no_header) {
        grid_row(&g);
        for (size_t c = 0; c < ncols; c++)
            grid_set(&g, c, xstrdup(vis[c]->title), right_aligned(vis[c]));
    }
    size_t first = g.nrows;
    long long sum[RENDER_MAX_COLS] = {0};
    for (size_t r = 0; r < nrec; r++) {
        jv rec = jv_array_get(jv_copy(records), (int)r);
        grid_row(&g);
        for (size_t c = 0; c < ncols; c++) {
            long long n;
            grid_set(&g, c, render_cell_text(vis[c], RENDER_TABLE, rec), right_aligned(vis[c]));
            if ((vis[c]->flags & RENDER_SUM) &&
                render_whole(render_get_peek(rec, vis[c]->path), &n))
                sum[c] += n;
        }
        jv_free(rec);
    }
    /* GROUP cells repeating the row above's are blanked, bottom up so
     * each row compares with the text it had */
    for (size_t r = g.nrows; r-- > first + 1;) {
        int same = 1, any = 0;
        for (size_t c = 0; c < ncols && same; c++)
            if (vis[c]->flags & RENDER_GROUP) {
                any = 1;
                same = strcmp(g.text[r * ncols + c], g.text[(r - 1) * ncols + c]) == 0;
            }
        for (size_t c = 0; any && same && c < ncols; c++)
            if (vis[c]->flags & RENDER_GROUP)
                g.text[r * ncols + c][0] = '\0';
    }
    size_t foot = g.nrows;
    if (o->total_label) {
        int labelled = 0;
        grid_row(&g);
        for (size_t c = 0; c < ncols; c++) {
            if (vis[c]->flags & RENDER_SUM) {
                jv n = jv_number((double)sum[c]);
                strbuf b;
                render_sb_start(&b);
                render_cell_peek(&b, vis[c]->type, RENDER_TABLE, n);
                grid_set(&g, c, b.s, 1);
            } else if (!labelled) {
                labelled = 1;
                grid_set(&g, c, xstrdup(o->total_label), 0);
            }
        }
    }
    if (jv_get_kind(footer) == JV_KIND_ARRAY) {
        jv_array_foreach(footer, i, rec)
        {
            grid_row(&g);
            for (size_t c = 0; c < ncols; c++)
                grid_set(&g, c, render_cell_text(vis[c], RENDER_TABLE, rec),
                         right_aligned(vis[c]));
            jv_free(rec);
        }
    }
    if (g.nrows > foot)
        g.rule[foot] = 1;
    /* OPTIONAL columns without a value in any record are left out (their
     * totals and footer cells do not count) */
    g.skip = xcalloc(ncols ? ncols : 1, 1);
    for (size_t c = 0; c < ncols; c++) {
        if (!(vis[c]->flags & RENDER_OPTIONAL))
            continue;
        g.skip[c] = 1;
        for (size_t r = first; r < foot && g.skip[c]; r++)
            if (g.text[r * ncols + c] && g.text[r * ncols + c][0])
                g.skip[c] = 0;
    }
    if (!o->no_header && g.nrows > 1)
        g.rule[1] = 1;
    else if (!o->no_header)
        g.rule_end = 1;
    grid_write(out, &g, minw);
    grid_free(&g);
    return 0;
}

/* One CSV field: plain, or through libcsv's writer when it must be quoted. */
static void csv_field(FILE *out, const char *s, size_t n)
{
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ');
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (quote)
        csv_fwrite(out, s, n);
    else
        fwrite(s, 1, n, out);
}

static void csv_name(strbuf *b, const render_col *c)
{
    if (c->name) {
        sb_adds(b, c->name);
        return;
    }
    for (const char *p = c->path; *p; p++)
        sb_addc(b, *p == '.' ? '_' : *p);
}

static void csv_records(FILE *out, const render_col *cols, jv records, int bom)
{
    strbuf b;
    render_sb_start(&b);
    if (bom)
        fputs("\xef\xbb\xbf", out);
    int n = 0;
    for (const render_col *c = cols; c->title; c++) {
        if (!render_shown(c, RENDER_CSV))
            continue;
        if (n++)
            fputc(',', out);
        sb_reset(&b);
        csv_name(&b, c);
        csv_field(out, b.s, b.len);
    }
    fputc('\n', out);
    jv_array_foreach(records, i, rec)
    {
        n = 0;
        for (const render_col *c = cols; c->title; c++) {
            if (!render_shown(c, RENDER_CSV))
                continue;
            if (n++)
                fputc(',', out);
            char *s = render_cell_text(c, RENDER_CSV, rec);
            const char *v = c->type == RENDER_TEXT ? out_cell_text(&b, s) : s;
            csv_field(out, v, strlen(v));
            free(s);
        }
        fputc('\n', out);
        jv_free(rec);
    }
    sb_free(&b);
}

/* v with every personal field (invariant 1) masked, recursively; *found
 * counts the personal values. */
static jv mask_tree(jv v, int *found)
{
    if (jv_get_kind(v) == JV_KIND_ARRAY) {
        int n = jv_array_length(jv_copy(v));
        for (int i = 0; i < n; i++)
            v = jv_array_set(v, i, mask_tree(jv_array_get(jv_copy(v), i), found));
    } else if (jv_get_kind(v) == JV_KIND_OBJECT) {
        jv keys = jv_keys(jv_copy(v));
        jv_array_foreach(keys, i, k)
        {
            jv x = jv_object_get(jv_copy(v), jv_copy(k));
            jv_kind kind = jv_get_kind(x);
            if (render_is_personal(jv_string_value(k)) && kind != JV_KIND_NULL &&
                kind != JV_KIND_OBJECT && kind != JV_KIND_ARRAY) {
                strbuf raw, m;
                render_sb_start(&raw);
                render_sb_start(&m);
                add_raw(&raw, x);
                render_mask(&m, raw.s);
                jv_free(x);
                x = jv_string(m.s);
                ++*found;
                sb_free(&raw);
                sb_free(&m);
            } else {
                x = mask_tree(x, found);
            }
            v = jv_object_set(v, k, x);
        }
        jv_free(keys);
    }
    return v;
}

jv render_masked(jv v, int *found)
{
    int n = 0;
    v = mask_tree(v, &n);
    if (found)
        *found = n;
    return v;
}

int render_ndjson(FILE *out, jv record, armms_err *err)
{
    ndjson_write(out, render_masked(record, NULL));
    return render_out_status(out, err);
}

int render_records(FILE *out, render_format fmt, const render_col *cols, jv records,
                   const render_opts *o, armms_err *err)
{
    render_opts none = {0};
    o = o ? o : &none;
    jv footer = o->footer;
    if (jv_get_kind(records) != JV_KIND_ARRAY) {
        jv_free(records);
        records = jv_array();
    }
    if (fmt == RENDER_NDJSON) {
        int rc = 0;
        jv_array_foreach(records, i, rec)
        {
            if (!rc)
                rc = render_ndjson(out, rec, err);
            else
                jv_free(rec);
        }
        jv_free(records);
        jv_free(footer);
        return rc ? rc : render_out_status(out, err);
    }
    if (fmt == RENDER_XLSX) {
        jv_free(footer);
        render_book *bk = render_book_new(err);
        if (!bk) {
            jv_free(records);
            return err->code;
        }
        int rc = render_book_sheet(bk, o->sheet, cols, records, o, err);
        int rc2 = render_book_end(bk, out, err);
        return rc ? rc : rc2;
    }
    if (fmt == RENDER_CSV)
        csv_records(out, cols, records, o->bom);
    else
        table_records(out, cols, records, o, footer);
    jv_free(records);
    jv_free(footer);
    return render_out_status(out, err);
}

int render_kv(FILE *out, render_format fmt, const render_col *fields, jv record,
              const render_opts *o, armms_err *err)
{
    render_opts none = {0};
    o = o ? o : &none;
    if (fmt == RENDER_NDJSON)
        return render_ndjson(out, record, err);
    if (fmt == RENDER_XLSX) {
        jv_free(o->footer);
        render_book *bk = render_book_new(err);
        if (!bk) {
            jv_free(record);
            return err->code;
        }
        int rc = render_book_kv(bk, o->sheet, fields, record, err);
        int rc2 = render_book_end(bk, out, err);
        return rc ? rc : rc2;
    }
    if (fmt == RENDER_CSV && o->bom && !o->no_header)
        fputs("\xef\xbb\xbf", out);
    if (fmt == RENDER_CSV && !o->no_header)
        fputs("key,value\n", out);
    else if (o->title)
        fprintf(out, "%s\n", o->title);
    grid g = {.ncols = 2};
    for (const render_col *f = fields; f->title; f++) {
        if (!f->path) {
            if (fmt == RENDER_TABLE && g.nrows > 0)
                grid_row(&g);
            continue;
        }
        jv v = render_get_peek(record, f->path);
        if (!render_shown(f, fmt) || !jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL)
            continue;
        char *s = render_cell_text(f, fmt, record);
        if (fmt == RENDER_CSV) {
            csv_field(out, f->path, strlen(f->path));
            fputc(',', out);
            csv_field(out, s, strlen(s));
            fputc('\n', out);
            free(s);
            continue;
        }
        grid_row(&g);
        grid_set(&g, 0, xstrdup(f->title), 0);
        grid_set(&g, 1, s, right_aligned(f));
    }
    if (fmt == RENDER_TABLE)
        grid_write(out, &g, NULL);
    grid_free(&g);
    jv_free(record);
    jv_free(o->footer);
    return render_out_status(out, err);
}
