/*
 * test_text.c - text handling shared by every tool: UTF-8 validation, JSON
 * string escaping (util.h), ULIDs (ulid.h), SHA-256 (sha.h), canonical JSON,
 * the NDJSON line reader and record parsing (ndjson.h), CSV records and
 * their recovery after a stray quote (input.h), and the Reject record
 * (reject.h).
 *
 * Digests are the published FIPS 180-2 test vectors; everything else is
 * worked out by hand.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/input.h"
#include "core/ndjson.h"
#include "core/reject.h"
#include "core/sha.h"
#include "core/ulid.h"
#include "core/util.h"
#include "t.h"

#define UTF8_OK(lit, want, ...) T_EQ_INT(utf8_valid(lit, sizeof lit - 1), want, __VA_ARGS__)

static void test_utf8(void)
{
    UTF8_OK("", 1, "the empty string is valid UTF-8");
    UTF8_OK("DET07 night shift", 1, "plain ASCII is valid UTF-8");
    UTF8_OK("Para\xc3\xb1"
            "aque",
            1, "\"Parañaque\" (n-tilde, 2 bytes) is valid UTF-8");
    UTF8_OK("\xe2\x82\xb1"
            "695.00",
            1, "the peso sign U+20B1 (3 bytes) is valid UTF-8");
    UTF8_OK("\xf0\x9f\x98\x80", 1, "an emoji U+1F600 (4 bytes) is valid UTF-8");
    UTF8_OK("\xef\xbf\xbf", 1, "U+FFFF is valid UTF-8");
    UTF8_OK("\xf4\x8f\xbf\xbf", 1, "U+10FFFF, the last code point, is valid UTF-8");
    UTF8_OK("a\0b", 1, "an embedded NUL is valid UTF-8 (length, not NUL, ends the text)");

    UTF8_OK("\xc0\xaf", 0, "the overlong 2-byte '/' C0 AF is rejected");
    UTF8_OK("\xc1\xbf", 0, "the overlong 2-byte C1 BF is rejected");
    UTF8_OK("\xe0\x80\xaf", 0, "the overlong 3-byte '/' E0 80 AF is rejected");
    UTF8_OK("\xf0\x80\x80\xaf", 0, "the overlong 4-byte '/' F0 80 80 AF is rejected");
    UTF8_OK("\xed\xa0\x80", 0, "the UTF-16 surrogate U+D800 (ED A0 80) is rejected");
    UTF8_OK("\xed\xbf\xbf", 0, "the UTF-16 surrogate U+DFFF (ED BF BF) is rejected");
    UTF8_OK("Para\xc3", 0, "a 2-byte sequence cut off at the end is rejected");
    UTF8_OK("\xe2\x82", 0, "a 3-byte sequence cut off after 2 bytes is rejected");
    UTF8_OK("\xe2\x82x", 0, "a 3-byte sequence whose third byte is ASCII is rejected");
    UTF8_OK("\xff", 0, "the byte FF is rejected");
    UTF8_OK("\xfe", 0, "the byte FE is rejected");
    UTF8_OK("\x80", 0, "a lone continuation byte is rejected");
    UTF8_OK("\xf4\x90\x80\x80", 0, "F4 90 80 80 (U+110000, past U+10FFFF) is rejected");
    UTF8_OK("\xf5\x80\x80\x80", 0, "F5 80 80 80 (past U+10FFFF) is rejected");
    T_EQ_INT(utf8_valid("\xc3\xb1", 1), 0, "a valid sequence cut short by the length is rejected");

    /* ASCII is taken eight bytes at a time: a byte anywhere in a long run,
     * at each offset from its start, and one the length leaves out */
    int bad_found = 0, good_found = 0, cut_found = 0, past_ok = 0;
    for (int k = 0; k < 24; k++) {
        char b[32];
        memset(b, 'a', sizeof b);
        b[k] = (char)0xff;
        bad_found += utf8_valid(b, 24) == 0;
        b[k] = (char)0xc3;
        b[k + 1] = (char)0xb1;
        good_found += utf8_valid(b, 26) == 1;
        cut_found += utf8_valid(b, (size_t)k + 1) == 0;
        b[k] = b[k + 1] = 'a';
        b[24] = (char)0xff;
        past_ok += utf8_valid(b, 24) == 1;
    }
    T_EQ_INT(past_ok, 24, "a byte FF just past the length is not looked at");
    T_EQ_INT(bad_found, 24, "a byte FF at each of 24 places in ASCII is rejected");
    T_EQ_INT(good_found, 24, "an n-tilde at each of 24 places in ASCII is valid");
    T_EQ_INT(cut_found, 24, "an n-tilde cut by the length at each of 24 places is rejected");
}

