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

/* Write a new ULID and a NUL into out (>= 27 bytes). */
void ulid_new(char *out);

#endif
