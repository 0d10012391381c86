/*
 * notify_mail.c - a payslip message and its submission through the
 * sendmail interface (see notify_int.h). Base64 is OpenSSL's EVP encoder
 * (64-column lines, as MIME allows), never one of our own.
 */
#define _GNU_SOURCE
#include "out/notify_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/email.h"
#include "core/sha.h"

/* n bytes of s base64-encoded in 64-column lines, each ended by LF. */
static void add_base64_lines(strbuf *b, const char *s, size_t n)
{
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!ctx)
        armms_fatal("libcrypto cannot encode base64");
    EVP_EncodeInit(ctx);
    unsigned char out[1 << 14];
    int k;
    for (size_t i = 0; i < n;) {
        /* at most 48 * 200 input bytes give 64 * 200 + 200 output bytes */
        size_t chunk = n - i < 9600 ? n - i : 9600;
        if (EVP_EncodeUpdate(ctx, out, &k, (const unsigned char *)s + i, (int)chunk) != 1)
            armms_fatal("libcrypto cannot encode base64");
        sb_add(b, (const char *)out, (size_t)k);
        i += chunk;
    }
    EVP_EncodeFinal(ctx, out, &k);
    sb_add(b, (const char *)out, (size_t)k);
    EVP_ENCODE_CTX_free(ctx);
}

/* n bytes of s base64-encoded on one line, no line end (an encoded-word). */
static void add_base64_word(strbuf *b, const char *s, size_t n)
{
    unsigned char out[128]; /* callers pass at most 45 bytes: 60 out */
    if (n > 90)
        n = 90;
    int k = EVP_EncodeBlock(out, (const unsigned char *)s, (int)n);
    sb_add(b, (const char *)out, (size_t)k);
}

static int ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* A header value from text: control characters (a line break above all)
 * become spaces, so nothing the text holds can start a header of its own;
 * non-ASCII text becomes RFC 2047 encoded-words of at most 45 bytes each,
 * cut between UTF-8 sequences, on folded lines. */