static void test_json_str(void)
{
    strbuf b;
    sb_init(&b);

    sb_add_json_str(&b, "Dela Cruz", 9);
    T_EQ_STR(b.s, "\"Dela Cruz\"", "plain text is quoted and left alone");
    sb_reset(&b);
    sb_add_json_str(&b, "", 0);
    T_EQ_STR(b.s, "\"\"", "the empty string becomes \"\"");
    sb_reset(&b);
    sb_add_json_str(&b, "say \"hi\"", 8);
    T_EQ_STR(b.s, "\"say \\\"hi\\\"\"", "double quotes are escaped as \\\"");
    sb_reset(&b);
    sb_add_json_str(&b, "C:\\armms", 8);
    T_EQ_STR(b.s, "\"C:\\\\armms\"", "a backslash is escaped as \\\\");
    sb_reset(&b);
    sb_add_json_str(&b, "a\nb\rc\td", 7);
    T_EQ_STR(b.s, "\"a\\nb\\rc\\td\"", "newline, CR and tab use their short escapes");
    sb_reset(&b);
    sb_add_json_str(&b, "x\x01y\x1fz", 5);
    T_EQ_STR(b.s, "\"x\\u0001y\\u001fz\"", "other control characters become \\u00XX");
    sb_reset(&b);
    sb_add_json_str(&b, "a\0b", 3);
    T_EQ_STR(b.s, "\"a\\u0000b\"", "an embedded NUL becomes \\u0000");
    T_EQ_INT(b.len, 10, "the buffer length counts the escaped bytes");
    sb_reset(&b);
    sb_add_json_str(&b,
                    "Para\xc3\xb1"
                    "aque",
                    10);
    T_EQ_STR(b.s,
             "\"Para\xc3\xb1"
             "aque\"",
             "UTF-8 text passes through unescaped");
    sb_reset(&b);
    sb_adds(&b, "{\"name\":");
    sb_add_json_str(&b, "\"", 1);
    sb_addc(&b, '}');
    T_EQ_STR(b.s, "{\"name\":\"\\\"\"}", "the escaped string appends after what is there");

    /* Whatever is escaped must parse back, through jq, to the same bytes. */
    static const char nasty[] = "q\"b\\n\nr\rt\tc\x01\x1f\x7f end";
    sb_reset(&b);
    sb_add_json_str(&b, nasty, sizeof nasty - 1);
    jv v = jv_parse_sized(b.s, (int)b.len);
    T_OK(jv_get_kind(v) == JV_KIND_STRING &&
             (size_t)jv_string_length_bytes(jv_copy(v)) == sizeof nasty - 1 &&
             memcmp(jv_string_value(v), nasty, sizeof nasty - 1) == 0,
         "an escaped string with every special character parses back unchanged");
    jv_free(v);
    sb_free(&b);
}

