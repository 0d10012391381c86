/*
 * test_snapscan.c - snap_scan (lib/pay/snapscan.c) reads a sealed
 * snapshot's day lines and unworked holidays from its text, and refuses
 * (leaving nothing behind) what it does not read, so gross pay takes the
 * general path for it.
 */
#include <stdlib.h>

#include "pay/pay_int.h"
#include "t.h"

static const char snap[] =
    "{\"checksum\":\"sha256:ab\",\"days\":[{\"date\":\"2026-12-24\",\"day_type\":\"special\","
    "\"minutes\":{\"regular_holiday\":{\"nd\":120,\"nd_ot\":240,\"ot\":240,\"regular\":120},"
    "\"special\":{\"nd\":120,\"nd_ot\":0,\"ot\":0,\"regular\":360}},\"status\":\"COMPLETE\","
    "\"totals\":{\"late\":0,\"nd\":240,\"nd_ot\":240,\"ot\":240,\"regular\":480,\"undertime\":0,"
    "\"worked\":720}},{\"date\":\"2026-12-26\",\"day_type\":\"ordinary\",\"minutes\":{},"
    "\"status\":\"ABSENT\",\"totals\":{\"worked\":0}}],\"guard_id\":\"G3\",\"note\":\"a "
    "\\\"q\\\"\","
    "\"unworked_holidays\":[{\"date\":\"2026-12-25\",\"day_type\":\"regular_holiday\","
    "\"last_scheduled\":{\"date\":\"2026-12-24\",\"present\":true,\"status\":\"COMPLETE\"},"
    "\"scheduled\":true,\"status\":null},{\"date\":\"2026-12-30\",\"day_type\":\"regular_"
    "holiday\","
    "\"last_scheduled\":null,\"scheduled\":false,\"status\":null}],\"version\":1}";

int main(void)
{
    snap_rows r = {0};
    T_EQ_INT(snap_scan(snap, 3, &r), 0, "a sealed snapshot scans");
    T_EQ_INT(r.nday, 2, "one row per day type of a day line's minutes (none for an absent day)");
    T_EQ_STR(r.day[0].date, "2026-12-24", "the row's date is its line's");
    T_EQ_STR(r.day[0].own, "special", "and the line's own day type");
    T_EQ_STR(r.day[0].type, "regular_holiday", "the minutes' day type, in key order");
    T_EQ_INT(r.day[0].m[0] * 1000000000LL + r.day[0].m[1] * 1000000 + r.day[0].m[2] * 1000 +
                 r.day[0].m[3],
             120240120240LL, "regular, ot, nd, nd_ot of the night's part past midnight");
    T_EQ_INT(r.day[1].m[0], 360, "the special-day part: 360 regular");
    T_EQ_INT(r.day[1].worked, 720, "totals.worked rides along");
    T_EQ_INT(r.day[0].snap, 3, "rows name their snapshot");
    T_EQ_INT(r.nuh, 2, "two unworked holidays");
    T_EQ_INT(r.uh[0].present, 1, "present on the last scheduled day");
    T_EQ_INT(r.uh[1].present, 0, "no last scheduled day: not present");

    int nday = r.nday, nuh = r.nuh;
    T_EQ_INT(snap_scan("{\"days\":[{\"date\":\"2026-12-\\u0032\"}]}", 0, &r), -1,
             "an escape in a field it reads is refused");
    T_EQ_INT(
        snap_scan("{\"days\":[{\"date\":\"2026-12-01\",\"minutes\":{\"ordinary\":{\"re", 0, &r),
        -1, "a truncated text is refused");
    T_EQ_INT(snap_scan("{\"days\":[]} x", 0, &r), -1, "trailing bytes are refused");
    T_EQ_INT(r.nday * 100 + r.nuh, nday * 100 + nuh, "and a refusal adds no rows");
    snap_head h;
    T_EQ_INT(snap_head_scan(snap, sizeof snap - 1, &h), 0, "the head of a snapshot scans");
    T_EQ_STR(h.checksum, "sha256:ab", "its checksum");
    T_EQ_INT(h.sum_from * 1000 + h.sum_to, 1 * 1000 + 23, "and where the checksum member lies");
    T_EQ_STR(h.guard, "G3", "guard_id, after the days it skips");
    T_EQ_INT(h.has_days * 10 + (int)h.version, 11, "days is an array; version 1");
    T_EQ_INT(snap_head_scan("{\"days\":[]}", 11, &h), -1, "no checksum: the general path");
    const char *v;
    size_t n;
    const char ev[] =
        "{\"seq\":7,\"payload\":{\"after\":{\"a\":[1,{\"b\":\"}\"}]},\"x\":1},\"src\":\"tk\"}";
    T_EQ_INT(json_member_span(ev, "payload", &v, &n), 0, "a member's span");
    T_OK(n == 35 && !strncmp(v, "{\"after\"", 8), "is its whole value, braces in strings and all");
    T_EQ_INT(json_member_span(ev, "after", &v, &n), -1, "only top-level members are found");
    free(r.day);
    free(r.uh);
    return t_done();
}
