/* Fetching from a directory mirror and downloading into a slot (5.3-2, 5.3-9): whole
 * downloads, a hash that differs, endless data, interrupted downloads that resume from the
 * bytes already in the slot, progress records that must not be trusted, names that would
 * leave the repository, slot verification (5.7-1), and the thread that hashes beside the
 * download. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fetch_private.h"
#include "keel/update.h"

#define BIG (5u * 1024u * 1024u + 12345u) /* past one progress step, not a whole buffer */

static char tmp[256];
static char repo[300];
static char slot[300];
static char progress[300];

static void path_join(char *out, size_t outsz, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(out, outsz, "%s/%s", dir, name) < outsz);
}

static void file_put(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *file_get(const char *path, size_t *len)
{
    struct stat st;
    uint8_t *data;
    FILE *f = fopen(path, "rb");

    assert_non_null(f);
    assert_int_equal(fstat(fileno(f), &st), 0);
    data = malloc((size_t)st.st_size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    *len = (size_t)st.st_size;
    return data;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len);
    uint32_t x = 2463534242u ^ seed;

    assert_non_null(p);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
    return p;
}

/* Put data in the mirror as targets/<name>. */
static void repo_put(const char *name, const uint8_t *data, size_t len)
{
    char dir[400], path[600];

    path_join(dir, sizeof(dir), repo, "targets");
    mkdir(dir, 0700);
    path_join(path, sizeof(path), dir, name);
    file_put(path, data, len);
}

/* A target for data, published in the mirror. */
static keel_update_target publish(const char *name, const uint8_t *data, size_t len)
{
    keel_update_target t;
    unsigned int dlen = 0;

    memset(&t, 0, sizeof(t));
    assert_int_equal(keel_str_copy(t.name, sizeof(t.name), name), KEEL_OK);
    t.length = len;
    assert_int_equal(EVP_Digest(data, len, t.sha256, &dlen, EVP_sha256(), NULL), 1);
    repo_put(name, data, len);
    return t;
}

static void rmtree(const char *dir)
{
    char cmd[400];
    assert_true((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) < sizeof(cmd));
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/keel-download-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    path_join(repo, sizeof(repo), tmp, "repo");
    path_join(slot, sizeof(slot), tmp, "slot-b");
    path_join(progress, sizeof(progress), tmp, "download.json");
    assert_int_equal(mkdir(repo, 0700), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rmtree(tmp);
    return 0;
}

static keel_update_fetcher *dir_fetcher(void)
{
    keel_update_fetcher *f = NULL;
    assert_int_equal(keel_update_fetcher_dir(repo, &f), KEEL_OK);
    return f;
}

static void assert_slot_holds(const uint8_t *data, size_t len)
{
    size_t got = 0;
    uint8_t *s = file_get(slot, &got);

    assert_int_equal(got, len);
    assert_memory_equal(s, data, len);
    free(s);
}

/* ---- a fetcher that records what it was asked and can break off (fault injection) ---- */

typedef struct wrap {
    keel_update_fetcher *inner;
    uint64_t fail_after; /* bytes passed on before KEEL_ERR_UPDATE_FETCH; 0: never */
    uint64_t passed;
    uint64_t last_offset;
    uint64_t last_max;
    int calls;
    keel_update_sink sink;
    void *sink_ctx;
} wrap;

static keel_err wrap_sink(void *ctx, const uint8_t *data, size_t len)
{
    wrap *w = ctx;

    if (w->fail_after > 0 && w->passed + len > w->fail_after) {
        size_t part = (size_t)(w->fail_after - w->passed);
        if (part > 0 && w->sink(w->sink_ctx, data, part) != KEEL_OK)
            return KEEL_ERR_IO;
        w->passed += part;
        return KEEL_ERR_UPDATE_FETCH; /* the connection drops */
    }
    w->passed += len;
    return w->sink(w->sink_ctx, data, len);
}

static keel_err wrap_stream(keel_update_fetcher *f, const char *name, uint64_t offset, uint64_t max,
                            keel_update_sink sink, void *sink_ctx, uint64_t *got)
{
    wrap *w = f->backend;

    w->calls++;
    w->last_offset = offset;
    w->last_max = max;
    w->passed = 0;
    w->sink = sink;
    w->sink_ctx = sink_ctx;
    return keel_update_fetch_stream(w->inner, name, offset, max, wrap_sink, w, got);
}

static void wrap_close(keel_update_fetcher *f)
{
    wrap *w = f->backend;
    keel_update_fetcher_free(w->inner);
    free(w);
}

static const keel_update_fetch_ops wrap_ops = {wrap_stream, wrap_close};

static keel_update_fetcher *wrap_fetcher(uint64_t fail_after, wrap **out)
{
    keel_update_fetcher *f = calloc(1, sizeof(*f));
    wrap *w = calloc(1, sizeof(*w));

    assert_non_null(f);
    assert_non_null(w);
    w->inner = dir_fetcher();
    w->fail_after = fail_after;
    f->ops = &wrap_ops;
    f->backend = w;
    *out = w;
    return f;
}

/* ---- whole downloads ---- */

static void test_download_whole(void **state)
{
    uint8_t *data = pattern(BIG, 1);
    keel_update_target t = publish("fw-1.2.0.img", data, BIG);
    keel_update_fetcher *f = dir_fetcher();
    uint8_t *stale = pattern(BIG + 4096, 2);

    (void)state;
    /* A slot longer than the target keeps no stale tail. */
    file_put(slot, stale, BIG + 4096);
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_slot_holds(data, BIG);
    assert_false(exists(progress));
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_OK);
    keel_update_fetcher_free(f);
    free(stale);
    free(data);
}

static void test_download_new_slot_mode(void **state)
{
    uint8_t data[1000];
    keel_update_target t;
    keel_update_fetcher *f = dir_fetcher();
    struct stat st;

    (void)state;
    memset(data, 0x5a, sizeof(data));
    t = publish("small.img", data, sizeof(data));
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(stat(slot, &st), 0);
    assert_int_equal(st.st_mode & 0077, 0);
    assert_slot_holds(data, sizeof(data));
    keel_update_fetcher_free(f);
}

static void test_download_hash_mismatch(void **state)
{
    uint8_t *data = pattern(BIG, 3);
    keel_update_target t = publish("fw.img", data, BIG);
    keel_update_fetcher *f = dir_fetcher();

    (void)state;
    t.sha256[7] ^= 1;
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_HASH);
    assert_false(exists(progress)); /* the next attempt starts over */
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_ERR_UPDATE_HASH);
    keel_update_fetcher_free(f);
    free(data);
}