static int crockford_ok(const char *s)
{
    for (; *s; s++)
        if (!strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", *s))
            return 0;
    return 1;
}

static void test_ulid(void)
{
    char id[27], prev[27];
    memset(id, '#', sizeof id);
    ulid_new(id);
    T_EQ_INT(strlen(id), 26, "a ULID is 26 characters");
    T_OK(crockford_ok(id), "a ULID uses only Crockford base32 (no I, L, O, U): %s", id);
    T_OK(id[0] >= '0' && id[0] <= '7', "the first character holds only 3 bits (0..7): %s", id);

    /* The first 10 characters are the millisecond time. */
    static const char alpha[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned long long ms = 0;
    for (int i = 0; i < 10; i++)
        ms = ms * 32 + (unsigned long long)(strchr(alpha, id[i]) - alpha);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    T_OK(llabs(now_ms - (long long)ms) < 5000, "a ULID's time part is now (%llu ms vs %lld ms)",
         ms, now_ms);

    int bad_order = 0, bad_alpha = 0, bad_len = 0;
    memcpy(prev, id, sizeof prev);
    for (int i = 0; i < 10000; i++) {
        ulid_new(id);
        bad_len += strlen(id) != 26;
        bad_alpha += !crockford_ok(id);
        bad_order += strcmp(prev, id) >= 0;
        memcpy(prev, id, sizeof prev);
    }
    T_EQ_INT(bad_order, 0, "10,000 successive ULIDs are strictly increasing");
    T_EQ_INT(bad_alpha, 0, "10,000 successive ULIDs are all Crockford base32");
    T_EQ_INT(bad_len, 0, "10,000 successive ULIDs are all 26 characters");

    /* The encoding, against ULIDs worked out by hand (the spec's example
     * time 1469918176385 is 01ARYZ6S41) and the two ends of the range. */
    static const uint8_t r1[10] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc};
    static const uint8_t r0[10] = {0}, rf[10] = {255, 255, 255, 255, 255, 255, 255, 255, 255, 255};
    ulid_encode(1469918176385ULL, r1, id);
    T_EQ_STR(id, "01ARYZ6S4104HMASW9NF6YZZPW", "ulid_encode of a known time and random part");
    ulid_encode(0, r0, id);
    T_EQ_STR(id, "00000000000000000000000000", "ulid_encode of all zero bits");
    ulid_encode((1ULL << 48) - 1, rf, id);
    T_EQ_STR(id, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", "ulid_encode of all 128 bits set");
}

static void test_sha256(void)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
             "sha256(\"abc\") is the FIPS 180-2 value");
    sha256_hex("", 0, hex);
    T_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
             "sha256 of nothing is e3b0c442...b855");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    T_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
             "sha256 of the 448-bit FIPS message is 248d6a61...06c1");
    sha256_hex2("ab", 2, "c", 1, hex);
    T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
             "sha256 of \"ab\" || \"c\" equals sha256(\"abc\")");
    sha256_hex2("", 0, "abc", 3, hex);
    T_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
             "sha256 of \"\" || \"abc\" equals sha256(\"abc\")");
    T_EQ_INT(strlen(hex), 64, "the digest is 64 lowercase hex characters");
}

static void test_canonical(void)
{
    char *s;
    s = json_canonical(jv_parse("{\"b\":1,\"a\":{\"d\":2,\"c\":3},\"c\":[3,1]}"));
    T_EQ_STR(s, "{\"a\":{\"c\":3,\"d\":2},\"b\":1,\"c\":[3,1]}",
             "canonical JSON sorts keys at every depth and keeps array order");
    free(s);
    s = json_canonical(jv_parse("{ \"guard_id\" : \"G-001\" ,\n \"daily_rate\" : 69500 }"));
    T_EQ_STR(s, "{\"daily_rate\":69500,\"guard_id\":\"G-001\"}",
             "canonical JSON is compact (no spaces or newlines)");
    free(s);
    s = json_canonical(jv_parse("{\"z\":null,\"Z\":true,\"a\":\"x\"}"));
    T_EQ_STR(s, "{\"Z\":true,\"a\":\"x\",\"z\":null}", "keys sort by bytes: upper case first");
    free(s);
}

/* A temp file holding exactly the given bytes, opened for reading. */
static int temp_input(const char *bytes, size_t n)
{
    char path[] = "/tmp/armms-test-text-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    if (write_all(fd, bytes, n) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A pipe fed by a child process, so the reader sees pipe-sized reads. */
static int piped_input(const char *bytes, size_t n, pid_t *pid)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    *pid = fork();
    if (*pid == 0) {
        close(p[0]);
        _exit(write_all(p[1], bytes, n) == 0 ? 0 : 1);
    }
    close(p[1]);
    return p[0];
}

