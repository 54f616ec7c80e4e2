/*
 * SHA-256 beside the download (5.3-2): a thread of its own hashes the target's bytes, in
 * order, while the downloading thread receives and writes the next ones, so that a download
 * costs the slower of receiving and hashing rather than both. The two threads share a ring
 * of buffers: the downloader fills one, writes it to the slot and posts it; the hasher hashes
 * it and gives it back. Memory is the ring, whatever the image's size.
 *
 * The hasher makes no system call but the ring's waits: everything that changes the slot or
 * the progress file stays on the downloading thread, in the order a power cut may stop it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "fetch_private.h"

struct keel_update_hasher {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t posted; /* a buffer was posted, or stopping */
    pthread_cond_t freed;  /* a buffer was hashed */
    EVP_MD_CTX *md;        /* the hasher's alone between start and stop */
    uint8_t *bufs[KEEL_UPDATE_HASHER_BUFS];
    size_t lens[KEEL_UPDATE_HASHER_BUFS];
    unsigned head;  /* the next buffer to hash */
    unsigned count; /* buffers posted and not yet hashed: head, head + 1, ... */
    unsigned fill;  /* the buffer the downloader fills: head + count */
    int stopping;
    keel_err err; /* the first failure of a digest update */
};

static void *hash_loop(void *arg)
{
    keel_update_hasher *h = arg;

    pthread_mutex_lock(&h->lock);
    for (;;) {
        const uint8_t *data;
        size_t len;
        int hash, ok = 1;

        while (h->count == 0 && !h->stopping)
            pthread_cond_wait(&h->posted, &h->lock);
        if (h->count == 0)
            break; /* stopping, and everything posted is hashed */
        data = h->bufs[h->head];
        len = h->lens[h->head];
        /* After a failure the buffers still go back, so that the downloader never waits for
         * ever; the next post and stop report the failure. */
        hash = h->err == KEEL_OK;
        pthread_mutex_unlock(&h->lock);
        if (hash)
            ok = EVP_DigestUpdate(h->md, data, len) == 1;
        pthread_mutex_lock(&h->lock);
        if (!ok)
            h->err = KEEL_ERR_CRYPTO;
        h->head = (h->head + 1) % KEEL_UPDATE_HASHER_BUFS;
        h->count--;
        pthread_cond_signal(&h->freed);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static void hasher_free(keel_update_hasher *h)
{
    for (unsigned i = 0; i < KEEL_UPDATE_HASHER_BUFS; i++)
        free(h->bufs[i]);
    free(h);
}

keel_err keel_update_hasher_start(EVP_MD_CTX *md, keel_update_hasher **out)
{
    keel_update_hasher *h;

    if (md == NULL || out == NULL)
        return KEEL_ERR_ARG;
    *out = NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return KEEL_ERR_NOMEM;
    for (unsigned i = 0; i < KEEL_UPDATE_HASHER_BUFS; i++)
        if ((h->bufs[i] = malloc(KEEL_UPDATE_HASHER_BUF)) == NULL) {
            hasher_free(h);
            return KEEL_ERR_NOMEM;
        }
    h->md = md;
    h->err = KEEL_OK;
    /* On Linux a mutex or condition holds nothing but its memory: one left initialised by a
     * later failure costs nothing. */
    if (pthread_mutex_init(&h->lock, NULL) != 0 || pthread_cond_init(&h->posted, NULL) != 0 ||
        pthread_cond_init(&h->freed, NULL) != 0 ||
        pthread_create(&h->thread, NULL, hash_loop, h) != 0) {
        keel_log(KEEL_LOG_ERROR, "update: the hashing thread cannot start");
        hasher_free(h);
        return KEEL_ERR_NOMEM;
    }
    *out = h;
    return KEEL_OK;
}

uint8_t *keel_update_hasher_buffer(keel_update_hasher *h)
{
    uint8_t *buf;

    pthread_mutex_lock(&h->lock);
    while (h->count == KEEL_UPDATE_HASHER_BUFS)
        pthread_cond_wait(&h->freed, &h->lock);
    buf = h->bufs[h->fill];
    pthread_mutex_unlock(&h->lock);
    return buf;
}

keel_err keel_update_hasher_post(keel_update_hasher *h, size_t len)
{
    keel_err ret;

    if (len > KEEL_UPDATE_HASHER_BUF)
        return KEEL_ERR_ARG;
    pthread_mutex_lock(&h->lock);
    ret = h->err;
    if (len > 0) {
        h->lens[h->fill] = len;
        h->fill = (h->fill + 1) % KEEL_UPDATE_HASHER_BUFS;
        h->count++;
        pthread_cond_signal(&h->posted);
    }
    pthread_mutex_unlock(&h->lock);
    return ret;
}

keel_err keel_update_hasher_stop(keel_update_hasher *h)
{
    keel_err ret;

    if (h == NULL)
        return KEEL_OK;
    pthread_mutex_lock(&h->lock);
    h->stopping = 1;
    pthread_cond_signal(&h->posted);
    pthread_mutex_unlock(&h->lock);
    (void)pthread_join(h->thread, NULL);
    ret = h->err;
    (void)pthread_cond_destroy(&h->posted);
    (void)pthread_cond_destroy(&h->freed);
    (void)pthread_mutex_destroy(&h->lock);
    hasher_free(h);
    return ret;
}
