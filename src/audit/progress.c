/* The progress line of keel audit's long steps (progress.h). */
#include "progress.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_LABEL_MAX 96
#define PROGRESS_LINE_MAX 160
#define PROGRESS_BAR 10
#define PROGRESS_TICK_MS 250

struct keel_audit_progress {
    int fd;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    int stop;
    int shown; /* a line is on the screen */
    char label[PROGRESS_LABEL_MAX];
    uint64_t done, total;
    struct timespec started;
};

void keel_audit_progress_format(const char *label, uint64_t done, uint64_t total, unsigned seconds,
                                char *out, size_t outsz)
{
    char bar[PROGRESS_BAR + 3];
    size_t filled;
    int n;

    if (out == NULL || outsz == 0)
        return;
    if (label == NULL)
        label = "";
    if (total == 0) {
        n = snprintf(out, outsz, "%s %u s", label, seconds);
    } else {
        if (done > total)
            done = total;
        filled = (size_t)((done * PROGRESS_BAR) / total);
        bar[0] = '[';
        for (size_t i = 0; i < PROGRESS_BAR; i++)
            bar[1 + i] = i < filled ? '#' : '-';
        bar[PROGRESS_BAR + 1] = ']';
        bar[PROGRESS_BAR + 2] = '\0';
        n = snprintf(out, outsz, "%s %s %llu/%llu %u s", label, bar, (unsigned long long)done,
                     (unsigned long long)total, seconds);
    }
    if (n < 0)
        out[0] = '\0';
}

static unsigned elapsed_s(const struct timespec *since)
{
    struct timespec now;

    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0 || now.tv_sec < since->tv_sec)
        return 0;
    return (unsigned)(now.tv_sec - since->tv_sec);
}

static int columns(int fd)
{
    struct winsize ws;

    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20 && ws.ws_col < PROGRESS_LINE_MAX)
        return ws.ws_col;
    return 80;
}

/* Write all of buf; a terminal that stops taking output only loses the line. */
static void put(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        buf += w;
        len -= (size_t)w;
    }
}

/* Called with the mutex held. */
static void draw(keel_audit_progress *p)
{
    char text[PROGRESS_LINE_MAX];
    char line[PROGRESS_LINE_MAX + 8];
    size_t width;

    char label[PROGRESS_LABEL_MAX];
    size_t room;

    if (p->label[0] == '\0')
        return;
    /* The count and the time always show: the label gives way when the line is too wide. */
    keel_audit_progress_format("", p->done, p->total, elapsed_s(&p->started), text, sizeof(text));
    width = (size_t)columns(p->fd) - 1; /* the cursor stays on the line */
    room = width > strlen(text) ? width - strlen(text) : 0;
    (void)snprintf(label, sizeof(label), "%s", p->label);
    if (strlen(label) > room)
        label[room > 3 ? room - 3 : 0] = '\0';
    keel_audit_progress_format(label, p->done, p->total, elapsed_s(&p->started), text,
                               sizeof(text));
    if (strlen(text) > width)
        text[width] = '\0';
    /* "\r" to the line's start, ESC [ K erases the rest of the previous line. */
    (void)snprintf(line, sizeof(line), "\r\033[K%s", text);
    put(p->fd, line, strlen(line));
    p->shown = 1;
}

/* Called with the mutex held. */
static void erase(keel_audit_progress *p)
{
    if (p->shown)
        put(p->fd, "\r\033[K", 4);
    p->shown = 0;
}

static void *run(void *arg)
{
    keel_audit_progress *p = arg;
    struct timespec until;

    pthread_mutex_lock(&p->mutex);
    while (!p->stop) {
        draw(p);
        (void)clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)PROGRESS_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!p->stop && pthread_cond_timedwait(&p->wake, &p->mutex, &until) != ETIMEDOUT)
            ;
    }
    erase(p);
    pthread_mutex_unlock(&p->mutex);
    return NULL;
}

keel_err keel_audit_progress_open(int fd, keel_audit_progress **out)
{
    keel_audit_progress *p;
    pthread_condattr_t attr;
    int ok;

    if (out == NULL || fd < 0)
        return KEEL_ERR_ARG;
    *out = NULL;
    if (!isatty(fd))
        return KEEL_OK;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return KEEL_ERR_NOMEM;
    p->fd = fd;
    (void)clock_gettime(CLOCK_MONOTONIC, &p->started);
    if (pthread_mutex_init(&p->mutex, NULL) != 0) {
        free(p);
        return KEEL_ERR_IO;
    }
    ok = pthread_condattr_init(&attr) == 0;
    ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
         pthread_cond_init(&p->wake, &attr) == 0;
    (void)pthread_condattr_destroy(&attr);
    if (!ok) {
        pthread_mutex_destroy(&p->mutex);
        free(p);
        return KEEL_ERR_IO;
    }
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->mutex);
        free(p);
        return KEEL_ERR_IO;
    }
    *out = p;
    return KEEL_OK;
}

void keel_audit_progress_step(keel_audit_progress *p, const char *label)
{
    size_t i;

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mutex);
    for (i = 0; label != NULL && label[i] != '\0' && i + 1 < sizeof(p->label); i++)
        p->label[i] = (char)((unsigned char)label[i] < 0x20 || label[i] == 0x7f ? '?' : label[i]);
    p->label[i] = '\0';
    p->done = 0;
    p->total = 0;
    (void)clock_gettime(CLOCK_MONOTONIC, &p->started);
    draw(p);
    pthread_mutex_unlock(&p->mutex);
}

void keel_audit_progress_count(keel_audit_progress *p, uint64_t done, uint64_t total)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mutex);
    p->done = done;
    p->total = total;
    pthread_mutex_unlock(&p->mutex);
}

void keel_audit_progress_clear(keel_audit_progress *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mutex);
    erase(p);
    pthread_mutex_unlock(&p->mutex);
}

void keel_audit_progress_close(keel_audit_progress *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mutex);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    (void)pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p);
}
