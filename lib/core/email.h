/*
 * email.h - an e-mail address as ARMMS keeps one (hr.db guard.email):
 * the shape it must have and the form in which it may be shown.
 * Uses nothing of ARMMS.
 *
 * The shape is a plain addr-spec, deliberately narrower than RFC 5322:
 * local@domain, at most 254 bytes, a local part of 1 to 64 bytes of
 * printable ASCII other than space and ()<>[]:;,"\ and a domain of dot
 * separated labels of letters, digits and hyphens (no IP literal, no
 * quoted local part, no comment). An address of that shape goes into a
 * To: header as it is: it can hold no line break, no second address and
 * nothing a mail client would read as a display name, so no header can
 * be injected through master data.
 *
 * An address is personal data: it is never shown whole. email_mask writes
 * the first character of the local part, three asterisks and the domain
 * (juan.santos@example.com -> j***@example.com).
 */
#ifndef ARMMS_EMAIL_H
#define ARMMS_EMAIL_H

#include <stddef.h>

#include "core/util.h"

/* 1 when s has the shape above; *why (when not NULL) names what is wrong. */
int email_valid(const char *s, const char **why);
/* Append the masked form of s to b: "j***@example.com"; a text without an
 * '@' is masked whole ("***"). */
void email_mask(strbuf *b, const char *s);
/* Append text to b with every word that holds an '@' (a run of characters
 * other than space, quotes, <>()[],;:=) masked as email_mask does: for a
 * mail program's message, which may quote the address it failed on. */
void email_mask_text(strbuf *b, const char *text, size_t n);

#endif
