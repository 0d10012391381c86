/*
 * test_suggest.c - the distance behind "did you mean" (lib/core/suggest.h):
 * insertions, deletions, substitutions and swaps of neighbours each cost
 * one, case does not count, and only the nearest names within the limit
 * are offered.
 */
#include <string.h>

#include "core/suggest.h"
#include "t.h"

static void test_distance(void)
{
    static const struct {
        const char *a, *b;
        size_t cap, want;
        const char *what;
    } cases[] = {
        {"ingest", "ingest", 2, 0, "a name is 0 from itself"},
        {"INGEST", "ingest", 2, 0, "case does not count"},
        {"injest", "ingest", 2, 1, "one substitution is 1"},
        {"timelgo", "timelog", 2, 1, "two neighbours swapped are 1, not 2"},
        {"acm", "acme", 2, 1, "one letter missing is 1"},
        {"guards", "guard", 2, 1, "one letter too many is 1"},
        {"paysilp", "payslip", 2, 1, "a swap inside the word is 1"},
        {"tiemsheet", "timesheet", 2, 1, "a swap near the front is 1"},
        {"jurnal", "journal", 2, 1, "a dropped vowel is 1"},
        {"rgister", "register", 2, 1, "a dropped consonant is 1"},
        {"dtr", "pay", 5, 3, "three substitutions are 3"},
        {"", "abc", 5, 3, "from nothing: one insertion per character"},
        {"abc", "", 5, 3, "to nothing: one deletion per character"},
        {"", "", 2, 0, "nothing is 0 from nothing"},
        {"ca", "abc", 5, 3, "the optimal-string-alignment form: no edit of a swapped pair"},
        {"kitten", "sitting", 5, 3, "the classic pair is 3"},
        {"sign", "show", 2, 3, "beyond the cap is cap + 1"},
        {"a", "abcdefgh", 2, 3, "a length difference beyond the cap is cap + 1 at once"},
        {"rewind", "verify", 2, 3, "rewind is nowhere near verify"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        T_EQ_INT(suggest_distance(cases[i].a, cases[i].b, cases[i].cap), cases[i].want, "%s",
                 cases[i].what);
    char longer[100];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    T_EQ_INT(suggest_distance(longer, longer, 2), 3,
             "a name longer than SUGGEST_LONG is never near");
}

static void test_limit(void)
{
    T_EQ_INT(suggest_limit("acm"), 1, "a short word may be 1 off");
    T_EQ_INT(suggest_limit("acme"), 1, "four letters may be 1 off");
    T_EQ_INT(suggest_limit("injest"), 2, "a longer word may be 2 off");
}

/* What suggest_names makes of typed among words. */
static const char *near(strbuf *b, const char *typed, const char *words)
{
    suggest_t s;
    suggest_init(&s, typed);
    suggest_offer_words(&s, words);
    sb_reset(b);
    if (!suggest_names(&s, b))
        sb_adds(b, "(none)");
    return b->s;
}

static void test_names(void)
{
    static const char tools[] = "init import ingest timelog dtr timesheet approve pay deduct "
                                "payrun payslip bank register remit archive journal sample";
    strbuf b;
    sb_init(&b);
    T_EQ_STR(near(&b, "injest", tools), "'ingest'", "injest suggests ingest");
    T_EQ_STR(near(&b, "payrn", tools), "'payrun'", "the nearest name wins over one further off");
    T_EQ_STR(near(&b, "pat", tools), "'pay'", "a short word finds the short name 1 off");
    T_EQ_STR(near(&b, "xyz", tools), "(none)", "nothing near: nothing suggested");
    T_EQ_STR(near(&b, "ab", "ac ad ae"), "'ac', 'ad' or 'ae'", "names equally near are all given");
    T_EQ_STR(near(&b, "ab", "ac ac  ad"), "'ac' or 'ad'", "a name offered twice counts once");
    T_EQ_STR(near(&b, "b", "a c d e f g"), "'a', 'c', 'd' or 'e'",
             "at most SUGGEST_MAX names are given");
    T_EQ_STR(near(&b, "acm", "acme demo"), "'acme'", "a tenant 1 off is suggested");
    T_EQ_STR(near(&b, "de", "acme demo"), "(none)", "two letters off a short word is too far");
    sb_free(&b);
}

int main(void)
{
    test_distance();
    test_limit();
    test_names();
    return t_done();
}
