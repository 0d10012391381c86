/*
 * armms-sample - the demo tenant: master data CSVs and clock events for a
 * fictional Metro Manila security agency.
 *
 * Invariants:
 *  - Output is a pure function of (--guards, --seed, --period): no rand(),
 *    no clock, no environment. Both subcommands build the same model (sites,
 *    guards, absences, reliever cover), so every guard_id and detachment_id
 *    in the events is in the CSVs, and reliever punches fall on dates their
 *    reliever assignment covers.
 *  - Per-day noise comes from a counter-based generator keyed by (seed,
 *    purpose, guard, date): a date's punches do not depend on which other
 *    dates or guards were generated.
 *  - Events come out in timestamp order, except the late arrivals, which
 *    follow at the end. Event ids count up per device in timestamp order from
 *    a base unique to the period (EVENT_ID_STRIDE per period from 2026-01-A),
 *    so (device_id, event_id) never repeats across periods.
 *  - Times are Asia/Manila, a fixed +08:00 (no DST): formatted with integers.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/secure.h"

static const char usage[] =
    "usage: armms-sample masterdata [--guards N] [--seed S] [--period P] [--out DIR]\n"
    "       armms-sample events [--guards N] [--seed S] [--period P]\n"
    "                           [--format ndjson|csv] [--max N]\n"
    "\n"
    "Generate the demo tenant, a fictional Metro Manila security agency. Output\n"
    "depends only on the options, so master data and events made in separate\n"
    "runs with the same --guards, --seed and --period always agree.\n"
    "\n"
    "  masterdata        write position, shift, detachment, guard, assignment,\n"
    "                    rate, obligation and user CSV files into DIR\n"
    "  events            write the period's clock events to standard output,\n"
    "                    by timestamp except late arrivals, which come last\n"
    "\n"
    "      --guards N    guards in the agency (default 1200), one detachment\n"
    "                    per 30 guards\n"
    "      --seed S      generator seed (default 1)\n"
    "      --period P    pay period YYYY-MM-A or YYYY-MM-B, 2026 or later\n"
    "                    (default 2026-11-A); masterdata places the reliever\n"
    "                    assignments in it\n"
    "      --out DIR     masterdata: output directory (default .)\n"
    "      --format F    events: ndjson (default) or csv\n"
    "      --max N       events: stop after N events (lines after a CSV header)\n"
    "  -h, --help        this text\n"
    "      --version     print the version\n" CLI_EXIT_HEAD CLI_EXIT(" 0", "done")
        CLI_EXIT("64", "usage") CLI_EXIT("70", "internal error")
            CLI_EXIT("73", "the --out directory or a file in it cannot be created")
                CLI_EXIT("74", "write error on a file or standard output");

/* ---- noise rates, parts per million ---- */

enum {
    PPM_ABSENT_START = 13000,   /* a working day starts an absence (1-3 days): ~2% absent */
    PPM_COVERED = 850000,       /* an absence is relieved, when a reliever is free */
    PPM_LATE_IN = 80000,        /* IN after shift start ... */
    PPM_LATE_IN_GRACE = 350000, /* ... of which within the 5-minute grace */
    PPM_EARLY_OUT = 30000,      /* OUT 10-60 minutes before shift end */
    PPM_NO_OUT = 10000,         /* shift without OUT */
    PPM_WRONG_DET = 5000,       /* punch on another detachment's device */
    PPM_DOUBLE_TAP = 20000,     /* second same-type punch 5-90 s later */
    PPM_REPLAY = 3000,          /* line sent twice by the device */
    PPM_LATE_ARRIVAL = 5000,    /* line held back to the end of the stream */
    PPM_REST_WORK = 20000,      /* a rest day with unscheduled IN and OUT: ~0.3% of events */
};

enum { IN_EARLY_MIN_S = 5 * 60, IN_EARLY_MAX_S = 25 * 60 };
enum { SHIFT_LEN_S = 12 * 3600, DAY_S = 86400 };
enum { EVENT_ID_STRIDE = 10000, MAX_PERIOD_DAYS = 16, MAX_GUARDS = 1000000 };

/* ---- reference tables ---- */

enum { DAY, NIGHT, NSHIFT };
static const struct shift_def {
    const char *id, *start, *end, *name;
    int start_s;
} shifts[NSHIFT] = {
    {"DAY", "06:00", "18:00", "Day shift", 6 * 3600},
    {"NIGHT", "18:00", "06:00", "Night shift", 18 * 3600},
};

enum { GUARD, HEADGUARD, SUPERVISOR, NPOSITION };
static const struct position_def {
    const char *id, *name;
    money_t premium_c; /* over the GUARD rate of the same detachment and shift */
} positions[NPOSITION] = {
    {"GUARD", "Security Guard", 0},
    {"HEADGUARD", "Head Guard", 5000},
    {"SUPERVISOR", "Security Supervisor", 12000},
};

enum { ACTIVE, ON_LEAVE };
static const char *const status_names[] = {"ACTIVE", "ON_LEAVE"};

enum { MALL, BANK, CONDO, HOSPITAL, FACTORY, WAREHOUSE, SCHOOL, PORT, NKIND };
static const struct kind_def {
    const char *suffix;     /* after the site's area in its name */
    int size_w;             /* relative guard strength */
    int ncr_w, iva_w;       /* how often the kind occurs per region */
    int ncr_rate, iva_rate; /* GUARD daily rate floor, pesos */
} kinds[NKIND] = {
    /* clang-format off */
    [MALL]      = {"",           25, 3, 2, 710, 580},
    [BANK]      = {" Branch",     5, 4, 0, 745, 590},
    [CONDO]     = {"",           10, 4, 0, 700, 570},
    [HOSPITAL]  = {"",           15, 2, 1, 720, 575},
    [FACTORY]   = {" Plant",     12, 2, 4, 695, 560},
    [WAREHOUSE] = {" Warehouse",  8, 2, 3, 695, 560},
    [SCHOOL]    = {" Campus",     8, 2, 2, 700, 570},
    [PORT]      = {" Terminal",  20, 1, 0, 730, 590},
    /* clang-format on */
};

