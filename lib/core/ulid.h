/*
 * ulid.h - ULIDs: 48-bit millisecond time + 80 random bits, Crockford
 * base32, 26 characters. Ids made by one process are strictly increasing
 * (the random part is incremented within a millisecond), so they sort in
 * creation order.
 *
 * Uses nothing of ARMMS; randomness from getrandom(2).
 */
#ifndef ARMMS_ULID_H
#define ARMMS_ULID_H

#include <stdint.h>

/* Write a new ULID and a NUL into out (>= 27 bytes). */
void ulid_new(char *out);
/* The ULID of a millisecond time (48 bits) and 80 random bits (rnd, most
 * significant byte first) into out (>= 27 bytes). */
void ulid_encode(uint64_t ms, const uint8_t rnd[10], char *out);

#endif
