/*
 * test_email.c - a guard's e-mail address: the plain shape it must have,
 * so that it can go into a To: header as it is, and its masked form
 * (lib/core/email.h).
 */
#include <string.h>

#include "core/email.h"
#include "t.h"

static void test_valid(void)
{
    static const char *const ok[] = {
        "juan.santos@example.com",     "a@b.co",
        "ana+payslip@mail.example.ph", "o'neil@example.com",
        "x_y-z@sub.domain-1.example",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        T_OK(email_valid(ok[i], NULL), "%s is an address", ok[i]);
    static const struct {
        const char *s, *what;
    } bad[] = {
        {"", "an empty text"},
        {"juan", "no @"},
        {"a@b@c.com", "two @"},
        {"@example.com", "no local part"},
        {"juan@localhost", "a domain without a dot"},
        {"juan@-x.com", "a label starting with a hyphen"},
        {"juan@x..com", "an empty label"},
        {".juan@x.com", "a leading dot"},
        {"ju..an@x.com", "two dots in a row"},
        {"juan santos@x.com", "a space"},
        {"Juan <juan@x.com>", "a display name"},
        {"juan@x.com, ana@y.com", "a second address"},
        {"juan@x.com\nBcc: all@y.com", "a line break (a header injected)"},
        {"juan@x.com\r", "a carriage return"},
        {"ju\"an@x.com", "a quote"},
        {"juan@[127.0.0.1]", "an IP literal"},
        {"pe\xc3\xb1"
         "a@x.com",
         "non-ASCII in the local part"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *why = NULL;
        T_OK(!email_valid(bad[i].s, &why) && why && *why, "%s is refused, with a reason",
             bad[i].what);
    }
    char big[300];
    memset(big, 'a', 65);
    strcpy(big + 65, "@x.com");
    T_OK(!email_valid(big, NULL), "a local part of 65 characters is refused");
}

static void test_mask(void)
{
    strbuf b;
    sb_init(&b);
    email_mask(&b, "juan.santos@example.com");
    T_EQ_STR(b.s, "j***@example.com", "an address shows its first character and its domain");
    sb_reset(&b);
    email_mask(&b, "\xc3\xb1o@example.com");
    T_EQ_STR(b.s, "\xc3\xb1***@example.com", "a first character of two bytes is kept whole");
    sb_reset(&b);
    email_mask(&b, "nothing");
    T_EQ_STR(b.s, "***", "a text without an @ is masked whole");
    sb_reset(&b);
    const char *msg = "msmtp: recipient address <ben.cruz@example.com> not accepted; "
                      "from=payroll@bantay.example";
    email_mask_text(&b, msg, strlen(msg));
    T_EQ_STR(b.s,
             "msmtp: recipient address <b***@example.com> not accepted; from=p***@bantay.example",
             "every address in a mail program's message is masked, the rest kept");
    sb_free(&b);
}

int main(void)
{
    test_valid();
    test_mask();
    return t_done();
}
