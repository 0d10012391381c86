/*
 * sha.c - see sha.h.
 */
#include "core/sha.h"

#include <openssl/evp.h>

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

void sha256_hex2(const void *a, size_t na, const void *b, size_t nb, char *hex)
{
    static EVP_MD_CTX *ctx;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!ctx && !(ctx = EVP_MD_CTX_new()))
        armms_fatal("libcrypto: cannot allocate a digest");
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        (na && EVP_DigestUpdate(ctx, a, na) != 1) || (nb && EVP_DigestUpdate(ctx, b, nb) != 1) ||
        EVP_DigestFinal_ex(ctx, md, &n) != 1)
        armms_fatal("libcrypto: sha256 failed");
    to_hex(md, n, hex);
}

void sha256_hex(const void *data, size_t n, char *hex)
{
    sha256_hex2(data, n, NULL, 0, hex);
}
