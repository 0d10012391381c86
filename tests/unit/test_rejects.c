/*
 * test_rejects.c - what a Reject shows of its input (cli/rejects.h): the
 * personal fields of a JSON record or a CSV row masked as render masks
 * them, the digit runs of a line that is not a record, and everything
 * else as it was read.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/rejects.h"
#include "t.h"

/* What a Reject of origin o shows of s: the masked text, or s itself
 * prefixed "=" when nothing is masked. */
static char *shown(const char *s, const reject_origin *o)
{
    strbuf out;
    sb_init(&out);
    if (!cli_rejects_mask(s, strlen(s), o, &out)) {
        sb_reset(&out);
        sb_addc(&out, '=');
        sb_adds(&out, s);
    }
    return out.s;
}

static void check(const char *s, const reject_origin *o, const char *want, const char *what)
{
    char *got = shown(s, o);
    T_EQ_STR(got, want, "%s", what);
    free(got);
}

int main(void)
{
    reject_origin nd = {.format = "ndjson", .import = "guard"};
    reject_origin csv = {.format = "csv",
                         .header = "guard_id,last_name,bank_account,tin,status",
                         .import = "guard"};
    reject_origin none = {0};

    check("{\"guard_id\":\"G1\",\"bank_account\":\"229008555434\",\"tin\":\"150-138-105-000\","
          "\"nested\":{\"sss_no\":\"33-2360645-0\"},\"hdmf_no\":null}",
          &nd,
          "{\"guard_id\":\"G1\",\"bank_account\":\"****5434\",\"tin\":\"****-000\","
          "\"nested\":{\"sss_no\":\"****45-0\"},\"hdmf_no\":null}",
          "a JSON record: every personal field masked, keys in their order, null left null");
    check("{\"guard_id\":\"G1\",\"employee_no\":\"100001\",\"event_id\":\"12345678901\"}", &nd,
          "={\"guard_id\":\"G1\",\"employee_no\":\"100001\",\"event_id\":\"12345678901\"}",
          "a JSON record without personal fields is shown as read, long ids too");
    check("{\"guard_id\":\"G1\",\"tin\":\"1234\"}", &nd, "{\"guard_id\":\"G1\",\"tin\":\"****\"}",
          "a personal value of 4 characters or fewer is all mask");
    check("G1,\"de la Cruz, Jr.\",229008555434,150-138-105-000,ACTIVE", &csv,
          "G1,\"de la Cruz, Jr.\",****5434,****-000,ACTIVE",
          "a CSV row under its header: personal cells masked, a quoted cell quoted again");
    check("G1,Santos,,,ACTIVE", &csv, "=G1,Santos,,,ACTIVE",
          "a CSV row with its personal cells empty is shown as read");
    check("G1,\"Santos,229008555434,150-138-105-000,ACTIVE", &csv,
          "G1,\"Santos,****5434,****-000,ACTIVE",
          "a CSV row that does not parse: its long digit runs masked");
    check("G00001,100001,Evangelista,MBTC,229008555434,33-2360645-0,2026-11-01T06:00:00+08:00",
          &nd, "G00001,100001,Evangelista,MBTC,****5434,****45-0,2026-11-01T06:00:00+08:00",
          "a line that is not JSON: runs of 9 or more digits masked, ids and dates kept");
    check("{\"guard_id\":\"G1\",\"ts\":\"2026-11-01T06:00:00+08:00\"", &none,
          "={\"guard_id\":\"G1\",\"ts\":\"2026-11-01T06:00:00+08:00\"",
          "a broken clock event without long numbers is shown as read");
    check("1210-5079-2025", &none, "****2025", "a line that is only a personal number is masked");
    reject_origin zk = {.format = "zk"};
    check("100001\t2026-11-01 06:00:00\t1\t0\t1\t0", &zk,
          "=100001\t2026-11-01 06:00:00\t1\t0\t1\t0", "a ZKTeco line is shown as read");
    return t_done();
}