static void test_line_reader_small(void)
{
    static const char in[] = "{\"a\":1}\r\n"
                             "\n"
                             "   \r\n"
                             "{\"b\":2}\n"
                             "{\"c\":3}";
    pid_t pid;
    int fd = piped_input(in, sizeof in - 1, &pid);
    line_reader r;
    char *line = NULL;
    size_t len = 0;

    line_reader_init(&r, fd, "<pipe>");
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "the first line is read");
    T_EQ_STR(line, "{\"a\":1}", "a CRLF line loses its CR");
    T_EQ_INT(len, 7, "and its length counts neither CR nor LF");
    T_EQ_INT(r.lineno, 1, "it is line 1");
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "the next non-blank line is read");
    T_EQ_STR(line, "{\"b\":2}", "an empty line and a line of spaces and CR are skipped");
    T_EQ_INT(r.lineno, 4, "the skipped blank lines still count: it is line 4");
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "a last line without a newline is read");
    T_EQ_STR(line, "{\"c\":3}", "the last line is whole");
    T_EQ_INT(len, 7, "the last line has its full length");
    T_EQ_INT(r.lineno, 5, "the last line is line 5");
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "then the input is at its end");
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "and stays at its end");
    line_reader_free(&r);
    close(fd);
    int st;
    waitpid(pid, &st, 0);

    fd = temp_input("", 0);
    line_reader_init(&r, fd, "empty");
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "an empty input has no lines");
    T_EQ_INT(r.lineno, 0, "and no line number");
    line_reader_free(&r);
    close(fd);

    fd = temp_input("\n\n \n", 4);
    line_reader_init(&r, fd, "blank");
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "an input of blank lines has no records");
    line_reader_free(&r);
    close(fd);
}

/* "{"first":1}\n" + (1 MiB + 10) x "x" + "\n" + "{"after":3}\n" */
static char *long_line_input(size_t *n)
{
    static const char first[] = "{\"first\":1}\n", after[] = "{\"after\":3}\n";
    size_t big = NDJSON_MAX_LINE + 10;
    *n = (sizeof first - 1) + big + 1 + (sizeof after - 1);
    char *buf = xmalloc(*n);
    char *p = buf;
    memcpy(p, first, sizeof first - 1);
    p += sizeof first - 1;
    memset(p, 'x', big);
    p += big;
    *p++ = '\n';
    memcpy(p, after, sizeof after - 1);
    return buf;
}

static void check_long_line(int fd, const char *how)
{
    line_reader r;
    char *line = NULL;
    size_t len = 0;
    line_reader_init(&r, fd, how);
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "%s: the line before a huge line is read", how);
    T_EQ_STR(line, "{\"first\":1}", "%s: and is whole", how);
    int rc = line_next(&r, &line, &len);
    T_EQ_INT(rc, LINE_TOO_LONG, "%s: a line of 1 MiB + 10 bytes is reported LINE_TOO_LONG", how);
    T_EQ_INT(r.lineno, 2, "%s: the too-long line is line 2", how);
    T_OK(rc == LINE_TOO_LONG && len > 0 && len <= 4096 && line[0] == 'x' && line[len - 1] == 'x',
         "%s: the report carries the first bytes of the line (%zu of them)", how, len);
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "%s: the line after the huge one is read", how);
    T_EQ_STR(line, "{\"after\":3}", "%s: and is whole, not a leftover of the huge line", how);
    T_EQ_INT(r.lineno, 3, "%s: it is line 3", how);
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "%s: then the input ends", how);
    line_reader_free(&r);
}