/* Fictional clients. */
static const struct brand_def {
    int kind;
    const char *name, *client;
} brands[] = {
    {MALL, "Lumina Mall", "Lumina Malls, Inc."},
    {MALL, "Tala Town Center", "Tala Land Holdings Corporation"},
    {MALL, "Bayside Square", "Bayside Commercial Centers, Inc."},
    {MALL, "Kalesa Market Mall", "Kalesa Retail Group, Inc."},
    {BANK, "Banco Maharlika", "Banco Maharlika, Inc."},
    {BANK, "Perlas Savings Bank", "Perlas Savings Bank (A Thrift Bank), Inc."},
    {BANK, "Sampaguita Trust Bank", "Sampaguita Trust and Banking Corporation"},
    {BANK, "Bagwis Commercial Bank", "Bagwis Commercial Bank"},
    {CONDO, "Acacia Residences", "Acacia Land Development Corporation"},
    {CONDO, "Narra Heights", "Narra Heights Condominium Corporation"},
    {CONDO, "Molave Tower", "Molave Tower Condominium Corporation"},
    {CONDO, "Dapitan Bay Suites", "Dapitan Bay Properties, Inc."},
    {HOSPITAL, "St. Ezekiel Medical Center", "St. Ezekiel Medical Center, Inc."},
    {HOSPITAL, "Bagong Buhay General Hospital", "Bagong Buhay Health Systems, Inc."},
    {HOSPITAL, "Our Lady of Liwanag Hospital", "Liwanag Hospital Foundation"},
    {FACTORY, "Pacific Paperboard", "Pacific Paperboard Manufacturing Corporation"},
    {FACTORY, "Kalayaan Foods", "Kalayaan Foods Corporation"},
    {FACTORY, "Silangan Steel Works", "Silangan Steel Works, Inc."},
    {FACTORY, "Bituin Plastics", "Bituin Plastics Industries, Inc."},
    {WAREHOUSE, "Tri-Isla Logistics", "Tri-Isla Logistics Corporation"},
    {WAREHOUSE, "Habagat Cold Storage", "Habagat Cold Chain, Inc."},
    {WAREHOUSE, "Bodega Central", "Bodega Central Distribution, Inc."},
    {SCHOOL, "Colegio de Santa Liwayway", "Colegio de Santa Liwayway, Inc."},
    {SCHOOL, "Liwayway Institute of Technology", "Liwayway Educational Foundation"},
    {SCHOOL, "Kaunlaran Academy", "Kaunlaran Academy Foundation, Inc."},
    {PORT, "Bagumbayan Container", "Bagumbayan Port Services, Inc."},
    {PORT, "Pier Siete Ro-Ro", "Pier Siete Harbor Corporation"},
};
enum { NBRAND = sizeof brands / sizeof brands[0] };

static const struct city_def {
    const char *name, *province;
    int iva, port; /* port: area[0] is its port district, street[0] its road */
    const char *area[4], *street[4];
} cities[] = {
    /* clang-format off */
    {"Makati City", "Metro Manila", 0, 0,
     {"Legaspi Village", "Salcedo Village", "Poblacion", "San Lorenzo"},
     {"Ayala Avenue", "Paseo de Roxas", "Gil Puyat Avenue", "Chino Roces Avenue"}},
    {"Pasig City", "Metro Manila", 0, 0,
     {"Ortigas Center", "Kapitolyo", "Rosario", "Ugong"},
     {"Ortigas Avenue", "Shaw Boulevard", "C. Raymundo Avenue", "Meralco Avenue"}},
    {"Taguig City", "Metro Manila", 0, 0,
     {"Bonifacio Global City", "McKinley Hill", "Ususan", "Western Bicutan"},
     {"5th Avenue", "32nd Street", "C-5 Road", "Lawton Avenue"}},
    {"Quezon City", "Metro Manila", 0, 0,
     {"Cubao", "Diliman", "Eastwood", "Novaliches"},
     {"EDSA", "Commonwealth Avenue", "Aurora Boulevard", "Quezon Avenue"}},
    {"Mandaluyong City", "Metro Manila", 0, 0,
     {"Wack-Wack", "Highway Hills", "Barangka", "Plainview"},
     {"Shaw Boulevard", "Boni Avenue", "EDSA", "Pioneer Street"}},
    {"Manila", "Metro Manila", 0, 1,
     {"Port Area", "Binondo", "Ermita", "Sampaloc"},
     {"Bonifacio Drive", "Roxas Boulevard", "Taft Avenue", "España Boulevard"}},
    {"Parañaque City", "Metro Manila", 0, 0,
     {"Baclaran", "BF Homes", "Sucat", "La Huerta"},
     {"Dr. A. Santos Avenue", "Ninoy Aquino Avenue", "Sucat Road", "Quirino Avenue"}},
    {"Pasay City", "Metro Manila", 0, 0,
     {"Bay City", "Malibay", "San Isidro", "Villamor"},
     {"Macapagal Boulevard", "Roxas Boulevard", "Taft Avenue", "EDSA Extension"}},
    {"Muntinlupa City", "Metro Manila", 0, 0,
     {"Alabang", "Tunasan", "Putatan", "Cupang"},
     {"Alabang-Zapote Road", "National Road", "Madrigal Avenue", "Investment Drive"}},
    {"Caloocan City", "Metro Manila", 0, 0,
     {"Grace Park", "Monumento", "Bagong Silang", "Camarin"},
     {"Rizal Avenue Extension", "EDSA", "Samson Road", "A. Mabini Street"}},
    {"Las Piñas City", "Metro Manila", 0, 0,
     {"Pamplona", "Talon", "Almanza", "Pulang Lupa"},
     {"Alabang-Zapote Road", "CAA Road", "Marcos Alvarez Avenue", "Real Street"}},
    {"Bacoor", "Cavite", 1, 0,
     {"Molino", "Talaba", "Niog", "Panapaan"},
     {"Aguinaldo Highway", "Molino Boulevard", "Tirona Highway", "Daang Hari Road"}},
    {"Dasmariñas", "Cavite", 1, 0,
     {"Salitran", "Paliparan", "Langkaan", "Burol"},
     {"Governor's Drive", "Aguinaldo Highway", "Congressional Avenue", "Salawag Road"}},
    {"General Trias", "Cavite", 1, 0,
     {"Manggahan", "Pasong Camachile", "Santiago", "Tejero"},
     {"Arnaldo Highway", "Governor's Drive", "Open Canal Road", "Main Avenue"}},
    {"Santa Rosa", "Laguna", 1, 0,
     {"Balibago", "Pulong Santa Cruz", "Don Jose", "Tagapo"},
     {"Santa Rosa-Tagaytay Road", "Balibago Road", "Technology Avenue", "National Highway"}},
    {"Calamba", "Laguna", 1, 0,
     {"Real", "Canlubang", "Parian", "Mapagong"},
     {"National Highway", "Chipeco Avenue", "Canlubang Road", "Real Road"}},
    {"Biñan", "Laguna", 1, 0,
     {"Platero", "Canlalay", "Zapote", "Malaban"},
     {"National Highway", "Biñan-Carmona Road", "Southwoods Avenue", "A. Bonifacio Street"}},
    /* clang-format on */
};
enum { NCITY = sizeof cities / sizeof cities[0], NAREA = 4 };