/* Endless data: the mirror's file is longer than the signed length. */
static void test_download_endless(void **state)
{
    uint8_t *data = pattern(BIG, 4);
    keel_update_target t = publish("endless.img", data, BIG);
    keel_update_fetcher *f = dir_fetcher();
    struct stat st;

    (void)state;
    t.length = 300000; /* the server sends far more than was signed */
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_TOO_LONG);
    assert_int_equal(stat(slot, &st), 0);
    assert_true((uint64_t)st.st_size <= t.length);
    assert_false(exists(progress));
    keel_update_fetcher_free(f);
    free(data);
}

static void test_download_missing_target(void **state)
{
    uint8_t data[10] = {0};
    keel_update_target t = publish("there.img", data, sizeof(data));
    keel_update_fetcher *f = dir_fetcher();

    (void)state;
    memcpy(t.name, "gone.img", sizeof("gone.img"));
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_NOT_FOUND);
    keel_update_fetcher_free(f);
}

/* ---- interrupted and resumed ---- */

static void test_download_resume_after_drop(void **state)
{
    uint8_t *data = pattern(BIG, 5);
    keel_update_target t = publish("fw.img", data, BIG);
    wrap *w = NULL;
    keel_update_fetcher *f = wrap_fetcher(4500000, &w);
    keel_update_progress p;
    size_t len = 0;
    uint8_t *text;

    (void)state;
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_FETCH);
    assert_int_equal(w->last_offset, 0);
    text = file_get(progress, &len);
    assert_int_equal(keel_update_progress_parse(text, len, &p), KEEL_OK);
    free(text);
    assert_string_equal(p.target, "fw.img");
    assert_int_equal(p.written, 4500000); /* what arrived was kept */
    w->fail_after = 0;
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(w->last_offset, 4500000);
    assert_int_equal(w->last_max, BIG - 4500000);
    assert_slot_holds(data, BIG);
    assert_false(exists(progress));
    keel_update_fetcher_free(f);
    free(data);
}