static void test_line_reader_long(void)
{
    size_t n;
    char *in = long_line_input(&n);

    int fd = temp_input(in, n);
    check_long_line(fd, "file");
    close(fd);

    pid_t pid;
    int st;
    fd = piped_input(in, n, &pid);
    check_long_line(fd, "pipe");
    close(fd);
    waitpid(pid, &st, 0);

    /* Exactly NDJSON_MAX_LINE bytes is still a line. */
    size_t max = NDJSON_MAX_LINE;
    char *edge = xmalloc(max + 1 + 8);
    memset(edge, 'y', max);
    edge[max] = '\n';
    memcpy(edge + max + 1, "{\"z\":1}", 7);
    fd = temp_input(edge, max + 1 + 7);
    line_reader r;
    char *line = NULL;
    size_t len = 0;
    line_reader_init(&r, fd, "edge");
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "a line of exactly 1 MiB is not too long");
    T_EQ_INT(len, max, "and is returned whole (1048576 bytes)");
    T_EQ_INT(line_next(&r, &line, &len), LINE_OK, "the line after it is read");
    T_EQ_STR(line, "{\"z\":1}", "the line after a 1 MiB line is whole");
    T_EQ_INT(r.lineno, 2, "and is line 2");
    line_reader_free(&r);
    close(fd);

    /* A huge last line without a newline. */
    memset(edge, 'y', max + 8);
    fd = temp_input(edge, max + 8);
    line_reader_init(&r, fd, "tail");
    T_EQ_INT(line_next(&r, &line, &len), LINE_TOO_LONG,
             "a huge last line without a newline is LINE_TOO_LONG");
    T_EQ_INT(r.lineno, 1, "and is line 1");
    T_EQ_INT(line_next(&r, &line, &len), LINE_EOF, "then the input ends");
    line_reader_free(&r);
    close(fd);
    free(edge);
    free(in);
}

#define PARSE_AS(lit, want, ...)                                                                  \
    do {                                                                                          \
        rejection f_;                                                                             \
        jv v_ = ndjson_parse_object(lit, sizeof lit - 1, &f_);                                    \
        const char *w_ = (want);                                                                  \
        T_OK(!jv_is_valid(v_) && f_.code && strcmp(f_.code, w_) == 0 && f_.msg[0], __VA_ARGS__);  \
        if (f_.code && strcmp(f_.code, w_) != 0)                                                  \
            printf("#   got code %s (%s)\n", f_.code, f_.msg);                                    \
        jv_free(v_);                                                                              \
    } while (0)

static void test_parse_object(void)
{
    rejection f;
    static const char rec[] = "{\"guard_id\":\"G-001\",\"name\":\"Para\xc3\xb1"
                              "aque\"}";
    jv v = ndjson_parse_object(rec, sizeof rec - 1, &f);
    T_OK(jv_get_kind(v) == JV_KIND_OBJECT, "a JSON object line is a record");
    T_OK(f.code == NULL, "a good record has no failure code");
    int bad = 0;
    T_EQ_STR(json_str_peek(v, "guard_id", &bad), "G-001", "json_str_peek reads a string field");
    T_OK(json_str_peek(v, "missing", &bad) == NULL && !bad, "a missing field is NULL, not bad");
    T_OK(json_has_peek(v, "name") && !json_has_peek(v, "missing"),
         "json_has_peek tells present from absent");
    jv_free(v);

    static const char numrec[] = "{\"guard_id\":7,\"x\":null}";
    v = ndjson_parse_object(numrec, sizeof numrec - 1, &f);
    bad = 0;
    T_OK(json_str_peek(v, "guard_id", &bad) == NULL && bad,
         "a number where a string belongs is bad");
    bad = 0;
    T_OK(json_str_peek(v, "x", &bad) == NULL && !bad, "a null field reads as absent, not bad");
    T_OK(!json_has_peek(v, "x"), "json_has_peek treats a null field as absent");
    jv_free(v);

    PARSE_AS("{\"guard_id\":", "PARSE", "a cut-off object is PARSE");
    PARSE_AS("{guard_id:1}", "PARSE", "unquoted keys are PARSE");
    PARSE_AS("{\"a\":1} {\"b\":2}", "PARSE", "two objects on one line are PARSE");
    PARSE_AS("[1,2]", "NOT_OBJECT", "an array is NOT_OBJECT");
    PARSE_AS("42", "NOT_OBJECT", "a number is NOT_OBJECT");
    PARSE_AS("\"G-001\"", "NOT_OBJECT", "a string is NOT_OBJECT");
    PARSE_AS("null", "NOT_OBJECT", "null is NOT_OBJECT");
    PARSE_AS("{\"name\":\"Para\xf1"
             "aque\"}",
             "BAD_UTF8", "Latin-1 text (F1 for n-tilde) is BAD_UTF8");
    PARSE_AS("{\"a\":\"\xed\xa0\x80\"}", "BAD_UTF8", "an encoded surrogate is BAD_UTF8");
    PARSE_AS("\xff{", "BAD_UTF8", "bad UTF-8 is reported before a syntax error");
}

