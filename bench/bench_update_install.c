/*
 * Installing an update (5.3): a target served by a real nginx over HTTPS on loopback is
 * written by keel_update_download, through keel_update_fetcher_https, into a slot file while
 * it is hashed. Figures, each with its reference and goal:
 *   - throughput of a 256 MiB install against `openssl dgst -sha256` of the same file in the
 *     same run: both must hash every byte, so the ratio is what TLS, the slot writes and the
 *     progress syncs cost on top (goal: at least 0.8). Both are timed from outside, as whole
 *     processes, the runs interleaved; the median of INSTALL_RUNS is kept. The same transfer
 *     by the curl tool into /dev/null is timed too: what TLS and HTTP alone allow on this
 *     machine, the bound of any client;
 *   - peak resident memory (VmHWM) of the installing process for a 64 MiB and a 256 MiB
 *     target (goal: equal within 1 MiB and under 16 MiB: memory does not grow with the
 *     image);
 *   - a full metadata refresh (keel_update_refresh from a local repository directory: a root
 *     chain of 3 versions, timestamp, snapshot, and targets with 50 targets, threshold 1),
 *     median of REFRESH_RUNS, against the durable writes of the same five files alone
 *     (keel_file_write_atomic), which a refresh must make too.
 * The installing process is this program run again with --install, so that its memory is
 * its own and not the benchmark's.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench.h"
#include "keel/update.h"
#include "nginx.h"
#include "update_repo.h"

#define MIB (1024u * 1024u)
#define BIG_MIB 256u
#define SMALL_MIB 64u
#define INSTALL_RUNS 5
#define REFRESH_RUNS 11
#define REFRESH_TARGETS 50
#define REFRESH_ROOTS 3
#define PATH_LEN 4096

extern char **environ;

static char self_exe[PATH_LEN];
static char work[] = "/tmp/keel-bench-update-XXXXXX";
static keel_test_nginx nginx; /* stopped at exit */

static void die(const char *what)
{
    fprintf(stderr, "bench_update_install: %s\n", what);
    exit(1);
}

static void die_err(const char *what, keel_err ret)
{
    fprintf(stderr, "bench_update_install: %s: %s\n", what, keel_strerror(ret));
    exit(1);
}

static void path_in(char *out, const char *dir, const char *name)
{
    if (keel_str_format(out, PATH_LEN, "%s/%s", dir, name) != KEEL_OK)
        die("path too long");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the installing process (--install) ---- */

/* Peak resident set of this process, in KiB, from /proc/self/status. */
static long vm_hwm_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kib;
}

/* --install URL CA NAME LENGTH SHA256HEX SLOT PROGRESS: one install, then "hwm_kib=N". */
static int install_child(char **argv)
{
    keel_update_target t;
    keel_update_fetcher *f = NULL;
    size_t hash_len = 0;
    uint64_t length = 0;
    keel_err ret;

    memset(&t, 0, sizeof(t));
    keel_log_configure(KEEL_LOG_ERROR, NULL, NULL); /* a fresh download says so as a warning */
    if (keel_str_copy(t.name, sizeof(t.name), argv[4]) != KEEL_OK ||
        keel_str_to_u64(argv[5], 1, UINT64_MAX, &length) != KEEL_OK ||
        OPENSSL_hexstr2buf_ex(t.sha256, sizeof(t.sha256), &hash_len, argv[6], '\0') != 1 ||
        hash_len != sizeof(t.sha256))
        die("--install: bad target");
    t.length = length;
    if ((ret = keel_update_fetcher_https(argv[2], argv[3], &f)) != KEEL_OK)
        die_err("keel_update_fetcher_https", ret);
    if ((ret = keel_update_download(f, &t, argv[7], argv[8])) != KEEL_OK)
        die_err("keel_update_download", ret);
    keel_update_fetcher_free(f);
    printf("hwm_kib=%ld\n", vm_hwm_kib());
    return 0;
}

/* ---- running processes ---- */

typedef struct run_result {
    double seconds;  /* wall time from spawn to exit */
    long hwm_kib;    /* what an installing child reported (-1 otherwise) */
    long maxrss_kib; /* ru_maxrss of the child (wait4) */
} run_result;