/* A power cut after the last progress record: the slot holds part of the target and the
 * record says how much. The mirror's copy of that part is then damaged: a download that
 * really resumes never reads it, and the bytes already in the slot are hashed again. */
static void write_progress(const keel_update_target *t, uint64_t written)
{
    keel_update_progress p;
    char *text = NULL;
    size_t len = 0;

    memset(&p, 0, sizeof(p));
    memcpy(p.target, t->name, sizeof(p.target));
    p.length = t->length;
    memcpy(p.sha256, t->sha256, 32);
    p.written = written;
    assert_int_equal(keel_update_progress_format(&p, &text, &len), KEEL_OK);
    file_put(progress, text, len);
    free(text);
}

static void test_download_resume_after_power_cut(void **state)
{
    uint8_t *data = pattern(BIG, 6);
    keel_update_target t = publish("fw.img", data, BIG);
    uint8_t *damaged = malloc(BIG);
    wrap *w = NULL;
    keel_update_fetcher *f = wrap_fetcher(0, &w);

    (void)state;
    assert_non_null(damaged);
    file_put(slot, data, 4194304);
    write_progress(&t, 4194304);
    memcpy(damaged, data, BIG);
    memset(damaged, 0xee, 4194304);
    repo_put("fw.img", damaged, BIG);
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(w->calls, 1);
    assert_int_equal(w->last_offset, 4194304);
    assert_slot_holds(data, BIG);
    assert_false(exists(progress));
    keel_update_fetcher_free(f);
    free(damaged);
    free(data);
}

/* The whole target was written before the cut, only the record was left: nothing is
 * fetched, the slot is hashed and accepted. */
static void test_download_complete_before_cut(void **state)
{
    uint8_t *data = pattern(100000, 7);
    keel_update_target t = publish("fw.img", data, 100000);
    wrap *w = NULL;
    keel_update_fetcher *f = wrap_fetcher(0, &w);

    (void)state;
    file_put(slot, data, 100000);
    write_progress(&t, 100000);
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(w->calls, 0);
    assert_false(exists(progress));
    keel_update_fetcher_free(f);
    free(data);
}

/* A record that cannot be trusted means starting from byte 0, never failing for good. */
static void expect_start_over(const keel_update_target *t, const uint8_t *data, const char *why)
{
    wrap *w = NULL;
    keel_update_fetcher *f = wrap_fetcher(0, &w);

    assert_int_equal(keel_update_download(f, t, slot, progress), KEEL_OK);
    if (w->last_offset != 0)
        fail_msg("did not start over: %s", why);
    assert_int_equal(w->calls, 1);
    assert_slot_holds(data, (size_t)t->length);
    assert_false(exists(progress));
    keel_update_fetcher_free(f);
}

static void test_download_untrusted_progress(void **state)
{
    uint8_t *data = pattern(300000, 8);
    uint8_t *junk = pattern(300000, 9);
    keel_update_target t = publish("fw.img", data, 300000);
    keel_update_target other = t;
    static const char *const malformed[] = {
        "",
        "{",
        "null",
        "[]",
        "{\"target\":\"fw.img\"}",
        "{\"target\":\"fw.img\",\"length\":300000,\"sha256\":\"00\",\"written\":10}",
        "{\"target\":\"../x\",\"length\":300000,\"sha256\":"
        "\"0000000000000000000000000000000000000000000000000000000000000000\",\"written\":10}",
        "{\"target\":\"fw.img\",\"length\":300000,\"sha256\":"
        "\"0000000000000000000000000000000000000000000000000000000000000000\",\"written\":-1}",
        "{\"target\":\"fw.img\",\"length\":300000,\"sha256\":"
        "\"0000000000000000000000000000000000000000000000000000000000000000\",\"written\":1.5}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        file_put(slot, junk, 300000);
        file_put(progress, malformed[i], strlen(malformed[i]));
        expect_start_over(&t, data, malformed[i]);
    }
    /* Another target's record (a different hash, same name and length). */
    other.sha256[0] ^= 0xff;
    file_put(slot, junk, 300000);
    write_progress(&other, 200000);
    expect_start_over(&t, data, "another target");
    /* A record that says more than the slot holds. */
    file_put(slot, data, 1000);
    write_progress(&t, 200000);
    expect_start_over(&t, data, "slot shorter than the record");
    /* A record whose bytes were changed in the slot since: the hash fails, the record goes,
     * the next attempt starts over and succeeds. */
    {
        wrap *w = NULL;
        keel_update_fetcher *f = wrap_fetcher(0, &w);
        file_put(slot, junk, 300000);
        write_progress(&t, 200000);
        assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_HASH);
        assert_false(exists(progress));
        assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
        assert_int_equal(w->last_offset, 0);
        assert_slot_holds(data, 300000);
        keel_update_fetcher_free(f);
    }
    free(junk);
    free(data);
}

