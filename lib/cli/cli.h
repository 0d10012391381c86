/*
 * cli.h - the options every tool shares, so each main() stays thin.
 *
 * Common options: -t/--tenant, --as USER, --wait SECONDS, --rejects FILE,
 * -q/--quiet, -h/--help, --version. A tool lists CLI_COMMON_LONGOPTS in its
 * getopt_long table, adds CLI_COMMON_SHORTOPTS to its short options, and
 * passes each option to cli_common() before its own switch. Here too:
 * the messages every tool prints, its verb table and its epilogue.
 *
 * Uses store (tenant) and iam (the scope check) below it, and prints: the
 * CLI layer and the tools are the only code that does.
 */
#ifndef ARMMS_CLI_H
#define ARMMS_CLI_H

#include <getopt.h>
#include <jv.h>
#include <stddef.h>
#include <stdio.h>

#include "core/reject.h"
#include "core/util.h"
#include "store/tenant.h"

enum {
    OPT_AS = 1000,
    OPT_WAIT,
    OPT_REJECTS,
    OPT_VERSION,
    OPT_COMPLETE,
    OPT_TOOL_BASE = 1100, /* tools number their own long options from here */
};

#define CLI_COMMON_SHORTOPTS "t:qh"
#define CLI_COMMON_LONGOPTS                                                                       \
    {"tenant", required_argument, NULL, 't'}, {"as", required_argument, NULL, OPT_AS},            \
        {"wait", required_argument, NULL, OPT_WAIT},                                              \
        {"rejects", required_argument, NULL, OPT_REJECTS}, {"quiet", no_argument, NULL, 'q'},     \
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, OPT_VERSION},            \
        CLI_COMPLETE_LONGOPT
/* The hidden --complete (see cli_complete), for a tool that lists its own
 * common options. */
#define CLI_COMPLETE_LONGOPT                                                                      \
    {                                                                                             \
        "complete", no_argument, NULL, OPT_COMPLETE                                               \
    }

/* The help lines of the common options. */
#define CLI_COMMON_OPTIONS                                                                        \
    "      --rejects FILE    append Reject records to FILE instead of stderr (where a\n"          \
    "                        terminal shows the first 20)\n"                                      \
    "      --as USER         act as USER (or ARMMS_USER, else the login name)\n"                  \
    "      --wait SECONDS    wait this long for a busy tenant (default 30)\n"                     \
    "  -q, --quiet           no summary (or progress, on a terminal) on stderr\n"                 \
    "  -h, --help            this text\n"                                                         \
    "      --version         print the version\n"

/*
 * The exit status block that ends every tool's --help, in one format:
 * CLI_EXIT_HEAD, then a CLI_EXIT line per code in increasing order
 * ("  65  text", the code right-aligned in two columns), a long text going
 * on in CLI_EXIT_MORE lines. The codes are the tool's EXIT STATUS in its
 * man page (tests/15-cli.bats holds each block to it).
 */
#define CLI_EXIT_HEAD "\nExit status:\n"
#define CLI_EXIT(code, text) "  " code "  " text "\n"
#define CLI_EXIT_MORE(text) "      " text "\n"
/* The codes of every tool that opens a tenant. */
#define CLI_EXIT_BUSY CLI_EXIT("75", "the tenant is busy past --wait, or another host holds it")
#define CLI_EXIT_NOPERM                                                                           \
    CLI_EXIT("77", "not permitted: the user lacks the scope (the roles holding it named)")
#define CLI_EXIT_CONFIG                                                                           \
    CLI_EXIT("78", "the tenant does not exist, or its stores are of another version")
/* The block of a tool that reads records. */
#define CLI_EXIT_RECORDS                                                                          \
    CLI_EXIT_HEAD CLI_EXIT(" 0", "every record landed") CLI_EXIT("64", "usage")                   \
        CLI_EXIT("65", "some records rejected (the others landed)")                               \
            CLI_EXIT("66", "an input file cannot be read (the others are read)")                  \
                CLI_EXIT("70", "internal error, or a damaged journal")                            \
                    CLI_EXIT("73", "the --rejects file cannot be opened")                         \
                        CLI_EXIT("74", "I/O error: input, journal, standard output or Rejects")   \
                            CLI_EXIT_BUSY CLI_EXIT_NOPERM CLI_EXIT_CONFIG

