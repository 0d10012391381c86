/*
 * tenant.c - see tenant.h.
 */
#define _GNU_SOURCE
#include "store/tenant.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/secure.h"
#include "core/suggest.h"
#include "store/store.h"

int tenant_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n < 1 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        int ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

char *armms_home(void)
{
    if (secure_on())
        return xstrdup(secure_data_dir());
    const char *h = armms_env("ARMMS_HOME");
    if (h && *h)
        return xstrdup(h);
    const char *x = armms_env("XDG_DATA_HOME");
    if (x && *x)
        return xasprintf("%s/armms", x);
    const char *home = armms_env("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    return xasprintf("%s/.local/share/armms", home);
}

int tenant_resolve(tenant_t *t, const char *opt_tenant, const char *opt_actor, armms_err *err)
{
    memset(t, 0, sizeof *t);
    /* personal: the owner only; multi-user: the installation's group too,
     * which no person is a member of (armms-security(7)) */
    t->secure = secure_on();
    umask(t->secure ? 007 : 077);
    const char *id = opt_tenant ? opt_tenant : armms_env("ARMMS_TENANT");
    if (!id || !*id)
        return err_set(err, EXIT_USAGE, "no tenant: use -t TENANT or set ARMMS_TENANT");
    if (!tenant_id_valid(id))
        return err_set(err, EXIT_USAGE,
                       "invalid tenant id '%s': must match ^[a-z0-9][a-z0-9_-]{0,62}$", id);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->home = armms_home();
    t->dir = xasprintf("%s/tenants/%s", t->home, t->id);
    const char *a = opt_actor ? opt_actor : armms_env("ARMMS_USER");
    snprintf(t->asked, sizeof t->asked, "%s", a ? a : "");
    snprintf(t->login, sizeof t->login, "%s", secure_login());
    if (!a || !*a)
        a = t->login[0] ? t->login : t->secure ? "" : armms_env("LOGNAME");
    snprintf(t->actor, sizeof t->actor, "%s", a && *a ? a : "unknown");
    t->wait_ms = 30000;
    tz_load(&t->tz, "Asia/Manila");
    return 0;
}

char *tenant_path(const tenant_t *t, const char *name)
{
    return xasprintf("%s/%s", t->dir, name);
}

static int load_conf(tenant_t *t, armms_err *err)
{
    char *p = tenant_path(t, "tenant.conf");
    FILE *f = fopen(p, "r");
    free(p);
    t->nconf = 0;
    if (!f)
        return 0; /* defaults */
    char line[512];
    int rc = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = 0;
        if (strcmp(line, "tz") == 0) {
            if (tz_load(&t->tz, eq + 1) != 0) {
                rc = err_set(err, EXIT_CONFIG, "tenant %s: unknown time zone '%s' in tenant.conf",
                             t->id, eq + 1);
                break;
            }
        } else if (t->nconf < (int)(sizeof t->conf / sizeof *t->conf)) {
            snprintf(t->conf[t->nconf].key, sizeof t->conf[0].key, "%s", line);
            snprintf(t->conf[t->nconf].val, sizeof t->conf[0].val, "%s", eq + 1);
            t->nconf++;
        } else {
            /* never drop a setting silently: a later line may override one */
            rc = err_set(err, EXIT_CONFIG,
                         "tenant %s: tenant.conf has more than %d settings; remove the "
                         "duplicate lines",
                         t->id, (int)(sizeof t->conf / sizeof *t->conf));
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Why t is not there: the tenant nearest its id, else the tenants there
 * are (the first few), else that there are none: only then is creating
 * it the likely wish. A typo must not read as advice to create a tenant. */
static int missing(tenant_t *t, armms_err *err)
{
    enum { SHOWN = 8 };
    size_t n;
    char **names = tenant_list(&n);
    suggest_t near;
    strbuf b;
    sb_init(&b);
    suggest_init(&near, t->id);
    for (size_t i = 0; i < n; i++)
        suggest_offer(&near, names[i]);
    if (suggest_names(&near, &b)) {
        err_set(err, EXIT_CONFIG, "tenant %s does not exist under %s (did you mean %s?)", t->id,
                t->home, b.s);
    } else if (n) {
        for (size_t i = 0; i < n && i < SHOWN; i++)
            sb_addf(&b, "%s%s", i ? ", " : "", names[i]);
        if (n > SHOWN)
            sb_addf(&b, " and %zu more (armms-init --list)", n - SHOWN);
        err_set(err, EXIT_CONFIG, "tenant %s does not exist under %s; the tenants there: %s",
                t->id, t->home, b.s);
    } else {
        err_set(err, EXIT_CONFIG,
                "tenant %s does not exist under %s, which has no tenants yet; "
                "armms-init -t %s creates one",
                t->id, t->home, t->id);
    }
    sb_free(&b);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return err->code;
}

/* A multi-user installation trusts no directory a person could have made
 * or could write: the data directory and the tenant's are root's, of the
 * installation's group, and nobody else's to write. */
static int trusted_dir(const char *path, armms_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0; /* missing: said by the caller */
    if (st.st_uid != 0 || st.st_gid != getegid() || (st.st_mode & S_IWOTH))
        return err_set(err, EXIT_CONFIG,
                       "%s is not the installation's: it must be root's, of group %ld and not "
                       "writable by others (make install-system sets it up)",
                       path, (long)getegid());
    return 0;
}

/* ---- which host processes the tenant -------------------------------------- */

const char *tenant_this_host(void)
{
    static char name[256];
    if (!name[0]) {
        const char *e = armms_env("ARMMS_HOSTNAME");
        if (e && *e)
            snprintf(name, sizeof name, "%s", e);
        else if (gethostname(name, sizeof name - 1) != 0 || !name[0])
            snprintf(name, sizeof name, "localhost");
        name[strcspn(name, "\n")] = 0;
    }
    return name;
}

int tenant_holder_of(const tenant_t *t, tenant_holder *h, armms_err *err)
{
    memset(h, 0, sizeof *h);
    char *p = tenant_path(t, "host");
    FILE *f = fopen(p, "r");
    if (!f) {
        int e = errno;
        free(p);
        return e == ENOENT ? 0
                           : err_set(err, EXIT_IOERR, "tenant %s: cannot read its host file: %s",
                                     t->id, strerror(e));
    }
    free(p);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq++ = 0;
        if (!strcmp(line, "host"))
            snprintf(h->host, sizeof h->host, "%s", eq);
        else if (!strcmp(line, "since"))
            snprintf(h->since, sizeof h->since, "%s", eq);
        else if (!strcmp(line, "by"))
            snprintf(h->by, sizeof h->by, "%s", eq);
    }
    fclose(f);
    if (!h->host[0])
        return err_set(err, EXIT_CONFIG,
                       "tenant %s: its host file names no host; armms-init --claim %s --force "
                       "on the host that processes it writes it again",
                       t->id, t->id);
    return 1;
}

static int held_elsewhere(const tenant_t *t, const tenant_holder *h, armms_err *err)
{
    return err_set(err, EXIT_TEMPFAIL,
                   "tenant %s is held by host %s since %s (claimed by %s), not by this host (%s): "
                   "run its tools there, or armms-init --release %s there first",
                   t->id, h->host, h->since[0] ? h->since : "?", h->by[0] ? h->by : "?",
                   tenant_this_host(), t->id);
}

int tenant_host_check(const tenant_t *t, armms_err *err)
{
    tenant_holder h;
    int rc = tenant_holder_of(t, &h, err);
    if (rc != 1)
        return rc; /* 0: no host holds it; else why it cannot be told */
    return strcmp(h.host, tenant_this_host()) ? held_elsewhere(t, &h, err) : 0;
}

/* The host file of t for this host, as t->actor: written whole under a
 * temporary name, then linked as "host" (replace: renamed over it). */
static int write_claim(const tenant_t *t, int replace, armms_err *err)
{
    char at[32];
    now_iso(at);
    char *p = tenant_path(t, "host");
    char *tmp = xasprintf("%s.%ld.tmp", p, (long)getpid());
    int rc = 0;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rc = err_set(err, EXIT_CANTCREAT, "tenant %s: cannot write %s: %s", t->id, tmp,
                     strerror(errno));
    } else {
        fprintf(f, "host=%s\nsince=%s\nby=%s\n", tenant_this_host(), at, t->actor);
        if (fflush(f) != 0 || fsync(fileno(f)) != 0)
            rc = err_set(err, EXIT_IOERR, "tenant %s: cannot write %s", t->id, tmp);
        if (fclose(f) != 0 && !rc)
            rc = err_set(err, EXIT_IOERR, "tenant %s: cannot write %s", t->id, tmp);
    }
    if (!rc && (replace ? rename(tmp, p) : link(tmp, p)) != 0)
        rc = errno == EEXIST ? -1
                             : err_set(err, EXIT_IOERR, "tenant %s: cannot write %s: %s", t->id, p,
                                       strerror(errno));
    unlink(tmp);
    free(tmp);
    free(p);
    return rc;
}

int tenant_claim(const tenant_t *t, int force, int *was, tenant_holder *prev, armms_err *err)
{
    for (;;) {
        int rc = tenant_holder_of(t, prev, err);
        if (rc == EXIT_CONFIG && force) { /* a host file that names no host */
            err->code = 0;
            *was = 3;
            return write_claim(t, 1, err);
        }
        if (rc != 0 && rc != 1)
            return rc;
        if (rc == 1 && !strcmp(prev->host, tenant_this_host())) {
            *was = 1;
            return 0;
        }
        if (rc == 1 && !force)
            return held_elsewhere(t, prev, err);
        *was = rc == 1 ? 2 : 0;
        rc = write_claim(t, rc == 1, err);
        if (rc != -1)
            return rc;
        /* another host claimed it between the read and the link: see who */
    }
}

int tenant_release(const tenant_t *t, int force, int *was, tenant_holder *prev, armms_err *err)
{
    int rc = tenant_holder_of(t, prev, err);
    if (rc == EXIT_CONFIG && force) {
        err->code = 0;
        rc = 1;
        snprintf(prev->host, sizeof prev->host, "(none named)");
    }
    if (rc != 0 && rc != 1)
        return rc;
    *was = rc == 1 ? strcmp(prev->host, tenant_this_host()) ? 2 : 1 : 0;
    if (*was == 2 && !force)
        return held_elsewhere(t, prev, err);
    if (*was) {
        char *p = tenant_path(t, "host");
        rc = unlink(p) != 0 && errno != ENOENT
                 ? err_set(err, EXIT_IOERR, "tenant %s: cannot remove %s: %s", t->id, p,
                           strerror(errno))
                 : 0;
        free(p);
        return rc;
    }
    return 0;
}

int tenant_require(tenant_t *t, armms_err *err)
{
    struct stat st;
    if (t->secure && (trusted_dir(t->home, err) || trusted_dir(t->dir, err)))
        return err->code;
    if (stat(t->dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return missing(t, err);
    if (!t->any_host && tenant_host_check(t, err))
        return err->code;
    return load_conf(t, err);
}

static int mkdir_p(const char *path, armms_err *err)
{
    char *p = xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                err_set(err, EXIT_CANTCREAT, "cannot create %s: %s", p, strerror(e));
                free(p);
                return err->code;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

int tenant_create(tenant_t *t, const char *tzname, armms_err *err)
{
    tz_t want;
    if (tzname && tz_load(&want, tzname) != 0)
        return err_set(err, EXIT_USAGE, "unknown time zone '%s'", tzname);
    struct stat st;
    if (tzname && stat(t->dir, &st) == 0) {
        /* Business dates already recorded depend on the zone. */
        int rc = load_conf(t, err);
        if (rc)
            return rc;
        if (strcmp(t->tz.name, want.name) != 0)
            return err_set(err, EXIT_USAGE,
                           "tenant %s already uses time zone %s; a tenant's zone cannot change",
                           t->id, t->tz.name);
    }
    if (mkdir_p(t->dir, err))
        return err->code;
    chmod(t->dir, t->secure ? 02770 : 0700);
    char *j = tenant_path(t, "journal");
    int rc = mkdir_p(j, err);
    free(j);
    if (rc)
        return rc;
    char *p = tenant_path(t, "tenant.conf");
    if (faccessat(AT_FDCWD, p, F_OK, AT_EACCESS) != 0) {
        if (tzname)
            t->tz = want;
        FILE *f = fopen(p, "w");
        if (!f) {
            int e = errno;
            free(p);
            return err_set(err, EXIT_CANTCREAT, "cannot create tenant.conf: %s", strerror(e));
        }
        fprintf(f, "# ARMMS tenant settings\ntz=%s\n", t->tz.name);
        if (fclose(f) != 0) {
            free(p);
            return err_set(err, EXIT_IOERR, "cannot write tenant.conf");
        }
    }
    free(p);
    return load_conf(t, err);
}

void tenant_free(tenant_t *t)
{
    free(t->home);
    free(t->dir);
    t->home = t->dir = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **tenant_list(size_t *n)
{
    char *home = armms_home(), *dir = xasprintf("%s/tenants", home);
    DIR *d = opendir(dir);
    char **names = NULL;
    *n = 0;
    if (d) {
        struct dirent *de;
        struct stat sb;
        while ((de = readdir(d)))
            if (tenant_id_valid(de->d_name) && !fstatat(dirfd(d), de->d_name, &sb, 0) &&
                S_ISDIR(sb.st_mode)) {
                names = xrealloc(names, sizeof *names * (*n + 1));
                names[(*n)++] = xstrdup(de->d_name);
            }
        closedir(d);
    }
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    free(home);
    free(dir);
    return names;
}

int tenant_conf_long(const tenant_t *t, const char *key, long def, long min, long max, long *out,
                     armms_err *err)
{
    *out = def;
    for (int i = t->nconf - 1; i >= 0; i--) /* the last line wins */
        if (strcmp(t->conf[i].key, key) == 0) {
            char *end;
            errno = 0;
            long v = strtol(t->conf[i].val, &end, 10);
            if (errno || end == t->conf[i].val || *end || v < min || v > max)
                return err_set(err, EXIT_CONFIG,
                               "tenant %s: %s=%s in tenant.conf is not a whole number from %ld "
                               "to %ld",
                               t->id, key, t->conf[i].val, min, max);
            *out = v;
            return 0;
        }
    return 0;
}
