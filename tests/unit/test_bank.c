/*
 * test_bank.c - formula cells neutralised (lib/out/cell.h) and bank
 * profiles read as data (lib/out/bank.h): every shipped profile parses,
 * its fixed records fit their width, and a bad one is refused naming
 * the field.
 */
#include <stdlib.h>
#include <string.h>

#include "out/bank.h"
#include "out/bank_field.h"
#include "out/cell.h"
#include "t.h"

static void test_cells(void)
{
    static const struct {
        const char *in, *out, *what;
    } cases[] = {
        {"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")", "a leading = is a formula: prefixed"},
        {"+63 917", "'+63 917", "a leading + is prefixed"},
        {"-2+3", "'-2+3", "a leading - is prefixed"},
        {"@SUM(A1)", "'@SUM(A1)", "a leading @ is prefixed"},
        {"\tx", "'\tx", "a leading tab is prefixed"},
        {"\rx", "'\rx", "a leading carriage return is prefixed"},
        {"Santos", "Santos", "a plain name is kept as it is"},
        {"de los Santos=", "de los Santos=", "an = inside a name is no formula"},
        {"'quoted", "'quoted", "a leading apostrophe is text already"},
        {"", "", "an empty cell stays empty"},
    };
    strbuf b;
    sb_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        T_EQ_STR(out_cell_text(&b, cases[i].in), cases[i].out, "%s", cases[i].what);
    T_EQ_STR(out_cell_text(&b, NULL), "", "a missing cell is empty");
    sb_free(&b);
}

/* The columns of a fixed record, each field's width or constant. */
static int record_width(const bank_record *r)
{
    int w = 0;
    for (int k = 0; k < r->n; k++)
        w += r->f[k].width ? r->f[k].width : (int)strlen(r->f[k].text);
    return w;
}

static void test_shipped(void)
{
    int n = 0;
    for (const out_bank_shipped *s = out_bank_profiles; s->name; s++, n++) {
        bank_profile *p = NULL;
        armms_err err = {0};
        int rc = bank_profile_parse(s->text, s->len, s->path, &p, &err);
        T_EQ_INT(rc, 0, "the shipped profile %s parses (%s)", s->name, err.msg);
        if (rc)
            continue;
        T_EQ_STR(p->name, s->name, "profile %s is named as its file", s->name);
        T_OK(p->source[0] && p->confidence[0], "profile %s says its source and confidence",
             s->name);
        if (!strcmp(s->name, "metrobank"))
            T_EQ_INT(record_width(&p->detail), 98, "a Metrobank credit is 98 columns");
        if (!strcmp(s->name, "bpi")) {
            T_EQ_INT(p->record_width, 128, "BPI records are padded to 128 columns");
            T_EQ_INT(record_width(&p->header[0]), 53, "the BPI header's fields are 53 columns");
            T_EQ_INT(record_width(&p->detail), 49, "the BPI detail's fields are 49 columns");
            T_EQ_INT(record_width(&p->trailer[0]), 78, "the BPI trailer's fields are 78 columns");
            T_EQ_INT(p->nhash, 3, "the BPI hash reads three slices of the account");
        }
        bank_profile_free(p);
    }
    T_EQ_INT(n, 5, "five profiles are shipped");
}

static void test_refused(void)
{
    static const struct {
        const char *text, *msg, *what;
    } bad[] = {
        {"{\"name\":\"x\",\"source\":\"s\",\"confidence\":\"c\",\"kind\":\"fixed\",\"account\":{},"
         "\"detail\":[{\"value\":\"net\",\"widht\":5}]}",
         "profile t: detail field 1: unknown key 'widht'", "a misspelt key is named"},
        {"{\"name\":\"x\",\"source\":\"s\",\"confidence\":\"c\",\"kind\":\"fixed\",\"account\":{},"
         "\"header\":[[{\"value\":\"account\"}]],\"detail\":[{\"const\":\"D\"}]}",
         "profile t: header record 1 field 1: 'account' is a detail value: a header or trailer"
         " has no guard",
         "a guard's value in a header is refused"},
        {"{\"name\":\"x\",\"source\":\"s\",\"confidence\":\"c\",\"kind\":\"fixed\",\"account\":{},"
         "\"record_width\":3,\"detail\":[{\"value\":\"net\",\"width\":5}]}",
         "profile t: a record is 5 columns wide, more than record_width 3",
         "fields wider than the record are refused"},
        {"{\"name\":\"x\",\"source\":\"s\",\"confidence\":\"c\",\"kind\":\"fixed\",\"account\":{},"
         "\"detail\":[{\"value\":\"param:company\"}]}",
         "profile t: detail uses param:company, which 'params' does not list",
         "an undeclared parameter is refused"},
        {"{\"name\":\"x\",\"source\":\"s\",\"confidence\":\"c\",\"kind\":\"pdf\",\"account\":{},"
         "\"detail\":[{\"const\":\"D\"}]}",
         "profile t: kind 'pdf' is not fixed, delimited or xlsx", "an unknown kind is refused"},
        {"[1,2]", "profile t: not a JSON object", "JSON that is no object is refused"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bank_profile *p = (bank_profile *)1;
        armms_err err = {0};
        int rc = bank_profile_parse(bad[i].text, strlen(bad[i].text), "t", &p, &err);
        T_EQ_INT(rc, EXIT_DATAERR, "%s: exit 65", bad[i].what);
        T_EQ_STR(err.msg, bad[i].msg, "%s", bad[i].what);
        T_OK(p == NULL, "%s: no profile is returned", bad[i].what);
    }
}

int main(void)
{
    test_cells();
    test_shipped();
    test_refused();
    return t_done();
}