/* The common options and the exit status of a tool that reads records. */
#define CLI_COMMON_HELP CLI_COMMON_OPTIONS CLI_EXIT_RECORDS

typedef struct cli_verb cli_verb;

typedef struct cli {
    const char *tenant, *actor, *rejects;
    int wait_s; /* -1 = default */
    int quiet;
    const char *usage; /* the tool's usage text, printed by -h */
    /* what --complete offers as the first operands: the verbs (cli_init_verbs
     * sets them) after the word verb_lead ("adjust") when it is set, and
     * words, space-separated operands that are no verbs (the kinds) */
    const cli_verb *verbs;
    const char *verb_lead, *words;
    tenant_t *t;      /* set by cli_tenant, freed by cli_end */
    reject_sink *rej; /* set by cli_rejects, closed by cli_end */
} cli_t;

/* The tool's name in every message; set by cli_prog (cli_init calls it),
 * which also installs the handler of core's fatal failures. */
extern const char *armms_prog;
void cli_prog(const char *prog);
/* "PROG: message" on stderr (summaries, warnings). */
void armms_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A fatal message: "PROG: message" on stderr, then stdout is flushed and
 * the tool exits with code. Once cli_tenant has named the tenant, every
 * fatal message (these two, and the epilogue's write errors) reads
 * "PROG: tenant ID: message", unless the message names the tenant itself
 * ("tenant ID: ...", "user 'u' of tenant ID ..."). */
_Noreturn void armms_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print err as armms_die does and exit with its code. */
_Noreturn void armms_die_err(const armms_err *err);

/*
 * --complete, a hidden option of every tool, is what shell completion asks
 * (man/armms.bash): on stdout, one line per word it may offer,
 *   verb NAME            (or "verb LEAD NAME") a verb, kind or command
 *   option --NAME [ARG]  an option from the usage's option lines; ARG is
 *                        its metavar when it takes one (-t too: "option -t ID")
 *   value --NAME WORD    one of the values the synopsis lists ("--format a|b")
 * all read from the tables and the usage text, so completion cannot drift
 * from --help. cli_common prints it and exits 0.
 */
void cli_complete(const cli_t *c, FILE *out);

/* Name the program (cli_prog) and clear c; usage is what -h prints. */
void cli_init(cli_t *c, const char *prog, const char *usage);
/* 1 when opt was a common option (handled; may exit for -h/--version or a
 * bad value), 0 when the tool must handle it. '?' prints usage and exits 64. */
int cli_common(cli_t *c, int opt, const char *arg);
_Noreturn void cli_usage_error(const cli_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Verbs: a tool with subcommands lists them in ONE table (git's commands[]),
 * ended by an entry whose name is NULL. Its usage lines, the command list
 * of --help, the check and the dispatch all come from that table.
 * cli_verb_pick checks the verb before the tenant is opened or the actor
 * authorised, so a mistyped verb is 64 whoever runs it, wherever.
 */
struct cli_verb {
    const char *name;
    const char *operand;  /* the metavar of its one operand ("ID"), or NULL */
    const char *needs;    /* "VERB needs NEEDS" when that operand is missing */
    const char *synopsis; /* what follows the verb in its usage line, or NULL */
    const char *help;     /* its entry in the command list ("\n" continues it) */
    const char *scope;    /* the scope the acting user must hold, or NULL */
    int (*run)(void *ctx);
    const char *more; /* the metavars of operands after `operand` ("AMOUNT"), one per
                         word, that the verb reads itself from argv[optind...]; or NULL */
};

/* The verb named by argv[optind], its operand (if it takes one) in
 * *operand; optind moves past both, and stops at the verb's `more`
 * operands (exactly as many as it names). A missing or unknown verb, a missing
 * operand or any argument after them exits 64 with "PROG: unknown WHAT
 * 'x'" (or "missing WHAT (a, b or c)") and the --help line. */
const cli_verb *cli_verb_pick(const cli_t *c, const cli_verb *verbs, const char *what, int argc,
                              char **argv, const char **operand);
/* Append the verbs' usage lines to b: "PROG LEAD VERB OPERAND SYNOPSIS",
 * wrapped at 80 columns; the first line of an empty b begins "usage: ". */
void cli_verb_synopsis(strbuf *b, const char *lead, const cli_verb *verbs);
/* Append text to b as lines of at most 80 columns, each indented by indent. */
void cli_wrap(strbuf *b, size_t indent, const char *text);
/* Start a tool with verbs: cli_init(c, prog) with its usage made of the
 * verbs' synopsis (lead after the program's name), intro, the command list
 * and options; it lives until exit. Also names the tool, not its path, in
 * getopt's messages (argv[0]). */
void cli_init_verbs(cli_t *c, const char *prog, char **argv, const char *lead,
                    const cli_verb *verbs, const char *intro, const char *options);
/* Append the command list to b: "  VERB     help" lines. */
void cli_verb_list(strbuf *b, const cli_verb *verbs);

/* Resolve and require the tenant; dies with the right exit code. From here
 * on fatal messages name the tenant, and cli_end frees t. */
void cli_tenant(cli_t *c, tenant_t *t);
/* Die with 77 (a message naming the user, the tenant and the scope) unless
 * the tenant's actor holds scope. */
void cli_authorize(tenant_t *t, const char *scope);
/* Open the reject sink (--rejects or stderr); dies on failure. Its
 * Rejects are masked, and capped on a terminal (cli/rejects.h). cli_end
 * closes it unless the tool has (cli_rejects_close). */
void cli_rejects(cli_t *c, reject_sink *r);
/* Parse a positive integer option value or die with 64. */
long cli_long(const cli_t *c, const char *name, const char *arg, long min, long max);
/* The inputs named on the command line, or standard input when n is 0
 * ("-" also names it). fn gets each open input with its name and whether
 * the name ends in .csv. An input that cannot be opened is reported, sets
 * *missing and is skipped, so the others still land. Stops at fn's first
 * nonzero return and returns it. */
typedef int (*cli_input_fn)(int fd, const char *name, int csv_name, void *ctx);
int cli_each_input(int n, char **paths, cli_input_fn fn, void *ctx, int *missing);
/* Whether a tool that may read records should read standard input: a
 * pipe or socket always; anything but a terminal unless a select scope
 * was given (select set). */
int cli_stdin_wanted(int select);
/* The NDJSON records of the inputs (as cli_each_input names them), each
 * handed to fn (consumed) with its source, line and raw text. A line that
 * is not a record is a Reject; a Reject record fed back is its input
 * again when it holds it whole, else a Reject saying why; both count in
 * *read and *rejected. Stops at fn's first nonzero return. */
typedef int (*cli_record_fn)(jv rec, const char *source, long line, const char *raw,
                             size_t raw_len, void *ctx, armms_err *err);
int cli_each_record(int n, char **paths, cli_record_fn fn, void *ctx, reject_sink *rej, long *read,
                    long *rejected, int *missing, armms_err *err);
/* Close the reject sink; returns code, or 74 (with a message) when any
 * Reject could not be written. */
int cli_rejects_close(reject_sink *r, int code);
/* Check stdout was fully written; returns code, or 74 (with a message)
 * when it was not and code is 0. For tools without a cli_t (armms-init). */
int cli_finish(int code);

/*
 * THE EPILOGUE: every tool's main ends `return cli_end(&c, code, err, ...)`.
 * In this order it closes the reject sink (unless closed already; a write
 * error there makes code 74), prints the summary unless -q (fmt: one
 * "PROG: ..." line per "\n"-separated part; NULL prints none), dies with
 * err when err is not NULL, frees the tenant, checks standard output was
 * fully written (`> /dev/full` fails: 74 unless code is already an error)
 * and returns the exit code.
 */
int cli_end(cli_t *c, int code, const armms_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