/* The mirror's file ends early: the download stops with what arrived kept for later. */
static void test_download_short_then_resume(void **state)
{
    uint8_t *data = pattern(BIG, 10);
    keel_update_target t = publish("fw.img", data, BIG);
    wrap *w = NULL;
    keel_update_fetcher *f = wrap_fetcher(0, &w);

    (void)state;
    repo_put("fw.img", data, 5000000);
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_UPDATE_FETCH);
    assert_true(exists(progress));
    repo_put("fw.img", data, BIG);
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_OK);
    assert_int_equal(w->last_offset, 5000000);
    assert_slot_holds(data, BIG);
    keel_update_fetcher_free(f);
    free(data);
}

/* ---- names and the mirror's boundaries ---- */

static void test_fetch_names_refused(void **state)
{
    static const char *const bad[] = {
        "",     "/etc/passwd", "../x", "a/../b", "..",   ".",        "./a",  "a/.",
        "a//b", "a/",          "/",    "a b",    "a\\b", "%2e%2e/x", "a\nb", "targets/\xc3\xa9",
        "a:b",  "a?b",         "a#b",
    };
    char longname[KEEL_UPDATE_FETCH_NAME_MAX + 1];
    keel_update_fetcher *f = dir_fetcher();
    uint8_t *out = (uint8_t *)1;
    size_t len = 1;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (keel_update_fetch(f, bad[i], 100, &out, &len) != KEEL_ERR_ARG)
            fail_msg("name accepted: '%s'", bad[i]);
        assert_null(out);
        assert_int_equal(len, 0);
    }
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(keel_update_fetch(f, longname, 100, &out, &len), KEEL_ERR_ARG);
    assert_int_equal(keel_update_fetch(f, NULL, 100, &out, &len), KEEL_ERR_ARG);
    assert_int_equal(keel_update_fetch_name_check("targets/fw-1.2_3.img"), KEEL_OK);
    assert_int_equal(keel_update_fetch_name_check("1.root.json"), KEEL_OK);
    keel_update_fetcher_free(f);
}

static void test_download_bad_target(void **state)
{
    keel_update_fetcher *f = dir_fetcher();
    keel_update_target t;

    (void)state;
    memset(&t, 0, sizeof(t));
    t.length = 10;
    memcpy(t.name, "../../etc", sizeof("../../etc"));
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_ARG);
    memcpy(t.name, "a/b", sizeof("a/b"));
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_ARG);
    memcpy(t.name, "ok.img", sizeof("ok.img"));
    t.length = 0;
    assert_int_equal(keel_update_download(f, &t, slot, progress), KEEL_ERR_ARG);
    assert_int_equal(keel_update_download(NULL, &t, slot, progress), KEEL_ERR_ARG);
    assert_false(exists(slot));
    keel_update_fetcher_free(f);
}

static void test_fetch_whole_files(void **state)
{
    keel_update_fetcher *f = dir_fetcher();
    uint8_t *out = NULL;
    size_t len = 0;
    char path[400];

    (void)state;
    path_join(path, sizeof(path), repo, "timestamp.json");
    file_put(path, "{\"x\":1}", 7);
    assert_int_equal(keel_update_fetch(f, "timestamp.json", 7, &out, &len), KEEL_OK);
    assert_int_equal(len, 7);
    assert_string_equal((char *)out, "{\"x\":1}"); /* NUL-terminated */
    free(out);
    assert_int_equal(keel_update_fetch(f, "timestamp.json", 6, &out, &len),
                     KEEL_ERR_UPDATE_TOO_LONG);
    assert_null(out);
    assert_int_equal(keel_update_fetch(f, "2.root.json", 100, &out, &len), KEEL_ERR_NOT_FOUND);
    assert_int_equal(keel_update_fetch(f, "targets/none/x", 100, &out, &len), KEEL_ERR_NOT_FOUND);
    path_join(path, sizeof(path), repo, "empty.json");
    file_put(path, "", 0);
    assert_int_equal(keel_update_fetch(f, "empty.json", 0, &out, &len), KEEL_OK);
    assert_int_equal(len, 0);
    free(out);
    keel_update_fetcher_free(f);
}

