/*
 * cell.h - text cells a spreadsheet cannot read as a formula.
 *
 * A CSV or XLSX text cell that starts with '=', '+', '-', '@', a tab or a
 * carriage return is one a spreadsheet may evaluate (formula injection,
 * OWASP "CSV Injection"). Every writer of lib/out that puts text into a
 * CSV or XLSX cell passes it through out_cell_text first, so a guard
 * named "=HYPERLINK(...)" is shown as the text he was imported with.
 *
 * Invariant: the returned text never starts with one of those six bytes;
 * it is the input itself, or the input behind one apostrophe (').
 * Numbers written as numbers (amounts in XLSX) are not text cells and do
 * not come here; a negative amount in CSV is a number, not a name.
 *
 * Uses core (util).
 */
#ifndef ARMMS_OUT_CELL_H
#define ARMMS_OUT_CELL_H

#include "core/util.h"

/* 1 when s would be read as a formula (its first byte is = + - @ TAB CR). */
int out_cell_risky(const char *s);
/* s when it is safe, else "'" s kept in b (b is reset first); the result
 * lives until b changes. A NULL s is "". */
const char *out_cell_text(strbuf *b, const char *s);

#endif