/* The next CSV item: its status, line and (for INPUT_OK) the value of key. */
static int csv_item(input_source *r, long *line, const char *key, char *val, size_t vn)
{
    jv v;
    input_item it;
    armms_err err = {0};
    int st = input_next(r, &v, &it, &err);
    *line = it.line;
    val[0] = 0;
    if (st == INPUT_OK) {
        const char *s = json_str_peek(v, key, NULL);
        snprintf(val, vn, "%s", s ? s : "(null)");
        jv_free(v);
    } else if (st == INPUT_BAD) {
        snprintf(val, vn, "%s", it.why.code);
    }
    return st;
}

/* ndjson_parse_peek: the kept members of a line as C strings, a kept
 * object followed by its own members; anything it does not take is -1. */
static void test_parse_peek(void)
{
    static const char *const keep[] = {"kind", "v", "guard_id", "was", "anomalies", NULL};
    ndjson_member m[8];
    strbuf copy;
    sb_init(&copy);
    int n;
    const char *line = "{\"kind\":\"TimeLog\",\"v\":1,\"ts\":\"x\",\"guard_id\":\"\","
                       "\"anomalies\":[\"A\"],\"was\":{\"work_date\":\"2026-10-19\","
                       "\"deep\":{\"guard_id\":\"no\"},\"n\":null},\"more\":{\"v\":2}}";
    T_EQ_INT(ndjson_parse_peek(line, strlen(line), keep, m, 8, &n, &copy), 0,
             "a TimeLog with nesting is taken");
    T_EQ_INT(n, 8, "its kept members: kind, v, guard_id, anomalies, was and was's three");
    T_EQ_STR(m[0].key, "kind", "keys are C strings");
    T_EQ_STR(m[0].val, "TimeLog", "strings are C strings");
    T_EQ_STR(m[1].val, "1", "a number is its text");
    T_OK(m[1].kind == JV_KIND_NUMBER, "and of kind number");
    T_EQ_STR(m[2].val, "", "an empty string is one");
    T_OK(m[3].kind == JV_KIND_ARRAY && !m[3].val, "a kept array is a member holding nothing");
    T_OK(m[4].kind == JV_KIND_OBJECT && m[4].vlen == 3, "a kept object counts its members");
    T_EQ_STR(m[5].val, "2026-10-19", "which follow it");
    T_OK(m[6].kind == JV_KIND_OBJECT && m[6].vlen == 0, "an object inside it holds nothing");
    T_OK(m[7].kind == JV_KIND_NULL && !strcmp(m[7].key, "n"), "null is a kind");
    T_OK(strncmp(line, copy.s, strlen(line)) != 0 && copy.len == strlen(line),
         "the copy is the line, cut by NULs; the line is untouched");
    static const struct {
        const char *line, *why;
    } refused[] = {
        {"{\"guard_id\":\"G\\u0031\"}", "a backslash"},
        {"{\"guard_id\":\"G1\",\"guard_id\":\"G2\"}", "a kept key twice"},
        {"{\"was\":{\"a\":1,\"a\":2}}", "a kept object's key twice"},
        {"[{\"guard_id\":\"G1\"}]", "not an object"},
        {"\"guard_id\"", "a bare value"},
        {"{\"guard_id\":\"G1\"", "a line cut short"},
        {"{\"v\":1234567890123456789012345678901234567890123456789012345678901234567}",
         "a number of 64 digits or more"},
        {"{\"was\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8}}",
         "more kept members than there is room for"},
        {"{\"kind\":\"\xff\"}", "bytes that are not UTF-8"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        T_EQ_INT(
            ndjson_parse_peek(refused[i].line, strlen(refused[i].line), keep, m, 8, &n, &copy), -1,
            "left to libjq: %s", refused[i].why);
    const char *other = "{\"guard_id\":\"G1\",\"x\":{\"guard_id\":\"G2\",\"guard_id\":\"G3\"}}";
    T_EQ_INT(ndjson_parse_peek(other, strlen(other), keep, m, 8, &n, &copy), 0,
             "keys twice in a member not kept are passed over");
    T_OK(n == 1 && !strcmp(m[0].val, "G1"), "and only the kept member is there");
    sb_free(&copy);
}

static void test_csv_records(void)
{
    static const char in[] = "id,note\n"
                             "a,\"one\n"     /* 2: a stray quote */
                             "b,two\n"       /* 3 */
                             "c,\"x\n y\"\n" /* 4-5: a field over two lines */
                             "\n"            /* 6: blank */
                             "d,\"open";     /* 7: never closed */
    int fd = temp_input(in, sizeof in - 1);
    input_source r;
    armms_err err = {0};
    long line;
    char val[64];
    T_EQ_INT(input_open(&r, fd, "t.csv", INPUT_CSV, &err), 0, "a CSV source opens");
    T_EQ_INT(csv_item(&r, &line, "id", val, sizeof val), INPUT_BAD, "a stray quote is a bad row");
    T_EQ_STR(val, "PARSE", "reported as PARSE");
    T_EQ_INT(line, 2, "at its own line");
    T_EQ_STR(input_header_text(&r), "id,note", "the header row is kept as read");
    T_EQ_INT(csv_item(&r, &line, "note", val, sizeof val), INPUT_OK, "the row after it is read");
    T_EQ_STR(val, "two", "whole");
    T_EQ_INT(line, 3, "at line 3");
    T_EQ_INT(csv_item(&r, &line, "note", val, sizeof val), INPUT_OK,
             "a quoted field over two lines is one record");
    T_EQ_STR(val, "x\n y", "with its newline");
    T_EQ_INT(line, 4, "numbered by its first line");
    T_EQ_INT(csv_item(&r, &line, "id", val, sizeof val), INPUT_BAD,
             "a quote open at the end of the input is a bad row");
    T_EQ_INT(line, 7, "at its own line, past the blank one");
    T_EQ_INT(csv_item(&r, &line, "id", val, sizeof val), INPUT_EOF, "then the input ends");
    input_close(&r);
    close(fd);

    jv v;
    rejection rj = {0};
    T_EQ_INT(input_csv_record("id,note", 7, "a,\"x\ny\"", 7, &v, &rj), INPUT_OK,
             "a Reject's CSV record reads under its header");
    T_EQ_STR(json_str_peek(v, "note", NULL), "x\ny", "with the value it had");
    jv_free(v);
    T_EQ_INT(input_csv_record("id,note", 7, "a,b\nc,d", 7, &v, &rj), INPUT_BAD,
             "two records where one was kept are refused");
    T_EQ_INT(input_csv_record("id,id", 5, "a,b", 3, &v, &rj), INPUT_BAD,
             "a header naming a column twice is refused");
}

static void test_reject_origin(void)
{
    FILE *f = tmpfile();
    reject_sink rs;
    reject_attach(&rs, f);
    rs.origin = (reject_origin){.format = "csv", .header = "id,note", .import = "guard"};
    rejection rj;
    rejection_set(&rj, "BAD_FIELD", "note is bad");
    size_t big = 8000;
    char *input = xmalloc(big);
    memset(input, 'n', big);
    reject_emit(&rs, &rj, "t.csv", 2, input, big);
    rewind(f);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    T_OK(n > 0, "a Reject is written");
    jv v = jv_parse(line);
    jv in = jv_object_get(jv_copy(v), jv_string("input"));
    T_EQ_INT(jv_string_length_bytes(in), (long long)big, "its input is whole past 4 KiB");
    T_EQ_STR(json_str_peek(v, "format", NULL), "csv", "it says the record was CSV");
    T_EQ_STR(json_str_peek(v, "header", NULL), "id,note", "under which header");
    T_EQ_STR(json_str_peek(v, "import", NULL), "guard", "read for which kind");
    T_OK(!json_has_peek(v, "device") && !json_has_peek(v, "truncated"),
         "and has no field that was not set");
    jv_free(v);
    free(line);
    free(input);
    reject_close(&rs);
    fclose(f);
}

int main(void)
{
    test_utf8();
    test_json_str();
    test_ulid();
    test_parse_peek();
    test_sha256();
    test_canonical();
    test_line_reader_small();
    test_line_reader_long();
    test_parse_object();
    test_csv_records();
    test_reject_origin();
    return t_done();
}