static const char *const surnames[] = {
    "dela Cruz",  "Santos",        "Reyes",       "Garcia",    "Mendoza",      "Bautista",
    "Ramos",      "Aquino",        "Villanueva",  "Castillo",  "Rivera",       "Flores",
    "Gonzales",   "Navarro",       "Torres",      "Domingo",   "Pascual",      "Mercado",
    "Soriano",    "Santiago",      "Fernandez",   "Lopez",     "Cruz",         "del Rosario",
    "Aguilar",    "Manalo",        "Dizon",       "Salvador",  "Tolentino",    "Lim",
    "Tan",        "Gutierrez",     "Marquez",     "Morales",   "Perez",        "Ocampo",
    "de Guzman",  "de los Santos", "Valdez",      "Castro",    "Magbanua",     "Sison",
    "Panganiban", "Macaraeg",      "Ilagan",      "Ferrer",    "Cabrera",      "Dimaculangan",
    "Lacson",     "Estrada",       "Francisco",   "Samonte",   "Buenaventura", "Enriquez",
    "Zamora",     "Peñaflor",      "Evangelista", "Alcantara", "Mangubat",     "Saldaña",
};
static const char *const male_names[] = {
    "Juan",    "Jose",     "Mark Anthony", "John Paul", "Jerome", "Rodel",  "Arnel",
    "Romeo",   "Ricardo",  "Eduardo",      "Rolando",   "Danilo", "Noel",   "Renato",
    "Ernesto", "Joel",     "Michael",      "Christian", "Jayson", "Ronnie", "Alvin",
    "Rommel",  "Edgardo",  "Reynaldo",     "Benjie",    "Niño",   "Jomar",  "Ramil",
    "Rogelio", "Wilfredo", "Jun",          "Dennis",
};
static const char *const female_names[] = {
    "Maria",   "Ma. Cristina", "Ana",      "Jocelyn",   "Rowena",   "Marites",    "Lorna",
    "Rosalie", "Maricel",      "Jennifer", "Kristine",  "Angelica", "Mary Grace", "Liza",
    "Divina",  "Evangeline",   "Rhea",     "Charmaine", "Analyn",   "Teresita",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct bank_def {
    const char *code;
    int digits, weight;
} banks[] = {
    {"BDO", 12, 35}, {"BPI", 10, 25}, {"MBTC", 12, 15}, {"LBP", 10, 15}, {"PNB", 12, 10},
};

enum { O_SSS, O_HDMF, O_CASH, O_UNIFORM, O_MUTUAL, O_RICE, O_REWARD };
static const struct obligation_def {
    const char *kind, *code, *label, *frequency, *taxable;
} obligation_defs[] = {
    [O_SSS] = {"loan", "SSS_LOAN", "SSS salary loan", "B", ""},
    [O_HDMF] = {"loan", "HDMF_LOAN", "Pag-IBIG multi-purpose loan", "A", ""},
    [O_CASH] = {"loan", "CASH_ADVANCE", "Cash advance", "each", ""},
    [O_UNIFORM] = {"deduction", "UNIFORM", "Uniform and gear", "each", ""},
    [O_MUTUAL] = {"deduction", "MUTUAL_AID", "Mutual aid fund", "each", ""},
    [O_RICE] = {"allowance", "RICE", "Rice allowance", "B", "false"},
    [O_REWARD] = {"reward", "PERFECT_ATTENDANCE", "Perfect attendance award", "each", "true"},
};
/* One cycle of 20: 45% loans, 20% deductions, 20% allowances, 15% rewards. */
static const unsigned char obligation_cycle[20] = {
    O_SSS, O_HDMF, O_CASH, O_SSS,    O_UNIFORM, O_RICE, O_CASH,   O_HDMF,    O_REWARD, O_UNIFORM,
    O_SSS, O_RICE, O_CASH, O_MUTUAL, O_RICE,    O_HDMF, O_REWARD, O_UNIFORM, O_RICE,   O_REWARD,
};

static const struct user_def {
    const char *id, *name, *roles;
} users[] = {
    {"ops1", "Rodel Manalo", "ops"},
    {"tk1", "Jocelyn Dizon", "timekeeper"},
    {"hr1", "Ma. Theresa Lacson", "hr_officer"},
    {"pay1", "Arnel Tolentino", "payroll_officer"},
    {"ctl1", "Rosario Ignacio", "controller"},
    {"hrm1", "Eduardo Salazar", "hr_manager"},
    {"fin1", "Cristina Valdez", "finance_officer"},
    {"admin", "Jerome Caballero", "admin"},
};

/* ---- generator: splitmix64, sequential or keyed ---- */

typedef struct rng {
    uint64_t s;
} rng;

enum { K_MASTER = 1, K_ABSENCE, K_COVER, K_REST, K_SHIFT };

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t next64(rng *r)
{
    return mix64(r->s += 0x9e3779b97f4a7c15ULL);
}

/* Uniform in [0, n). */
static uint32_t below(rng *r, uint32_t n)
{
    return (uint32_t)(((next64(r) >> 32) * n) >> 32);
}

static int chance(rng *r, uint32_t ppm)
{
    return below(r, 1000000) < ppm;
}

/* The stream for one (purpose, a, b): independent of every other key. */
static rng rng_at(uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
    rng r = {mix64(seed * 0x9e3779b97f4a7c15ULL + purpose)};
    r.s = mix64(r.s ^ (a + 0x632be59bd9b4e019ULL));
    r.s = mix64(r.s ^ (b + 0x8cb92ba72f3d8dd7ULL));
    return r;
}

/* ---- the model ---- */

typedef struct site {
    int kind, brand, city, area, street, number, dup, iva;
    money_t rate_c, revised_c; /* GUARD daily rate; revised_c > 0 from 2026-07-16 */
    long first, size;          /* its guards: member[first .. first + size) */
} site;

typedef struct guard {
    int32_t det; /* -1: reliever pool */
    uint8_t shift, position, rest_wd, status, bank, female;
    uint16_t last, first;
} guard;

typedef struct obligation {
    long guard;
    int def, installments;              /* installments 0: open-ended */
    money_t principal_c, installment_c; /* principal_c 0: absent */
    const char *start_period;
} obligation;

typedef struct model {
    uint64_t seed;
    long n, nrel, nobl;
    int ndet, gid_w, did_w;
    site *site;
    guard *g;
    long *member;   /* guard indices, grouped by detachment */
    long *reliever; /* guard indices of the reliever pool */
    obligation *obl;
} model;

static int digits_of(long v)
{
    int d = 1;
    while (v >= 10)
        v /= 10, d++;
    return d;
}

static int pick_weighted(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = (int)below(r, (uint32_t)total);
    for (int i = 0; i < n; i++)
        if ((x -= w[i]) < 0)
            return i;
    return n - 1;
}

static void build_sites(model *m, rng *r)
{
    int niva = m->ndet / 10, iva_seen = 0;
    int *dup = xcalloc((size_t)NBRAND * NCITY * NAREA, sizeof *dup);
    for (int d = 0; d < m->ndet; d++) {
        site *s = &m->site[d];
        int w[NKIND], cand[NBRAND], nc = 0;
        s->iva = (long)(d + 1) * niva / m->ndet != (long)d * niva / m->ndet;
        for (int k = 0; k < NKIND; k++)
            w[k] = s->iva ? kinds[k].iva_w : kinds[k].ncr_w;
        s->kind = pick_weighted(r, w, NKIND);
        for (int b = 0; b < NBRAND; b++)
            if (brands[b].kind == s->kind)
                cand[nc++] = b;
        s->brand = cand[below(r, (uint32_t)nc)];
        nc = 0;
        for (int c = 0; c < NCITY; c++)
            if (cities[c].iva == s->iva && (s->kind != PORT || cities[c].port) &&
                (!s->iva || (strcmp(cities[c].province, "Laguna") == 0) == iva_seen % 2))
                cand[nc++] = c;
        iva_seen += s->iva;
        s->city = cand[below(r, (uint32_t)nc)];
        s->area = s->kind == PORT ? 0 : (int)below(r, NAREA);
        s->street = s->kind == PORT ? 0 : (int)below(r, NAREA);
        s->number = 1 + (int)below(r, 2400);
        s->dup = dup[(s->brand * NCITY + s->city) * NAREA + s->area]++;
        int pesos = s->iva ? kinds[s->kind].iva_rate + 5 * (int)below(r, 5)
                           : kinds[s->kind].ncr_rate + 5 * (int)below(r, 4);
        if (pesos > (s->iva ? 600 : 760))
            pesos = s->iva ? 600 : 760;
        s->rate_c = (money_t)pesos * 100;
        s->revised_c = d % 8 == 2 ? s->rate_c + (s->iva ? 2000 : 2500) : 0;
    }
    free(dup);
}

/* Spread the regular guards over the sites by each kind's strength: at
 * least two per site (a DAY and a NIGHT post) when there are enough. */
static void size_sites(model *m)
{
    long regular = m->n - m->nrel, base = regular >= 2L * m->ndet ? 2 : 0;
    long rest = regular - base * m->ndet, total_w = 0, cum_w = 0, first = 0;
    for (int d = 0; d < m->ndet; d++)
        total_w += kinds[m->site[d].kind].size_w;
    for (int d = 0; d < m->ndet; d++) {
        site *s = &m->site[d];
        long lo, hi;
        if (base) {
            lo = rest * cum_w / total_w;
            cum_w += kinds[s->kind].size_w;
            hi = rest * cum_w / total_w;
            s->size = base + hi - lo;
        } else {
            s->size = d < regular ? 1 : 0;
        }
        s->first = first;
        first += s->size;
    }
}

static void build_guards(model *m, rng *r)
{
    long n = m->n, *perm = xmalloc(sizeof *perm * (size_t)n);
    int bw[NELEM(banks)];
    for (size_t b = 0; b < NELEM(banks); b++)
        bw[b] = banks[b].weight;
    for (long i = 0; i < n; i++)
        perm[i] = i;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)below(r, (uint32_t)(i + 1)), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (long i = 0; i < n; i++) {
        guard *g = &m->g[i];
        g->last = (uint16_t)below(r, NELEM(surnames));
        g->female = chance(r, 150000);
        g->first = (uint16_t)below(r, g->female ? NELEM(female_names) : NELEM(male_names));
        g->bank = (uint8_t)pick_weighted(r, bw, NELEM(banks));
        g->status = ACTIVE;
    }
    for (long k = 0; k < m->nrel; k++) {
        guard *g = &m->g[perm[k]];
        m->reliever[k] = perm[k];
        g->det = -1, g->shift = DAY, g->position = GUARD, g->rest_wd = (uint8_t)(k % 7);
    }
    m->member = perm + m->nrel;
    for (int d = 0; d < m->ndet; d++) {
        const site *s = &m->site[d];
        long hg = (s->size * 12 + 50) / 100, sup = (s->size * 3 + 50) / 100;
        if (hg < 1)
            hg = 1;
        for (long j = 0; j < s->size; j++) {
            guard *g = &m->g[m->member[s->first + j]];
            g->det = d;
            g->shift = (uint8_t)(j % 2);
            g->position = j < hg ? HEADGUARD : j < hg + sup ? SUPERVISOR : GUARD;
            g->rest_wd = (uint8_t)((d * 3 + j / 2) % 7);
        }
    }
    long leave = n / 200;
    for (long tries = 0; leave > 0 && tries < 100 * n; tries++) {
        guard *g = &m->g[below(r, (uint32_t)n)];
        if (g->det >= 0 && g->position == GUARD && g->status == ACTIVE)
            g->status = ON_LEAVE, leave--;
    }
}