/* A symbolic link or a FIFO planted in the mirror is not followed or read (and opening the
 * FIFO does not block). */
static void test_fetch_dir_boundaries(void **state)
{
    keel_update_fetcher *f = dir_fetcher();
    uint8_t *out = NULL;
    size_t len = 0;
    char path[400], outside[400];

    (void)state;
    path_join(outside, sizeof(outside), tmp, "outside.json");
    file_put(outside, "secret", 6);
    path_join(path, sizeof(path), repo, "link.json");
    assert_int_equal(symlink(outside, path), 0);
    assert_int_equal(keel_update_fetch(f, "link.json", 100, &out, &len), KEEL_ERR_UPDATE_FETCH);
    path_join(path, sizeof(path), repo, "linkdir");
    assert_int_equal(symlink(tmp, path), 0);
    assert_int_equal(keel_update_fetch(f, "linkdir/outside.json", 100, &out, &len),
                     KEEL_ERR_UPDATE_FETCH);
    path_join(path, sizeof(path), repo, "fifo.json");
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(keel_update_fetch(f, "fifo.json", 100, &out, &len), KEEL_ERR_UPDATE_FETCH);
    assert_null(out);
    keel_update_fetcher_free(f);
    assert_int_equal(keel_update_fetcher_dir(outside, &f), KEEL_ERR_IO);
    assert_null(f);
    path_join(path, sizeof(path), tmp, "nowhere");
    assert_int_equal(keel_update_fetcher_dir(path, &f), KEEL_ERR_NOT_FOUND);
}

static keel_err count_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(uint64_t *)ctx += len;
    return KEEL_OK;
}

static keel_err failing_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
    return KEEL_ERR_IO;
}

static void test_fetch_stream_ranges(void **state)
{
    uint8_t *data = pattern(200000, 11);
    keel_update_fetcher *f = dir_fetcher();
    uint64_t seen = 0, got = 0;

    (void)state;
    repo_put("r.img", data, 200000);
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/r.img", 150000, 50000, count_sink, &seen, &got),
        KEEL_OK);
    assert_int_equal(got, 50000);
    assert_int_equal(seen, 50000);
    seen = 0;
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/r.img", 150000, 49999, count_sink, &seen, &got),
        KEEL_ERR_UPDATE_TOO_LONG);
    assert_true(seen <= 49999); /* the extra bytes never reached the sink */
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/r.img", 0, 300000, count_sink, &seen, &got), KEEL_OK);
    assert_int_equal(got, 200000); /* fewer than max: fine, got says how many */
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/r.img", 200001, 10, count_sink, &seen, &got),
        KEEL_ERR_UPDATE_FETCH);
    assert_int_equal(
        keel_update_fetch_stream(f, "targets/r.img", 0, 300000, failing_sink, NULL, &got),
        KEEL_ERR_IO);
    keel_update_fetcher_free(f);
    free(data);
}

/* ---- slot verification (5.7-1) ---- */

static void test_slot_verify(void **state)
{
    uint8_t *data = pattern(600000, 12);
    keel_update_target t = publish("v.img", data, 600000);
    char missing[400];

    (void)state;
    file_put(slot, data, 600000);
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_OK);
    data[599999] ^= 1;
    file_put(slot, data, 600000);
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_ERR_UPDATE_HASH);
    data[599999] ^= 1;
    file_put(slot, data, 599999);
    assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_ERR_UPDATE_HASH);
    /* A longer slot (a block device larger than the image) verifies on its first bytes. */
    {
        uint8_t *longer = pattern(700000, 13);
        memcpy(longer, data, 600000);
        file_put(slot, longer, 700000);
        assert_int_equal(keel_update_slot_verify(slot, &t), KEEL_OK);
        free(longer);
    }
    path_join(missing, sizeof(missing), tmp, "no-slot");
    assert_int_equal(keel_update_slot_verify(missing, &t), KEEL_ERR_IO);
    assert_int_equal(keel_update_slot_verify(NULL, &t), KEEL_ERR_ARG);
    free(data);
}

/* ---- the progress record's own form ---- */

