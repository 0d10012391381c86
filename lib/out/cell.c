/*
 * cell.c - formula injection neutralised (cell.h).
 */
#include "out/cell.h"

int out_cell_risky(const char *s)
{
    if (!s)
        return 0;
    switch (s[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
        return 1;
    default:
        return 0;
    }
}

const char *out_cell_text(strbuf *b, const char *s)
{
    if (!s)
        return "";
    if (!out_cell_risky(s))
        return s;
    sb_reset(b);
    sb_addc(b, '\'');
    sb_adds(b, s);
    return b->s;
}