static void build_obligations(model *m, rng *r)
{
    static const char *const sss_start[] = {"2026-06-B", "2026-08-B", "2026-09-B", "2026-10-B"};
    static const char *const hdmf_start[] = {"2026-05-A", "2026-07-A", "2026-09-A", "2026-11-A"};
    static const char *const cash_start[] = {"2026-10-A", "2026-10-B", "2026-11-A"};
    static const char *const uniform_start[] = {"2026-10-B", "2026-11-A"};
    static const int sss_pesos[] = {6000, 9600, 12000, 14400};
    static const int hdmf_pesos[] = {4800, 7200, 9600};
    static const int cash_pesos[] = {2000, 3000, 6000};
    m->nobl = m->n / 20;
    m->obl = xcalloc((size_t)m->nobl + 1, sizeof *m->obl);
    for (long i = 0; i < m->nobl; i++) {
        obligation *o = &m->obl[i];
        o->def = obligation_cycle[i % 20];
        for (int tries = 0;; tries++) {
            long g = (long)below(r, (uint32_t)m->n), j;
            if (m->g[g].status != ACTIVE)
                continue;
            for (j = 0; j < i; j++)
                if (m->obl[j].guard == g && m->obl[j].def == o->def)
                    break;
            if (j == i || tries > 1000) {
                o->guard = g;
                break;
            }
        }
        switch (o->def) {
        case O_SSS:
            o->principal_c = sss_pesos[below(r, NELEM(sss_pesos))] * 100LL;
            o->installments = 24;
            o->start_period = sss_start[below(r, NELEM(sss_start))];
            break;
        case O_HDMF:
            o->principal_c = hdmf_pesos[below(r, NELEM(hdmf_pesos))] * 100LL;
            o->installments = 24;
            o->start_period = hdmf_start[below(r, NELEM(hdmf_start))];
            break;
        case O_CASH:
            o->principal_c = cash_pesos[below(r, NELEM(cash_pesos))] * 100LL;
            o->installments = (int)(o->principal_c / 50000);
            o->start_period = cash_start[below(r, NELEM(cash_start))];
            break;
        case O_UNIFORM:
            o->principal_c = 150000;
            o->installments = 3;
            o->start_period = uniform_start[below(r, NELEM(uniform_start))];
            break;
        case O_MUTUAL:
            o->installment_c = 5000;
            o->start_period = "2026-01-A";
            break;
        case O_RICE:
            o->installment_c = 50000;
            o->start_period = "2026-01-B";
            break;
        case O_REWARD:
            o->principal_c = 30000;
            o->installments = 1;
            o->start_period = "2026-11-A";
            break;
        }
        if (o->installments)
            o->installment_c = o->principal_c / o->installments;
    }
}

static void model_build(model *m, long n, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->seed = seed;
    m->n = n;
    m->nrel = n / 20;
    m->ndet = (int)((n + 15) / 30);
    if (m->ndet < 1)
        m->ndet = 1;
    m->gid_w = digits_of(n) > 5 ? digits_of(n) : 5;
    m->did_w = digits_of(m->ndet) > 3 ? digits_of(m->ndet) : 3;
    m->site = xcalloc((size_t)m->ndet, sizeof *m->site);
    m->g = xcalloc((size_t)n, sizeof *m->g);
    m->reliever = xcalloc((size_t)m->nrel + 1, sizeof *m->reliever);
    rng r = rng_at(seed, K_MASTER, 0, 0);
    build_sites(m, &r);
    size_sites(m);
    build_guards(m, &r);
    build_obligations(m, &r);
}

static void model_free(model *m)
{
    free(m->member - m->nrel);
    free(m->site);
    free(m->g);
    free(m->reliever);
    free(m->obl);
}

/* prefix and v zero-padded to width digits, into buf (>= 24 bytes). */
static void id_format(char *buf, const char *prefix, int width, long v)
{
    char digit[20];
    int n = 0;
    size_t len = strlen(prefix);
    assert(width <= 16 && len <= 3 && v >= 0);
    do
        digit[n++] = (char)('0' + v % 10);
    while ((v /= 10) || n < width);
    memcpy(buf, prefix, len);
    while (n)
        buf[len++] = digit[--n];
    buf[len] = '\0';
}

