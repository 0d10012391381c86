/*
 * publish.c - the journal delivered at least once (see publish.h for what
 * goes out and the invariants kept).
 *
 * One pass reads the journal from the cursor to the head and hands it on
 * in batches. A NATS batch is published asynchronously, at most
 * max_pending messages in flight (libnats stalls js_PublishMsgAsync at the
 * window), then waited for whole; the acknowledgements arrive on libnats'
 * own thread (on_ack), which marks each event's slot under a mutex. The
 * cursor then moves to the end of the run of marked slots from the first,
 * and nowhere else: an event the broker did not acknowledge stops it even
 * when later ones were.
 */
#define _GNU_SOURCE
#include "bus/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "store/journal.h"

void publish_opts_init(publish_opts *o)
{
    memset(o, 0, sizeof *o);
    bus_opts_init(&o->bus);
    o->bus.name = "armms-journal publish";
    o->cursor = "publish";
    o->batch = 256;
    o->max_pending = 256;
    o->poll_ms = 1000;
    o->backoff_max_ms = 30000;
}

/* One event of the batch: where its line is in the batch's data, and the
 * fields its message is addressed and labelled by. */
typedef struct pub_event {
    long long seq;
    size_t off, len;
    char id[40];
    char type[80];
    char hash[65];
} pub_event;

typedef struct pub {
    tenant_t *t;
    const publish_opts *o;
    publish_report *r;
    armms_err *err;
    bus_t bus;
    jsCtx *ajs; /* the asynchronous context, acknowledgements to on_ack */
    long long head, expect;
    strbuf data; /* the batch's lines, each ended by '\n' */
    pub_event *ev;
    int n;
    /* written by on_ack (libnats' thread) under mu */
    pthread_mutex_t mu;
    unsigned char *acked; /* o->batch slots: event ev[i] acknowledged */
    long long first;      /* seq of slot 0 */
    long long dups;
    natsStatus nack; /* the first refusal's status (NATS_OK: none) */
    int nack_jerr;   /* and its JetStream error code */
    char nack_text[160];
} pub;

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    pub *p = closure;
    const char *v = NULL;
    long long seq = 0;
    if (natsMsgHeader_Get(msg, "Armms-Seq", &v) == NATS_OK && v)
        seq = strtoll(v, NULL, 10);
    pthread_mutex_lock(&p->mu);
    long long i = seq - p->first;
    if (seq > 0 && i >= 0 && i < p->o->batch) {
        if (pa) {
            p->acked[i] = 1;
            p->dups += pa->Duplicate ? 1 : 0;
        } else if (pae && p->nack == NATS_OK) {
            p->nack = pae->Err != NATS_OK ? pae->Err : NATS_ERR;
            p->nack_jerr = (int)pae->ErrCode;
            snprintf(p->nack_text, sizeof p->nack_text, "%s",
                     pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err));
        }
    }
    pthread_mutex_unlock(&p->mu);
    natsMsg_Destroy(msg);
}

static void disconnect(pub *p)
{
    if (p->ajs)
        jsCtx_Destroy(p->ajs);
    p->ajs = NULL;
    bus_close(&p->bus);
}

static int ensure_connected(pub *p)
{
    if (p->ajs && bus_connected(&p->bus))
        return 0;
    disconnect(p);
    int rc = bus_connect(&p->bus, &p->o->bus, p->err);
    if (rc)
        return rc;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = p->bus.timeout_ms;
    jo.PublishAsync.MaxPending = p->o->max_pending;
    jo.PublishAsync.AckHandler = on_ack;
    jo.PublishAsync.AckHandlerClosure = p;
    jo.PublishAsync.StallWait = p->bus.timeout_ms;
    natsStatus s = natsConnection_JetStream(&p->ajs, p->bus.nc, &jo);
    if (s != NATS_OK) {
        p->ajs = NULL;
        rc = bus_err(p->err, &p->bus, s, 0, "no JetStream");
        disconnect(p);
    }
    return rc;
}

/* A token NATS takes in a subject, and a header value on one line. */
static int token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n >= max)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Copy the string member key of the line's object into buf; 0 or -1. */
static int member(jv obj, const char *key, char *buf, size_t n)
{
    jv v = jv_object_get(jv_copy(obj), jv_string(key));
    int ok = jv_get_kind(v) == JV_KIND_STRING && token_ok(jv_string_value(v), n);
    if (ok)
        snprintf(buf, n, "%s", jv_string_value(v));
    jv_free(v);
    return ok ? 0 : -1;
}