static void test_progress_round_trip(void **state)
{
    keel_update_progress p, q;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    memset(&p, 0, sizeof(p));
    memcpy(p.target, "fw-9.img", sizeof("fw-9.img"));
    p.length = UINT64_C(1) << 53;
    memset(p.sha256, 0xab, 32);
    p.written = (UINT64_C(1) << 53) - 1;
    assert_int_equal(keel_update_progress_format(&p, &text, &len), KEEL_OK);
    assert_int_equal(keel_update_progress_parse(text, len, &q), KEEL_OK);
    assert_memory_equal(&p, &q, sizeof(p));
    free(text);
    p.length = 1000;
    p.written = 1001; /* never produced, never accepted */
    assert_int_equal(keel_update_progress_format(&p, &text, &len), KEEL_OK);
    assert_int_equal(keel_update_progress_parse(text, len, &q), KEEL_ERR_PARSE);
    free(text);
    {
        char big[KEEL_UPDATE_PROGRESS_MAX + 2];
        memset(big, ' ', sizeof(big));
        assert_int_equal(keel_update_progress_parse(big, sizeof(big), &q), KEEL_ERR_TOO_LARGE);
    }
}

/* ---- the hashing thread ---- */

/* Posts of every size, from 1 byte to a whole buffer, more of them than the ring holds: the
 * digest is the one-shot SHA-256 of the same bytes, in the same order. */
static void test_hasher_order(void **state)
{
    const size_t total = (size_t)KEEL_UPDATE_HASHER_BUFS * 3 * KEEL_UPDATE_HASHER_BUF + 777;
    uint8_t *data = malloc(total), want[32], got[32];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    keel_update_hasher *h = NULL;
    unsigned int n = 0;
    size_t off = 0, step = 1;

    (void)state;
    assert_non_null(data);
    assert_non_null(md);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 131u + (i >> 11));
    assert_int_equal(EVP_Digest(data, total, want, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    assert_int_equal(keel_update_hasher_start(md, &h), KEEL_OK);
    while (off < total) {
        size_t len = step < total - off ? step : total - off;
        memcpy(keel_update_hasher_buffer(h), data + off, len);
        assert_int_equal(keel_update_hasher_post(h, len), KEEL_OK);
        off += len;
        step = step * 7 % KEEL_UPDATE_HASHER_BUF + 1; /* 1 .. a whole buffer */
    }
    assert_int_equal(keel_update_hasher_post(h, 0), KEEL_OK); /* nothing */
    assert_int_equal(keel_update_hasher_post(h, KEEL_UPDATE_HASHER_BUF + 1), KEEL_ERR_ARG);
    assert_int_equal(keel_update_hasher_stop(h), KEEL_OK);
    assert_int_equal(EVP_DigestFinal_ex(md, got, &n), 1);
    assert_memory_equal(got, want, sizeof(want));
    assert_int_equal(keel_update_hasher_stop(NULL), KEEL_OK);
    EVP_MD_CTX_free(md);
    free(data);
}

/* A digest update that fails (here an Ed25519 signing context, which signs in one shot and
 * refuses updates) is reported by the next posts and by stop, and the downloader is never
 * left waiting for a buffer. */
static void test_hasher_failure(void **state)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    keel_update_hasher *h = NULL;
    keel_err last = KEEL_OK;

    (void)state;
    assert_non_null(md);
    assert_non_null(key);
    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, key), 1);
    assert_int_equal(keel_update_hasher_start(md, &h), KEEL_OK);
    for (unsigned i = 0; i < 4 * KEEL_UPDATE_HASHER_BUFS; i++) {
        memset(keel_update_hasher_buffer(h), 0x5a, 64);
        last = keel_update_hasher_post(h, 64);
    }
    assert_int_equal(last, KEEL_ERR_CRYPTO);
    assert_int_equal(keel_update_hasher_stop(h), KEEL_ERR_CRYPTO);
    assert_int_equal(keel_update_hasher_start(NULL, &h), KEEL_ERR_ARG);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_download_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_new_slot_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_hash_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_endless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_missing_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_resume_after_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_resume_after_power_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_complete_before_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_untrusted_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_short_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_names_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_bad_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_whole_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_dir_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetch_stream_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_verify, setup, teardown),
        cmocka_unit_test(test_progress_round_trip),
        cmocka_unit_test(test_hasher_order),
        cmocka_unit_test(test_hasher_failure),
    };

    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