static void guard_id(const model *m, long i, char *buf)
{
    id_format(buf, "G", m->gid_w, i + 1);
}

static void det_id(const model *m, int d, char *buf)
{
    id_format(buf, "DET", m->did_w, d + 1);
}

/* ---- the period plan: absences and reliever cover ---- */

typedef struct relief {
    long reliever, relieved;
    int from, to; /* day indexes in the period, inclusive */
} relief;

typedef struct plan {
    day_t from;
    int ndays;
    uint32_t *absent; /* per guard: bit k = absent on day k of the period */
    relief *rel;
    size_t nrel, cap;
} plan;

typedef struct episode {
    long guard;
    int from, to, covered;
} episode;

static int works_on(const guard *g, day_t date)
{
    return g->det >= 0 && weekday(date) != g->rest_wd;
}

/* Give the absence a free reliever: not on a rest day, and with a free day
 * on either side so no one works a night into the next morning's day. */
static void cover(const model *m, plan *p, uint32_t *busy, const episode *e)
{
    if (m->nrel == 0)
        return;
    uint32_t want = 0, around;
    for (int k = e->from; k <= e->to; k++)
        want |= 1u << k;
    around = want | want << 1 | want >> 1;
    rng r = rng_at(m->seed, K_COVER, (uint64_t)e->guard, (uint64_t)(p->from + e->from));
    long start = (long)below(&r, (uint32_t)m->nrel);
    for (long i = 0; i < m->nrel; i++) {
        long k = (start + i) % m->nrel;
        const guard *rg = &m->g[m->reliever[k]];
        int ok = !(busy[k] & around);
        for (int d = e->from; ok && d <= e->to; d++)
            ok = weekday(p->from + d) != rg->rest_wd;
        if (!ok)
            continue;
        busy[k] |= want;
        if (p->nrel == p->cap) {
            p->cap = p->cap ? 2 * p->cap : 256;
            p->rel = xrealloc(p->rel, sizeof *p->rel * p->cap);
        }
        p->rel[p->nrel++] = (relief){m->reliever[k], e->guard, e->from, e->to};
        return;
    }
}

static int relief_cmp(const void *a, const void *b)
{
    const relief *x = a, *y = b;
    if (x->reliever != y->reliever)
        return x->reliever < y->reliever ? -1 : 1;
    return (x->from > y->from) - (x->from < y->from);
}

/* Guards on leave are out every working day, in runs of at most three days
 * (one reliever assignment each); others start an absence at random. */
static void plan_build(const model *m, plan *p, day_t from, day_t to)
{
    memset(p, 0, sizeof *p);
    p->from = from;
    p->ndays = (int)(to - from + 1);
    p->absent = xcalloc((size_t)m->n, sizeof *p->absent);
    episode *ep = NULL;
    size_t nep = 0, cap = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (long i = 0; i < m->n; i++) {
            const guard *g = &m->g[i];
            if (g->det < 0 || (g->status == ON_LEAVE) != (pass == 0))
                continue;
            for (int k = 0; k < p->ndays; k++) {
                if (!works_on(g, from + k))
                    continue;
                rng r = rng_at(m->seed, K_ABSENCE, (uint64_t)i, (uint64_t)(from + k));
                int len = 3, covered = 1;
                if (pass == 1) {
                    if (!chance(&r, PPM_ABSENT_START))
                        continue;
                    uint32_t x = below(&r, 100);
                    len = x < 60 ? 1 : x < 85 ? 2 : 3;
                    covered = chance(&r, PPM_COVERED);
                }
                int end = k;
                while (end + 1 < p->ndays && end + 1 < k + len && works_on(g, from + end + 1))
                    end++;
                for (int d = k; d <= end; d++)
                    p->absent[i] |= 1u << d;
                if (nep == cap) {
                    cap = cap ? 2 * cap : 256;
                    ep = xrealloc(ep, sizeof *ep * cap);
                }
                ep[nep++] = (episode){i, k, end, covered};
                k = end;
            }
        }
    }
    uint32_t *busy = xcalloc((size_t)m->nrel + 1, sizeof *busy);
    for (size_t e = 0; e < nep; e++)
        if (ep[e].covered)
            cover(m, p, busy, &ep[e]);
    if (p->nrel)
        qsort(p->rel, p->nrel, sizeof *p->rel, relief_cmp);
    free(busy);
    free(ep);
}

static void plan_free(plan *p)
{
    free(p->absent);
    free(p->rel);
}

/* ---- masterdata: CSV files ---- */

typedef struct csv_file {
    FILE *f;
    char *path, *tmp;
} csv_file;

static void csv_open(csv_file *c, const char *dir, const char *name, const char *header)
{
    c->path = xasprintf("%s/%s", dir, name);
    c->tmp = xasprintf("%s/%s.lock", dir, name);
    if (!(c->f = caller_fopen(c->tmp, "w")))
        armms_die(EXIT_CANTCREAT, "cannot create %s: %s", c->tmp, strerror(errno));
    fprintf(c->f, "%s\n", header);
}

static void csv_close(csv_file *c)
{
    if (ferror(c->f) | fclose(c->f)) {
        int e = errno;
        caller_unlink(c->tmp);
        armms_die(EXIT_IOERR, "cannot write %s: %s", c->tmp, strerror(e ? e : EIO));
    }
    if (caller_rename(c->tmp, c->path) != 0)
        armms_die(EXIT_CANTCREAT, "cannot rename %s to %s: %s", c->tmp, c->path, strerror(errno));
    free(c->path);
    free(c->tmp);
}

/* One RFC 4180 row: a field with a comma, quote or line break is quoted. */
static void csv_row(csv_file *c, int n, const char *const *field)
{
    for (int i = 0; i < n; i++) {
        const char *s = field[i];
        if (i)
            putc(',', c->f);
        if (!strpbrk(s, ",\"\r\n")) {
            fputs(s, c->f);
            continue;
        }
        putc('"', c->f);
        for (; *s; s++) {
            if (*s == '"')
                putc('"', c->f);
            putc(*s, c->f);
        }
        putc('"', c->f);
    }
    putc('\n', c->f);
}

/* A keyed permutation of [0, n): a four-round Feistel network on the
 * smallest even-width power of two >= n, walked until it lands below n. */
static uint64_t permute(uint64_t key, uint64_t x, uint64_t n)
{
    int h = 1;
    while ((1ULL << (2 * h)) < n)
        h++;
    uint64_t mask = (1ULL << h) - 1;
    do {
        uint64_t l = x >> h, r = x & mask;
        for (uint64_t i = 0; i < 4; i++) {
            uint64_t t = l ^ (mix64(key + i * 0x9e3779b97f4a7c15ULL + r) & mask);
            l = r, r = t;
        }
        x = l << h | r;
    } while (x >= n);
    return x;
}

/* A number of `digits` digits without a leading zero, distinct per guard. */
static uint64_t scramble(uint64_t seed, uint64_t salt, long i, int digits)
{
    uint64_t lo = 1;
    for (int d = 1; d < digits; d++)
        lo *= 10;
    return lo + permute(mix64(seed ^ salt), (uint64_t)i, 9 * lo);
}