static int add_event(pub *p, const char *line, size_t len, long long seq)
{
    if (p->n == p->o->batch)
        return err_set(p->err, EXIT_SOFTWARE, "batch overflow"); /* cannot happen */
    pub_event *e = &p->ev[p->n];
    memset(e, 0, sizeof *e);
    e->seq = seq;
    jv v = jv_parse_sized(line, (int)len);
    int bad = jv_get_kind(v) != JV_KIND_OBJECT;
    const char *what = "not an object";
    if (!bad && member(v, "event_id", e->id, sizeof e->id))
        bad = 1, what = "its event_id";
    if (!bad && member(v, "event_type", e->type, sizeof e->type))
        bad = 1, what = "its event_type";
    if (!bad && member(v, "hash", e->hash, sizeof e->hash))
        bad = 1, what = "its hash";
    jv_free(v);
    if (bad)
        return err_set(p->err, EXIT_SOFTWARE,
                       "tenant %s: journal line seq %lld cannot be published (%s); "
                       "armms-journal verify names the damage",
                       p->t->id, seq, what);
    e->off = p->data.len;
    e->len = len;
    sb_add(&p->data, line, len);
    sb_addc(&p->data, '\n');
    p->n++;
    return 0;
}

static void batch_reset(pub *p)
{
    sb_reset(&p->data);
    p->n = 0;
}

/* The anchor: the chain head at e, acknowledged before the cursor moves. */
static int publish_anchor(pub *p, const pub_event *e)
{
    char at[32], subject[128], id[128];
    iso_format_utc((instant_t)time(NULL), at);
    strbuf b;
    sb_init(&b);
    sb_adds(&b, "{\"tenant_id\":");
    sb_add_json_str(&b, p->t->id, strlen(p->t->id));
    sb_addf(&b, ",\"seq\":%lld", e->seq);
    sb_add_json_kv(&b, "hash", e->hash);
    sb_add_json_kv(&b, "at", at);
    sb_addc(&b, '}');
    snprintf(subject, sizeof subject, "armms.%s.anchor", p->t->id);
    snprintf(id, sizeof id, "anchor-%s-%lld", p->t->id, e->seq);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id;
    po.MaxWait = p->bus.timeout_ms;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_Publish(&pa, p->bus.js, subject, b.s, (int)b.len, &po, &jerr);
    sb_free(&b);
    jsPubAck_Destroy(pa);
    if (s != NATS_OK)
        return bus_err(p->err, &p->bus, s, jerr, "the anchor was not acknowledged");
    p->r->anchors++;
    return 0;
}

/* Publish the batch; *acked = how many events from the first the broker
 * acknowledged with no gap. 0 when all were, else the failure in err. */
static int nats_batch(pub *p, int *acked)
{
    *acked = 0;
    int rc = ensure_connected(p);
    if (rc)
        return rc;
    pthread_mutex_lock(&p->mu);
    memset(p->acked, 0, (size_t)p->o->batch);
    p->first = p->ev[0].seq;
    p->dups = 0;
    p->nack = NATS_OK;
    p->nack_jerr = 0;
    p->nack_text[0] = 0;
    pthread_mutex_unlock(&p->mu);

    natsStatus s = NATS_OK;
    char subject[128], seqs[24];
    int sent = 0;
    for (int i = 0; i < p->n && s == NATS_OK; i++) {
        const pub_event *e = &p->ev[i];
        if (p->o->kill_at && e->seq == p->o->kill_at)
            raise(SIGKILL); /* the test hook: a publisher killed mid-batch */
        natsMsg *m = NULL;
        snprintf(subject, sizeof subject, "armms.%s.%s", p->t->id, e->type);
        snprintf(seqs, sizeof seqs, "%lld", e->seq);
        s = natsMsg_Create(&m, subject, NULL, p->data.s + e->off, (int)e->len);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Nats-Msg-Id", e->id);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Armms-Seq", seqs);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(m, "Armms-Hash", e->hash);
        if (s == NATS_OK)
            s = js_PublishMsgAsync(p->ajs, &m, NULL);
        natsMsg_Destroy(m); /* a no-op once libnats took it */
        sent += s == NATS_OK;
    }
    /* Wait for the acknowledgements in short slices, so a connection that
     * closed under the batch ends the wait at once. */
    natsStatus w = NATS_OK;
    if (sent) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 100;
        for (int waited = 0;; waited += 100) {
            w = js_PublishAsyncComplete(p->ajs, &po);
            if (w != NATS_TIMEOUT || waited >= p->bus.timeout_ms || !bus_connected(&p->bus))
                break;
        }
        if (w != NATS_OK) {
            /* what is still pending is given up: a late acknowledgement
             * is dropped, and the next pass sends it again */
            natsMsgList pending = {0};
            if (js_PublishAsyncGetPendingList(&pending, p->ajs) == NATS_OK)
                natsMsgList_Destroy(&pending);
        }
    }
    pthread_mutex_lock(&p->mu);
    int k = 0;
    while (k < p->n && p->acked[k])
        k++;
    long long dups = p->dups;
    natsStatus nack = p->nack;
    int nack_jerr = p->nack_jerr;
    char nack_text[160];
    snprintf(nack_text, sizeof nack_text, "%s", p->nack_text);
    pthread_mutex_unlock(&p->mu);
    *acked = k;
    if (k == p->n) {
        p->r->duplicates += dups;
        return 0;
    }
    if (nack != NATS_OK) {
        if (nack == NATS_NO_RESPONDERS)
            return bus_err(p->err, &p->bus, nack, 0, "event not stored");
        return err_set(p->err, nack_jerr ? EXIT_CONFIG : EXIT_UNAVAILABLE,
                       "broker %s: event seq %lld refused: %s", p->bus.url, p->ev[k].seq,
                       nack_text);
    }
    if (s != NATS_OK)
        return bus_err(p->err, &p->bus, s, 0, "cannot publish");
    if (w != NATS_OK)
        return bus_err(p->err, &p->bus,
                       w == NATS_TIMEOUT && !bus_connected(&p->bus) ? NATS_CONNECTION_CLOSED : w,
                       0, "events not acknowledged");
    return err_set(p->err, EXIT_UNAVAILABLE, "broker %s: event seq %lld not acknowledged",
                   p->bus.url, p->ev[k].seq);
}

