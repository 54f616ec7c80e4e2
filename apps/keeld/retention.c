/* Retention of the access log (6-6): entries older than the retention are deleted on
 * schedule, by a thread of its own that wakes at least once a minute, so that the lock's
 * other threads never wait for it longer than one prune takes. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "keeld.h"

#define RETENTION_TICK_MAX_S 60u

struct keeld_retention {
    struct keeld_state *st;
    uint32_t interval_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC: a change of the wall clock moves no wake-up */
    int stop;
    int started;
};

uint32_t keeld_retention_interval_s(int64_t retention_s)
{
    if (retention_s < 1)
        return 1;
    return retention_s < RETENTION_TICK_MAX_S ? (uint32_t)retention_s : RETENTION_TICK_MAX_S;
}

static void prune_once(struct keeld_state *st)
{
    keel_err ret;

    if (__atomic_load_n(&st->reset_done, __ATOMIC_ACQUIRE))
        return; /* the lock is erased: nothing left to prune */
    /* the lock logs what it pruned */
    ret = keeld_lock_prune(st->lock, (int64_t)time(NULL), NULL);
    if (ret != KEEL_OK)
        keel_log(KEEL_LOG_ERROR, "event=retention.failed error=\"%s\"", keel_strerror(ret));
}

static void *run(void *arg)
{
    struct keeld_retention *r = arg;
    struct timespec at;

    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_sec += (time_t)r->interval_s;
        while (!r->stop && pthread_cond_timedwait(&r->cond, &r->mu, &at) == 0) {
        }
        if (r->stop)
            break;
        pthread_mutex_unlock(&r->mu);
        prune_once(r->st);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static keel_err init_sync(struct keeld_retention *r)
{
    pthread_condattr_t attr;
    int rc;

    if (pthread_condattr_init(&attr) != 0)
        return KEEL_ERR_NOMEM;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&r->cond, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return KEEL_ERR_NOMEM;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        pthread_cond_destroy(&r->cond);
        return KEEL_ERR_NOMEM;
    }
    return KEEL_OK;
}

keel_err keeld_retention_start(struct keeld_state *st, int64_t retention_s,
                               struct keeld_retention **out)
{
    struct keeld_retention *r;
    keel_err ret;

    if (st == NULL || st->lock == NULL || out == NULL || retention_s <= 0)
        return KEEL_ERR_ARG;
    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return KEEL_ERR_NOMEM;
    r->st = st;
    r->interval_s = keeld_retention_interval_s(retention_s);
    ret = init_sync(r);
    if (ret != KEEL_OK) {
        free(r);
        return ret;
    }
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        keeld_retention_stop(r);
        return KEEL_ERR_NOMEM;
    }
    r->started = 1;
    *out = r;
    return KEEL_OK;
}

void keeld_retention_stop(struct keeld_retention *r)
{
    if (r == NULL)
        return;
    if (r->started) {
        pthread_mutex_lock(&r->mu);
        r->stop = 1;
        pthread_cond_signal(&r->cond);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
    }
    pthread_cond_destroy(&r->cond);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