static int check_digit(uint64_t v)
{
    int sum = 0, w = 1;
    for (; v; v /= 10, w = w == 1 ? 3 : 1)
        sum += (int)(v % 10) * w;
    return (10 - sum % 10) % 10;
}

static void write_positions_shifts(const char *dir)
{
    csv_file c;
    csv_open(&c, dir, "position.csv", "position_id,name");
    for (int i = 0; i < NPOSITION; i++)
        csv_row(&c, 2, (const char *[]){positions[i].id, positions[i].name});
    csv_close(&c);
    csv_open(&c, dir, "shift.csv", "shift_id,start,end,break_min,name");
    for (int i = 0; i < NSHIFT; i++) {
        const struct shift_def *s = &shifts[i];
        csv_row(&c, 5, (const char *[]){s->id, s->start, s->end, "0", s->name});
    }
    csv_close(&c);
}

static void write_detachments(const model *m, const char *dir)
{
    csv_file c;
    char id[24], name[256], addr[256];
    csv_open(&c, dir, "detachment.csv", "detachment_id,name,client,region,address");
    for (int d = 0; d < m->ndet; d++) {
        const site *s = &m->site[d];
        const struct city_def *ct = &cities[s->city];
        det_id(m, d, id);
        int n = snprintf(name, sizeof name, "%s %s%s", brands[s->brand].name, ct->area[s->area],
                         kinds[s->kind].suffix);
        if (s->dup)
            snprintf(name + n, sizeof name - (size_t)n, " %d", s->dup + 1);
        snprintf(addr, sizeof addr, "%d %s, %s, %s, %s", s->number, ct->street[s->street],
                 ct->area[s->area], ct->name, ct->province);
        csv_row(
            &c, 5,
            (const char *[]){id, name, brands[s->brand].client, s->iva ? "IV-A" : "NCR", addr});
    }
    csv_close(&c);
}

static void write_guards(const model *m, const char *dir)
{
    csv_file c;
    char id[24], emp[24], acct[24], tin[24], sss[24], ph[24], hdmf[24];
    csv_open(&c, dir, "guard.csv",
             "guard_id,employee_no,last_name,first_name,position_id,rest_days,bank_code,"
             "bank_account,tin,sss_no,philhealth_no,hdmf_no,status");
    for (long i = 0; i < m->n; i++) {
        const guard *g = &m->g[i];
        const struct bank_def *b = &banks[g->bank];
        uint64_t v;
        guard_id(m, i, id);
        snprintf(emp, sizeof emp, "%06ld", 100001 + i);
        snprintf(acct, sizeof acct, "%0*llu", b->digits,
                 (unsigned long long)scramble(m->seed, 0xB0 + g->bank, i, b->digits));
        v = scramble(m->seed, 0x71, i, 9);
        snprintf(tin, sizeof tin, "%03u-%03u-%03u-000", (unsigned)(v / 1000000),
                 (unsigned)(v / 1000 % 1000), (unsigned)(v % 1000));
        v = scramble(m->seed, 0x55, i, 7);
        snprintf(sss, sizeof sss, "%02u-%07u-%d", 33 + (unsigned)(i % 2), (unsigned)v,
                 check_digit(v));
        v = scramble(m->seed, 0x9A, i, 9);
        snprintf(ph, sizeof ph, "%02u-%09u-%d",
                 i % 3 == 0   ? 1u
                 : i % 3 == 1 ? 2u
                              : 12u,
                 (unsigned)v, check_digit(v));
        v = scramble(m->seed, 0x4D, i, 8);
        snprintf(hdmf, sizeof hdmf, "121%u-%04u-%04u", (unsigned)(i % 2), (unsigned)(v / 10000),
                 (unsigned)(v % 10000));
        const char *first = g->female ? female_names[g->first] : male_names[g->first];
        csv_row(&c, 13,
                (const char *[]){id, emp, surnames[g->last], first, positions[g->position].id,
                                 weekday_names[g->rest_wd], b->code, acct, tin, sss, ph, hdmf,
                                 status_names[g->status]});
    }
    csv_close(&c);
}

static void write_assignments(const model *m, const plan *p, const char *dir)
{
    csv_file c;
    char id[24], det[24], rid[24], from[16], to[16];
    csv_open(&c, dir, "assignment.csv",
             "guard_id,detachment_id,shift_id,valid_from,valid_to,kind,relieves_guard_id");
    for (long i = 0; i < m->n; i++) {
        const guard *g = &m->g[i];
        if (g->det < 0)
            continue;
        guard_id(m, i, id);
        det_id(m, g->det, det);
        csv_row(&c, 7,
                (const char *[]){id, det, shifts[g->shift].id, "2026-01-01", "", "regular", ""});
    }
    for (size_t k = 0; k < p->nrel; k++) {
        const relief *r = &p->rel[k];
        const guard *g = &m->g[r->relieved];
        guard_id(m, r->reliever, id);
        guard_id(m, r->relieved, rid);
        det_id(m, g->det, det);
        date_format(p->from + r->from, from);
        date_format(p->from + r->to, to);
        csv_row(&c, 7, (const char *[]){id, det, shifts[g->shift].id, from, to, "reliever", rid});
    }
    csv_close(&c);
}

static void write_rates(const model *m, const char *dir)
{
    csv_file c;
    char det[24], rate[32];
    csv_open(&c, dir, "rate.csv",
             "detachment_id,shift_id,position_id,daily_rate,valid_from,valid_to");
    for (int d = 0; d < m->ndet; d++) {
        const site *s = &m->site[d];
        det_id(m, d, det);
        for (int v = 0; v < (s->revised_c ? 2 : 1); v++)
            for (int sh = 0; sh < NSHIFT; sh++)
                for (int pos = 0; pos < NPOSITION; pos++) {
                    money_format((v ? s->revised_c : s->rate_c) + positions[pos].premium_c, rate);
                    csv_row(&c, 6,
                            (const char *[]){det, shifts[sh].id, positions[pos].id, rate,
                                             v ? "2026-07-16" : "2026-01-01", ""});
                }
    }
    csv_close(&c);
}

static void write_obligations(const model *m, const char *dir)
{
    csv_file c;
    char id[24], gid[24], principal[32] = "", inst[32], n[16];
    int w = digits_of(m->nobl) > 4 ? digits_of(m->nobl) : 4;
    csv_open(&c, dir, "obligation.csv",
             "obligation_id,guard_id,kind,code,label,principal,installment,installments,"
             "start_period,frequency,taxable,status");
    for (long i = 0; i < m->nobl; i++) {
        const obligation *o = &m->obl[i];
        const struct obligation_def *od = &obligation_defs[o->def];
        id_format(id, "OBL", w, i + 1);
        guard_id(m, o->guard, gid);
        principal[0] = n[0] = '\0';
        if (o->principal_c)
            money_format(o->principal_c, principal);
        if (o->installments)
            snprintf(n, sizeof n, "%d", o->installments);
        money_format(o->installment_c, inst);
        csv_row(&c, 12,
                (const char *[]){id, gid, od->kind, od->code, od->label, principal, inst, n,
                                 o->start_period, od->frequency, od->taxable, "ACTIVE"});
    }
    csv_close(&c);
}

static void write_users(const char *dir)
{
    csv_file c;
    csv_open(&c, dir, "user.csv", "user_id,name,roles,status");
    for (size_t i = 0; i < NELEM(users); i++)
        csv_row(&c, 4, (const char *[]){users[i].id, users[i].name, users[i].roles, "ACTIVE"});
    csv_close(&c);
}

