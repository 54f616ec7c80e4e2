/* Power loss: a writer process (store_writer) putting ever-increasing values is killed with
 * SIGKILL at random moments, KEEL_STORE_KILLS times (default 200 on the file backend, 100 on
 * a TPM; scripts/soak asks for thousands). After every kill the store must open without an
 * error and hold a complete state: the generation is the last one the writer reported or
 * the one it was writing, the value is the one written at that generation, the counter has
 * caught up with it, and the record written before the test began is intact.
 * argv[1]: the backend. On tpm2 every kill also reboots swtpm (state kept): a power cut
 * takes the TPM down with the process, and with it the transient objects the process had
 * loaded (without a resource manager nothing else would flush them). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "keel/store.h"
#include "store_env.h"
#include "store_writer.h"

static const char *backend = "file";
static store_env env;

struct tally {
    int kills;
    int in_flight_landed; /* the put being written when killed was found complete */
    int counter_behind;   /* killed between the file and the counter: open completed it */
    int before_first_put;
    int leftovers; /* temporaries of cut writes found before an open (which removes them) */
};

static int count_leftovers(void)
{
    int n = 0;
    DIR *d = opendir(env.dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "store.tmp-", 10) == 0;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    keel_store *s = NULL;
    int ok;
    (void)state;
    if (store_env_setup(&env, backend) != 0 || keel_store_create(env.path, env.rot) != KEEL_OK ||
        keel_store_open(env.path, env.rot, &s) != KEEL_OK)
        return -1;
    ok = keel_store_put(s, "static", "written before the first kill", 29) == KEEL_OK;
    keel_store_close(s);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    store_env_teardown(&env);
    return 0;
}

static pid_t start_writer(int *out_fd)
{
    int fds[2];
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(STORE_WRITER, STORE_WRITER, env.spec, env.state, env.path, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

/* The writer's reports, read from its pipe: the last generation it completed. */
struct reports {
    int fd;
    char line[32];
    size_t n;
    uint64_t last;
    int any;
};

/* Take bytes from the pipe; stop after the first complete line when one_line is set, or at
 * the end of the file. */
static void read_reports(struct reports *r, int one_line)
{
    char c;
    ssize_t got;

    while ((got = read(r->fd, &c, 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got < 0)
            continue;
        if (c != '\n') {
            if (r->n + 1 < sizeof(r->line))
                r->line[r->n++] = c;
            continue;
        }
        r->line[r->n] = '\0';
        assert_int_equal(keel_str_to_u64(r->line, 1, UINT64_MAX, &r->last), KEEL_OK);
        r->any = 1;
        r->n = 0;
        if (one_line)
            return;
    }
}

/* Open after a kill and check the state against what the writer reported. */
static uint64_t check_after_kill(uint64_t start, uint64_t reported, int any, struct tally *t)
{
    uint8_t want[STORE_WRITER_VALUE_LEN];
    uint8_t got[STORE_WRITER_VALUE_LEN];
    char text[64];
    size_t len = 0;
    uint64_t counter = 0;
    uint64_t gen;
    keel_store *s = NULL;

    assert_int_equal(store_env_reboot(&env), 0);
    assert_int_equal(store_env_rot_open(&env), 0);
    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    t->leftovers += count_leftovers();
    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    assert_int_equal(count_leftovers(), 0);
    gen = keel_store_generation(s);
    if (gen != reported && gen != reported + 1)
        fail_msg("kill %d: generation %llu, writer last reported %llu", t->kills,
                 (unsigned long long)gen, (unsigned long long)reported);
    t->in_flight_landed += gen == reported + 1;
    t->counter_behind += counter + 1 == gen;
    t->before_first_put += !any;
    if (gen > start) { /* the writer has written "counter" */
        store_writer_value(gen, want);
        assert_int_equal(keel_store_get(s, "counter", got, sizeof(got), &len), KEEL_OK);
        assert_int_equal(len, sizeof(got));
        assert_memory_equal(got, want, sizeof(got));
    }
    assert_int_equal(keel_store_get(s, "static", text, sizeof(text), &len), KEEL_OK);
    assert_int_equal(len, 29);
    keel_store_close(s);
    assert_int_equal(keel_rot_counter_read(env.rot, KEEL_ROT_COUNTER_STORE, &counter), KEEL_OK);
    assert_int_equal(counter, gen);
    store_env_rot_close(&env);
    return gen;
}

static int kills_wanted(void)
{
    const char *v = getenv("KEEL_STORE_KILLS");
    uint64_t n = 0;
    if (v != NULL && keel_str_to_u64(v, 1, 1000000, &n) == KEEL_OK)
        return (int)n;
    return env.tpm2 ? 100 : 200;
}

static void test_kill_at_random_moments(void **state)
{
    struct tally t = {0, 0, 0, 0, 0};
    uint64_t gen;
    uint64_t start;
    int kills = kills_wanted();
    keel_store *s = NULL;
    (void)state;

    assert_int_equal(keel_store_open(env.path, env.rot, &s), KEEL_OK);
    gen = start = keel_store_generation(s);
    keel_store_close(s);
    store_env_rot_close(&env); /* one client at a time on the TPM */
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (t.kills = 0; t.kills < kills; t.kills++) {
        struct reports r = {.fd = -1, .last = gen};
        int status = 0;
        pid_t pid = start_writer(&r.fd);
        /* Half the kills land anywhere from start-up on, half once puts are under way. */
        if (t.kills % 2 == 1)
            read_reports(&r, 1);
        usleep((useconds_t)(rand() % (env.tpm2 ? 80000 : 20000))); /* a TPM is slower */
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("kill %d: the writer exited by itself (status %d)", t.kills,
                     WEXITSTATUS(status));
        read_reports(&r, 0);
        close(r.fd);
        gen = check_after_kill(start, r.last, r.any, &t);
    }
    print_message("%d kills: %d found the put in flight complete, %d completed the counter at "
                  "open, %d before the first put, %d temporaries removed; generation %llu\n",
                  t.kills, t.in_flight_landed, t.counter_behind, t.before_first_put, t.leftovers,
                  (unsigned long long)gen);
    assert_int_equal(store_env_rot_open(&env), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_at_random_moments),
    };
    backend = store_env_backend(argc, argv);
    return cmocka_run_group_tests_name(backend, tests, setup, teardown);
}