/* Run argv (argv[0] looked up on PATH) with its output in out (or to /dev/null). */
static run_result run(char *const argv[], char *out, size_t outsz)
{
    posix_spawn_file_actions_t fa;
    run_result r = {0, -1, 0};
    char drain[256];
    struct rusage ru;
    int pipefd[2], status = 0;
    size_t got = 0;
    ssize_t n;
    pid_t pid;
    double t0;

    if (pipe(pipefd) != 0 || posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1) != 0 ||
        posix_spawn_file_actions_addclose(&fa, pipefd[0]) != 0)
        die("cannot prepare a child process");
    t0 = bench_now();
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
        die("cannot start a child process");
    close(pipefd[1]);
    /* Keep what fits and read the rest away, so that the child never blocks on the pipe. */
    while ((n = read(pipefd[0], got < outsz - 1 ? out + got : drain,
                     got < outsz - 1 ? outsz - 1 - got : sizeof(drain))) > 0)
        got += got < outsz - 1 ? (size_t)n : 0;
    out[got] = '\0';
    close(pipefd[0]);
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_update_install: %s failed\n", argv[0]);
        exit(1);
    }
    r.seconds = bench_now() - t0;
    r.maxrss_kib = ru.ru_maxrss;
    if (strncmp(out, "hwm_kib=", 8) == 0)
        r.hwm_kib = strtol(out + 8, NULL, 10);
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

/* ---- the images ---- */

