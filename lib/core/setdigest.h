/*
 * setdigest.h - the digest of a multiset of byte strings, kept up to date
 * one element at a time: the sum modulo 2^256 of the SHA-256 of each
 * element, each read as a 256-bit big-endian number.
 *
 * Adding and removing elements commute, so the digest kept by adding each
 * inserted row and subtracting each deleted one equals the digest computed
 * afresh from the rows, in any order (store/digest.h). The empty multiset is
 * 32 zero bytes. It detects a change; it is no signature: anyone who can
 * write the rows can also compute the digest they should have, so the
 * digest is vouched for by the journal's hash chain, not by itself.
 *
 * Uses core/sha.h (libcrypto).
 */
#ifndef ARMMS_SETDIGEST_H
#define ARMMS_SETDIGEST_H

#include <stddef.h>

#define SETDIGEST_LEN 32

/* acc += h (mod 2^256), or acc -= h: h is an element's SHA-256. */
void setdigest_add(unsigned char acc[SETDIGEST_LEN], const unsigned char h[SETDIGEST_LEN]);
void setdigest_sub(unsigned char acc[SETDIGEST_LEN], const unsigned char h[SETDIGEST_LEN]);
/* Add (sign > 0) or remove (sign < 0) the element data[0..n). */
void setdigest_update(unsigned char acc[SETDIGEST_LEN], int sign, const void *data, size_t n);
/* 64 lowercase hex digits and a NUL. */
void setdigest_hex(const unsigned char acc[SETDIGEST_LEN], char hex[2 * SETDIGEST_LEN + 1]);
/* 0, or -1 when hex is not 64 hex digits. */
int setdigest_parse(const char *hex, unsigned char acc[SETDIGEST_LEN]);

#endif
