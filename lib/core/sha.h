/*
 * sha.h - SHA-256 through OpenSSL's libcrypto, as lowercase hex.
 *
 * Like xmalloc, these never return an error: libcrypto fails a digest only
 * when it cannot allocate, and then armms_fatal (util.h) ends the process.
 *
 * Uses core/util.h and libcrypto.
 */
#ifndef ARMMS_SHA_H
#define ARMMS_SHA_H

#include <stddef.h>

/* hex must hold 65 bytes. */
void sha256_hex(const void *data, size_t n, char *hex);
/* The 32 bytes themselves (store digests add them up, core/setdigest.h). */
void sha256_raw(const void *data, size_t n, unsigned char md[32]);
/* sha256 of a || b, for the journal's hash chain. */
void sha256_hex2(const void *a, size_t na, const void *b, size_t nb, char *hex);

/* A digest fed in pieces (a file streamed through): begin, add as often as
 * need be, end (which frees it and writes 65 bytes of hex). */
typedef struct sha256_stream sha256_stream;
sha256_stream *sha256_begin(void);
void sha256_add(sha256_stream *s, const void *data, size_t n);
void sha256_end(sha256_stream *s, char *hex);

#endif
