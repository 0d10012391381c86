/*
 * notify_int.h - what notify.c (the store, events, delivery) and
 * notify_mail.c (the MIME message, the sendmail call) share; private to
 * them. Uses core.
 */
#ifndef ARMMS_OUT_NOTIFY_INT_H
#define ARMMS_OUT_NOTIFY_INT_H

#include <stddef.h>

#include "core/util.h"

/* One message as it is written. */
typedef struct notify_mail {
    long long id;
    const char *event_id, *period, *guard, *email, *name, *agency;
    const char *from, *subject_tmpl, *date; /* date: ISO-8601 UTC instant */
    const char *pdf;                        /* the payslip PDF */
    size_t pdf_len;
} notify_mail;

/* The whole message (RFC 5322 with MIME, LF line ends as the sendmail
 * interface takes them): multipart/mixed, a short text part and the PDF
 * base64-encoded by OpenSSL's EVP encoder. */
void notify_mail_build(strbuf *out, const notify_mail *m);
/* Run cmd by /bin/sh with the message on its standard input, the process
 * without any group privilege of a multi-user installation. *status: its
 * exit status (0 taken; 128 + N killed by signal N); diag: the end of what
 * it wrote on stderr, every address in it masked. 0, or an EXIT_* code
 * when it could not be run at all. */
int notify_mail_submit(const char *cmd, const char *msg, size_t len, int *status, strbuf *diag,
                       armms_err *err);

#endif