static void add_header_text(strbuf *b, const char *text)
{
    strbuf t;
    sb_init(&t);
    for (const char *p = text; *p; p++)
        sb_addc(&t, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
    if (ascii_only(t.s)) {
        sb_adds(b, t.s);
        sb_free(&t);
        return;
    }
    for (size_t i = 0; i < t.len;) {
        size_t n = t.len - i < 45 ? t.len - i : 45;
        while (i + n < t.len && ((unsigned char)t.s[i + n] & 0xc0) == 0x80)
            n--;
        if (i)
            sb_adds(b, "\n ");
        sb_adds(b, "=?UTF-8?B?");
        add_base64_word(b, t.s + i, n);
        sb_adds(b, "?=");
        i += n;
    }
    sb_free(&t);
}

/* The subject: the template with {period}, {agency}, {guard}, {name}. */
static void expand(strbuf *b, const char *tmpl, const notify_mail *m)
{
    static const char *const keys[] = {"{period}", "{agency}", "{guard}", "{name}"};
    const char *vals[] = {m->period, m->agency, m->guard, m->name};
    for (const char *p = tmpl; *p;) {
        int hit = 0;
        for (int i = 0; i < 4 && !hit; i++) {
            size_t l = strlen(keys[i]);
            if (!strncmp(p, keys[i], l)) {
                sb_adds(b, vals[i] ? vals[i] : "");
                p += l;
                hit = 1;
            }
        }
        if (!hit)
            sb_addc(b, *p++);
    }
}

/* "Fri, 20 Nov 2026 10:00:00 +0000" (RFC 5322 3.3), the names in English
 * whatever the locale. */
static void rfc5322_date(const char *iso, char buf[40])
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    instant_t t = 0;
    if (iso_parse(iso, &t, NULL) != 0)
        t = (instant_t)time(NULL);
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void notify_mail_build(strbuf *out, const notify_mail *m)
{
    /* the boundary: "=_" never occurs in base64 text, and the parts are
     * base64 or 7-bit text this code wrote */
    char hex[65], date[40];
    char *seed = xasprintf("%s/%lld/%s", m->event_id, m->id, m->guard);
    sha256_hex(seed, strlen(seed), hex);
    free(seed);
    hex[24] = 0;
    rfc5322_date(m->date, date);
    const char *domain = strchr(m->from, '@');
    domain = domain ? domain + 1 : "localhost";

    sb_adds(out, "From: ");
    sb_adds(out, m->from);
    sb_adds(out, "\nTo: ");
    sb_adds(out, m->email);
    sb_adds(out, "\nSubject: ");
    strbuf subj;
    sb_init(&subj);
    expand(&subj, m->subject_tmpl, m);
    add_header_text(out, subj.s ? subj.s : "");
    sb_free(&subj);
    sb_addf(out, "\nDate: %s\n", date);
    /* the same on every try of this message (notify.h: the one window) */
    sb_addf(out, "Message-ID: <armms.%s.%lld@%s>\n", m->event_id, m->id, domain);
    sb_adds(out, "Auto-Submitted: auto-generated\n");
    sb_adds(out, "MIME-Version: 1.0\n");
    sb_addf(out, "Content-Type: multipart/mixed; boundary=\"=_armms_%s\"\n\n", hex);
    sb_adds(out, "This is a message in MIME format: your payslip is attached as a PDF.\n\n");

    strbuf text;
    sb_init(&text);
    sb_addf(&text,
            "Good day,\n\nattached as a PDF file is the payslip of %s (%s) for the pay"
            " period %s.\n\n",
            m->name && *m->name ? m->name : m->guard, m->guard, m->period);
    sb_addf(&text,
            "This message was sent automatically by %s's payroll; please do not reply to it.\n"
            "Questions about your pay go to your payroll officer.\n",
            m->agency);
    sb_addf(out, "--=_armms_%s\nContent-Type: text/plain; charset=UTF-8\n", hex);
    if (ascii_only(text.s)) {
        sb_adds(out, "Content-Transfer-Encoding: 7bit\n\n");
        sb_add(out, text.s, text.len);
    } else {
        sb_adds(out, "Content-Transfer-Encoding: base64\n\n");
        add_base64_lines(out, text.s, text.len);
    }
    sb_free(&text);
    sb_addf(out,
            "\n--=_armms_%s\nContent-Type: application/pdf; name=\"payslip-%s-%s.pdf\"\n"
            "Content-Disposition: attachment; filename=\"payslip-%s-%s.pdf\"\n"
            "Content-Transfer-Encoding: base64\n\n",
            hex, m->period, m->guard, m->period, m->guard);
    add_base64_lines(out, m->pdf, m->pdf_len);
    sb_addf(out, "\n--=_armms_%s--\n", hex);
}

int notify_mail_submit(const char *cmd, const char *msg, size_t len, int *status, strbuf *diag,
                       armms_err *err)
{
    int in[2], er[2];
    *status = -1;
    if (pipe2(in, O_CLOEXEC) != 0)
        return err_set(err, EXIT_SOFTWARE, "cannot make a pipe: %s", strerror(errno));
    if (pipe2(er, O_CLOEXEC) != 0) {
        close(in[0]);
        close(in[1]);
        return err_set(err, EXIT_SOFTWARE, "cannot make a pipe: %s", strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(in[0]);
        close(in[1]);
        close(er[0]);
        close(er[1]);
        return err_set(err, EXIT_SOFTWARE, "cannot start the mail program: %s", strerror(e));
    }
    if (pid == 0) {
        /* the mail program runs as the person who runs armms-notify: in a
         * multi-user installation it gets no group privilege of ours */
        gid_t g = getgid();
        if (setresgid(g, g, g) != 0)
            _exit(126);
        dup2(in[0], 0);
        dup2(er[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(er[1]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    struct pollfd fds[2] = {{in[1], POLLOUT, 0}, {er[0], POLLIN, 0}};
    size_t done = 0;
    strbuf e;
    sb_init(&e);
    int open_in = 1, open_er = 1;
    if (len == 0) {
        close(in[1]);
        open_in = 0;
    }
    while (open_in || open_er) {
        fds[0].fd = open_in ? in[1] : -1;
        fds[1].fd = open_er ? er[0] : -1;
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (open_in && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t k = write(in[1], msg + done, len - done > 65536 ? 65536 : len - done);
            if (k > 0)
                done += (size_t)k;
            if (k < 0 && errno != EINTR && errno != EAGAIN)
                done = len; /* it stopped reading: its exit status says why */
            if (done == len) {
                close(in[1]);
                open_in = 0;
            }
        }
        if (open_er && (fds[1].revents & (POLLIN | POLLERR | POLLHUP))) {
            char buf[4096];
            ssize_t k = read(er[0], buf, sizeof buf);
            if (k > 0) {
                /* keep the last 4 KiB */
                sb_add(&e, buf, (size_t)k);
                if (e.len > 4096) {
                    memmove(e.s, e.s + e.len - 4096, 4096);
                    e.len = 4096;
                    e.s[e.len] = 0;
                }
            } else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(er[0]);
                open_er = 0;
            }
        }
    }
    if (open_in)
        close(in[1]);
    if (open_er)
        close(er[0]);
    signal(SIGPIPE, old);
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
    /* what it said, its lines joined by "; ", the last 400 bytes, every
     * address in it masked */
    strbuf j;
    sb_init(&j);
    for (size_t i = 0; i < e.len;) {
        size_t l = strcspn(e.s + i, "\r\n");
        if (l) {
            if (j.len)
                sb_adds(&j, "; ");
            sb_add(&j, e.s + i, l);
        }
        i += l + (i + l < e.len);
    }
    size_t from = j.len > 400 ? j.len - 400 : 0;
    while (from > 0 && from < j.len && ((unsigned char)j.s[from] & 0xc0) == 0x80)
        from++;
    if (j.len)
        email_mask_text(diag, j.s + from, j.len - from);
    sb_free(&j);
    sb_free(&e);
    return 0;
}