/* Pipe the batch to `sh -c exec`; 0 once it read all and exited 0. */
static int exec_batch(pub *p)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return err_set(p->err, EXIT_SOFTWARE, "cannot make a pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_set(p->err, EXIT_SOFTWARE, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        if (dup2(fds[0], 0) < 0)
            _exit(126);
        execl("/bin/sh", "sh", "-c", p->o->exec, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    int wrote = write_all(fds[1], p->data.s, p->data.len) == 0;
    int werr = errno;
    close(fds[1]);
    sigaction(SIGPIPE, &old, NULL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return err_set(p->err, EXIT_SOFTWARE, "cannot wait for the command: %s",
                           strerror(errno));
    if (WIFSIGNALED(st))
        return err_set(p->err, EXIT_UNAVAILABLE, "the command was killed by signal %d",
                       WTERMSIG(st));
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        return err_set(p->err, EXIT_UNAVAILABLE, "the command exited %d", WEXITSTATUS(st));
    if (!wrote)
        return err_set(p->err, EXIT_UNAVAILABLE, "the command did not read its batch: %s",
                       strerror(werr));
    return 0;
}

/* Deliver the batch and move the cursor over what was delivered. */
static int flush_batch(pub *p)
{
    if (!p->n)
        return 0;
    int k = 0, rc;
    if (p->o->exec) {
        rc = exec_batch(p);
        k = rc ? 0 : p->n;
    } else {
        rc = nats_batch(p, &k);
        if (k > 0) {
            /* no anchor acknowledged, no move: the next pass sends again */
            armms_err aerr = {0}, *keep = p->err;
            p->err = &aerr;
            int ac = publish_anchor(p, &p->ev[k - 1]);
            p->err = keep;
            if (ac) {
                if (!rc)
                    rc = err_set(p->err, ac, "%s", aerr.msg);
                k = 0;
            }
        }
    }
    if (k > 0) {
        int mc = journal_cursor_set(p->t, p->o->cursor, p->ev[k - 1].seq, p->err);
        if (mc)
            return mc;
        p->r->cursor = p->ev[k - 1].seq;
        p->r->published += k;
        if (k == p->n)
            p->r->batches++;
    }
    batch_reset(p);
    return rc;
}

static int on_line(const char *line, size_t len, void *ctx)
{
    pub *p = ctx;
    long long seq = 0;
    if (sscanf(line, "{\"seq\":%lld,", &seq) != 1) {
        err_set(p->err, EXIT_SOFTWARE,
                "tenant %s: a journal line after seq %lld has no seq; armms-journal verify "
                "names the damage",
                p->t->id, p->expect - 1);
        return 1;
    }
    if (seq < p->expect)
        return 0;
    if (seq > p->head)
        return 2; /* past the head: a later pass takes it */
    if (seq != p->expect) {
        err_set(p->err, EXIT_SOFTWARE,
                "tenant %s: the journal goes from seq %lld to %lld; armms-journal verify names "
                "the damage",
                p->t->id, p->expect - 1, seq);
        return 1;
    }
    if (add_event(p, line, len, seq))
        return 1;
    p->expect++;
    if (p->n == p->o->batch && flush_batch(p))
        return 1;
    return 0;
}

/* One pass: from the cursor to the head read at its start. */
static int deliver(pub *p)
{
    p->expect = p->r->cursor + 1;
    batch_reset(p);
    int rc = journal_each_after(p->t, p->r->cursor, on_line, p, p->err);
    if (rc == 2)
        rc = 0;
    else if (rc == 1)
        rc = p->err->code ? p->err->code : EXIT_SOFTWARE;
    if (!rc)
        rc = flush_batch(p);
    batch_reset(p);
    if (!rc && p->r->cursor < p->head)
        rc = err_set(p->err, EXIT_SOFTWARE,
                     "tenant %s: the journal ends at seq %lld, before its head's %lld", p->t->id,
                     p->r->cursor, p->head);
    return rc;
}

static int lock_cursor(pub *p, int *fd)
{
    char *path = xasprintf("%s/journal/%s.lock", p->t->dir, p->o->cursor);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(path);
    if (*fd < 0)
        return err_set(p->err, EXIT_IOERR, "tenant %s: cannot open the lock of publisher %s: %s",
                       p->t->id, p->o->cursor, strerror(errno));
    for (int waited = 0;; waited += 50) {
        if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK || waited >= p->t->wait_ms) {
            close(*fd);
            *fd = -1;
            return err_set(p->err, EXIT_TEMPFAIL,
                           "tenant %s: publisher %s is already running (lock held past --wait)",
                           p->t->id, p->o->cursor);
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Sleep ms, in slices, returning early once *stop is set. */
static void pause_ms(const publish_opts *o, int ms)
{
    for (int slept = 0; slept < ms && !(o->stop && *o->stop); slept += 50) {
        int slice = ms - slept < 50 ? ms - slept : 50;
        struct timespec ts = {0, (long)slice * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int retryable(int code)
{
    return code == EXIT_UNAVAILABLE || code == EXIT_NOPERM || code == EXIT_CONFIG;
}

int publish_run(tenant_t *t, const publish_opts *o, publish_report *r, armms_err *err)
{
    memset(r, 0, sizeof *r);
    if (!journal_consumer_valid(o->cursor))
        return err_set(err, EXIT_USAGE, "invalid publisher cursor '%s'", o->cursor);
    static pub p; /* one run per process; on_ack reaches it by pointer */
    memset(&p, 0, sizeof p);
    p.t = t;
    p.o = o;
    p.r = r;
    p.err = err;
    pthread_mutex_init(&p.mu, NULL);
    sb_init(&p.data);
    p.ev = xcalloc((size_t)o->batch, sizeof *p.ev);
    p.acked = xcalloc((size_t)o->batch, 1);
    int lfd = -1;
    int rc = lock_cursor(&p, &lfd);
    if (!rc)
        rc = journal_cursor_get(t, o->cursor, &r->cursor, err);
    int down = 0, backoff = 250;
    while (!rc) {
        if (o->stop && *o->stop)
            break;
        rc = journal_last_seq(t, &p.head, err);
        if (rc)
            break;
        r->head = p.head;
        if (r->cursor > p.head) {
            /* a journal restored without its cursor, or a cursor copied
             * from elsewhere: the events it claims are not these */
            rc = err_set(err, EXIT_SOFTWARE,
                         "tenant %s: cursor %s is at seq %lld, past the journal's head %lld; "
                         "set it to the last seq this journal delivered",
                         t->id, o->cursor, r->cursor, p.head);
            break;
        }
        if (p.head > r->cursor) {
            rc = deliver(&p);
            if (rc && o->follow && retryable(rc)) {
                if (!down && o->note) {
                    char msg[1200];
                    snprintf(msg, sizeof msg,
                             "tenant %s: %s; cursor %s at seq %lld of %lld; trying again "
                             "(backing off up to %d s)",
                             t->id, err->msg, o->cursor, r->cursor, p.head,
                             o->backoff_max_ms / 1000);
                    o->note(o->note_ctx, msg);
                }
                if (!down)
                    r->outages++;
                down = 1;
                if (!bus_connected(&p.bus))
                    disconnect(&p);
                pause_ms(o, backoff);
                backoff = backoff * 2 > o->backoff_max_ms ? o->backoff_max_ms : backoff * 2;
                memset(err, 0, sizeof *err);
                rc = 0;
                continue;
            }
            if (rc)
                break;
        }
        if (down && o->note) {
            char msg[300];
            snprintf(msg, sizeof msg, "tenant %s: delivering again; cursor %s at seq %lld", t->id,
                     o->cursor, r->cursor);
            o->note(o->note_ctx, msg);
        }
        down = 0;
        backoff = 250;
        if (!o->follow)
            break;
        pause_ms(o, o->poll_ms);
    }
    if (rc && retryable(rc)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s; cursor %s stays at seq %lld of %lld", err->msg, o->cursor,
                 r->cursor, p.head);
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    disconnect(&p);
    if (lfd >= 0)
        close(lfd);
    free(p.ev);
    free(p.acked);
    sb_free(&p.data);
    pthread_mutex_destroy(&p.mu);
    return rc;
}
