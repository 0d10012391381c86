/*
 * sha.c - see sha.h.
 */
#include "core/sha.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
    static const char h[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        hex[2 * i] = h[md[i] >> 4];
        hex[2 * i + 1] = h[md[i] & 15];
    }
    hex[2 * n] = 0;
}

/* One digest context a thread (pay checks snapshots on threads of its
 * own, core/ahead.h), freed when the thread ends. */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;

static void ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

/* SHA-256 fetched once from the default provider: EVP_sha256() at each
 * init makes libcrypto 3 look the implementation up again, under a lock
 * every thread takes. Never freed (one a process). */
static EVP_MD *sha256_md;

static void ctx_key_make(void)
{
    if (pthread_key_create(&ctx_key, ctx_free))
        armms_fatal("cannot make a thread key");
    if (!(sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)))
        armms_fatal("libcrypto: no SHA-256");
}

static unsigned sha256_of(const void *a, size_t na, const void *b, size_t nb,
                          unsigned char md[EVP_MAX_MD_SIZE])
{
    pthread_once(&ctx_once, ctx_key_make);
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    unsigned n = 0;
    if (!ctx) {
        if (!(ctx = EVP_MD_CTX_new()))
            armms_fatal("libcrypto: cannot allocate a digest");
        pthread_setspecific(ctx_key, ctx);
    }
    if (EVP_DigestInit_ex(ctx, sha256_md, NULL) != 1 ||
        (na && EVP_DigestUpdate(ctx, a, na) != 1) || (nb && EVP_DigestUpdate(ctx, b, nb) != 1) ||
        EVP_DigestFinal_ex(ctx, md, &n) != 1)
        armms_fatal("libcrypto: sha256 failed");
    return n;
}

void sha256_hex2(const void *a, size_t na, const void *b, size_t nb, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    to_hex(md, sha256_of(a, na, b, nb, md), hex);
}

void sha256_raw(const void *data, size_t n, unsigned char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    if (sha256_of(data, n, NULL, 0, md) != 32)
        armms_fatal("libcrypto: sha256 is not 32 bytes");
    memcpy(out, md, 32);
}

void sha256_hex(const void *data, size_t n, char *hex)
{
    sha256_hex2(data, n, NULL, 0, hex);
}

struct sha256_stream {
    EVP_MD_CTX *ctx;
};

sha256_stream *sha256_begin(void)
{
    sha256_stream *s = xmalloc(sizeof *s);
    pthread_once(&ctx_once, ctx_key_make);
    if (!(s->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->ctx, sha256_md, NULL) != 1)
        armms_fatal("libcrypto: cannot start a digest");
    return s;
}

void sha256_add(sha256_stream *s, const void *data, size_t n)
{
    if (n && EVP_DigestUpdate(s->ctx, data, n) != 1)
        armms_fatal("libcrypto: sha256 failed");
}

void sha256_end(sha256_stream *s, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_DigestFinal_ex(s->ctx, md, &n) != 1)
        armms_fatal("libcrypto: sha256 failed");
    EVP_MD_CTX_free(s->ctx);
    free(s);
    to_hex(md, n, hex);
}