static void masterdata(const model *m, const plan *p, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 && caller_mkdir(dir, 0777) != 0)
        armms_die(EXIT_CANTCREAT, "cannot create directory %s: %s", dir, strerror(errno));
    write_positions_shifts(dir);
    write_detachments(m, dir);
    write_guards(m, dir);
    write_assignments(m, p, dir);
    write_rates(m, dir);
    write_obligations(m, dir);
    write_users(dir);
}

/* ---- events ---- */

enum { F_REPLAY = 1, F_LATE = 2 };
enum { T_IN, T_OUT };

typedef struct punch {
    int32_t t; /* seconds since 00:00 +08:00 on the period's first day */
    uint32_t worker, det;
    uint8_t type, flags;
} punch;

typedef struct emitter {
    const model *m;
    const plan *p;
    int csv;
    long max, lines; /* max < 0: no limit */
    punch *pend;
    size_t npend, cap;
    punch *late;
    uint64_t *late_no;
    size_t nlate, late_cap;
    uint64_t *counter, base; /* next event number per detachment device */
    char *gid, *did;         /* fixed-width id strings, gid_len and did_len apart */
    size_t gid_len, did_len;
    char date[MAX_PERIOD_DAYS + 2][11];
    char *buf;
    size_t len;
} emitter;

enum { OUT_BUF = 1 << 20, LINE_MAX_BYTES = 512 };

static void out_flush(emitter *e)
{
    if (e->len && fwrite(e->buf, 1, e->len, stdout) != e->len)
        armms_die(EXIT_IOERR, "write error on standard output: %s", strerror(errno ? errno : EIO));
    e->len = 0;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}
#define PUTS(o, lit) put(o, lit, sizeof(lit) - 1)

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* At least six digits, zero-padded. */
static char *put_counter(char *o, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) || n < 6);
    while (n)
        *o++ = tmp[--n];
    return o;
}

static char *put_ts(const emitter *e, char *o, int32_t t)
{
    int sod = t % DAY_S;
    o = put(o, e->date[t / DAY_S], 10);
    *o++ = 'T';
    o = put2(o, sod / 3600);
    *o++ = ':';
    o = put2(o, sod / 60 % 60);
    *o++ = ':';
    o = put2(o, sod % 60);
    return PUTS(o, "+08:00");
}

/* One line; returns 0 once --max lines are out. */
static int emit_line(emitter *e, const punch *p, uint64_t no)
{
    if (e->max >= 0 && e->lines >= e->max)
        return 0;
    if (OUT_BUF - e->len < LINE_MAX_BYTES)
        out_flush(e);
    const char *det = e->did + p->det * e->did_len, *gid = e->gid + p->worker * e->gid_len;
    const char *type = p->type == T_IN ? "IN" : "OUT";
    size_t tlen = p->type == T_IN ? 2 : 3;
    char *o = e->buf + e->len;
    if (!e->csv)
        o = PUTS(o, "{\"event_id\":\"");
    o = put(o, det, e->did_len);
    o = PUTS(o, "-1-");
    o = put_counter(o, no);
    o = e->csv ? PUTS(o, ",") : PUTS(o, "\",\"device_id\":\"");
    o = put(o, det, e->did_len);
    o = PUTS(o, "-1");
    o = e->csv ? PUTS(o, ",") : PUTS(o, "\",\"guard_id\":\"");
    o = put(o, gid, e->gid_len);
    o = e->csv ? PUTS(o, ",") : PUTS(o, "\",\"ts\":\"");
    o = put_ts(e, o, p->t);
    o = e->csv ? PUTS(o, ",") : PUTS(o, "\",\"type\":\"");
    o = put(o, type, tlen);
    o = e->csv ? PUTS(o, ",") : PUTS(o, "\",\"detachment_id\":\"");
    o = put(o, det, e->did_len);
    o = e->csv ? PUTS(o, "\n") : PUTS(o, "\"}\n");
    e->len = (size_t)(o - e->buf);
    e->lines++;
    return 1;
}

static void push(emitter *e, int32_t t, uint32_t worker, uint32_t det, int type, rng *r)
{
    if (e->npend == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 1 << 16;
        e->pend = xrealloc(e->pend, sizeof *e->pend * e->cap);
    }
    uint8_t flags = (uint8_t)((chance(r, PPM_REPLAY) ? F_REPLAY : 0) |
                              (chance(r, PPM_LATE_ARRIVAL) ? F_LATE : 0));
    e->pend[e->npend++] = (punch){t, worker, det, (uint8_t)type, flags};
}

static void punch_at(emitter *e, int32_t t, long worker, int det, int type, rng *r)
{
    int ndet = e->m->ndet;
    if (ndet > 1 && chance(r, PPM_WRONG_DET))
        det = (det + 1 + (int)below(r, (uint32_t)(ndet - 1))) % ndet;
    push(e, t, (uint32_t)worker, (uint32_t)det, type, r);
    if (chance(r, PPM_DOUBLE_TAP))
        push(e, t + 5 + (int32_t)below(r, 86), (uint32_t)worker, (uint32_t)det, type, r);
}

/* One worked shift instance starting on day k of the period. */
static void work_shift(emitter *e, long worker, int det, int shift, int k)
{
    rng r = rng_at(e->m->seed, K_SHIFT, (uint64_t)worker, (uint64_t)(e->p->from + k));
    int32_t start = k * DAY_S + shifts[shift].start_s, end = start + SHIFT_LEN_S, in, out;
    if (!chance(&r, PPM_LATE_IN))
        in = start - IN_EARLY_MIN_S - (int32_t)below(&r, IN_EARLY_MAX_S - IN_EARLY_MIN_S + 1);
    else if (chance(&r, PPM_LATE_IN_GRACE))
        in = start + 60 + (int32_t)below(&r, 4 * 60 + 1);
    else
        in = start + 5 * 60 + 1 + (int32_t)below(&r, 40 * 60);
    if (chance(&r, PPM_EARLY_OUT))
        out = end - 10 * 60 - (int32_t)below(&r, 50 * 60 + 1);
    else
        out = end + (int32_t)below(&r, 15 * 60 + 1);
    int no_out = chance(&r, PPM_NO_OUT);
    punch_at(e, in, worker, det, T_IN, &r);
    if (!no_out)
        punch_at(e, out, worker, det, T_OUT, &r);
}

static int punch_cmp(const void *a, const void *b)
{
    const punch *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->det != y->det)
        return x->det < y->det ? -1 : 1;
    return (x->flags > y->flags) - (x->flags < y->flags);
}

/* Number and write the pending punches before `bound` in time order; the
 * late arrivals are numbered now and kept for the end. 0 once --max is hit. */