/* mib MiB of random bytes as root/targets/name; its SHA-256 into hash. */
static void make_image(const char *root, const char *name, unsigned mib, uint8_t hash[32])
{
    char path[PATH_LEN], rel[128];
    uint8_t *buf = malloc(MIB);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    FILE *f;

    (void)keel_str_format(rel, sizeof(rel), "targets/%s", name);
    path_in(path, root, rel);
    f = fopen(path, "wb");
    if (buf == NULL || md == NULL || f == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        die("cannot make an image");
    for (unsigned i = 0; i < mib; i++)
        if (RAND_bytes(buf, MIB) != 1 || EVP_DigestUpdate(md, buf, MIB) != 1 ||
            fwrite(buf, 1, MIB, f) != MIB)
            die("cannot write an image");
    if (fclose(f) != 0 || EVP_DigestFinal_ex(md, hash, &n) != 1)
        die("cannot write an image");
    EVP_MD_CTX_free(md);
    free(buf);
}

/* One install of targets/name into a fresh slot, by a child process. */
static run_result install(const keel_test_nginx *ng, const char *name, unsigned mib,
                          const uint8_t hash[32])
{
    char slot[PATH_LEN], progress[PATH_LEN], len[32], hex[65], out[256];
    char *argv[] = {
        self_exe, "--install", (char *)ng->url, (char *)ng->ca_file, (char *)name, len, hex, slot,
        progress, NULL};

    path_in(slot, work, "slot");
    path_in(progress, work, "progress.json");
    (void)unlink(slot);
    (void)unlink(progress);
    (void)keel_str_format(len, sizeof(len), "%llu", (unsigned long long)mib * MIB);
    (void)keel_hex_encode(hash, 32, hex, sizeof(hex));
    return run(argv, out, sizeof(out));
}

static double openssl_dgst(const char *image)
{
    char out[256];
    char *argv[] = {"openssl", "dgst", "-sha256", (char *)image, NULL};

    return run(argv, out, sizeof(out)).seconds;
}

/* The same transfer by the curl tool into /dev/null: TLS and HTTP alone, nothing hashed or
 * written (libcurl on OpenSSL, as keel's fetcher). */
static double curl_transfer(const keel_test_nginx *ng, const char *name)
{
    char url[256], out[256];
    char *argv[] = {"curl", "-sS",       "--fail", "--cacert", (char *)ng->ca_file,
                    "-o",   "/dev/null", url,      NULL};

    (void)keel_str_format(url, sizeof(url), "%s/targets/%s", ng->url, name);
    return run(argv, out, sizeof(out)).seconds;
}

/* ---- throughput and memory ---- */

static void measure_install(const keel_test_nginx *ng)
{
    uint8_t big_hash[32], small_hash[32];
    char image[PATH_LEN];
    double keel_s[INSTALL_RUNS], ref_s[INSTALL_RUNS], curl_s[INSTALL_RUNS];
    double keel_rate, ref_rate, curl_rate;
    long big_hwm = 0, big_rss = 0;
    run_result small;

    make_image(ng->root, "image-256", BIG_MIB, big_hash);
    make_image(ng->root, "image-64", SMALL_MIB, small_hash);
    path_in(image, ng->root, "targets/image-256");
    (void)openssl_dgst(image); /* both read the image from the page cache */
    for (int i = 0; i < INSTALL_RUNS; i++) {
        run_result r = install(ng, "image-256", BIG_MIB, big_hash);
        keel_s[i] = r.seconds;
        big_hwm = r.hwm_kib > big_hwm ? r.hwm_kib : big_hwm;
        big_rss = r.maxrss_kib > big_rss ? r.maxrss_kib : big_rss;
        ref_s[i] = openssl_dgst(image);
        curl_s[i] = curl_transfer(ng, "image-256");
    }
    small = install(ng, "image-64", SMALL_MIB, small_hash);
    keel_rate = BIG_MIB / median(keel_s, INSTALL_RUNS);
    ref_rate = BIG_MIB / median(ref_s, INSTALL_RUNS);
    curl_rate = BIG_MIB / median(curl_s, INSTALL_RUNS);
    printf("  install of a %u MiB target (nginx, HTTPS on loopback, into a slot file): "
           "%8.1f MiB/s (median of %d)\n",
           BIG_MIB, keel_rate, INSTALL_RUNS);
    printf("  reference (openssl dgst -sha256 of the same file):%27s%8.1f MiB/s (median of %d)\n",
           "", ref_rate, INSTALL_RUNS);
    printf("  ratio install/reference throughput: %.2f (goal >= 0.80: %s)\n", keel_rate / ref_rate,
           keel_rate / ref_rate >= 0.8 ? "met" : "NOT met");
    printf("  the transfer alone (curl to /dev/null, same server): %.1f MiB/s, %.2f of the "
           "reference; ratio install/transfer %.2f\n",
           curl_rate, curl_rate / ref_rate, keel_rate / curl_rate);
    printf("  peak RSS installing %3u MiB: %6.2f MiB (VmHWM; ru_maxrss %.2f MiB)\n", SMALL_MIB,
           small.hwm_kib / 1024.0, small.maxrss_kib / 1024.0);
    printf("  peak RSS installing %3u MiB: %6.2f MiB (VmHWM; ru_maxrss %.2f MiB)\n", BIG_MIB,
           big_hwm / 1024.0, big_rss / 1024.0);
    printf("  ratio peak RSS %u/%u MiB: %.3f, difference %.2f MiB (goal: within 1 MiB and under "
           "16 MiB: %s)\n",
           BIG_MIB, SMALL_MIB, (double)big_hwm / (double)small.hwm_kib,
           (big_hwm - small.hwm_kib) / 1024.0,
           labs(big_hwm - small.hwm_kib) <= 1024 && big_hwm < 16 * 1024 ? "met" : "NOT met");
}

/* ---- metadata refresh ---- */

static void make_meta_repo(const char *dir, int64_t now)
{
    keel_update_target *t = calloc(REFRESH_TARGETS, sizeof(*t));
    uint8_t hash[32];
    char name[64];

    if (t == NULL || mkdir(dir, 0700) != 0)
        die("cannot make the metadata repository");
    for (unsigned i = 0; i < REFRESH_TARGETS; i++) {
        (void)keel_str_format(name, sizeof(name), "lock-firmware-1.%u.0.img", i);
        if (RAND_bytes(hash, sizeof(hash)) != 1)
            die("RAND_bytes");
        bench_update_target(&t[i], name, 24u * MIB + i * 4096u, hash, i);
    }
    if (bench_update_repo_write(dir, now, REFRESH_ROOTS, t, REFRESH_TARGETS) != 0)
        exit(1);
    free(t);
}

/* One refresh from repo into a fresh trust directory, timed. */
static double refresh_once(const char *repo, const char *trust, int64_t now)
{
    char path[PATH_LEN], *root = NULL;
    size_t len = 0;
    keel_update_fetcher *f = NULL;
    keel_update_targets targets = {0};
    keel_err ret;
    double t0, t;

    path_in(path, repo, "1.root.json");
    if ((ret = keel_file_read(path, KEEL_UPDATE_ROOT_MAX, &root, &len)) != KEEL_OK ||
        (ret = keel_update_trust_init(trust, root, len)) != KEEL_OK ||
        (ret = keel_update_fetcher_dir(repo, &f)) != KEEL_OK)
        die_err("preparing a refresh", ret);
    t0 = bench_now();
    ret = keel_update_refresh(trust, f, now, &targets);
    t = bench_now() - t0;
    if (ret != KEEL_OK || targets.ntargets != REFRESH_TARGETS)
        die_err("keel_update_refresh", ret);
    keel_update_targets_free(&targets);
    keel_update_fetcher_free(f);
    keel_file_free(root, len);
    return t;
}

/* The durable writes a refresh makes: the same five files, keel_file_write_atomic each. */
static double writes_once(const char *repo, const char *dir)
{
    static const char *const files[] = {"2.root.json", "3.root.json", "timestamp.json",
                                        "snapshot.json", "targets.json"};
    char path[PATH_LEN], *data[5] = {0};
    size_t len[5] = {0};
    double t0, t;

    for (int i = 0; i < 5; i++) {
        path_in(path, repo, files[i]);
        if (keel_file_read(path, KEEL_UPDATE_META_MAX, &data[i], &len[i]) != KEEL_OK)
            die("cannot read the metadata repository");
    }
    t0 = bench_now();
    for (int i = 0; i < 5; i++) {
        path_in(path, dir, files[i][0] == '2' || files[i][0] == '3' ? "root.json" : files[i]);
        if (keel_file_write_atomic(path, data[i], len[i], 0600) != KEEL_OK)
            die("keel_file_write_atomic");
    }
    t = bench_now() - t0;
    for (int i = 0; i < 5; i++)
        keel_file_free(data[i], len[i]);
    return t;
}

static void measure_refresh(void)
{
    char repo[PATH_LEN], trust[PATH_LEN], scratch[PATH_LEN], name[32];
    double refresh_s[REFRESH_RUNS], write_s[REFRESH_RUNS], r, w;
    int64_t now = (int64_t)time(NULL);

    path_in(repo, work, "meta-repo");
    path_in(scratch, work, "writes");
    make_meta_repo(repo, now);
    if (mkdir(scratch, 0700) != 0)
        die("cannot make a scratch directory");
    for (int i = 0; i < REFRESH_RUNS; i++) {
        (void)keel_str_format(name, sizeof(name), "trust-%d", i);
        path_in(trust, work, name);
        refresh_s[i] = refresh_once(repo, trust, now);
        write_s[i] = writes_once(repo, scratch);
    }
    r = median(refresh_s, REFRESH_RUNS);
    w = median(write_s, REFRESH_RUNS);
    printf("  full refresh (root chain 1->%u, timestamp, snapshot, targets of %u targets, "
           "threshold 1): %.2f ms (median of %d)\n",
           REFRESH_ROOTS, REFRESH_TARGETS, r * 1e3, REFRESH_RUNS);
    printf("  reference (the same five files written durably, keel_file_write_atomic): "
           "%.2f ms\n",
           w * 1e3);
    printf("  ratio refresh/reference time: %.2f (verification costs %.2f ms)\n", r / w,
           (r - w) * 1e3);
}

/* At exit, whatever the way out: nginx stopped, the work directory (images, slot) removed. */
static void cleanup(void)
{
    char cmd[64];

    keel_test_nginx_stop(&nginx);
    if (keel_str_format(cmd, sizeof(cmd), "rm -rf '%s'", work) == KEEL_OK && system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", work);
}

int main(int argc, char **argv)
{
    char targets[PATH_LEN];
    ssize_t n;

    if (argc == 9 && strcmp(argv[1], "--install") == 0)
        return install_child(argv);
    if (argc != 1)
        die("usage: bench_update_install");
    n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        die("cannot find this program");
    self_exe[n] = '\0';
    bench_print_machine("update install");
    keel_log_configure(KEEL_LOG_WARN, NULL, NULL);
    if (mkdtemp(work) == NULL)
        die("cannot make a work directory");
    atexit(cleanup);
    if (keel_test_nginx_start(&nginx) != 0)
        die("cannot start nginx");
    path_in(targets, nginx.root, "targets");
    if (mkdir(targets, 0755) != 0)
        die("cannot make the repository's targets directory");
    measure_install(&nginx);
    measure_refresh();
    return 0;
}