static int flush_before(emitter *e, int32_t bound)
{
    size_t i;
    if (!e->npend)
        return 1;
    qsort(e->pend, e->npend, sizeof *e->pend, punch_cmp);
    for (i = 0; i < e->npend && e->pend[i].t < bound; i++) {
        const punch *p = &e->pend[i];
        uint64_t no = e->counter[p->det]++;
        if (no - e->base >= EVENT_ID_STRIDE)
            armms_die(EXIT_SOFTWARE, "device DET%0*u-1: more than %d events in one period",
                      e->m->did_w, p->det + 1, EVENT_ID_STRIDE - 1);
        if (p->flags & F_LATE) {
            if (e->nlate == e->late_cap) {
                e->late_cap = e->late_cap ? 2 * e->late_cap : 1024;
                e->late = xrealloc(e->late, sizeof *e->late * e->late_cap);
                e->late_no = xrealloc(e->late_no, sizeof *e->late_no * e->late_cap);
            }
            e->late[e->nlate] = *p;
            e->late_no[e->nlate++] = no;
            continue;
        }
        if (!emit_line(e, p, no) || ((p->flags & F_REPLAY) && !emit_line(e, p, no)))
            return 0;
    }
    memmove(e->pend, e->pend + i, sizeof *e->pend * (e->npend - i));
    e->npend -= i;
    return 1;
}

static void emitter_init(emitter *e, const model *m, const plan *p, uint64_t base)
{
    char id[24];
    memset(e, 0, sizeof *e);
    e->m = m, e->p = p, e->base = base;
    e->gid_len = 1 + (size_t)m->gid_w;
    e->did_len = 3 + (size_t)m->did_w;
    e->gid = xmalloc(e->gid_len * (size_t)m->n + 24);
    e->did = xmalloc(e->did_len * (size_t)m->ndet + 24);
    for (long i = 0; i < m->n; i++) {
        guard_id(m, i, id);
        memcpy(e->gid + i * e->gid_len, id, e->gid_len);
    }
    e->counter = xmalloc(sizeof *e->counter * (size_t)m->ndet);
    for (int d = 0; d < m->ndet; d++) {
        det_id(m, d, id);
        memcpy(e->did + d * e->did_len, id, e->did_len);
        e->counter[d] = base + 1;
    }
    for (int k = 0; k <= p->ndays; k++)
        date_format(p->from + k, e->date[k]);
    e->buf = xmalloc(OUT_BUF);
}

static void emitter_free(emitter *e)
{
    free(e->pend);
    free(e->late);
    free(e->late_no);
    free(e->counter);
    free(e->gid);
    free(e->did);
    free(e->buf);
}

/* Every shift of the period in time order, then the late arrivals. After
 * day k is generated no later day can punch before day k+1's earliest IN,
 * so everything before that is final and goes out. */
static void events(emitter *e)
{
    const model *m = e->m;
    const plan *p = e->p;
    int earliest = shifts[0].start_s;
    for (int s = 1; s < NSHIFT; s++)
        if (shifts[s].start_s < earliest)
            earliest = shifts[s].start_s;
    for (int k = 0; k < p->ndays; k++) {
        day_t date = p->from + k;
        int wd = weekday(date);
        for (long i = 0; i < m->n; i++) {
            const guard *g = &m->g[i];
            if (g->det < 0 || g->status != ACTIVE)
                continue;
            if (g->rest_wd == wd) {
                rng r = rng_at(m->seed, K_REST, (uint64_t)i, (uint64_t)date);
                if (chance(&r, PPM_REST_WORK))
                    work_shift(e, i, g->det, g->shift, k);
            } else if (!(p->absent[i] & 1u << k)) {
                work_shift(e, i, g->det, g->shift, k);
            }
        }
        for (size_t j = 0; j < p->nrel; j++) {
            const relief *r = &p->rel[j];
            const guard *g = &m->g[r->relieved];
            if (r->from <= k && k <= r->to)
                work_shift(e, r->reliever, g->det, g->shift, k);
        }
        int32_t bound = k + 1 < p->ndays ? (k + 1) * DAY_S + earliest - IN_EARLY_MAX_S : INT32_MAX;
        if (!flush_before(e, bound))
            return;
    }
    for (size_t j = 0; j < e->nlate; j++) {
        const punch *l = &e->late[j];
        if (!emit_line(e, l, e->late_no[j]) ||
            ((l->flags & F_REPLAY) && !emit_line(e, l, e->late_no[j])))
            return;
    }
}

/* ---- main ---- */

enum { OPT_GUARDS = OPT_TOOL_BASE, OPT_SEED, OPT_PERIOD, OPT_OUT, OPT_FORMAT, OPT_MAX };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"guards", required_argument, NULL, OPT_GUARDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"period", required_argument, NULL, OPT_PERIOD},
        {"out", required_argument, NULL, OPT_OUT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"max", required_argument, NULL, OPT_MAX},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        CLI_COMPLETE_LONGOPT,
        {0, 0, 0, 0},
    };
    /* the commands, for cli_verb_pick and --complete; the usage is above */
    static const cli_verb verbs[] = {{.name = "masterdata"}, {.name = "events"}, {0}};
    cli_t c;
    const char *period = "2026-11-A", *out = NULL, *format = NULL;
    long guards = 1200, max = -1;
    uint64_t seed = 1;
    int opt;
    cli_init(&c, "armms-sample", usage);
    c.verbs = verbs;
    argv[0] = (char *)"armms-sample"; /* getopt_long names the tool in its messages */
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (cli_common(&c, opt, optarg))
            continue;
        switch (opt) {
        case OPT_GUARDS:
            guards = cli_long(&c, "--guards", optarg, 1, MAX_GUARDS);
            break;
        case OPT_SEED:
            seed = (uint64_t)cli_long(&c, "--seed", optarg, 0, LONG_MAX);
            break;
        case OPT_PERIOD:
            period = optarg;
            break;
        case OPT_OUT:
            out = optarg;
            break;
        case OPT_FORMAT:
            format = optarg;
            break;
        case OPT_MAX:
            max = cli_long(&c, "--max", optarg, 0, LONG_MAX);
            break;
        }
    }
    const char *operand;
    int is_events =
        !strcmp(cli_verb_pick(&c, verbs, "command", argc, argv, &operand)->name, "events");
    if (is_events && out)
        cli_usage_error(&c, "--out is for masterdata; events go to standard output");
    if (!is_events && (format || max >= 0))
        cli_usage_error(&c, "--%s is for events", format ? "format" : "max");
    if (format && strcmp(format, "ndjson") != 0 && strcmp(format, "csv") != 0)
        cli_usage_error(&c, "unknown format '%s' (want ndjson or csv)", format);
    day_t from, to;
    if (period_parse(period, &from, &to) != 0)
        cli_usage_error(&c, "invalid period '%s' (want YYYY-MM-A or YYYY-MM-B)", period);
    int y = atoi(period), mon = atoi(period + 5);
    if (y < 2026)
        cli_usage_error(&c, "period '%s' is before the demo tenant starts (2026-01-01)", period);

    model m;
    plan p;
    model_build(&m, guards, seed);
    plan_build(&m, &p, from, to);
    if (is_events) {
        emitter e;
        uint64_t index = (uint64_t)((y - 2026) * 24 + (mon - 1) * 2 + (period[8] == 'B'));
        emitter_init(&e, &m, &p, index * EVENT_ID_STRIDE);
        e.csv = format && strcmp(format, "csv") == 0;
        e.max = max;
        if (e.csv)
            fputs("event_id,device_id,guard_id,ts,type,detachment_id\n", stdout);
        events(&e);
        out_flush(&e);
        emitter_free(&e);
    } else {
        masterdata(&m, &p, out ? out : ".");
    }
    plan_free(&p);
    model_free(&m);
    return cli_end(&c, 0, NULL, NULL);
}
